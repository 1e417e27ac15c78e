"""Reads for jobs and businesses, permission-checked and scoped to the user's centre.

Who sees what:
- coordinators and administrators of a centre: every employer, opportunity, candidacy,
  placement and business project of their centre, and every youth of the centre in matching;
- a mentor (the centre's insertion work): employers and opportunities of the centre, and only
  their own mentees among youth (matching, pipeline, placements, business projects);
- the provincial viewer: counts only (no employer contact, no youth), on the jobs home page;
- trainers and caravan staff: nothing here (403).
"""

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from markaz.centre.models import Centre
from markaz.core.access import has_role, user_centre, user_role
from markaz.core.roles import Role
from markaz.engine import jobmatch
from markaz.learning.models import Certificate, Completion
from markaz.mentoring.models import MentorAssignment
from markaz.programmes.models import Enrolment, Programme
from markaz.registry.models import EducationLevel, Person

from .models import (
    BusinessProject,
    Candidacy,
    Employer,
    JobWish,
    Opportunity,
    Placement,
)

JOBS_ROLES = frozenset({Role.ADMIN, Role.COORDINATOR, Role.MENTOR})
MANAGER_ROLES = frozenset({Role.ADMIN, Role.COORDINATOR})
COUNT_ROLES = JOBS_ROLES | {Role.PROVINCIAL}
# Education levels in increasing order (rank 1 = no schooling; 0 means "nothing asked").
EDUCATION_RANK = {value: i + 1 for i, value in enumerate(EducationLevel.values)}


class JobsDenied(PermissionDenied):
    """Refused, with the reason in words (shown on a 403 page)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def jobs_centre_for_user(user) -> Centre:
    """The centre whose jobs a staff member works with (403 for every other role)."""
    if not has_role(user, JOBS_ROLES):
        raise PermissionDenied
    centre = user_centre(user)
    if centre is None:
        raise PermissionDenied
    return centre


def is_manager(user) -> bool:
    return has_role(user, MANAGER_ROLES)


def youth_for_user(user):
    """The youth a user may name in jobs work: every person of the centre who enrolled in one
    of its cohorts (coordinators), or the mentor's current mentees."""
    centre = jobs_centre_for_user(user)
    people = Person.objects.filter(
        centre=centre, merged_into__isnull=True, anonymised_at__isnull=True
    )
    if user_role(user) == Role.MENTOR:
        return people.filter(
            pk__in=MentorAssignment.objects.filter(
                mentor_id=user.pk, ended_at__isnull=True, centre=centre
            ).values("person_id")
        )
    return people.filter(pk__in=Enrolment.objects.filter(cohort__centre=centre).values("person_id"))


def not_your_youth() -> JobsDenied:
    return JobsDenied(
        _(
            "This youth is not in your caseload: only their mentor and the centre's "
            "coordinators can work on their file."
        )
    )


def person_get_for_user(user, pk) -> Person:
    centre = jobs_centre_for_user(user)
    try:
        person = Person.objects.select_related("commune").get(
            pk=pk, centre=centre, merged_into__isnull=True
        )
    except (Person.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
    if not youth_for_user(user).filter(pk=person.pk).exists():
        raise not_your_youth()
    return person


def can_work_person(user, person: Person) -> bool:
    return youth_for_user(user).filter(pk=person.pk).exists()


# --- Employers and opportunities -------------------------------------------------------------


def employer_list(user, *, q: str = ""):
    centre = jobs_centre_for_user(user)
    qs = (
        Employer.objects.filter(centre=centre)
        .select_related("commune")
        .annotate(
            open_count=Count("opportunities", filter=Q(opportunities__status="open")),
        )
    )
    if q:
        qs = qs.filter(name__icontains=q)
    return qs


def employer_get_for_user(user, pk) -> Employer:
    centre = jobs_centre_for_user(user)
    try:
        return Employer.objects.select_related("commune").get(pk=pk, centre=centre)
    except (Employer.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def opportunity_list(user, *, status: str = "open", kind: str = ""):
    centre = jobs_centre_for_user(user)
    qs = Opportunity.objects.filter(centre=centre).select_related("employer", "commune")
    today = timezone.localdate()
    if status == Opportunity.Status.OPEN:
        qs = qs.filter(status=status, closes_on__gte=today)
    elif status == Opportunity.Status.CLOSED:
        qs = qs.filter(Q(status=status) | Q(closes_on__lt=today))
    if kind in Opportunity.Kind.values:
        qs = qs.filter(kind=kind)
    return qs.annotate(
        pipeline=Count("candidacies"),
        hired=Count("candidacies", filter=Q(candidacies__status__in=["hired", "started", "left"])),
    )


def opportunity_get_for_user(user, pk) -> Opportunity:
    centre = jobs_centre_for_user(user)
    try:
        return Opportunity.objects.select_related("employer", "commune").get(pk=pk, centre=centre)
    except (Opportunity.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def candidacies_for_opportunity(user, opportunity: Opportunity):
    """The pipeline of an opportunity: all of it for coordinators, a mentor's mentees only."""
    return (
        Candidacy.objects.filter(opportunity=opportunity, person__in=youth_for_user(user))
        .select_related("person", "placement")
        .order_by("status", "person__last_name_latin")
    )


def candidacy_get_for_user(user, pk) -> Candidacy:
    centre = jobs_centre_for_user(user)
    try:
        candidacy = Candidacy.objects.select_related(
            "person", "opportunity__employer", "opportunity__commune", "centre"
        ).get(pk=pk, centre=centre)
    except (Candidacy.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
    if not can_work_person(user, candidacy.person):
        raise not_your_youth()
    return candidacy


def placement_list(user):
    return (
        Placement.objects.filter(person__in=youth_for_user(user))
        .select_related("person", "employer")
        .order_by("-start_date", "pk")
    )


# --- Matching --------------------------------------------------------------------------------

REASONS = {
    "skills_none_asked": gettext_lazy("No particular skill asked."),
    "skills_completed": gettext_lazy("Completed: %(skills)s."),
    "skills_in_training": gettext_lazy("In training: %(skills)s."),
    "skills_missing": gettext_lazy("Missing: %(skills)s."),
    "education_met": gettext_lazy("Education level as asked or higher."),
    "education_one_below": gettext_lazy("Education level one step below what is asked."),
    "education_below": gettext_lazy("Education level below what is asked."),
    "distance_unknown": gettext_lazy("Distance unknown (commune not given)."),
    "distance_near": gettext_lazy("Lives close by (about %(km)s km)."),
    "distance_km": gettext_lazy("About %(km)s km by road."),
    "distance_far": gettext_lazy("Far: about %(km)s km by road."),
    "distance_beyond_wish": gettext_lazy(
        "About %(km)s km by road: farther than the youth accepts."
    ),
    "wishes_none": gettext_lazy("No stated wish."),
    "wish_kind_met": gettext_lazy("Wants this kind of contract."),
    "wish_kind_other": gettext_lazy("Wants another kind of contract."),
    "wish_sector_met": gettext_lazy("Wants to work in this sector."),
    "wish_sector_other": gettext_lazy("Wants to work in another sector."),
    "hours_conflict": gettext_lazy(
        "Follows a cohort at the same time of day (%(pattern)s): hours do not fit."
    ),
}


def reason_text(reason: jobmatch.Reason) -> str:
    params = reason.as_dict()
    if "skills" in params:
        tracks = dict(Programme.Track.choices)
        params["skills"] = ", ".join(str(tracks.get(s, s)) for s in params["skills"])
    if "pattern" in params:
        from markaz.programmes.models import SchedulePattern

        params["pattern"] = str(dict(SchedulePattern.choices).get(params["pattern"], ""))
    return str(REASONS[reason.code]) % params


def reasons_text(reasons) -> list[dict]:
    return [{"text": reason_text(r), "positive": r.positive} for r in reasons]


def opening_for(opportunity: Opportunity) -> jobmatch.Opening:
    commune = opportunity.commune
    return jobmatch.Opening(
        kind=opportunity.kind,
        sector=opportunity.employer.sector,
        skills=frozenset(opportunity.skills or ()),
        min_education=EDUCATION_RANK.get(opportunity.min_education, 0),
        lat=float(commune.latitude),
        lon=float(commune.longitude),
        pattern=opportunity.pattern,
    )


def youth_facts(people, *, today: dt.date | None = None) -> dict[int, jobmatch.Youth]:
    """What matching knows of each person (never their sex, disability or RSU index)."""
    today = today or timezone.localdate()
    people = list(people)
    ids = [p.pk for p in people]
    completed: dict[int, set] = defaultdict(set)
    training: dict[int, set] = defaultdict(set)
    busy: dict[int, set] = defaultdict(set)
    for person_id, track in Completion.objects.filter(
        enrolment__person_id__in=ids, completed=True
    ).values_list("enrolment__person_id", "enrolment__cohort__programme__track"):
        completed[person_id].add(track)
    for person_id, track in Certificate.objects.filter(
        enrolment__person_id__in=ids, revoked_at__isnull=True
    ).values_list("enrolment__person_id", "enrolment__cohort__programme__track"):
        completed[person_id].add(track)
    for person_id, track, pattern in Enrolment.objects.filter(
        person_id__in=ids,
        withdrawn_at__isnull=True,
        cohort__start_date__lte=today,
        cohort__end_date__gte=today,
    ).values_list("person_id", "cohort__programme__track", "cohort__schedule_pattern"):
        training[person_id].add(track)
        busy[person_id].add(pattern)
    wishes = {w.person_id: w for w in JobWish.objects.filter(person_id__in=ids)}
    facts = {}
    for p in people:
        wish = wishes.get(p.pk)
        commune = p.commune
        facts[p.pk] = jobmatch.Youth(
            id=p.pk,
            education=EDUCATION_RANK.get(p.education_level, 0),
            completed=frozenset(completed[p.pk]),
            in_training=frozenset(training[p.pk] - completed[p.pk]),
            lat=float(commune.latitude) if commune else None,
            lon=float(commune.longitude) if commune else None,
            busy_patterns=frozenset(busy[p.pk]),
            wished_kinds=frozenset(wish.kinds) if wish else frozenset(),
            wished_sectors=frozenset(wish.sectors) if wish else frozenset(),
            max_km=float(wish.max_km) if wish and wish.max_km is not None else None,
        )
    return facts


@dataclass
class MatchRow:
    person: Person
    match: jobmatch.Match
    reasons: list[dict]
    candidacy: Candidacy | None


def matching_for_opportunity(user, opportunity: Opportunity, *, limit: int = 30) -> list[MatchRow]:
    """Youth ranked for an opportunity (those who fit first), with the reasons in words.
    Youth already placed in an ongoing job are left out; those already in this opportunity's
    pipeline are shown with their candidacy."""
    people = list(
        youth_for_user(user)
        .select_related("commune")
        .exclude(pk__in=Placement.objects.filter(ended_on__isnull=True).values("person_id"))
    )
    facts = youth_facts(people)
    ranked = jobmatch.rank(opening_for(opportunity), facts.values())
    by_id = {p.pk: p for p in people}
    existing = {c.person_id: c for c in Candidacy.objects.filter(opportunity=opportunity)}
    return [
        MatchRow(by_id[m.youth_id], m, reasons_text(m.reasons), existing.get(m.youth_id))
        for m in ranked[:limit]
    ]


def opportunities_for_person(user, person: Person, *, limit: int = 10) -> list[dict]:
    """The open opportunities that fit a youth best, with the reasons."""
    centre = jobs_centre_for_user(user)
    youth = youth_facts([person])[person.pk]
    today = timezone.localdate()
    rows = []
    for opp in Opportunity.objects.filter(
        centre=centre, status="open", closes_on__gte=today
    ).select_related("employer", "commune"):
        m = jobmatch.match_one(opening_for(opp), youth)
        rows.append({"opportunity": opp, "match": m, "reasons": reasons_text(m.reasons)})
    rows.sort(key=lambda r: (not r["match"].fits, -r["match"].score, r["opportunity"].pk))
    return rows[:limit]


# --- Business projects -----------------------------------------------------------------------


def project_list(user, *, stage: str = ""):
    centre = jobs_centre_for_user(user)
    qs = BusinessProject.objects.filter(centre=centre).select_related("commune")
    if user_role(user) == Role.MENTOR:
        qs = qs.filter(members__in=youth_for_user(user)).distinct()
    if stage in BusinessProject.Stage.values:
        qs = qs.filter(stage=stage)
    return qs.prefetch_related("members")


def project_get_for_user(user, pk) -> BusinessProject:
    centre = jobs_centre_for_user(user)
    try:
        project = BusinessProject.objects.select_related("commune").get(pk=pk, centre=centre)
    except (BusinessProject.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
    if not is_manager(user) and not project.members.filter(pk__in=youth_for_user(user)).exists():
        raise not_your_youth()
    return project


# --- Counts (the provincial viewer sees these and nothing else) ------------------------------


def jobs_counts(user) -> dict:
    """Counts of employers, opportunities, placements by contract and projects by stage: of the
    user's centre, or of every centre for the provincial viewer. No names."""
    if not has_role(user, COUNT_ROLES):
        raise PermissionDenied
    centre = user_centre(user)
    scope = {} if user_role(user) == Role.PROVINCIAL else {"centre": centre}
    contracts = Counter(
        dict(
            Placement.objects.filter(**scope)
            .values_list("contract")
            .annotate(n=Count("pk"))
            .values_list("contract", "n")
        )
    )
    stages = Counter(
        dict(
            BusinessProject.objects.filter(**scope)
            .values_list("stage")
            .annotate(n=Count("pk"))
            .values_list("stage", "n")
        )
    )
    # The provincial viewer sees counts of people under 5 as "<5" (small-cell protection, as
    # in the indicators); employers and opportunities are not people.
    protect = _small_cell if user_role(user) == Role.PROVINCIAL else (lambda n: n)
    return {
        "employers": Employer.objects.filter(**scope).count(),
        "open_opportunities": Opportunity.objects.filter(
            **scope, status="open", closes_on__gte=timezone.localdate()
        ).count(),
        "placements": protect(sum(contracts.values())),
        "placements_via_centre": protect(
            Placement.objects.filter(**scope, via_centre=True).count()
        ),
        "by_contract": [
            (label, protect(contracts.get(value, 0))) for value, label in Placement.Contract.choices
        ],
        "by_stage": [
            (label, protect(stages.get(value, 0))) for value, label in BusinessProject.Stage.choices
        ],
    }


def _small_cell(n: int):
    return "<5" if 0 < n < 5 else n
