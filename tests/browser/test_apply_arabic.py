"""The newcomer's flow, in real headless Chromium, in Arabic, on a phone-sized screen:
open the site, switch to Arabic, apply through the public form, log in as coordinator and see
the application with its eligibility reasons."""

import pytest

from markaz.core.roles import Role
from markaz.registry.models import Person
from tests.factories import CentreFactory, staff, type_apply_code

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_apply_in_arabic_then_coordinator_sees_reasons(live_server, territory, phone, screenshot):
    centre = CentreFactory(
        code="berkane", name_fr="Centre de Berkane", name_ar="مركز الابتكار الرقمي ببركان"
    )
    staff("coordinator", Role.COORDINATOR, centre)
    page = phone

    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("dir") == "ltr"
    page.locator("#language-switcher button[value=ar]").first.click()
    page.wait_for_selector("html[dir=rtl]")
    assert page.locator("html").get_attribute("lang") == "ar"

    page.locator("main a[href='/apply/']").click()
    page.wait_for_selector("form #id_cin")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert "09-08" in page.locator("#notice").inner_text()
    screenshot(page, "apply-ar-phone")

    page.fill("#id_first_name_latin", "Salma")
    page.fill("#id_last_name_latin", "Bouazza")
    page.fill("#id_first_name_ar", "سلمى")
    page.fill("#id_last_name_ar", "بوعزة")
    page.fill("#id_cin", "fj 123 456")
    page.fill("#id_birth_date", "2001-04-12")
    page.check("input[name=sex][value=F]")
    page.fill("#id_phone", "06 61 23 45 67")
    page.select_option("#id_commune", "rislane")
    page.select_option("#id_activity_status", "student")
    page.select_option("#id_education_level", "bac")
    page.check("#id_consent")
    page.locator("main form button[type=submit]").click()
    # The application is complete only with the code sent by SMS to the phone given.
    assert Person.objects.count() == 0
    type_apply_code(page, "+212661234567", screenshot, "apply-code-ar-phone")
    page.wait_for_selector("[role=status]")
    assert "/thanks/" in page.url
    screenshot(page, "apply-thanks-ar-phone")

    person = Person.objects.get()
    assert (person.cin, person.phone, person.source) == ("FJ123456", "+212661234567", "public")

    page.goto(live_server.url + "/login/")
    page.fill("#id_username", "coordinator")
    page.fill("#id_password", "pw-test-12345")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/dashboard/")

    page.goto(live_server.url + "/registry/")
    page.fill("#id_q", "FJ123456")
    page.locator("form[role=search] button[type=submit]").click()
    page.locator(f"a[href='/registry/{person.pk}/']").first.click()
    page.wait_for_selector("#eligibility")
    assert page.locator("html").get_attribute("dir") == "rtl"
    rules = page.locator("#eligibility li")
    assert rules.count() == 3
    text = page.locator("#eligibility").inner_text()
    assert "البرنامج موجه للشباب غير الطلبة" in text  # the failed rule, in Arabic
    assert "ريسلان" in text  # the commune, named in Arabic
    screenshot(page, "applicant-ar-phone")
