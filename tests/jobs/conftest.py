"""Fixtures for jobs: an employer in Saïdia, an open internship, youth who completed a web
programme (two live in Saïdia), a mentor following one of them. All people are synthetic.

Named personas (tests/conftest.py): `coordinator`, `mentor`, `trainer`, `provincial_viewer`.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from markaz.jobs.models import Employer, EmployerContact, Opportunity
from markaz.learning.models import Completion
from markaz.mentoring.models import MentorAssignment
from markaz.territory.models import Commune
from tests.factories import CohortFactory, EnrolmentFactory, PersonFactory, ProgrammeFactory


@pytest.fixture
def saidia(territory):
    return Commune.objects.get(code="saidia")


@pytest.fixture
def employer(centre, saidia):
    employer = Employer.objects.create(
        centre=centre, name="Hôtel Mer Bleue", kind="company", sector="tourism", commune=saidia
    )
    EmployerContact.objects.create(
        employer=employer,
        name="Nadia Berrada",
        phone="+212661234567",
        consent_on=timezone.localdate(),
        consent_method="oral",
    )
    return employer


@pytest.fixture
def internship(centre, employer, saidia, coordinator):
    return Opportunity.objects.create(
        centre=centre,
        employer=employer,
        title="Stage réception et réseaux sociaux",
        kind="internship",
        skills=["web", "marketing"],
        min_education="bac",
        commune=saidia,
        pattern="daytime",
        hours_per_week=30,
        pay_mad=Decimal("1500"),
        places=2,
        closes_on=timezone.localdate() + dt.timedelta(days=20),
        starts_on=timezone.localdate() + dt.timedelta(days=30),
        duration_weeks=12,
        tutor="M. Tazi",
        created_by=coordinator,
    )


@pytest.fixture
def finished_cohort(centre):
    today = timezone.localdate()
    programme = ProgrammeFactory(centre=centre, track="web")
    return CohortFactory(
        centre=centre,
        programme=programme,
        code="WEB-2025",
        start_date=today - dt.timedelta(days=200),
        end_date=today - dt.timedelta(days=60),
        status="finished",
    )


@pytest.fixture
def youth(centre, finished_cohort, saidia, territory):
    """Salma (Saïdia, completed web), Youssef (Saïdia, completed web, low RSU, disability),
    Omar (Tafoughalt, did not complete)."""
    tafoughalt = Commune.objects.get(code="tafoughalt")
    people = []
    for first, last, commune, sex, completed, extra in [
        ("Salma", "Bouazza", saidia, "F", True, {}),
        ("Youssef", "Benali", saidia, "M", True, {"rsu_index": Decimal("5"), "disability": "x"}),
        ("Omar", "Lamrani", tafoughalt, "M", False, {}),
    ]:
        person = PersonFactory(
            centre=centre,
            first_name_latin=first,
            last_name_latin=last,
            commune=commune,
            sex=sex,
            **extra,
        )
        enrolment = EnrolmentFactory(cohort=finished_cohort, person=person)
        Completion.objects.create(
            enrolment=enrolment, completed=completed, attendance_percent=Decimal("90")
        )
        people.append(person)
    return people


@pytest.fixture
def mentee(youth, mentor):
    MentorAssignment.objects.create(
        centre=youth[0].centre, person=youth[0], mentor=mentor, assigned_at=timezone.now()
    )
    return youth[0]
