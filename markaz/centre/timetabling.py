"""The centre's week: slots, the timetable instance for the engine, sessions laid out by date,
manual moves with an immediate conflict check, and iCalendar feeds."""

import datetime as dt
import math

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from markaz.core.enqueue import task_enqueue
from markaz.core.services import audit_record, job_create
from markaz.engine import timetable as engine

from .models import (
    Centre,
    Closure,
    OpeningHours,
    Room,
    Session,
    Timetable,
    TrainerUnavailability,
)

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
# The weekly grid of two-hour slots (DOMAIN.md: Friday midday prayer changes the hours; Ramadan
# hours are a different grid for those weeks).
WEEKDAY_SLOTS = [
    ("09:00", "11:00"),
    ("11:00", "13:00"),
    ("14:00", "16:00"),
    ("16:00", "18:00"),
    ("18:00", "20:00"),
    ("20:00", "22:00"),
]
FRIDAY_SLOTS = [("09:00", "11:00"), ("15:00", "17:00"), ("17:00", "19:00"), ("19:00", "21:00")]
SATURDAY_SLOTS = [("09:00", "11:00"), ("11:00", "13:00"), ("14:00", "16:00"), ("16:00", "18:00")]
SUNDAY_SLOTS = [("09:00", "11:00"), ("11:00", "13:00")]
# Ramadan hours: shorter days, no late afternoon (fasting), and an evening after the iftar
# (the iftar moves with the season: the 21:30 slot is the common case for a spring Ramadan).
RAMADAN_WEEKDAY_SLOTS = [("10:00", "12:00"), ("13:00", "15:00"), ("21:30", "23:30")]
RAMADAN_FRIDAY_SLOTS = [("10:00", "12:00"), ("21:30", "23:30")]
RAMADAN_WEEKEND_SLOTS = [("10:00", "12:00"), ("13:00", "15:00")]
# Children's workshops and open applied-work hours in the children's space: they count toward the
# building (slot id -> people).
DEFAULT_OTHER_LOAD = {"wed-3": 20, "sat-1": 20, "sat-2": 20}
SESSION_HOURS = 2


def weekly_slots(ramadan: bool = False, centre=None) -> list[dict]:
    """The week's two-hour slots: the centre's opening hours where it has entered them (outside
    Ramadan), else the built-in grid."""
    if not ramadan and centre is not None:
        hours = list(OpeningHours.objects.filter(centre=centre))
        if hours:
            return slots_from_opening_hours(hours)
    if ramadan:
        grids = {
            "fri": RAMADAN_FRIDAY_SLOTS,
            "sat": RAMADAN_WEEKEND_SLOTS,
            "sun": RAMADAN_WEEKEND_SLOTS,
        }
        default = RAMADAN_WEEKDAY_SLOTS
    else:
        grids = {"fri": FRIDAY_SLOTS, "sat": SATURDAY_SLOTS, "sun": SUNDAY_SLOTS}
        default = WEEKDAY_SLOTS
    slots = []
    for day in DAYS:
        grid = grids.get(day, default)
        for i, (start, end) in enumerate(grid, start=1):
            slots.append({"id": f"{day}-{i}", "day": day, "start": start, "end": end})
    return slots


def _minutes(t: dt.time) -> int:
    return t.hour * 60 + t.minute


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def slots_from_opening_hours(hours) -> list[dict]:
    """Two-hour slots laid from each day's opening until its break, then from the end of the
    break until closing (a slot never crosses the break: Friday's midday prayer)."""
    slots = []
    step = SESSION_HOURS * 60
    for h in sorted(hours, key=lambda h: h.weekday):
        day = DAYS[h.weekday]
        spans = (
            [(h.opens, h.break_start), (h.break_end, h.closes)]
            if h.break_start is not None
            else [(h.opens, h.closes)]
        )
        i = 0
        for start, end in spans:
            t = _minutes(start)
            while t + step <= _minutes(end):
                i += 1
                slots.append(
                    {"id": f"{day}-{i}", "day": day, "start": _hhmm(t), "end": _hhmm(t + step)}
                )
                t += step
    return slots


def trainer_unavailable_slots(
    trainer_ids, slots: list[dict], first_week: dt.date | None = None, weeks: int = 0
) -> dict[str, list[str]]:
    """Trainer id (str) → the weekly slot ids they cannot teach: the slots that overlap a
    recurring unavailability, and those that overlap a dated absence on that weekday in any of
    the timetable's weeks (a weekly timetable repeats its slots every week, so a slot the
    trainer misses once is one they cannot hold)."""
    dates: list[dt.date] = []
    if first_week is not None:
        dates = [first_week + dt.timedelta(days=d) for d in range(7 * max(weeks, 1))]
    rows = list(TrainerUnavailability.objects.filter(trainer_id__in=[int(t) for t in trainer_ids]))
    out: dict[str, list[str]] = {str(t): [] for t in trainer_ids}
    for s in slots:
        day_index = DAYS.index(s["day"])
        start, end = dt.time.fromisoformat(s["start"]), dt.time.fromisoformat(s["end"])
        same_day = [d for d in dates if d.weekday() == day_index]
        for row in rows:
            if row.weekday is not None:
                hit = row.covers(day_index, None, start, end)
            else:
                hit = any(row.covers(day_index, d, start, end) for d in same_day)
            if hit and s["id"] not in out[str(row.trainer_id)]:
                out[str(row.trainer_id)].append(s["id"])
    return out


def allowed_slots(pattern: str, slots: list[dict]) -> list[str]:
    if pattern == "weekend":
        return [s["id"] for s in slots if s["day"] in ("sat", "sun")]
    weekdays = [s for s in slots if s["day"] in DAYS[:5]]
    if pattern == "evening":
        return [s["id"] for s in weekdays if s["start"] >= "18:00"]
    return [s["id"] for s in weekdays if s["end"] <= "18:00"]


def ramadan_days(centre) -> set[dt.date]:
    from .models import HoursPeriod

    days = set()
    for p in HoursPeriod.objects.filter(centre=centre):
        days.update(
            p.start_date + dt.timedelta(days=i) for i in range((p.end_date - p.start_date).days + 1)
        )
    return days


def sessions_per_week(cohort) -> int:
    p = cohort.programme
    return max(1, math.ceil(p.hours / max(1, p.duration_weeks) / SESSION_HOURS))


APPLIED_TRACKS = {"web", "robotics", "ecommerce"}


def timetable_instance(
    centre,
    cohorts,
    time_limit_s: int = 30,
    ramadan: bool = False,
    first_week: dt.date | None = None,
    weeks: int = 0,
) -> dict:
    """The engine's input for a set of cohorts of a centre (JSON, as the CLI takes it), on the
    centre's opening hours or on the Ramadan grid, with each trainer's unavailable slots
    (recurring ones, and dated absences within `weeks` weeks from `first_week`)."""
    slots = weekly_slots(ramadan, centre=centre)
    rooms = list(Room.objects.filter(centre=centre).exclude(kind=Room.Kind.CHILDREN))
    lessons, trainers, missing = [], {}, []
    for cohort in cohorts:
        trainer = cohort.trainers.order_by("pk").first()
        if trainer is None:
            missing.append(cohort.code)
            continue
        trainers[str(trainer.pk)] = trainer
        n = sessions_per_week(cohort)
        for i in range(n):
            kind = (
                "applied" if cohort.programme.track in APPLIED_TRACKS and i % 3 == 2 else "training"
            )
            lessons.append(
                {
                    "id": f"{cohort.code}-{i + 1}",
                    "cohort": cohort.code,
                    "trainer": str(trainer.pk),
                    "room_kind": kind,
                }
            )
    if missing:
        raise ValidationError(
            _("These cohorts have no trainer yet: %(codes)s.") % {"codes": ", ".join(missing)}
        )
    unavailable = trainer_unavailable_slots(list(trainers), slots, first_week, weeks)
    slot_ids = {s["id"] for s in slots}
    other_load = {} if ramadan else dict(DEFAULT_OTHER_LOAD)
    return {
        "building_capacity": centre.max_occupancy,
        "timeslots": slots,
        "rooms": [{"id": str(r.pk), "kind": r.kind, "capacity": r.capacity} for r in rooms],
        "trainers": [{"id": tid, "unavailable": unavailable[tid]} for tid in trainers],
        "cohorts": [
            {"id": c.code, "size": c.seats, "allowed": allowed_slots(c.schedule_pattern, slots)}
            for c in cohorts
        ],
        "lessons": lessons,
        "other_load": {k: v for k, v in other_load.items() if k in slot_ids},
        "time_limit_s": time_limit_s,
    }


def timetable_start(
    *, centre, name: str, first_week: dt.date, weeks: int, cohorts, actor, time_limit_s: int = 30
) -> Timetable:
    """Queue the solve of a timetable (background job with progress)."""
    cohorts = list(cohorts)
    if not cohorts:
        raise ValidationError(_("Choose at least one cohort."))
    first_week = first_week - dt.timedelta(days=first_week.weekday())
    # A timetable whose first week falls in a Ramadan period is built on the Ramadan grid.
    ramadan = (first_week + dt.timedelta(days=3)) in ramadan_days(centre)
    instance = timetable_instance(
        centre, cohorts, time_limit_s, ramadan=ramadan, first_week=first_week, weeks=weeks
    )
    with transaction.atomic():
        job = job_create(kind="timetable", centre=centre, created_by=actor, total=100)
        tt = Timetable.objects.create(
            centre=centre,
            name=name,
            first_week=first_week,
            weeks=weeks,
            instance=instance,
            job=job,
            created_by=actor,
            ramadan=ramadan,
        )
        transaction.on_commit(
            lambda: task_enqueue(
                "markaz.centre.tasks.timetable_solve_task", timetable_id=tt.pk, job_id=str(job.pk)
            )
        )
    return tt


def timetable_solve(*, timetable_id: int, progress=None) -> dict:
    tt = Timetable.objects.get(pk=timetable_id)
    instance = engine.parse_instance(tt.instance)
    result = engine.solve(instance, progress=progress).to_dict()
    tt.result = result
    tt.status = (
        Timetable.Status.INFEASIBLE
        if result["status"] in ("infeasible", "unknown")
        else Timetable.Status.READY
    )
    tt.save(update_fields=["result", "status"])
    return {"status": result["status"], "penalty": result.get("soft_penalty")}


def _slot_times(slot_id: str, slots: dict) -> tuple[int, dt.time, dt.time]:
    s = slots[slot_id]
    return DAYS.index(s["day"]), dt.time.fromisoformat(s["start"]), dt.time.fromisoformat(s["end"])


@transaction.atomic
def timetable_publish(*, timetable: Timetable, actor) -> int:
    """Lay the weekly timetable out as dated sessions for its weeks (closed days and days
    outside each cohort's dates are skipped). The database refuses any double booking."""
    from markaz.programmes.models import Cohort

    tt = Timetable.objects.select_for_update().get(pk=timetable.pk)
    if tt.status != Timetable.Status.READY:
        raise ValidationError(_("Only a solved timetable can be published."))
    slots = {s["id"]: s for s in tt.instance["timeslots"]}
    lessons = {lesson["id"]: lesson for lesson in tt.instance["lessons"]}
    cohorts = {
        c.code: c
        for c in Cohort.objects.filter(
            centre=tt.centre, code__in={lesson["cohort"] for lesson in lessons.values()}
        )
    }
    closed = set(Closure.objects.filter(centre=tt.centre).values_list("date", flat=True))
    # Each grid is laid out only on its own days: Ramadan days take the Ramadan timetable.
    ramadan = ramadan_days(tt.centre)
    tz = timezone.get_current_timezone()
    created = []
    for week in range(tt.weeks):
        monday = tt.first_week + dt.timedelta(weeks=week)
        for a in tt.result.get("assignments", []):
            lesson = lessons[a["lesson"]]
            cohort = cohorts[lesson["cohort"]]
            offset, start, end = _slot_times(a["timeslot"], slots)
            day = monday + dt.timedelta(days=offset)
            if day in closed or not (cohort.start_date <= day <= cohort.end_date):
                continue
            if (day in ramadan) != tt.ramadan:
                continue
            created.append(
                Session(
                    timetable=tt,
                    centre=tt.centre,
                    cohort=cohort,
                    room_id=int(a["room"]),
                    trainer_id=int(lesson["trainer"]),
                    lesson=lesson["id"],
                    slot=a["timeslot"],
                    starts_at=dt.datetime.combine(day, start, tzinfo=tz),
                    ends_at=dt.datetime.combine(day, end, tzinfo=tz),
                )
            )
    # An unavailability entered after the search: refuse rather than book the trainer then.
    blocked = _sessions_when_unavailable(created)
    if blocked:
        raise ValidationError(
            _(
                "%(n)s sessions would fall when their trainer is unavailable (entered after this "
                "timetable was solved, e.g. %(example)s): solve the timetable again."
            )
            % {"n": len(blocked), "example": blocked[0]}
        )
    try:
        with transaction.atomic():
            Session.objects.bulk_create(created, batch_size=500)
    except IntegrityError as exc:
        raise ValidationError(
            _(
                "These sessions would double-book a room, a trainer or a cohort already in the calendar."
            )
        ) from exc
    tt.status = Timetable.Status.PUBLISHED
    tt.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="timetable_publish",
        centre=tt.centre,
        obj=tt,
        detail={"sessions": len(created)},
    )
    return len(created)


def _sessions_when_unavailable(sessions: list[Session]) -> list[str]:
    rows: dict[int, list[TrainerUnavailability]] = {}
    for row in TrainerUnavailability.objects.filter(
        trainer_id__in={s.trainer_id for s in sessions}
    ):
        rows.setdefault(row.trainer_id, []).append(row)
    blocked = []
    for s in sessions:
        start, end = timezone.localtime(s.starts_at), timezone.localtime(s.ends_at)
        for row in rows.get(s.trainer_id, ()):
            if row.covers(start.weekday(), start.date(), start.time(), end.time()):
                blocked.append(f"{s.lesson} {start:%d/%m %H:%M}")
                break
    return blocked


# --- Moving a session by hand -----------------------------------------------------------------


def session_conflicts(session: Session, starts_at: dt.datetime, room: Room) -> list[str]:
    """Every rule the move would break, in words (empty: the move is fine)."""
    ends_at = starts_at + (session.ends_at - session.starts_at)
    overlapping = Session.objects.filter(
        centre=session.centre, starts_at__lt=ends_at, ends_at__gt=starts_at
    ).exclude(pk=session.pk)
    problems = []
    if room.centre_id != session.centre_id:
        problems.append(_("This room belongs to another centre."))
    if overlapping.filter(room=room).exists():
        problems.append(_("%(room)s is already booked at that time.") % {"room": room.name})
    if overlapping.filter(trainer_id=session.trainer_id).exists():
        problems.append(_("The trainer already has a session at that time."))
    if overlapping.filter(cohort_id=session.cohort_id).exists():
        problems.append(_("The cohort already has a session at that time."))
    size = session.cohort.seats
    if room.capacity < size:
        problems.append(
            _("%(room)s holds %(capacity)s people; the cohort has %(size)s.")
            % {"room": room.name, "capacity": room.capacity, "size": size}
        )
    if room.kind == Room.Kind.CHILDREN:
        problems.append(_("The children's space is not for youth sessions."))
    from .occupancy import over_the_maximum, room_taken

    # Mentoring and any other app's use of the room (registered: centre.occupancy).
    problems += room_taken(room, starts_at, ends_at)
    # Everyone in the building then: class sessions, children's bookings, mentoring sessions.
    full = over_the_maximum(session.centre, starts_at, ends_at, size, exclude_session=session)
    if full:
        problems.append(full)
    local_start = timezone.localtime(starts_at)
    local_end = timezone.localtime(ends_at)
    for row in TrainerUnavailability.objects.filter(trainer_id=session.trainer_id):
        if row.covers(
            local_start.weekday(), local_start.date(), local_start.time(), local_end.time()
        ):
            problems.append(
                _("The trainer is unavailable then (%(when)s).") % {"when": row.describe()}
            )
            break
    if timezone.localtime(starts_at).date() in set(
        Closure.objects.filter(centre=session.centre).values_list("date", flat=True)
    ):
        problems.append(_("The centre is closed that day."))
    return problems


@transaction.atomic
def session_move(*, session: Session, starts_at: dt.datetime, room: Room, actor) -> Session:
    # Lock the centre: a move and a booking made at once (children's space, mentoring) are
    # checked against the building's maximum one after the other.
    Centre.objects.select_for_update().get(pk=session.centre_id)
    session = (
        Session.objects.select_for_update().select_related("cohort", "centre").get(pk=session.pk)
    )
    problems = session_conflicts(session, starts_at, room)
    if problems:
        raise ValidationError(problems)
    duration = session.ends_at - session.starts_at
    session.starts_at, session.ends_at, session.room = starts_at, starts_at + duration, room
    try:
        with transaction.atomic():
            session.save(update_fields=["starts_at", "ends_at", "room"])
    except IntegrityError as exc:
        raise ValidationError(_("Someone booked that time a moment ago; choose another.")) from exc
    audit_record(actor=actor, action="session_move", centre=session.centre, obj=session)
    return session


# Why a session may not be cancelled, from the apps above: `fn(session)` returns the message
# (None when it may), registered when Django starts (learning: attendance was taken).
_CANCEL_REFUSALS: list = []


def register_session_cancel_refusal(fn) -> None:
    if fn not in _CANCEL_REFUSALS:
        _CANCEL_REFUSALS.append(fn)


@transaction.atomic
def session_cancel(*, session: Session, reason: str, actor, now=None) -> int:
    """Cancel a session that has not started (a trainer is ill, the centre closes early): it
    leaves the calendar, its room and the building's count, and every learner of the cohort
    with a phone gets an SMS in their language. Returns the number of messages queued.
    Raises ValidationError and changes nothing if the session has started, already has marks,
    or no reason is given."""
    from markaz.core.outbox import (
        Outgoing,
        key_of,
        message_language,
        outbox_queue_many,
        person_contacts,
    )
    from markaz.programmes.models import Enrolment

    now = now or timezone.now()
    session = (
        Session.objects.select_for_update().select_related("cohort", "room").get(pk=session.pk)
    )
    reason = (reason or "").strip()
    problems = []
    if not reason:
        problems.append(_("Say why the session is cancelled: the learners are told."))
    if session.starts_at <= now:
        problems.append(_("This session has started: it cannot be cancelled any more."))
    # Attendance taken (learning) and any other app's reason (registered below).
    problems += [m for fn in _CANCEL_REFUSALS if (m := fn(session))]
    if problems:
        raise ValidationError(problems)
    local = timezone.localtime(session.starts_at)
    learners = Enrolment.objects.filter(
        cohort=session.cohort, withdrawn_at__isnull=True
    ).select_related("person")
    messages = []
    for enrolment in learners:
        person = enrolment.person
        phone, email = person_contacts(person)
        if not (phone or email):
            continue
        language = message_language(person.preferred_language)
        with translation.override(language):
            text = _(
                "Markaz: the %(cohort)s session of %(date)s at %(time)s is cancelled (%(reason)s)."
            ) % {
                "cohort": session.cohort.code,
                "date": local.strftime("%d/%m"),
                "time": local.strftime("%H:%M"),
                "reason": reason,
            }
        messages.append(
            Outgoing(
                kind="session_cancelled",
                body=text,
                subject=text[:200],
                centre=session.centre,
                phone=phone,
                email=email,
                language=language,
                key=key_of("session_cancelled", session.pk, person.pk),
            )
        )
    outbox_queue_many(messages)
    audit_record(
        actor=actor,
        action="session_cancel",
        centre=session.centre,
        obj=session,
        detail={
            "cohort": session.cohort.code,
            "starts_at": session.starts_at.isoformat(),
            "room": session.room_id,
            "trainer": session.trainer_id,
            "reason": reason,
        },
    )
    session.delete()
    return len(messages)


# --- Reading the calendar ---------------------------------------------------------------------


def week_sessions(centre, monday: dt.date, *, room=None, cohort=None, trainer=None):
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(monday, dt.time(0), tzinfo=tz)
    qs = Session.objects.filter(
        centre=centre, starts_at__gte=start, starts_at__lt=start + dt.timedelta(days=7)
    )
    if room is not None:
        qs = qs.filter(room=room)
    if cohort is not None:
        qs = qs.filter(cohort=cohort)
    if trainer is not None:
        qs = qs.filter(trainer=trainer)
    return qs.select_related("cohort__programme", "room", "trainer")


def ical_feed(sessions, name: str) -> bytes:
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//Markaz//Berkane//FR")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    for s in sessions:
        event = Event()
        event.add("uid", f"session-{s.pk}@markaz")
        event.add("summary", f"{s.cohort.programme.title_fr} ({s.cohort.code})")
        event.add("location", s.room.name_fr)
        event.add("dtstart", s.starts_at)
        event.add("dtend", s.ends_at)
        event.add("dtstamp", timezone.now())
        cal.add_component(event)
    return cal.to_ical()


def ical_token(kind: str, pk: int) -> str:
    from django.core import signing

    return signing.dumps({"k": kind, "id": pk}, salt="markaz.ical")


def ical_resolve(token: str) -> tuple[str, int] | None:
    from django.core import signing

    try:
        data = signing.loads(token, salt="markaz.ical")
    except signing.BadSignature:
        return None
    return data["k"], data["id"]


def q_trainer_or_cohort(user):
    return Q(trainer=user) | Q(cohort__trainers=user)
