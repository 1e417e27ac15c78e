"""The first run, in real headless Chromium, in Arabic, on a phone-sized screen: an empty
install leads to /setup/, which creates the centre, its rooms and the first coordinator, then
lands on the coordinator's home page; /setup/ is gone afterwards."""

import pytest
from django.contrib.auth import get_user_model

from markaz.centre.models import Centre, OpeningHours, Room

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_first_run_in_arabic_on_a_phone(live_server, territory, phone, screenshot):
    page = phone
    page.goto(live_server.url + "/")
    page.wait_for_selector("#setup-form")
    assert page.url.endswith("/setup/")
    page.locator("#language-switcher button[value=ar]").first.click()
    page.wait_for_selector("html[dir=rtl]")
    assert page.url.endswith("/setup/")
    screenshot(page, "setup-ar-phone")

    page.fill("#id_centre-name_fr", "Centre d'innovation numérique d'Ahfir")
    page.fill("#id_centre-name_ar", "مركز الابتكار الرقمي بأحفير")
    page.select_option("#id_centre-commune", label="أحفير")
    page.fill("#id_centre-address", "شارع الحسن الثاني")
    page.fill("#id_centre-phone", "0536 61 00 11")
    page.fill("#id_centre-max_occupancy", "60")
    # Friday keeps the proposed midday prayer break; Sunday closed.
    assert page.input_value("#id_hours-4-break_start") == "12:00"
    page.uncheck("#id_hours-6-open")
    rooms = [
        ("Salle de formation 1", "قاعة التكوين 1", "training", "30"),
        ("Salle d'encadrement", "قاعة التأطير", "mentoring", "10"),
        ("Espace enfants", "فضاء الأطفال", "children", "20"),
    ]
    for i, (fr, ar, kind, capacity) in enumerate(rooms):
        page.fill(f"#id_rooms-{i}-name_fr", fr)
        page.fill(f"#id_rooms-{i}-name_ar", ar)
        page.select_option(f"#id_rooms-{i}-kind", kind)
        page.fill(f"#id_rooms-{i}-capacity", capacity)
    page.fill("#id_coordinator-username", "samira")
    page.fill("#id_coordinator-first_name", "Samira")
    page.fill("#id_coordinator-last_name", "El Amrani")
    # A weak password first: refused in Arabic, nothing written.
    page.fill("#id_coordinator-password1", "123")
    page.fill("#id_coordinator-password2", "123")
    page.select_option("#id_coordinator-language", "ar")
    page.fill("#id_coordinator-phone", "0661 00 11 22")
    page.locator("#setup-form button[type=submit]").click()
    page.wait_for_selector("#setup-errors")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert not Centre.objects.exists()
    screenshot(page, "setup-ar-phone-refused")

    page.fill("#id_coordinator-password1", "Ahfir-markaz-2027")
    page.fill("#id_coordinator-password2", "Ahfir-markaz-2027")
    page.locator("#setup-form button[type=submit]").click()
    page.wait_for_url("**/dashboard/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert "مركز الابتكار الرقمي بأحفير" in page.locator("main").inner_text()
    screenshot(page, "setup-ar-phone-done")

    centre = Centre.objects.get()
    assert centre.commune.code == "ahfir" and centre.phone == "+212536610011"
    assert Room.objects.filter(centre=centre).count() == 3
    assert OpeningHours.objects.filter(centre=centre).count() == 6
    assert get_user_model().objects.get(username="samira").staff_profile.centre == centre

    page.goto(live_server.url + "/setup/")
    page.wait_for_url("**/dashboard/")

    # The settings area is in the menu, in Arabic.
    page.locator("button.navbar-toggler").click()
    page.locator("#nav-settings").click()
    page.wait_for_selector("#settings-links")
    assert "توفر المكونين" in page.locator("#settings-links").inner_text()
    screenshot(page, "settings-ar-phone")


def test_setup_page_in_french_on_a_laptop(live_server, territory, browser, screenshot):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(live_server.url + "/setup/")
    page.wait_for_selector("#setup-form")
    assert page.locator("html").get_attribute("dir") == "ltr"
    assert "Configurer Markaz" in page.locator("h1").inner_text()
    screenshot(page, "setup-fr-laptop")
    context.close()
