"""The Content-Security-Policy in a real Chromium: the sign-in pages and the two-factor
enrolment run with it, and an inline script is blocked and reported (which is what makes every
other browser test fail on a violation: tests/browser/conftest.py)."""

import time

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import CSP_VIOLATIONS

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "a-Long-pass-2026"


def test_an_inline_script_is_blocked_and_reported(live_server, centre, phone):
    phone.goto(live_server.url + "/login/")
    phone.evaluate(
        """() => { const s = document.createElement("script");
                   s.textContent = "window.__ran = true"; document.body.appendChild(s); }"""
    )
    phone.wait_for_timeout(200)
    assert phone.evaluate("() => window.__ran === undefined")
    assert any("Content Security Policy" in v for v in CSP_VIOLATIONS)
    CSP_VIOLATIONS.clear()  # seen: this test wanted it


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_a_trainer_enrols_and_confirms_sign_in_on_a_phone(
    live_server, trainer, phone, screenshot, language
):
    trainer.set_password(PASSWORD)
    trainer.save()
    phone.context.add_cookies(
        [{"name": "markaz_language", "value": language, "url": live_server.url}]
    )
    phone.goto(live_server.url + "/login/")
    assert phone.locator("#twofactor-note").is_visible()
    phone.fill("#id_username", "trainer")
    phone.fill("#id_password", PASSWORD)
    phone.click("main form button[type=submit]")
    phone.wait_for_url("**/dashboard/")
    phone.goto(live_server.url + "/account/2fa/")
    assert phone.locator("#twofactor-qr svg").is_visible()
    screenshot(phone, f"twofactor-enrol-{language}")
    device = TOTPDevice.objects.get(user=trainer)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    phone.fill("#id_code", f"{totp.token():06d}")
    phone.click("main form button[type=submit] >> nth=0")
    assert phone.locator("#recovery-codes li").count() == 10
    screenshot(phone, f"twofactor-codes-{language}")

    # Next sign-in: the code step after the password.
    phone.context.clear_cookies()
    phone.context.add_cookies(
        [{"name": "markaz_language", "value": language, "url": live_server.url}]
    )
    phone.goto(live_server.url + "/login/?next=/sessions/mine/")
    phone.fill("#id_username", "trainer")
    phone.fill("#id_password", PASSWORD)
    phone.click("main form button[type=submit]")
    phone.wait_for_url("**/account/2fa/verify/**")
    screenshot(phone, f"twofactor-verify-{language}")
    totp.time = time.time() + device.step  # the next step: a code is never accepted twice
    phone.fill("#id_code", f"{totp.token():06d}")
    phone.click("main form button[type=submit] >> nth=0")
    phone.wait_for_url("**/sessions/mine/")
