"""Who read what on a phone, in French and Arabic: a coordinator opens a person's page, follows
"Who read this file" and finds their own reading at the top of the log."""

import datetime as dt

import pytest

from markaz.core.models import PersonalDataRead
from markaz.core.roles import Role
from markaz.registry import services
from tests.factories import CentreFactory, person_data, staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coordinator_follows_who_read_this_file_on_a_phone(
    live_server, territory, phone, screenshot
):
    centre = CentreFactory(code="berkane", name_fr="Centre de Berkane", name_ar="مركز بركان")
    staff("coordinator", Role.COORDINATOR, centre)
    person = services.person_create(centre=centre, data=person_data(), today=dt.date(2026, 9, 1))

    page = phone
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", "coordinator")
    page.fill("#id_password", "pw-test-12345")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/dashboard/")
    page.goto(live_server.url + f"/registry/{person.pk}/")
    assert "coordinator" in page.locator("#reads").inner_text()
    page.locator(f"#reads a[href='/registry/reads/?person={person.pk}']").click()
    page.wait_for_url(f"**/registry/reads/?person={person.pk}")
    first = page.locator("#reads li").first.inner_text()
    assert "Fatima Zahra El Idrissi" in first and "registry:person_detail" in first
    screenshot(page, "read-log-fr-phone")

    page.locator("#language-switcher button[value=ar]").first.click()
    page.wait_for_selector("html[dir=rtl]")
    assert "من اطّلع على ماذا" in page.locator("main").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "read-log-ar-phone")
    assert PersonalDataRead.objects.filter(view="registry:read_log").count() == 2
