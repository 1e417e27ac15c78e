"""Writes for mentoring: caseloads, action plans, mentoring sessions, notes, baselines and
outcome follow-ups (with their SMS reminders).

Every function takes keyword-only arguments, runs in one transaction, checks who acts, and raises
PermissionDenied or ValidationError (every problem in words, in the active language) having
written nothing.
"""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from markaz.centre.models import Centre, Room, Session
from markaz.centre.occupancy import opening_problem, over_the_maximum
from markaz.core.access import user_centre_id, user_role
from markaz.core.i18n import pick
from markaz.core.models import StaffProfile
from markaz.core.outbox import (
    Outgoing,
    key_of,
    message_language,
    outbox_queue_many,
    person_contacts,
    staff_contacts,
)
from markaz.core.roles import Role
from markaz.core.services import audit_record
from markaz.programmes.models import Cohort, Enrolment, Programme
from markaz.registry.models import Language, Person, Purpose

from . import rules, selectors
from .models import (
    MAX_MONTHLY_INCOME_MAD,
    ActionPlan,
    ActionStep,
    Baseline,
    EmploymentStatus,
    FollowUp,
    Goal,
    IncomeBand,
    MentorAssignment,
    MentoringNote,
    MentoringParticipant,
    MentoringSession,
    MentorProfile,
    Referral,
)

MAX_NOTE_LENGTH = 5000
MAX_REFERRAL_AMOUNT_MAD = Decimal("5000000")
MAX_JOBS_CREATED = 500
# How many days ahead a follow-up's SMS reminder goes out.
REMINDER_DAYS = 7
# The language of an SMS for each preferred language (Amazigh speakers get Arabic until the
# catalogues have Amazigh).
SMS_LANGUAGE = {Language.ARABIC: "ar", Language.FRENCH: "fr", Language.AMAZIGH: "ar"}


def _require_manager(actor, centre_id: int) -> None:
    if not selectors.is_manager_of(actor, centre_id):
        raise PermissionDenied


def _require_follower(actor, person: Person) -> None:
    """Coordinators/admins of the person's centre, or the person's current mentor."""
    if not selectors.can_follow(actor, person):
        raise selectors.not_your_mentee()


# --- Mentor profiles and caseloads ------------------------------------------------------------


@transaction.atomic
def mentor_profile_save(
    *, mentor, languages: list[str], tracks: list[str], max_caseload: int, actor
) -> MentorProfile:
    """Set what a mentor offers (languages, tracks) and their largest caseload."""
    centre_id = user_centre_id(mentor)
    if user_role(mentor) != Role.MENTOR or centre_id is None:
        raise ValidationError(_("This person is not a mentor of the centre."))
    _require_manager(actor, centre_id)
    errors = {}
    if set(languages) - set(Language.values):
        errors["languages"] = _("Unknown language.")
    if set(tracks) - set(Programme.Track.values):
        errors["tracks"] = _("Unknown track.")
    load = MentorAssignment.objects.filter(mentor=mentor, ended_at__isnull=True).count()
    if not 1 <= (max_caseload or 0) <= 200:
        errors["max_caseload"] = _("The largest caseload is between 1 and 200 youth.")
    elif max_caseload < load:
        errors["max_caseload"] = _(
            "This mentor already follows %(load)s youth: the largest caseload cannot be lower."
        ) % {"load": load}
    if errors:
        raise ValidationError(errors)
    profile = MentorProfile.objects.filter(user=mentor).first() or MentorProfile(
        user=mentor, centre_id=centre_id
    )
    profile.languages = sorted(set(languages))
    profile.tracks = sorted(set(tracks))
    profile.max_caseload = max_caseload
    profile.full_clean()
    profile.save()
    audit_record(actor=actor, action="mentor_profile_save", centre=profile.centre, obj=profile)
    return profile


@transaction.atomic
def assignment_create(*, person: Person, mentor, actor, now=None) -> MentorAssignment:
    """Give a youth a mentor. A youth already followed by another mentor is reassigned: the open
    assignment is ended (kept as history) and a new one opened. Refused for a youth not enrolled
    in the centre, for someone who is not a mentor of the centre, and over the mentor's largest
    caseload."""
    now = now or timezone.now()
    _require_manager(actor, person.centre_id)
    # One assignment decision per youth at a time, and one per mentor's caseload.
    person = Person.objects.select_for_update().get(pk=person.pk)
    profile = (
        MentorProfile.objects.select_for_update()
        .filter(user=mentor, centre_id=person.centre_id)
        .first()
    )
    name = mentor.get_full_name() or mentor.get_username()
    if profile is None or user_role(mentor) != Role.MENTOR:
        raise ValidationError(
            _("%(mentor)s is not a mentor of this centre (no mentor profile).") % {"mentor": name}
        )
    if person.merged_into_id is not None or not selectors.is_enrolled(person):
        raise ValidationError(
            _("Only a youth enrolled in one of the centre's cohorts can be given a mentor.")
        )
    current = MentorAssignment.objects.filter(person=person, ended_at__isnull=True).first()
    if current is not None and current.mentor_id == mentor.pk:
        raise ValidationError(
            _("%(person)s is already followed by %(mentor)s.")
            % {"person": person.full_name, "mentor": name}
        )
    load = MentorAssignment.objects.filter(mentor=mentor, ended_at__isnull=True).count()
    if load >= profile.max_caseload:
        raise ValidationError(
            _(
                "%(mentor)s already follows %(load)s youth, their largest caseload. Choose "
                "another mentor or raise their caseload."
            )
            % {"mentor": name, "load": load}
        )
    if current is not None:
        current.ended_at = now
        current.save(update_fields=["ended_at"])
        audit_record(
            actor=actor,
            action="mentor_assignment_end",
            centre=person.centre,
            obj=current,
            detail={"reassigned_to": mentor.pk},
        )
    assignment = MentorAssignment(
        centre_id=person.centre_id,
        person=person,
        mentor=mentor,
        assigned_at=now,
        assigned_by=actor,
    )
    assignment.full_clean()
    assignment.save()
    audit_record(
        actor=actor, action="mentor_assignment_create", centre=person.centre, obj=assignment
    )
    return assignment


@transaction.atomic
def assignment_end(*, assignment: MentorAssignment, actor, now=None) -> MentorAssignment:
    """End an open assignment (the youth then has no mentor); the row stays as history."""
    _require_manager(actor, assignment.centre_id)
    assignment = MentorAssignment.objects.select_for_update().get(pk=assignment.pk)
    if assignment.ended_at is not None:
        raise ValidationError(_("This assignment has already ended."))
    assignment.ended_at = now or timezone.now()
    assignment.save(update_fields=["ended_at"])
    audit_record(
        actor=actor, action="mentor_assignment_end", centre=assignment.centre, obj=assignment
    )
    return assignment


# --- Action plans -----------------------------------------------------------------------------


@transaction.atomic
def action_plan_save(*, person: Person, goal: str, summary: str, actor) -> ActionPlan:
    """Create or update the youth's action plan (one per youth)."""
    _require_follower(actor, person)
    if goal not in Goal.values:
        raise ValidationError({"goal": _("Choose the plan's goal.")})
    plan = ActionPlan.objects.filter(person=person).first() or ActionPlan(
        person=person, centre_id=person.centre_id, created_by=actor
    )
    plan.goal = goal
    plan.summary = (summary or "").strip()
    plan.full_clean()
    plan.save()
    audit_record(actor=actor, action="action_plan_save", centre=plan.centre, obj=plan)
    return plan


@transaction.atomic
def action_step_add(*, plan: ActionPlan, title: str, due_on: dt.date, actor) -> ActionStep:
    _require_follower(actor, plan.person)
    title = (title or "").strip()
    errors = {}
    if not title:
        errors["title"] = _("Say what the step is.")
    if due_on is None:
        errors["due_on"] = _("Give the step's due date.")
    if errors:
        raise ValidationError(errors)
    step = ActionStep(plan=plan, title=title, due_on=due_on)
    step.full_clean()
    step.save()
    audit_record(actor=actor, action="action_step_add", centre=plan.centre, obj=step)
    return step


@transaction.atomic
def action_step_set_done(*, step: ActionStep, done: bool, actor, today=None) -> ActionStep:
    """Mark a step done today (or not done again)."""
    _require_follower(actor, step.plan.person)
    step = ActionStep.objects.select_for_update().get(pk=step.pk)
    step.done_on = (today or timezone.localdate()) if done else None
    step.save(update_fields=["done_on"])
    audit_record(
        actor=actor,
        action="action_step_done" if done else "action_step_reopen",
        centre=step.plan.centre,
        obj=step,
    )
    return step


def _amount(value, errors: dict, field: str, maximum: Decimal) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors[field] = _("Enter an amount in dirhams, for example 2500.")
        return None
    if not amount.is_finite():
        errors[field] = _("Enter an amount in dirhams, for example 2500.")
        return None
    if amount < 0:
        errors[field] = _("An amount cannot be negative.")
    elif amount > maximum:
        errors[field] = _(
            "%(amount)s MAD is more than the largest plausible amount (%(max)s MAD): check the "
            "figure."
        ) % {"amount": _plain(amount), "max": _plain(maximum)}
    return amount.quantize(Decimal("0.01"))


def _plain(amount: Decimal) -> str:
    return f"{amount:,.0f}".replace(",", " ")


@transaction.atomic
def referral_add(
    *,
    plan: ActionPlan,
    kind: str,
    organisation: str = "",
    referred_on: dt.date,
    status: str = Referral.Status.SENT,
    amount_mad=None,
    actor,
    today=None,
) -> Referral:
    """Refer the youth to ANAPEC, a microcredit association, INDH financing or a bank."""
    _require_follower(actor, plan.person)
    today = today or timezone.localdate()
    errors: dict = {}
    if kind not in Referral.Kind.values:
        errors["kind"] = _("Choose where the youth is referred.")
    if status not in Referral.Status.values:
        errors["status"] = _("Unknown status.")
    if referred_on is None:
        errors["referred_on"] = _("Give the date of the referral.")
    elif referred_on > today:
        errors["referred_on"] = _("The date of the referral cannot be in the future.")
    amount = _amount(amount_mad, errors, "amount_mad", MAX_REFERRAL_AMOUNT_MAD)
    if errors:
        raise ValidationError(errors)
    referral = Referral(
        plan=plan,
        kind=kind,
        organisation=(organisation or "").strip(),
        referred_on=referred_on,
        status=status,
        amount_mad=amount,
    )
    referral.full_clean()
    referral.save()
    audit_record(actor=actor, action="referral_add", centre=plan.centre, obj=referral)
    return referral


@transaction.atomic
def referral_update(*, referral: Referral, status: str, amount_mad=None, actor) -> Referral:
    """Record the answer to a referral (accepted, refused) and the amount financed."""
    _require_follower(actor, referral.plan.person)
    errors: dict = {}
    if status not in Referral.Status.values:
        errors["status"] = _("Unknown status.")
    amount = _amount(amount_mad, errors, "amount_mad", MAX_REFERRAL_AMOUNT_MAD)
    if errors:
        raise ValidationError(errors)
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    referral.status = status
    referral.amount_mad = amount
    referral.full_clean()
    referral.save(update_fields=["status", "amount_mad"])
    audit_record(actor=actor, action="referral_update", centre=referral.plan.centre, obj=referral)
    return referral


# --- Mentoring sessions -----------------------------------------------------------------------


def _overlapping(qs, starts_at, ends_at):
    return qs.filter(starts_at__lt=ends_at, ends_at__gt=starts_at)


def session_problems(
    *,
    centre: Centre,
    mentor,
    room: Room | None,
    kind: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    people: list[Person],
) -> list[str]:
    """Every rule a mentoring session would break, in words (empty: it may be booked)."""
    problems = []
    count = len(people)
    if kind not in MentoringSession.Kind.values:
        problems.append(_("Choose an individual or a group session."))
    elif kind == MentoringSession.Kind.INDIVIDUAL and count != 1:
        problems.append(_("An individual session is with exactly one youth."))
    elif kind == MentoringSession.Kind.GROUP and count < 2:
        problems.append(_("A group session needs at least two youth."))
    if any(p.centre_id != centre.pk for p in people):
        problems.append(_("Only youth of this centre can take part."))
    if room is None or room.centre_id != centre.pk:
        problems.append(_("Choose one of the centre's mentoring rooms."))
        room = None
    elif room.kind != Room.Kind.MENTORING:
        problems.append(
            _("%(room)s is not a mentoring room: book a mentoring room.") % {"room": room.name}
        )
    elif count > room.capacity:
        problems.append(
            _("%(room)s seats %(capacity)s people; %(count)s youth do not fit.")
            % {"room": room.name, "capacity": room.capacity, "count": count}
        )
    if ends_at <= starts_at:
        problems.append(_("The end must come after the start."))
        return problems
    problem = opening_problem(centre, starts_at, ends_at)
    if problem is not None and problem[0] == "days":
        problems.append(_("A session starts and ends on the same day."))
        return problems
    if problem is not None and problem[0] == "closed":
        problems.append(_("The centre is closed that day."))
    elif problem is not None:
        problems.append(
            _("The centre is open %(hours)s that day; the session must fit in those hours.")
            % {"hours": problem[1]}
        )
    if room is not None:
        clash = (
            _overlapping(MentoringSession.objects.filter(room=room), starts_at, ends_at)
            .select_related("mentor")
            .first()
        )
        if clash is not None:
            problems.append(
                _("%(room)s is already booked from %(start)s to %(end)s by %(mentor)s.")
                % {
                    "room": room.name,
                    "start": f"{timezone.localtime(clash.starts_at):%H:%M}",
                    "end": f"{timezone.localtime(clash.ends_at):%H:%M}",
                    "mentor": clash.mentor.get_full_name() or clash.mentor.get_username(),
                }
            )
        lesson = (
            _overlapping(Session.objects.filter(room=room), starts_at, ends_at)
            .select_related("cohort")
            .first()
        )
        if lesson is not None:
            problems.append(
                _("%(room)s holds a class of cohort %(cohort)s from %(start)s to %(end)s.")
                % {
                    "room": room.name,
                    "cohort": lesson.cohort.code,
                    "start": f"{timezone.localtime(lesson.starts_at):%H:%M}",
                    "end": f"{timezone.localtime(lesson.ends_at):%H:%M}",
                }
            )
    if mentor is not None and (
        _overlapping(MentoringSession.objects.filter(mentor=mentor), starts_at, ends_at).exists()
        or _overlapping(Session.objects.filter(trainer=mentor), starts_at, ends_at).exists()
    ):
        problems.append(
            _("%(mentor)s already has a session at that time.")
            % {"mentor": mentor.get_full_name() or mentor.get_username()}
        )
    busy = MentoringParticipant.objects.filter(
        person__in=people, session__starts_at__lt=ends_at, session__ends_at__gt=starts_at
    ).select_related("person")
    for participant in busy:
        problems.append(
            _("%(name)s already has a mentoring session at that time.")
            % {"name": participant.person.full_name}
        )
    full = over_the_maximum(centre, starts_at, ends_at, count)
    if full:
        problems.append(full)
    return problems


@transaction.atomic
def mentoring_session_book(
    *,
    centre: Centre,
    mentor,
    room: Room | None,
    kind: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    people: list[Person],
    topic: str = "",
    actor,
) -> MentoringSession:
    """Book a mentoring session in a mentoring room with its participants. A mentor books for
    themselves with their own mentees; a coordinator for any mentor of the centre. Raises
    ValidationError (every problem at once) and writes nothing when a rule breaks: the room's
    kind and size, the room or the mentor already taken (mentoring sessions and youth classes),
    the opening hours, the building's maximum occupancy."""
    # Lock the centre: two bookings made at once are checked one after the other (as the
    # children's space and the door do).
    centre = Centre.objects.select_for_update().get(pk=centre.pk)
    is_manager = selectors.is_manager_of(actor, centre.pk)
    if not is_manager:
        if user_role(actor) != Role.MENTOR or user_centre_id(actor) != centre.pk:
            raise PermissionDenied
        if mentor.pk != actor.pk:
            raise selectors.MentoringDenied(_("A mentor books sessions for themselves only."))
    if user_role(mentor) != Role.MENTOR or user_centre_id(mentor) != centre.pk:
        raise ValidationError(_("Choose a mentor of the centre."))
    people = list({p.pk: p for p in people}.values())
    if not is_manager:
        own = set(
            MentorAssignment.objects.filter(
                mentor=actor, ended_at__isnull=True, person__in=people
            ).values_list("person_id", flat=True)
        )
        if any(p.pk not in own for p in people):
            raise selectors.not_your_mentee()
    problems = session_problems(
        centre=centre,
        mentor=mentor,
        room=room,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        people=people,
    )
    if problems:
        raise ValidationError(problems)
    session = MentoringSession(
        centre=centre,
        mentor=mentor,
        room=room,
        kind=kind,
        topic=(topic or "").strip(),
        starts_at=starts_at,
        ends_at=ends_at,
    )
    session.full_clean()
    session.save()
    MentoringParticipant.objects.bulk_create(
        MentoringParticipant(session=session, person=p) for p in people
    )
    audit_record(
        actor=actor,
        action="mentoring_session_book",
        centre=centre,
        obj=session,
        detail={"people": [p.pk for p in people]},
    )
    return session


@transaction.atomic
def mentoring_session_cancel(*, session: MentoringSession, actor, now=None) -> None:
    """Cancel a session that has not started (a past one happened: it stays)."""
    if session.mentor_id != actor.pk and not selectors.is_manager_of(actor, session.centre_id):
        raise PermissionDenied
    session = MentoringSession.objects.select_for_update().get(pk=session.pk)
    if session.starts_at <= (now or timezone.now()):
        raise ValidationError(_("This session has started: it cannot be cancelled any more."))
    audit_record(
        actor=actor,
        action="mentoring_session_cancel",
        centre=session.centre,
        obj=session,
        detail={
            "starts_at": session.starts_at.isoformat(),
            "people": list(session.attendance.values_list("person_id", flat=True)),
        },
    )
    session.delete()


@transaction.atomic
def mentoring_attendance_record(
    *, session: MentoringSession, attended: dict[int, bool], actor, now=None
) -> list[MentoringParticipant]:
    """Mark who came, once the session has started. `attended` maps person id → came, for
    exactly the session's participants."""
    if session.mentor_id != actor.pk and not selectors.is_manager_of(actor, session.centre_id):
        raise PermissionDenied
    if session.starts_at > (now or timezone.now()):
        raise ValidationError(_("Mark attendance once the session has started."))
    participants = {p.person_id: p for p in MentoringParticipant.objects.filter(session=session)}
    if set(attended) != set(participants):
        raise ValidationError(_("The list of participants has changed: reload the page."))
    for person_id, came in attended.items():
        participant = participants[person_id]
        if participant.attended is not bool(came):
            participant.attended = bool(came)
            participant.save(update_fields=["attended"])
    audit_record(
        actor=actor,
        action="mentoring_attendance_record",
        centre=session.centre,
        obj=session,
        detail={str(k): bool(v) for k, v in attended.items()},
    )
    return list(participants.values())


# --- Notes ------------------------------------------------------------------------------------


def _note_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write the note.")})
    if len(text) > MAX_NOTE_LENGTH:
        raise ValidationError(
            {"text": _("A note holds at most %(n)s characters.") % {"n": MAX_NOTE_LENGTH}}
        )
    return text


@transaction.atomic
def note_create(
    *, person: Person, author, text: str, session: MentoringSession | None = None
) -> MentoringNote:
    """A note on a youth by their mentor (or a coordinator), optionally about one session the
    youth took part in."""
    _require_follower(author, person)
    text = _note_text(text)
    if (
        session is not None
        and not MentoringParticipant.objects.filter(session=session, person=person).exists()
    ):
        raise ValidationError({"session": _("This youth did not take part in that session.")})
    note = MentoringNote(
        centre_id=person.centre_id, person=person, author=author, text=text, session=session
    )
    note.full_clean()
    note.save()
    audit_record(actor=author, action="mentoring_note_create", centre=note.centre, obj=note)
    return note


@transaction.atomic
def note_update(*, note: MentoringNote, actor, text: str) -> MentoringNote:
    """Only the note's author may change it; anyone else is refused with the reason."""
    note = MentoringNote.objects.select_for_update().get(pk=note.pk)
    if note.author_id != actor.pk:
        raise selectors.note_not_yours()
    note.text = _note_text(text)
    note.full_clean()
    note.save(update_fields=["text", "updated_at"])
    audit_record(actor=actor, action="mentoring_note_update", centre=note.centre, obj=note)
    return note


# --- Outcomes: baseline and follow-ups --------------------------------------------------------


def income_band_for(amount: Decimal | None) -> str:
    if amount is None:
        return ""
    if amount == 0:
        return IncomeBand.NONE
    if amount < 1500:
        return IncomeBand.UNDER_1500
    if amount < 3000:
        return IncomeBand.FROM_1500
    if amount < 5000:
        return IncomeBand.FROM_3000
    return IncomeBand.FROM_5000


def _situation(
    errors: dict,
    *,
    employment_status: str,
    monthly_income_mad,
    income_band: str,
    sector: str,
    formal,
) -> dict:
    """Check and normalise what a youth does and earns (shared by baseline and follow-up)."""
    if employment_status not in EmploymentStatus.values:
        errors["employment_status"] = _("Choose what the youth does now.")
    if income_band and income_band not in IncomeBand.values:
        errors["income_band"] = _("Unknown income band.")
    income = None
    if monthly_income_mad not in (None, ""):
        try:
            income = Decimal(str(monthly_income_mad))
        except (InvalidOperation, ValueError):
            income = None
        if income is None or not income.is_finite():
            errors["monthly_income_mad"] = _(
                "Enter the monthly income in dirhams, for example 2500."
            )
            income = None
        elif income < 0:
            errors["monthly_income_mad"] = _("An income cannot be negative.")
        elif income > MAX_MONTHLY_INCOME_MAD:
            errors["monthly_income_mad"] = _(
                "%(amount)s MAD a month is more than the largest plausible income "
                "(1 000 000 MAD a month): check the figure."
            ) % {"amount": _plain(income)}
        else:
            income = income.quantize(Decimal("0.01"))
    return {
        "employment_status": employment_status,
        "monthly_income_mad": income,
        "income_band": income_band_for(income) if income is not None else (income_band or ""),
        "sector": (sector or "").strip()[:80],
        "formal": formal,
    }


@transaction.atomic
def baseline_record(
    *,
    person: Person,
    recorded_on: dt.date,
    employment_status: str,
    monthly_income_mad=None,
    income_band: str = "",
    sector: str = "",
    formal: bool | None = None,
    actor,
    today=None,
) -> Baseline:
    """Record (or correct) the youth's situation at intake. Writes nothing on bad input."""
    _require_follower(actor, person)
    today = today or timezone.localdate()
    errors: dict = {}
    if recorded_on is None:
        errors["recorded_on"] = _("Give the date of the intake interview.")
    elif recorded_on > today:
        errors["recorded_on"] = _("The date cannot be in the future.")
    values = _situation(
        errors,
        employment_status=employment_status,
        monthly_income_mad=monthly_income_mad,
        income_band=income_band,
        sector=sector,
        formal=formal,
    )
    if errors:
        raise ValidationError(errors)
    baseline = Baseline.objects.filter(person=person).first() or Baseline(
        person=person, centre_id=person.centre_id
    )
    for name, value in values.items():
        setattr(baseline, name, value)
    baseline.recorded_on = recorded_on
    baseline.recorded_by = actor
    baseline.full_clean()
    baseline.save()
    audit_record(actor=actor, action="baseline_record", centre=baseline.centre, obj=baseline)
    return baseline


@transaction.atomic
def followups_schedule(*, enrolment: Enrolment) -> list[FollowUp]:
    """Schedule the enrolment's follow-ups at exit (the cohort's end date), +3, +6 and +12
    months. Idempotent: a milestone already scheduled is kept (a pending one moves with the
    cohort's end date); a withdrawn enrolment has its pending follow-ups removed. Returns the
    follow-ups created."""
    # Lock the enrolment: two schedulers at once create each milestone once.
    enrolment = Enrolment.objects.select_for_update().select_related("cohort").get(pk=enrolment.pk)
    cohort = enrolment.cohort
    existing = {f.milestone: f for f in FollowUp.objects.filter(enrolment=enrolment)}
    if enrolment.withdrawn_at is not None:
        FollowUp.objects.filter(enrolment=enrolment, status=FollowUp.Status.PENDING).delete()
        return []
    created = []
    for milestone, due_on in rules.followup_dates(cohort.end_date).items():
        followup = existing.get(milestone)
        if followup is None:
            created.append(
                FollowUp(
                    centre_id=cohort.centre_id,
                    person_id=enrolment.person_id,
                    enrolment=enrolment,
                    milestone=milestone,
                    due_on=due_on,
                )
            )
        elif followup.status == FollowUp.Status.PENDING and followup.due_on != due_on:
            followup.due_on = due_on
            followup.save(update_fields=["due_on"])
    if created:
        FollowUp.objects.bulk_create(created)
    return created


@transaction.atomic
def followups_schedule_cohort(*, cohort: Cohort) -> int:
    """Schedule the follow-ups of every enrolment of a cohort. Returns how many were created."""
    return sum(
        len(followups_schedule(enrolment=e))
        for e in Enrolment.objects.filter(cohort=cohort).select_related("cohort")
    )


def followups_schedule_ended(*, today: dt.date | None = None) -> dict:
    """Schedule the follow-ups of every cohort that has ended (end date passed, or marked
    finished). Idempotent. Returns {"cohorts": n, "created": m}."""
    today = today or timezone.localdate()
    cohorts = Cohort.objects.filter(end_date__lt=today) | Cohort.objects.filter(
        status=Cohort.Status.FINISHED
    )
    result = {"cohorts": 0, "created": 0}
    for cohort in cohorts.distinct().order_by("end_date", "pk"):
        result["cohorts"] += 1
        result["created"] += followups_schedule_cohort(cohort=cohort)
    return result


@transaction.atomic
def followup_record(
    *,
    followup: FollowUp,
    actor,
    reached: bool,
    contacted_on: dt.date | None = None,
    employment_status: str = "",
    monthly_income_mad=None,
    income_band: str = "",
    sector: str = "",
    formal: bool | None = None,
    business_created: bool = False,
    jobs_created: int | None = 0,
    further_training: bool = False,
    now: dt.datetime | None = None,
) -> FollowUp:
    """Record one follow-up: the youth was reached (what they do and earn now) or could not be
    reached (one more attempt; counted as unreached, never as a success or a failure). Raises
    ValidationError (per field) and writes nothing on bad input: a negative or implausible
    income, a contact date before the youth's intake or in the future."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    _require_follower(actor, followup.person)
    followup = FollowUp.objects.select_for_update().get(pk=followup.pk)
    if not reached:
        if followup.status == FollowUp.Status.REACHED:
            raise ValidationError(
                _("This follow-up already reached the youth; correct what they said instead.")
            )
        followup.status = FollowUp.Status.UNREACHED
        followup.attempts += 1
        followup.contacted_on = None
        for name in ("employment_status", "income_band", "sector"):
            setattr(followup, name, "")
        followup.monthly_income_mad = None
        followup.formal = None
        followup.business_created = followup.further_training = False
        followup.jobs_created = 0
    else:
        errors: dict = {}
        if contacted_on is None:
            errors["contacted_on"] = _("Give the date the youth was reached.")
        elif contacted_on > today:
            errors["contacted_on"] = _("The contact date cannot be in the future.")
        else:
            intake = selectors.intake_date(followup.person)
            if contacted_on < intake:
                errors["contacted_on"] = _(
                    "The contact date (%(date)s) is before the youth's intake (%(intake)s): "
                    "check the date."
                ) % {
                    "date": date_format(contacted_on, "SHORT_DATE_FORMAT"),
                    "intake": date_format(intake, "SHORT_DATE_FORMAT"),
                }
        values = _situation(
            errors,
            employment_status=employment_status,
            monthly_income_mad=monthly_income_mad,
            income_band=income_band,
            sector=sector,
            formal=formal,
        )
        jobs = jobs_created or 0
        if jobs < 0:
            errors["jobs_created"] = _("The number of jobs cannot be negative.")
        elif jobs > MAX_JOBS_CREATED:
            errors["jobs_created"] = _("Check the number of jobs created.")
        elif jobs and not business_created:
            errors["jobs_created"] = _("Jobs are counted for a business the youth created.")
        if errors:
            raise ValidationError(errors)
        if followup.status != FollowUp.Status.REACHED:
            followup.attempts += 1
        followup.status = FollowUp.Status.REACHED
        followup.contacted_on = contacted_on
        for name, value in values.items():
            setattr(followup, name, value)
        followup.business_created = bool(business_created)
        followup.jobs_created = jobs
        followup.further_training = bool(further_training) or (
            values["employment_status"] == EmploymentStatus.TRAINING
        )
    followup.recorded_by = actor
    followup.recorded_at = now
    followup.full_clean()
    followup.save()
    audit_record(
        actor=actor,
        action="followup_record",
        centre=followup.centre,
        obj=followup,
        detail={"status": followup.status},
    )
    return followup


def _reminder_text(followup: FollowUp) -> tuple[str, str]:
    person = followup.person
    language = SMS_LANGUAGE.get(person.preferred_language, "ar")
    with translation.override(language):
        centre = pick(followup.centre.name_fr, followup.centre.name_ar)
        name = pick(person.first_name_latin, person.first_name_ar)
        subject = _("Follow-up reminder")
        body = _(
            "%(centre)s: hello %(name)s, we will call you around %(date)s to hear how you are "
            "doing since your training. Thank you!"
        ) % {"centre": centre, "name": name, "date": followup.due_on.strftime("%d/%m/%Y")}
    return subject, body


@transaction.atomic
def followup_reminders_queue(
    *, today: dt.date | None = None, days: int = REMINDER_DAYS, centre: Centre | None = None
) -> int:
    """Queue one SMS (an OutboxMessage to the youth's phone, in their preferred language) for
    each pending follow-up due in the next `days` days that was not reminded yet. Idempotent:
    a follow-up is reminded once. Youth without a phone number are skipped. Returns how many
    were queued."""
    today = today or timezone.localdate()
    qs = (
        FollowUp.objects.select_for_update()
        .filter(
            status=FollowUp.Status.PENDING,
            reminder_queued_at__isnull=True,
            due_on__gte=today,
            due_on__lte=today + dt.timedelta(days=days),
        )
        .exclude(person__phone="")
        # Law 09-08: no call, no reminder of a call, to who objected to follow-up calls.
        .exclude(person__objections__purpose=Purpose.FOLLOWUP)
        .select_related("person", "centre")
        .order_by("due_on", "pk")
    )
    if centre is not None:
        qs = qs.filter(centre=centre)
    followups = list(qs)
    messages = []
    for followup in followups:
        subject, body = _reminder_text(followup)
        phone, email = person_contacts(followup.person)
        messages.append(
            Outgoing(
                kind="followup_reminder",
                body=body,
                subject=subject,
                centre=followup.centre,
                phone=phone,
                email=email,
                language=message_language(followup.person.preferred_language),
                key=key_of("followup_reminder", followup.pk),
            )
        )
    outbox_queue_many(messages)
    FollowUp.objects.filter(pk__in=[f.pk for f in followups]).update(
        reminder_queued_at=timezone.now()
    )
    return len(followups)


def _bilingual(render) -> str:
    parts = []
    for language in ("fr", "ar"):
        with translation.override(language):
            parts.append(render())
    return "\n\n".join(parts)


@transaction.atomic
def followups_overdue_alert(*, today: dt.date | None = None, centre: Centre | None = None) -> int:
    """Tell each mentor (by phone and e-mail) how many of their mentees' follow-up calls are
    overdue, naming the first few; follow-ups of youth without a mentor go to the centre's
    coordinators. One alert per staff member a day: running it again the same day queues
    nothing. Returns how many alerts were queued."""
    from .models import MentorAssignment

    today = today or timezone.localdate()
    qs = FollowUp.objects.filter(status=FollowUp.Status.PENDING, due_on__lt=today).select_related(
        "person", "centre"
    )
    if centre is not None:
        qs = qs.filter(centre=centre)
    followups = list(qs.order_by("due_on", "pk"))
    mentors = dict(
        MentorAssignment.objects.filter(
            person_id__in={f.person_id for f in followups}, ended_at__isnull=True
        ).values_list("person_id", "mentor_id")
    )
    by_user: dict[int, list[FollowUp]] = {}
    for followup in followups:
        mentor_id = mentors.get(followup.person_id)
        if mentor_id is not None:
            targets = [mentor_id]
        else:
            targets = list(
                StaffProfile.objects.filter(
                    role=Role.COORDINATOR, centre=followup.centre
                ).values_list("user_id", flat=True)
            )
        for user_id in targets:
            by_user.setdefault(user_id, []).append(followup)
    profiles = {
        p.user_id: p
        for p in StaffProfile.objects.filter(user_id__in=by_user).select_related("user")
    }
    items = []
    for user_id, due in by_user.items():
        profile = profiles.get(user_id)
        if profile is None:
            continue
        names = ", ".join(f.person.full_name_latin for f in due[:5])

        def body(due=due, names=names) -> str:
            return _(
                "Markaz: %(count)s follow-up calls are overdue (%(names)s%(more)s). "
                "Open Mentoring, then Follow-ups."
            ) % {"count": len(due), "names": names, "more": "…" if len(due) > 5 else ""}

        def subject(due=due) -> str:
            return _("Overdue follow-up calls: %(count)s") % {"count": len(due)}

        phone, email = staff_contacts(profile.user, profile=profile)
        items.append(
            Outgoing(
                kind="followup_overdue",
                body=_bilingual(body),
                subject=_bilingual(subject).replace("\n\n", " / ")[:200],
                centre=due[0].centre,
                phone=phone,
                email=email,
                recipient=profile.user,
                key=key_of("followup_overdue", user_id, today.isoformat()),
            )
        )
    return outbox_queue_many(items)
