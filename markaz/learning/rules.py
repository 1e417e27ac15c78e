"""Pure rules of attendance: no Django, so they are tested with plain asserts.

- `prefill_status`: what the door's check-ins suggest for a learner at a session.
- `attendance_percent`: (present + late) / (sessions held so far − sessions excused), in %.
- `absence_streaks`: runs of consecutive absences, in session order, to alert on.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

PRESENT, LATE, ABSENT, EXCUSED = "present", "late", "absent", "excused"
LATE_AFTER = dt.timedelta(minutes=15)
# An entry earlier than this before the start is another visit (a presence left open
# overnight because someone forgot to scan out says nothing about today's session).
EARLIEST_ENTRY = dt.timedelta(hours=6)


@dataclass(frozen=True)
class Visit:
    entered_at: dt.datetime
    exited_at: dt.datetime | None


def prefill_status(starts_at: dt.datetime, ends_at: dt.datetime, visits: Iterable[Visit]) -> str:
    """Present if a visit overlaps the start (or begins within 15 minutes of it), late if the
    learner entered more than 15 minutes after the start but before the end, absent otherwise."""
    best = ABSENT
    for v in visits:
        if v.entered_at >= ends_at or v.entered_at < starts_at - EARLIEST_ENTRY:
            continue
        if v.exited_at is not None and v.exited_at <= starts_at:
            continue
        if v.entered_at <= starts_at + LATE_AFTER:
            return PRESENT
        best = LATE
    return best


@dataclass(frozen=True)
class AttendanceCounts:
    held: int
    present: int = 0
    late: int = 0
    absent: int = 0
    excused: int = 0

    @property
    def counted(self) -> int:
        """Sessions that count: held so far, minus those the learner was excused from."""
        return self.held - self.excused

    @property
    def percent(self) -> Decimal | None:
        """(present + late) / counted, rounded to one decimal; None when nothing counts yet."""
        if self.counted <= 0:
            return None
        value = Decimal(100 * (self.present + self.late)) / Decimal(self.counted)
        return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def absence_streaks(statuses: Sequence[tuple[object, str]], length: int = 2) -> list[list]:
    """Runs of at least `length` consecutive absences in `statuses` [(session key, status)],
    given in session order. An excused session neither breaks nor extends a run; any other
    status ends it. Each run is returned as the list of its session keys; its first key names
    it, so a run that grows is still the same run (one alert per run)."""
    runs, current = [], []
    for key, status in statuses:
        if status == ABSENT:
            current.append(key)
        elif status == EXCUSED:
            continue
        else:
            if len(current) >= length:
                runs.append(current)
            current = []
    if len(current) >= length:
        runs.append(current)
    return runs
