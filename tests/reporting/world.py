"""A small synthetic centre year for the dashboard and export tests (all people invented).

2025 (the window the tests read): two cohorts, 20 youth in web development (17 from Berkane,
3 from Rislane: a small cell), 8 in digital marketing (Saïdia); completions, certificates,
follow-ups at +6 months with two insertions and one business, a caravan visit, targets. 2024 (the
comparison window): 6 youth in an earlier web cohort.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from markaz.caravan.models import School, VisitReport, Workshop
from markaz.centre.models import YearPlan
from markaz.learning.models import Certificate, Completion
from markaz.mentoring.models import Baseline, FollowUp
from markaz.programmes.models import Cohort, Enrolment, Programme
from markaz.registry.models import Person
from markaz.territory.models import Commune

START, END = dt.date(2025, 1, 1), dt.date(2025, 12, 31)
WINDOW = {"start": START.isoformat(), "end": END.isoformat()}

FIRST_F = ["Salma", "Imane", "Khadija", "Nora", "Hiba", "Sara", "Aya", "Meryem", "Lina", "Zineb"]
FIRST_M = ["Youssef", "Omar", "Mehdi", "Anas", "Amine", "Ilyas", "Hamza", "Karim", "Reda", "Nabil"]
FIRST_AR = {
    "Salma": "سلمى",
    "Imane": "إيمان",
    "Khadija": "خديجة",
    "Nora": "نورة",
    "Hiba": "هبة",
    "Sara": "سارة",
    "Aya": "آية",
    "Meryem": "مريم",
    "Lina": "لينا",
    "Zineb": "زينب",
    "Youssef": "يوسف",
    "Omar": "عمر",
    "Mehdi": "المهدي",
    "Anas": "أنس",
    "Amine": "أمين",
    "Ilyas": "إلياس",
    "Hamza": "حمزة",
    "Karim": "كريم",
    "Reda": "رضا",
    "Nabil": "نبيل",
}
LAST = ["Bouazza", "Benali", "Tahiri", "Lamrani", "Ouali", "Zerrouki", "Alaoui", "Idrissi"]
LAST_AR = ["بوعزة", "بنعلي", "الطاهري", "العمراني", "الوالي", "الزروقي", "العلوي", "الإدريسي"]


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@dataclass
class World:
    web: Programme
    marketing: Programme
    web_people: list = field(default_factory=list)
    rislane: list = field(default_factory=list)
    marketing_people: list = field(default_factory=list)
    earlier: list = field(default_factory=list)


def _person(centre, n: int, sex: str, commune, registered: dt.date, birth_year: int) -> Person:
    first = (FIRST_F if sex == "F" else FIRST_M)[n % 10]
    person = Person.objects.create(
        centre=centre,
        first_name_latin=first,
        last_name_latin=LAST[n % len(LAST)] + f"-{n}",
        first_name_ar=FIRST_AR[first],
        last_name_ar=LAST_AR[n % len(LAST_AR)],
        cin=f"ZT{n:05d}",
        birth_date=dt.date(birth_year, 3, 15),
        sex=sex,
        commune=commune,
        activity_status="unemployed",
        education_level="bac",
        eligible=True,
    )
    Person.objects.filter(pk=person.pk).update(created_at=at(registered))
    return person


def _programme(centre, fr: str, ar: str, track: str) -> Programme:
    return Programme.objects.create(
        centre=centre,
        title_fr=fr,
        title_ar=ar,
        track=track,
        hours=300,
        duration_weeks=16,
        goal="wage_job",
        teaching_language="fr",
        schedule_pattern="daytime",
    )


def _cohort(centre, programme, code, start, end) -> Cohort:
    return Cohort.objects.create(
        centre=centre,
        programme=programme,
        code=code,
        start_date=start,
        end_date=end,
        seats=30,
        schedule_pattern="daytime",
    )


def build_world(centre) -> World:
    communes = {c.code: c for c in Commune.objects.all()}
    web = _programme(centre, "Développement web", "تطوير الويب", "web")
    marketing = _programme(centre, "Marketing digital", "التسويق الرقمي", "marketing")
    world = World(web=web, marketing=marketing)
    cohort_a = _cohort(centre, web, "WEB-25", dt.date(2025, 2, 1), dt.date(2025, 6, 30))
    cohort_b = _cohort(centre, marketing, "MKT-25", dt.date(2025, 9, 1), dt.date(2026, 1, 31))
    cohort_0 = _cohort(centre, web, "WEB-24", dt.date(2024, 2, 1), dt.date(2024, 6, 30))

    n = 0
    # Web 2025: 20 youth, 11 women and 9 men; the last 3 live in Rislane (rural).
    for k in range(20):
        sex = "F" if k < 11 else "M"
        commune = communes["rislane"] if k >= 17 else communes["berkane"]
        person = _person(centre, n, sex, commune, dt.date(2025, 1, 10), 1996 + k % 8)
        n += 1
        enrolment = Enrolment.objects.create(cohort=cohort_a, person=person)
        world.web_people.append(person)
        if k >= 17:
            world.rislane.append(person)
        if k < 14:
            Completion.objects.create(
                enrolment=enrolment, completed=True, attendance_percent=Decimal(90)
            )
        if k < 10:
            Certificate.objects.create(
                enrolment=enrolment,
                code=f"CERT-W{k:03d}",
                name_latin=person.full_name_latin,
                programme_fr=web.title_fr,
                programme_ar=web.title_ar,
                start_date=cohort_a.start_date,
                end_date=cohort_a.end_date,
                hours=300,
            )
        if k < 12:
            Baseline.objects.create(
                centre=centre,
                person=person,
                recorded_on=dt.date(2025, 1, 10),
                employment_status="unemployed",
                monthly_income_mad=Decimal(800 + 50 * k),
            )
            reached = k < 10
            employment = "wage" if k < 5 else ("self" if k == 5 else "unemployed")
            FollowUp.objects.create(
                centre=centre,
                person=person,
                enrolment=enrolment,
                milestone="m6",
                due_on=dt.date(2025, 12, 30),
                status="reached" if reached else "unreached",
                employment_status=employment if reached else "",
                monthly_income_mad=Decimal(2500 + 100 * k) if reached else None,
                business_created=reached and k == 5,
                jobs_created=2 if reached and k == 5 else 0,
            )
    # Marketing 2025: 8 youth from Saïdia, 5 women and 3 men.
    for k in range(8):
        person = _person(
            centre, n, "F" if k < 5 else "M", communes["saidia"], dt.date(2025, 8, 20), 2001
        )
        n += 1
        Enrolment.objects.create(cohort=cohort_b, person=person)
        world.marketing_people.append(person)
    # Web 2024 (the comparison year): 6 youth from Ahfir.
    for k in range(6):
        person = _person(centre, n, "FM"[k % 2], communes["ahfir"], dt.date(2024, 1, 15), 1999)
        n += 1
        Enrolment.objects.create(cohort=cohort_0, person=person)
        world.earlier.append(person)

    YearPlan.objects.create(
        centre=centre,
        year=2025,
        running_budget_mad=Decimal(600000),
        targets={"enrolled": 40, "completed": 20, "applicants": 50},
    )
    workshop = Workshop.objects.create(
        code="w-robots", title_fr="Robots", title_ar="روبوتات", kind="robotics", levels=["primaire"]
    )
    school = School.objects.create(
        code="s-zegzel-1",
        name_fr="École Zegzel",
        name_ar="مدرسة زكزل",
        commune=communes["zegzel"],
        level="primaire",
        area="rural",
        latitude=Decimal("34.85"),
        longitude=Decimal("-2.35"),
    )
    VisitReport.objects.create(
        school=school,
        workshop=workshop,
        date=dt.date(2025, 3, 12),
        girls=14,
        boys=12,
        recorded_at=at(dt.date(2025, 3, 12)),
    )
    return world


def small_cells(pack: dict) -> set[tuple[str, str | None, str | None]]:
    """Every figure of an unprotected pack that rests on 1 to 4 people, as (code, dimension,
    category) (dimension and category None for a total): what no protected output may show."""
    from markaz.engine import indicators as engine

    out = set()
    for ind in pack["indicators"]:
        shape = engine.SHAPES.get(ind["code"])
        if shape is None:
            continue
        fields = (*shape[1], shape[2])

        def small(cell, fields=fields) -> bool:
            return any(cell.get(f) is not None and 0 < cell[f] < 5 for f in fields)

        if small(ind):
            out.add((ind["code"], None, None))
        for dimension, cells in ind["by"].items():
            for cell in cells:
                if small(cell):
                    out.add((ind["code"], dimension, cell["category"]))
    return out
