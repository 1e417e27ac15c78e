"""The entrance kiosk runs on a tablet paired once by a coordinator (issue 12, §5): a device
secret (stored hashed, named, revocable, with its last use) opens the door's scan and count,
nothing else; no staff session ever runs on the tablet.

Personas: `coordinator` pairs and revokes; `trainer` and `mentor` may not; an anonymous tablet."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from markaz.centre import services
from markaz.centre.models import Centre, DoorEvent, KioskDevice, Presence
from markaz.core.models import AuditEvent

pytestmark = pytest.mark.django_db
URL = "/kiosk/device-scan/"


def scan(client, token, code, language="fr"):
    client.cookies["markaz_language"] = language
    return client.post(URL, {"code": code}, HTTP_X_KIOSK_TOKEN=token, HTTP_HX_REQUEST="true")


@pytest.fixture
def paired(small_centre, coordinator):
    """A tablet paired through the services: (device, its secret)."""
    device, code = services.kiosk_device_create(
        centre=small_centre, name="Tablette entrée", actor=coordinator
    )
    return services.kiosk_device_pair(code=code)


def test_a_coordinator_pairs_a_tablet_that_then_runs_the_door_without_staff(
    client, small_centre, badges, coordinator
):
    client.force_login(coordinator)
    page = client.post(reverse("centre:kiosk_devices"), {"name": "Tablette entrée"})
    assert page.status_code == 200
    code = page.context["pairing_code"]
    link = page.context["pairing_link"]
    assert code in page.content.decode() and link in page.content.decode()
    device = KioskDevice.objects.get()
    assert device.name == "Tablette entrée" and device.created_by == coordinator
    # Only hashes are stored: neither the code nor (later) the secret is in the database.
    assert code.replace("-", "") not in str(KioskDevice.objects.values().get())
    # The list shows the device but never its code again.
    again = client.get(reverse("centre:kiosk_devices")).content.decode()
    assert "Tablette entrée" in again and code not in again
    client.logout()

    # The tablet (no login) opens the link: a GET consumes nothing; the POST pairs it.
    tablet = client
    assert tablet.get(link).status_code == 200
    response = tablet.post(reverse("centre:kiosk_pair"), {"code": code.lower()})
    assert response.status_code == 302 and response.url == reverse("centre:kiosk")
    cookie = response.cookies[services.KIOSK_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Strict" and cookie["path"] == "/kiosk/"
    secret = cookie.value
    assert secret not in str(KioskDevice.objects.values().get())
    assert "_auth_user_id" not in tablet.session  # no staff session on the tablet

    kiosk = tablet.get(reverse("centre:kiosk"))
    assert kiosk.status_code == 200
    html = kiosk.content.decode()
    assert secret in html  # the page sends it with each scan (X-Kiosk-Token)
    assert reverse("registry:person_list") not in html  # no menu: one tap from nothing
    answer = scan(tablet, secret, badges[0])
    assert b'data-kind="entry"' in answer.content and b"1 / 3" in answer.content
    count = tablet.get(reverse("centre:kiosk_count"), HTTP_X_KIOSK_TOKEN=secret)
    assert count.status_code == 200 and b"1 / 3" in count.content
    device.refresh_from_db()
    assert device.paired_at is not None and device.last_used_at is not None
    # The code worked once.
    assert tablet.post(reverse("centre:kiosk_pair"), {"code": code}).status_code == 400


def test_the_paired_tablet_can_do_nothing_else(client, small_centre, paired, badges):
    _device, secret = paired
    client.cookies[services.KIOSK_COOKIE] = secret
    for url in (
        reverse("registry:person_list"),
        reverse("centre:roll_call"),
        reverse("centre:kiosk_devices"),
        reverse("core:dashboard"),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response.url, url


def test_revoking_a_tablet_stops_its_next_scan(client, small_centre, badges, paired, coordinator):
    device, secret = paired
    assert b'data-kind="entry"' in scan(client, secret, badges[0]).content
    client.force_login(coordinator)
    response = client.post(reverse("centre:kiosk_device_revoke", args=[device.pk]))
    assert response.status_code == 302
    client.logout()
    device.refresh_from_db()
    assert device.revoked_at is not None and device.revoked_by == coordinator
    before = (Presence.objects.count(), DoorEvent.objects.count())

    refused = scan(client, secret, badges[1])  # at once: no cache grace

    assert refused.status_code == 403
    assert b'data-kind="kiosk-expired"' in refused.content
    assert (Presence.objects.count(), DoorEvent.objects.count()) == before
    assert Centre.objects.get(pk=small_centre.pk).occupancy == 1
    assert client.get(reverse("centre:kiosk_count"), HTTP_X_KIOSK_TOKEN=secret).status_code == 403
    client.cookies[services.KIOSK_COOKIE] = secret
    assert client.get(reverse("centre:kiosk")).status_code == 403  # the page itself says so
    assert AuditEvent.objects.filter(action="kiosk_device_revoke").count() == 1


@pytest.mark.parametrize("language, words", [("fr", "appairer"), ("ar", "الإقران")])
def test_a_forged_or_missing_token_records_nothing(
    client, small_centre, badges, paired, language, words
):
    _device, secret = paired
    for token in ("", secret[:-3] + "abc", "x" * 500, f"{small_centre.pk}:1:forged"):
        response = scan(client, token, badges[0], language)
        assert response.status_code == 403
        assert b'data-kind="kiosk-expired"' in response.content
        assert words in response.content.decode()
    assert Centre.objects.get(pk=small_centre.pk).occupancy == 0
    assert not Presence.objects.exists() and not DoorEvent.objects.exists()


def test_a_staff_login_no_longer_runs_the_kiosk(client, small_centre, trainer, coordinator):
    client.force_login(trainer)
    assert client.get(reverse("centre:kiosk")).status_code == 403
    assert client.get(reverse("centre:kiosk_count")).status_code == 403
    assert client.get(reverse("centre:kiosk_devices")).status_code == 403
    assert client.post(reverse("centre:kiosk_devices"), {"name": "x"}).status_code == 403
    client.force_login(coordinator)
    assert client.get(reverse("centre:kiosk")).url == reverse("centre:kiosk_devices")
    assert not KioskDevice.objects.exists()


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_bad_pairing_input_says_why_and_writes_nothing(client, small_centre, coordinator, language):
    device, code = services.kiosk_device_create(
        centre=small_centre, name="Tablette", actor=coordinator, pairing_age=dt.timedelta(minutes=1)
    )
    client.cookies["markaz_language"] = language
    for bad in ("", "NOPE-NOPE-NOPE", code + "X"):
        response = client.post(reverse("centre:kiosk_pair"), {"code": bad})
        assert response.status_code == 400
        assert services.KIOSK_COOKIE not in response.cookies
    KioskDevice.objects.filter(pk=device.pk).update(
        pairing_expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    expired = client.post(reverse("centre:kiosk_pair"), {"code": code})
    assert expired.status_code == 400
    message = "expiré" if language == "fr" else "انتهت"
    assert message in expired.content.decode()
    device.refresh_from_db()
    assert device.token_hash is None and device.paired_at is None
    client.force_login(coordinator)
    blank = client.post(reverse("centre:kiosk_devices"), {"name": "  "})
    assert blank.status_code == 400 and KioskDevice.objects.count() == 1


def test_a_new_pairing_code_replaces_the_old_tablet(
    client, small_centre, badges, paired, coordinator
):
    device, old_secret = paired
    code = services.kiosk_device_pairing_renew(device=device, actor=coordinator)
    assert b'data-kind="entry"' in scan(client, old_secret, badges[0]).content  # until used
    _device, new_secret = services.kiosk_device_pair(code=code)
    assert scan(client, old_secret, badges[1]).status_code == 403
    assert b'data-kind="entry"' in scan(client, new_secret, badges[1]).content


def test_last_used_is_written_at_most_once_a_minute(small_centre, paired):
    device, secret = paired
    t0 = timezone.now() + dt.timedelta(minutes=5)
    assert services.kiosk_centre_id(secret, now=t0) == small_centre.pk
    device.refresh_from_db()
    assert abs(device.last_used_at - t0) < dt.timedelta(seconds=1)
    services.kiosk_centre_id(secret, now=t0 + dt.timedelta(seconds=30))
    device.refresh_from_db()
    assert abs(device.last_used_at - t0) < dt.timedelta(seconds=1)
    services.kiosk_centre_id(secret, now=t0 + dt.timedelta(seconds=61))
    device.refresh_from_db()
    assert device.last_used_at > t0 + dt.timedelta(seconds=60)


def test_the_answer_escapes_what_came_from_the_register():
    from markaz.centre.door_html import scan_result

    html = scan_result("entry", 'Welcome, <img src=x onerror="alert(1)">.', 2, 100)

    assert "<img" not in html and "&lt;img" in html
    assert 'data-kind="entry"' in html and "2 / 100" in html


def test_a_tablet_stops_when_idle_too_long_or_paired_too_long_ago(small_centre, paired, settings):
    device, secret = paired
    settings.MARKAZ_KIOSK_IDLE_DAYS = 30
    settings.MARKAZ_KIOSK_MAX_AGE_DAYS = 365
    now = timezone.now()
    KioskDevice.objects.filter(pk=device.pk).update(last_used_at=now - dt.timedelta(days=31))
    assert services.kiosk_centre_id(secret, now=now) is None
    KioskDevice.objects.filter(pk=device.pk).update(
        last_used_at=now - dt.timedelta(days=1), paired_at=now - dt.timedelta(days=366)
    )
    assert services.kiosk_centre_id(secret, now=now) is None
    KioskDevice.objects.filter(pk=device.pk).update(paired_at=now - dt.timedelta(days=300))
    assert services.kiosk_centre_id(secret, now=now) == small_centre.pk


def test_a_tablet_stops_when_the_coordinator_who_paired_it_is_deactivated(
    client, small_centre, badges, paired, coordinator
):
    device, secret = paired
    assert device.paired_by == coordinator
    coordinator.is_active = False
    coordinator.save(update_fields=["is_active"])
    response = scan(client, secret, badges[0])
    assert response.status_code == 403
    assert Presence.objects.count() == 0
