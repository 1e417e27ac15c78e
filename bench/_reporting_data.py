"""Synthetic data for bench/reporting.py: one centre ("bench") with 100,000 youth, ~1,875
cohorts of 40 learners over 2023–2025 (~125,000 sessions, ~5,000,000 attendance marks),
75,000 enrolments with completions, certificates, baselines and 300,000 follow-ups, mentoring
sessions, caravan schools and visit reports, year plans. Every name says "Synthetic".

Deterministic: the same seed gives the same rows on SQLite and on PostgreSQL (ids included),
so the two databases and DuckDB compute the same pack. Needs Django set up (run from
bench/reporting.py). Large tables (sessions, attendance marks) go in with raw SQL: one
`executemany` transaction on SQLite, `COPY ... FROM STDIN` on PostgreSQL; the rest with
bulk_create.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import sys
import time
import uuid
from functools import cache
from zoneinfo import ZoneInfo

import numpy as np

SEED = 20260101
# Bump when the generated data changes: a database holding another version is rebuilt.
VERSION = 3
MARKER_PREFIX = "Synthetic bench centre"

PERSONS = 100_000
COHORTS = 1_875
PER_COHORT = 40
SESSIONS_PER_COHORT = 67
SESSION_HOURS = 2
ROOMS = 40  # training rooms = trainers; cohort c uses room c % 40 and trainer c % 40
MENTORS = 20
MENTOR_ROOMS = 5
MENTORING_SESSIONS = 5_000
PARTICIPANTS_PER_SESSION = 4  # 20,000 participants
SCHOOLS = {"primaire": 73, "college": 18, "lycee": 11}  # 102, as the province reported
VISIT_REPORTS = 3_000
BOOKINGS = 600
YEARS = (2023, 2024, 2025)
# Follow-ups due after this day are still to do (a fixed day, so the data does not move).
FOLLOW_NOW = dt.date(2026, 9, 30)
TZ = ZoneInfo("Africa/Casablanca")
UTC = dt.UTC
HOLIDAYS = [(1, 1), (1, 11), (5, 1), (7, 30), (8, 14), (8, 20), (8, 21), (11, 6), (11, 18)]
RAMADAN = {
    2023: (dt.date(2023, 3, 23), dt.date(2023, 4, 20)),
    2024: (dt.date(2024, 3, 11), dt.date(2024, 4, 9)),
    2025: (dt.date(2025, 3, 1), dt.date(2025, 3, 30)),
}
EMPLOYMENT = ["wage", "self", "unemployed", "training", "inactive"]
STATUS = np.array(["present", "late", "excused", "absent"])


def log(msg: str) -> None:
    print(f"[reporting bench] {msg}", file=sys.stderr, flush=True)


class Plan:
    """The sizes for one scale (1.0 is the issue's: 100,000 youth, ~5,000,000 marks)."""

    def __init__(self, scale: float = 1.0) -> None:
        self.scale = scale
        self.persons = max(200, round(PERSONS * scale))
        self.cohorts = max(6, round(COHORTS * scale))
        self.enrolments = self.cohorts * PER_COHORT
        assert self.enrolments <= self.persons, "more learners than youth"
        self.sessions = self.cohorts * SESSIONS_PER_COHORT
        self.marks = self.sessions * PER_COHORT
        self.followups = self.enrolments * 4
        self.mentoring_sessions = max(10, round(MENTORING_SESSIONS * scale))
        self.participants = self.mentoring_sessions * PARTICIPANTS_PER_SESSION
        self.visit_reports = max(30, round(VISIT_REPORTS * scale))
        self.bookings = max(10, round(BOOKINGS * scale))
        self.per_year = math.ceil(self.cohorts / len(YEARS))

    @property
    def marker(self) -> str:
        return f"{MARKER_PREFIX} v{VERSION} scale={self.scale:g} complete"

    def counts(self) -> dict:
        return {
            "youth": self.persons,
            "cohorts": self.cohorts,
            "enrolments": self.enrolments,
            "sessions": self.sessions,
            "attendance_marks": self.marks,
            "followups": self.followups,
            "mentoring_participants": self.participants,
            "visit_reports": self.visit_reports,
        }

    # Cohort c: year group g = c // per_year, slot k = c % per_year; it starts on day
    # k * 290 / per_year of its year (Jan 2 .. mid-October) and runs 67 successive days, at
    # 09:00 + k seconds in room c % 40 with trainer c % 40: (room, starts_at) and
    # (trainer, starts_at) are unique because two cohorts sharing a room differ in k or year.
    def cohort_dates(self, c: int) -> tuple[dt.date, dt.date, int]:
        g, k = divmod(c, self.per_year)
        start = dt.date(YEARS[g], 1, 2) + dt.timedelta(days=int(k * 290 / self.per_year))
        return start, start + dt.timedelta(days=SESSIONS_PER_COHORT - 1), k


@cache
def utc_of(day: dt.date, hour: int) -> dt.datetime:
    """Local `hour`:00 on `day` in Casablanca, as a UTC datetime."""
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=TZ).astimezone(UTC)


def sql_ts(value: dt.datetime) -> str:
    """A UTC datetime as Django stores it on SQLite (and PostgreSQL reads it with +00)."""
    return value.strftime("%Y-%m-%d %H:%M:%S")


@contextlib.contextmanager
def explicit_timestamps(*models):
    """Let bulk_create keep the given created/updated datetimes (auto_now[_add] off)."""
    saved = []
    for model in models:
        for f in model._meta.concrete_fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                saved.append((f, f.auto_now, f.auto_now_add))
                f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, now, now_add in saved:
            f.auto_now, f.auto_now_add = now, now_add


def bulk(model, objs, label: str | None = None) -> None:
    t = time.perf_counter()
    model.objects.bulk_create(objs, batch_size=5000)
    log(f"  {label or model.__name__}: {len(objs):,} rows in {time.perf_counter() - t:.1f}s")


class RawLoader:
    """Many rows into one table: executemany in the current transaction (SQLite) or COPY
    (PostgreSQL, foreign-key triggers off for the load: the rows are generated consistent)."""

    def __init__(self, connection) -> None:
        self.connection = connection
        self.vendor = connection.vendor

    def load(self, table: str, columns: list[str], chunks) -> int:
        n = 0
        t = time.perf_counter()
        cols = ", ".join(columns)
        if self.vendor == "sqlite":
            raw = self.connection.connection
            sql = f"INSERT INTO {table} ({cols}) VALUES ({', '.join('?' * len(columns))})"
            for rows in chunks:
                raw.executemany(sql, rows)
                n += len(rows)
        else:
            raw = self.connection.connection
            with raw.cursor() as cur:
                cur.execute("SET session_replication_role = replica")
                with cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                    for rows in chunks:
                        for row in rows:
                            copy.write_row(row)
                        n += len(rows)
                cur.execute("SET session_replication_role = DEFAULT")
        log(f"  {table}: {n:,} rows in {time.perf_counter() - t:.1f}s")
        return n


def generate(plan: Plan) -> dict:
    """Fill an empty, migrated database. Returns the seconds each part took."""
    from django.contrib.auth import get_user_model
    from django.core.management.color import no_style
    from django.db import connection, transaction

    from markaz.caravan.models import ChildrenBooking, School, VisitReport, Workshop
    from markaz.centre.models import Centre, Closure, HoursPeriod, Room, Session, YearPlan
    from markaz.core.models import StaffProfile
    from markaz.core.roles import Role
    from markaz.learning.models import AttendanceMark, Certificate, Completion
    from markaz.mentoring.models import (
        Baseline,
        FollowUp,
        MentoringParticipant,
        MentoringSession,
    )
    from markaz.programmes.models import (
        Application,
        Campaign,
        Choice,
        Cohort,
        Enrolment,
        Programme,
        ScoringRuleVersion,
    )
    from markaz.registry.models import Person
    from markaz.territory.models import Commune

    User = get_user_model()
    timings: dict[str, float] = {}
    t_all = time.perf_counter()
    communes = list(Commune.objects.order_by("code"))
    assert len(communes) >= 1, "the territory data migration did not run"
    berkane = next((c for c in communes if c.code == "berkane"), communes[0])

    # ---- reference rows -------------------------------------------------------------------
    t = time.perf_counter()
    with transaction.atomic():
        centre = Centre.objects.create(
            code="bench",
            name_fr=f"{MARKER_PREFIX} v{VERSION} scale={plan.scale:g} loading",
            name_ar="مركز تجريبي",
            commune=berkane,
            floor_area_m2=600,
            max_occupancy=200,
        )
        staff = [User(username="bench-coordinator", password="!", first_name="Synthetic")]
        staff += [
            User(username=f"bench-trainer-{i:02d}", password="!", first_name="Synthetic")
            for i in range(ROOMS)
        ]
        staff += [
            User(username=f"bench-mentor-{i:02d}", password="!", first_name="Synthetic")
            for i in range(MENTORS)
        ]
        User.objects.bulk_create(staff)
        users = {u.username: u for u in User.objects.filter(username__startswith="bench-")}
        coordinator = users["bench-coordinator"]
        trainers = [users[f"bench-trainer-{i:02d}"] for i in range(ROOMS)]
        mentors = [users[f"bench-mentor-{i:02d}"] for i in range(MENTORS)]
        StaffProfile.objects.bulk_create(
            [StaffProfile(user=coordinator, role=Role.COORDINATOR, centre=centre)]
            + [StaffProfile(user=u, role=Role.TRAINER, centre=centre) for u in trainers]
            + [StaffProfile(user=u, role=Role.MENTOR, centre=centre) for u in mentors]
        )
        Room.objects.bulk_create(
            [
                Room(
                    centre=centre,
                    name_fr=f"Salle {i:02d}",
                    name_ar=f"قاعة {i:02d}",
                    kind=Room.Kind.TRAINING,
                    capacity=PER_COHORT,
                )
                for i in range(ROOMS)
            ]
            + [
                Room(
                    centre=centre,
                    name_fr=f"Mentorat {i}",
                    name_ar=f"مواكبة {i}",
                    kind=Room.Kind.MENTORING,
                    capacity=10,
                )
                for i in range(MENTOR_ROOMS)
            ]
        )
        rooms = {r.name_fr: r for r in Room.objects.filter(centre=centre)}
        training_rooms = [rooms[f"Salle {i:02d}"] for i in range(ROOMS)]
        mentoring_rooms = [rooms[f"Mentorat {i}"] for i in range(MENTOR_ROOMS)]
        tracks = ["web", "marketing", "office", "ecommerce", "ai", "robotics"]
        goals = ["wage_job", "self_employment", "wage_job", "self_employment", "further_training"]
        Programme.objects.bulk_create(
            [
                Programme(
                    id=i + 1,
                    centre=centre,
                    title_fr=f"Programme synthétique {track}",
                    title_ar=f"برنامج {track}",
                    track=track,
                    hours=SESSIONS_PER_COHORT * SESSION_HOURS,
                    duration_weeks=10,
                    goal=goals[i % len(goals)],
                    teaching_language="fr",
                    schedule_pattern="daytime",
                )
                for i, track in enumerate(tracks)
            ]
        )
        programmes = list(Programme.objects.filter(centre=centre).order_by("pk"))
        rule = ScoringRuleVersion.objects.create(centre=centre, version="bench-1", weights={})
        campaigns = {}
        for year in YEARS:
            campaigns[year] = Campaign.objects.create(
                centre=centre,
                name_fr=f"Campagne synthétique {year}",
                name_ar=f"حملة {year}",
                opens_on=dt.date(year, 1, 1),
                closes_on=dt.date(year, 12, 31),
                scoring_rule=rule,
            )
        Closure.objects.bulk_create(
            [
                Closure(
                    centre=centre,
                    date=dt.date(y, m, d),
                    reason_fr="Jour férié (synthétique)",
                    reason_ar="عطلة",
                )
                for y in YEARS
                for m, d in HOLIDAYS
            ]
        )
        HoursPeriod.objects.bulk_create(
            [HoursPeriod(centre=centre, start_date=a, end_date=b) for a, b in RAMADAN.values()]
        )
        YearPlan.objects.bulk_create(
            [
                YearPlan(
                    centre=centre,
                    year=y,
                    running_budget_mad=1_200_000 + 100_000 * i,
                    targets={"enrolled": 25000, "completion_rate": 75},
                )
                for i, y in enumerate(YEARS)
            ]
        )
    timings["reference"] = time.perf_counter() - t

    # ---- people and their applications --------------------------------------------------
    rng = np.random.default_rng(SEED)
    n = plan.persons
    t = time.perf_counter()
    female = rng.random(n) < 0.5
    birth_offset = rng.integers(0, 6000, n)
    commune_ix = rng.integers(0, len(communes), n)
    eligible = rng.random(n) < 0.8
    education = rng.choice(["college", "lycee", "bac", "vocational", "university"], n)
    born0 = dt.date(1990, 1, 1)
    # Registered at the desk a few days to a month before applying (the application below).
    learners = rng.permutation(n)[: plan.enrolments]
    cohort_rows = [plan.cohort_dates(c) for c in range(plan.cohorts)]
    cohort_of_person = np.full(n, -1, dtype=np.int64)
    cohort_of_person[learners] = np.arange(plan.enrolments) // PER_COHORT
    apply_lead = rng.integers(14, 61, n)
    apply_day = rng.integers(0, 365 * 3, n)
    apply_sec = rng.integers(8 * 3600, 18 * 3600, n)
    register_lead = rng.integers(0, 31, n)
    applied_at = []
    for i in range(n):
        c = int(cohort_of_person[i])
        if c >= 0:
            day = cohort_rows[c][0] - dt.timedelta(days=int(apply_lead[i]))
        else:
            day = dt.date(2023, 1, 1) + dt.timedelta(days=int(apply_day[i]))
        applied_at.append(utc_of(day, 0) + dt.timedelta(seconds=int(apply_sec[i])))
    people = [
        Person(
            id=i + 1,
            centre=centre,
            first_name_latin="Synthetic",
            last_name_latin=f"Youth{i:06d}",
            cin=f"BK{i % 1_000_000:06d}" if i < 1_000_000 else f"BX{i % 1_000_000:06d}",
            birth_date=born0 + dt.timedelta(days=int(birth_offset[i])),
            sex="F" if female[i] else "M",
            commune_id=communes[commune_ix[i]].pk,
            activity_status="unemployed",
            education_level=str(education[i]),
            eligible=bool(eligible[i]),
            source="staff",
            created_at=applied_at[i] - dt.timedelta(days=int(register_lead[i])),
            updated_at=applied_at[i] - dt.timedelta(days=int(register_lead[i])),
        )
        for i in range(n)
    ]
    with transaction.atomic(), explicit_timestamps(Person):
        bulk(Person, people)
    del people

    # Learners (a random 75,000 of the youth, 40 to a cohort) apply to their cohort's year's
    # campaign; the others to the campaign of the year they apply in.
    choice_cohort = rng.integers(0, plan.cohorts, n)
    apps, choices = [], []
    for i in range(n):
        c = int(cohort_of_person[i])
        at = applied_at[i]
        if c >= 0:
            year = cohort_rows[c][0].year
            chosen = c
        else:
            year = at.astimezone(TZ).year
            chosen = int(choice_cohort[i])
        apps.append(
            Application(
                id=i + 1,
                centre=centre,
                campaign=campaigns[year],
                person_id=i + 1,
                created_at=at,
                updated_at=at,
            )
        )
        choices.append(Choice(application_id=i + 1, rank=1, cohort_id=chosen + 1))
    timings["people_build"] = time.perf_counter() - t

    t = time.perf_counter()
    with transaction.atomic():
        Cohort.objects.bulk_create(
            [
                Cohort(
                    id=c + 1,
                    centre=centre,
                    programme=programmes[c % len(programmes)],
                    code=f"bench-{c:04d}",
                    start_date=begins,
                    end_date=ends,
                    seats=PER_COHORT,
                    enrolled=PER_COHORT,
                    schedule_pattern="daytime",
                    status="finished",
                )
                for c, (begins, ends, _k) in enumerate(cohort_rows)
            ],
            batch_size=5000,
        )
        with explicit_timestamps(Application):
            bulk(Application, apps)
        bulk(Choice, choices)
    del apps, choices
    timings["people_load"] = time.perf_counter() - t

    # ---- enrolments, completions, certificates, baselines, follow-ups ------------------
    t = time.perf_counter()
    ne = plan.enrolments
    enrol_person = learners.astype(np.int64) + 1  # person id of enrolment e (id e + 1)
    enrol_cohort = np.arange(ne) // PER_COHORT
    completed = rng.random(ne) < 0.75
    presence = np.where(completed, rng.uniform(0.8, 0.98, ne), rng.uniform(0.35, 0.8, ne))
    cert = completed & (rng.random(ne) < 0.92)
    revoked = cert & (rng.random(ne) < 0.01)
    enrolments, completions, certificates, baselines = [], [], [], []
    base_status = rng.choice(
        ["unemployed", "inactive", "training", "wage"], ne, p=[0.7, 0.15, 0.1, 0.05]
    )
    base_income = rng.integers(0, 61, ne) * 50
    base_null = rng.random(ne) < 0.1
    for e in range(ne):
        c = int(enrol_cohort[e])
        begins, ends, _k = cohort_rows[c]
        programme = programmes[c % len(programmes)]
        enrolments.append(Enrolment(id=e + 1, cohort_id=c + 1, person_id=int(enrol_person[e])))
        completions.append(
            Completion(
                enrolment_id=e + 1,
                completed=bool(completed[e]),
                attendance_percent=round(float(presence[e]) * 100, 1),
                reasons=[],
            )
        )
        if cert[e]:
            certificates.append(
                Certificate(
                    enrolment_id=e + 1,
                    code=f"BENCH-{e:07d}",
                    name_latin=f"Synthetic Youth{int(enrol_person[e]) - 1:06d}",
                    programme_fr=programme.title_fr,
                    programme_ar=programme.title_ar,
                    start_date=begins,
                    end_date=ends,
                    hours=programme.hours,
                    revoked_at=utc_of(ends, 12) + dt.timedelta(days=30) if revoked[e] else None,
                    revoked_reason="synthetic" if revoked[e] else "",
                )
            )
        status = str(base_status[e])
        income = None if base_null[e] else (0 if status != "wage" else int(base_income[e]) + 1500)
        baselines.append(
            Baseline(
                centre=centre,
                person_id=int(enrol_person[e]),
                recorded_on=begins,
                employment_status=status,
                monthly_income_mad=income,
            )
        )
    with transaction.atomic():
        bulk(Enrolment, enrolments)
        bulk(Completion, completions)
        bulk(Certificate, certificates)
        bulk(Baseline, baselines)
    del enrolments, completions, certificates, baselines

    nf = ne * 4
    f_reached = rng.random(nf)
    f_emp = rng.choice(EMPLOYMENT, nf, p=[0.4, 0.15, 0.25, 0.1, 0.1])
    f_income = rng.integers(0, 161, nf) * 50  # 0 .. 8,000 MAD
    f_income_null = rng.random(nf) < 0.05
    f_business = rng.random(nf) < 0.5
    f_jobs = rng.integers(0, 4, nf)
    f_contact = rng.integers(0, 20, nf)
    offsets = {"exit": 0, "m3": 91, "m6": 182, "m12": 365}
    followups = []
    for e in range(ne):
        c = int(enrol_cohort[e])
        ends = cohort_rows[c][1]
        pid = int(enrol_person[e])
        for m, (milestone, days) in enumerate(offsets.items()):
            j = e * 4 + m
            due = ends + dt.timedelta(days=days)
            fu = FollowUp(
                id=j + 1,
                centre=centre,
                person_id=pid,
                enrolment_id=e + 1,
                milestone=milestone,
                due_on=due,
            )
            if due <= FOLLOW_NOW:
                r = f_reached[j]
                fu.attempts = 1 + int(f_contact[j] % 3)
                if r < 0.75:
                    fu.status = "reached"
                    fu.contacted_on = due + dt.timedelta(days=int(f_contact[j]))
                    emp = str(f_emp[j])
                    fu.employment_status = emp
                    if f_income_null[j]:
                        fu.monthly_income_mad = None
                    elif emp in ("wage", "self"):
                        fu.monthly_income_mad = int(f_income[j])
                    else:
                        fu.monthly_income_mad = 0
                    if emp == "self" and f_business[j]:
                        fu.business_created = True
                        fu.jobs_created = int(f_jobs[j])
                elif r < 0.95:
                    fu.status = "unreached"
            followups.append(fu)
    with transaction.atomic():
        bulk(FollowUp, followups)
    del followups
    timings["enrolments_followups"] = time.perf_counter() - t

    # ---- sessions and 5,000,000 attendance marks (raw SQL) -----------------------------
    t = time.perf_counter()
    loader = RawLoader(connection)
    session_table = Session._meta.db_table
    mark_table = AttendanceMark._meta.db_table
    pg = connection.vendor == "postgresql"

    def ts(value: dt.datetime):
        return value if pg else sql_ts(value)

    def session_chunks():
        rows = []
        for c, (begins, _ends, k) in enumerate(cohort_rows):
            room, trainer = training_rooms[c % ROOMS].pk, trainers[c % ROOMS].pk
            for j in range(SESSIONS_PER_COHORT):
                start = utc_of(begins + dt.timedelta(days=j), 9) + dt.timedelta(seconds=k)
                rows.append(
                    (
                        c * SESSIONS_PER_COHORT + j + 1,
                        centre.pk,
                        c + 1,
                        room,
                        trainer,
                        "",
                        "",
                        ts(start),
                        ts(start + dt.timedelta(hours=SESSION_HOURS)),
                        0,  # present_count: recounted from the marks below
                    )
                )
            if len(rows) >= 20000:
                yield rows
                rows = []
        if rows:
            yield rows

    mark_rng = np.random.default_rng(SEED + 1)

    def mark_chunks():
        # Per cohort: 67 sessions × 40 learners; each learner's presence rate decides.
        for c0 in range(0, plan.cohorts, 50):
            rows = []
            for c in range(c0, min(c0 + 50, plan.cohorts)):
                begins, _ends, k = cohort_rows[c]
                trainer = trainers[c % ROOMS].pk
                e_ids = np.arange(c * PER_COHORT, (c + 1) * PER_COHORT)
                p = presence[e_ids]
                r = mark_rng.random((SESSIONS_PER_COHORT, PER_COHORT))
                code = np.where(
                    r < p * 0.9, 0, np.where(r < p, 1, np.where(r < p + (1 - p) * 0.3, 2, 3))
                )
                statuses = STATUS[code].tolist()
                eids = (e_ids + 1).tolist()
                for j in range(SESSIONS_PER_COHORT):
                    sid = c * SESSIONS_PER_COHORT + j + 1
                    end = ts(
                        utc_of(begins + dt.timedelta(days=j), 9)
                        + dt.timedelta(seconds=k, hours=SESSION_HOURS)
                    )
                    row_status = statuses[j]
                    rows.extend(
                        (sid, eids[x], row_status[x], trainer, end) for x in range(PER_COHORT)
                    )
            yield rows

    if not pg:
        connection.connection.execute("PRAGMA synchronous=OFF")
        connection.connection.execute("PRAGMA cache_size=-262144")
    with transaction.atomic():
        loader.load(
            session_table,
            [
                "id",
                "centre_id",
                "cohort_id",
                "room_id",
                "trainer_id",
                "lesson",
                "slot",
                "starts_at",
                "ends_at",
                "present_count",
            ],
            session_chunks(),
        )
        timings["sessions"] = time.perf_counter() - t
        t = time.perf_counter()
        loader.load(
            mark_table,
            ["session_id", "enrolment_id", "status", "marked_by_id", "marked_at"],
            mark_chunks(),
        )
    timings["attendance_marks"] = time.perf_counter() - t
    # The marks went in as rows, not through the attendance sheet: count them into the
    # counters the reports read, as the sheet does for each session.
    t = time.perf_counter()
    from markaz.learning.services import attendance_counters_refresh

    attendance_counters_refresh()
    timings["attendance_counters"] = time.perf_counter() - t

    # ---- mentoring, caravan ------------------------------------------------------------
    t = time.perf_counter()
    mrng = np.random.default_rng(SEED + 2)
    msessions, participants = [], []
    for s in range(plan.mentoring_sessions):
        day = dt.date(2023, 1, 2) + dt.timedelta(days=(s // MENTOR_ROOMS) % 1090)
        hour = 14 + (s // (MENTOR_ROOMS * 1090))
        group = s % 3 == 0
        start = utc_of(day, hour)
        msessions.append(
            MentoringSession(
                id=s + 1,
                centre=centre,
                mentor=mentors[s % MENTORS],
                room=mentoring_rooms[s % MENTOR_ROOMS],
                kind="group" if group else "individual",
                topic="Synthetic",
                starts_at=start,
                ends_at=start + dt.timedelta(minutes=90 if group else 60),
            )
        )
        who = mrng.choice(ne, PARTICIPANTS_PER_SESSION, replace=False)
        att = mrng.random(PARTICIPANTS_PER_SESSION)
        for x, e in enumerate(who):
            attended = True if att[x] < 0.8 else (False if att[x] < 0.9 else None)
            participants.append(
                MentoringParticipant(
                    session_id=s + 1, person_id=int(enrol_person[e]), attended=attended
                )
            )
    crng = np.random.default_rng(SEED + 3)
    schools = []
    for level, count in SCHOOLS.items():
        for i in range(count):
            commune = communes[int(crng.integers(0, len(communes)))]
            schools.append(
                School(
                    id=len(schools) + 1,
                    code=f"bench-{level}-{i:02d}",
                    name_fr=f"École synthétique {level} {i}",
                    name_ar=f"مدرسة {i}",
                    commune=commune,
                    level=level,
                    area=commune.kind,
                    latitude=commune.latitude,
                    longitude=commune.longitude,
                    synthetic=True,
                )
            )
    workshops = [
        Workshop(
            id=i + 1,
            code=f"bench-ws-{i}",
            title_fr=f"Atelier synthétique {i}",
            title_ar=f"ورشة {i}",
            kind=kind,
            levels=["primaire", "college", "lycee"],
            kits_needed={},
        )
        for i, kind in enumerate(["robotics", "ai", "coding"])
    ]
    reports = []
    for i in range(plan.visit_reports):
        day = dt.date(2023, 1, 2) + dt.timedelta(days=int(crng.integers(0, 1093)))
        reports.append(
            VisitReport(
                client_id=uuid.UUID(int=int(crng.integers(0, 2**62)) << 64 | i),
                school_id=int(crng.integers(0, len(schools))) + 1,
                workshop_id=i % 3 + 1,
                date=day,
                girls=int(crng.integers(5, 31)),
                boys=int(crng.integers(5, 31)),
                recorded_at=utc_of(day, 12),
            )
        )
    bookings = []
    for i in range(plan.bookings):
        day = dt.date(2023, 1, 2) + dt.timedelta(days=int(crng.integers(0, 1093)))
        start = utc_of(day, 10)
        bookings.append(
            ChildrenBooking(
                centre=centre,
                school_id=int(crng.integers(0, len(schools))) + 1,
                workshop_id=i % 3 + 1,
                class_label="Synthetic",
                starts_at=start,
                ends_at=start + dt.timedelta(hours=2),
                girls=int(crng.integers(5, 16)),
                boys=int(crng.integers(5, 16)),
            )
        )
    with transaction.atomic():
        bulk(MentoringSession, msessions)
        bulk(MentoringParticipant, participants)
        bulk(School, schools)
        bulk(Workshop, workshops)
        bulk(VisitReport, reports)
        bulk(ChildrenBooking, bookings)
    timings["mentoring_caravan"] = time.perf_counter() - t

    # ---- sequences, statistics, marker ---------------------------------------------------
    t = time.perf_counter()
    from django.apps import apps as django_apps

    if pg:
        models = [m for m in django_apps.get_models() if m._meta.app_label.startswith("markaz")]
        models += [User]
        with connection.cursor() as cur:
            for sql in connection.ops.sequence_reset_sql(no_style(), models):
                cur.execute(sql)
            cur.execute("VACUUM ANALYZE")
    else:
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
            cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    timings["analyze"] = time.perf_counter() - t
    Centre.objects.filter(pk=centre.pk).update(name_fr=plan.marker)
    timings["total"] = time.perf_counter() - t_all
    return {k: round(v, 1) for k, v in timings.items()}
