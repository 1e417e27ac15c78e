"""Occupancy through the day, as the roll-call page charts it."""

import datetime as dt

import pytest
from django.utils import timezone

from markaz.centre.models import DoorEvent
from markaz.centre.selectors import occupancy_by_hour

pytestmark = pytest.mark.django_db


def at(day, hour, minute=0):
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


def log(centre, when, occupancy, kind="entry"):
    DoorEvent.objects.create(centre=centre, kind=kind, at=when, occupancy=occupancy)


def test_an_hour_without_scans_keeps_the_count_the_last_scan_left(centre):
    day = dt.date(2026, 11, 2)
    log(centre, at(day, 9, 5), 1)
    log(centre, at(day, 9, 10), 2)
    log(centre, at(day, 9, 20), 3)
    log(centre, at(day, 12, 30), 2, "exit")
    log(centre, at(day, 12, 40), 1, "exit")
    log(centre, at(day, 14, 0), 0, "exit")
    log(centre, at(day - dt.timedelta(days=1), 18, 0), 40)  # yesterday: not this day's count

    hours = dict(occupancy_by_hour(centre, day))

    assert hours[8] == 0
    assert hours[9] == 3
    assert hours[10] == 3 and hours[11] == 3  # nobody came or went: still three inside
    assert hours[12] == 3  # the hour starts with three, then two leave
    assert hours[13] == 1
    assert hours[14] == 1  # one was inside when the hour began
    assert hours[15] == 0 and hours[22] == 0


def test_a_day_without_scans_is_empty(centre):
    assert all(n == 0 for _, n in occupancy_by_hour(centre, dt.date(2026, 11, 3)))


def test_today_the_hours_still_to_come_stay_empty(centre, monkeypatch):
    day = dt.date(2026, 11, 4)
    log(centre, at(day, 9, 0), 2)
    monkeypatch.setattr(timezone, "now", lambda: at(day, 11, 30))
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: day)

    hours = dict(occupancy_by_hour(centre, day))

    assert [hours[h] for h in (9, 10, 11)] == [2, 2, 2]
    assert hours[12] == 0 and hours[18] == 0
