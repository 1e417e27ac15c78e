"""Mentoring pages: thin views that parse, check access through selectors, call one service."""

import datetime as dt
from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from markaz.core.access import role_required, user_role
from markaz.core.forms import query_day
from markaz.core.readlog import Kind, personal_data_read
from markaz.core.roles import Role

from . import selectors, services
from .forms import (
    ActionPlanForm,
    ActionStepForm,
    AssignForm,
    BaselineForm,
    FollowUpForm,
    MentorProfileForm,
    NoteForm,
    ReferralForm,
    ReferralStatusForm,
    SessionForm,
)
from .models import ActionPlan, ActionStep, Baseline, FollowUp, Referral


def mentoring_view(view):
    """Mentors, coordinators and administrators only (403 for everyone else); a refusal with a
    reason (someone else's mentee, someone else's note) is shown in words on a 403 page."""

    @role_required(*selectors.MENTORING_ROLES)
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except selectors.MentoringDenied as exc:
            return render(request, "mentoring/denied.html", {"reason": exc.message}, status=403)

    return wrapped


def manager_view(view):
    @role_required(*selectors.MANAGER_ROLES)
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        return view(request, *args, **kwargs)

    return wrapped


def _error(request, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


def _form_error(form, exc: ValidationError) -> None:
    """Put a service's errors on the form's fields (or on the form when no field matches)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _monday(value) -> dt.date:
    """The Monday of `?week=` (today's week when absent); a bad date is a 400 with a message."""
    day = query_day(value, default=timezone.localdate())
    return day - dt.timedelta(days=day.weekday())


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- Home and caseloads -----------------------------------------------------------------------


@mentoring_view
def home(request):
    if user_role(request.user) == Role.MENTOR:
        return redirect("mentoring:mentee_list")
    return redirect("mentoring:caseloads")


@manager_view
def caseloads(request):
    """Each mentor's load, and the enrolled youth without a mentor with a suggested mentor."""
    centre = selectors.mentoring_centre_for_user(request.user)
    query = request.GET.get("q", "")
    youth = list(selectors.unassigned_youth(centre, query=query)[:100])
    suggestions = selectors.suggestions_for(youth, centre)
    enrolments = selectors.latest_enrolments([p.pk for p in youth])
    rows = [
        {"person": p, "suggestion": suggestions[p.pk], "enrolment": enrolments.get(p.pk)}
        for p in youth
    ]
    personal_data_read(user=request.user, persons=youth, kind=Kind.LIST, request=request)
    return render(
        request,
        "mentoring/caseloads.html",
        {
            "loads": selectors.mentor_loads(centre),
            "rows": rows,
            "query": query,
            "mentors": selectors.mentor_users(centre),
            "section": "caseloads",
        },
    )


@require_POST
@manager_view
def assign(request):
    form = AssignForm(request.POST)
    back = request.POST.get("next") or ""
    if not form.is_valid():
        messages.error(request, _("Choose a mentor."))
        return redirect(back if back.startswith("/") else "mentoring:caseloads")
    person = selectors.mentee_get_for_user(request.user, form.cleaned_data["person"])
    mentor = selectors.mentor_get_for_manager(request.user, form.cleaned_data["mentor"])
    try:
        services.assignment_create(person=person, mentor=mentor, actor=request.user)
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(
            request,
            _("%(person)s is now followed by %(mentor)s.")
            % {"person": person.full_name, "mentor": mentor.get_full_name() or mentor.username},
        )
    return redirect(back if back.startswith("/") else "mentoring:caseloads")


@require_POST
@manager_view
def assignment_end(request, person_pk: int):
    person = selectors.mentee_get_for_user(request.user, person_pk)
    assignment = selectors.current_assignment(person)
    if assignment is None:
        messages.info(request, _("This youth has no mentor."))
    else:
        try:
            services.assignment_end(assignment=assignment, actor=request.user)
        except ValidationError as exc:
            _error(request, exc)
        else:
            messages.success(request, _("The follow-up by this mentor has ended."))
    return redirect("mentoring:mentee_detail", pk=person.pk)


@manager_view
def mentor_profile(request, pk: int):
    mentor = selectors.mentor_get_for_manager(request.user, pk)
    profile = getattr(mentor, "mentor_profile", None)
    initial = (
        {
            "languages": profile.languages,
            "tracks": profile.tracks,
            "max_caseload": profile.max_caseload,
        }
        if profile
        else {"languages": ["ar"], "max_caseload": 25}
    )
    form = MentorProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.mentor_profile_save(mentor=mentor, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The mentor's profile is saved."))
            return redirect("mentoring:caseloads")
    status = 400 if form.errors else 200
    return render(
        request,
        "mentoring/mentor_profile.html",
        {"mentor": mentor, "form": form, "section": "caseloads"},
        status=status,
    )


# --- Mentees ----------------------------------------------------------------------------------


@mentoring_view
def mentee_list(request):
    centre = selectors.mentoring_centre_for_user(request.user)
    is_manager = selectors.is_manager_of(request.user, centre.pk)
    mentor_id = _int(request.GET.get("mentor")) if is_manager else None
    rows = selectors.mentee_rows(request.user, mentor_id=mentor_id)
    personal_data_read(
        user=request.user, persons=[r["person"] for r in rows], kind=Kind.LIST, request=request
    )
    return render(
        request,
        "mentoring/mentee_list.html",
        {
            "rows": rows,
            "is_manager": is_manager,
            "mentors": selectors.mentor_users(centre) if is_manager else [],
            "mentor_id": mentor_id,
            "today": timezone.localdate(),
            "section": "mentees",
        },
    )


@mentoring_view
def mentee_detail(request, pk: int):
    person = selectors.mentee_get_for_user(request.user, pk)
    is_manager = selectors.is_manager_of(request.user, person.centre_id)
    assignment = selectors.current_assignment(person)
    plan = ActionPlan.objects.filter(person=person).first()
    context = {
        "person": person,
        "assignment": assignment,
        "history": person.mentor_assignments.select_related("mentor").order_by("-assigned_at"),
        "enrolments": person.enrolments.select_related("cohort__programme").order_by(
            "-cohort__start_date"
        ),
        "plan": plan,
        "steps": plan.steps.all() if plan else [],
        "referrals": plan.referrals.all() if plan else [],
        "referral_statuses": Referral.Status.choices,
        "baseline": Baseline.objects.filter(person=person).first(),
        "notes": selectors.notes_visible(request.user, person),
        "sessions": selectors.person_sessions(person)[:20],
        "followups": person.followups.select_related("enrolment__cohort").order_by("due_on"),
        "is_manager": is_manager,
        "today": timezone.localdate(),
        "section": "mentees",
    }
    if is_manager:
        context["suggestion"] = selectors.mentor_suggestion(
            person, exclude_mentor_id=assignment.mentor_id if assignment else None
        )
        context["mentors"] = selectors.mentor_users(person.centre)
    personal_data_read(user=request.user, persons=[person], kind=Kind.PAGE, request=request)
    return render(request, "mentoring/mentee_detail.html", context)


# --- Action plans -----------------------------------------------------------------------------


@mentoring_view
def plan_edit(request, pk: int):
    person = selectors.mentee_get_for_user(request.user, pk)
    plan = ActionPlan.objects.filter(person=person).first()
    initial = {"goal": plan.goal, "summary": plan.summary} if plan else {}
    form = ActionPlanForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.action_plan_save(person=person, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The action plan is saved."))
            return redirect("mentoring:mentee_detail", pk=person.pk)
    return render(
        request,
        "mentoring/plan_form.html",
        {
            "person": person,
            "plan": plan,
            "form": form,
            "step_form": ActionStepForm(prefix="step"),
            "referral_form": ReferralForm(
                prefix="referral", initial={"referred_on": timezone.localdate()}
            ),
            "section": "mentees",
        },
        status=400 if form.errors else 200,
    )


def _plan_or_redirect(request, person):
    plan = ActionPlan.objects.filter(person=person).first()
    if plan is None:
        messages.error(request, _("Set the plan's goal first."))
    return plan


@require_POST
@mentoring_view
def step_add(request, pk: int):
    person = selectors.mentee_get_for_user(request.user, pk)
    plan = _plan_or_redirect(request, person)
    if plan is not None:
        form = ActionStepForm(request.POST, prefix="step")
        if form.is_valid():
            try:
                services.action_step_add(plan=plan, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                _error(request, exc)
            else:
                messages.success(request, _("The step is added."))
        else:
            messages.error(request, _("Give the step and its due date."))
    return redirect("mentoring:mentee_detail", pk=person.pk)


@require_POST
@mentoring_view
def step_done(request, pk: int):
    step = ActionStep.objects.select_related("plan").filter(pk=pk).first()
    if step is None:
        raise Http404
    person = selectors.mentee_get_for_user(request.user, step.plan.person_id)
    services.action_step_set_done(
        step=step, done=request.POST.get("done") == "1", actor=request.user
    )
    return redirect(f"{_detail_url(person.pk)}#plan")


def _detail_url(pk: int) -> str:
    return reverse("mentoring:mentee_detail", args=[pk])


@require_POST
@mentoring_view
def referral_add(request, pk: int):
    person = selectors.mentee_get_for_user(request.user, pk)
    plan = _plan_or_redirect(request, person)
    if plan is not None:
        form = ReferralForm(request.POST, prefix="referral")
        if form.is_valid():
            try:
                services.referral_add(plan=plan, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                _error(request, exc)
            else:
                messages.success(request, _("The referral is recorded."))
        else:
            messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    return redirect(f"{_detail_url(person.pk)}#plan")


@require_POST
@mentoring_view
def referral_update(request, pk: int):
    referral = Referral.objects.select_related("plan").filter(pk=pk).first()
    if referral is None:
        raise Http404
    person = selectors.mentee_get_for_user(request.user, referral.plan.person_id)
    form = ReferralStatusForm(request.POST, prefix=f"r{referral.pk}")
    if form.is_valid():
        try:
            services.referral_update(referral=referral, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _error(request, exc)
        else:
            messages.success(request, _("The referral is updated."))
    else:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    return redirect(f"{_detail_url(person.pk)}#plan")


# --- Baseline ---------------------------------------------------------------------------------


@mentoring_view
def baseline_edit(request, pk: int):
    person = selectors.mentee_get_for_user(request.user, pk)
    baseline = Baseline.objects.filter(person=person).first()
    if baseline is not None:
        initial = {
            "recorded_on": baseline.recorded_on,
            "employment_status": baseline.employment_status,
            "monthly_income_mad": baseline.monthly_income_mad,
            "income_band": baseline.income_band,
            "sector": baseline.sector,
            "formal": {True: "yes", False: "no"}.get(baseline.formal, ""),
        }
    else:
        initial = {"recorded_on": timezone.localdate(timezone.localtime(person.created_at))}
    form = BaselineForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.baseline_record(person=person, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The situation at intake is saved."))
            return redirect("mentoring:mentee_detail", pk=person.pk)
    return render(
        request,
        "mentoring/baseline_form.html",
        {"person": person, "form": form, "section": "mentees"},
        status=400 if form.errors else 200,
    )


# --- Notes ------------------------------------------------------------------------------------


@mentoring_view
def note_create(request, pk: int):
    person = selectors.mentee_get_for_user(request.user, pk)
    sessions = selectors.person_sessions(person)
    session_id = _int(request.GET.get("session"))
    form = NoteForm(request.POST or None, sessions=sessions, initial={"session": session_id})
    if request.method == "POST" and form.is_valid():
        try:
            services.note_create(
                person=person,
                author=request.user,
                text=form.cleaned_data["text"],
                session=form.cleaned_data.get("session"),
            )
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The note is saved."))
            return redirect(f"{_detail_url(person.pk)}#notes")
    return render(
        request,
        "mentoring/note_form.html",
        {"person": person, "form": form, "note": None, "section": "mentees"},
        status=400 if form.errors else 200,
    )


@mentoring_view
def note_edit(request, pk: int):
    note = selectors.note_get_for_edit(request.user, pk)
    form = NoteForm(request.POST or None, initial={"text": note.text})
    if request.method == "POST" and form.is_valid():
        try:
            services.note_update(note=note, actor=request.user, text=form.cleaned_data["text"])
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The note is saved."))
            return redirect(f"{_detail_url(note.person_id)}#notes")
    return render(
        request,
        "mentoring/note_form.html",
        {"person": note.person, "form": form, "note": note, "section": "mentees"},
        status=400 if form.errors else 200,
    )


# --- Sessions ---------------------------------------------------------------------------------


@mentoring_view
def agenda(request):
    """The week's mentoring sessions: a mentor's own agenda; the centre's for a coordinator."""
    centre = selectors.mentoring_centre_for_user(request.user)
    is_manager = selectors.is_manager_of(request.user, centre.pk)
    monday = _monday(request.GET.get("week"))
    mentor_id = _int(request.GET.get("mentor")) if is_manager else None
    sessions = list(selectors.sessions_week_for_user(request.user, monday, mentor_id=mentor_id))
    days = []
    for i in range(7):
        day = monday + dt.timedelta(days=i)
        days.append(
            {
                "date": day,
                "sessions": [s for s in sessions if timezone.localtime(s.starts_at).date() == day],
            }
        )
    return render(
        request,
        "mentoring/agenda.html",
        {
            "days": days,
            "monday": monday,
            "prev": monday - dt.timedelta(days=7),
            "next": monday + dt.timedelta(days=7),
            "is_manager": is_manager,
            "mentors": selectors.mentor_users(centre) if is_manager else [],
            "mentor_id": mentor_id,
            "today": timezone.localdate(),
            "now": timezone.now(),
            "section": "sessions",
        },
    )


@mentoring_view
def session_create(request):
    centre = selectors.mentoring_centre_for_user(request.user)
    is_manager = selectors.is_manager_of(request.user, centre.pk)
    mentors = selectors.mentor_users(centre)
    if not is_manager:
        mentors = mentors.filter(pk=request.user.pk)
    people = selectors.bookable_people(request.user, centre)
    initial = {"mentor": request.user.pk if not is_manager else None}
    person_id = _int(request.GET.get("person"))
    if person_id:
        initial["people"] = [person_id]
    form = SessionForm(
        request.POST or None,
        mentors=mentors,
        rooms=selectors.mentoring_rooms(centre),
        people=people,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        starts_at, ends_at = form.times()
        try:
            session = services.mentoring_session_book(
                centre=centre,
                mentor=form.cleaned_data["mentor"],
                room=form.cleaned_data["room"],
                kind=form.cleaned_data["kind"],
                starts_at=starts_at,
                ends_at=ends_at,
                people=list(form.cleaned_data["people"]),
                topic=form.cleaned_data["topic"],
                actor=request.user,
            )
        except ValidationError as exc:
            for problem in exc.messages:
                form.add_error(None, problem)
        else:
            messages.success(request, _("The mentoring session is booked."))
            return redirect("mentoring:session_detail", pk=session.pk)
    return render(
        request,
        "mentoring/session_form.html",
        {"form": form, "section": "sessions"},
        status=400 if form.errors else 200,
    )


@mentoring_view
def session_detail(request, pk: int):
    session = selectors.session_get_for_user(request.user, pk)
    participants = list(selectors.session_participants(session))
    if request.method == "POST":
        attended = {
            p.person_id: request.POST.get(f"came-{p.person_id}") == "1" for p in participants
        }
        try:
            services.mentoring_attendance_record(
                session=session, attended=attended, actor=request.user
            )
        except ValidationError as exc:
            _error(request, exc)
        else:
            messages.success(request, _("Attendance saved."))
        return redirect("mentoring:session_detail", pk=session.pk)
    now = timezone.now()
    personal_data_read(
        user=request.user,
        persons=[p.person_id for p in participants],
        kind=Kind.LIST,
        request=request,
    )
    return render(
        request,
        "mentoring/session_detail.html",
        {
            "session": session,
            "participants": participants,
            "started": session.starts_at <= now,
            "notes": session.notes.filter(author=request.user).select_related("person"),
            "section": "sessions",
        },
    )


@require_POST
@mentoring_view
def session_cancel(request, pk: int):
    session = selectors.session_get_for_user(request.user, pk)
    try:
        services.mentoring_session_cancel(session=session, actor=request.user)
    except ValidationError as exc:
        _error(request, exc)
        return redirect("mentoring:session_detail", pk=session.pk)
    messages.success(request, _("The session is cancelled."))
    return redirect("mentoring:agenda")


# --- Alerts -----------------------------------------------------------------------------------


@mentoring_view
def alerts(request):
    centre = selectors.mentoring_centre_for_user(request.user)
    is_manager = selectors.is_manager_of(request.user, centre.pk)
    mentor_id = _int(request.GET.get("mentor")) if is_manager else None
    rows = selectors.alerts_for_user(request.user, mentor_id=mentor_id)
    personal_data_read(
        user=request.user,
        persons=[r.assignment.person_id for r in rows],
        kind=Kind.LIST,
        request=request,
    )
    return render(
        request,
        "mentoring/alerts.html",
        {
            "rows": rows,
            "is_manager": is_manager,
            "mentors": selectors.mentor_users(centre) if is_manager else [],
            "mentor_id": mentor_id,
            "days": selectors.NO_CONTACT_DAYS,
            "today": timezone.localdate(),
            "section": "alerts",
        },
    )


# --- Follow-ups -------------------------------------------------------------------------------


@mentoring_view
def followup_list(request):
    today = timezone.localdate()
    due = list(selectors.followups_due(request.user, today=today))
    recorded = list(selectors.followups_recorded(request.user))
    personal_data_read(
        user=request.user,
        persons=[f.person_id for f in [*due, *recorded]],
        kind=Kind.LIST,
        request=request,
    )
    return render(
        request,
        "mentoring/followup_list.html",
        {
            "due": due,
            "recorded": recorded,
            "today": today,
            "horizon": selectors.DUE_HORIZON_DAYS,
            "section": "followups",
        },
    )


@mentoring_view
def followup_record(request, pk: int):
    followup = selectors.followup_get_for_user(request.user, pk)
    if followup.status == FollowUp.Status.REACHED:
        initial = {
            "outcome": FollowUpForm.REACHED,
            "contacted_on": followup.contacted_on,
            "employment_status": followup.employment_status,
            "monthly_income_mad": followup.monthly_income_mad,
            "income_band": followup.income_band,
            "sector": followup.sector,
            "formal": {True: "yes", False: "no"}.get(followup.formal, ""),
            "business_created": followup.business_created,
            "jobs_created": followup.jobs_created,
            "further_training": followup.further_training,
        }
    else:
        initial = {"outcome": FollowUpForm.REACHED, "contacted_on": timezone.localdate()}
    form = FollowUpForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.followup_record(followup=followup, actor=request.user, **form.service_kwargs())
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            if form.cleaned_data["outcome"] == FollowUpForm.REACHED:
                messages.success(request, _("The follow-up is recorded."))
            else:
                messages.info(
                    request, _("Recorded as not reached. Try again another day if you can.")
                )
            return redirect("mentoring:followup_list")
    personal_data_read(
        user=request.user, persons=[followup.person_id], kind=Kind.PAGE, request=request
    )
    return render(
        request,
        "mentoring/followup_form.html",
        {"followup": followup, "form": form, "section": "followups"},
        status=400 if form.errors else 200,
    )
