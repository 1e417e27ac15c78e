"""Published periods: the only windows a protected output (the provincial viewer's dashboard,
every download, ``manage.py indicators --protected``) is ever computed for.

Why: small cells are hidden one output at a time, so two outputs whose windows differ by a day
(windows ending on D and D+1) differ by the people of that day, and subtracting them shows a
hidden person (issue 13, "window differencing"). Protected figures are therefore computed only
for whole months, quarters, calendar years and INDH years (19 May → 18 May), and a period that is
not over yet is read up to the end of its last complete month, so that waiting a day does not
give a new window either. Every protected window starts on the first day of a month or on
19 May and ends on the last day of a month or on 18 May: no day can be isolated.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

from markaz.core.errors import UserInputError

from .forms import INDH_YEAR_END, indh_year

KINDS = ("month", "quarter", "year", "indh")


@dataclass(frozen=True)
class Period:
    kind: str
    start: dt.date
    end: dt.date

    def label(self) -> str:
        if self.kind == "month":
            return _("Month %(month)02d/%(year)s") % {
                "month": self.start.month,
                "year": self.start.year,
            }
        if self.kind == "quarter":
            return _("Quarter %(quarter)s of %(year)s") % {
                "quarter": (self.start.month - 1) // 3 + 1,
                "year": self.start.year,
            }
        if self.kind == "year":
            return _("Year %(year)s") % {"year": self.start.year}
        return _("INDH year to 18 May %(year)s") % {"year": self.end.year}


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _candidates(day: dt.date) -> list[Period]:
    """The published periods containing `day`, shortest first (calendar year before INDH year)."""
    q_first = (day.month - 1) // 3 * 3 + 1
    return [
        Period("month", day.replace(day=1), _month_end(day.year, day.month)),
        Period("quarter", dt.date(day.year, q_first, 1), _month_end(day.year, q_first + 2)),
        Period("year", dt.date(day.year, 1, 1), dt.date(day.year, 12, 31)),
        Period("indh", *indh_year(day)),
    ]


def published(start: dt.date, end: dt.date) -> Period | None:
    """The published period that is exactly [start, end], or None."""
    return next((p for p in _candidates(start) if (p.start, p.end) == (start, end)), None)


def enclosing(start: dt.date, end: dt.date) -> Period | None:
    """The shortest published period containing [start, end], or None (a window across two
    calendar years and two INDH years)."""
    return next((p for p in _candidates(start) if p.start <= start and end <= p.end), None)


def last_complete_month_end(today: dt.date) -> dt.date:
    return today.replace(day=1) - dt.timedelta(days=1)


def data_end(period: Period, today: dt.date) -> dt.date:
    """The last day a protected output of `period` reads: its end once it is over, else the end
    of the last complete month. UserInputError when no month of it is complete yet."""
    if period.end < today:
        return period.end
    end = last_complete_month_end(today)
    if end < period.start:
        raise UserInputError(
            _(
                "The figures of a period are published once its first month is over "
                "(%(period)s): choose a period that began before this month."
            )
            % {"period": period.label()}
        )
    return end


@dataclass(frozen=True)
class ProtectedWindow:
    period: Period
    start: dt.date
    end: dt.date  # the last day read (data_end)
    asked: tuple[dt.date, dt.date] | None  # the window asked for, when it was not published

    @property
    def snapped(self) -> bool:
        return self.asked is not None

    @property
    def partial(self) -> bool:
        return self.end < self.period.end


def protected_window(
    start: dt.date, end: dt.date, *, today: dt.date, snap: bool
) -> ProtectedWindow:
    """The window a protected output is computed for, given the one asked for: the same if it
    is a published period; else (`snap`) the shortest published period containing it, or
    (not `snap`) a UserInputError (400) saying which periods are published."""
    period = published(start, end)
    asked = None
    if period is None:
        period = enclosing(start, end) if snap else None
        if period is None:
            raise UserInputError(refusal())
        asked = (start, end)
    return ProtectedWindow(period, period.start, data_end(period, today), asked)


def refusal() -> str:
    return _(
        "Figures with small cells hidden are only published for whole periods: a month, a "
        "quarter, a calendar year or an INDH year (19 May to 18 May). Choose one of them."
    )


def is_protected_window(start: dt.date, end: dt.date) -> bool:
    """True when [start, end] may be computed protected: a published period, or one read up to
    the end of a complete month (a period in progress)."""
    if published(start, end):
        return True
    month, day = INDH_YEAR_END
    starts_ok = start.day == 1 or (start.month, start.day) == (month, day + 1)
    return starts_ok and end == _month_end(end.year, end.month) and end >= start


MONTHS = {"month": 1, "quarter": 3, "year": 12, "indh": 12}


def protected_comparison(window: ProtectedWindow, mode: str) -> tuple[dt.date, dt.date] | None:
    """The comparison of a protected window: the same months of the previous period of its kind
    ("previous") or a year earlier ("year"), read to the same point; month-aligned like it."""
    from .forms import _add_months

    if mode == "none":
        return None
    months = 12 if mode == "year" else MONTHS[window.period.kind]
    start = _add_months(window.start, -months)
    end = _add_months(window.end + dt.timedelta(days=1), -months) - dt.timedelta(days=1)
    return start, end
