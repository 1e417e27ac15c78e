"""The learning part of the Berkane demo: attendance of the autumn cohorts' past sessions (a few
absences, one learner absent twice in a row, so mentors and coordinators have a message in the
outbox), a completion rule per programme, and one earlier cohort, finished, evaluated, decided,
with certificates issued (one revoked). Synthetic and idempotent: loading twice changes nothing.

Call it after the programmes demo (and after the centre's timetable demo, whose sessions it uses
when they exist): `demo_load_learning(centre, users)` with `users` the demo users by username.
"""

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from markaz.centre.models import Room, Session
from markaz.learning import selectors, services
from markaz.learning.models import AttendanceMark, Certificate, CompletionRule, Evaluation
from markaz.programmes.models import Cohort, Enrolment, Programme
from markaz.registry.models import Person

SEED = 20261102
AUTUMN_CODES = ["WEB-A26", "WEB-E26", "MKT-E26", "BUR-A26", "ECO-W26", "IA-E26", "ROB-W26"]
EARLIER_CODE = "BUR-P26"
# programme title (fr) → (minimum attendance %, evaluation required)
RULES = {
    "Bureautique et informatique de base": (80, True),
    "Initiation à l'intelligence artificielle": (75, False),
}


@transaction.atomic
def demo_load_learning(centre, users) -> dict:
    trainer, coordinator = users["trainer"], users["coordinator"]
    for programme in Programme.objects.filter(centre=centre):
        minimum, evaluation = RULES.get(programme.title_fr, (80, True))
        CompletionRule.objects.get_or_create(
            programme=programme,
            defaults={"min_attendance_percent": minimum, "requires_evaluation": evaluation},
        )
    running = [
        c
        for c in Cohort.objects.filter(centre=centre, code__in=AUTUMN_CODES).order_by("code")
        if c.enrolments.filter(withdrawn_at__isnull=True).exists()
    ]
    if running and not Session.objects.filter(cohort__in=running).exists():
        _sessions_for(running[0], trainer)
    marked = 0
    streak_for = running[0] if running else None
    for cohort in running:
        marked += _attendance(cohort, coordinator, streak=cohort == streak_for)
    earlier = _earlier_cohort(centre, trainer, coordinator)
    return {
        "marked_sessions": marked,
        "earlier_cohort": earlier,
        "certificates": Certificate.objects.filter(enrolment__cohort__centre=centre).count(),
    }


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_current_timezone())


def _free(room, trainer, starts_at) -> bool:
    return (
        not Session.objects.filter(starts_at=starts_at).filter(room=room).exists()
        and not Session.objects.filter(starts_at=starts_at, trainer=trainer).exists()
    )


def _sessions_for(cohort, trainer, *, first=None, last=None, hour=9, count=None) -> list:
    """Weekday sessions (Monday, Wednesday, Thursday), `hour` to `hour`+3, in a training room.
    Without bounds: the last eight before today, today's and the next two (for "my sessions")."""
    rooms = list(
        Room.objects.filter(centre=cohort.centre, kind=Room.Kind.TRAINING).order_by("name_fr")
    ) or list(Room.objects.filter(centre=cohort.centre).order_by("pk"))
    today = timezone.localdate()
    days = []
    if first is None:
        day, past = today - dt.timedelta(days=1), []
        while len(past) < 8 and day >= cohort.start_date:
            if day.weekday() in (0, 2, 3):
                past.append(day)
            day -= dt.timedelta(days=1)
        days = sorted(past) + [today]
        day = today + dt.timedelta(days=1)
        while len(days) < len(past) + 3:
            if day.weekday() in (0, 2, 3):
                days.append(day)
            day += dt.timedelta(days=1)
    else:
        day = first
        while day <= last and (count is None or len(days) < count):
            if day.weekday() in (0, 2, 3):
                days.append(day)
            day += dt.timedelta(days=1)
    cohort.trainers.add(trainer)
    sessions = []
    for day in days:
        starts_at = _at(day, hour)
        existing = Session.objects.filter(cohort=cohort, starts_at=starts_at).first()
        if existing:
            sessions.append(existing)
            continue
        room = next((r for r in rooms if _free(r, trainer, starts_at)), None)
        if room is None:
            continue
        sessions.append(
            Session.objects.create(
                centre=cohort.centre,
                cohort=cohort,
                room=room,
                trainer=trainer,
                lesson="Démonstration",
                starts_at=starts_at,
                ends_at=starts_at + dt.timedelta(hours=3),
            )
        )
    return sessions


def _statuses(rng, enrolments, previous: dict, absent_share=0.07) -> dict:
    """Mostly present, a few late, some absences, never two in a row (but for the streak)."""
    marks = {}
    for e in enrolments:
        roll = rng.random()
        status = "present"
        if roll < absent_share and previous.get(e.pk) != "absent":
            status = "absent"
        elif roll > 0.91:
            status = "late"
        marks[e.pk] = status
    return marks


def _attendance(cohort, actor, *, streak: bool) -> int:
    """Mark the cohort's past sessions that have no mark yet. With `streak`, the cohort's first
    learner misses the last two of them (the outbox then holds one alert per recipient)."""
    now = timezone.now()
    sessions = list(Session.objects.filter(cohort=cohort, ends_at__lte=now).order_by("starts_at"))
    if not sessions or AttendanceMark.objects.filter(session__in=sessions).exists():
        return 0
    rng = random.Random(f"{SEED}-{cohort.code}")
    enrolments = list(selectors.active_enrolments(cohort).order_by("pk"))
    previous: dict = {}
    for i, session in enumerate(sessions):
        marks = _statuses(rng, enrolments, previous)
        if streak:
            marks[enrolments[0].pk] = "absent" if i >= len(sessions) - 2 else "present"
        services.attendance_record(session=session, marks=marks, actor=actor, now=now)
        previous = marks
    return len(sessions)


def _earlier_cohort(centre, trainer, coordinator) -> Cohort | None:
    programme = (
        Programme.objects.filter(
            centre=centre, title_fr="Bureautique et informatique de base"
        ).first()
        or Programme.objects.filter(centre=centre).order_by("pk").first()
    )
    if programme is None:
        return None
    today = timezone.localdate()
    cohort, created = Cohort.objects.get_or_create(
        centre=centre,
        code=EARLIER_CODE,
        defaults={
            "programme": programme,
            "start_date": today - dt.timedelta(days=200),
            "end_date": today - dt.timedelta(days=200) + dt.timedelta(weeks=8),
            "seats": 12,
            "schedule_pattern": "daytime",
            "status": Cohort.Status.FINISHED,
        },
    )
    if created:
        people = (
            Person.objects.filter(centre=centre, eligible=True, merged_into__isnull=True)
            .exclude(pk__in=Enrolment.objects.filter(withdrawn_at__isnull=True).values("person_id"))
            .order_by("pk")[: cohort.seats]
        )
        for person in people:
            Enrolment.objects.create(cohort=cohort, person=person)
            Cohort.objects.filter(pk=cohort.pk).update(enrolled=F("enrolled") + 1)
    enrolments = list(selectors.active_enrolments(cohort).order_by("pk"))
    if not enrolments:
        return cohort
    sessions = _sessions_for(
        cohort, trainer, first=cohort.start_date, last=cohort.end_date, hour=14, count=12
    )
    if not AttendanceMark.objects.filter(session__cohort=cohort).exists():
        rng = random.Random(f"{SEED}-{cohort.code}")
        # The last two learners come one session in two: not enough to complete.
        weak = {e.pk for e in enrolments[-2:]}
        for i, session in enumerate(sessions):
            marks = _statuses(rng, enrolments, {}, absent_share=0.04)
            for pk in weak:
                marks[pk] = "absent" if i % 2 else "present"
            services.attendance_record(session=session, marks=marks, actor=coordinator)
    if not Evaluation.objects.filter(enrolment__cohort=cohort).exists():
        rng = random.Random(f"{SEED}-eval")
        for i, e in enumerate(enrolments):
            score = Decimal(rng.randint(55, 95)) if i != 2 else Decimal(38)
            services.evaluation_record(
                enrolment=e,
                passed=score >= 50,
                score=score,
                evaluated_on=cohort.end_date,
                actor=coordinator,
            )
    if not any(hasattr(e, "completion") for e in enrolments):
        services.completions_decide_cohort(cohort=cohort, actor=coordinator)
    services.certificates_issue_cohort(cohort=cohort, actor=coordinator)
    certificates = Certificate.objects.filter(enrolment__cohort=cohort).order_by("pk")
    first = certificates.first()
    if first is not None and not certificates.filter(revoked_at__isnull=False).exists():
        services.certificate_revoke(
            certificate=first,
            actor=coordinator,
            reason="Démonstration : certificat émis par erreur (données synthétiques).",
        )
    return cohort
