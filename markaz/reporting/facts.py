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
- attendance: the marks of the enrolments counted as enrolled, read from the counters that
  ``learning.services.attendance_record`` keeps on each enrolment and session (the reports never
  scan the marks themselves).
- a youth's *period* is the quarter of their first event in the window (application, cohort
  start, follow-up due); their *age band* is their age on that day.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from django.db import connection
from django.db.models import Count, F
from django.utils import timezone

from markaz.centre.models import Centre, Closure, Session, YearPlan
from markaz.centre.timetabling import DAYS, ramadan_days, weekly_slots
from markaz.engine import indicators as engine
from markaz.learning.models import Certificate, Completion
from markaz.mentoring.models import (
    INSERTED_STATUSES,
    Baseline,
    FollowUp,
    MentoringParticipant,
)
from markaz.programmes.models import Application, Enrolment, Programme
from markaz.registry.models import Person
from markaz.territory.models import Commune

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


# --- Fast reads: plain SQL returning numbers, turned into columns with numpy -------------------
#
# The ORM would build a Python datetime per row and convert it to local time (about 5 µs each,
# seconds on a large centre); here timestamps come back as epoch seconds and dates as day
# numbers, and numpy does the rest. Portable SQL for SQLite and PostgreSQL; the tables' names
# come from the models.

EPOCH_DAY = dt.date(1970, 1, 1)


def _epoch(col: str) -> str:
    """SQL: a timestamp column as whole seconds since 1970 (UTC)."""
    if connection.vendor == "postgresql":
        return f"CAST(EXTRACT(EPOCH FROM {col}) AS BIGINT)"
    return f"CAST(strftime('%%s', {col}) AS INTEGER)"


def _days(col: str) -> str:
    """SQL: a date column as days since 1970-01-01."""
    if connection.vendor == "postgresql":
        return f"({col} - DATE '1970-01-01')"
    return f"CAST(julianday({col}) - 2440587.5 AS INTEGER)"


def _float(col: str) -> str:
    return f"CAST({col} AS DOUBLE PRECISION)"


def _rows(sql: str, params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _fetch(queries: dict[str, tuple[str, list]]) -> dict[str, list[tuple]]:
    """Run independent reads one after the other. (Side by side on their own connections they
    gained 7 % on this 2-core machine: SQLite's index scans share the same memory bandwidth.)"""
    return {name: _rows(sql, params) for name, (sql, params) in queries.items()}


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


class _LocalDays:
    """Epoch seconds → local day numbers in the centre's time zone, exact to the hour (Morocco
    moves its clocks on the hour), for any instant in [lo, hi)."""

    def __init__(self, lo: dt.datetime, hi: dt.datetime) -> None:
        tz = timezone.get_current_timezone()
        self.first_hour = int(lo.timestamp()) // 3600 - 24
        hours = (int(hi.timestamp()) // 3600 + 24) - self.first_hour + 1

        def offset(hour: int) -> int:
            at = dt.datetime.fromtimestamp((self.first_hour + hour) * 3600, tz=dt.UTC)
            return int(at.astimezone(tz).utcoffset().total_seconds())

        # One reading a day, then hour by hour only around the days the clocks change.
        daily = np.array([offset(h) for h in range(0, hours, 24)], dtype=np.int64)
        offsets = np.repeat(daily, 24)[:hours]
        for k in np.flatnonzero(np.diff(daily) != 0):
            for h in range(k * 24, min((k + 2) * 24, hours)):
                offsets[h] = offset(h)
        self.offsets = offsets

    def __call__(self, epoch: np.ndarray) -> np.ndarray:
        epoch = np.asarray(epoch, dtype=np.int64)
        index = np.clip(epoch // 3600 - self.first_hour, 0, len(self.offsets) - 1)
        return (epoch + self.offsets[index]) // 86400


def _date_of(day: int) -> dt.date:
    return EPOCH_DAY + dt.timedelta(days=int(day))


def _youth_queries(centre: Centre, start: dt.date, end: dt.date) -> dict[str, tuple[str, list]]:
    """The SQL behind `youth_facts`, every query independent of the others."""
    lo, hi = _bounds(start, end)
    cid = centre.pk
    person_t, commune_t = _table(Person), _table(Commune)
    application_t, enrolment_t = _table(Application), _table(Enrolment)
    cohort_t = _table(Enrolment._meta.get_field("cohort").related_model)
    completion_t, certificate_t = _table(Completion), _table(Certificate)
    followup_t, baseline_t = _table(FollowUp), _table(Baseline)
    participant_t = _table(MentoringParticipant)
    session_t = _table(MentoringParticipant._meta.get_field("session").related_model)
    reached = "status = 'reached'"
    inserted = "employment_status IN ({})".format(
        ", ".join(f"'{status.value}'" for status in sorted(INSERTED_STATUSES))
    )
    return {
        "people": (
            f"SELECT p.id, p.sex, {_days('p.birth_date')}, c.code, c.kind, p.eligible, "
            f"{_epoch('p.created_at')} FROM {person_t} p LEFT JOIN {commune_t} c "
            f"ON c.id = p.commune_id WHERE p.centre_id = %s AND p.merged_into_id IS NULL "
            f"ORDER BY p.id",
            [cid],
        ),
        "apps": (
            f"SELECT person_id, MIN({_epoch('created_at')}) FROM {application_t} "
            f"WHERE centre_id = %s AND created_at >= %s AND created_at < %s GROUP BY person_id",
            [cid, lo, hi],
        ),
        "enrolments": (
            f"SELECT e.id, e.person_id, co.programme_id, {_days('co.start_date')}, "
            f"{_days('co.end_date')}, "
            f"CASE WHEN EXISTS (SELECT 1 FROM {completion_t} k WHERE k.enrolment_id = e.id "
            f"AND k.completed) THEN 1 ELSE 0 END, "
            f"CASE WHEN EXISTS (SELECT 1 FROM {certificate_t} z WHERE z.enrolment_id = e.id "
            f"AND z.revoked_at IS NULL) THEN 1 ELSE 0 END, e.marks_present, e.marks_total "
            f"FROM {enrolment_t} e JOIN {cohort_t} co ON co.id = e.cohort_id "
            f"WHERE co.centre_id = %s AND co.start_date >= %s AND co.start_date <= %s "
            f"ORDER BY co.start_date, e.id",
            [cid, start, end],
        ),
        "fold": (
            f"SELECT person_id, MIN({_days('due_on')}), "
            f"MAX(CASE WHEN milestone = 'm6' THEN 1 ELSE 0 END), "
            f"MAX(CASE WHEN milestone = 'm6' AND {reached} THEN 1 ELSE 0 END), "
            f"MAX(CASE WHEN milestone = 'm6' AND {reached} AND {inserted} THEN 1 ELSE 0 END), "
            f"MAX(CASE WHEN milestone = 'm12' THEN 1 ELSE 0 END), "
            f"MAX(CASE WHEN milestone = 'm12' AND {reached} THEN 1 ELSE 0 END), "
            f"MAX(CASE WHEN milestone = 'm12' AND {reached} AND {inserted} THEN 1 ELSE 0 END), "
            f"MAX(CASE WHEN {reached} AND business_created THEN 1 ELSE 0 END), "
            f"MAX(CASE WHEN {reached} AND business_created THEN jobs_created ELSE 0 END) "
            f"FROM {followup_t} WHERE centre_id = %s AND due_on >= %s AND due_on <= %s "
            f"GROUP BY person_id",
            [cid, start, end],
        ),
        "latest": (
            f"SELECT person_id, {_days('due_on')}, id, {_float('monthly_income_mad')} "
            f"FROM {followup_t} WHERE centre_id = %s AND due_on >= %s AND due_on <= %s "
            f"AND {reached} AND monthly_income_mad IS NOT NULL",
            [cid, start, end],
        ),
        "base": (
            f"SELECT person_id, {_float('monthly_income_mad')} FROM {baseline_t} "
            f"WHERE centre_id = %s AND monthly_income_mad IS NOT NULL",
            [cid],
        ),
        "mentoring": (
            f"SELECT mp.person_id, MIN({_epoch('s.starts_at')}), "
            f"SUM({_epoch('s.ends_at')} - {_epoch('s.starts_at')}) "
            f"FROM {participant_t} mp JOIN {session_t} s ON s.id = mp.session_id "
            f"WHERE s.centre_id = %s AND s.starts_at >= %s AND s.starts_at < %s "
            f"AND (mp.attended IS NULL OR mp.attended = %s) GROUP BY mp.person_id",
            [cid, lo, hi, True],
        ),
    }


def youth_facts(
    centre: Centre, start: dt.date, end: dt.date, *, fetched: dict | None = None
) -> engine.YouthFacts:
    """One row per youth with an event in [start, end]; see the module docstring. `fetched`:
    the results of `_youth_queries`, when the caller has already run them."""
    lo, hi = _bounds(start, end)
    local_day = _LocalDays(lo, hi)
    d0, d1 = (start - EPOCH_DAY).days, (end - EPOCH_DAY).days
    if fetched is None:
        fetched = _fetch(_youth_queries(centre, start, end))
    # The centre's registry (every person; those without an event in the window drop out).
    people = fetched["people"]
    n_all = len(people)
    pid = np.fromiter((r[0] for r in people), dtype=np.int64, count=n_all)
    created = local_day(np.fromiter((r[6] for r in people), dtype=np.int64, count=n_all))
    never = np.iinfo(np.int64).max
    first = np.where((created >= d0) & (created <= d1), created, never)
    applied = first != never

    def at(ids) -> np.ndarray:
        """Positions of person ids in the registry (-1: not one of the centre's people)."""
        ids = np.asarray(ids, dtype=np.int64)
        pos = np.searchsorted(pid, ids)
        pos = np.clip(pos, 0, max(n_all - 1, 0))
        ok = (pid[pos] == ids) if n_all else np.zeros(len(ids), dtype=bool)
        return np.where(ok, pos, -1)

    def mark_first(pos: np.ndarray, days: np.ndarray) -> None:
        keep = pos >= 0
        np.minimum.at(first, pos[keep], days[keep])

    # Applied to a campaign in the window.
    apps = fetched["apps"]
    if apps:
        pos = at([r[0] for r in apps])
        mark_first(pos, local_day([r[1] for r in apps]))
        applied[pos[pos >= 0]] = True

    # Enrolments in cohorts starting in the window.
    enrolments = fetched["enrolments"]
    n = n_all
    enrolled = np.zeros(n, dtype=bool)
    ended = np.zeros(n, dtype=bool)
    completed = np.zeros(n, dtype=bool)
    completed_ended = np.zeros(n, dtype=bool)
    certified = np.zeros(n, dtype=bool)
    programme = np.full(n, "none", dtype=object)
    present = np.zeros(n, dtype=np.int64)
    marks = np.zeros(n, dtype=np.int64)
    if enrolments:
        e_pos = at([r[1] for r in enrolments])
        begins = np.fromiter((r[3] for r in enrolments), dtype=np.int64, count=len(enrolments))
        finish = np.fromiter((r[4] for r in enrolments), dtype=np.int64, count=len(enrolments))
        done = np.fromiter((r[5] for r in enrolments), dtype=bool, count=len(enrolments))
        cert = np.fromiter((r[6] for r in enrolments), dtype=bool, count=len(enrolments))
        ok = e_pos >= 0
        p = e_pos[ok]
        mark_first(e_pos, begins)
        enrolled[p] = True
        ended[p[finish[ok] <= d1]] = True
        completed[p[done[ok]]] = True
        completed_ended[p[done[ok] & (finish[ok] <= d1)]] = True
        certified[p[cert[ok]]] = True
        # The programme of the latest cohort (rows come in start order: the last one wins).
        programme[p] = np.array(
            [str(r[2]) for r, keep in zip(enrolments, ok, strict=True) if keep], dtype=object
        )
        # Attendance of those enrolments: the counters kept with the marks.
        np.add.at(present, p, np.array([r[7] for r in enrolments], dtype=np.int64)[ok])
        np.add.at(marks, p, np.array([r[8] for r in enrolments], dtype=np.int64)[ok])

    # Follow-ups due in the window, folded per person in SQL.
    fold = fetched["fold"]
    cols = {}
    if fold:
        f_pos = at([r[0] for r in fold])
        mark_first(f_pos, np.array([r[1] for r in fold], dtype=np.int64))
        keep = f_pos >= 0
        for k, name in enumerate(
            (
                "due6",
                "reached6",
                "inserted6",
                "due12",
                "reached12",
                "inserted12",
                "business",
                "jobs",
            ),
            start=2,
        ):
            col = np.zeros(n, dtype=np.int64)
            col[f_pos[keep]] = np.array([r[k] for r in fold], dtype=np.int64)[keep]
            cols[name] = col
    for name in (
        "due6",
        "reached6",
        "inserted6",
        "due12",
        "reached12",
        "inserted12",
        "business",
        "jobs",
    ):
        cols.setdefault(name, np.zeros(n, dtype=np.int64))

    # Income after: the latest reached follow-up with an income (due date, then id).
    income_after = np.full(n, np.nan)
    latest = fetched["latest"]
    if latest:
        arr = np.array([(r[0], r[1], r[2]) for r in latest], dtype=np.int64)
        income = np.array([r[3] for r in latest], dtype=float)
        order = np.lexsort((arr[:, 2], arr[:, 1], arr[:, 0]))
        persons = arr[order, 0]
        last = np.r_[persons[1:] != persons[:-1], True]
        pos = at(persons[last])
        income_after[pos[pos >= 0]] = income[order][last][pos >= 0]
    # Income before: the baseline of the same youth (paired).
    income_before = np.full(n, np.nan)
    base = fetched["base"]
    if base:
        pos = at([r[0] for r in base])
        values = np.array([r[1] for r in base], dtype=float)
        keep = pos >= 0
        income_before[pos[keep]] = values[keep]
        income_before[np.isnan(income_after)] = np.nan

    # Mentoring hours: attended sessions starting in the window.
    hours = np.zeros(n, dtype=float)
    mentoring = fetched["mentoring"]
    if mentoring:
        pos = at([r[0] for r in mentoring])
        mark_first(pos, local_day([r[1] for r in mentoring]))
        keep = pos >= 0
        hours[pos[keep]] = np.array([r[2] for r in mentoring], dtype=float)[keep] / 3600

    # The youth counted: everyone with an event in the window.
    rows = np.flatnonzero(first != never)
    day = first[rows]
    first_dates = {int(d): _date_of(d) for d in np.unique(day)}
    people_at = [people[k] for k in rows]
    bands, periods = [], []
    for r, d in zip(people_at, day, strict=True):
        on = first_dates[int(d)]
        bands.append(age_band(_date_of(r[2]), on))
        periods.append(quarter(on))
    b = {name: col[rows] for name, col in cols.items()}
    return engine.YouthFacts(
        person_id=pid[rows],
        sex=[r[1] for r in people_at],
        age_band=bands,
        commune=[r[3] or OUTSIDE for r in people_at],
        area=[r[4] or OUTSIDE for r in people_at],
        programme=list(programme[rows]),
        period=periods,
        applied=applied[rows],
        eligible=applied[rows] & np.array([bool(r[5]) for r in people_at], dtype=bool),
        enrolled=enrolled[rows],
        ended=ended[rows],
        completed=completed[rows],
        certified=certified[rows],
        due6=b["due6"] > 0,
        reached6=b["reached6"] > 0,
        inserted6=b["inserted6"] > 0,
        due12=b["due12"] > 0,
        reached12=b["reached12"] > 0,
        inserted12=b["inserted12"] > 0,
        income_before=income_before[rows],
        income_after=income_after[rows],
        business_created=b["business"] > 0,
        jobs_created=b["jobs"],
        mentoring_hours=np.round(hours[rows], 6),
        marks_present=present[rows],
        marks_total=marks[rows],
    )


def caravan_facts(centre: Centre, start: dt.date, end: dt.date) -> engine.CaravanFacts:
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
        centre=centre, starts_at__gte=lo, starts_at__lt=hi, starts_at__lte=timezone.now()
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


def _occupancy_query(centre: Centre, start: dt.date, end: dt.date) -> tuple[str, list]:
    """Learner-hours present: per session of the window with someone present, its start, its
    length and its learners present or late (the counter kept with the marks)."""
    lo, hi = _bounds(start, end)
    return (
        f"SELECT {_epoch('starts_at')}, {_epoch('ends_at')} - {_epoch('starts_at')}, "
        f"present_count FROM {_table(Session)} WHERE centre_id = %s AND starts_at >= %s "
        f"AND starts_at < %s AND present_count > 0",
        [centre.pk, lo, hi],
    )


def centre_facts(
    centre: Centre, start: dt.date, end: dt.date, *, sessions: list | None = None
) -> engine.CentreFacts:
    from markaz.caravan.models import School

    lo, hi = _bounds(start, end)
    if sessions is None:
        sessions = _rows(*_occupancy_query(centre, start, end))
    occupancy: dict[str, float] = defaultdict(float)
    if sessions:
        arr = np.array(sessions, dtype=np.int64)
        days = _LocalDays(lo, hi)(arr[:, 0])
        hours = arr[:, 1] * arr[:, 2] / 3600
        unique, inverse = np.unique(days, return_inverse=True)
        per_day = np.bincount(inverse, weights=hours)
        for d, h in zip(unique, per_day, strict=True):
            occupancy[quarter(_date_of(d))] += float(h)
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
    queries = {
        **_youth_queries(centre, start, end),
        "occupancy": _occupancy_query(centre, start, end),
    }
    fetched = _fetch(queries)
    return Facts(
        youth=youth_facts(centre, start, end, fetched=fetched),
        caravan=caravan_facts(centre, start, end),
        centre=centre_facts(centre, start, end, sessions=fetched["occupancy"]),
        categories=categories,
        hierarchy={"commune": {**dict(communes), OUTSIDE: OUTSIDE}},
        targets=targets_for(centre, start, end),
    )
