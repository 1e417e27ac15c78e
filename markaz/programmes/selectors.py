"""Reads for programmes, permission-checked."""

from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.utils import timezone

from markaz.core.access import has_role, user_centre_id, visible_centre_id
from markaz.core.roles import PEOPLE_ROLES, REGISTRY_WRITE_ROLES

from .models import (
    AllocationRun,
    Application,
    Campaign,
    Cohort,
    Offer,
    Outcome,
    Programme,
    ScoringRuleVersion,
    WaitlistEntry,
)


def programmes_for_user(user):
    centre_id = visible_centre_id(user, PEOPLE_ROLES)
    cohorts = Cohort.objects.prefetch_related("reserves").order_by("start_date", "code")
    return Programme.objects.filter(centre_id=centre_id).prefetch_related(
        Prefetch("cohorts", queryset=cohorts)
    )


def campaigns_for_user(user):
    centre_id = visible_centre_id(user, PEOPLE_ROLES)
    return Campaign.objects.filter(centre_id=centre_id).annotate(
        n_applications=Count("applications")
    )


def first_season_steps(centre) -> list[dict]:
    """What a centre needs before youth can rank cohorts, in order, each done or not: the
    priority rule, a programme, a cohort still to start, an application campaign."""
    from django.utils.translation import gettext as _

    today = timezone.localdate()
    return [
        {
            "key": "rule",
            "label": _("Publish the priority rule"),
            "url": "programmes:scoring_manage",
            "done": ScoringRuleVersion.objects.filter(centre=centre).exists(),
        },
        {
            "key": "programme",
            "label": _("Create a programme"),
            "url": "programmes:programme_create",
            "done": Programme.objects.filter(centre=centre).exists(),
        },
        {
            "key": "cohort",
            "label": _("Create a cohort that has not started"),
            "url": "programmes:cohort_create",
            "done": Cohort.objects.filter(centre=centre, start_date__gt=today).exists(),
        },
        {
            "key": "campaign",
            "label": _("Open an application campaign offering it"),
            "url": "programmes:campaign_create",
            "done": Campaign.objects.filter(centre=centre).exists(),
        },
    ]


def campaign_get_for_user(user, pk) -> Campaign:
    try:
        return campaigns_for_user(user).get(pk=pk)
    except (Campaign.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def run_get_for_user(user, pk) -> AllocationRun:
    centre_id = visible_centre_id(user, REGISTRY_WRITE_ROLES)
    try:
        return AllocationRun.objects.select_related("campaign", "job").get(
            pk=pk, centre_id=centre_id
        )
    except (AllocationRun.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def cohort_get_for_user(user, pk) -> Cohort:
    centre_id = visible_centre_id(user, PEOPLE_ROLES)
    try:
        return (
            Cohort.objects.select_related("programme")
            .prefetch_related("reserves")
            .get(pk=pk, centre_id=centre_id)
        )
    except (Cohort.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def teaches_cohort(user, cohort: Cohort) -> bool:
    """`user` is a trainer named on the cohort or giving one of its sessions."""
    from markaz.centre.models import Session
    from markaz.core.access import user_role
    from markaz.core.roles import Role

    if user_role(user) != Role.TRAINER or user_centre_id(user) != cohort.centre_id:
        return False
    return (
        cohort.trainers.filter(pk=user.pk).exists()
        or Session.objects.filter(cohort=cohort, trainer=user).exists()
    )


def cohort_people_for_user(user, cohort: Cohort, run) -> dict:
    """The people named on a cohort's page, on a need-to-know basis: coordinators and
    administrators see offers, the waiting list and the learners; the cohort's own trainer sees
    its learners; anyone else (another trainer, a mentor) sees the figures only."""
    people = {
        "enrolments": [],
        "withdrawn": [],
        "offers": [],
        "waitlist": [],
        "sees_learners": False,
    }
    full = has_role(user, REGISTRY_WRITE_ROLES)
    if full or teaches_cohort(user, cohort):
        people["sees_learners"] = True
        people["enrolments"] = cohort.enrolments.filter(withdrawn_at__isnull=True).select_related(
            "person"
        )
        people["withdrawn"] = (
            cohort.enrolments.filter(withdrawn_at__isnull=False)
            .select_related("person")
            .order_by("-withdrawn_at")
        )
    if full and run is not None:
        people["offers"] = cohort.offers.select_related("application__person").order_by(
            "-offered_at"
        )
        people["waitlist"] = (
            cohort.waitlist.filter(run=run)
            .select_related("application__person")
            .order_by("position")
        )
    return people


def offer_get_for_user(user, pk) -> Offer:
    centre_id = visible_centre_id(user, REGISTRY_WRITE_ROLES)
    try:
        return Offer.objects.select_related("application__person", "cohort").get(
            pk=pk, run__centre_id=centre_id
        )
    except (Offer.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def open_campaigns(centre, on=None):
    on = on or timezone.localdate()
    return Campaign.objects.filter(
        centre=centre, opens_on__lte=on, closes_on__gte=on
    ).prefetch_related(
        Prefetch(
            "cohorts",
            queryset=Cohort.objects.select_related("programme").order_by("start_date", "code"),
        )
    )


def run_cohort_rows(run: AllocationRun) -> list[dict]:
    """Per cohort: cut-offs, reserve fill, admitted (by slot), waitlist and offers."""
    cohorts = list(
        run.campaign.cohorts.select_related("programme")
        .prefetch_related("reserves")
        .order_by("start_date", "code")
    )
    outcomes = (
        Outcome.objects.filter(run=run)
        .select_related("application__person")
        .order_by("-score", "lottery")
    )
    by_cohort: dict[int, list] = {}
    for o in outcomes:
        if o.cohort_id:
            o.slot_label = _slot_label(o.slot)  # "open" / "women" said in the reader's language
            by_cohort.setdefault(o.cohort_id, []).append(o)
    waitlists: dict[int, list] = {}
    for w in (
        WaitlistEntry.objects.filter(run=run)
        .select_related("application__person")
        .order_by("position")
    ):
        waitlists.setdefault(w.cohort_id, []).append(w)
    offers: dict[int, list] = {}
    for offer in (
        Offer.objects.filter(run=run)
        .select_related("application__person")
        .order_by("offered_at", "pk")
    ):
        offers.setdefault(offer.cohort_id, []).append(offer)
    cutoffs = run.summary.get("cutoffs", {})
    fill = run.summary.get("reserve_fill", {})
    rows = []
    for c in cohorts:
        rows.append(
            {
                "cohort": c,
                "cutoffs": [(_slot_label(k), v) for k, v in cutoffs.get(str(c.pk), {}).items()],
                "reserve_fill": [(_slot_label(k), v) for k, v in fill.get(str(c.pk), {}).items()],
                "admitted": by_cohort.get(c.pk, []),
                "waitlist": waitlists.get(c.pk, []),
                "offers": offers.get(c.pk, []),
                "offer_counts": _offer_counts(offers.get(c.pk, [])),
            }
        )
    return rows


def _slot_label(slot: str) -> str:
    from django.utils.translation import gettext as _

    from .models import CohortReserve

    if slot == "open":
        return _("Open seats")
    try:
        return _("Reserved: %(group)s") % {"group": CohortReserve.Group(slot).label}
    except ValueError:
        return slot


def _offer_counts(offers) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for o in offers:
        counts[o.status] = counts.get(o.status, 0) + 1
    return [(Offer.Status(status).label, n) for status, n in sorted(counts.items())]


def person_applications(person):
    return (
        Application.objects.filter(person=person)
        .select_related("campaign")
        .prefetch_related("choices__cohort__programme")
        .order_by("-campaign__opens_on")
    )


def applicant_view(person) -> list[dict]:
    """What an applicant sees of their applications: ranking, result, offers, waitlist places."""
    from .services import waitlist_position

    items = []
    for app in person_applications(person):
        run = app.campaign.runs.filter(status=AllocationRun.Status.PUBLISHED).first()
        item = {"application": app, "run": run, "outcome": None, "offers": [], "waitlist": []}
        if run is not None:
            item["outcome"] = (
                Outcome.objects.filter(run=run, application=app)
                .select_related("cohort__programme")
                .first()
            )
            item["offers"] = list(
                Offer.objects.filter(run=run, application=app)
                .select_related("cohort__programme")
                .order_by("-offered_at")
            )
            item["waitlist"] = [
                (w, waitlist_position(w))
                for w in WaitlistEntry.objects.filter(
                    run=run, application=app, active=True
                ).select_related("cohort__programme")
            ]
        items.append(item)
    return items


def enrolled_people_count(cohort) -> int:
    return cohort.enrolments.filter(Q(withdrawn_at__isnull=True)).count()


def trainers_of(centre):
    """Who can be given a cohort to teach: the centre's active trainers."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(is_active=True, staff_profile__centre=centre, staff_profile__role="trainer")
        .order_by("last_name", "first_name", "username")
    )


def scoring_rules_of(centre):
    from .models import ScoringRuleVersion

    return ScoringRuleVersion.objects.filter(centre=centre).order_by("-published_at", "-pk")


def programme_get_for_manager(user, pk) -> Programme:
    centre_id = visible_centre_id(user, REGISTRY_WRITE_ROLES)
    try:
        return Programme.objects.get(pk=pk, centre_id=centre_id)
    except (Programme.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def cohort_get_for_manager(user, pk) -> Cohort:
    centre_id = visible_centre_id(user, REGISTRY_WRITE_ROLES)
    try:
        return (
            Cohort.objects.select_related("programme")
            .prefetch_related("reserves", "trainers")
            .get(pk=pk, centre_id=centre_id)
        )
    except (Cohort.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def campaign_get_for_manager(user, pk) -> Campaign:
    centre_id = visible_centre_id(user, REGISTRY_WRITE_ROLES)
    try:
        return Campaign.objects.select_related("scoring_rule").get(pk=pk, centre_id=centre_id)
    except (Campaign.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def enrolment_get_for_manager(user, pk):
    from .models import Enrolment

    centre_id = visible_centre_id(user, REGISTRY_WRITE_ROLES)
    try:
        return Enrolment.objects.select_related("cohort__programme", "person").get(
            pk=pk, cohort__centre_id=centre_id
        )
    except (Enrolment.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def publish_preview(run: AllocationRun) -> dict:
    """What publishing a run would do: offers sent, placed people without a phone, waiting."""
    placed = Outcome.objects.filter(run=run, cohort__isnull=False)
    return {
        "offers": placed.count(),
        "no_phone": placed.filter(application__person__phone="").count(),
        "waiting": WaitlistEntry.objects.filter(run=run, active=True)
        .exclude(application_id__in=placed.values("application_id"))
        .values("application_id")
        .distinct()
        .count(),
    }


def next_in_line(enrolment):
    """Who would be offered the seat if this learner left now: the first active entry on the
    cohort's waiting list (of its latest published run), or None after the start."""
    if enrolment.cohort.start_date <= timezone.localdate() or enrolment.offer_id is None:
        return None
    entry = (
        WaitlistEntry.objects.filter(
            run_id=enrolment.offer.run_id, cohort=enrolment.cohort, active=True
        )
        .select_related("application__person")
        .order_by("position")
        .first()
    )
    return entry.application.person if entry else None
