"""Pure rules of mentoring (no database): which mentor to suggest for a youth, and the dates of
the outcome follow-ups.

Suggesting a mentor: among the mentors with room in their caseload, prefer one who speaks the
youth's preferred language AND follows the track of their programme; failing that one who speaks
the language (a youth must understand their mentor), then one who follows the track, then anyone
with room. Within the best group, the least-loaded mentor (fewest open assignments; ties: the
lower share of their largest caseload, then the name).
"""

import calendar
import datetime as dt
from dataclasses import dataclass

# Months after the cohort's end date of each follow-up milestone.
MILESTONE_MONTHS = {"exit": 0, "m3": 3, "m6": 6, "m12": 12}


@dataclass(frozen=True)
class Candidate:
    mentor_id: int
    name: str
    languages: frozenset[str]
    tracks: frozenset[str]
    load: int
    max_caseload: int

    @property
    def has_room(self) -> bool:
        return self.load < self.max_caseload


@dataclass(frozen=True)
class Suggestion:
    candidate: Candidate
    speaks: bool  # speaks the youth's preferred language
    follows: bool  # follows the track of the youth's programme


def suggest_mentor(
    candidates: list[Candidate], *, language: str, track: str | None
) -> Suggestion | None:
    """The mentor to suggest, or None when every caseload is full (or there is no mentor)."""
    with_room = [c for c in candidates if c.has_room]
    if not with_room:
        return None

    def fit(c: Candidate) -> tuple[bool, bool]:
        return language in c.languages, track is not None and track in c.tracks

    for wanted in ((True, True), (True, False), (False, True), (False, False)):
        group = [c for c in with_room if _matches(fit(c), wanted)]
        if group:
            best = min(group, key=lambda c: (c.load, c.load / c.max_caseload, c.name, c.mentor_id))
            speaks, follows = fit(best)
            return Suggestion(best, speaks=speaks, follows=follows)
    return None  # pragma: no cover (the last group takes everyone with room)


def _matches(fit: tuple[bool, bool], wanted: tuple[bool, bool]) -> bool:
    """A mentor belongs to the first group whose every wanted criterion they meet."""
    return all(f for f, w in zip(fit, wanted, strict=True) if w)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (the month's last day when it is shorter: 31 Aug + 3 months
    is 30 Nov)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def followup_dates(end_date: dt.date) -> dict[str, dt.date]:
    """Milestone → due date, for a cohort ending on `end_date`."""
    return {m: add_months(end_date, n) for m, n in MILESTONE_MONTHS.items()}
