"""Law 09-08 on a phone, in French and Arabic: a coordinator records a person's objection to
SMS (seeing first what stops and what the centre keeps), then reads the person's page in
Arabic with the objection and the history of corrections."""

import datetime as dt

import pytest

from markaz.core.models import SmsOptOut
from markaz.core.roles import Role
from markaz.registry import services
from markaz.registry.models import Objection
from tests.factories import CentreFactory, person_data, staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coordinator_records_an_objection_on_a_phone(live_server, territory, phone, screenshot):
    centre = CentreFactory(code="berkane", name_fr="Centre de Berkane", name_ar="مركز بركان")
    coordinator = staff("coordinator", Role.COORDINATOR, centre)
    person = services.person_create(centre=centre, data=person_data(), today=dt.date(2026, 9, 1))
    services.person_update(
        person=person, data=person_data(phone="+212698765432"), actor=coordinator
    )

    page = phone
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", "coordinator")
    page.fill("#id_password", "pw-test-12345")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/dashboard/")
    page.goto(live_server.url + f"/registry/{person.pk}/")
    assert "+212612345678" in page.locator("#corrections").inner_text()
    page.locator(f"a[href='/registry/{person.pk}/objection/']").click()
    page.select_option("#id_purpose", "sms")
    page.select_option("#id_channel", "phone")
    page.locator("#objection-form button[type=submit]").click()
    page.wait_for_url("**purpose=sms**")
    assert "arrêtés immédiatement" in page.locator("main").inner_text()
    screenshot(page, "rights-objection-confirm-fr-phone")
    assert not Objection.objects.exists()
    page.locator("#confirm-button").click()
    page.wait_for_url(f"**/registry/{person.pk}/")
    assert Objection.objects.get().channel == "phone"
    assert SmsOptOut.objects.filter(phone="+212698765432").exists()

    page.locator("#language-switcher button[value=ar]").first.click()
    page.wait_for_selector("html[dir=rtl]")
    assert "التواصل عبر الرسائل القصيرة" in page.locator("#objections").inner_text()
    assert "سجل التصحيحات" in page.locator("main").inner_text()
    screenshot(page, "rights-person-ar-phone")
