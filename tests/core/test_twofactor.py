"""Staff two-factor authentication (issue 13 §3): enrolment with a QR code and a first code,
ten recovery codes that work once, the verify step after the password, the redirects when two
factors are required, throttled codes, turning it off with the password and an administrator's
audited reset.

Personas: `trainer` (sees people: two factors required in production), `caravan_staff` (never
sees a person: offered, not required), `provincial_viewer` (required), `admin_user`,
`coordinator`."""

import time

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from markaz.core import twofactor
from markaz.core.models import AuditEvent

pytestmark = pytest.mark.django_db
PASSWORD = "a-Long-pass-2026"
ENROL = "/account/2fa/"
VERIFY = "/account/2fa/verify/"


def code_for(device, step_offset=0):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + step_offset * device.step
    return f"{totp.token():06d}"


def password_login(client, user):
    user.set_password(PASSWORD)
    user.save()
    response = client.post("/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return response


def enrolled(client, user):
    """Enrol `user` through the pages; return the device and the recovery codes."""
    client.force_login(user)
    assert client.get(ENROL).status_code == 200
    device = TOTPDevice.objects.get(user=user)
    response = client.post(ENROL, {"action": "confirm", "code": code_for(device)})
    assert response.status_code == 200
    device.refresh_from_db()
    client.logout()
    return device, response.context["codes"]


def test_enrolment_shows_a_qr_code_and_the_secret_and_confirms_with_a_first_code(client, trainer):
    client.force_login(trainer)
    page = client.get(ENROL)
    html = page.content.decode()
    device = TOTPDevice.objects.get(user=trainer)
    assert not device.confirmed
    assert "<svg" in html and 'id="twofactor-qr"' in html
    secret = page.context["secret"]
    assert secret.replace(" ", "") and secret in html
    # Reloading the page keeps the same secret (the phone may already have scanned it).
    assert client.get(ENROL).context["secret"] == secret

    wrong = client.post(ENROL, {"action": "confirm", "code": "000000"})
    assert wrong.status_code == 400 and 'id="twofactor-error"' in wrong.content.decode()
    device.refresh_from_db()
    assert not device.confirmed and not StaticDevice.objects.exists()
    device.throttling_failure_count = 0  # django-otp's own back-off after the wrong code
    device.throttling_failure_timestamp = None
    device.save()

    done = client.post(ENROL, {"action": "confirm", "code": code_for(device)})
    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(codes) == 10 == len(set(codes))
    for code in codes:
        assert code in done.content.decode()
    device.refresh_from_db()
    assert device.confirmed
    assert StaticToken.objects.filter(device__user=trainer).count() == 10
    assert AuditEvent.objects.filter(action="2fa_enrolled", object_id=str(trainer.pk)).exists()
    # This session is verified: pages open.
    assert client.get(reverse("registry:person_list")).status_code == 200
    # The codes are never shown again: the page now shows the status.
    status = client.get(ENROL)
    assert status.status_code == 200 and 'id="twofactor-on"' in status.content.decode()
    assert not any(code in status.content.decode() for code in codes)


def test_after_the_password_a_user_with_a_device_must_give_a_code(client, trainer):
    device, _codes = enrolled(client, trainer)
    password_login(client, trainer)
    response = client.get("/registry/")
    assert response.status_code == 302
    assert response.url == VERIFY + "?next=%2Fregistry%2F"
    # Every page, htmx included, leads to the verify step.
    htmx = client.get("/registry/", HTTP_HX_REQUEST="true")
    assert htmx.headers["HX-Redirect"].startswith(VERIFY)
    assert client.get(VERIFY).status_code == 200
    answer = client.post(VERIFY, {"code": code_for(device, 1), "next": "/registry/"})
    assert answer.status_code == 302 and answer.url == "/registry/"
    assert client.get("/registry/").status_code == 200


def test_a_recovery_code_works_once(client, trainer):
    _device, codes = enrolled(client, trainer)
    password_login(client, trainer)
    ok = client.post(VERIFY, {"code": codes[0].upper(), "next": "/registry/"})
    assert ok.status_code == 302 and ok.url == "/registry/"
    assert StaticToken.objects.filter(device__user=trainer).count() == 9
    assert AuditEvent.objects.filter(action="2fa_recovery_code_used").count() == 1
    client.post("/logout/")

    password_login(client, trainer)
    again = client.post(VERIFY, {"code": codes[0], "next": "/registry/"})
    assert again.status_code == 400
    assert client.get("/registry/").status_code == 302  # still not verified
    assert StaticToken.objects.filter(device__user=trainer).count() == 9


@pytest.mark.parametrize("persona", ["trainer", "mentor", "coordinator", "provincial_viewer"])
def test_when_required_every_page_leads_to_enrolment(client, settings, request, persona, centre):
    settings.MARKAZ_REQUIRE_2FA = True
    user = request.getfixturevalue(persona)
    client.force_login(user)
    response = client.get(reverse("core:dashboard"))
    assert response.status_code == 302 and response.url.startswith(ENROL + "?next=")
    page = client.get(ENROL)
    assert page.status_code == 200 and 'id="twofactor-required"' in page.content.decode()
    # Signing out stays possible.
    assert client.post("/logout/").status_code == 302


def test_when_required_caravan_staff_are_offered_not_forced(client, settings, caravan_staff):
    settings.MARKAZ_REQUIRE_2FA = True
    client.force_login(caravan_staff)
    assert client.get(reverse("caravan:tour_list")).status_code == 200


def test_not_required_in_the_demo_and_the_login_page_says_so(client, settings, trainer):
    settings.MARKAZ_REQUIRE_2FA = False
    login = client.get("/login/").content.decode()
    assert 'id="twofactor-note"' in login and "proposée ici, pas exigée" in login
    client.force_login(trainer)
    assert client.get(reverse("registry:person_list")).status_code == 200


def test_the_tablet_api_answers_401_until_the_second_factor(client, caravan_staff):
    enrolled(client, caravan_staff)
    password_login(client, caravan_staff)
    response = client.get(reverse("caravan:tablet_visits"), HTTP_ACCEPT="application/json")
    assert response.status_code == 401 and "error" in response.json()


def test_wrong_codes_are_throttled(client, trainer):
    device, _codes = enrolled(client, trainer)
    password_login(client, trainer)
    for _ in range(twofactor.THROTTLE_LIMIT):
        assert client.post(VERIFY, {"code": "12345678"}).status_code == 400
    device.refresh_from_db()
    device.throttling_failure_count = 0  # only Markaz's counter is left to refuse
    device.save()
    refused = client.post(VERIFY, {"code": code_for(device, 1)})
    assert refused.status_code == 429
    assert "15" in refused.context["error"]
    assert client.get("/registry/").status_code == 302  # not verified


def test_a_user_turns_it_off_with_the_password_only_when_verified(client, trainer):
    device, _codes = enrolled(client, trainer)
    password_login(client, trainer)
    # Password alone (session not verified): the form is out of reach.
    blocked = client.post(ENROL, {"action": "disable", "password": PASSWORD})
    assert blocked.status_code == 302 and blocked.url == VERIFY
    assert TOTPDevice.objects.filter(user=trainer).exists()

    client.post(VERIFY, {"code": code_for(device, 1)})
    wrong = client.post(ENROL, {"action": "disable", "password": "nope"})
    assert wrong.status_code == 400
    assert TOTPDevice.objects.filter(user=trainer, confirmed=True).exists()
    assert not AuditEvent.objects.filter(action="2fa_disabled").exists()

    done = client.post(ENROL, {"action": "disable", "password": PASSWORD})
    assert done.status_code == 302
    assert not TOTPDevice.objects.filter(user=trainer, confirmed=True).exists()
    assert not StaticDevice.objects.filter(user=trainer).exists()
    assert AuditEvent.objects.filter(action="2fa_disabled", actor=trainer).exists()
    assert client.get("/registry/").status_code == 200


def test_an_administrator_resets_a_staff_members_second_factor(
    client, trainer, admin_user, coordinator
):
    enrolled(client, trainer)
    url = reverse("core:twofactor_reset", args=[trainer.pk])
    client.force_login(coordinator)
    assert client.post(url).status_code == 403
    assert TOTPDevice.objects.filter(user=trainer).exists()
    client.logout()

    client.force_login(admin_user)
    response = client.post(url)
    assert response.status_code == 302 and response.url == reverse("centre:settings_staff")
    assert not TOTPDevice.objects.filter(user=trainer).exists()
    assert not StaticDevice.objects.filter(user=trainer).exists()
    event = AuditEvent.objects.get(action="2fa_reset")
    assert event.actor == admin_user and event.object_id == str(trainer.pk)
    assert event.detail["devices_removed"] == 2
    missing = client.post(reverse("core:twofactor_reset", args=[99999]))
    assert missing.status_code == 400
    assert AuditEvent.objects.filter(action="2fa_reset").count() == 1


def test_the_staff_list_offers_the_reset_to_administrators_only(client, admin_user, coordinator):
    client.force_login(admin_user)
    html = client.get(reverse("centre:settings_staff")).content.decode()
    assert reverse("core:twofactor_reset", args=[coordinator.pk]) in html
    client.force_login(coordinator)
    html = client.get(reverse("centre:settings_staff")).content.decode()
    assert "/account/2fa/reset/" not in html
