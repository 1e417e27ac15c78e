"""The entrance kiosk in real Chromium: typed badge codes until the building is full."""

import pytest

from markaz.centre.models import Centre
from markaz.centre.services import badge_issue
from markaz.core.roles import Role
from tests.centre.conftest import enrolled_people
from tests.factories import CentreFactory, staff
from tests.programmes.conftest import Programme

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_kiosk_typed_codes_until_the_building_is_full(live_server, territory, browser, screenshot):
    centre = CentreFactory(code="berkane", max_occupancy=3)
    staff("coordinator", Role.COORDINATOR, centre)
    programme = Programme.objects.create(
        centre=centre,
        title_fr="Web",
        title_ar="الويب",
        track="web",
        hours=100,
        duration_weeks=8,
        goal="wage_job",
        teaching_language="fr",
        schedule_pattern="evening",
    )
    codes = [badge_issue(person=p).code for p in enrolled_people(centre, programme, 4)]

    context = browser.new_context(viewport={"width": 1024, "height": 768})
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", "coordinator")
    page.fill("#id_password", "pw-test-12345")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/dashboard/")
    page.goto(live_server.url + "/kiosk/")
    assert "0 / 3" in page.locator("#occupancy").inner_text()

    kinds = []
    for code in codes:
        page.fill("#id_code", code.lower())
        page.press("#id_code", "Enter")
        page.wait_for_function(
            "n => document.querySelectorAll('#scan-result [data-kind]').length === 1 && window.__seen !== n",
            arg=code,
        )
        kinds.append(page.locator("#scan-result [data-kind]").get_attribute("data-kind"))
        page.evaluate(
            "n => { window.__seen = n; document.getElementById('scan-result').innerHTML = ''; }",
            code,
        )
    screenshot(page, "kiosk-full")
    assert kinds == ["entry", "entry", "entry", "full"]
    assert "3 / 3" in page.locator("#occupancy").inner_text()
    assert Centre.objects.get(pk=centre.pk).occupancy == 3

    # A kiosk whose token no longer holds (open too long, or tampered with) says so on screen.
    page.evaluate(
        """() => document.getElementById('scan-form')
             .setAttribute('hx-headers', JSON.stringify({'X-Kiosk-Token': 'forged'}))"""
    )
    page.fill("#id_code", codes[0])
    page.press("#id_code", "Enter")
    warning = page.locator("#scan-result [data-kind=kiosk-expired]")
    warning.wait_for()
    assert "rouvrir la page Entrée" in warning.inner_text()
    screenshot(page, "kiosk-token-refused")
    assert Centre.objects.get(pk=centre.pk).occupancy == 3
    context.close()
