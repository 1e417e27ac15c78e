"""Matching reads the youth's wishes and hours; the jobs demo fills every stage and loads once."""

import datetime as dt

import pytest
from django.utils import timezone

from markaz.demo.jobs import demo_load_jobs
from markaz.jobs import selectors, services
from markaz.jobs.models import BusinessProject, Employer, JobFair, Placement
from tests.factories import CohortFactory, EnrolmentFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db


def test_wishes_lift_a_youth_and_a_running_cohort_at_the_same_hours_does_not_fit(
    internship, youth, coordinator, centre
):
    salma, youssef, _omar = youth
    services.job_wish_save(
        person=youssef, kinds=["internship"], sectors=["tourism"], max_km=None, actor=coordinator
    )
    rows = selectors.matching_for_opportunity(coordinator, internship)
    assert [r.person for r in rows[:2]] == [youssef, salma]
    assert "Souhaite ce type de contrat." in [r["text"] for r in rows[0].reasons]
    today = timezone.localdate()
    running = CohortFactory(
        centre=centre,
        programme=ProgrammeFactory(centre=centre, track="ai"),
        start_date=today - dt.timedelta(days=10),
        end_date=today + dt.timedelta(days=40),
        schedule_pattern="daytime",
    )
    EnrolmentFactory(cohort=running, person=youssef)
    rows = selectors.matching_for_opportunity(coordinator, internship)
    row = next(r for r in rows if r.person == youssef)
    assert not row.match.fits and rows[-1].person == youssef
    fits = selectors.opportunities_for_person(coordinator, salma)
    assert fits[0]["opportunity"] == internship and fits[0]["match"].fits


def test_demo_fills_every_stage_and_loads_once(youth, mentee, coordinator, mentor):
    users = {"coordinator": coordinator, "mentor": mentor}
    result = demo_load_jobs(mentee.centre, users)
    assert result["loaded"] and result["employers"] == 10
    stages = set(BusinessProject.objects.values_list("stage", flat=True))
    assert stages == set(BusinessProject.Stage.values)
    assert Placement.objects.filter(via_centre=True).exists()
    assert Placement.objects.filter(via_centre=False).exists()
    assert selectors.project_list(mentor).count() == 7  # the mentor's mentee holds them
    counts = (Employer.objects.count(), Placement.objects.count())
    fair = JobFair.objects.get()
    assert fair.employers.count() == 6 and fair.status == "scheduled"
    assert result["fair"]["loaded"] and result["fair"]["interviews"] == fair.interviews.count()
    assert demo_load_jobs(mentee.centre, users) == {"loaded": False, "fair": {"loaded": False}}
    assert JobFair.objects.count() == 1
    assert (Employer.objects.count(), Placement.objects.count()) == counts
