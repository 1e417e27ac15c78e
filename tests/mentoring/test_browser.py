"""In real headless Chromium, at phone size: a mentor records a follow-up call (reached, with an
income) in Arabic and sees it in the due list as done."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from markaz.core.roles import Role
from markaz.mentoring.models import FollowUp, MentorAssignment, MentorProfile
from markaz.mentoring.services import followups_schedule
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
    mentor = staff("mentor", Role.MENTOR, centre)
    MentorProfile.objects.create(user=mentor, centre=centre, languages=["ar"], tracks=["web"])
    today = timezone.localdate()
    cohort = CohortFactory(
        centre=centre,
        programme=ProgrammeFactory(centre=centre),
        code="WEB-P26",
        start_date=today - dt.timedelta(days=150),
        end_date=today - dt.timedelta(days=10),
        status="finished",
    )
    person = PersonFactory(
        centre=centre,
        first_name_latin="Salma",
        last_name_latin="Bouazza",
        first_name_ar="سلمى",
        last_name_ar="بوعزة",
    )
    type(person).objects.filter(pk=person.pk).update(
        created_at=timezone.now() - dt.timedelta(days=200)
    )
    enrolment = EnrolmentFactory(cohort=cohort, person=person)
    MentorAssignment.objects.create(
        centre=centre,
        person=person,
        mentor=mentor,
        assigned_at=timezone.now() - dt.timedelta(days=140),
    )
    exit_followup = next(
        f for f in followups_schedule(enrolment=enrolment) if f.milestone == "exit"
    )
    return exit_followup


def test_mentor_records_a_followup_in_arabic_on_a_phone(live_server, territory, phone, screenshot):
    followup = _setup()
    page = phone
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", "mentor")
    page.fill("#id_password", "pw-test-12345")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/dashboard/")
    page.locator("#language-switcher button[value=ar]").first.click()
    page.wait_for_selector("html[dir=rtl]")

    page.goto(live_server.url + "/mentoring/followups/")
    item = page.locator(f"#followups-due #followup-{followup.pk}")
    assert item.get_attribute("data-status") == "pending"
    assert "سلمى بوعزة" in item.inner_text()
    screenshot(page, "mentoring-followups-ar-phone")
    item.tap()
    page.wait_for_selector("#followup-form")
    assert page.locator("html").get_attribute("lang") == "ar"
    # Nothing typed the wrong way round: the income field reads left to right.
    assert page.locator("#id_monthly_income_mad").get_attribute("dir") == "ltr"
    page.locator("input[name=outcome][value=reached]").check()
    page.select_option("#id_employment_status", "wage")
    page.fill("#id_monthly_income_mad", "3200")
    page.fill("#id_sector", "مركز اتصال")
    box = page.locator("#save-followup").bounding_box()
    assert box["height"] >= 44 and box["width"] >= 300  # a big touch target
    screenshot(page, "mentoring-followup-form-ar-phone")
    page.locator("#save-followup").tap()
    page.wait_for_selector(".alert-success")

    done = page.locator(f"#followups-recorded #followup-{followup.pk}")
    assert done.get_attribute("data-status") == "reached"
    assert "3200" in done.inner_text()
    assert page.locator(f"#followups-due #followup-{followup.pk}").count() == 0
    screenshot(page, "mentoring-followups-done-ar-phone")
    followup.refresh_from_db()
    assert (followup.status, followup.monthly_income_mad, followup.employment_status) == (
        FollowUp.Status.REACHED,
        Decimal("3200.00"),
        "wage",
    )
    assert followup.contacted_on == timezone.localdate()
    assert followup.sector == "مركز اتصال"

    # Unreached fields hide when "could not be reached" is chosen (the form stays short).
    page.goto(live_server.url + f"/mentoring/followups/{followup.pk}/")
    page.locator("input[name=outcome][value=unreached]").check()
    assert not page.locator("#id_monthly_income_mad").is_visible()
