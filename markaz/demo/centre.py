"""The building part of the Berkane demo: trainers for the autumn cohorts, public holidays, a
timetable solved and laid out as sessions, badges, and this morning's door check-ins (so the
roll-call and the occupancy chart show something). Synthetic and idempotent."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from markaz.centre import timetabling
from markaz.centre.models import (
    Closure,
    HoursPeriod,
    OpeningHours,
    Presence,
    Timetable,
    TrainerUnavailability,
)
from markaz.centre.services import badge_for, badge_token, door_scan
from markaz.core.models import StaffProfile
from markaz.core.roles import Role
from markaz.engine import timetable as engine
from markaz.programmes.models import Cohort, Enrolment

TRAINERS = [
    ("trainer", "Hassan", "Formateur"),
    ("trainer2", "Naima", "Bennani"),
    ("trainer3", "Youssef", "Alaoui"),
    ("trainer4", "Samira", "Haddad"),
    ("trainer5", "Karim", "Ziani"),
]
# Autumn cohort -> trainer username (a trainer may take a daytime and an evening cohort).
ASSIGN = {
    "WEB-A26": "trainer",
    "WEB-E26": "trainer2",
    "MKT-E26": "trainer3",
    "BUR-A26": "trainer4",
    "ECO-W26": "trainer5",
    "IA-E26": "trainer4",
    "ROB-W26": "trainer2",
}
# Public holidays of the demo's school year (DOMAIN.md); the Eids are entered by staff each year.
HOLIDAYS = [
    (dt.date(2026, 11, 6), "Marche verte", "ذكرى المسيرة الخضراء"),
    (dt.date(2026, 11, 18), "Fête de l'indépendance", "عيد الاستقلال"),
    (dt.date(2027, 1, 1), "Nouvel an", "رأس السنة الميلادية"),
    (dt.date(2027, 1, 11), "Manifeste de l'indépendance", "ذكرى تقديم وثيقة الاستقلال"),
    (dt.date(2027, 1, 14), "Nouvel an amazigh", "رأس السنة الأمازيغية"),
]
DEMO_PASSWORD = "markaz-demo-2026"
# The centre's week (the timetable's two-hour slots are laid from these): weekdays with a lunch
# break, Friday with the midday prayer, a short Sunday.
OPENING_HOURS = {
    0: ("09:00", "22:00", "13:00", "14:00"),
    1: ("09:00", "22:00", "13:00", "14:00"),
    2: ("09:00", "22:00", "13:00", "14:00"),
    3: ("09:00", "22:00", "13:00", "14:00"),
    4: ("09:00", "21:00", "12:00", "15:00"),
    5: ("09:00", "18:00", "13:00", "14:00"),
    6: ("09:00", "13:00", None, None),
}


@transaction.atomic
def demo_load_centre(centre, users) -> None:
    User = get_user_model()
    for username, first, last in TRAINERS:
        user, created = User.objects.get_or_create(
            username=username, defaults={"first_name": first, "last_name": last}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        StaffProfile.objects.get_or_create(
            user=user, defaults={"role": Role.TRAINER, "centre": centre}
        )
    if not OpeningHours.objects.filter(centre=centre).exists():
        for weekday, (opens, closes, bs, be) in OPENING_HOURS.items():
            OpeningHours.objects.create(
                centre=centre,
                weekday=weekday,
                opens=dt.time.fromisoformat(opens),
                closes=dt.time.fromisoformat(closes),
                break_start=dt.time.fromisoformat(bs) if bs else None,
                break_end=dt.time.fromisoformat(be) if be else None,
            )
    # trainer5 teaches the weekend cohort and is never free on Friday afternoons.
    TrainerUnavailability.objects.get_or_create(
        centre=centre,
        trainer=User.objects.get(username="trainer5"),
        weekday=4,
        defaults={
            "start_time": dt.time(14),
            "end_time": dt.time(22),
            "reason": "Autre emploi / عمل آخر",
        },
    )
    for day, fr, ar in HOLIDAYS:
        Closure.objects.get_or_create(
            centre=centre, date=day, defaults={"reason_fr": fr, "reason_ar": ar}
        )
    # Ramadan 1448 (expected dates; staff confirm them when the moon is sighted).
    HoursPeriod.objects.get_or_create(
        centre=centre, start_date=dt.date(2027, 2, 8), defaults={"end_date": dt.date(2027, 3, 9)}
    )
    cohorts = list(
        Cohort.objects.filter(centre=centre, code__in=ASSIGN)
        .select_related("programme")
        .order_by("code")
    )
    for cohort in cohorts:
        if not cohort.trainers.exists():
            cohort.trainers.add(User.objects.get(username=ASSIGN[cohort.code]))
    if cohorts and not Timetable.objects.filter(centre=centre).exists():
        first = min(c.start_date for c in cohorts)
        weeks = (max(c.end_date for c in cohorts) - first).days // 7 + 1
        instance = timetabling.timetable_instance(centre, cohorts, time_limit_s=10)
        tt = Timetable.objects.create(
            centre=centre,
            name="Automne 2026",
            first_week=first - dt.timedelta(days=first.weekday()),
            weeks=weeks,
            instance=instance,
            created_by=users["coordinator"],
        )
        result = engine.solve(engine.parse_instance(instance)).to_dict()
        tt.result = result
        tt.status = (
            Timetable.Status.READY
            if result["status"] in ("optimal", "feasible")
            else Timetable.Status.INFEASIBLE
        )
        tt.save(update_fields=["result", "status"])
        if tt.status == Timetable.Status.READY:
            timetabling.timetable_publish(timetable=tt, actor=users["coordinator"])
    _door_this_morning(centre)


def _door_this_morning(centre) -> None:
    today = timezone.localdate()
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(today, dt.time(8, 45), tzinfo=tz)
    if Presence.objects.filter(centre=centre, entered_at__gte=start).exists():
        return
    people = [
        e.person
        for e in Enrolment.objects.filter(
            cohort__centre=centre, withdrawn_at__isnull=True, cohort__end_date__gte=today
        )
        .select_related("person")
        .order_by("pk")[:40]
    ]
    for i, person in enumerate(people):
        door_scan(
            centre=centre,
            raw=badge_token(badge_for(person)),
            now=start + dt.timedelta(minutes=2 * i),
        )
    for i, person in enumerate(people[:6]):
        door_scan(
            centre=centre,
            raw=badge_token(badge_for(person)),
            now=start + dt.timedelta(hours=3, minutes=i),
        )
    door_scan(centre=centre, raw="FORGED:0000", now=start + dt.timedelta(minutes=30))


DEMO_KIOSK_NAME = "Tablette de l'entrée (démo)"
DEMO_PAIRING_AGE = dt.timedelta(days=30)


def demo_kiosk_device(centre, coordinator) -> str:
    """The demo's entrance tablet (one device, created once) and a fresh one-time pairing code
    for it, valid 30 days: open /kiosk/pair/?code=… on the tablet (or any browser) to run the
    entrance. Each load gives a new code; a tablet already paired keeps working until a code
    is used."""
    from markaz.centre.models import KioskDevice
    from markaz.centre.services import kiosk_device_create, kiosk_device_pairing_renew

    device = KioskDevice.objects.filter(
        centre=centre, name=DEMO_KIOSK_NAME, revoked_at__isnull=True
    ).first()
    if device is None:
        _device, code = kiosk_device_create(
            centre=centre, name=DEMO_KIOSK_NAME, actor=coordinator, pairing_age=DEMO_PAIRING_AGE
        )
        return code
    return kiosk_device_pairing_renew(
        device=device, actor=coordinator, pairing_age=DEMO_PAIRING_AGE
    )
