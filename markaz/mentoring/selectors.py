"""Reads for mentoring, permission-checked.

Who sees what:
- coordinators and administrators of a centre: every mentor's caseload, every mentee, every note,
  every follow-up of their centre;
- a mentor: their own mentees (open assignments) only, the notes they wrote, their own sessions;
- trainers, caravan staff and the provincial viewer: nothing here (403). The provincial viewer sees
  aggregate outcomes in the reports, never a person.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from markaz.centre.models import Centre, Room
from markaz.core.access import has_role, user_centre_id, user_role, visible_centre
from markaz.core.roles import Role
from markaz.learning.models import AbsenceAlert
from markaz.programmes.models import Enrolment, Programme
from markaz.registry.models import Language, Person, Purpose

from . import rules
from .models import (
    ActionStep,
    Baseline,
    FollowUp,
    MentorAssignment,
    MentoringNote,
    MentoringParticipant,
    MentoringSession,
    MentorProfile,
)

MENTORING_ROLES = frozenset({Role.ADMIN, Role.COORDINATOR, Role.MENTOR})
MANAGER_ROLES = frozenset({Role.ADMIN, Role.COORDINATOR})
# A mentee not met, reached or written about for this long is flagged.
NO_CONTACT_DAYS = 30
# The due list shows pending follow-ups due up to this many days ahead.
DUE_HORIZON_DAYS = 30
# Youth whose cohort ended longer ago than this are no longer offered a mentor by default.
ALUMNI_DAYS = 180


class MentoringDenied(PermissionDenied):
    """Refused, with the reason in words (shown to the user on a 403 page)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- Who may do what --------------------------------------------------------------------------


def mentoring_centre_for_user(user) -> Centre:
    """The centre whose mentoring a staff member works in (403 for other roles)."""
    return visible_centre(user, MENTORING_ROLES)


def is_manager_of(user, centre_id: int) -> bool:
    return has_role(user, MANAGER_ROLES) and user_centre_id(user) == centre_id


def is_mentor_of(user, person_id: int) -> bool:
    """`user` is a mentor and holds an open assignment of the person."""
    return (
        user_role(user) == Role.MENTOR
        and MentorAssignment.objects.filter(
            person_id=person_id, mentor_id=user.pk, ended_at__isnull=True
        ).exists()
    )


def can_follow(user, person: Person) -> bool:
    """Coordinators/admins of the person's centre, and the person's current mentor."""
    if not user.is_authenticated:
        return False
    if is_manager_of(user, person.centre_id):
        return True
    return user_centre_id(user) == person.centre_id and is_mentor_of(user, person.pk)


def not_your_mentee() -> MentoringDenied:
    return MentoringDenied(
        _(
            "This youth is not in your caseload: only their mentor and the centre's "
            "coordinators can open their file."
        )
    )


def mentee_get_for_user(user, pk) -> Person:
    """A youth's mentoring file: 404 if the person is not of the user's centre, 403 with the
    reason if the user is a mentor and the youth is not in their caseload."""
    centre = mentoring_centre_for_user(user)
    try:
        person = Person.objects.select_related("commune").get(
            pk=pk, centre=centre, merged_into__isnull=True
        )
    except (Person.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
    if not can_follow(user, person):
        raise not_your_mentee()
    return person


# --- Caseloads --------------------------------------------------------------------------------


def enrolled_people(centre: Centre):
    """People of the centre with an enrolment (not withdrawn) in one of its cohorts."""
    return Person.objects.filter(
        centre=centre,
        merged_into__isnull=True,
        enrolments__cohort__centre=centre,
        enrolments__withdrawn_at__isnull=True,
    ).distinct()


def is_enrolled(person: Person) -> bool:
    return Enrolment.objects.filter(
        person=person, cohort__centre_id=person.centre_id, withdrawn_at__isnull=True
    ).exists()


def latest_enrolment(person: Person) -> Enrolment | None:
    return (
        Enrolment.objects.filter(person=person, withdrawn_at__isnull=True)
        .select_related("cohort__programme")
        .order_by("-cohort__start_date", "-pk")
        .first()
    )


def current_assignment(person: Person) -> MentorAssignment | None:
    return (
        MentorAssignment.objects.filter(person=person, ended_at__isnull=True)
        .select_related("mentor")
        .first()
    )


def open_loads(centre: Centre) -> dict[int, int]:
    """Mentor id → number of open assignments."""
    return dict(
        MentorAssignment.objects.filter(centre=centre, ended_at__isnull=True)
        .values("mentor_id")
        .annotate(n=Count("pk"))
        .values_list("mentor_id", "n")
    )


@dataclass
class MentorLoad:
    user: object
    profile: MentorProfile | None
    load: int

    @property
    def max_caseload(self) -> int | None:
        return self.profile.max_caseload if self.profile else None

    @property
    def percent(self) -> int:
        if not self.profile or not self.profile.max_caseload:
            return 0
        return min(100, round(100 * self.load / self.profile.max_caseload))

    @property
    def full(self) -> bool:
        return self.profile is not None and self.load >= self.profile.max_caseload

    @property
    def language_labels(self) -> list[str]:
        labels = dict(Language.choices)
        return [
            str(labels.get(code, code)) for code in (self.profile.languages if self.profile else [])
        ]

    @property
    def track_labels(self) -> list[str]:
        labels = dict(Programme.Track.choices)
        return [
            str(labels.get(code, code)) for code in (self.profile.tracks if self.profile else [])
        ]


def mentor_users(centre: Centre):
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(staff_profile__centre=centre, staff_profile__role=Role.MENTOR)
        .order_by("first_name", "last_name", "username")
    )


def mentor_loads(centre: Centre) -> list[MentorLoad]:
    """Every mentor of the centre with their profile (None if not set yet) and open caseload."""
    profiles = {p.user_id: p for p in MentorProfile.objects.filter(centre=centre)}
    loads = open_loads(centre)
    return [MentorLoad(u, profiles.get(u.pk), loads.get(u.pk, 0)) for u in mentor_users(centre)]


def mentor_get_for_manager(user, pk):
    """A mentor of the manager's centre (404 otherwise)."""
    centre = mentoring_centre_for_user(user)
    if not is_manager_of(user, centre.pk):
        raise PermissionDenied
    mentor = mentor_users(centre).filter(pk=pk).first()
    if mentor is None:
        raise Http404
    return mentor


def unassigned_youth(centre: Centre, *, today: dt.date | None = None, query: str = ""):
    """Enrolled youth of the centre without a mentor, whose cohort is running, planned or ended
    less than six months ago (still accompanied), by name."""
    today = today or timezone.localdate()
    qs = (
        Person.objects.filter(
            centre=centre,
            merged_into__isnull=True,
            enrolments__withdrawn_at__isnull=True,
            enrolments__cohort__centre=centre,
            enrolments__cohort__end_date__gte=today - dt.timedelta(days=ALUMNI_DAYS),
        )
        .exclude(pk__in=MentorAssignment.objects.filter(ended_at__isnull=True).values("person_id"))
        .distinct()
    )
    query = (query or "").strip()
    if query:
        qs = qs.filter(
            Q(first_name_latin__icontains=query)
            | Q(last_name_latin__icontains=query)
            | Q(first_name_ar__icontains=query)
            | Q(last_name_ar__icontains=query)
            | Q(cin__iexact=query.replace(" ", ""))
        )
    return qs.order_by("last_name_latin", "first_name_latin", "pk")


@dataclass
class MentorSuggestion:
    mentor: object | None
    reason: str
    load: int = 0
    max_caseload: int = 0


def mentor_suggestion(person: Person, *, exclude_mentor_id: int | None = None) -> MentorSuggestion:
    """Who should follow this youth, and why, in words."""
    enrolment = latest_enrolment(person)
    track = enrolment.cohort.programme.track if enrolment else None
    return _suggest(person, track, candidates_for(person.centre, exclude_mentor_id))


def candidates_for(centre: Centre, exclude_mentor_id: int | None = None) -> list[tuple]:
    loads = open_loads(centre)
    out = []
    for p in MentorProfile.objects.filter(
        centre=centre, user__staff_profile__role=Role.MENTOR
    ).select_related("user"):
        if p.user_id == exclude_mentor_id:
            continue
        out.append(
            (
                rules.Candidate(
                    mentor_id=p.user_id,
                    name=p.user.get_full_name() or p.user.get_username(),
                    languages=frozenset(p.languages or []),
                    tracks=frozenset(p.tracks or []),
                    load=loads.get(p.user_id, 0),
                    max_caseload=p.max_caseload,
                ),
                p.user,
            )
        )
    return out


def _suggest(person: Person, track: str | None, candidates: list[tuple]) -> MentorSuggestion:
    users = {c.mentor_id: u for c, u in candidates}
    found = rules.suggest_mentor(
        [c for c, _u in candidates], language=person.preferred_language, track=track
    )
    if found is None:
        if not candidates:
            return MentorSuggestion(None, _("No mentor of the centre has a profile yet."))
        return MentorSuggestion(None, _("Every mentor's caseload is full."))
    c = found.candidate
    values = {
        "mentor": c.name,
        "language": Language(person.preferred_language).label
        if person.preferred_language in Language.values
        else person.preferred_language,
        "track": Programme.Track(track).label if track in Programme.Track.values else "—",
        "load": c.load,
        "max": c.max_caseload,
    }
    if found.speaks and found.follows:
        reason = _(
            "%(mentor)s speaks %(language)s, follows the %(track)s track and has the lightest "
            "caseload of those who do (%(load)s of %(max)s)."
        )
    elif found.speaks:
        reason = _(
            "No mentor with room follows the %(track)s track; %(mentor)s speaks %(language)s and "
            "has the lightest caseload of those who do (%(load)s of %(max)s)."
        )
    elif found.follows:
        reason = _(
            "No mentor with room speaks %(language)s; %(mentor)s follows the %(track)s track and "
            "has the lightest caseload of those who do (%(load)s of %(max)s)."
        )
    else:
        reason = _(
            "No mentor with room speaks %(language)s or follows the %(track)s track; %(mentor)s "
            "has the lightest caseload (%(load)s of %(max)s)."
        )
    return MentorSuggestion(users[c.mentor_id], reason % values, c.load, c.max_caseload)


def suggestions_for(people: list[Person], centre: Centre) -> dict[int, MentorSuggestion]:
    """One suggestion per person, computed against the same loads (the caseloads page)."""
    candidates = candidates_for(centre)
    tracks = dict(
        Enrolment.objects.filter(person__in=people, withdrawn_at__isnull=True)
        .order_by("person_id", "cohort__start_date", "pk")
        .values_list("person_id", "cohort__programme__track")
    )  # the latest enrolment wins (ordered last)
    return {p.pk: _suggest(p, tracks.get(p.pk), candidates) for p in people}


# --- Mentees ----------------------------------------------------------------------------------


def assignments_for_user(user, *, mentor_id: int | None = None):
    """Open assignments the user may see: a mentor's own; every one of the centre for a
    coordinator (optionally one mentor's)."""
    centre = mentoring_centre_for_user(user)
    qs = MentorAssignment.objects.filter(centre=centre, ended_at__isnull=True)
    if not is_manager_of(user, centre.pk):
        qs = qs.filter(mentor=user)
    elif mentor_id:
        qs = qs.filter(mentor_id=mentor_id)
    return qs.select_related("person", "mentor").order_by(
        "person__last_name_latin", "person__first_name_latin", "pk"
    )


def last_contacts(person_ids) -> dict[int, dt.date]:
    """Person id → the last day of contact: an attended mentoring session, a follow-up that
    reached them, or a note written about them."""
    person_ids = list(person_ids)
    now = timezone.now()
    found: dict[int, dt.date] = {}

    def keep(pid, day):
        if day is not None and (pid not in found or day > found[pid]):
            found[pid] = day

    for pid, at in (
        MentoringParticipant.objects.filter(
            person_id__in=person_ids, attended=True, session__starts_at__lte=now
        )
        .values("person_id")
        .annotate(last=Max("session__starts_at"))
        .values_list("person_id", "last")
    ):
        keep(pid, timezone.localtime(at).date())
    for pid, day in (
        FollowUp.objects.filter(person_id__in=person_ids, status=FollowUp.Status.REACHED)
        .values("person_id")
        .annotate(last=Max("contacted_on"))
        .values_list("person_id", "last")
    ):
        keep(pid, day)
    for pid, at in (
        MentoringNote.objects.filter(person_id__in=person_ids)
        .values("person_id")
        .annotate(last=Max("created_at"))
        .values_list("person_id", "last")
    ):
        keep(pid, timezone.localtime(at).date())
    return found


def latest_enrolments(person_ids) -> dict[int, Enrolment]:
    out: dict[int, Enrolment] = {}
    for e in (
        Enrolment.objects.filter(person_id__in=list(person_ids), withdrawn_at__isnull=True)
        .select_related("cohort__programme")
        .order_by("cohort__start_date", "pk")
    ):
        out[e.person_id] = e  # the latest wins
    return out


def mentee_rows(user, *, mentor_id: int | None = None) -> list[dict]:
    assignments = list(assignments_for_user(user, mentor_id=mentor_id))
    ids = [a.person_id for a in assignments]
    contacts = last_contacts(ids)
    enrolments = latest_enrolments(ids)
    return [
        {
            "assignment": a,
            "person": a.person,
            "enrolment": enrolments.get(a.person_id),
            "last_contact": contacts.get(a.person_id),
        }
        for a in assignments
    ]


def notes_visible(user, person: Person):
    """Notes on `person` that `user` may read: all of them for a coordinator/admin, their own for
    a mentor."""
    qs = MentoringNote.objects.filter(person=person).select_related("author", "session")
    if is_manager_of(user, person.centre_id):
        return qs
    return qs.filter(author=user)


def note_get_for_edit(user, pk) -> MentoringNote:
    """A note its author may edit. Anyone else of the centre is told only its author can."""
    centre = mentoring_centre_for_user(user)
    note = (
        MentoringNote.objects.filter(pk=pk, centre=centre)
        .select_related("person", "author")
        .first()
    )
    if note is None:
        raise Http404
    if note.author_id != user.pk:
        raise note_not_yours()
    return note


def note_not_yours() -> MentoringDenied:
    return MentoringDenied(
        _("Only the author of a note can change it. The note was left unchanged.")
    )


# --- Sessions ---------------------------------------------------------------------------------


def person_mentor_ids(person: Person) -> list[int]:
    """The users who mentor `person` now (open assignments): learning's absence alert reaches
    them."""
    return list(
        MentorAssignment.objects.filter(person=person, ended_at__isnull=True).values_list(
            "mentor_id", flat=True
        )
    )


def mentoring_items(
    centre: Centre, start: dt.datetime, end: dt.datetime, *, exclude=None
) -> list[tuple[dt.datetime, dt.datetime, int]]:
    """Mentoring sessions overlapping [start, end): each counts its participants (registered
    with centre.occupancy as the building's "mentoring" use)."""
    qs = MentoringSession.objects.filter(centre=centre, starts_at__lt=end, ends_at__gt=start)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return list(
        qs.annotate(people=Count("attendance")).values_list("starts_at", "ends_at", "people")
    )


def mentoring_rooms(centre: Centre):
    return Room.objects.filter(centre=centre, kind=Room.Kind.MENTORING).order_by("name_fr")


def mentoring_room_taken(room: Room, starts_at: dt.datetime, ends_at: dt.datetime) -> str | None:
    """Why a class session may not use `room` then: it is booked for mentoring (centre asks)."""
    if MentoringSession.objects.filter(
        room=room, starts_at__lt=ends_at, ends_at__gt=starts_at
    ).exists():
        return _("%(room)s is booked for mentoring at that time.") % {"room": room.name}
    return None


def week_sessions(centre: Centre, start: dt.datetime, end: dt.datetime, *, room=None):
    """The centre's week view: mentoring sessions of [start, end) (centre.occupancy)."""
    return sessions_between(centre, start, end, room=room)


def sessions_between(
    centre: Centre, start: dt.datetime, end: dt.datetime, *, room=None, mentor=None
):
    """Mentoring sessions overlapping [start, end), with their number of participants."""
    qs = MentoringSession.objects.filter(centre=centre, starts_at__lt=end, ends_at__gt=start)
    if room is not None:
        qs = qs.filter(room=room)
    if mentor is not None:
        qs = qs.filter(mentor=mentor)
    return (
        qs.select_related("room", "mentor")
        .annotate(people=Count("attendance"))
        .order_by("starts_at", "room__name_fr")
    )


def week_start(day: dt.date) -> dt.datetime:
    monday = day - dt.timedelta(days=day.weekday())
    return dt.datetime.combine(monday, dt.time(0), tzinfo=timezone.get_current_timezone())


def sessions_week_for_user(user, monday: dt.date, *, mentor_id: int | None = None):
    """The week's mentoring sessions: a mentor's own; the centre's for a coordinator."""
    centre = mentoring_centre_for_user(user)
    start = week_start(monday)
    mentor = None
    if not is_manager_of(user, centre.pk):
        mentor = user
    elif mentor_id:
        mentor = mentor_users(centre).filter(pk=mentor_id).first()
    return sessions_between(centre, start, start + dt.timedelta(days=7), mentor=mentor)


def session_get_for_user(user, pk) -> MentoringSession:
    """A session for its mentor or a coordinator/admin of its centre (404 otherwise)."""
    centre = mentoring_centre_for_user(user)
    session = (
        MentoringSession.objects.filter(pk=pk, centre=centre)
        .select_related("room", "mentor")
        .first()
    )
    if session is None:
        raise Http404
    if session.mentor_id != user.pk and not is_manager_of(user, centre.pk):
        raise Http404
    return session


def session_participants(session: MentoringSession):
    return (
        MentoringParticipant.objects.filter(session=session)
        .select_related("person")
        .order_by("person__last_name_latin", "person__first_name_latin")
    )


def bookable_people(user, centre: Centre):
    """Who may be invited to a session: a mentor's own mentees; for a coordinator, every youth
    with a mentor in the centre."""
    qs = Person.objects.filter(
        centre=centre, mentor_assignments__ended_at__isnull=True, merged_into__isnull=True
    )
    if not is_manager_of(user, centre.pk):
        qs = qs.filter(mentor_assignments__mentor=user)
    return qs.distinct().order_by("last_name_latin", "first_name_latin")


def person_sessions(person: Person, *, mentor=None):
    qs = MentoringSession.objects.filter(attendance__person=person)
    if mentor is not None:
        qs = qs.filter(mentor=mentor)
    return qs.select_related("room", "mentor").order_by("-starts_at")


# --- Alerts -----------------------------------------------------------------------------------


@dataclass
class MenteeAlerts:
    assignment: MentorAssignment
    last_contact: dt.date | None = None
    no_contact_days: int | None = None  # set when over the limit
    overdue_steps: list = field(default_factory=list)
    absences: list = field(default_factory=list)

    @property
    def any(self) -> bool:
        return bool(self.no_contact_days is not None or self.overdue_steps or self.absences)


def alerts_for_user(user, *, today: dt.date | None = None, mentor_id: int | None = None):
    """Mentees needing attention: no contact for NO_CONTACT_DAYS days (counted from the
    assignment when never met), overdue action steps, repeated absences from a running cohort."""
    today = today or timezone.localdate()
    assignments = list(assignments_for_user(user, mentor_id=mentor_id))
    ids = [a.person_id for a in assignments]
    contacts = last_contacts(ids)
    steps: dict[int, list] = {}
    for step in ActionStep.objects.filter(
        plan__person_id__in=ids, done_on__isnull=True, due_on__lt=today
    ).select_related("plan"):
        steps.setdefault(step.plan.person_id, []).append(step)
    absences: dict[int, list] = {}
    for alert in (
        AbsenceAlert.objects.filter(
            enrolment__person_id__in=ids,
            enrolment__withdrawn_at__isnull=True,
            enrolment__cohort__end_date__gte=today,
        )
        .select_related("enrolment__cohort", "first_session")
        .order_by("-created_at")
    ):
        absences.setdefault(alert.enrolment.person_id, []).append(alert)
    rows = []
    for a in assignments:
        row = MenteeAlerts(a, last_contact=contacts.get(a.person_id))
        since = row.last_contact or timezone.localtime(a.assigned_at).date()
        if (today - since).days >= NO_CONTACT_DAYS:
            row.no_contact_days = (today - since).days
        row.overdue_steps = steps.get(a.person_id, [])
        row.absences = absences.get(a.person_id, [])
        if row.any:
            rows.append(row)
    rows.sort(key=lambda r: (-(r.no_contact_days or 0), -len(r.overdue_steps), r.assignment.pk))
    return rows


# --- Follow-ups -------------------------------------------------------------------------------


def followups_for_user(user):
    """Follow-ups the user may see: every one of the centre for a coordinator, those of their
    current mentees for a mentor."""
    centre = mentoring_centre_for_user(user)
    qs = FollowUp.objects.filter(centre=centre)
    if not is_manager_of(user, centre.pk):
        qs = qs.filter(
            person__mentor_assignments__mentor=user,
            person__mentor_assignments__ended_at__isnull=True,
        )
    return qs.select_related("person", "enrolment__cohort__programme")


def followups_due(user, *, today: dt.date | None = None, horizon_days: int = DUE_HORIZON_DAYS):
    """Pending follow-ups due by today + horizon, overdue first (the earliest due date first).
    People who objected to follow-up calls (law 09-08) are not on it."""
    today = today or timezone.localdate()
    return (
        followups_for_user(user)
        .filter(status=FollowUp.Status.PENDING, due_on__lte=today + dt.timedelta(days=horizon_days))
        .exclude(person__objections__purpose=Purpose.FOLLOWUP)
        .order_by("due_on", "person__last_name_latin", "pk")
    )


def followups_recorded(user, *, limit: int = 50):
    """The follow-ups recorded last (reached or not reached), newest first."""
    return (
        followups_for_user(user)
        .exclude(status=FollowUp.Status.PENDING)
        .order_by("-recorded_at", "-pk")[:limit]
    )


def followup_get_for_user(user, pk) -> FollowUp:
    centre = mentoring_centre_for_user(user)
    followup = (
        FollowUp.objects.filter(pk=pk, centre=centre)
        .select_related("person", "enrolment__cohort__programme")
        .first()
    )
    if followup is None:
        raise Http404
    if not can_follow(user, followup.person):
        raise not_your_mentee()
    return followup


def intake_date(person: Person) -> dt.date:
    """When the youth came to the centre: the earlier of their registration and their baseline."""
    day = timezone.localtime(person.created_at).date()
    baseline_on = (
        Baseline.objects.filter(person=person).values_list("recorded_on", flat=True).first()
    )
    return min(day, baseline_on) if baseline_on else day


def mentor_person_ids(user):
    """The people a mentor may open in the registry: their current mentees."""
    return MentorAssignment.objects.filter(
        mentor_id=user.pk, ended_at__isnull=True, centre_id=user_centre_id(user)
    ).values("person_id")
