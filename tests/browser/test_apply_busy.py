"""Issue 13, §1: when the database stays busy past its timeout, the public form answers 503 in
the applicant's language, keeps what they typed, and nothing is written (real Chromium, phone
screen, Arabic and French)."""

import pytest
from django.db import OperationalError

from markaz.registry import services as registry
from markaz.registry.models import Person
from tests.factories import CentreFactory, sms_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("language", "words"), [("ar", "المحاولة مرة أخرى"), ("fr", "réessayer")], ids=["ar", "fr"]
)
def test_busy_database_asks_to_try_again(
    live_server, territory, phone, screenshot, monkeypatch, language, words
):
    CentreFactory(code="berkane", name_fr="Centre de Berkane", name_ar="مركز بركان")

    def locked(person):
        raise OperationalError("database is locked")

    monkeypatch.setattr(registry, "person_tokens_refresh", locked)
    page = phone
    page.context.add_cookies(
        [{"name": "markaz_language", "value": language, "url": live_server.url}]
    )
    page.goto(live_server.url + "/apply/berkane/")
    page.fill("#id_first_name_latin", "Salma")
    page.fill("#id_last_name_latin", "Bouazza")
    page.fill("#id_cin", "fj 123 456")
    page.fill("#id_birth_date", "2001-04-12")
    page.check("input[name=sex][value=F]")
    page.fill("#id_phone", "06 61 23 45 67")
    page.select_option("#id_commune", "rislane")
    page.select_option("#id_activity_status", "student")
    page.select_option("#id_education_level", "bac")
    page.check("#id_consent")
    page.locator("main form button[type=submit]").click()
    page.wait_for_selector("#apply-code-card #id_code")
    page.fill("#id_code", sms_code("+212661234567"))
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.click("#apply-confirm")
    assert answer.value.status == 503
    page.wait_for_load_state()
    assert words in page.locator("main").inner_text()
    # The code page stays: the same code completes the application once the database answers.
    assert page.locator("#apply-confirm").count() == 1
    screenshot(page, f"apply-busy-{language}-phone")
    assert Person.objects.count() == 0
