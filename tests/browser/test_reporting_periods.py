"""The provincial viewer asks for an arbitrary window on a phone, in Arabic and in French: the
page says it shows the whole published period around it (issue 13, window differencing)."""

import pytest

from tests.reporting.world import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_province_sees_the_snapped_period_on_a_phone(
    live_server, centre, provincial_viewer, phone, screenshot, lang
):
    build_world(centre)
    page = phone
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", "province")
    page.fill("#id_password", "pw-test-12345")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/indicators/**")  # the province lands on the indicators
    page.locator(f"#language-switcher button[value={lang}]").first.click()
    page.wait_for_selector(f"html[dir={'rtl' if lang == 'ar' else 'ltr'}]")
    page.goto(f"{live_server.url}/indicators/?start=2025-03-02&end=2025-03-14&by=commune")
    notice = page.locator("#window-snapped")
    assert notice.is_visible()
    assert ("03/2025" in notice.inner_text()) and ("02/03/2025" in notice.inner_text())
    assert page.locator("#id_start").input_value() == "2025-03-01"
    assert page.locator("#id_end").input_value() == "2025-03-31"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1, width
    screenshot(page, f"indicators-province-snapped-{lang}-phone")
