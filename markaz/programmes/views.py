from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import OperationalError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from markaz.core.access import role_required
from markaz.core.confirm import confirm_page, confirmed
from markaz.core.readlog import Kind, personal_data_read
from markaz.core.roles import PEOPLE_ROLES, REGISTRY_WRITE_ROLES
from markaz.core.throttle import throttle_count, throttle_exceeded
from markaz.engine.identity import normalise_cin
from markaz.engine.scoring import CRITERIA, criterion_label
from markaz.registry.models import Person
from markaz.registry.selectors import person_get_for_user

from . import selectors, services
from .forms import OneTimeCodeForm, ResultsLookupForm, RunForm
from .models import AllocationRun, Offer


def _msg(request, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


# --- Public ----------------------------------------------------------------------------------


APPLY_COOKIE = "markaz_applied"
APPLY_PENDING_COOKIE = "markaz_apply_pending"


def _busy() -> str:
    from django.utils.translation import gettext as _

    return _(
        "The service is very busy and your application was not recorded. Please try again in a "
        "moment."
    )


def apply(request, centre_code: str | None = None):
    """The public application form: works on a phone, in French and Arabic, with the notice,
    and — while a campaign is open — the ranking of up to five cohorts."""
    from django.shortcuts import get_object_or_404
    from django.utils.translation import get_language

    from markaz.centre.models import Centre
    from markaz.registry.consent import CONSENT_VERSION, notice_paragraphs
    from markaz.registry.forms import PublicApplicationForm
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
    form.fields["phone"].required = True  # the code that completes the application goes there
    status = 200
    if request.method == "POST" and form.is_valid() and (ranking is None or ranking.is_valid()):
        from markaz.core.otp import OtpRefused

        posted = {k: request.POST.getlist(k) for k in request.POST if k != "csrfmiddlewaretoken"}
        try:
            token = services.public_application_start(
                centre=centre,
                form=posted,
                cin=form.cleaned_data["cin"],
                phone=form.cleaned_data["phone"],
                language=get_language() or "fr",
                request=request,
            )
        except OtpRefused as exc:
            form.add_error(None, exc)
            status = 429
        except OperationalError:
            # The database stayed busy past its timeout: nothing was written (one transaction).
            form.add_error(None, _busy())
            status = 503
        else:
            response = redirect("programmes:apply_confirm", centre_code=centre.code)
            response.set_cookie(
                APPLY_PENDING_COOKIE,
                signing.dumps(token, salt=APPLY_PENDING_COOKIE),
                max_age=int(services.apply_confirm_age().total_seconds()),
                httponly=True,
                samesite="Lax",
                secure=request.is_secure(),
            )
            return response
    return render(
        request,
        "registry/apply.html",
        {
            "form": form,
            "ranking": ranking,
            "campaign": campaign,
            "centre": centre,
            "notice": notice_paragraphs(centre),
            "consent_version": CONSENT_VERSION,
        },
        status=status,
    )


def _pending(request, centre):
    try:
        token = signing.loads(
            request.COOKIES[APPLY_PENDING_COOKIE],
            salt=APPLY_PENDING_COOKIE,
            max_age=services.apply_confirm_age(),
        )
    except (KeyError, signing.BadSignature):
        return None
    pending = services.pending_application_get(token)
    return pending if pending is not None and pending.centre_id == centre.pk else None


def _pending_forms(pending):
    """The form and ranking as they were posted, checked again (a campaign may have closed)."""
    from django.http import QueryDict

    from markaz.registry.forms import PublicApplicationForm
    from markaz.territory.selectors import communes_of_province

    from .forms import RankingForm

    data = QueryDict(mutable=True)
    for key, values in pending.form.items():
        data.setlist(key, values)
    centre = pending.centre
    form = PublicApplicationForm(data, communes=communes_of_province(centre.commune.province_id))
    campaign = selectors.open_campaigns(centre).first()
    ranking = (
        RankingForm(
            data, campaign=campaign, activity_status=data.get("activity_status"), prefix="rank"
        )
        if campaign
        else None
    )
    if not form.is_valid() or (ranking is not None and not ranking.is_valid()):
        return None
    return form.cleaned_data, campaign, (ranking.cleaned_data["cohorts"] if ranking else [])


def apply_confirm(request, centre_code: str):
    """The second step of the public application: the code sent by SMS to the phone given.
    The right code completes the application (ranked as before); until then nothing but the
    pending form is kept, and it is purged after MARKAZ_APPLY_CONFIRM_HOURS."""
    from django.shortcuts import get_object_or_404
    from django.utils.translation import gettext as _

    from markaz.centre.models import Centre
    from markaz.core.otp import OtpRefused, phone_tail

    centre = get_object_or_404(Centre.objects.select_related("commune"), code=centre_code)
    pending = _pending(request, centre)
    code_form = OneTimeCodeForm(request.POST or None)
    status = 200
    if pending is None:
        return render(
            request,
            "programmes/apply_confirm.html",
            {"centre": centre, "missing": True},
            status=400 if request.method == "POST" else 200,
        )
    if request.method == "POST" and request.POST.get("resend"):
        try:
            services.public_application_resend(pending=pending, request=request)
        except OtpRefused as exc:
            _msg(request, exc)
        else:
            messages.info(request, _("A new code was sent."))
        return redirect("programmes:apply_confirm", centre_code=centre.code)
    if request.method == "POST" and code_form.is_valid():
        checked = _pending_forms(pending)
        if checked is None:
            code_form.add_error(
                None,
                _(
                    "Your application can no longer be completed as it was (the campaign or its "
                    "cohorts changed). Please fill in the form again."
                ),
            )
        else:
            data, campaign, cohorts = checked
            try:
                last = services.public_application_confirm(
                    pending=pending,
                    code=code_form.cleaned_data["code"],
                    request=request,
                    data=data,
                    campaign=campaign,
                    cohorts=cohorts,
                )
            except OtpRefused as exc:
                code_form.add_error("code", exc)
            except ValidationError as exc:
                code_form.add_error(None, exc)
            except OperationalError:
                code_form.add_error(None, _busy())
                status = 503
            else:
                response = redirect("programmes:apply_thanks", centre_code=centre.code)
                response.delete_cookie(APPLY_PENDING_COOKIE)
                response.set_cookie(
                    APPLY_COOKIE,
                    signing.dumps(last, salt=APPLY_COOKIE, compress=True),
                    max_age=3600,
                    httponly=True,
                    samesite="Lax",
                    secure=request.is_secure(),
                )
                return response
    if request.method == "POST" and status == 200:
        status = 400
    return render(
        request,
        "programmes/apply_confirm.html",
        {
            "centre": centre,
            "code_form": code_form,
            "phone_tail": phone_tail(pending.phone),
            "sms_file": _file_backend_active(),
            "expires_at": pending.expires_at,
        },
        status=status,
    )


def apply_thanks(request, centre_code: str):
    from django.shortcuts import get_object_or_404

    from markaz.centre.models import Centre

    centre = get_object_or_404(Centre, code=centre_code)
    try:
        last = signing.loads(request.COOKIES[APPLY_COOKIE], salt=APPLY_COOKIE, max_age=3600)
    except (KeyError, signing.BadSignature):
        last = {}
    return render(request, "registry/apply_thanks.html", {"centre": centre, "last": last})


def scoring_rule(request):
    """The published priority rule, for everyone to read."""
    from django.utils.translation import get_language

    from .models import Campaign, ScoringRuleVersion
    from .services import ScoringRule

    lang = "ar" if (get_language() or "fr").startswith("ar") else "fr"
    rules = []
    for r in ScoringRuleVersion.objects.order_by("-published_at", "-pk"):
        rule = ScoringRule(
            version=r.version, weights=dict(r.weights), rsu_threshold=float(r.rsu_threshold)
        )
        rows = [(criterion_label(c, rule, lang), rule.weights.get(c, 0)) for c in CRITERIA]
        campaigns = [
            c.name for c in Campaign.objects.filter(runs__scoring_rule=r).distinct().order_by("pk")
        ]
        rules.append({"record": r, "rows": rows, "campaigns": campaigns})
    return render(request, "programmes/scoring.html", {"rules": rules})


LOOKUP_LIMIT = 10


OTP_PURPOSE = "results"


def results_lookup(request):
    """Applicants find their result with their CIN and date of birth (both needed). Both are
    printed on the CIN card, so they only show the result: answering an offer and the door
    badge need a code sent by SMS to the phone of the application (`results_verify`)."""
    from markaz.registry.selectors import held_application

    form = ResultsLookupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if throttle_exceeded("results-lookup", request, limit=LOOKUP_LIMIT):
            form.add_error(None, _too_many())
        else:
            cin = normalise_cin(form.cleaned_data["cin"])
            birth_date = form.cleaned_data["birth_date"]
            person = (
                Person.objects.filter(cin=cin, birth_date=birth_date, merged_into__isnull=True)
                .order_by("pk")
                .first()
            )
            held = None if person is not None else held_application(cin=cin, birth_date=birth_date)
            if person is None and held is None:
                throttle_count("results-lookup", request, window_s=15 * 60)
                form.add_error(None, _not_found())
            elif person is None:
                return render(request, "programmes/results_held.html", {"held": held})
            else:
                request.session.cycle_key()
                request.session["applicant_person_id"] = person.pk
                request.session.pop("applicant_verified_id", None)
                _send_code(request, person)
                return redirect("programmes:results_me")
    return render(request, "programmes/results_lookup.html", {"form": form})


def _send_code(request, person) -> bool:
    from markaz.core.otp import OtpRefused, otp_issue

    try:
        otp_issue(
            purpose=OTP_PURPOSE,
            subject=f"person:{person.pk}",
            phone=person.phone,
            identity=person.cin,
            request=request,
            language=person.preferred_language,
            centre=person.centre,
        )
    except OtpRefused as exc:
        _msg(request, exc)
        return False
    return True


def _too_many():
    from django.utils.translation import gettext as _

    return _("Too many attempts. Try again in 15 minutes.")


def _not_found():
    from django.utils.translation import gettext as _

    return _("No application matches this CIN and date of birth.")


def _applicant(request):
    pk = request.session.get("applicant_person_id")
    return Person.objects.filter(pk=pk, merged_into__isnull=True).first() if pk else None


def _verified(request, person) -> bool:
    return person is not None and request.session.get("applicant_verified_id") == person.pk


def _file_backend_active() -> bool:
    from django.conf import settings

    from markaz.core.sms import DEFAULT_BACKEND

    return getattr(settings, "MARKAZ_SMS_BACKEND", DEFAULT_BACKEND) == "markaz.core.sms.FileBackend"


def results_me(request, code_form=None, status=200):
    from markaz.core.otp import phone_tail

    person = _applicant(request)
    if person is None:
        return redirect("programmes:results")
    services.offers_expire()  # lazily, so nobody sees an offer past its deadline as open
    verified = _verified(request, person)
    badge_qr = badge = None
    enrolled = person.enrolments.filter(withdrawn_at__isnull=True).exists()
    if verified and enrolled:
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
            "enrolled": enrolled,
            "verified": verified,
            "phone_tail": phone_tail(person.phone),
            "code_form": code_form or OneTimeCodeForm(),
            "sms_file": _file_backend_active(),
        },
        status=status,
    )


@require_POST
def results_verify(request):
    """The code sent by SMS: once accepted, this session may answer offers and show the badge."""
    from markaz.core.otp import OtpRefused, otp_verify

    person = _applicant(request)
    if person is None:
        return redirect("programmes:results")
    form = OneTimeCodeForm(request.POST)
    if form.is_valid():
        try:
            otp_verify(
                purpose=OTP_PURPOSE,
                subject=f"person:{person.pk}",
                code=form.cleaned_data["code"],
                request=request,
            )
        except OtpRefused as exc:
            form.add_error("code", exc)
        else:
            request.session["applicant_verified_id"] = person.pk
            return redirect("programmes:results_me")
    return results_me(request, code_form=form, status=400)


@require_POST
def results_resend(request):
    from django.utils.translation import gettext as _

    person = _applicant(request)
    if person is None:
        return redirect("programmes:results")
    if _send_code(request, person):
        messages.info(request, _("A new code was sent."))
    return redirect("programmes:results_me")


@require_POST
def results_answer(request, offer_id: int, answer: str):
    from django.utils.translation import gettext as _

    person = _applicant(request)
    if person is None:
        return redirect("programmes:results")
    if not _verified(request, person):
        messages.error(request, _("Type the code we sent you by SMS first."))
        return redirect("programmes:results_me")
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
    from markaz.core.access import user_centre

    can_write = has_write(request.user)
    steps = selectors.first_season_steps(user_centre(request.user)) if can_write else []
    return render(
        request,
        "programmes/programme_list.html",
        {
            "programmes": selectors.programmes_for_user(request.user),
            "campaigns": selectors.campaigns_for_user(request.user),
            "can_write": can_write,
            # Until the first campaign is set up, the steps to get there, in order.
            "first_season": steps if not all(s["done"] for s in steps) else [],
        },
    )


@role_required(*PEOPLE_ROLES)
def campaign_detail(request, pk: int):
    campaign = selectors.campaign_get_for_user(request.user, pk)
    form = RunForm(request.POST or None)
    refusal = services.campaign_allocation_refusal(campaign)
    if request.method == "POST":
        if not has_write(request.user):
            return redirect("programmes:campaign_detail", pk=pk)
        if refusal:
            form.add_error(None, refusal)
        elif form.is_valid():
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
            "can_run": has_write(request.user) and refusal is None,
            "can_edit": has_write(request.user),
            "refusal": refusal,
            "cohorts": campaign.cohorts.select_related("programme").order_by("start_date", "code"),
        },
        status=400 if request.method == "POST" and form.errors else 200,
    )


def has_write(user) -> bool:
    from markaz.core.access import has_role

    return has_role(user, REGISTRY_WRITE_ROLES)


@role_required(*REGISTRY_WRITE_ROLES)
def run_detail(request, pk: int):
    run = selectors.run_get_for_user(request.user, pk)
    rows = selectors.run_cohort_rows(run)
    personal_data_read(
        user=request.user,
        persons=[
            item.application.person_id
            for row in rows
            for key in ("admitted", "waitlist", "offers")
            for item in row[key]
        ],
        kind=Kind.LIST,
        request=request,
    )
    return render(
        request,
        "programmes/run_detail.html",
        {
            "run": run,
            "rows": rows,
            "publish_refusal": services.allocation_publish_refusal(run),
        },
    )


@role_required(*REGISTRY_WRITE_ROLES)
def run_publish(request, pk: int):
    """GET: what publishing will do, in numbers; POST with the confirmation: publish."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    run = selectors.run_get_for_user(request.user, pk)
    back = reverse("programmes:run_detail", args=[run.pk])
    refusal = services.allocation_publish_refusal(run)
    if request.method == "POST" and confirmed(request) and refusal is None:
        try:
            n = services.allocation_publish(run=run, actor=request.user)
        except ValidationError as exc:
            _msg(request, exc)
        else:
            messages.success(request, _("Published: %(n)s offers sent.") % {"n": n})
        return redirect(back)
    preview = selectors.publish_preview(run)
    return confirm_page(
        request,
        title=_("Publish the results of “%(campaign)s”") % {"campaign": run.campaign.name},
        consequences=[
            _("%(n)s offers will be sent by SMS.") % {"n": preview["offers"]},
            _("%(n)s placed applicants have no phone number: tell them another way.")
            % {"n": preview["no_phone"]},
            _("%(n)s applicants without a seat will wait on waiting lists.")
            % {"n": preview["waiting"]},
            _("Each offer must be answered within %(days)s days.")
            % {"days": run.campaign.offer_days},
        ],
        action=request.path,
        button=_("Publish and send %(n)s offers") % {"n": preview["offers"]},
        back=back,
        danger=False,
        refusal=refusal,
    )


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
    personal_data_read(
        user=request.user,
        persons=[
            *(e.person_id for e in context["enrolments"]),
            *(e.person_id for e in context["withdrawn"]),
            *(o.application.person_id for o in context["offers"]),
            *(w.application.person_id for w in context["waitlist"]),
        ],
        kind=Kind.LIST,
        request=request,
    )
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
    personal_data_read(user=request.user, persons=[person], kind=Kind.PAGE, request=request)
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


# --- Setting up a season (coordinators and administrators) -------------------------------------


def _add_errors(form, exc: ValidationError) -> None:
    """A service's refusal onto the form: by field where the form has it, else on top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _form_page(request, template, context, form_valid_posted: bool):
    """Render a setup form: 400 when a POST was refused (nothing was written)."""
    status = 400 if request.method == "POST" and not form_valid_posted else 200
    return render(request, template, context, status=status)


@role_required(*REGISTRY_WRITE_ROLES)
def programme_edit(request, pk: int | None = None):
    """Create (pk None) or edit a programme, with the sections other apps add (the completion
    rule). Everything is saved together, or nothing."""
    from django.db import transaction
    from django.utils.translation import gettext as _

    from markaz.core.access import user_centre

    from .extensions import PROGRAMME_SECTIONS
    from .forms import ProgrammeForm

    programme = selectors.programme_get_for_manager(request.user, pk) if pk else None
    data = request.POST if request.method == "POST" else None
    form = ProgrammeForm(data, instance=programme)
    sections = [(s, s.form(programme, data)) for s in PROGRAMME_SECTIONS.values()]
    if request.method == "POST" and form.is_valid() and all(f.is_valid() for _s, f in sections):
        try:
            with transaction.atomic():
                saved = services.programme_save(
                    centre=user_centre(request.user),
                    programme=programme,
                    data=form.cleaned_data,
                    actor=request.user,
                )
                for section, section_form in sections:
                    section.save(programme=saved, form=section_form, actor=request.user)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The programme is saved."))
            return redirect("programmes:programme_list")
    return _form_page(
        request,
        "programmes/programme_form.html",
        {"form": form, "sections": sections, "programme": programme},
        False,
    )


@role_required(*REGISTRY_WRITE_ROLES)
def cohort_edit(request, pk: int | None = None):
    from django.utils.translation import gettext as _

    from markaz.core.access import user_centre

    from .forms import CohortForm
    from .models import Cohort

    centre = user_centre(request.user)
    cohort = selectors.cohort_get_for_manager(request.user, pk) if pk else None
    initial = {}
    if cohort is None and request.GET.get("programme"):
        initial["programme"] = request.GET["programme"]
    form = CohortForm(
        request.POST or None,
        instance=cohort or Cohort(centre=centre),
        initial=initial,
        centre=centre,
        trainers=selectors.trainers_of(centre),
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.cohort_save(
                centre=centre,
                cohort=cohort,
                data=form.service_data(),
                reserves=form.reserves(),
                trainers=list(form.cleaned_data["trainers"]),
                actor=request.user,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The cohort is saved."))
            return redirect("programmes:cohort_detail", pk=saved.pk)
    return _form_page(
        request, "programmes/cohort_form.html", {"form": form, "cohort": cohort}, False
    )


@role_required(*REGISTRY_WRITE_ROLES)
def campaign_edit(request, pk: int | None = None):
    from django.utils.translation import gettext as _

    from markaz.core.access import user_centre

    from .forms import CampaignForm
    from .models import Campaign

    centre = user_centre(request.user)
    campaign = selectors.campaign_get_for_manager(request.user, pk) if pk else None
    rules = selectors.scoring_rules_of(centre)
    form = CampaignForm(
        request.POST or None,
        instance=campaign or Campaign(centre=centre),
        centre=centre,
        rules=rules,
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.campaign_save(
                centre=centre,
                campaign=campaign,
                data=form.service_data(),
                cohorts=list(form.cleaned_data["cohorts"]),
                actor=request.user,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The campaign is saved."))
            return redirect("programmes:campaign_detail", pk=saved.pk)
    return _form_page(
        request,
        "programmes/campaign_form.html",
        {
            "form": form,
            "campaign": campaign,
            "allocated": campaign is not None
            and (
                services.campaign_is_allocated(campaign)
                or bool(services.campaign_started_cohorts(campaign))
            ),
            "no_rule": not rules.exists(),
        },
        False,
    )


@role_required(*REGISTRY_WRITE_ROLES)
def scoring_manage(request):
    """Publish a new version of the priority rule; the versions published so far."""
    from django.utils.translation import gettext as _

    from markaz.core.access import user_centre

    from .forms import ScoringRuleForm

    centre = user_centre(request.user)
    rules = selectors.scoring_rules_of(centre)
    current = rules.first()
    form = ScoringRuleForm(request.POST or None, current=current)
    if request.method == "POST" and form.is_valid():
        try:
            record, moved = services.scoring_rule_publish(
                centre=centre,
                version=form.cleaned_data["version"],
                weights=form.weights(),
                rsu_threshold=form.cleaned_data["rsu_threshold"],
                note=form.cleaned_data["note"],
                actor=request.user,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Version %(v)s is published. %(n)s campaigns not yet allocated now use it; "
                    "allocated campaigns keep their version."
                )
                % {"v": record.version, "n": moved},
            )
            return redirect("programmes:scoring_manage")
    return _form_page(
        request,
        "programmes/scoring_manage.html",
        {"form": form, "rules": rules, "current": current},
        False,
    )


@role_required(*REGISTRY_WRITE_ROLES)
def enrolment_withdraw(request, pk: int):
    """Withdraw a learner from a cohort (reason and date)."""
    from django.utils.translation import gettext as _

    from .forms import WithdrawForm

    enrolment = selectors.enrolment_get_for_manager(request.user, pk)
    if enrolment.withdrawn_at is not None:
        messages.info(request, _("This learner has already left the cohort."))
        return redirect("programmes:cohort_detail", pk=enrolment.cohort_id)
    form = WithdrawForm(request.POST or None, initial={"on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            offer = services.enrolment_withdraw(
                enrolment=enrolment,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                on=form.cleaned_data["on"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            if offer is not None:
                messages.success(
                    request,
                    _("%(name)s has left the cohort; the seat is offered to %(next)s.")
                    % {
                        "name": enrolment.person.full_name_latin,
                        "next": offer.application.person.full_name_latin,
                    },
                )
            else:
                messages.success(
                    request,
                    _("%(name)s has left the cohort.") % {"name": enrolment.person.full_name_latin},
                )
            return redirect("programmes:cohort_detail", pk=enrolment.cohort_id)
    return _form_page(
        request,
        "programmes/enrolment_withdraw.html",
        {
            "form": form,
            "enrolment": enrolment,
            "next_in_line": selectors.next_in_line(enrolment),
            "started": enrolment.cohort.start_date <= timezone.localdate(),
        },
        False,
    )
