"""In real headless Chromium: an insertion officer posts an internship, sees the youth who fit
with their reasons, sends three and records a hire; a mentor moves a business project from idea
to financed in Arabic on a phone."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from markaz.core.roles import Role
from markaz.jobs.models import BusinessProject, Candidacy, Employer, Placement
from markaz.learning.models import Completion
from markaz.mentoring.models import MentorAssignment
from markaz.territory.models import Commune
from tests.factories import (
    CentreFactory,
    CohortFactory,
    EnrolmentFactory,
    PersonFactory,
    ProgrammeFactory,
    RoomFactory,
    staff,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _setup():
    centre = CentreFactory(code="berkane", name_fr="Centre de Berkane", name_ar="مركز بركان")
    RoomFactory(centre=centre)
    staff("coordinator", Role.COORDINATOR, centre)
    mentor = staff("mentor", Role.MENTOR, centre)
    saidia = Commune.objects.get(code="saidia")
    employer = Employer.objects.create(
        centre=centre, name="Hôtel Mer Bleue", kind="company", sector="tourism", commune=saidia
    )
    today = timezone.localdate()
    cohort = CohortFactory(
        centre=centre,
        programme=ProgrammeFactory(centre=centre, track="web"),
        code="WEB-2025",
        start_date=today - dt.timedelta(days=200),
        end_date=today - dt.timedelta(days=60),
        status="finished",
    )
    people = []
    for first, last, first_ar, last_ar in [
        ("Salma", "Bouazza", "سلمى", "بوعزة"),
        ("Youssef", "Benali", "يوسف", "بنعلي"),
        ("Imane", "Tahiri", "إيمان", "الطاهري"),
        ("Omar", "Lamrani", "عمر", "العمراني"),
    ]:
        person = PersonFactory(
            centre=centre,
            first_name_latin=first,
            last_name_latin=last,
            first_name_ar=first_ar,
            last_name_ar=last_ar,
            commune=saidia,
        )
        enrolment = EnrolmentFactory(cohort=cohort, person=person)
        Completion.objects.create(
            enrolment=enrolment, completed=first != "Omar", attendance_percent=Decimal("90")
        )
        people.append(person)
    MentorAssignment.objects.create(
        centre=centre, person=people[0], mentor=mentor, assigned_at=timezone.now()
    )
    return centre, employer, saidia, people


def _login(page, url, username, language):
    page.goto(url + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-test-12345")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/dashboard/")
    page.locator(f"#language-switcher button[value={language}]").first.click()
    page.wait_for_selector(f"html[dir={'rtl' if language == 'ar' else 'ltr'}]")


def test_insertion_officer_posts_an_internship_sends_three_and_records_a_hire(
    live_server, territory, browser, screenshot
):
    _centre, employer, saidia, people = _setup()
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    _login(page, live_server.url, "coordinator", "fr")
    page.goto(live_server.url + "/jobs/opportunities/new/")
    page.select_option("#id_employer", str(employer.pk))
    page.fill("#id_title", "Stage accueil et site web")
    page.select_option("#id_kind", "internship")
    page.locator("input[name=skills][value=web]").check()
    page.select_option("#id_min_education", "bac")
    page.select_option("#id_commune", str(saidia.pk))
    page.fill("#id_hours_per_week", "30")
    page.fill("#id_pay_mad", "-100")
    page.fill("#id_places", "2")
    closes = (timezone.localdate() + dt.timedelta(days=20)).isoformat()
    page.fill("#id_closes_on", closes)
    page.locator("#jobs-form button[type=submit]").click()
    # A wage below zero: the form comes back with the message, nothing is posted.
    page.wait_for_selector(".invalid-feedback")
    assert "inférieur à zéro" in page.locator("#jobs-form").inner_text()
    page.fill("#id_pay_mad", "1500")
    page.locator("#jobs-form button[type=submit]").click()
    page.wait_for_selector("#matches")
    matches = page.locator("#matches").inner_text()
    assert "Terminé : Développement web." in matches
    assert "Habite tout près" in matches
    assert page.locator("#matches input[name=people]:checked").count() == 3
    screenshot(page, "jobs-matching-fr")
    page.locator("#send-selected").click()
    page.wait_for_selector(".alert-success")
    assert page.locator("#pipeline a").count() == 3
    assert Candidacy.objects.filter(status="sent").count() == 3
    page.locator("#pipeline a").first.click()
    page.wait_for_selector("#hire-form")
    page.fill("#id_hire-start_date", timezone.localdate().isoformat())
    page.locator("#hire-form button[type=submit]").click()
    page.wait_for_selector("#placement")
    assert "Stage" in page.locator("#placement").inner_text()
    placement = Placement.objects.get()
    assert placement.via_centre and placement.wage_mad == Decimal("1500.00")
    assert page.locator("#convention-link").count() == 1
    page.goto(live_server.url + "/jobs/")
    assert page.locator("#count-placements").inner_text() == "1"
    context.close()


def test_mentor_moves_a_project_from_idea_to_financed_in_arabic_on_a_phone(
    live_server, territory, phone, screenshot
):
    centre, _employer, saidia, people = _setup()
    project = BusinessProject.objects.create(
        centre=centre, title="Glacier de la plage", idea="Glaces aux agrumes", sector="tourism",
        commune=saidia, investment_mad=Decimal("60000"),
    )  # fmt: skip
    project.members.set([people[0]])
    page = phone
    _login(page, live_server.url, "mentor", "ar")
    page.goto(live_server.url + "/jobs/projects/")
    page.locator("#projects a").first.tap()
    page.wait_for_selector("#stage-form")
    page.select_option("#id_stage-stage", "committee")
    page.locator("#stage-form button[type=submit]").tap()
    page.wait_for_selector(".alert-success")
    assert page.locator("#project-stage").inner_text() == "أمام اللجنة"
    today = timezone.localdate().isoformat()
    page.select_option("#id_financing-source", "indh")
    page.fill("#id_financing-applied_on", today)
    page.fill("#id_financing-requested_mad", "50000")
    page.select_option("#id_financing-decision", "granted")
    page.fill("#id_financing-decided_on", today)
    page.fill("#id_financing-granted_mad", "70000")
    page.locator("#financing-form button[type=submit]").tap()
    page.wait_for_selector("#financing-form .invalid-feedback")
    assert "لا يمكن أن يكون المبلغ الممنوح" in page.locator("#financing-form").inner_text()
    assert project.financing.count() == 0
    page.fill("#id_financing-granted_mad", "45000")
    page.fill("#id_financing-indh_share_mad", "45000")
    page.locator("#financing-form button[type=submit]").tap()
    page.wait_for_selector(".alert-success")
    assert page.locator("#project-stage").inner_text() == "ممول"
    screenshot(page, "jobs-project-financed-ar-phone")
    project.refresh_from_db()
    assert project.stage == "financed"
