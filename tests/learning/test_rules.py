"""The pure attendance rules: door pre-fill, attendance percentage, absence runs."""

import datetime as dt
from decimal import Decimal

from markaz.learning.rules import (
    ABSENT,
    EXCUSED,
    LATE,
    PRESENT,
    AttendanceCounts,
    Visit,
    absence_streaks,
    prefill_status,
)

UTC = dt.UTC
START = dt.datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
END = START + dt.timedelta(hours=3)


def minutes(n: int) -> dt.datetime:
    return START + dt.timedelta(minutes=n)


def test_prefill_from_the_door():
    cases = [
        ([], ABSENT),
        ([Visit(minutes(-20), None)], PRESENT),  # inside before the start, still in
        ([Visit(minutes(-20), minutes(60))], PRESENT),
        ([Visit(minutes(15), None)], PRESENT),  # within the 15 minutes of grace
        ([Visit(minutes(16), None)], LATE),
        ([Visit(minutes(170), None)], LATE),
        ([Visit(minutes(-90), minutes(-10))], ABSENT),  # left before it started
        ([Visit(minutes(180), None)], ABSENT),  # came after the end
        ([Visit(minutes(-60 * 20), None)], ABSENT),  # a presence left open since yesterday
        ([Visit(minutes(-90), minutes(-10)), Visit(minutes(40), None)], LATE),
        ([Visit(minutes(40), minutes(50)), Visit(minutes(-5), None)], PRESENT),
    ]
    for visits, expected in cases:
        assert prefill_status(START, END, visits) == expected, visits


def test_attendance_percent_excludes_excused_sessions():
    counts = AttendanceCounts(held=6, present=3, late=1, absent=1, excused=1)
    assert counts.counted == 5
    assert counts.percent == Decimal("80.0")
    assert AttendanceCounts(held=3, present=2, absent=1).percent == Decimal("66.7")
    assert AttendanceCounts(held=0).percent is None
    assert AttendanceCounts(held=2, excused=2).percent is None


def test_absence_runs_in_session_order():
    marks = [
        (1, PRESENT),
        (2, ABSENT),
        (3, ABSENT),
        (4, ABSENT),
        (5, LATE),
        (6, ABSENT),
        (7, EXCUSED),  # neither breaks nor extends
        (8, ABSENT),
        (9, PRESENT),
        (10, ABSENT),
    ]
    assert absence_streaks(marks) == [[2, 3, 4], [6, 8]]
    assert absence_streaks([(1, ABSENT), (2, ABSENT)]) == [[1, 2]]
    assert absence_streaks([(1, ABSENT), (2, PRESENT), (3, ABSENT)]) == []
