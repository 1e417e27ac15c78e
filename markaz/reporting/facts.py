"""The indicator engine's input, read from the database: one row of facts per youth, the
caravan's pupil counts, the centre's hours and money. Reads only; a handful of aggregate
queries whatever the size of the centre (no query per person), so the full pack stays fast on
100,000 youth and millions of attendance marks.

Who is counted in a window [start, end] (both days included) — the definitions the dictionary
in ``markaz/engine/indicators.py`` describes in words:

- *applied*: registered (intake desk, public form, import) or applied to a campaign in the
  window; *eligible*: applied and found eligible.
- *enrolled*: has an enrolment (withdrawn or not) in a cohort that starts in the window;
  *ended*: one of those cohorts ended by the end of the window; *completed*, *certified*: a
  completion decided "completed", a certificate not revoked, for one of those enrolments.
- follow-ups *due* in the window at +6 / +12 months; *reached*: the youth answered;
  *inserted*: reached and wage or self-employed. Unreached youth are neither.
- *income before / after*: for youth with a reached follow-up in the window, the income at
  intake (baseline) and the income of the latest such follow-up (paired, so the two medians
  speak of the same people).
- businesses: a reached follow-up in the window says a business was created; jobs created are
  the most any of them reports (the same business is not counted at +6 and again at +12).
- mentoring hours: attended mentoring sessions that start in the window.
- attendance: the marks of the enrolments counted as enrolled.
- a youth's *period* is the quarter of their first event in the window (application, cohort
  start, follow-up due); their *age band* is their age on that day.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from django.db.models import Count, F, Min, Q
from django.utils import timezone

from markaz.centre.models import Centre, Closure, Session, YearPlan
from markaz.centre.timetabling import DAYS, ramadan_days, weekly_slots
from markaz.engine import indicators as engine
from markaz.learning.models import AttendanceMark, Certificate, Completion
from markaz.mentoring.models import (
    INSERTED_STATUSES,
    Baseline,
    FollowUp,
    MentoringParticipant,
)
from markaz.programmes.models import Application, Enrolment, Programme
from markaz.registry.models import Person
from markaz.territory.models import Commune

PRESENT = (AttendanceMark.Status.PRESENT, AttendanceMark.Status.LATE)
AGE_BANDS = ("18-24", "25-29", "30-35", "other")
# The commune (and area) of a youth who lives outside the province.
OUTSIDE = "outside"


def quarter(day: dt.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def quarters(start: dt.date, end: dt.date) -> list[str]:
    out, day = [], dt.date(start.year, 3 * ((start.month - 1) // 3) + 1, 1)
    while day <= end:
        out.append(quarter(day))
        month = day.month + 3
        day = dt.date(day.year + (month > 12), (month - 1) % 12 + 1, 1)
    return out


def age_band(birth: dt.date, on: dt.date) -> str:
    age = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    if 18 <= age <= 24:
        return "18-24"
    if 25 <= age <= 29:
        return "25-29"
    if 30 <= age <= 35:
        return "30-35"
    return "other"


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=tz),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    )


@dataclass
class Facts:
    youth: engine.YouthFacts
    caravan: engine.CaravanFacts
    centre: engine.CentreFacts
    categories: dict[str, list[str]]
    hierarchy: dict[str, dict[str, str]]
    targets: dict[str, float]


class _Rows:
    """Per-person accumulator keyed by person id, turned into columns at the end."""

    def __init__(self) -> None:
        self.first: dict[int, dt.date] = {}
        self.flags: dict[str, set[int]] = defaultdict(set)
        self.programme: dict[int, tuple[dt.date, int]] = {}
        self.income_before: dict[int, float] = {}
        self.income_after: dict[int, tuple[dt.date, float]] = {}
        self.jobs: dict[int, int] = defaultdict(int)
        self.hours: dict[int, float] = defaultdict(float)
        self.present: dict[int, int] = defaultdict(int)
        self.marks: dict[int, int] = defaultdict(int)

    def seen(self, pid: int, day: dt.date) -> None:
        if pid not in self.first or day < self.first[pid]:
            self.first[pid] = day


def youth_rows(centre: Centre, start: dt.date, end: dt.date) -> _Rows:
    lo, hi = _bounds(start, end)
    rows = _Rows()
    local = timezone.localtime

    # Registered at the intake desk, by the public form or an import, in the window.
    for pid, created in Person.objects.filter(
        centre=centre, merged_into__isnull=True, created_at__gte=lo, created_at__lt=hi
    ).values_list("pk", "created_at"):
        rows.seen(pid, local(created).date())
        rows.flags["applied"].add(pid)
    # Applied to a campaign in the window (first application per person).
    for pid, first in (
        Application.objects.filter(centre=centre, created_at__gte=lo, created_at__lt=hi)
        .values("person_id")
        .annotate(first=Min("created_at"))
        .values_list("person_id", "first")
    ):
        rows.seen(pid, local(first).date())
        rows.flags["applied"].add(pid)

    # Enrolments in cohorts starting in the window.
    enrolments = Enrolment.objects.filter(
        cohort__centre=centre, cohort__start_date__gte=start, cohort__start_date__lte=end
    )
    completed = set(
        Completion.objects.filter(enrolment__in=enrolments, completed=True).values_list(
            "enrolment_id", flat=True
        )
    )
    certified = set(
        Certificate.objects.filter(enrolment__in=enrolments, revoked_at__isnull=True).values_list(
            "enrolment_id", flat=True
        )
    )
    enrolment_person: dict[int, int] = {}
    for eid, pid, programme, begins, ends in enrolments.values_list(
        "id", "person_id", "cohort__programme_id", "cohort__start_date", "cohort__end_date"
    ):
        enrolment_person[eid] = pid
        rows.seen(pid, begins)
        rows.flags["enrolled"].add(pid)
        if ends <= end:
            rows.flags["ended"].add(pid)
            if eid in completed:
                rows.flags["completed_ended"].add(pid)
        if eid in completed:
            rows.flags["completed"].add(pid)
        if eid in certified:
            rows.flags["certified"].add(pid)
        if pid not in rows.programme or begins >= rows.programme[pid][0]:
            rows.programme[pid] = (begins, programme)

    # Attendance of those enrolments: one grouped pass over the marks, no join.
    for eid, present, total in (
        AttendanceMark.objects.filter(enrolment__in=enrolments)
        .values("enrolment_id")
        .annotate(present=Count("id", filter=Q(status__in=PRESENT)), total=Count("id"))
        .values_list("enrolment_id", "present", "total")
    ):
        pid = enrolment_person[eid]
        rows.present[pid] += present
        rows.marks[pid] += total

    # Follow-ups due in the window.
    for pid, milestone, status, employment, income, business, jobs, due in FollowUp.objects.filter(
        centre=centre, due_on__gte=start, due_on__lte=end
    ).values_list(
        "person_id",
        "milestone",
        "status",
        "employment_status",
        "monthly_income_mad",
        "business_created",
        "jobs_created",
        "due_on",
    ):
        rows.seen(pid, due)
        reached = status == FollowUp.Status.REACHED
        if milestone in ("m6", "m12"):
            key = milestone[1:]
            rows.flags["due" + key].add(pid)
            if reached:
                rows.flags["reached" + key].add(pid)
                if employment in INSERTED_STATUSES:
                    rows.flags["inserted" + key].add(pid)
        if not reached:
            continue
        if business:
            rows.flags["business"].add(pid)
            rows.jobs[pid] = max(rows.jobs[pid], jobs)
        if income is not None and (
            pid not in rows.income_after or due >= rows.income_after[pid][0]
        ):
            rows.income_after[pid] = (due, float(income))
    for pid, income in Baseline.objects.filter(
        person_id__in=list(rows.income_after), monthly_income_mad__isnull=False
    ).values_list("person_id", "monthly_income_mad"):
        rows.income_before[pid] = float(income)

    # Mentoring hours: attended sessions starting in the window.
    for pid, session_start, session_end in (
        MentoringParticipant.objects.filter(
            session__centre=centre, session__starts_at__gte=lo, session__starts_at__lt=hi
        )
        .exclude(attended=False)
        .values_list("person_id", "session__starts_at", "session__ends_at")
    ):
        rows.seen(pid, local(session_start).date())
        rows.hours[pid] += (session_end - session_start).total_seconds() / 3600
    return rows


def youth_facts(centre: Centre, start: dt.date, end: dt.date) -> engine.YouthFacts:
    rows = youth_rows(centre, start, end)
    ids = sorted(rows.first)
    # Few people: fetch them by id; many: one pass over the centre's registry is cheaper than
    # a huge IN list (and SQLite caps the number of parameters).
    people_qs = Person.objects.filter(pk__in=ids) if len(ids) < 5000 else centre.people.all()
    people = {
        pk: (sex, birth, commune, kind, eligible)
        for pk, sex, birth, commune, kind, eligible in people_qs.values_list(
            "pk", "sex", "birth_date", "commune__code", "commune__kind", "eligible"
        )
    }
    ids = [pk for pk in ids if pk in people]
    n = len(ids)
    flags = rows.flags

    def flag(name: str) -> np.ndarray:
        members = flags.get(name, set())
        return np.fromiter((pk in members for pk in ids), dtype=bool, count=n)

    applied = flag("applied")
    return engine.YouthFacts(
        person_id=np.asarray(ids, dtype=np.int64),
        sex=[people[pk][0] for pk in ids],
        age_band=[age_band(people[pk][1], rows.first[pk]) for pk in ids],
        commune=[people[pk][2] or OUTSIDE for pk in ids],
        area=[people[pk][3] or OUTSIDE for pk in ids],
        programme=[str(rows.programme[pk][1]) if pk in rows.programme else "none" for pk in ids],
        period=[quarter(rows.first[pk]) for pk in ids],
        applied=applied,
        eligible=applied & np.fromiter((people[pk][4] for pk in ids), dtype=bool, count=n),
        enrolled=flag("enrolled"),
        ended=flag("ended"),
        completed=flag("completed"),
        certified=flag("certified"),
        due6=flag("due6"),
        reached6=flag("reached6"),
        inserted6=flag("inserted6"),
        due12=flag("due12"),
        reached12=flag("reached12"),
        inserted12=flag("inserted12"),
        income_before=np.fromiter(
            (rows.income_before.get(pk, math.nan) for pk in ids), dtype=float, count=n
        ),
        income_after=np.fromiter(
            (rows.income_after[pk][1] if pk in rows.income_after else math.nan for pk in ids),
            dtype=float,
            count=n,
        ),
        business_created=flag("business"),
        jobs_created=np.fromiter((rows.jobs.get(pk, 0) for pk in ids), dtype=np.int64, count=n),
        mentoring_hours=np.fromiter((rows.hours.get(pk, 0.0) for pk in ids), dtype=float, count=n),
        marks_present=np.fromiter((rows.present.get(pk, 0) for pk in ids), dtype=np.int64, count=n),
        marks_total=np.fromiter((rows.marks.get(pk, 0) for pk in ids), dtype=np.int64, count=n),
    )


def caravan_facts(start: dt.date, end: dt.date) -> engine.CaravanFacts:
    """Pupils reached by the caravan (visit reports) and the children's space (bookings), one
    row per (school, quarter, sex)."""
    from markaz.caravan.models import ChildrenBooking, VisitReport

    lo, hi = _bounds(start, end)
    counts: dict[tuple[int, str, str], int] = defaultdict(int)
    for school, day, girls, boys in VisitReport.objects.filter(
        date__gte=start, date__lte=end
    ).values_list("school_id", "date", "girls", "boys"):
        counts[(school, quarter(day), "F")] += girls
        counts[(school, quarter(day), "M")] += boys
    for school, at, girls, boys in ChildrenBooking.objects.filter(
        starts_at__gte=lo, starts_at__lt=hi, starts_at__lte=timezone.now()
    ).values_list("school_id", "starts_at", "girls", "boys"):
        day = timezone.localtime(at).date()
        counts[(school, quarter(day), "F")] += girls
        counts[(school, quarter(day), "M")] += boys
    schools = _schools()
    keys = sorted(counts)
    return engine.CaravanFacts(
        commune=[schools[k[0]][0] for k in keys],
        area=[schools[k[0]][1] for k in keys],
        level=[schools[k[0]][2] for k in keys],
        period=[k[1] for k in keys],
        sex=[k[2] for k in keys],
        school_id=[k[0] for k in keys],
        pupils=[counts[k] for k in keys],
    )


def _schools() -> dict[int, tuple[str, str, str]]:
    from markaz.caravan.models import School

    return {
        pk: (commune, area, level)
        for pk, commune, area, level in School.objects.values_list(
            "pk", "commune__code", "area", "level"
        )
    }


def opening_hours(centre: Centre, start: dt.date, end: dt.date) -> dict[str, float]:
    """Hours the centre is open in each quarter of [start, end]: its weekly grid (Ramadan grid
    in Ramadan periods), closures excluded."""
    closed = set(
        Closure.objects.filter(centre=centre, date__gte=start, date__lte=end).values_list(
            "date", flat=True
        )
    )
    ramadan = ramadan_days(centre)

    def day_hours(grid: list[dict]) -> dict[str, float]:
        out: dict[str, float] = defaultdict(float)
        for s in grid:
            a, b = dt.time.fromisoformat(s["start"]), dt.time.fromisoformat(s["end"])
            out[s["day"]] += (b.hour * 60 + b.minute - a.hour * 60 - a.minute) / 60
        return out

    normal, fasting = day_hours(weekly_slots()), day_hours(weekly_slots(ramadan=True))
    hours: dict[str, float] = defaultdict(float)
    day = start
    while day <= end:
        if day not in closed:
            grid = fasting if day in ramadan else normal
            hours[quarter(day)] += grid.get(DAYS[day.weekday()], 0.0)
        day += dt.timedelta(days=1)
    return dict(hours)


def centre_facts(centre: Centre, start: dt.date, end: dt.date) -> engine.CentreFacts:
    from markaz.caravan.models import School

    lo, hi = _bounds(start, end)
    sessions = Session.objects.filter(centre=centre, starts_at__gte=lo, starts_at__lt=hi)
    present = dict(
        AttendanceMark.objects.filter(session__in=sessions, status__in=PRESENT)
        .values("session_id")
        .annotate(n=Count("id"))
        .values_list("session_id", "n")
    )
    occupancy: dict[str, float] = defaultdict(float)
    for pk, begins, ends in sessions.values_list("pk", "starts_at", "ends_at"):
        if pk in present:
            day = timezone.localtime(begins).date()
            occupancy[quarter(day)] += present[pk] * (ends - begins).total_seconds() / 3600
    capacity = {
        q: hours * centre.max_occupancy for q, hours in opening_hours(centre, start, end).items()
    }
    plans = YearPlan.objects.filter(centre=centre, year__gte=start.year, year__lte=end.year)
    running = 0.0
    investment = 0.0
    for plan in plans:
        # A year's running budget counts in proportion to the share of that year in the window.
        first = max(start, dt.date(plan.year, 1, 1))
        last = min(end, dt.date(plan.year, 12, 31))
        days_in_year = (dt.date(plan.year, 12, 31) - dt.date(plan.year, 1, 1)).days + 1
        running += float(plan.running_budget_mad) * ((last - first).days + 1) / days_in_year
        investment = max(investment, float(plan.investment_mad))
    if not plans:
        investment = float(YearPlan._meta.get_field("investment_mad").default)
    schools_by: dict[str, dict[str, int]] = {"commune": {}, "area": {}, "level": {}}
    for dim, field in (("commune", "commune__code"), ("area", "area"), ("level", "level")):
        schools_by[dim] = dict(
            School.objects.values(key=F(field)).annotate(n=Count("id")).values_list("key", "n")
        )
    return engine.CentreFacts(
        occupancy_hours=dict(occupancy),
        capacity_hours=capacity,
        investment_mad=investment,
        running_budget_mad=round(running, 2),
        schools_total=School.objects.count(),
        schools_by=schools_by,
        communes_total=Commune.objects.count(),
    )


def targets_for(centre: Centre, start: dt.date, end: dt.date) -> dict[str, float]:
    """The year's targets when the window is one calendar year (or within one); none else."""
    if start.year != end.year:
        return {}
    plan = YearPlan.objects.filter(centre=centre, year=start.year).first()
    if plan is None:
        return {}
    out = {}
    for code, value in (plan.targets or {}).items():
        try:
            out[code] = float(value)
        except (TypeError, ValueError):
            continue
    return out


def facts(centre: Centre, start: dt.date, end: dt.date) -> Facts:
    communes = list(Commune.objects.order_by("name_fr").values_list("code", "kind"))
    programmes = [
        str(pk)
        for pk in Programme.objects.filter(centre=centre)
        .order_by("pk")
        .values_list("pk", flat=True)
    ]
    categories = {
        "sex": ["F", "M"],
        "age_band": list(AGE_BANDS),
        "commune": [*(code for code, _kind in communes), OUTSIDE],
        "area": ["urban", "rural", OUTSIDE],
        "programme": [*programmes, "none"],
        "period": quarters(start, end),
        "level": ["primaire", "college", "lycee"],
    }
    return Facts(
        youth=youth_facts(centre, start, end),
        caravan=caravan_facts(start, end),
        centre=centre_facts(centre, start, end),
        categories=categories,
        hierarchy={"commune": {**dict(communes), OUTSIDE: OUTSIDE}},
        targets=targets_for(centre, start, end),
    )
