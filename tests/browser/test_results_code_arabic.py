"""A youth on a phone, in Arabic, answers an offer (issue 13, "someone else's seat"): the CIN and
the birth date show the result; the page says a code was sent to the phone ending in its last
two digits (never the whole number) and, with the demo's file SMS backend, where to read it;
the code from the SMS opens the accept button."""

import json

import pytest

from markaz.core.models import OutboxMessage
from markaz.programmes.models import Enrolment, Offer, Outcome
from tests.factories import sms_code
from tests.programmes.test_services import published, ranked  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _rtl(page) -> None:
    assert page.locator("html").get_attribute("dir") == "rtl"
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], (page.url, width)


def test_youth_accepts_with_the_code_from_the_sms_in_arabic(
    live_server,
    published,  # noqa: F811
    phone,
    screenshot,
    settings,
    tmp_path,
):
    settings.MARKAZ_SMS_BACKEND = "markaz.core.sms.FileBackend"
    settings.MARKAZ_SMS_FILE = tmp_path / "sms-outbox.log"
    outcome = (
        Outcome.objects.filter(run=published, cohort__isnull=False)
        .select_related("application__person")
        .order_by("pk")
        .first()
    )
    person = outcome.application.person
    offer = Offer.objects.get(run=published, application=outcome.application)
    page = phone

    page.goto(live_server.url + "/results/")
    page.locator("#language-switcher button[value=ar]").first.click()
    page.wait_for_selector("html[dir=rtl]")
    page.fill("#id_cin", person.cin.lower())
    page.fill("#id_birth_date", person.birth_date.isoformat())
    page.locator("main form button[type=submit]").click()
    page.wait_for_selector("#code-sent")
    _rtl(page)
    sent = page.locator("#code-sent").inner_text()
    assert "أرسلنا رمزًا" in sent and person.phone[-2:] in sent
    assert person.phone[-6:] not in page.content()
    assert "var/sms-outbox.log" in page.locator("#sms-file").inner_text()
    assert page.locator("form[action$='/accept/']").count() == 0
    screenshot(page, "results-code-ar-phone")

    # A wrong code: the page says so in Arabic, nothing changes.
    code = sms_code(person.phone)
    page.fill("#id_code", f"{(int(code) + 1) % 1_000_000:06d}")
    page.locator("form[action$='/results/verify/'] button[type=submit]").click()
    page.wait_for_selector(".invalid-feedback")
    assert "هذا الرمز غير صحيح" in page.locator(".invalid-feedback").inner_text()
    offer.refresh_from_db()
    assert offer.status == Offer.Status.OFFERED

    # The code of the SMS (queued in the outbox, and written by the file backend where the page
    # said) opens the answer.
    message = OutboxMessage.objects.get(kind="otp", phone=person.phone)
    assert code in message.body and message.language == "ar"
    lines = [json.loads(line) for line in settings.MARKAZ_SMS_FILE.read_text().splitlines()]
    assert any(code in line["text"] and line["phone"] == person.phone for line in lines)
    page.fill("#id_code", code)
    page.locator("form[action$='/results/verify/'] button[type=submit]").click()
    page.wait_for_selector("form[action$='/accept/']")
    _rtl(page)
    page.locator("form[action$='/accept/'] button").click()
    page.wait_for_selector("#my-badge")
    _rtl(page)
    screenshot(page, "results-code-accepted-ar-phone")
    offer.refresh_from_db()
    assert offer.status == Offer.Status.ACCEPTED
    assert Enrolment.objects.filter(person=person, withdrawn_at__isnull=True).count() == 1
