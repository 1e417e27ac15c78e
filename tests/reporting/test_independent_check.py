"""The independent check: every youth and caravan indicator computed a second way, in plain
Python from the raw rows, on random data (hypothesis), must agree with the dashboard's figures
(`indicator_pack`, the same numbers `manage.py indicators` prints).

The second way shares nothing with markaz/reporting/facts.py or the engine: its own age bands,
quarters, loops and medians, written from the definitions in docs/algorithms/indicators.md.
All data is synthetic.
"""

import datetime as dt
import statistics
from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from markaz.caravan.models import School, VisitReport, Workshop
from markaz.centre.models import Session
from markaz.learning.models import AttendanceMark, Certificate, Completion
from markaz.learning.services import attendance_counters_refresh
from markaz.mentoring.models import (
    Baseline,
    FollowUp,
    MentoringParticipant,
    MentoringSession,
)
from markaz.programmes.models import Cohort, Enrolment, Programme
from markaz.registry.models import Person
from markaz.reporting.selectors import indicator_pack
from markaz.territory.models import Commune
from tests.factories import RoomFactory, UserFactory

START, END = dt.date(2025, 1, 1), dt.date(2025, 12, 31)
COMMUNES = ["berkane", "rislane", "ahfir", None]


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def day(offset: int) -> dt.date:
    return dt.date(2024, 9, 1) + dt.timedelta(days=offset)


followup_st = st.fixed_dictionaries(
    {
        "milestone": st.sampled_from(["exit", "m3", "m6", "m12"]),
        "due": st.integers(0, 600),
        "status": st.sampled_from(["pending", "reached", "unreached"]),
        "employment": st.sampled_from(["unemployed", "wage", "self", "training", "inactive"]),
        "income": st.one_of(st.none(), st.integers(0, 9000)),
        "business": st.booleans(),
        "jobs": st.integers(0, 3),
    }
)

youth_st = st.fixed_dictionaries(
    {
        "sex": st.sampled_from(["F", "M"]),
        "age": st.integers(16, 38),
        "commune": st.sampled_from(COMMUNES),
        "registered": st.integers(0, 600),
        "eligible": st.booleans(),
        "cohort": st.one_of(st.none(), st.integers(0, 2)),
        "completed": st.one_of(st.none(), st.booleans()),
        "certified": st.booleans(),
        "revoked": st.booleans(),
        "baseline": st.one_of(st.none(), st.integers(0, 3000)),
        "followups": st.lists(followup_st, max_size=3, unique_by=lambda f: f["milestone"]),
        "mentoring": st.lists(
            st.tuples(st.integers(0, 5), st.booleans()), max_size=2, unique_by=lambda m: m[0]
        ),
        "marks": st.lists(st.sampled_from(["present", "late", "absent", "excused"]), max_size=4),
    }
)

report_st = st.fixed_dictionaries(
    {
        "school": st.integers(0, 2),
        "date": st.integers(0, 600),
        "girls": st.integers(0, 30),
        "boys": st.integers(0, 30),
    }
)

# Cohorts: one before the window, one in it (ended), one starting in it and running past it.
COHORTS = [(day(10), day(100)), (day(130), day(250)), (day(400), day(560))]
SESSIONS_PER_COHORT = 5


def quarter_of(d: dt.date) -> str:
    return f"{d.year}-Q{(d.month + 2) // 3}"


def band_of(birth: dt.date, on: dt.date) -> str:
    years = on.year - birth.year - (1 if (on.month, on.day) < (birth.month, birth.day) else 0)
    for lo, hi in ((18, 24), (25, 29), (30, 35)):
        if lo <= years <= hi:
            return f"{lo}-{hi}"
    return "other"


def build(centre, youth, reports):
    """Write the random world through the ORM; returns nothing (the check reads it back raw)."""
    programme = Programme.objects.create(
        centre=centre,
        title_fr="Web",
        title_ar="الويب",
        track="web",
        hours=100,
        duration_weeks=10,
        goal="wage_job",
        teaching_language="fr",
        schedule_pattern="daytime",
    )
    trainer = UserFactory(username="t-check")
    mentor = UserFactory(username="m-check")
    room = RoomFactory(centre=centre, capacity=40)
    mroom = RoomFactory(centre=centre, capacity=10, kind="mentoring")
    cohorts, sessions = [], []
    for k, (first, last) in enumerate(COHORTS):
        cohort = Cohort.objects.create(
            centre=centre,
            programme=programme,
            code=f"C{k}",
            start_date=first,
            end_date=last,
            seats=40,
            schedule_pattern="daytime",
            status="finished",
        )
        cohorts.append(cohort)
        sessions.append(
            [
                Session.objects.create(
                    centre=centre,
                    cohort=cohort,
                    room=room,
                    trainer=trainer,
                    starts_at=at(first + dt.timedelta(days=7 * s), 9),
                    ends_at=at(first + dt.timedelta(days=7 * s), 11),
                )
                for s in range(SESSIONS_PER_COHORT)
            ]
        )
    mentoring = [
        MentoringSession.objects.create(
            centre=centre,
            mentor=mentor,
            room=mroom,
            kind="group",
            starts_at=at(day(60 * k + 30), 14),
            ends_at=at(day(60 * k + 30), 15 + k % 2),
        )
        for k in range(6)
    ]
    communes = {c.code: c for c in Commune.objects.all()}
    for n, y in enumerate(youth):
        reg = day(y["registered"])
        person = Person.objects.create(
            centre=centre,
            first_name_latin=f"P{n}",
            last_name_latin="Synthetic",
            cin=f"X{n}",
            birth_date=dt.date(reg.year - y["age"], 6, 15),
            sex=y["sex"],
            commune=communes[y["commune"]] if y["commune"] else None,
            activity_status="unemployed",
            education_level="bac",
            eligible=y["eligible"],
        )
        Person.objects.filter(pk=person.pk).update(created_at=at(reg))
        if y["baseline"] is not None:
            Baseline.objects.create(
                centre=centre,
                person=person,
                recorded_on=reg,
                employment_status="unemployed",
                monthly_income_mad=Decimal(y["baseline"]),
            )
        for hours_k, attended in y["mentoring"]:
            MentoringParticipant.objects.create(
                session=mentoring[hours_k], person=person, attended=attended
            )
        if y["cohort"] is None:
            continue
        cohort = cohorts[y["cohort"]]
        enrolment = Enrolment.objects.create(cohort=cohort, person=person)
        if y["completed"] is not None:
            Completion.objects.create(
                enrolment=enrolment, completed=y["completed"], attendance_percent=Decimal(80)
            )
            if y["completed"] and y["certified"]:
                Certificate.objects.create(
                    enrolment=enrolment,
                    code=f"CERT-{n}",
                    name_latin="x",
                    programme_fr="Web",
                    programme_ar="الويب",
                    start_date=cohort.start_date,
                    end_date=cohort.end_date,
                    hours=100,
                    revoked_at=at(END) if y["revoked"] else None,
                )
        for s, status in enumerate(y["marks"]):
            AttendanceMark.objects.create(
                session=sessions[y["cohort"]][s], enrolment=enrolment, status=status
            )
        for f in y["followups"]:
            FollowUp.objects.create(
                centre=centre,
                person=person,
                enrolment=enrolment,
                milestone=f["milestone"],
                due_on=day(f["due"]),
                status=f["status"],
                employment_status=f["employment"] if f["status"] == "reached" else "",
                monthly_income_mad=(
                    Decimal(f["income"])
                    if f["income"] is not None and f["status"] == "reached"
                    else None
                ),
                business_created=f["business"] and f["status"] == "reached",
                jobs_created=f["jobs"] if f["business"] and f["status"] == "reached" else 0,
            )
    # The marks went in row by row here, not through the attendance sheet: recount the
    # counters the reports read, as after a bulk load (the sheet keeps them itself: see
    # tests/learning/test_attendance.py).
    attendance_counters_refresh()
    workshop = Workshop.objects.create(
        code="w-check", title_fr="Robots", title_ar="روبوت", kind="robotics", levels=["primaire"]
    )
    schools = [
        School.objects.create(
            code=f"s-check-{k}",
            name_fr=f"École {k}",
            name_ar=f"مدرسة {k}",
            commune=communes[("berkane", "rislane", "rislane")[k]],
            level="primaire",
            area=("urban", "rural", "rural")[k],
            latitude=34.9,
            longitude=-2.3,
        )
        for k in range(3)
    ]
    for r in reports:
        VisitReport.objects.create(
            school=schools[r["school"]],
            workshop=workshop,
            date=day(r["date"]),
            girls=r["girls"],
            boys=r["boys"],
            recorded_at=at(day(r["date"])),
        )


def second_way(centre) -> dict:
    """Every youth and caravan figure from the raw rows: {code: {"total": v, (dim, cat): v}}."""
    inside = lambda d: START <= d <= END  # noqa: E731
    local = lambda t: timezone.localtime(t).date()  # noqa: E731
    people = {
        p["pk"]: p
        for p in Person.objects.filter(centre=centre).values(
            "pk", "sex", "birth_date", "commune__code", "commune__kind", "eligible", "created_at"
        )
    }
    first: dict[int, dt.date] = {}
    facts: dict[int, dict] = defaultdict(lambda: defaultdict(int))

    def seen(pk, d):
        first[pk] = min(first.get(pk, d), d)

    for pk, p in people.items():
        if inside(local(p["created_at"])):
            seen(pk, local(p["created_at"]))
            facts[pk]["applied"] = 1
    programme_of = {}
    for e in Enrolment.objects.filter(cohort__centre=centre).values(
        "pk", "person_id", "cohort__start_date", "cohort__end_date", "cohort__programme_id"
    ):
        if not inside(e["cohort__start_date"]):
            continue
        pk = e["person_id"]
        seen(pk, e["cohort__start_date"])
        programme_of[pk] = str(e["cohort__programme_id"])
        f = facts[pk]
        f["enrolled"] = 1
        done = Completion.objects.filter(enrolment_id=e["pk"], completed=True).exists()
        f["completed"] |= done
        f["certified"] |= Certificate.objects.filter(
            enrolment_id=e["pk"], revoked_at__isnull=True
        ).exists()
        if e["cohort__end_date"] <= END:
            f["ended"] = 1
            f["completed_ended"] |= done
        for m in AttendanceMark.objects.filter(enrolment_id=e["pk"]).values_list(
            "status", flat=True
        ):
            f["marks_total"] += 1
            f["marks_present"] += m in ("present", "late")
    income_after: dict[int, tuple] = {}
    for fu in FollowUp.objects.filter(centre=centre).values():
        if not inside(fu["due_on"]):
            continue
        pk = fu["person_id"]
        seen(pk, fu["due_on"])
        f = facts[pk]
        reached = fu["status"] == "reached"
        if fu["milestone"] in ("m6", "m12"):
            k = fu["milestone"][1:]
            f["due" + k] = 1
            if reached:
                f["reached" + k] = 1
                if fu["employment_status"] in ("wage", "self"):
                    f["inserted" + k] = 1
        if reached and fu["business_created"]:
            f["business"] = 1
            f["jobs"] = max(f["jobs"], fu["jobs_created"])
        later = pk not in income_after or fu["due_on"] >= income_after[pk][0]
        if reached and fu["monthly_income_mad"] is not None and later:
            income_after[pk] = (fu["due_on"], float(fu["monthly_income_mad"]))
    for mp in MentoringParticipant.objects.select_related("session"):
        start = mp.session.starts_at
        if mp.attended is False or not inside(local(start)):
            continue
        seen(mp.person_id, local(start))
        facts[mp.person_id]["hours"] += (mp.session.ends_at - start).total_seconds() / 3600
    baseline = dict(Baseline.objects.values_list("person_id", "monthly_income_mad"))

    rows = []
    for pk, d in first.items():
        p, f = people[pk], facts[pk]
        rows.append(
            {
                "sex": p["sex"],
                "age_band": band_of(p["birth_date"], d),
                "commune": p["commune__code"] or "outside",
                "area": p["commune__kind"] or "outside",
                "programme": programme_of.get(pk, "none"),
                "period": quarter_of(d),
                "eligible": bool(f["applied"] and p["eligible"]),
                "before": float(baseline[pk])
                if pk in income_after and baseline.get(pk) is not None
                else None,
                "after": income_after[pk][1] if pk in income_after else None,
                **{
                    k: f[k]
                    for k in (
                        "applied",
                        "enrolled",
                        "ended",
                        "completed",
                        "completed_ended",
                        "certified",
                        "due6",
                        "reached6",
                        "inserted6",
                        "due12",
                        "reached12",
                        "inserted12",
                        "business",
                        "jobs",
                        "hours",
                        "marks_present",
                        "marks_total",
                    )
                },
            }
        )

    def rate(a, b):
        return None if b == 0 else round(100 * a / b, 1)

    def median(values):
        values = [v for v in values if v is not None]
        return round(statistics.median(values), 2) if values else None

    formulas = {
        "applicants": lambda rs: sum(1 for r in rs if r["applied"]),
        "eligible": lambda rs: sum(1 for r in rs if r["eligible"]),
        "enrolled": lambda rs: sum(1 for r in rs if r["enrolled"]),
        "completed": lambda rs: sum(1 for r in rs if r["completed"]),
        "certified": lambda rs: sum(1 for r in rs if r["certified"]),
        "completion_rate": lambda rs: rate(
            sum(r["completed_ended"] for r in rs), sum(r["ended"] for r in rs)
        ),
        "attendance_rate": lambda rs: rate(
            sum(r["marks_present"] for r in rs if r["enrolled"]),
            sum(r["marks_total"] for r in rs if r["enrolled"]),
        ),
        "reach_rate_6": lambda rs: rate(sum(r["reached6"] for r in rs), sum(r["due6"] for r in rs)),
        "insertion_rate_6": lambda rs: rate(
            sum(r["inserted6"] for r in rs), sum(r["reached6"] for r in rs)
        ),
        "reach_rate_12": lambda rs: rate(
            sum(r["reached12"] for r in rs), sum(r["due12"] for r in rs)
        ),
        "insertion_rate_12": lambda rs: rate(
            sum(r["inserted12"] for r in rs), sum(r["reached12"] for r in rs)
        ),
        "median_income_before": lambda rs: median(r["before"] for r in rs),
        "median_income_after": lambda rs: median(r["after"] for r in rs),
        "businesses_created": lambda rs: sum(r["business"] for r in rs),
        "jobs_created": lambda rs: sum(r["jobs"] for r in rs),
        "mentoring_hours": lambda rs: round(sum(r["hours"] for r in rs), 2),
    }
    expected = {}
    for code, formula in formulas.items():
        expected[code] = {"total": formula(rows)}
        for dim in ("sex", "age_band", "commune", "area", "programme", "period"):
            for cat in {r[dim] for r in rows}:
                expected[code][(dim, cat)] = formula([r for r in rows if r[dim] == cat])

    pupils = defaultdict(int)
    for r in VisitReport.objects.select_related("school__commune"):
        if not inside(r.date):
            continue
        for sex, n in (("F", r.girls), ("M", r.boys)):
            pupils["total"] += n
            for dim, cat in (
                ("sex", sex),
                ("commune", r.school.commune.code),
                ("area", r.school.area),
                ("level", r.school.level),
                ("period", quarter_of(r.date)),
            ):
                pupils[(dim, cat)] += n
    expected["caravan_pupils"] = dict(pupils) or {"total": 0}
    return expected


def close(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(float(a) - float(b)) <= 0.051


@pytest.mark.django_db
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(youth=st.lists(youth_st, max_size=14), reports=st.lists(report_st, max_size=5))
def test_every_figure_agrees_with_a_second_computation_from_raw_rows(centre, youth, reports):
    cache.clear()  # the dashboard reuses a pack for a minute; each example is a new world
    with transaction.atomic():
        build(centre, youth, reports)
        pack = indicator_pack(centre=centre, start=START, end=END, protect=False)
        expected = second_way(centre)
        transaction.set_rollback(True)
    figures = {i["code"]: i for i in pack["indicators"]}
    for code, want in expected.items():
        got = figures[code]
        assert close(got["value"], want["total"]), (code, got["value"], want["total"])
        cells = {(dim, c["category"]): c["value"] for dim, cs in got["by"].items() for c in cs}
        for key, value in want.items():
            if key == "total":
                continue
            assert key in cells, (code, key)
            assert close(cells[key], value), (code, key, cells[key], value)
        # Categories with nobody are zero (counts, sums) or empty (rates, medians).
        for key, value in cells.items():
            if key not in want and value is not None:
                assert value == 0, (code, key, value)
