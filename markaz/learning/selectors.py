"""Reads for attendance, completion and certificates, permission-checked.

Who may do what:
- a session's attendance: its trainer, or a coordinator/admin of its centre;
- a cohort's completion page: coordinators/admins of its centre, and the cohort's trainers
  (they read it and enter evaluations; deciding and issuing is for coordinators);
- certificates (staff side): coordinators/admins of the centre; the public verification page
  shows only a name, a programme, dates and whether the certificate is valid.
"""

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from markaz.centre.models import Presence, Session
from markaz.core.access import has_role, user_centre_id, user_role, visible_centre_id
from markaz.core.roles import Role
from markaz.programmes.models import Cohort, Enrolment

from . import rules
from .models import AttendanceMark, Certificate

MANAGER_ROLES = frozenset({Role.ADMIN, Role.COORDINATOR})
MARKING_ROLES = frozenset({Role.ADMIN, Role.COORDINATOR, Role.TRAINER})
# How early before its start a session's sheet may be taken.
MARKING_OPENS = dt.timedelta(minutes=15)


def is_manager_of(user, centre_id: int) -> bool:
    return has_role(user, MANAGER_ROLES) and user_centre_id(user) == centre_id


def session_cancel_refusal(session: Session) -> str | None:
    """A session whose attendance was taken may not be cancelled (centre.timetabling asks)."""
    if AttendanceMark.objects.filter(session=session).exists():
        from django.utils.translation import gettext as _

        return _("Attendance was taken for this session: it cannot be cancelled.")
    return None


def can_mark(user, session: Session) -> bool:
    if not user.is_authenticated:
        return False
    if is_manager_of(user, session.centre_id):
        return True
    return (
        user_role(user) == Role.TRAINER
        and user_centre_id(user) == session.centre_id
        and session.trainer_id == user.pk
    )


def is_cohort_trainer(user, cohort: Cohort) -> bool:
    if user_role(user) != Role.TRAINER or user_centre_id(user) != cohort.centre_id:
        return False
    return (
        cohort.trainers.filter(pk=user.pk).exists()
        or Session.objects.filter(cohort=cohort, trainer=user).exists()
    )


# --- Sessions and attendance -----------------------------------------------------------------


def session_get_for_marking(user, pk) -> Session:
    """The session if `user` may take its attendance; 404 otherwise (another trainer's session
    is not revealed)."""
    try:
        session = Session.objects.select_related("cohort__programme", "room", "trainer").get(pk=pk)
    except (Session.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
    if not can_mark(user, session):
        raise Http404
    return session


def week_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    monday = day - dt.timedelta(days=day.weekday())
    return monday, monday + dt.timedelta(days=7)


def sessions_for_user(user, *, today: dt.date | None = None):
    """A trainer's own sessions this week (Monday to Sunday); for a coordinator or an admin,
    every session of their centre this week."""
    centre_id = visible_centre_id(user, MARKING_ROLES)
    monday, next_monday = week_bounds(today or timezone.localdate())
    tz = timezone.get_current_timezone()
    qs = Session.objects.filter(
        centre_id=centre_id,
        starts_at__gte=dt.datetime.combine(monday, dt.time.min, tzinfo=tz),
        starts_at__lt=dt.datetime.combine(next_monday, dt.time.min, tzinfo=tz),
    )
    if user_role(user) == Role.TRAINER:
        qs = qs.filter(trainer=user)
    return qs.select_related("cohort__programme", "room", "trainer").order_by("starts_at")


def active_enrolments(cohort):
    return (
        Enrolment.objects.filter(cohort=cohort, withdrawn_at__isnull=True)
        .select_related("person")
        .order_by("person__last_name_latin", "person__first_name_latin", "pk")
    )


@dataclass
class SheetRow:
    enrolment: Enrolment
    status: str
    from_door: bool  # pre-filled from check-ins (not yet confirmed)


def attendance_sheet(session: Session) -> list[SheetRow]:
    """One row per active enrolment of the session's cohort: the confirmed mark if there is one,
    otherwise what the door's check-ins suggest."""
    enrolments = list(active_enrolments(session.cohort))
    marks = dict(
        AttendanceMark.objects.filter(session=session).values_list("enrolment_id", "status")
    )
    visits: dict[int, list[rules.Visit]] = {}
    window_start = session.starts_at - rules.EARLIEST_ENTRY
    for p in Presence.objects.filter(
        centre_id=session.centre_id,
        person_id__in=[e.person_id for e in enrolments],
        entered_at__lt=session.ends_at,
        entered_at__gte=window_start,
    ).filter(Q(exited_at__isnull=True) | Q(exited_at__gt=session.starts_at)):
        visits.setdefault(p.person_id, []).append(rules.Visit(p.entered_at, p.exited_at))
    rows = []
    for e in enrolments:
        if e.pk in marks:
            rows.append(SheetRow(e, marks[e.pk], from_door=False))
        else:
            status = rules.prefill_status(
                session.starts_at, session.ends_at, visits.get(e.person_id, [])
            )
            rows.append(SheetRow(e, status, from_door=True))
    return rows


def session_is_open_for_marking(session: Session, now: dt.datetime | None = None) -> bool:
    return (now or timezone.now()) >= session.starts_at - MARKING_OPENS


# --- Attendance figures -----------------------------------------------------------------------


def held_sessions(cohort, now: dt.datetime | None = None):
    """Sessions held so far: started by `now` and with attendance taken (at least one mark).
    A session nobody marked yet does not count against anyone."""
    now = now or timezone.now()
    return Session.objects.filter(cohort=cohort, starts_at__lte=now, marks__isnull=False).distinct()


def cohort_attendance(cohort, now: dt.datetime | None = None) -> dict[int, rules.AttendanceCounts]:
    """Per active enrolment: present/late/absent/excused over the sessions held so far. A learner
    left unmarked at a held session counts as absent there."""
    held_ids = list(held_sessions(cohort, now).values_list("pk", flat=True))
    counts: dict[int, Counter] = {}
    for enrolment_id, status in AttendanceMark.objects.filter(
        session_id__in=held_ids, enrolment__cohort=cohort
    ).values_list("enrolment_id", "status"):
        counts.setdefault(enrolment_id, Counter())[status] += 1
    result = {}
    for e in active_enrolments(cohort):
        c = counts.get(e.pk, Counter())
        marked = sum(c.values())
        result[e.pk] = rules.AttendanceCounts(
            held=len(held_ids),
            present=c[rules.PRESENT],
            late=c[rules.LATE],
            absent=c[rules.ABSENT] + (len(held_ids) - marked),
            excused=c[rules.EXCUSED],
        )
    return result


def enrolment_attendance(enrolment, now: dt.datetime | None = None) -> rules.AttendanceCounts:
    held_ids = list(held_sessions(enrolment.cohort, now).values_list("pk", flat=True))
    c = Counter(
        AttendanceMark.objects.filter(session_id__in=held_ids, enrolment=enrolment).values_list(
            "status", flat=True
        )
    )
    marked = sum(c.values())
    return rules.AttendanceCounts(
        held=len(held_ids),
        present=c[rules.PRESENT],
        late=c[rules.LATE],
        absent=c[rules.ABSENT] + (len(held_ids) - marked),
        excused=c[rules.EXCUSED],
    )


# --- Cohorts, evaluations, completion ---------------------------------------------------------


def cohort_get_for_completion(user, pk) -> Cohort:
    """The cohort for its coordinators/admins, or for one of its trainers; 404 otherwise."""
    try:
        cohort = Cohort.objects.select_related("programme").get(pk=pk)
    except (Cohort.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
    if is_manager_of(user, cohort.centre_id) or is_cohort_trainer(user, cohort):
        return cohort
    raise Http404


def enrolment_get_for_evaluation(user, pk) -> Enrolment:
    try:
        enrolment = Enrolment.objects.select_related("cohort__programme", "person").get(
            pk=pk, withdrawn_at__isnull=True
        )
    except (Enrolment.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
    cohort = enrolment.cohort
    if is_manager_of(user, cohort.centre_id) or is_cohort_trainer(user, cohort):
        return enrolment
    raise Http404


def cohort_learning_rows(cohort, now: dt.datetime | None = None) -> list[dict]:
    """Per active enrolment: attendance figures, evaluation, completion and certificate."""
    attendance = cohort_attendance(cohort, now)
    enrolments = active_enrolments(cohort).select_related("evaluation", "completion", "certificate")
    rows = []
    for e in enrolments:
        rows.append(
            {
                "enrolment": e,
                "person": e.person,
                "attendance": attendance[e.pk],
                "evaluation": getattr(e, "evaluation", None),
                "completion": getattr(e, "completion", None),
                "certificate": getattr(e, "certificate", None),
            }
        )
    return rows


def cohorts_for_completion(user):
    """Cohorts whose completion page `user` may open (for the list of cohorts)."""
    centre_id = visible_centre_id(user, MARKING_ROLES)
    qs = Cohort.objects.filter(centre_id=centre_id).select_related("programme")
    if user_role(user) == Role.TRAINER:
        qs = qs.filter(Q(trainers=user) | Q(sessions__trainer=user)).distinct()
    return qs.order_by("-start_date", "code")


# --- Certificates -----------------------------------------------------------------------------


def certificate_get_for_user(user, pk) -> Certificate:
    try:
        certificate = Certificate.objects.select_related(
            "enrolment__cohort__programme", "enrolment__person"
        ).get(pk=pk)
    except (Certificate.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
    if not is_manager_of(user, certificate.enrolment.cohort.centre_id):
        raise Http404
    return certificate


CODE_PREFIX = "MKZ-"


def normalise_code(raw: str) -> str:
    """What a person types ('mkz 7h3k 9qpt', 'MKZ-7H3K9QPT') → 'MKZ-7H3K9QPT'."""
    text = "".join(ch for ch in (raw or "").upper() if ch.isalnum())
    if text.startswith("MKZ"):
        text = text[3:]
    return CODE_PREFIX + text if text else ""


def certificate_find(code: str) -> Certificate | None:
    """The public lookup: by exact (normalised) code only."""
    code = normalise_code(code)
    if not code:
        return None
    return Certificate.objects.filter(code=code).first()


def certificate_other_valid_count(certificate) -> int:
    """The holder's other certificates still valid (revoking one leaves them as they are)."""
    from .models import Certificate

    person_id = certificate.enrolment.person_id
    return (
        Certificate.objects.filter(enrolment__person_id=person_id, revoked_at__isnull=True)
        .exclude(pk=certificate.pk)
        .count()
    )


def trainer_person_ids(user):
    """The people a trainer may open in the registry: the learners (enrolled, even if since
    withdrawn) of the cohorts they teach (named on the cohort or giving one of its sessions)."""
    cohorts = Q(cohort__trainers=user) | Q(
        cohort__in=Session.objects.filter(trainer=user).values("cohort_id")
    )
    return Enrolment.objects.filter(cohorts, cohort__centre_id=user_centre_id(user)).values(
        "person_id"
    )


def trainer_person_panels(user, person) -> list:
    """On a trainer's page of one of their learners: the learner's attendance in each cohort
    the trainer teaches (sessions marked so far), with the cohort's page."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from markaz.registry.selectors import PersonPanel

    cohorts = Cohort.objects.filter(
        Q(trainers=user) | Q(sessions__trainer=user),
        enrolments__person=person,
        centre_id=user_centre_id(user),
    ).distinct()
    panels = []
    for cohort in cohorts.select_related("programme").order_by("-start_date"):
        counts = Counter(
            AttendanceMark.objects.filter(
                enrolment__cohort=cohort, enrolment__person=person
            ).values_list("status", flat=True)
        )
        present = counts[AttendanceMark.Status.PRESENT] + counts[AttendanceMark.Status.LATE]
        line = _(
            "Present: %(present)s (late: %(late)s) · absent: %(absent)s · excused: "
            "%(excused)s · sessions marked: %(marked)s"
        ) % {
            "present": present,
            "late": counts[AttendanceMark.Status.LATE],
            "absent": counts[AttendanceMark.Status.ABSENT],
            "excused": counts[AttendanceMark.Status.EXCUSED],
            "marked": sum(counts.values()),
        }
        panels.append(
            PersonPanel(
                title=f"{cohort.code} · {cohort.programme.title}",
                lines=(line,),
                url=reverse("learning:cohort_completion", args=[cohort.pk]),
            )
        )
    return panels
