"""Jobs and businesses pages: thin views that parse, check access through selectors, call one
service. Bad input re-renders the form with its errors and HTTP 400; nothing is written."""

from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from markaz.core.access import role_required, user_role
from markaz.core.errors import UserInputError
from markaz.core.roles import Role

from . import selectors, services
from .forms import (
    ContactForm,
    CreationForm,
    EmployerForm,
    FinancingForm,
    HireForm,
    LeaveForm,
    MoveForm,
    OpportunityForm,
    PlacementForm,
    ProjectForm,
    SendForm,
    StageForm,
    VisitForm,
    WishForm,
)
from .models import FinancingApplication, Opportunity, Placement, PostCreationVisit


def jobs_view(view):
    """Coordinators, administrators and mentors (403 for everyone else); a refusal with a reason
    (someone else's mentee) is shown in words on a 403 page."""

    @role_required(*selectors.JOBS_ROLES)
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except selectors.JobsDenied as exc:
            return render(request, "jobs/denied.html", {"reason": exc.message}, status=403)

    return wrapped


def _form_error(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _render(request, template, context, form_or_forms=()):
    forms = form_or_forms if isinstance(form_or_forms, list | tuple) else [form_or_forms]
    status = 400 if any(f.is_bound and f.errors for f in forms) else 200
    context.setdefault("user_role", user_role(request.user))
    return render(request, template, context, status=status)


# --- Home ------------------------------------------------------------------------------------


@role_required(*selectors.COUNT_ROLES)
def home(request):
    from .selectors_fairs import fair_counts

    counts = selectors.jobs_counts(request.user)
    counts.update(fair_counts(request.user))
    return render(
        request,
        "jobs/home.html",
        {"counts": counts, "provincial": user_role(request.user) == Role.PROVINCIAL},
    )


# --- Employers -------------------------------------------------------------------------------


@jobs_view
def employer_list(request):
    q = (request.GET.get("q") or "").strip()[:80]
    return render(
        request,
        "jobs/employer_list.html",
        {"employers": selectors.employer_list(request.user, q=q), "q": q, "section": "employers"},
    )


@jobs_view
def employer_edit(request, pk: int | None = None):
    centre = selectors.jobs_centre_for_user(request.user)
    employer = selectors.employer_get_for_user(request.user, pk) if pk else None
    initial = (
        {
            "name": employer.name,
            "kind": employer.kind,
            "sector": employer.sector,
            "commune": employer.commune_id,
            "address": employer.address,
        }
        if employer
        else {}
    )
    form = EmployerForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            employer = services.employer_save(
                centre=centre, employer=employer, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The employer is saved."))
            return redirect("jobs:employer_detail", pk=employer.pk)
    return _render(
        request,
        "jobs/form.html",
        {
            "form": form,
            "title": _("Edit the employer") if employer else _("New employer"),
            "back": reverse("jobs:employer_list"),
            "section": "employers",
        },
        form,
    )


def _employer_page(request, employer, contact_form=None):
    contact_form = contact_form or ContactForm(
        prefix="contact", initial={"consent_on": timezone.localdate()}
    )
    return _render(
        request,
        "jobs/employer_detail.html",
        {
            "employer": employer,
            "contacts": employer.contacts.all(),
            "opportunities": employer.opportunities.select_related("commune"),
            "contact_form": contact_form,
            "section": "employers",
        },
        contact_form,
    )


@jobs_view
def employer_detail(request, pk: int):
    return _employer_page(request, selectors.employer_get_for_user(request.user, pk))


@require_POST
@jobs_view
def contact_add(request, pk: int):
    employer = selectors.employer_get_for_user(request.user, pk)
    form = ContactForm(request.POST, prefix="contact")
    if form.is_valid():
        try:
            services.employer_contact_add(
                employer=employer, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The contact is saved."))
            return redirect("jobs:employer_detail", pk=employer.pk)
    return _employer_page(request, employer, form)


# --- Opportunities ---------------------------------------------------------------------------


@jobs_view
def opportunity_list(request):
    status = request.GET.get("status", "open")
    kind = request.GET.get("kind", "")
    return render(
        request,
        "jobs/opportunity_list.html",
        {
            "opportunities": selectors.opportunity_list(request.user, status=status, kind=kind),
            "status": status,
            "kind": kind,
            "kinds": Opportunity.Kind.choices,
            "section": "opportunities",
        },
    )


@jobs_view
def opportunity_edit(request, pk: int | None = None):
    centre = selectors.jobs_centre_for_user(request.user)
    opportunity = selectors.opportunity_get_for_user(request.user, pk) if pk else None
    if opportunity:
        initial = {
            f: getattr(opportunity, f)
            for f in [
                "title",
                "kind",
                "description",
                "skills",
                "min_education",
                "pattern",
                "hours_per_week",
                "pay_mad",
                "places",
                "closes_on",
                "starts_on",
                "duration_weeks",
                "tutor",
                "status",
            ]
        }
        initial |= {"employer": opportunity.employer_id, "commune": opportunity.commune_id}
    else:
        initial = {"employer": request.GET.get("employer"), "status": "open"}
    form = OpportunityForm(request.POST or None, initial=initial, centre=centre)
    if request.method == "POST" and form.is_valid():
        try:
            opportunity = services.opportunity_save(
                centre=centre, opportunity=opportunity, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The opportunity is saved."))
            return redirect("jobs:opportunity_detail", pk=opportunity.pk)
    return _render(
        request,
        "jobs/form.html",
        {
            "form": form,
            "title": _("Edit the opportunity") if opportunity else _("New opportunity"),
            "back": reverse("jobs:opportunity_list"),
            "section": "opportunities",
        },
        form,
    )


def _opportunity_page(request, opportunity, *, send_error: str = ""):
    rows = selectors.matching_for_opportunity(request.user, opportunity)
    context = {
        "opportunity": opportunity,
        "candidacies": selectors.candidacies_for_opportunity(request.user, opportunity),
        "rows": rows,
        "send_error": send_error,
        "is_open": opportunity.status == "open" and opportunity.closes_on >= timezone.localdate(),
        "section": "opportunities",
        "user_role": user_role(request.user),
    }
    return render(
        request, "jobs/opportunity_detail.html", context, status=400 if send_error else 200
    )


@jobs_view
def opportunity_detail(request, pk: int):
    return _opportunity_page(request, selectors.opportunity_get_for_user(request.user, pk))


@require_POST
@jobs_view
def opportunity_send(request, pk: int):
    """ "Send three" (or any chosen youth) from the matching list to the employer."""
    opportunity = selectors.opportunity_get_for_user(request.user, pk)
    youth = selectors.youth_for_user(request.user)
    form = SendForm(request.POST, person_ids=youth.values_list("pk", flat=True))
    if not form.is_valid():
        error = " ".join(e for errs in form.errors.values() for e in errs)
        return _opportunity_page(request, opportunity, send_error=error)
    people = list(youth.filter(pk__in=form.cleaned_data["people"]))
    status = form.cleaned_data.get("status") or "sent"
    try:
        done = services.candidacies_send(
            opportunity=opportunity, people=people, status=status, actor=request.user
        )
    except ValidationError as exc:
        return _opportunity_page(request, opportunity, send_error=" ".join(exc.messages))
    messages.success(request, _("%(count)s youth added to the pipeline.") % {"count": len(done)})
    return redirect("jobs:opportunity_detail", pk=opportunity.pk)


# --- Candidacies -----------------------------------------------------------------------------


def _candidacy_page(request, candidacy, **forms):
    today = timezone.localdate()
    move = forms.get("move") or MoveForm(prefix="move", initial={"on": today})
    hire = forms.get("hire") or HireForm(
        prefix="hire",
        initial={
            "contract": _contract_for(candidacy.opportunity.kind),
            "start_date": today,
            "wage_mad": candidacy.opportunity.pay_mad,
        },
    )
    leave = forms.get("leave") or LeaveForm(prefix="leave", initial={"left_on": today})
    return _render(
        request,
        "jobs/candidacy_detail.html",
        {
            "candidacy": candidacy,
            "opportunity": candidacy.opportunity,
            "placement": getattr(candidacy, "placement", None),
            "move_form": move,
            "hire_form": hire,
            "leave_form": leave,
            "can_hire": candidacy.status in ("proposed", "sent", "interview"),
            "can_leave": candidacy.status in ("hired", "started"),
            "can_move": bool(services.NEXT_STATUSES.get(candidacy.status)),
            "section": "opportunities",
        },
        [move, hire, leave],
    )


def _contract_for(kind: str) -> str:
    """Opportunity kinds and contract types share their codes."""
    return kind if kind in Placement.Contract.values else Placement.Contract.CDD


@jobs_view
def candidacy_detail(request, pk: int):
    return _candidacy_page(request, selectors.candidacy_get_for_user(request.user, pk))


@require_POST
@jobs_view
def candidacy_move(request, pk: int):
    candidacy = selectors.candidacy_get_for_user(request.user, pk)
    form = MoveForm(request.POST, prefix="move")
    if form.is_valid():
        try:
            services.candidacy_move(candidacy=candidacy, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The candidacy is updated."))
            return redirect("jobs:candidacy_detail", pk=candidacy.pk)
    candidacy.refresh_from_db()
    return _candidacy_page(request, candidacy, move=form)


@require_POST
@jobs_view
def candidacy_hire(request, pk: int):
    candidacy = selectors.candidacy_get_for_user(request.user, pk)
    form = HireForm(request.POST, prefix="hire")
    if form.is_valid():
        try:
            services.candidacy_hire(candidacy=candidacy, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The hire is recorded."))
            return redirect("jobs:candidacy_detail", pk=candidacy.pk)
    candidacy.refresh_from_db()
    return _candidacy_page(request, candidacy, hire=form)


@require_POST
@jobs_view
def candidacy_leave(request, pk: int):
    candidacy = selectors.candidacy_get_for_user(request.user, pk)
    form = LeaveForm(request.POST, prefix="leave")
    if form.is_valid():
        try:
            services.candidacy_leave(candidacy=candidacy, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The departure is recorded."))
            return redirect("jobs:candidacy_detail", pk=candidacy.pk)
    candidacy.refresh_from_db()
    return _candidacy_page(request, candidacy, leave=form)


@jobs_view
def convention_pdf(request, pk: int):
    """The tripartite internship convention (youth, employer, centre), French and Arabic."""
    candidacy = selectors.candidacy_get_for_user(request.user, pk)
    if candidacy.opportunity.kind != Opportunity.Kind.INTERNSHIP:
        raise UserInputError(_("Only an internship has a convention."))
    from .pdf import convention_pdf as render_pdf

    pdf = render_pdf(candidacy)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="convention-{candidacy.pk}.pdf"'
    return response


# --- A youth's jobs file ---------------------------------------------------------------------


def _person_page(request, person, *, wish_form=None, placement_form=None):
    centre = selectors.jobs_centre_for_user(request.user)
    wish = getattr(person, "job_wish", None)
    wish_form = wish_form or WishForm(
        prefix="wish",
        initial={"kinds": wish.kinds, "sectors": wish.sectors, "max_km": wish.max_km}
        if wish
        else {},
    )
    placement_form = placement_form or PlacementForm(
        prefix="placement", centre=centre, initial={"start_date": timezone.localdate()}
    )
    return _render(
        request,
        "jobs/person_detail.html",
        {
            "person": person,
            "wish": wish,
            "candidacies": person.candidacies.select_related("opportunity__employer"),
            "placements": person.placements.select_related("employer"),
            "projects": person.business_projects.all(),
            "fits": selectors.opportunities_for_person(request.user, person),
            "wish_form": wish_form,
            "placement_form": placement_form,
            "section": "youth",
        },
        [wish_form, placement_form],
    )


@jobs_view
def person_detail(request, pk: int):
    return _person_page(request, selectors.person_get_for_user(request.user, pk))


@require_POST
@jobs_view
def wish_edit(request, pk: int):
    person = selectors.person_get_for_user(request.user, pk)
    form = WishForm(request.POST, prefix="wish")
    if form.is_valid():
        try:
            services.job_wish_save(person=person, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The wishes are saved."))
            return redirect("jobs:person_detail", pk=person.pk)
    return _person_page(request, person, wish_form=form)


@require_POST
@jobs_view
def placement_add(request, pk: int):
    person = selectors.person_get_for_user(request.user, pk)
    centre = selectors.jobs_centre_for_user(request.user)
    form = PlacementForm(request.POST, prefix="placement", centre=centre)
    if form.is_valid():
        try:
            services.placement_record(person=person, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The placement is recorded."))
            return redirect("jobs:person_detail", pk=person.pk)
    return _person_page(request, person, placement_form=form)


@jobs_view
def youth_list(request):
    q = (request.GET.get("q") or "").strip()[:80]
    people = selectors.youth_for_user(request.user).select_related("commune")
    if q:
        from django.db.models import Q

        people = people.filter(
            Q(first_name_latin__icontains=q)
            | Q(last_name_latin__icontains=q)
            | Q(first_name_ar__icontains=q)
            | Q(last_name_ar__icontains=q)
        )
    return render(
        request,
        "jobs/youth_list.html",
        {"people": people[:200], "q": q, "section": "youth"},
    )


@jobs_view
def placement_list(request):
    return render(
        request,
        "jobs/placement_list.html",
        {"placements": selectors.placement_list(request.user)[:300], "section": "placements"},
    )


# --- Business projects -----------------------------------------------------------------------


@jobs_view
def project_list(request):
    from .models import BusinessProject

    stage = request.GET.get("stage", "")
    return render(
        request,
        "jobs/project_list.html",
        {
            "projects": selectors.project_list(request.user, stage=stage),
            "stage": stage,
            "stages": BusinessProject.Stage.choices,
            "section": "projects",
        },
    )


@jobs_view
def project_edit(request, pk: int | None = None):
    centre = selectors.jobs_centre_for_user(request.user)
    project = selectors.project_get_for_user(request.user, pk) if pk else None
    youth = selectors.youth_for_user(request.user)
    if project:
        initial = {
            f: getattr(project, f)
            for f in [
                "title",
                "idea",
                "sector",
                "investment_mad",
                "own_contribution_mad",
                "expected_turnover_mad",
                "expected_jobs",
            ]
        }
        initial |= {"commune": project.commune_id, "members": list(project.members.all())}
    else:
        initial = {"members": youth.filter(pk=request.GET.get("person") or 0)}
    form = ProjectForm(request.POST or None, initial=initial, youth=youth)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["members"] = list(data["members"])
        try:
            project = services.project_save(
                centre=centre, project=project, actor=request.user, **data
            )
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The project is saved."))
            return redirect("jobs:project_detail", pk=project.pk)
    return _render(
        request,
        "jobs/form.html",
        {
            "form": form,
            "title": _("Edit the business project") if project else _("New business project"),
            "back": reverse("jobs:project_list"),
            "section": "projects",
        },
        form,
    )


def _project_page(request, project, **forms):
    today = timezone.localdate()
    stage = forms.get("stage") or StageForm(prefix="stage", initial={"stage": project.stage})
    financing = forms.get("financing") or FinancingForm(
        prefix="financing", initial={"applied_on": today, "decision": "pending"}
    )
    creation = forms.get("creation") or CreationForm(
        prefix="creation", initial={"created_on": today}
    )
    visit_forms = []
    for visit in project.visits.all():
        bound = forms.get("visit") if forms.get("visit_pk") == visit.pk else None
        visit_forms.append(
            (
                visit,
                bound
                or VisitForm(
                    prefix=f"visit{visit.pk}",
                    initial={
                        "done_on": visit.done_on or today,
                        "turnover_band": visit.turnover_band,
                        "jobs": visit.jobs,
                        "still_active": visit.still_active is not False,
                        "note": visit.note,
                    },
                ),
            )
        )
    decision_forms = []
    for application in project.financing.all():
        bound = forms.get("decision") if forms.get("decision_pk") == application.pk else None
        decision_forms.append(
            (
                application,
                bound
                or FinancingForm(
                    prefix=f"fin{application.pk}",
                    initial={
                        "source": application.source,
                        "organisation": application.organisation,
                        "applied_on": application.applied_on,
                        "requested_mad": application.requested_mad,
                        "decision": application.decision,
                        "decided_on": application.decided_on or today,
                        "granted_mad": application.granted_mad,
                        "indh_share_mad": application.indh_share_mad,
                    },
                ),
            )
        )
    all_forms = [stage, financing, creation, *(f for _v, f in visit_forms)]
    all_forms += [f for _a, f in decision_forms]
    return _render(
        request,
        "jobs/project_detail.html",
        {
            "project": project,
            "members": project.members.all(),
            "creation": getattr(project, "creation", None),
            "stage_form": stage,
            "financing_form": financing,
            "creation_form": creation,
            "visit_forms": visit_forms,
            "decision_forms": decision_forms,
            "section": "projects",
        },
        all_forms,
    )


@jobs_view
def project_detail(request, pk: int):
    return _project_page(request, selectors.project_get_for_user(request.user, pk))


def _project_post(request, pk, form_cls, prefix, key, call, ok_message, **extra):
    project = selectors.project_get_for_user(request.user, pk)
    form = form_cls(request.POST, prefix=prefix)
    if form.is_valid():
        try:
            call(project, form.cleaned_data)
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, ok_message)
            return redirect("jobs:project_detail", pk=project.pk)
    project.refresh_from_db()
    return _project_page(request, project, **{key: form}, **extra)


@require_POST
@jobs_view
def project_stage(request, pk: int):
    return _project_post(
        request,
        pk,
        StageForm,
        "stage",
        "stage",
        lambda p, d: services.project_stage_set(project=p, actor=request.user, **d),
        _("The stage is updated."),
    )


@require_POST
@jobs_view
def financing_add(request, pk: int):
    return _project_post(
        request,
        pk,
        FinancingForm,
        "financing",
        "financing",
        lambda p, d: services.financing_save(project=p, actor=request.user, **d),
        _("The financing application is recorded."),
    )


@require_POST
@jobs_view
def financing_edit(request, pk: int):
    application = FinancingApplication.objects.filter(pk=pk).select_related("project").first()
    if application is None:
        raise Http404
    return _project_post(
        request,
        application.project_id,
        FinancingForm,
        f"fin{application.pk}",
        "decision",
        lambda p, d: services.financing_save(
            project=p, application=application, actor=request.user, **d
        ),
        _("The financing application is updated."),
        decision_pk=application.pk,
    )


@require_POST
@jobs_view
def creation_add(request, pk: int):
    return _project_post(
        request,
        pk,
        CreationForm,
        "creation",
        "creation",
        lambda p, d: services.business_creation_record(project=p, actor=request.user, **d),
        _("The creation of the business is recorded."),
    )


@require_POST
@jobs_view
def visit_record(request, pk: int):
    visit = PostCreationVisit.objects.filter(pk=pk).first()
    if visit is None:
        raise Http404
    return _project_post(
        request,
        visit.project_id,
        VisitForm,
        f"visit{visit.pk}",
        "visit",
        lambda p, d: services.visit_record(visit=visit, actor=request.user, **d),
        _("The visit is recorded."),
        visit_pk=visit.pk,
    )
