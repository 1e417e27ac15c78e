"""The caravan part of the Berkane demo: 102 public schools (73 primary, 18 collèges, 11 lycées,
as the province reported for 2015-16) with synthetic names and positions around their commune
centres, workshops, kits, the 2025-26 school calendar, a past month of visits held (with pupils
counted by sex and level) and the coming weeks planned. Synthetic and idempotent."""

import datetime as dt
import math
import random

from django.db import transaction
from django.utils import timezone

from markaz.caravan.models import (
    CalendarBlock,
    Kit,
    School,
    Tour,
    Vehicle,
    Visit,
    VisitReport,
    Workshop,
)
from markaz.territory.models import Commune

SEED = 20251103
COUNTS = {"primaire": 73, "college": 18, "lycee": 11}
PUPILS = {"primaire": 29777, "college": 13600, "lycee": 8824}
NAMES = [
    ("Al Wahda", "الوحدة"),
    ("Ibn Khaldoun", "ابن خلدون"),
    ("Al Massira", "المسيرة"),
    ("Al Fath", "الفتح"),
    ("Ibn Sina", "ابن سينا"),
    ("Al Qods", "القدس"),
    ("Al Amal", "الأمل"),
    ("Annour", "النور"),
    ("Al Andalous", "الأندلس"),
    ("Moulay Ismail", "مولاي إسماعيل"),
    ("Al Irfane", "العرفان"),
    ("Ibn Rochd", "ابن رشد"),
    ("Al Manar", "المنار"),
    ("Zitoune", "الزيتون"),
    ("Al Kods", "الكدس"),
    ("Tarik Ibn Ziad", "طارق بن زياد"),
    ("Al Farabi", "الفارابي"),
    ("Al Khawarizmi", "الخوارزمي"),
]
PREFIX = {
    "primaire": ("École primaire", "مدرسة"),
    "college": ("Collège", "الثانوية الإعدادية"),
    "lycee": ("Lycée", "الثانوية التأهيلية"),
}
WORKSHOPS = [
    (
        "robot-debutant",
        "Robotique : mon premier robot",
        "الروبوتيك: روبوتي الأول",
        "robotics",
        120,
        30,
        ["primaire", "college"],
        {"robotics": 8},
    ),
    (
        "ia-decouverte",
        "Découvrir l'intelligence artificielle",
        "اكتشاف الذكاء الاصطناعي",
        "ai",
        120,
        30,
        ["college", "lycee"],
        {"laptop": 15},
    ),
    (
        "code-jeux",
        "Coder un jeu",
        "برمجة لعبة",
        "coding",
        120,
        25,
        ["primaire", "college", "lycee"],
        {"tablet": 13},
    ),
]
# The 2025-26 school calendar (DOMAIN.md): breaks and holidays without visits. The Eids are
# lunar and entered by staff each year.
BLOCKS = [
    (dt.date(2025, 7, 1), dt.date(2025, 9, 7), "Vacances d'été", "العطلة الصيفية"),
    (dt.date(2025, 10, 19), dt.date(2025, 10, 26), "Vacances", "عطلة"),
    (dt.date(2025, 11, 6), dt.date(2025, 11, 6), "Marche verte", "ذكرى المسيرة الخضراء"),
    (dt.date(2025, 11, 18), dt.date(2025, 11, 18), "Fête de l'indépendance", "عيد الاستقلال"),
    (dt.date(2025, 12, 7), dt.date(2025, 12, 14), "Vacances", "عطلة"),
    (dt.date(2026, 1, 1), dt.date(2026, 1, 1), "Nouvel an", "رأس السنة الميلادية"),
    (
        dt.date(2026, 1, 11),
        dt.date(2026, 1, 11),
        "Manifeste de l'indépendance",
        "ذكرى تقديم وثيقة الاستقلال",
    ),
    (dt.date(2026, 1, 14), dt.date(2026, 1, 14), "Nouvel an amazigh", "رأس السنة الأمازيغية"),
    (dt.date(2026, 1, 25), dt.date(2026, 2, 1), "Vacances", "عطلة"),
    (dt.date(2026, 3, 15), dt.date(2026, 3, 22), "Vacances", "عطلة"),
    (dt.date(2026, 5, 1), dt.date(2026, 5, 1), "Fête du travail", "عيد الشغل"),
    (dt.date(2026, 7, 1), dt.date(2026, 9, 6), "Vacances d'été", "العطلة الصيفية"),
]


@transaction.atomic
def demo_load_caravan(centre, users) -> None:
    _schools()
    for code, fr, ar, kind, minutes, pupils, levels, kits in WORKSHOPS:
        Workshop.objects.get_or_create(
            code=code,
            defaults={
                "title_fr": fr,
                "title_ar": ar,
                "kind": kind,
                "duration_min": minutes,
                "pupils_per_session": pupils,
                "levels": levels,
                "kits_needed": kits,
            },
        )
    for kind, condition, count in [
        ("robotics", "good", 14),
        ("robotics", "worn", 3),
        ("robotics", "broken", 1),
        ("laptop", "good", 15),
        ("laptop", "worn", 2),
        ("tablet", "good", 13),
    ]:
        Kit.objects.get_or_create(kind=kind, condition=condition, defaults={"count": count})
    vehicle, _ = Vehicle.objects.get_or_create(
        name="Caravane Code pour tous", defaults={"plate": "12345-A-52"}
    )
    vehicle.crew.add(users["caravan"])
    for start, end, fr, ar in BLOCKS:
        CalendarBlock.objects.get_or_create(
            start_date=start, end_date=end, defaults={"reason_fr": fr, "reason_ar": ar}
        )
    if not Tour.objects.exists():
        _tours(centre, users, vehicle)
    _children_bookings(centre, users)


def _held_tour(centre, users, vehicle, weights, rng, name, first, last, code) -> None:
    """A tour of the past, planned then held: every visit done, with its report."""
    from markaz.caravan.services import tour_instance, tour_plan_execute, working_days

    workshop = Workshop.objects.get(code=code)
    days = working_days(first, last)
    tour = Tour.objects.create(
        name=name,
        start_date=days[0],
        end_date=days[-1],
        workshop=workshop,
        vehicle=vehicle,
        weights=weights,
        instance=tour_instance(
            centre=centre, workshop=workshop, days=days, weights=weights, time_limit_s=4
        ),
        created_by=users["coordinator"],
    )
    tour_plan_execute(tour_id=tour.pk)
    for visit in Visit.objects.filter(tour=tour).select_related("school"):
        girls, boys = rng.randint(10, 16), rng.randint(10, 16)
        grade = {"primaire": "CM1", "college": "1AC", "lycee": "TC"}[visit.school.level]
        VisitReport.objects.create(
            visit=visit,
            school=visit.school,
            workshop=workshop,
            date=visit.date,
            girls=girls,
            boys=boys,
            by_level={grade: {"girls": girls, "boys": boys}},
            kits_used={"robotics": 8} if workshop.kind == Workshop.Kind.ROBOTICS else {},
            kits_broken={"robotics": 1} if rng.random() < 0.05 else {},
            recorded_at=timezone.make_aware(dt.datetime.combine(visit.date, visit.end_time)),
            recorded_by=users["caravan"],
        )
        visit.status = Visit.Status.DONE
        visit.save(update_fields=["status"])


def _children_bookings(centre, users) -> None:
    """A few school classes booked into the children's space in the coming days."""
    from django.core.exceptions import ValidationError

    from markaz.caravan.children import booking_create
    from markaz.caravan.models import ChildrenBooking

    if ChildrenBooking.objects.filter(centre=centre).exists():
        return
    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    schools = list(School.objects.filter(level="primaire").order_by("code")[:4])
    workshop = Workshop.objects.get(code="code-jeux")
    made = 0
    for offset in range(1, 15):
        day = today + dt.timedelta(days=offset)
        if day.weekday() not in (2, 5) or made >= len(schools):  # Wednesdays and Saturdays
            continue
        school = schools[made]
        try:
            booking_create(
                centre=centre,
                school=school,
                workshop=workshop,
                class_label="CM2",
                starts_at=dt.datetime.combine(day, dt.time(9, 0), tzinfo=tz),
                ends_at=dt.datetime.combine(day, dt.time(11, 0), tzinfo=tz),
                girls=11,
                boys=9,
                actor=users["coordinator"],
            )
            made += 1
        except ValidationError:
            continue


def _schools() -> None:
    if School.objects.filter(synthetic=True).exists():
        return
    rng = random.Random(SEED)
    communes = list(Commune.objects.filter(province__code="berkane").order_by("code"))
    weights = [c.population_2014 or 1 for c in communes]
    n = 0
    for level, count in COUNTS.items():
        # Every commune has a primary school; the rest follow population.
        chosen = list(communes) if level == "primaire" else []
        chosen += rng.choices(communes, weights=weights, k=count - len(chosen))
        mean = PUPILS[level] / count
        for commune in chosen:
            n += 1
            name_fr, name_ar = NAMES[n % len(NAMES)]
            angle, radius = rng.uniform(0, 2 * math.pi), rng.uniform(0.01, 0.05)
            pupils = max(60, int(rng.gauss(mean, mean * 0.3)))
            girls = int(pupils * rng.uniform(0.44, 0.52))
            School.objects.create(
                code=f"{level[:3]}-{commune.code}-{n}",
                name_fr=f"{PREFIX[level][0]} {name_fr}",
                name_ar=f"{PREFIX[level][1]} {name_ar}",
                commune=commune,
                level=level,
                public=True,
                area=commune.kind,
                latitude=round(float(commune.latitude) + radius * math.sin(angle), 5),
                longitude=round(float(commune.longitude) + radius * math.cos(angle), 5),
                girls=girls,
                boys=pupils - girls,
                director_name=f"Directeur·rice {n} (synthétique)",
                director_phone=f"+21253661{rng.randint(1000, 9999)}",
                synthetic=True,
            )


def _tours(centre, users, vehicle: Vehicle) -> None:
    """Two tours driven by the demo vehicle (its crew sees their visits on the tablet)."""
    from markaz.caravan.services import (
        DEFAULT_WEIGHTS,
        tour_instance,
        tour_plan_execute,
        working_days,
    )

    coordinator = users["coordinator"]
    weights = dict(DEFAULT_WEIGHTS)
    # Months held, with reports and pupils counted: two of the 2025-26 school year and the
    # last one of 2026-27, so that every recent window of the reports has the caravan in it.
    rng = random.Random(SEED)
    for name, first, last, code in (
        ("Novembre 2025", dt.date(2025, 11, 3), dt.date(2025, 11, 28), "robot-debutant"),
        ("Avril 2026", dt.date(2026, 4, 6), dt.date(2026, 4, 30), "code-jeux"),
        ("Octobre 2026", dt.date(2026, 10, 5), dt.date(2026, 10, 30), "robot-debutant"),
    ):
        if last >= timezone.localdate():
            continue
        _held_tour(centre, users, vehicle, weights, rng, name, first, last, code)
    # The coming two weeks, planned.
    today = timezone.localdate()
    ai = Workshop.objects.get(code="code-jeux")
    days = working_days(today + dt.timedelta(days=1), today + dt.timedelta(days=14))
    if days:
        upcoming = Tour.objects.create(
            name="Prochaines semaines",
            start_date=days[0],
            end_date=days[-1],
            workshop=ai,
            vehicle=vehicle,
            weights=weights,
            instance=tour_instance(
                centre=centre, workshop=ai, days=days, weights=weights, time_limit_s=5
            ),
            created_by=coordinator,
        )
        tour_plan_execute(tour_id=upcoming.pk)
