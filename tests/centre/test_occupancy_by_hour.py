"""Occupancy through the day, as the roll-call page charts it (from entries and exits)."""

import datetime as dt

import pytest
from django.utils import timezone

from markaz.centre.models import Presence
from markaz.centre.selectors import occupancy_by_hour
from tests.centre.conftest import enrolled_people

pytestmark = pytest.mark.django_db


def at(day, hour, minute=0):
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def people(centre, programme):
    return enrolled_people(centre, programme, 5)


def visit(centre, person, entered, exited=None):
    Presence.objects.create(centre=centre, person=person, entered_at=entered, exited_at=exited)


def test_an_hour_without_comings_and_goings_keeps_the_people_inside(centre, people):
    day = dt.date(2026, 11, 2)
    visit(centre, people[0], at(day, 9, 5), at(day, 12, 30))
    visit(centre, people[1], at(day, 9, 10), at(day, 12, 40))
    visit(centre, people[2], at(day, 9, 20), at(day, 14, 0))
    visit(
        centre,
        people[3],
        at(day, 7, 0) - dt.timedelta(days=1),
        at(day, 9, 0) - dt.timedelta(days=1),
    )

    hours = dict(occupancy_by_hour(centre, day))

    assert hours[8] == 0
    assert hours[9] == 3
    assert hours[10] == 3 and hours[11] == 3  # nobody came or went: still three inside
    assert hours[12] == 3  # the hour starts with three, then two leave
    assert hours[13] == 1
    assert hours[14] == 1  # one was inside when the hour began
    assert hours[15] == 0 and hours[22] == 0


def test_someone_left_inside_overnight_counts_from_the_start_of_the_day(centre, people):
    day = dt.date(2026, 11, 5)
    visit(centre, people[0], at(day, 20, 0) - dt.timedelta(days=1))  # never checked out
    visit(centre, people[1], at(day, 10, 0), at(day, 10, 30))

    hours = dict(occupancy_by_hour(centre, day))

    assert hours[8] == 1 and hours[9] == 1 and hours[10] == 2 and hours[11] == 1


def test_an_exit_and_an_entry_at_the_same_moment_are_no_peak(centre, people):
    day = dt.date(2026, 11, 6)
    visit(centre, people[0], at(day, 9, 0), at(day, 11, 0))
    visit(centre, people[1], at(day, 11, 0), at(day, 12, 0))

    hours = dict(occupancy_by_hour(centre, day))

    assert hours[11] == 1


def test_a_day_without_visits_is_empty(centre):
    assert all(n == 0 for _, n in occupancy_by_hour(centre, dt.date(2026, 11, 3)))


def test_today_the_hours_still_to_come_stay_empty(centre, people, monkeypatch):
    day = dt.date(2026, 11, 4)
    visit(centre, people[0], at(day, 9, 0))
    visit(centre, people[1], at(day, 9, 30))
    monkeypatch.setattr(timezone, "now", lambda: at(day, 11, 30))
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: day)

    hours = dict(occupancy_by_hour(centre, day))

    assert [hours[h] for h in (9, 10, 11)] == [2, 2, 2]
    assert hours[12] == 0 and hours[18] == 0
