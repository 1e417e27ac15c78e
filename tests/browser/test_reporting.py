"""The indicator dashboard in real headless Chromium: the coordinator, on a phone and in Arabic,
opens the indicators, taps a figure and sees the young people behind it. Screenshots of the
dashboard in French and Arabic, on a phone and a desktop, go to var/screenshots/."""

import pytest

from tests.reporting.world import build_world

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

WINDOW = "start=2025-01-01&end=2025-12-31"


def login(page, base: str, username: str) -> None:
    page.goto(base + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-test-12345")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/dashboard/")


def test_coordinator_traces_a_figure_on_a_phone_in_arabic(
    live_server, centre, coordinator, phone, screenshot
):
    world = build_world(centre)
    page = phone
    login(page, live_server.url, "coordinator")
    page.locator("#language-switcher button[value=ar]").first.click()
    page.wait_for_selector("html[dir=rtl]")

    page.goto(f"{live_server.url}/indicators/?{WINDOW}&by=commune")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("#ind-enrolled .ind-value").inner_text().strip() == "28"
    # Phone-friendly: the page itself never scrolls sideways (wide tables scroll in their box).
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1, width
    assert page.locator("#chart-sex svg").count() == 1 and page.locator("#map-enrolled svg").count()
    screenshot(page, "indicators-ar-phone")

    cell = page.locator('#cells-table tr[data-code="enrolled"] td[data-category="rislane"] a')
    assert cell.inner_text().strip() == "3"
    cell.click()
    page.wait_for_url("**/indicators/records/enrolled/**")
    page.wait_for_selector("#records-numerator")
    assert page.locator("#records-category").inner_text() == "ريسلان"
    rows = page.locator("#records-numerator tbody tr[data-person]")
    assert rows.count() == 3
    names = page.locator("#records-numerator").inner_text()
    for person in world.rislane:
        assert person.full_name_ar in names
    assert "تطوير الويب" in names  # their programme, in Arabic
    screenshot(page, "indicator-records-ar-phone")

    # A person's name opens their record.
    page.locator("#records-numerator a.person-link").first.click()
    page.wait_for_url("**/registry/*/")


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_dashboard_screenshots(live_server, centre, coordinator, browser, screenshot, lang):
    build_world(centre)
    for name, viewport in (("desktop", {"width": 1280, "height": 900}), ("phone", None)):
        context = browser.new_context(
            viewport=viewport or {"width": 390, "height": 844},
            device_scale_factor=1 if viewport else 2,
            is_mobile=viewport is None,
            has_touch=viewport is None,
        )
        page = context.new_page()
        page.set_default_timeout(15000)
        login(page, live_server.url, "coordinator")
        context.add_cookies([{"name": "markaz_language", "value": lang, "url": live_server.url}])
        page.goto(f"{live_server.url}/indicators/?{WINDOW}&by=sex")
        assert page.locator("html").get_attribute("lang") == lang
        assert (
            page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"] + 1
        )
        screenshot(page, f"indicators-{lang}-{name}")
        context.close()
