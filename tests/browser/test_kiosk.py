"""The entrance kiosk in real Chromium: a coordinator pairs a tablet, the tablet (no staff
login) takes typed badge codes until the building is full, then is revoked and stops."""

import pytest

from markaz.centre.models import Centre
from markaz.centre.services import badge_issue
from markaz.core.roles import Role
from markaz.programmes.models import Programme
from tests.centre.conftest import enrolled_people
from tests.factories import CentreFactory, staff

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
    # Typed as printed under the QR code: the code and its check group.
    codes = [badge_issue(person=p).typed for p in enrolled_people(centre, programme, 4)]

    # The coordinator pairs the entrance tablet once, from their own screen (in Arabic here).
    office = browser.new_context(viewport={"width": 1024, "height": 768})
    desk = office.new_page()
    desk.set_default_timeout(15000)
    desk.goto(live_server.url + "/login/")
    desk.fill("#id_username", "coordinator")
    desk.fill("#id_password", "pw-test-12345")
    desk.locator("main form button[type=submit]").click()
    desk.wait_for_url("**/dashboard/")
    desk.goto(live_server.url + "/kiosk/devices/")
    desk.fill("#id_name", "Tablette entrée")
    desk.click("#add-device")
    link = desk.locator("#pairing-link").inner_text()
    screenshot(desk, "kiosk-pairing")

    # The tablet: no staff login, ever. It opens the link once and is the entrance from then on.
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(link)
    page.click("#pair")
    page.wait_for_url("**/kiosk/")
    assert page.locator("#nav").count() == 0  # no menu: nothing to open but the door
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

    # The bare code, without its check group (read off someone else's badge), is refused.
    page.fill("#id_code", codes[0][:9])
    page.press("#id_code", "Enter")
    page.locator("#scan-result [data-kind=refused]").wait_for()
    page.evaluate("document.getElementById('scan-result').innerHTML = ''")

    # The coordinator revokes the tablet: its very next scan is refused and says so on screen.
    desk.goto(live_server.url + "/kiosk/devices/")
    desk.locator("tr[data-device] button.btn-outline-danger").click()
    desk.wait_for_url("**/kiosk/devices/")
    page.fill("#id_code", codes[0])
    page.press("#id_code", "Enter")
    warning = page.locator("#scan-result [data-kind=kiosk-expired]")
    warning.wait_for()
    assert "appairer" in warning.inner_text()
    screenshot(page, "kiosk-token-refused")
    assert Centre.objects.get(pk=centre.pk).occupancy == 3
    context.close()
    office.close()
