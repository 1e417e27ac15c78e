"""Writes for attendance, completion and certificates.

Attendance % (used by completion) = (present + late) / (sessions held so far − sessions the
learner was excused from). A session is "held" once it has started and its attendance was taken
(see selectors.held_sessions); a learner left unmarked at a held session counts as absent.
"""

import datetime as dt
import secrets
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from markaz.centre.models import Session
from markaz.core.models import StaffProfile
from markaz.core.outbox import Outgoing, key_of, outbox_queue_many, staff_contacts
from markaz.core.roles import Role
from markaz.core.services import audit_record

from . import rules, selectors
from .models import (
    AbsenceAlert,
    AttendanceMark,
    Certificate,
    Completion,
    CompletionRule,
    Evaluation,
)

STATUSES = {s.value for s in AttendanceMark.Status}


# Mentoring sits above learning and registers here when Django starts (AppConfig.ready):
# `register_person_mentors(fn)`, `fn(person)` -> ids of the person's own mentors (an absence alert
# reaches them); `register_completions_decided(fn)`, `fn(cohort=...)` run once a cohort's
# completions are decided (its outcome follow-ups are scheduled).
_PERSON_MENTORS: list = []
_COMPLETIONS_DECIDED: list = []


def register_person_mentors(fn) -> None:
    if fn not in _PERSON_MENTORS:
        _PERSON_MENTORS.append(fn)


def register_completions_decided(fn) -> None:
    if fn not in _COMPLETIONS_DECIDED:
        _COMPLETIONS_DECIDED.append(fn)


# --- Attendance -------------------------------------------------------------------------------


@transaction.atomic
def attendance_record(
    *, session: Session, marks: dict[int, str], actor, now: dt.datetime | None = None
) -> list[AttendanceMark]:
    """Record (or correct) the attendance of a session: `marks` maps enrolment id → status and
    must name exactly the cohort's active enrolments. Then alert on two consecutive absences.
    Raises PermissionDenied or ValidationError and writes nothing on bad input."""
    now = now or timezone.now()
    if not selectors.can_mark(actor, session):
        raise PermissionDenied
    if not selectors.session_is_open_for_marking(session, now):
        raise ValidationError(
            _("This session has not started yet: take attendance when it starts."),
            code="not_started",
        )
    enrolments = {e.pk: e for e in selectors.active_enrolments(session.cohort)}
    if set(marks) != set(enrolments):
        raise ValidationError(
            _("The list of learners has changed: reload the sheet and save again."),
            code="enrolments",
        )
    if any(status not in STATUSES for status in marks.values()):
        raise ValidationError(_("Unknown attendance status."), code="status")
    existing = {m.enrolment_id: m for m in AttendanceMark.objects.filter(session=session)}
    saved = []
    for enrolment_id, status in marks.items():
        mark = existing.get(enrolment_id)
        if mark is None:
            mark = AttendanceMark(session=session, enrolment_id=enrolment_id)
        elif mark.status == status:
            saved.append(mark)
            continue
        mark.status = status
        mark.marked_by = actor
        mark.full_clean(validate_constraints=False)
        mark.save()
        saved.append(mark)
    attendance_counters_refresh(sessions=[session.pk], enrolments=list(marks))
    for enrolment_id in marks:
        _alert_absence_streaks(enrolments[enrolment_id], session.centre)
    return saved


PRESENT_STATUSES = (AttendanceMark.Status.PRESENT, AttendanceMark.Status.LATE)


@transaction.atomic
def attendance_counters_refresh(*, sessions=None, enrolments=None) -> None:
    """Recount the attendance counters the reports read (Session.present_count,
    Enrolment.marks_present / marks_total) from the marks, for the given session and enrolment
    ids (None: all of them — after a bulk load or a repair)."""
    from django.db.models import Count, OuterRef, Subquery, Value
    from django.db.models.functions import Coalesce

    from markaz.programmes.models import Enrolment

    def counted(field: str, **filters):
        return Coalesce(
            Subquery(
                AttendanceMark.objects.filter(**{field: OuterRef("pk")}, **filters)
                .order_by()
                .values(field)
                .annotate(n=Count("pk"))
                .values("n")[:1]
            ),
            Value(0),
        )

    session_qs = (
        Session.objects.all() if sessions is None else Session.objects.filter(pk__in=sessions)
    )
    session_qs.update(present_count=counted("session", status__in=PRESENT_STATUSES))
    enrolment_qs = (
        Enrolment.objects.all()
        if enrolments is None
        else Enrolment.objects.filter(pk__in=enrolments)
    )
    enrolment_qs.update(
        marks_present=counted("enrolment", status__in=PRESENT_STATUSES),
        marks_total=counted("enrolment"),
    )


def _alert_absence_streaks(enrolment, centre) -> int:
    """Notify the learner's mentor and the coordinators once per run of two consecutive
    absences (every mentor of the centre when the learner has no mentor yet)."""
    statuses = list(
        AttendanceMark.objects.filter(enrolment=enrolment)
        .order_by("session__starts_at", "session_id")
        .values_list("session_id", "status")
    )
    sent = 0
    for run in rules.absence_streaks(statuses):
        alert, created = AbsenceAlert.objects.get_or_create(
            enrolment=enrolment, first_session_id=run[0], defaults={"centre": centre}
        )
        if created:
            _notify_absences(enrolment, centre, len(run), alert=alert)
            sent += 1
    return sent


def _bilingual(render) -> tuple[str, str]:
    """The same message in French and in Arabic (staff read either)."""
    parts = []
    for lang in ("fr", "ar"):
        with translation.override(lang):
            parts.append(render())
    return parts[0], parts[1]


def _notify_absences(enrolment, centre, count: int, *, alert) -> None:
    """The alert reaches each recipient's phone and e-mail (a row saying so when neither is
    known), and shows on the coordinator's Messages page."""
    person = enrolment.person
    cohort = enrolment.cohort

    def subject() -> str:
        return _("Two consecutive absences: %(name)s") % {"name": person.full_name}

    def body() -> str:
        return _(
            "%(name)s (cohort %(cohort)s) missed %(count)s sessions in a row. "
            "Please get in touch with them. Phone: %(phone)s."
        ) % {
            "name": person.full_name,
            "cohort": cohort.code,
            "count": count,
            "phone": person.phone or "—",
        }

    # The person's own mentors (mentoring registers who they are), else every mentor.
    own = [user_id for fn in _PERSON_MENTORS for user_id in fn(person)]
    mentors = Q(role=Role.MENTOR, user_id__in=own) if own else Q(role=Role.MENTOR)
    recipients = (
        StaffProfile.objects.filter(Q(role=Role.COORDINATOR) | mentors, centre=centre)
        .select_related("user")
        .order_by("role", "user_id")
    )
    text_subject = " / ".join(_bilingual(subject))[:200]
    text_body = "\n\n".join(_bilingual(body))
    items = []
    for profile in recipients:
        phone, email = staff_contacts(profile.user, profile=profile)
        items.append(
            Outgoing(
                kind="absence_streak",
                body=text_body,
                subject=text_subject,
                centre=centre,
                phone=phone,
                email=email,
                recipient=profile.user,
                key=key_of("absence_streak", alert.pk, profile.user_id),
            )
        )
    outbox_queue_many(items)


# --- Completion -------------------------------------------------------------------------------


@transaction.atomic
def completion_rule_set(
    *, programme, min_attendance_percent: int, requires_evaluation: bool, actor
) -> CompletionRule:
    if not selectors.is_manager_of(actor, programme.centre_id):
        raise PermissionDenied
    rule = CompletionRule.objects.filter(programme=programme).first() or CompletionRule(
        programme=programme
    )
    rule.min_attendance_percent = min_attendance_percent
    rule.requires_evaluation = requires_evaluation
    if not 0 <= min_attendance_percent <= 100:
        raise ValidationError(_("The minimum attendance is a percentage, from 0 to 100."))
    rule.full_clean()
    rule.save()
    return rule


@transaction.atomic
def evaluation_record(
    *,
    enrolment,
    passed: bool,
    score: Decimal | None,
    evaluated_on: dt.date,
    actor,
) -> Evaluation:
    """Record (or correct) a learner's final evaluation. Trainers of the cohort and coordinators
    of the centre may; the date cannot be in the future."""
    cohort = enrolment.cohort
    if not (
        selectors.is_manager_of(actor, cohort.centre_id)
        or selectors.is_cohort_trainer(actor, cohort)
    ):
        raise PermissionDenied
    if enrolment.withdrawn_at is not None:
        raise ValidationError(_("This learner has withdrawn."), code="withdrawn")
    if evaluated_on > timezone.localdate():
        raise ValidationError(_("The evaluation date cannot be in the future."), code="future")
    if score is not None and not (0 <= score <= 100):
        raise ValidationError(_("The score goes from 0 to 100."), code="score")
    evaluation = Evaluation.objects.filter(enrolment=enrolment).first() or Evaluation(
        enrolment=enrolment
    )
    evaluation.passed = passed
    evaluation.score = score
    evaluation.evaluated_on = evaluated_on
    evaluation.evaluated_by = actor
    evaluation.full_clean()
    evaluation.save()
    return evaluation


def _reason(code: str, passed: bool, render) -> dict:
    texts = {}
    for lang in ("fr", "ar"):
        with translation.override(lang):
            texts[lang] = render()
    return {"code": code, "passed": passed, **texts}


@transaction.atomic
def completion_decide(*, enrolment, actor=None, now: dt.datetime | None = None) -> Completion:
    """Decide whether `enrolment` completed its programme, under the programme's completion rule,
    and keep the reasons in French and Arabic. Deciding again replaces the decision."""
    cohort = enrolment.cohort
    if actor is not None and not selectors.is_manager_of(actor, cohort.centre_id):
        raise PermissionDenied
    if enrolment.withdrawn_at is not None:
        raise ValidationError(_("This learner has withdrawn."), code="withdrawn")
    rule = CompletionRule.objects.filter(programme_id=cohort.programme_id).first()
    if rule is None:
        raise ValidationError(_("Set the programme's completion rule first."), code="no_rule")
    counts = selectors.enrolment_attendance(enrolment, now)
    percent = counts.percent if counts.percent is not None else Decimal("0.0")
    reasons = []
    attended = counts.percent is not None and percent >= rule.min_attendance_percent
    if counts.percent is None:
        reasons.append(_reason("attendance", False, lambda: _("No session has been held yet.")))
    else:
        values = {
            "percent": percent,
            "min": rule.min_attendance_percent,
            "attended": counts.present + counts.late,
            "counted": counts.counted,
        }
        if attended:
            reasons.append(
                _reason(
                    "attendance",
                    True,
                    lambda: (
                        _(
                            "Attendance %(percent)s%% (%(attended)s of %(counted)s sessions) "
                            "reaches the required %(min)s%%."
                        )
                        % values
                    ),
                )
            )
        else:
            reasons.append(
                _reason(
                    "attendance",
                    False,
                    lambda: (
                        _(
                            "Attendance %(percent)s%% (%(attended)s of %(counted)s sessions) "
                            "is below the required %(min)s%%."
                        )
                        % values
                    ),
                )
            )
    evaluated = True
    if rule.requires_evaluation:
        evaluation = Evaluation.objects.filter(enrolment=enrolment).first()
        if evaluation is None:
            evaluated = False
            reasons.append(
                _reason("evaluation", False, lambda: _("The final evaluation is not recorded yet."))
            )
        elif evaluation.passed:
            reasons.append(
                _reason("evaluation", True, lambda: _("The final evaluation is passed."))
            )
        else:
            evaluated = False
            reasons.append(
                _reason("evaluation", False, lambda: _("The final evaluation is not passed."))
            )
    completion = Completion.objects.filter(enrolment=enrolment).first() or Completion(
        enrolment=enrolment
    )
    completion.completed = attended and evaluated
    completion.attendance_percent = percent
    completion.reasons = reasons
    completion.full_clean()
    completion.save()
    return completion


@transaction.atomic
def completions_decide_cohort(*, cohort, actor, now: dt.datetime | None = None) -> dict:
    """Decide every active enrolment of a cohort. Returns {"completed": n, "not_completed": m}."""
    if not selectors.is_manager_of(actor, cohort.centre_id):
        raise PermissionDenied
    if not CompletionRule.objects.filter(programme_id=cohort.programme_id).exists():
        raise ValidationError(_("Set the programme's completion rule first."), code="no_rule")
    result = {"completed": 0, "not_completed": 0}
    for enrolment in selectors.active_enrolments(cohort).select_related("cohort"):
        c = completion_decide(enrolment=enrolment, actor=actor, now=now)
        result["completed" if c.completed else "not_completed"] += 1
    audit_record(actor=actor, action="completions_decide", centre=cohort.centre, obj=cohort)
    # Deciding completions closes the cohort's training: schedule its outcome follow-ups (exit,
    # +3, +6, +12 months) now. Idempotent; `manage.py schedule_followups` catches the rest.
    for fn in _COMPLETIONS_DECIDED:  # mentoring: followups_schedule_cohort
        fn(cohort=cohort)
    return result


# --- Certificates -----------------------------------------------------------------------------

# No 0/O, 1/I/L: a code read aloud or typed from paper is not mistaken.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


def certificate_code() -> str:
    return selectors.CODE_PREFIX + "".join(
        secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH)
    )


@transaction.atomic
def certificate_issue(*, enrolment, actor) -> Certificate:
    """Issue the certificate of a completed enrolment, with a unique verification code. Names,
    programme, dates and hours are copied as printed. Writes nothing unless completed."""
    cohort = enrolment.cohort
    if not selectors.is_manager_of(actor, cohort.centre_id):
        raise PermissionDenied
    completion = Completion.objects.filter(enrolment=enrolment).first()
    if completion is None or not completion.completed:
        raise ValidationError(
            _("Only a learner who completed the programme can receive a certificate."),
            code="not_completed",
        )
    if Certificate.objects.filter(enrolment=enrolment).exists():
        raise ValidationError(_("This learner already has a certificate."), code="exists")
    person = enrolment.person
    programme = cohort.programme
    for _attempt in range(5):
        try:
            with transaction.atomic():
                certificate = Certificate(
                    enrolment=enrolment,
                    code=certificate_code(),
                    name_latin=person.full_name_latin,
                    name_ar=person.full_name_ar,
                    programme_fr=programme.title_fr,
                    programme_ar=programme.title_ar,
                    start_date=cohort.start_date,
                    end_date=cohort.end_date,
                    hours=programme.hours,
                    issued_by=actor,
                )
                certificate.full_clean()
                certificate.save()
                audit_record(
                    actor=actor, action="certificate_issue", centre=cohort.centre, obj=certificate
                )
                return certificate
        except (IntegrityError, ValidationError) as exc:
            if isinstance(exc, ValidationError) and "code" not in getattr(exc, "error_dict", {}):
                raise
    raise ValidationError(_("Could not draw a unique code; try again."))  # pragma: no cover


@transaction.atomic
def certificates_issue_cohort(*, cohort, actor) -> int:
    """Issue certificates to every completed learner of the cohort who has none yet."""
    if not selectors.is_manager_of(actor, cohort.centre_id):
        raise PermissionDenied
    n = 0
    for enrolment in selectors.active_enrolments(cohort).filter(
        completion__completed=True, certificate__isnull=True
    ):
        certificate_issue(enrolment=enrolment, actor=actor)
        n += 1
    return n


@transaction.atomic
def certificate_revoke(*, certificate: Certificate, actor, reason: str) -> Certificate:
    """Revoke a certificate (the public page then says so). A reason is required."""
    if not selectors.is_manager_of(actor, certificate.enrolment.cohort.centre_id):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give the reason for revoking."), code="reason")
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.revoked_at is not None:
        raise ValidationError(_("This certificate is already revoked."), code="revoked")
    certificate.revoked_at = timezone.now()
    certificate.revoked_by = actor
    certificate.revoked_reason = reason
    certificate.full_clean()
    certificate.save(update_fields=["revoked_at", "revoked_by", "revoked_reason"])
    audit_record(
        actor=actor,
        action="certificate_revoke",
        centre=certificate.enrolment.cohort.centre,
        obj=certificate,
        detail={"reason": reason},
    )
    return certificate
