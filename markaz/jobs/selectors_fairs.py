"""Reads for job fairs, permission-checked and scoped to the user's centre.

Coordinators and administrators see every fair, employer and youth registered; a mentor sees the
fairs and, among the youth, only their own mentees (their registrations, schedules and cards);
the provincial viewer sees counts only (`fair_counts`); everyone else gets 403.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404
from django.utils import timezone

from markaz.core.access import has_role, user_centre, user_role
from markaz.core.roles import Role
from markaz.engine import jobfair, jobmatch

from . import selectors
from .models import FairEmployer, FairInterview, FairWish, FairYouth, JobFair, Opportunity

DEFAULT_TIME_LIMIT_S = 20.0


@dataclass(frozen=True)
class Slot:
    index: int
    starts_at: dt.datetime
    ends_at: dt.datetime

    @property
    def label(self) -> str:
        start, end = timezone.localtime(self.starts_at), timezone.localtime(self.ends_at)
        return f"{start:%H:%M}–{end:%H:%M}"


def fair_slots(fair: JobFair) -> list[Slot]:
    """The fair's interview slots: `slot_minutes` each from the start time, the last one ending
    by the end time (aware datetimes, the centre's time zone)."""
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(dt.datetime.combine(fair.date, fair.start_time), tz)
    end = timezone.make_aware(dt.datetime.combine(fair.date, fair.end_time), tz)
    step = dt.timedelta(minutes=fair.slot_minutes)
    slots, k = [], 0
    while start + (k + 1) * step <= end:
        slots.append(Slot(k, start + k * step, start + (k + 1) * step))
        k += 1
    return slots


def fair_bounds(fair: JobFair) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return (
        timezone.make_aware(dt.datetime.combine(fair.date, fair.start_time), tz),
        timezone.make_aware(dt.datetime.combine(fair.date, fair.end_time), tz),
    )


def fair_people(fair: JobFair, *, extra_youth: int = 0, extra_tables: int = 0) -> int:
    """How many people the fair brings into the building at most: every youth registered (and
    not marked absent) plus one recruiter per table."""
    youth = fair.youth.filter(absent=False).count() if fair.pk else 0
    tables = sum(fair.employers.values_list("tables", flat=True)) if fair.pk else 0
    return youth + tables + extra_youth + extra_tables


# --- Lists and pages ---------------------------------------------------------------------------


def fair_list(user):
    centre = selectors.jobs_centre_for_user(user)
    return (
        JobFair.objects.filter(centre=centre)
        .select_related("room", "commune")
        .annotate(
            n_employers=Count("employers", distinct=True), n_youth=Count("youth", distinct=True)
        )
    )


def fair_get_for_user(user, pk) -> JobFair:
    centre = selectors.jobs_centre_for_user(user)
    try:
        return JobFair.objects.select_related("room", "commune", "job").get(pk=pk, centre=centre)
    except (JobFair.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def fair_youth_for_user(user, fair: JobFair):
    """The youth registered at a fair that the user may see (a mentor: their mentees)."""
    qs = fair.youth.select_related("person", "person__commune")
    if not selectors.is_manager(user):
        qs = qs.filter(person__in=selectors.youth_for_user(user))
    return qs


def fair_youth_get_for_user(user, fair: JobFair, pk) -> FairYouth:
    try:
        registration = fair.youth.select_related("person").get(pk=pk)
    except (FairYouth.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
    if not selectors.can_work_person(user, registration.person):
        raise selectors.not_your_youth()
    return registration


def fair_employer_get(user, fair: JobFair, pk) -> FairEmployer:
    selectors.jobs_centre_for_user(user)
    try:
        return fair.employers.select_related("employer").get(pk=pk)
    except (FairEmployer.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def youth_schedule(registration: FairYouth) -> list[dict]:
    """A youth's interviews in time order: slot, its times, the employer, the table number."""
    slots = {s.index: s for s in fair_slots(registration.fair)}
    tables = table_numbers(registration.fair)
    rows = []
    for iv in registration.interviews.select_related("employer__employer").order_by("slot"):
        rows.append(
            {
                "slot": slots.get(iv.slot),
                "employer": iv.employer.employer,
                "table": tables.get(iv.employer_id),
            }
        )
    return rows


def table_numbers(fair: JobFair) -> dict[int, str]:
    """Each employer's place in the hall: table 1, 2… (an employer with three tables holds
    1–3)."""
    out, n = {}, 1
    for fe in fair.employers.order_by("employer__name", "pk"):
        out[fe.pk] = str(n) if fe.tables <= 1 else f"{n}–{n + fe.tables - 1}"
        n += max(fe.tables, 1)
    return out


def employer_sheet(fe: FairEmployer) -> list[dict]:
    """An employer's list for its tables: slot by slot, who comes."""
    slots = fair_slots(fe.fair)
    by_slot = defaultdict(list)
    for iv in fe.interviews.select_related("youth__person").order_by(
        "slot", "youth__person__last_name_latin"
    ):
        by_slot[iv.slot].append(iv.youth.person)
    return [{"slot": s, "people": by_slot.get(s.index, [])} for s in slots]


def schedule_grid(user, fair: JobFair) -> list[dict]:
    """The schedule, slot by slot, limited to the youth the user may see."""
    visible = set(fair_youth_for_user(user, fair).values_list("pk", flat=True))
    by_slot = defaultdict(list)
    for iv in fair.interviews.select_related("youth__person", "employer__employer"):
        if iv.youth_id in visible:
            by_slot[iv.slot].append(iv)
    return [{"slot": s, "interviews": by_slot.get(s.index, [])} for s in fair_slots(fair)]


# --- The engine's instance ---------------------------------------------------------------------


def fair_instance(fair: JobFair, *, time_limit_s: float = DEFAULT_TIME_LIMIT_S, late=True):
    """The engine's instance from the database: slot indices, youth and employers by their
    registration id, the wishes as pairs. With `late`, youth marked absent have no slot and an
    employer leaving early loses its slots from then on (for a first schedule made late)."""
    n = len(fair_slots(fair))
    slots = tuple(range(n))
    youth = []
    for fy in fair.youth.all():
        available = () if (late and fy.absent) else tuple(s for s in fy.slots if 0 <= s < n)
        youth.append(jobfair.Youth(fy.pk, available, fy.max_interviews))
    employers = []
    for fe in fair.employers.all():
        end = fe.leaves_from if (late and fe.leaves_from is not None) else n
        available = tuple(s for s in fe.slots if 0 <= s < min(n, end))
        employers.append(jobfair.Employer(fe.pk, fe.tables, available, fe.max_interviews))
    pairs = tuple(
        jobfair.Pair(w.youth_id, w.employer_id, w.value)
        for w in FairWish.objects.filter(youth__fair=fair).order_by("pk")
    )
    return jobfair.Instance(
        slots=slots,
        youth=tuple(youth),
        employers=tuple(employers),
        pairs=pairs,
        time_limit_s=time_limit_s,
    )


def fair_interviews_engine(fair: JobFair, *, exclude=None) -> list:
    qs = FairInterview.objects.filter(fair=fair)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return [
        jobfair.Interview(y, e, s) for y, e, s in qs.values_list("youth_id", "employer_id", "slot")
    ]


# --- Matching: which employers a youth should meet, and the value of each pair -----------------


def pair_values(people, fair_employers) -> dict[tuple[int, int], int]:
    """For each (person, fair employer) that fits, the value of their meeting: the best match
    score (jobs matching) among the employer's open opportunities. An employer without an
    open opportunity matches nobody here."""
    today = timezone.localdate()
    facts = selectors.youth_facts(people)
    openings = defaultdict(list)
    by_employer = {fe.employer_id: fe for fe in fair_employers}
    for opp in Opportunity.objects.filter(
        employer_id__in=by_employer, status="open", closes_on__gte=today
    ).select_related("employer", "commune"):
        openings[opp.employer_id].append(selectors.opening_for(opp))
    out = {}
    for person_id, youth in facts.items():
        for employer_id, ops in openings.items():
            best = None
            for opening in ops:
                m = jobmatch.match_one(opening, youth)
                if m.fits and (best is None or m.score > best):
                    best = m.score
            if best is not None:
                out[person_id, by_employer[employer_id].pk] = max(1, round(best))
    return out


# --- Counts (the provincial viewer) ------------------------------------------------------------


def fair_counts(user) -> dict:
    """Fairs, employers, youth registered and interviews: of the user's centre, or of every
    centre for the provincial viewer (small cells of people shown as "<5")."""
    if not has_role(user, selectors.COUNT_ROLES):
        raise PermissionDenied
    provincial = user_role(user) == Role.PROVINCIAL
    scope = {} if provincial else {"centre": user_centre(user)}
    fairs = JobFair.objects.filter(**scope)
    protect = selectors._small_cell if provincial else (lambda n: n)
    return {
        "fairs": fairs.count(),
        "fair_youth": protect(FairYouth.objects.filter(fair__in=fairs).count()),
        "fair_interviews": protect(FairInterview.objects.filter(fair__in=fairs).count()),
    }


# --- The centre: the building's load and the door -------------------------------------------------


def fair_occupancy_items(centre, start: dt.datetime, end: dt.datetime) -> list:
    """The fairs held at the centre overlapping [start, end), as the centre's occupancy items
    (starts_at, ends_at, people): youth registered and not absent plus one recruiter per table.
    For the centre's booking calendar to count fairs toward the building's maximum."""
    items = []
    for fair in JobFair.objects.filter(
        centre=centre,
        place=JobFair.Place.CENTRE,
        date__gte=start.date() - dt.timedelta(days=1),
        date__lte=end.date(),
    ):
        a, b = fair_bounds(fair)
        if a < end and b > start:
            items.append((a, b, fair_people(fair)))
    return items


def fair_door_pass(*, centre_id: int, person_id: int, day: dt.date) -> bool:
    """Whether a youth registered (and not marked absent) at a fair held at the centre on `day`
    should be let in by the door although not enrolled in a cohort. For the door to ask (see
    the README: the door's own rule lives in the centre app)."""
    return FairYouth.objects.filter(
        fair__centre_id=centre_id,
        fair__place=JobFair.Place.CENTRE,
        fair__date=day,
        person_id=person_id,
        absent=False,
    ).exists()
