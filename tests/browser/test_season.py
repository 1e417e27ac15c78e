"""Setting up a season in real headless Chromium: a coordinator creates a cohort and a campaign
through Markaz's own forms, in Arabic on a phone and in French on a laptop, and confirms closing
the door's day with the number shown."""

import datetime as dt

import pytest
from django.utils import timezone

from markaz.centre.models import Presence
from markaz.core.roles import Role
from markaz.engine.scoring import DEFAULT_RULE
from markaz.programmes.models import Campaign, Cohort, Programme, ScoringRuleVersion
from markaz.registry.models import Person
from tests.factories import CentreFactory, RoomFactory, staff

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def _setup():
    centre = CentreFactory(code="berkane", name_fr="Centre de Berkane", name_ar="مركز بركان")
    RoomFactory(centre=centre, name_fr="Salle 1", name_ar="القاعة 1")
    coordinator = staff("coordinator", Role.COORDINATOR, centre)
    trainer = staff("trainer", Role.TRAINER, centre)
    trainer.first_name, trainer.last_name = "Nadia", "Berrada"
    trainer.save()
    programme = Programme.objects.create(
        centre=centre,
        title_fr="Développement web",
        title_ar="تطوير الويب",
        track="web",
        hours=240,
        duration_weeks=20,
        goal="wage_job",
        teaching_language="Français",
        schedule_pattern="evening",
    )
    ScoringRuleVersion.objects.create(
        centre=centre,
        version=DEFAULT_RULE.version,
        weights=DEFAULT_RULE.weights,
        rsu_threshold=DEFAULT_RULE.rsu_threshold,
    )
    return centre, coordinator, trainer, programme


def _login(page, base, language):
    page.goto(base + "/login/")
    if language == "ar":
        page.locator('#language-switcher button[value="ar"]').click()
        page.wait_for_selector('html[dir="rtl"]')
    page.fill("#id_username", "coordinator")
    page.fill("#id_password", "pw-test-12345")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/dashboard/")


def _fill_cohort(page, programme, code, start):
    page.select_option("#id_programme", str(programme.pk))
    page.fill("#id_code", code)
    page.select_option("#id_schedule_pattern", "evening")
    page.fill("#id_start_date", start.isoformat())
    page.fill("#id_end_date", (start + dt.timedelta(weeks=12)).isoformat())
    page.fill("#id_seats", "16")
    page.fill("#id_reserve_women", "6")
    page.fill("#id_reserve_rural", "4")
    page.locator("#id_trainers_0").check()


@pytest.mark.parametrize(
    ("language", "viewport", "suffix"),
    [
        ("ar", {"width": 390, "height": 844}, "ar-phone"),
        ("fr", {"width": 1280, "height": 900}, "fr"),
    ],
)
def test_coordinator_sets_up_a_cohort_and_a_campaign(
    live_server, territory, browser, screenshot, language, viewport, suffix
):
    centre, _coordinator, trainer, programme = _setup()
    context = browser.new_context(
        viewport=viewport, is_mobile=viewport["width"] < 500, has_touch=viewport["width"] < 500
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        _login(page, live_server.url, language)
        page.goto(live_server.url + "/programmes/")
        page.locator("#new-cohort").click()
        page.wait_for_selector("#cohort-form")
        start = timezone.localdate() + dt.timedelta(days=60)
        # First a mistake: more reserved seats than seats. Refused, with the message.
        _fill_cohort(page, programme, "WEB-E27", start)
        page.fill("#id_seats", "8")
        page.locator("#cohort-form button[type=submit]").click()
        page.wait_for_selector("#cohort-form .alert-danger")
        assert not Cohort.objects.exists()
        screenshot(page, f"cohort-form-error-{suffix}")
        page.fill("#id_seats", "16")
        screenshot(page, f"cohort-form-{suffix}")
        page.locator("#cohort-form button[type=submit]").click()
        page.wait_for_selector("#cohort-edit")
        cohort = Cohort.objects.get(code="WEB-E27")
        assert cohort.seats == 16 and list(cohort.trainers.all()) == [trainer]

        page.goto(live_server.url + "/campaigns/new/")
        page.wait_for_selector("#campaign-form")
        page.fill("#id_name_fr", "Session d'été 2027")
        page.fill("#id_name_ar", "دورة صيف 2027")
        page.fill("#id_opens_on", timezone.localdate().isoformat())
        page.fill("#id_closes_on", (start - dt.timedelta(days=10)).isoformat())
        page.fill("#id_offer_days", "5")
        page.fill("#id_max_choices", "3")
        page.locator("#id_cohorts_0").check()
        screenshot(page, f"campaign-form-{suffix}")
        page.locator("#campaign-form button[type=submit]").click()
        page.wait_for_selector("#campaign-edit")
        campaign = Campaign.objects.get(name_fr="Session d'été 2027")
        assert list(campaign.cohorts.all()) == [cohort]
        assert page.locator("#campaign-cohorts").inner_text().count("WEB-E27") == 1
    finally:
        context.close()


def test_closing_the_day_shows_the_number_then_checks_out(
    live_server, territory, phone, screenshot
):
    centre, _coordinator, _trainer, _programme = _setup()
    for i in range(3):
        person = Person.objects.create(
            centre=centre,
            first_name_latin=f"Prenom{i}",
            last_name_latin="Nom",
            cin=f"FC{i:06d}",
            birth_date=dt.date(2001, 1, 1),
            sex="F",
            activity_status="unemployed",
            education_level="bac",
            eligible=True,
        )
        Presence.objects.create(
            centre=centre, person=person, entered_at=timezone.now() - dt.timedelta(hours=1)
        )
    page = phone
    _login(page, live_server.url, "ar")
    page.goto(live_server.url + "/building/")
    page.locator("#close-day").click()
    page.wait_for_selector("#confirm-consequences")
    assert "3" in page.locator("#confirm-consequences").inner_text()
    assert Presence.objects.filter(exited_at__isnull=True).count() == 3
    screenshot(page, "confirm-close-day-ar-phone")
    page.locator("#confirm-button").click()
    page.wait_for_selector(".alert-success")
    assert Presence.objects.filter(exited_at__isnull=True).count() == 0
