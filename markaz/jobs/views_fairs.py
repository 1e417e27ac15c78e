"""Job-fair pages: thin views that parse, check access through selectors and call one service.
Bad input re-renders the page with the form's errors and HTTP 400; nothing is written."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from markaz.core.access import user_role

from . import selectors
from . import selectors_fairs as fair_sel
from . import services_fairs as fair_services
from .forms_fairs import (
    AbsentForm,
    FairEmployerForm,
    FairForm,
    FairYouthForm,
    InterviewForm,
    LeaveForm,
    ReplanForm,
)
from .models import Employer
from .views import _form_error, _render, jobs_view


@jobs_view
def fair_list(request):
    return render(
        request,
        "jobs/fair_list.html",
        {
            "fairs": fair_sel.fair_list(request.user),
            "manager": selectors.is_manager(request.user),
            "section": "fairs",
        },
    )


@jobs_view
def fair_edit(request, pk: int | None = None):
    centre = selectors.jobs_centre_for_user(request.user)
    fair = fair_sel.fair_get_for_user(request.user, pk) if pk else None
    fields = ("name_fr", "name_ar", "date", "start_time", "end_time", "slot_minutes", "place")
    initial = {f: getattr(fair, f) for f in fields} if fair else {}
    if fair:
        initial.update(room=fair.room_id, address=fair.address, commune=fair.commune_id)
    form = FairForm(request.POST or None, initial=initial, centre=centre)
    if request.method == "POST" and form.is_valid():
        try:
            fair = fair_services.fair_save(
                centre=centre, fair=fair, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The job fair is saved."))
            return redirect("jobs:fair_detail", pk=fair.pk)
    return _render(
        request,
        "jobs/form.html",
        {
            "form": form,
            "title": _("Edit the job fair") if fair else _("New job fair"),
            "back": reverse("jobs:fair_list"),
            "section": "fairs",
        },
        form,
    )


def _forms(request, fair, post_key: str = ""):
    """The forms of the fair page; the one named `post_key` bound to the POST."""
    slots = fair_sel.fair_slots(fair)
    fair_employers = list(fair.employers.select_related("employer"))
    youth = list(fair_sel.fair_youth_for_user(request.user, fair))
    registered = {fy.person_id for fy in fair.youth.all()}
    people = [
        p
        for p in selectors.youth_for_user(request.user).order_by("last_name_latin")
        if p.pk not in registered
    ]
    taken = {fe.employer_id for fe in fair_employers}
    employers = [e for e in Employer.objects.filter(centre=fair.centre) if e.pk not in taken]

    def data(key):
        return request.POST if key == post_key else None

    forms = {
        "employer_form": FairEmployerForm(
            data("employer_form"), prefix="emp", employers=employers, slots=slots
        ),
        "youth_form": FairYouthForm(
            data("youth_form"), prefix="youth", people=people, slots=slots, employers=fair_employers
        ),
        "interview_form": InterviewForm(
            data("interview_form"), prefix="iv", youth=youth, employers=fair_employers, slots=slots
        ),
        "leave_form": LeaveForm(
            data("leave_form"), prefix="leave", employers=fair_employers, slots=slots
        ),
        "absent_form": AbsentForm(data("absent_form"), prefix="absent", youth=youth),
        "replan_form": ReplanForm(data("replan_form"), prefix="replan", slots=slots),
    }
    return forms


def _fair_page(request, fair, *, error: str = "", post_key: str = "", forms=None):
    forms = forms or _forms(request, fair, post_key)
    context = {
        "fair": fair,
        "slots": fair_sel.fair_slots(fair),
        "fair_employers": fair.employers.select_related("employer").order_by("employer__name"),
        "registrations": fair_sel.fair_youth_for_user(request.user, fair).prefetch_related(
            "wishes__employer__employer"
        ),
        "grid": fair_sel.schedule_grid(request.user, fair),
        "tables": fair_sel.table_numbers(fair),
        "manager": selectors.is_manager(request.user),
        "people": fair_sel.fair_people(fair),
        "section": "fairs",
        "error": error,
        **forms,
    }
    bound = [forms[post_key]] if post_key else []
    return _render(request, "jobs/fair_detail.html", context, bound)


@jobs_view
def fair_detail(request, pk: int):
    return _fair_page(request, fair_sel.fair_get_for_user(request.user, pk))


def _post(request, pk, key, call, ok):
    """One POST from the fair page: parse the form, call the service, redirect; or the page
    again with the form's errors (400), nothing written."""
    fair = fair_sel.fair_get_for_user(request.user, pk)
    forms = _forms(request, fair, key)
    form = forms[key]
    if form.is_valid():
        try:
            call(fair, form.cleaned_data)
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, ok)
            return redirect(reverse("jobs:fair_detail", args=[fair.pk]) + "#schedule")
    return _fair_page(request, fair, post_key=key, forms=forms)


def _ints(values):
    return [int(v) for v in values]


@require_POST
@jobs_view
def fair_employer_add(request, pk: int):
    def call(fair, data):
        fair_services.fair_employer_register(
            fair=fair,
            employer=Employer.objects.get(pk=data["employer"], centre=fair.centre),
            tables=data["tables"],
            max_interviews=data["max_interviews"],
            slots=_ints(data["slots"]) or None,
            actor=request.user,
        )

    return _post(request, pk, "employer_form", call, _("The employer is registered."))


@require_POST
@jobs_view
def fair_youth_add(request, pk: int):
    def call(fair, data):
        person = selectors.person_get_for_user(request.user, data["person"])
        chosen = _ints(data["employers"])
        fair_services.fair_youth_register(
            fair=fair,
            person=person,
            max_interviews=data["max_interviews"],
            slots=_ints(data["slots"]) or None,
            employers=list(fair.employers.filter(pk__in=chosen)) if chosen else None,
            actor=request.user,
        )

    return _post(request, pk, "youth_form", call, _("The youth is registered."))


@require_POST
@jobs_view
def fair_schedule(request, pk: int):
    fair = fair_sel.fair_get_for_user(request.user, pk)
    try:
        fair = fair_services.fair_schedule_start(fair=fair, actor=request.user)
    except ValidationError as exc:
        return _error_page(request, fair, exc)
    return redirect("core:job_detail", pk=fair.job_id)


def _error_page(request, fair, exc):
    response = _fair_page(request, fair, error=" ".join(exc.messages))
    response.status_code = 400
    return response


@require_POST
@jobs_view
def fair_replan(request, pk: int):
    fair = fair_sel.fair_get_for_user(request.user, pk)
    forms = _forms(request, fair, "replan_form")
    form = forms["replan_form"]
    if form.is_valid():
        try:
            fair = fair_services.fair_schedule_start(
                fair=fair, actor=request.user, replan_from=int(form.cleaned_data["from_slot"])
            )
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            return redirect("core:job_detail", pk=fair.job_id)
    return _fair_page(request, fair, post_key="replan_form", forms=forms)


@require_POST
@jobs_view
def fair_interview(request, pk: int):
    def call(fair, data):
        interview = (
            fair.interviews.filter(pk=data.get("interview")).first()
            if data.get("interview")
            else None
        )
        fair_services.fair_interview_save(
            fair=fair,
            youth=fair.youth.get(pk=data["youth"]),
            employer=fair.employers.get(pk=data["employer"]),
            slot=int(data["slot"]),
            interview=interview,
            actor=request.user,
        )

    return _post(request, pk, "interview_form", call, _("The interview is saved."))


@require_POST
@jobs_view
def fair_interview_delete(request, pk: int, interview_pk: int):
    fair = fair_sel.fair_get_for_user(request.user, pk)
    interview = fair.interviews.filter(pk=interview_pk).first()
    if interview is None:
        from django.http import Http404

        raise Http404
    try:
        fair_services.fair_interview_delete(interview=interview, actor=request.user)
    except ValidationError as exc:
        return _error_page(request, fair, exc)
    messages.success(request, _("The interview is removed."))
    return redirect(reverse("jobs:fair_detail", args=[fair.pk]) + "#schedule")


@require_POST
@jobs_view
def fair_leave(request, pk: int):
    def call(fair, data):
        fair_services.fair_employer_leaves(
            employer=fair.employers.get(pk=data["employer"]),
            from_slot=int(data["from_slot"]),
            actor=request.user,
        )

    return _post(
        request,
        pk,
        "leave_form",
        call,
        _("The employer leaves early: re-plan to move its later interviews."),
    )


@require_POST
@jobs_view
def fair_absent(request, pk: int):
    def call(fair, data):
        fair_services.fair_youth_absent(youth=fair.youth.get(pk=data["youth"]), actor=request.user)

    return _post(
        request,
        pk,
        "absent_form",
        call,
        _("Marked as absent: re-plan to give the places to others."),
    )


@require_POST
@jobs_view
def fair_notify(request, pk: int):
    fair = fair_sel.fair_get_for_user(request.user, pk)
    try:
        n = fair_services.fair_schedule_notify(fair=fair, actor=request.user)
    except ValidationError as exc:
        return _error_page(request, fair, exc)
    messages.success(request, _("%(count)s messages queued in the outbox.") % {"count": n})
    return redirect("jobs:fair_detail", pk=fair.pk)


# --- Printable pages ---------------------------------------------------------------------------


@jobs_view
def fair_card(request, pk: int, youth_pk: int):
    """A youth's interview card, to print (in their language, or ?lang=fr / ?lang=ar)."""
    fair = fair_sel.fair_get_for_user(request.user, pk)
    registration = fair_sel.fair_youth_get_for_user(request.user, fair, youth_pk)
    lang = request.GET.get("lang")
    if lang not in ("fr", "ar"):
        lang = "fr" if registration.person.preferred_language == "fr" else "ar"
    with translation.override(lang):
        response = render(
            request,
            "jobs/fair_card.html",
            {
                "fair": fair,
                "registration": registration,
                "person": registration.person,
                "rows": fair_sel.youth_schedule(registration),
                "lang": lang,
            },
        )
    return response


@jobs_view
def fair_sheet(request, pk: int, employer_pk: int):
    """An employer's list for its tables, to print (managers only: it names every youth)."""
    fair = fair_sel.fair_get_for_user(request.user, pk)
    if not selectors.is_manager(request.user):
        raise selectors.JobsDenied(_("Only the centre's coordinators print an employer's list."))
    fe = fair_sel.fair_employer_get(request.user, fair, employer_pk)
    return render(
        request,
        "jobs/fair_sheet.html",
        {
            "fair": fair,
            "fe": fe,
            "table": fair_sel.table_numbers(fair).get(fe.pk),
            "rows": fair_sel.employer_sheet(fe),
            "user_role": user_role(request.user),
        },
    )
