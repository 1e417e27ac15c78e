"""Writes for job fairs: the event, employers and youth registered, the interview schedule
(made by the engine `markaz/engine/jobfair.py` in a background job), manual edits checked by
the engine's own rule checker, late changes re-planned keeping the interviews already held, and
the schedules sent by SMS through the outbox.

Every function checks the actor, validates before writing (a ValidationError in words) and runs
in one transaction, so a refusal writes nothing."""

import datetime as dt
import hashlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from markaz.centre.models import Centre, Room
from markaz.core.access import has_role, user_centre_id
from markaz.core.outbox import (
    Outgoing,
    key_of,
    message_language,
    outbox_queue_many,
    person_contacts,
)
from markaz.core.services import audit_record, job_create
from markaz.engine import jobfair

from . import selectors
from . import selectors_fairs as fair_sel
from .models import FairEmployer, FairInterview, FairWish, FairYouth, JobFair

MAX_SLOTS = 48
MAX_TABLES = 20


def _require_manager(actor, centre_id: int) -> None:
    if not has_role(actor, selectors.MANAGER_ROLES) or user_centre_id(actor) != centre_id:
        raise PermissionDenied


def _require_open(fair: JobFair) -> None:
    if fair.status == JobFair.Status.SCHEDULING:
        raise ValidationError(
            _("The schedule is being made: wait until it is ready, then change it.")
        )


# --- The building's maximum (kept in one place: re-point it to the centre's calendar) ----------


def centre_capacity_problem(fair: JobFair, people: int) -> str | None:
    """Whether `people` at the fair fit in the building during the fair, when it is held at the
    centre: the centre's opening hours and maximum occupancy, checked by the centre's own
    occupancy rules (`markaz.centre.occupancy`), with the centre row locked as the other
    bookings do. None when it fits (or when the fair is held elsewhere).

    INTEGRATION NOTE: the centre's `building_load` does not yet count fairs (it knows class
    sessions, children's visits and mentoring sessions); when the centre's booking calendar
    lands, this call is the one to re-point, and `fair_sel.fair_occupancy_items` gives the
    fair's (start, end, people) for the calendar to count."""
    from markaz.centre.occupancy import opening_problem, over_the_maximum

    if fair.place != JobFair.Place.CENTRE:
        return None
    centre = Centre.objects.select_for_update().get(pk=fair.centre_id)
    start, end = fair_sel.fair_bounds(fair)
    problem = opening_problem(centre, start, end)
    if problem is not None and problem[0] == "closed":
        return _("The centre is closed that day.")
    if problem is not None and problem[0] == "hours":
        return _("The centre is open %(hours)s that day; the fair must fit in those hours.") % {
            "hours": problem[1]
        }
    return over_the_maximum(centre, start, end, people)


# --- The event ----------------------------------------------------------------------------------


@transaction.atomic
def fair_save(
    *,
    centre,
    fair: JobFair | None = None,
    name_fr: str,
    name_ar: str,
    date: dt.date | None,
    start_time: dt.time | None,
    end_time: dt.time | None,
    slot_minutes: int | None,
    place: str,
    room: Room | None = None,
    address: str = "",
    commune=None,
    actor,
) -> JobFair:
    _require_manager(actor, centre.pk)
    errors: dict = {}
    name_fr, name_ar = (name_fr or "").strip(), (name_ar or "").strip()
    if not name_fr:
        errors["name_fr"] = _("Give the name in French.")
    if not name_ar:
        errors["name_ar"] = _("Give the name in Arabic.")
    if date is None:
        errors["date"] = _("Give the date.")
    elif fair is None and date < timezone.localdate():
        errors["date"] = _("A new fair cannot be in the past.")
    if start_time is None or end_time is None:
        errors["end_time"] = _("Give the start and end times.")
    elif end_time <= start_time:
        errors["end_time"] = _("The end must come after the start.")
    if not slot_minutes or slot_minutes < 5 or slot_minutes > 240:
        errors["slot_minutes"] = _("An interview lasts from 5 to 240 minutes.")
    if place not in JobFair.Place.values:
        errors["place"] = _("Choose where the fair is held.")
    elif place == JobFair.Place.CENTRE:
        if room is not None and room.centre_id != centre.pk:
            errors["room"] = _("Choose one of the centre's rooms.")
        address, commune = "", None
    else:
        room = None
        if not (address or "").strip():
            errors["address"] = _("Give the address of the fair.")
        if commune is None:
            errors["commune"] = _("Choose the commune.")
    if errors:
        raise ValidationError(errors)
    new = fair is None
    old_slots = len(fair_sel.fair_slots(fair)) if fair else 0
    fair = fair or JobFair(centre=centre, created_by=actor)
    _require_open(fair)
    fair.name_fr, fair.name_ar, fair.date = name_fr, name_ar, date
    fair.start_time, fair.end_time, fair.slot_minutes = start_time, end_time, slot_minutes
    fair.place, fair.room, fair.address, fair.commune = (
        place,
        room,
        (address or "").strip(),
        commune,
    )
    n = len(fair_sel.fair_slots(fair))
    if n == 0:
        raise ValidationError(
            {"slot_minutes": _("No interview fits between the start and the end.")}
        )
    if n > MAX_SLOTS:
        raise ValidationError(
            {
                "slot_minutes": _("At most %(n)s slots in a day: make interviews longer.")
                % {"n": MAX_SLOTS}
            }
        )
    if not new and n != old_slots and fair.interviews.exists():
        raise ValidationError(
            {"slot_minutes": _("The schedule is made: the slots can no longer change.")}
        )
    problem = centre_capacity_problem(fair, fair_sel.fair_people(fair))
    if problem:
        raise ValidationError({"place": problem})
    fair.full_clean()
    fair.save()
    audit_record(actor=actor, action="jobfair_save", centre=centre, obj=fair)
    return fair


def _slots(value, n: int, errors: dict) -> list[int]:
    if value is None:
        return list(range(n))
    try:
        slots = sorted({int(s) for s in value})
    except (TypeError, ValueError):
        slots = []
    if not slots or slots[0] < 0 or slots[-1] >= n:
        errors["slots"] = _("Choose at least one slot of the fair.")
    return slots


@transaction.atomic
def fair_employer_register(
    *,
    fair: JobFair,
    employer,
    tables: int | None,
    max_interviews: int | None,
    slots=None,
    actor,
) -> FairEmployer:
    _require_manager(actor, fair.centre_id)
    _require_open(fair)
    errors: dict = {}
    n = len(fair_sel.fair_slots(fair))
    if employer is None or employer.centre_id != fair.centre_id:
        errors["employer"] = _("Choose an employer of the centre.")
    elif fair.employers.filter(employer=employer).exists():
        errors["employer"] = _("This employer is already registered at the fair.")
    if not tables or not 1 <= tables <= MAX_TABLES:
        errors["tables"] = _("From 1 to %(n)s tables.") % {"n": MAX_TABLES}
    if not max_interviews or max_interviews < 1:
        errors["max_interviews"] = _("At least one interview.")
    slot_list = _slots(slots, n, errors)
    if errors:
        raise ValidationError(errors)
    problem = centre_capacity_problem(fair, fair_sel.fair_people(fair, extra_tables=tables))
    if problem:
        raise ValidationError({"tables": problem})
    if (
        fair.room_id
        and 2 * (sum(fair.employers.values_list("tables", flat=True)) + tables) > fair.room.capacity
    ):
        raise ValidationError(
            {
                "tables": _("%(room)s seats %(capacity)s people: not enough room for these tables.")
                % {"room": fair.room.name, "capacity": fair.room.capacity}
            }
        )
    fe = FairEmployer(
        fair=fair, employer=employer, tables=tables, max_interviews=max_interviews, slots=slot_list
    )
    fe.full_clean()
    fe.save()
    # The youth already registered who fit this employer want to meet it too.
    registered = list(fair.youth.select_related("person__commune"))
    values = fair_sel.pair_values([fy.person for fy in registered], [fe])
    FairWish.objects.bulk_create(
        [
            FairWish(youth=fy, employer=fe, value=values[fy.person_id, fe.pk])
            for fy in registered
            if (fy.person_id, fe.pk) in values
        ]
    )
    audit_record(actor=actor, action="jobfair_employer", centre=fair.centre, obj=fe)
    return fe


@transaction.atomic
def fair_youth_register(
    *,
    fair: JobFair,
    person,
    max_interviews: int | None,
    slots=None,
    employers=None,
    actor,
) -> FairYouth:
    """Register a youth; the employers they want to meet are `employers`, or (None) every
    employer of the fair that the jobs matching finds fitting them, each with its match score
    as the value of their meeting. The youth gets a badge for the door if they have none."""
    from markaz.centre.services import badge_for

    selectors.jobs_centre_for_user(actor)
    if user_centre_id(actor) != fair.centre_id:
        raise PermissionDenied
    if not selectors.can_work_person(actor, person):
        raise selectors.not_your_youth()
    _require_open(fair)
    errors: dict = {}
    n = len(fair_sel.fair_slots(fair))
    if fair.youth.filter(person=person).exists():
        errors["person"] = _("This youth is already registered at the fair.")
    if not max_interviews or not 1 <= max_interviews <= n:
        errors["max_interviews"] = _("From 1 to %(n)s interviews.") % {"n": n}
    slot_list = _slots(slots, n, errors)
    fair_employers = list(fair.employers.select_related("employer"))
    values = fair_sel.pair_values([person], fair_employers)
    if employers is None:
        chosen = [fe for fe in fair_employers if (person.pk, fe.pk) in values]
    else:
        chosen = list({fe.pk: fe for fe in employers}.values())
        if any(fe.fair_id != fair.pk for fe in chosen):
            errors["employers"] = _("Choose employers registered at this fair.")
    if errors:
        raise ValidationError(errors)
    problem = centre_capacity_problem(fair, fair_sel.fair_people(fair, extra_youth=1))
    if problem:
        raise ValidationError({"person": problem})
    fy = FairYouth(fair=fair, person=person, max_interviews=max_interviews, slots=slot_list)
    fy.full_clean()
    fy.save()
    FairWish.objects.bulk_create(
        [FairWish(youth=fy, employer=fe, value=values.get((person.pk, fe.pk), 1)) for fe in chosen]
    )
    badge_for(person)
    audit_record(actor=actor, action="jobfair_youth", centre=fair.centre, obj=fy)
    return fy


# --- The schedule ---------------------------------------------------------------------------------


@transaction.atomic
def fair_schedule_start(*, fair: JobFair, actor, replan_from: int | None = None) -> JobFair:
    """Queue the engine in the background (a job with a progress bar). With `replan_from`, the
    late changes are re-planned from that slot, keeping the interviews held before it."""
    from .tasks import fair_schedule_task

    _require_manager(actor, fair.centre_id)
    fair = JobFair.objects.select_for_update().get(pk=fair.pk)
    _require_open(fair)
    if not fair.employers.exists() or not fair.youth.exists():
        raise ValidationError(_("Register employers and youth before making the schedule."))
    n = len(fair_sel.fair_slots(fair))
    if replan_from is not None and not 0 <= replan_from < n:
        raise ValidationError(_("Choose a slot of the fair."))
    job = job_create(kind="jobfair", centre=fair.centre, created_by=actor, total=3)
    fair.job, fair.status, fair.replan_from = job, JobFair.Status.SCHEDULING, replan_from
    fair.save(update_fields=["job", "status", "replan_from"])
    audit_record(
        actor=actor,
        action="jobfair_schedule",
        centre=fair.centre,
        obj=fair,
        detail={"replan_from": replan_from},
    )
    transaction.on_commit(lambda: fair_schedule_task.enqueue(fair_id=fair.pk, job_id=str(job.pk)))
    return fair


def fair_schedule_execute(
    *, fair_id: int, progress=None, time_limit_s: float | None = None
) -> dict:
    """Build the engine's instance from the database, solve (or re-plan the late changes,
    keeping the interviews held), and store the interviews in one transaction."""
    fair = JobFair.objects.get(pk=fair_id)
    limit = fair_sel.DEFAULT_TIME_LIMIT_S if time_limit_s is None else time_limit_s
    if progress:
        progress(1, 3)
    if fair.replan_from is None:
        result = jobfair.solve(fair_sel.fair_instance(fair, time_limit_s=limit))
    else:
        base = fair_sel.fair_instance(fair, time_limit_s=limit, late=False)
        n = len(base.slots)
        result = jobfair.replan(
            base,
            fair_sel.fair_interviews_engine(fair),
            from_slot=fair.replan_from,
            employers_leaving={
                fe.pk: min(fe.leaves_from, n - 1)
                for fe in fair.employers.filter(leaves_from__isnull=False)
            },
            youth_absent=list(fair.youth.filter(absent=True).values_list("pk", flat=True)),
        )
    if progress:
        progress(2, 3)
    with transaction.atomic():
        fair = JobFair.objects.select_for_update().get(pk=fair_id)
        fair.interviews.all().delete()
        FairInterview.objects.bulk_create(
            [
                FairInterview(fair=fair, youth_id=iv.youth, employer_id=iv.employer, slot=iv.slot)
                for iv in result.interviews
            ]
        )
        summary = {
            "status": result.status,
            "interviews": len(result.interviews),
            "youth_with_interview": result.youth_with_interview,
            "youth_bound": result.youth_bound,
            "value": result.value,
            "value_bound": result.value_bound,
            "replan_from": fair.replan_from,
        }
        fair.result, fair.status = summary, JobFair.Status.SCHEDULED
        fair.save(update_fields=["result", "status"])
    return summary


def fair_schedule_failed(*, fair_id: int) -> None:
    JobFair.objects.filter(pk=fair_id).update(status=JobFair.Status.FAILED)


# --- Manual edits and late changes ------------------------------------------------------------------


def _rule_message(problem: str) -> str:
    """The engine's rule (English, for developers) said in the user's language."""
    if "two interviews in slot" in problem:
        return _("This youth already has an interview in that slot.")
    if "twice" in problem:
        return _("This youth already meets this employer.")
    if "not a listed pair" in problem:
        return _("This youth did not ask to meet this employer.")
    if problem.startswith("youth") and "not available" in problem:
        return _("This youth is not available in that slot.")
    if problem.startswith("employer") and "not available" in problem:
        return _("This employer is not there in that slot.")
    if problem.startswith("employer") and "interviews in slot" in problem:
        return _("Every table of this employer is taken in that slot.")
    if problem.startswith("youth"):
        return _("This youth already has the most interviews they asked for.")
    if problem.startswith("employer"):
        return _("This employer already holds the most interviews it accepts.")
    return _("This interview breaks a rule of the fair.")


@transaction.atomic
def fair_interview_save(
    *,
    fair: JobFair,
    youth: FairYouth,
    employer: FairEmployer,
    slot: int | None,
    interview: FairInterview | None = None,
    actor,
) -> FairInterview:
    """Add an interview by hand, or move one (another slot or employer). The whole schedule
    after the edit is checked by the engine's rules (`check_schedule`): a youth twice in a
    slot, a table taken, someone not there, a pair not asked for, a maximum passed — refused
    with the reason, nothing written. A pair not yet asked for is added when the youth asks."""
    _require_manager(actor, fair.centre_id)
    fair = JobFair.objects.select_for_update().get(pk=fair.pk)
    _require_open(fair)
    if youth.fair_id != fair.pk or employer.fair_id != fair.pk:
        raise ValidationError(_("Choose a youth and an employer registered at this fair."))
    if interview is not None and interview.fair_id != fair.pk:
        raise ValidationError(_("Choose an interview of this fair."))
    n = len(fair_sel.fair_slots(fair))
    if slot is None or not 0 <= slot < n:
        raise ValidationError({"slot": _("Choose a slot of the fair.")})
    instance = fair_sel.fair_instance(fair)
    if not FairWish.objects.filter(youth=youth, employer=employer).exists():
        # A manual interview is a wish too: check it as a pair with the lowest value.
        instance = jobfair.Instance(
            slots=instance.slots,
            youth=instance.youth,
            employers=instance.employers,
            pairs=(*instance.pairs, jobfair.Pair(youth.pk, employer.pk, 1)),
        )
        add_wish = True
    else:
        add_wish = False
    schedule = fair_sel.fair_interviews_engine(fair, exclude=interview)
    before = set(jobfair.check_schedule(instance, schedule))  # e.g. a youth now marked absent
    schedule.append(jobfair.Interview(youth.pk, employer.pk, slot))
    problems = [p for p in jobfair.check_schedule(instance, schedule) if p not in before]
    if problems:
        raise ValidationError({"slot": sorted({_rule_message(p) for p in problems})})
    if add_wish:
        FairWish.objects.create(youth=youth, employer=employer, value=1)
    interview = interview or FairInterview(fair=fair)
    interview.youth, interview.employer, interview.slot, interview.manual = (
        youth,
        employer,
        slot,
        True,
    )
    interview.full_clean()
    interview.save()
    audit_record(actor=actor, action="jobfair_interview", centre=fair.centre, obj=interview)
    return interview


@transaction.atomic
def fair_interview_delete(*, interview: FairInterview, actor) -> None:
    _require_manager(actor, interview.fair.centre_id)
    _require_open(interview.fair)
    audit_record(
        actor=actor, action="jobfair_interview_delete", centre=interview.fair.centre, obj=interview
    )
    interview.delete()


@transaction.atomic
def fair_employer_leaves(*, employer: FairEmployer, from_slot: int | None, actor) -> FairEmployer:
    """An employer leaves early: it is gone from `from_slot` on (re-plan to move its later
    interviews)."""
    _require_manager(actor, employer.fair.centre_id)
    _require_open(employer.fair)
    n = len(fair_sel.fair_slots(employer.fair))
    if from_slot is None or not 0 <= from_slot < n:
        raise ValidationError({"from_slot": _("Choose a slot of the fair.")})
    employer.leaves_from = from_slot
    employer.save(update_fields=["leaves_from"])
    audit_record(
        actor=actor, action="jobfair_employer_leaves", centre=employer.fair.centre, obj=employer
    )
    return employer


@transaction.atomic
def fair_youth_absent(*, youth: FairYouth, absent: bool = True, actor) -> FairYouth:
    """A youth did not come (re-plan to give their places to others)."""
    _require_manager(actor, youth.fair.centre_id)
    _require_open(youth.fair)
    youth.absent = absent
    youth.save(update_fields=["absent"])
    audit_record(actor=actor, action="jobfair_youth_absent", centre=youth.fair.centre, obj=youth)
    return youth


# --- Sending the schedules -----------------------------------------------------------------------


def schedule_text(registration: FairYouth) -> str:
    """The youth's schedule as one SMS, in the active language."""
    fair = registration.fair
    rows = fair_sel.youth_schedule(registration)
    lines = [
        _("%(time)s %(employer)s (table %(table)s)")
        % {
            "time": timezone.localtime(r["slot"].starts_at).strftime("%H:%M"),
            "employer": r["employer"].name,
            "table": r["table"],
        }
        for r in rows
        if r["slot"] is not None
    ]
    where = (
        fair.room.name
        if fair.room_id
        else (fair.address if fair.place == JobFair.Place.ELSEWHERE else str(fair.centre))
    )
    return _("%(fair)s, %(date)s, %(place)s. Your interviews: %(list)s. Bring your badge.") % {
        "fair": fair.name,
        "date": fair.date.strftime("%d/%m/%Y"),
        "place": where,
        "list": "; ".join(lines),
    }


@transaction.atomic
def fair_schedule_notify(*, fair: JobFair, actor) -> int:
    """Queue each youth's schedule by SMS (and e-mail where known), in their language. Sent once
    per schedule: a changed schedule (after a re-plan) is sent again."""
    _require_manager(actor, fair.centre_id)
    if fair.status != JobFair.Status.SCHEDULED:
        raise ValidationError(_("Make the schedule before sending it."))
    items = []
    for registration in fair.youth.filter(absent=False).select_related(
        "person", "fair__room", "fair__centre"
    ):
        if not registration.interviews.exists():
            continue
        person = registration.person
        phone, email = person_contacts(person)
        if not (phone or email):
            continue  # no way to reach them: their card is printed at the centre
        language = message_language(person.preferred_language)
        with translation.override(language):
            body = schedule_text(registration)
            subject = _("Your interviews at the job fair")
        digest = hashlib.sha256(body.encode()).hexdigest()[:12]
        items.append(
            Outgoing(
                kind="jobfair_schedule",
                body=body,
                subject=subject,
                centre=fair.centre,
                phone=phone,
                email=email,
                language=language,
                key=key_of("jobfair_schedule", fair.pk, registration.pk, digest),
            )
        )
    queued = outbox_queue_many(items)
    audit_record(
        actor=actor,
        action="jobfair_notify",
        centre=fair.centre,
        obj=fair,
        detail={"queued": queued},
    )
    return queued
