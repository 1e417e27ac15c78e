"""Fixtures for mentoring: a centre with a mentoring room, a running web cohort, enrolled youth,
a mentor (with a profile) and another mentor. All people are synthetic.

Named personas (tests/conftest.py): `coordinator`, `admin_user`, `mentor`, `trainer`,
`caravan_staff`, `provincial_viewer`; here also `other_mentor`.
"""

import datetime as dt

import pytest
from django.utils import timezone

from markaz.centre.models import Room
from markaz.core.roles import Role
from markaz.mentoring.models import MentorAssignment, MentorProfile
from tests.factories import (
    EnrolmentFactory,
    PersonFactory,
    RoomFactory,
    staff,
)

# A Tuesday far from today, so opening hours are the ordinary weekday grid:
# 09:00–13:00 and 14:00–22:00.
DAY = dt.date(2030, 1, 8)


def at(hour: int, minute: int = 0, day: dt.date = DAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def mentor_profile(mentor, centre):
    mentor.first_name, mentor.last_name = "Leila", "Mentore"
    mentor.save(update_fields=["first_name", "last_name"])
    return MentorProfile.objects.create(
        user=mentor, centre=centre, languages=["ar", "fr"], tracks=["web"], max_caseload=3
    )


@pytest.fixture
def other_mentor(centre):
    user = staff("mentor2", Role.MENTOR, centre)
    user.first_name, user.last_name = "Rachid", "Amrani"
    user.save(update_fields=["first_name", "last_name"])
    MentorProfile.objects.create(
        user=user, centre=centre, languages=["ar", "zgh"], tracks=["marketing"], max_caseload=10
    )
    return user


@pytest.fixture
def mentoring_room(centre):
    return RoomFactory(
        centre=centre,
        name_fr="Salle d'encadrement 1",
        name_ar="قاعة المواكبة 1",
        kind=Room.Kind.MENTORING,
        capacity=6,
    )


@pytest.fixture
def youth(cohort):
    """Four enrolled youth of the running cohort (no mentor yet)."""
    names = [
        ("Salma", "Bouazza", "سلمى", "بوعزة"),
        ("Youssef", "Benali", "يوسف", "بنعلي"),
        ("Imane", "Tahiri", "إيمان", "الطاهري"),
        ("Omar", "Lamrani", "عمر", "العمراني"),
    ]
    people = []
    for first, last, first_ar, last_ar in names:
        person = PersonFactory(
            centre=cohort.centre,
            first_name_latin=first,
            last_name_latin=last,
            first_name_ar=first_ar,
            last_name_ar=last_ar,
        )
        EnrolmentFactory(cohort=cohort, person=person)
        people.append(person)
    return people


def assign(person, mentor, *, days_ago: int = 1) -> MentorAssignment:
    return MentorAssignment.objects.create(
        centre=person.centre,
        person=person,
        mentor=mentor,
        assigned_at=timezone.now() - dt.timedelta(days=days_ago),
    )


@pytest.fixture
def mentee(youth, mentor, mentor_profile):
    """Salma, followed by the mentor."""
    assign(youth[0], mentor)
    return youth[0]


@pytest.fixture
def other_mentee(youth, other_mentor):
    """Youssef, followed by the other mentor."""
    assign(youth[1], other_mentor)
    return youth[1]
