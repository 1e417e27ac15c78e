from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from markaz.core.access import role_required
from markaz.core.roles import PEOPLE_ROLES, REGISTRY_WRITE_ROLES
from markaz.engine.identity import normalise_cin
from markaz.engine.scoring import CRITERIA, criterion_label
from markaz.registry.models import Person
from markaz.registry.selectors import person_get_for_user

from . import selectors, services
from .forms import ResultsLookupForm, RunForm
from .models import AllocationRun, Offer


def _msg(request, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


# --- Public ----------------------------------------------------------------------------------


def apply(request, centre_code: str | None = None):
    """The public application form: works on a phone, in French and Arabic, with the notice,
    and — while a campaign is open — the ranking of up to five cohorts."""
    from django.shortcuts import get_object_or_404
    from django.utils.translation import get_language

    from markaz.centre.models import Centre
    from markaz.registry.consent import CONSENT_VERSION, NOTICE_PARAGRAPHS
    from markaz.registry.forms import PublicApplicationForm
    from markaz.registry.services import public_application_submit
    from markaz.territory.selectors import communes_of_province

    from .forms import RankingForm

    if centre_code is None:
        centre = Centre.objects.order_by("pk").first()
        if centre is None:
            return render(request, "registry/no_centre.html", status=503)
        return redirect("programmes:apply_centre", centre_code=centre.code)
    centre = get_object_or_404(Centre.objects.select_related("commune"), code=centre_code)
    form = PublicApplicationForm(
        request.POST or None, communes=communes_of_province(centre.commune.province_id)
    )
    campaign = selectors.open_campaigns(centre).first()
    activity = request.POST.get("activity_status") if request.method == "POST" else None
    ranking = (
        RankingForm(
            request.POST or None, campaign=campaign, activity_status=activity, prefix="rank"
        )
        if campaign
        else None
    )
    if request.method == "POST" and form.is_valid() and (ranking is None or ranking.is_valid()):
        cohorts = ranking.cleaned_data["cohorts"] if ranking else []
        try:
            person, decision = public_application_submit(
                centre=centre, data=form.cleaned_data, language=get_language() or "fr"
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            ranked = False
            if person is not None and person.eligible and campaign and cohorts:
                services.application_submit(person=person, campaign=campaign, cohorts=cohorts)
                ranked = True
            request.session["last_application"] = {
                "decision": decision,
                "ranked": [str(c) for c in cohorts]
                if (ranked or (person is None and decision["eligible"]))
                else [],
            }
            return redirect("programmes:apply_thanks", centre_code=centre.code)
    return render(
        request,
        "registry/apply.html",
        {
            "form": form,
            "ranking": ranking,
            "campaign": campaign,
            "centre": centre,
            "notice": NOTICE_PARAGRAPHS,
            "consent_version": CONSENT_VERSION,
        },
    )


def apply_thanks(request, centre_code: str):
    from django.shortcuts import get_object_or_404

    from markaz.centre.models import Centre

    centre = get_object_or_404(Centre, code=centre_code)
    last = request.session.get("last_application") or {}
    return render(request, "registry/apply_thanks.html", {"centre": centre, "last": last})


def scoring_rule(request):
    """The published priority rule, for everyone to read."""
    from django.utils.translation import get_language

    from .models import ScoringRuleVersion
    from .services import ScoringRule

    lang = "ar" if (get_language() or "fr").startswith("ar") else "fr"
    rules = []
    for r in ScoringRuleVersion.objects.order_by("-published_at")[:5]:
        rule = ScoringRule(
            version=r.version, weights=dict(r.weights), rsu_threshold=float(r.rsu_threshold)
        )
        rows = [(criterion_label(c, rule, lang), rule.weights.get(c, 0)) for c in CRITERIA]
        rules.append({"record": r, "rows": rows})
    return render(request, "programmes/scoring.html", {"rules": rules})


LOOKUP_LIMIT = 10


def results_lookup(request):
    """Applicants find their result with their CIN and date of birth (both needed)."""
    form = ResultsLookupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        key = f"results-lookup:{request.META.get('REMOTE_ADDR', '')}"
        attempts = cache.get(key, 0)
        if attempts >= LOOKUP_LIMIT:
            form.add_error(None, _too_many())
        else:
            person = (
                Person.objects.filter(
                    cin=normalise_cin(form.cleaned_data["cin"]),
                    birth_date=form.cleaned_data["birth_date"],
                    merged_into__isnull=True,
                )
                .order_by("pk")
                .first()
            )
            if person is None:
                cache.set(key, attempts + 1, 15 * 60)
                form.add_error(None, _not_found())
            else:
                request.session["applicant_person_id"] = person.pk
                return redirect("programmes:results_me")
    return render(request, "programmes/results_lookup.html", {"form": form})


def _too_many():
    from django.utils.translation import gettext as _

    return _("Too many attempts. Try again in 15 minutes.")


def _not_found():
    from django.utils.translation import gettext as _

    return _("No application matches this CIN and date of birth.")


def _applicant(request):
    pk = request.session.get("applicant_person_id")
    return Person.objects.filter(pk=pk, merged_into__isnull=True).first() if pk else None


def results_me(request):
    person = _applicant(request)
    if person is None:
        return redirect("programmes:results")
    services.offers_expire()  # lazily, so nobody sees an offer past its deadline as open
    badge_qr = badge = None
    if person.enrolments.filter(withdrawn_at__isnull=True).exists():
        from markaz.centre.services import badge_for, badge_token
        from markaz.centre.views import qr_svg

        badge = badge_for(person)
        badge_qr = qr_svg(badge_token(badge))
    return render(
        request,
        "programmes/results_me.html",
        {
            "person": person,
            "items": selectors.applicant_view(person),
            "badge": badge,
            "badge_qr": badge_qr,
        },
    )


@require_POST
def results_answer(request, offer_id: int, answer: str):
    person = _applicant(request)
    if person is None:
        return redirect("programmes:results")
    offer = Offer.objects.filter(pk=offer_id, application__person=person).first()
    if offer is None:
        return redirect("programmes:results_me")
    _answer(request, offer, answer)
    return redirect("programmes:results_me")


def _answer(request, offer, answer: str) -> None:
    from django.http import Http404
    from django.utils.translation import gettext as _

    if answer not in ("accept", "decline"):
        raise Http404

    try:
        if answer == "accept":
            services.offer_accept(offer=offer)
            messages.success(request, _("Your seat is confirmed. Welcome!"))
        elif answer == "decline":
            services.offer_decline(offer=offer)
            messages.info(
                request, _("You declined the offer; the seat goes to the next applicant.")
            )
    except ValidationError as exc:
        _msg(request, exc)


# --- Staff ------------------------------------------------------------------------------------


@role_required(*PEOPLE_ROLES)
def programme_list(request):
    return render(
        request,
        "programmes/programme_list.html",
        {
            "programmes": selectors.programmes_for_user(request.user),
            "campaigns": selectors.campaigns_for_user(request.user),
        },
    )


@role_required(*PEOPLE_ROLES)
def campaign_detail(request, pk: int):
    campaign = selectors.campaign_get_for_user(request.user, pk)
    form = RunForm(request.POST or None)
    if request.method == "POST":
        if not has_write(request.user):
            return redirect("programmes:campaign_detail", pk=pk)
        if form.is_valid():
            try:
                run = services.allocation_run_start(
                    campaign=campaign, actor=request.user, seed=form.cleaned_data["seed"]
                )
            except ValidationError as exc:
                _msg(request, exc)
            else:
                return redirect("core:job_detail", pk=run.job_id)
    return render(
        request,
        "programmes/campaign_detail.html",
        {
            "campaign": campaign,
            "runs": campaign.runs.all(),
            "form": form,
            "can_run": has_write(request.user),
        },
    )


def has_write(user) -> bool:
    from markaz.core.access import has_role

    return has_role(user, REGISTRY_WRITE_ROLES)


@role_required(*REGISTRY_WRITE_ROLES)
def run_detail(request, pk: int):
    run = selectors.run_get_for_user(request.user, pk)
    return render(
        request, "programmes/run_detail.html", {"run": run, "rows": selectors.run_cohort_rows(run)}
    )


@require_POST
@role_required(*REGISTRY_WRITE_ROLES)
def run_publish(request, pk: int):
    from django.utils.translation import gettext as _

    run = selectors.run_get_for_user(request.user, pk)
    try:
        n = services.allocation_publish(run=run, actor=request.user)
    except ValidationError as exc:
        _msg(request, exc)
    else:
        messages.success(request, _("Published: %(n)s offers sent.") % {"n": n})
    return redirect("programmes:run_detail", pk=run.pk)


@role_required(*PEOPLE_ROLES)
def cohort_detail(request, pk: int):
    cohort = selectors.cohort_get_for_user(request.user, pk)
    services.offers_expire()
    run = (
        AllocationRun.objects.filter(
            campaign__cohorts=cohort, status=AllocationRun.Status.PUBLISHED
        )
        .order_by("-published_at")
        .first()
    )
    context = {
        "cohort": cohort,
        **selectors.cohort_people_for_user(request.user, cohort, run),
        "can_write": has_write(request.user),
    }
    return render(request, "programmes/cohort_detail.html", context)


@require_POST
@role_required(*REGISTRY_WRITE_ROLES)
def offer_answer_desk(request, pk: int, answer: str):
    """Staff record an applicant's answer given at the desk or by phone."""
    offer = selectors.offer_get_for_user(request.user, pk)
    _answer(request, offer, answer)
    return redirect("programmes:cohort_detail", pk=offer.cohort_id)


@role_required(*REGISTRY_WRITE_ROLES)
def person_ranking(request, person_pk: int, campaign_pk: int):
    """The staff desk: record an eligible applicant's ranking."""
    from django.utils.translation import gettext as _

    from .forms import RankingForm

    person = person_get_for_user(request.user, person_pk)
    campaign = selectors.campaign_get_for_user(request.user, campaign_pk)
    existing = person.applications.filter(campaign=campaign).first()
    initial = {}
    if existing:
        initial = {f"choice_{c.rank}": c.cohort_id for c in existing.choices.all()}
    form = RankingForm(
        request.POST or None,
        campaign=campaign,
        activity_status=person.activity_status,
        required=True,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.application_submit(
                person=person, campaign=campaign, cohorts=form.cleaned_data["cohorts"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The ranking is recorded."))
            return redirect("registry:person_detail", pk=person.pk)
    return render(
        request,
        "programmes/person_ranking.html",
        {"person": person, "campaign": campaign, "form": form},
    )


@role_required(*REGISTRY_WRITE_ROLES)
def person_applications(request, person_pk: int):
    """The programmes part of a person's page (loaded into it): rankings, results, offers."""
    person = person_get_for_user(request.user, person_pk)
    open_ids = set(selectors.open_campaigns(person.centre).values_list("pk", flat=True))
    ranked = set(person.applications.values_list("campaign_id", flat=True))
    return render(
        request,
        "programmes/_person_applications.html",
        {
            "person": person,
            "items": selectors.applicant_view(person),
            "open_campaigns": [
                c for c in selectors.open_campaigns(person.centre) if c.pk not in ranked
            ],
            "open_ids": open_ids,
            "can_write": has_write(request.user),
        },
    )
