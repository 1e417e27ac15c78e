"""Fixtures for attendance, completion and certificates: a running cohort of a centre, its
learners, a trainer's past sessions. All people are synthetic."""

import datetime as dt

import pytest
from django.db.models import F
from django.utils import timezone

from markaz.centre.models import Presence, Session
from markaz.programmes.models import Cohort, Enrolment
from markaz.registry.models import Person
from tests.factories import RoomFactory

LEARNERS = [
    ("Salma", "Bouazza", "سلمى", "بوعزة"),
    ("Youssef", "Benali", "يوسف", "بنعلي"),
    ("Imane", "Tahiri", "إيمان", "الطاهري"),
    ("Omar", "Lamrani", "عمر", "العمراني"),
]


def make_person(centre, n: int, names=None) -> Person:
    first, last, first_ar, last_ar = names or (f"Prenom{n}", f"Nom{n}", "", "")
    return Person.objects.create(
        centre=centre,
        first_name_latin=first,
        last_name_latin=last,
        first_name_ar=first_ar,
        last_name_ar=last_ar,
        cin=f"FA{n:06d}",
        birth_date=dt.date(2000, 1, 1),
        sex="F",
        phone=f"+2126610000{n:02d}",
        activity_status="unemployed",
        education_level="bac",
        eligible=True,
    )


def enrol(cohort, person) -> Enrolment:
    enrolment = Enrolment.objects.create(cohort=cohort, person=person)
    Cohort.objects.filter(pk=cohort.pk).update(enrolled=F("enrolled") + 1)
    return enrolment


@pytest.fixture
def cohort(cohort, trainer):
    """The shared running cohort (tests/conftest.py), taught by `trainer`."""
    cohort.trainers.add(trainer)
    return cohort


@pytest.fixture
def enrolments(centre, cohort):
    return [enrol(cohort, make_person(centre, i, names)) for i, names in enumerate(LEARNERS, 1)]


def at(days_ago: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


def make_session(cohort, trainer, starts_at, hours: int = 3) -> Session:
    room = cohort.centre.rooms.first() or RoomFactory(centre=cohort.centre)
    return Session.objects.create(
        centre=cohort.centre,
        cohort=cohort,
        room=room,
        trainer=trainer,
        lesson="HTML",
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=hours),
    )


@pytest.fixture
def sessions(cohort, trainer):
    """Four past sessions of the cohort, oldest first (9:00-12:00, 10 to 4 days ago)."""
    return [make_session(cohort, trainer, at(days)) for days in (10, 8, 6, 4)]


@pytest.fixture
def session(sessions):
    return sessions[-1]


def visit(person, entered_at, exited_at=None) -> Presence:
    return Presence.objects.create(
        centre=person.centre, person=person, entered_at=entered_at, exited_at=exited_at
    )
