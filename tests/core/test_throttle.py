"""Sessions and throttles shared by every web process, keyed on the real client (issue 13)."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client, RequestFactory, override_settings

from config.settings.base import cache_from_env
from markaz.core.throttle import client_ip, throttle_count, throttle_exceeded

pytestmark = pytest.mark.django_db


def _request(remote="203.0.113.7", forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


def test_without_a_trusted_proxy_the_header_is_ignored():
    assert client_ip(_request(forwarded="1.2.3.4")) == "203.0.113.7"


@override_settings(MARKAZ_TRUSTED_PROXIES=["10.0.0.0/8"])
def test_behind_a_trusted_proxy_the_client_is_the_last_untrusted_hop():
    assert client_ip(_request("10.0.0.2", "198.51.100.9")) == "198.51.100.9"
    # a client sending its own header cannot choose its address: the proxy appended the real one
    assert client_ip(_request("10.0.0.2", "1.1.1.1, 198.51.100.9")) == "198.51.100.9"
    assert client_ip(_request("10.0.0.2", "198.51.100.9, 10.0.0.5")) == "198.51.100.9"
    assert client_ip(_request("10.0.0.2", "not-an-ip")) == "10.0.0.2"
    assert client_ip(_request("10.0.0.2")) == "10.0.0.2"


@override_settings(MARKAZ_TRUSTED_PROXIES=["10.0.0.2"])
def test_two_clients_behind_the_proxy_have_their_own_counters():
    a, b = _request("10.0.0.2", "198.51.100.1"), _request("10.0.0.2", "198.51.100.2")
    for _ in range(3):
        throttle_count("t", a, window_s=60)
    assert throttle_exceeded("t", a, limit=3)
    assert not throttle_exceeded("t", b, limit=3)


SHARED = cache_from_env({})


def test_installs_share_their_counters_through_the_database_or_redis():
    assert SHARED["default"]["BACKEND"].endswith("DatabaseCache")
    redis = cache_from_env({"MARKAZ_REDIS_URL": "redis://127.0.0.1:6379/0"})
    assert redis["default"]["BACKEND"].endswith("RedisCache")
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"


@override_settings(CACHES=SHARED)
def test_the_counters_live_in_the_database_table_every_process_reads():
    from django.core.management import call_command

    call_command("createcachetable", verbosity=0)  # as core's migration 0005 does on an install
    throttle_count("t", _request(), window_s=60)
    throttle_count("t", _request(), window_s=60)
    with connection.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM markaz_cache")
        assert cur.fetchone()[0] == 1
    assert throttle_exceeded("t", _request(), limit=2)


def test_failed_result_lookups_are_throttled_for_every_session_of_an_address(centre):
    cache.clear()
    data = {"cin": "ZZ999999", "birth_date": "2000-01-01"}
    for _ in range(10):
        Client(REMOTE_ADDR="198.51.100.50").post("/results/", data)
    # a fresh client (new session, as another worker would see it) from the same address
    html = Client(REMOTE_ADDR="198.51.100.50").post("/results/", data).content.decode()
    assert "15 minutes" in html
    other = Client(REMOTE_ADDR="198.51.100.51").post("/results/", data).content.decode()
    assert "15 minutes" not in other


def test_a_session_ended_by_sign_out_cannot_be_replayed(client, coordinator):
    client.force_login(coordinator)
    stolen = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert client.get("/registry/").status_code == 200
    client.post("/logout/")
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = stolen
    response = replay.get("/registry/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_with_redis_configured_the_counters_live_in_redis():
    """MARKAZ_REDIS_URL: the same counters through the Redis server (127.0.0.1:6379 here and in
    CI), under a key prefix of this test's own."""
    import uuid

    shared = cache_from_env({"MARKAZ_REDIS_URL": "redis://127.0.0.1:6379/15"})
    shared["default"]["KEY_PREFIX"] = f"markaz-test-{uuid.uuid4().hex}"
    with override_settings(CACHES=shared):
        from django.core.cache import caches

        request = _request("198.51.100.77")
        for _ in range(2):
            throttle_count("redis", request, window_s=60)
        assert caches["default"].get("throttle:redis:198.51.100.77") == 2
        assert throttle_exceeded("redis", request, limit=2)
        caches["default"].delete("throttle:redis:198.51.100.77")
