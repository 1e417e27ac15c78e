"""The kiosk's scan endpoint: the signed kiosk token opens the door, nothing else does."""

import time

import pytest
from django.contrib.auth import get_user_model
from django.core import signing

from markaz.centre import services
from markaz.centre.models import Centre, DoorEvent, Presence
from markaz.core.models import StaffProfile

pytestmark = pytest.mark.django_db
URL = "/kiosk/device-scan/"


@pytest.fixture(autouse=True)
def forget_kiosk_tokens():
    services._KIOSK_SEEN.clear()
    yield
    services._KIOSK_SEEN.clear()


@pytest.fixture
def kiosk_user(small_centre):
    user = get_user_model().objects.create_user("door-staff", password="x-door-staff-pw")
    StaffProfile.objects.create(user=user, role="coordinator", centre=small_centre)
    return user


def scan(client, token, code, language="fr"):
    client.cookies["markaz_language"] = language
    return client.post(URL, {"code": code}, HTTP_X_KIOSK_TOKEN=token, HTTP_HX_REQUEST="true")


def test_the_kiosk_token_lets_the_page_record_an_entry(client, small_centre, badges, kiosk_user):
    token = services.kiosk_token(centre=small_centre, user=kiosk_user)

    response = scan(client, token, badges[0])

    assert response.status_code == 200
    assert b'data-kind="entry"' in response.content
    assert b"1 / 3" in response.content
    assert Centre.objects.get(pk=small_centre.pk).occupancy == 1
    # The same token again (remembered for a minute) still works: the next learner enters.
    assert b'data-kind="entry"' in scan(client, token, badges[1]).content


@pytest.mark.parametrize("language, words", [("fr", "Entrée"), ("ar", "المدخل")])
def test_a_forged_or_missing_kiosk_token_records_nothing(
    client, small_centre, badges, kiosk_user, language, words
):
    good = services.kiosk_token(centre=small_centre, user=kiosk_user)
    for token in ("", good[:-3] + "abc", f"{small_centre.pk}:1:forged"):
        response = scan(client, token, badges[0], language)
        assert response.status_code == 403
        assert b'data-kind="kiosk-expired"' in response.content
        assert words in response.content.decode()
    assert Centre.objects.get(pk=small_centre.pk).occupancy == 0
    assert not Presence.objects.exists() and not DoorEvent.objects.exists()


def test_a_kiosk_token_from_yesterday_no_longer_opens_the_door(
    client, small_centre, badges, kiosk_user, monkeypatch
):
    yesterday = time.time() - services.KIOSK_TOKEN_AGE.total_seconds() - 60
    monkeypatch.setattr(signing.time, "time", lambda: yesterday)
    token = services.kiosk_token(centre=small_centre, user=kiosk_user)
    monkeypatch.undo()

    response = scan(client, token, badges[0])

    assert response.status_code == 403
    assert not Presence.objects.exists() and not DoorEvent.objects.exists()


def test_the_answer_escapes_what_came_from_the_register():
    from markaz.centre.door_html import scan_result

    html = scan_result("entry", 'Welcome, <img src=x onerror="alert(1)">.', 2, 100)

    assert "<img" not in html and "&lt;img" in html
    assert 'data-kind="entry"' in html and "2 / 100" in html
