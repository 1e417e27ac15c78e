from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from markaz.core.access import role_required
from markaz.core.readlog import Kind, personal_data_read
from markaz.core.throttle import throttle_count, throttle_exceeded

from . import selectors, services
from .forms import CompletionRuleForm, EvaluationForm, RevokeForm, VerifyForm
from .models import AttendanceMark, CompletionRule


def _error(request, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


# --- Sessions and attendance -----------------------------------------------------------------


@role_required(*selectors.MARKING_ROLES)
def my_sessions(request):
    """A trainer's sessions today and the rest of this week (a coordinator sees the centre's)."""
    today = timezone.localdate()
    sessions = list(selectors.sessions_for_user(request.user, today=today))
    marked = set(
        AttendanceMark.objects.filter(session__in=sessions)
        .values_list("session_id", flat=True)
        .distinct()
    )
    for s in sessions:
        s.is_marked = s.pk in marked
    todays = [s for s in sessions if timezone.localtime(s.starts_at).date() == today]
    week = [s for s in sessions if timezone.localtime(s.starts_at).date() != today]
    return render(
        request,
        "learning/my_sessions.html",
        {"today": todays, "week": week, "today_date": today},
    )


STATUS_CYCLE = [
    AttendanceMark.Status.PRESENT,
    AttendanceMark.Status.LATE,
    AttendanceMark.Status.ABSENT,
]


@role_required(*selectors.MARKING_ROLES)
def attendance(request, pk: int):
    """The attendance sheet of one session: pre-filled from the door, confirmed with one Save."""
    session = selectors.session_get_for_marking(request.user, pk)
    rows = selectors.attendance_sheet(session)
    if request.method == "POST":
        marks = {
            row.enrolment.pk: request.POST.get(f"status-{row.enrolment.pk}", "") for row in rows
        }
        try:
            services.attendance_record(session=session, marks=marks, actor=request.user)
        except ValidationError as exc:
            _error(request, exc)
        else:
            messages.success(request, _("Attendance saved."))
            return redirect("learning:attendance", pk=session.pk)
    personal_data_read(
        user=request.user,
        persons=[row.enrolment.person_id for row in rows],
        kind=Kind.LIST,
        request=request,
    )
    return render(
        request,
        "learning/attendance.html",
        {
            "session": session,
            "rows": rows,
            "statuses": AttendanceMark.Status.choices,
            "labels": {value: str(label) for value, label in AttendanceMark.Status.choices},
            "cycle": [s.value for s in STATUS_CYCLE],
            "is_open": selectors.session_is_open_for_marking(session),
            "any_from_door": any(r.from_door for r in rows),
        },
    )


# --- Cohorts: evaluations, completion, certificates --------------------------------------------


@role_required(*selectors.MARKING_ROLES)
def cohort_list(request):
    return render(
        request,
        "learning/cohort_list.html",
        {"cohorts": selectors.cohorts_for_completion(request.user)},
    )


@role_required(*selectors.MARKING_ROLES)
def cohort_completion(request, pk: int):
    cohort = selectors.cohort_get_for_completion(request.user, pk)
    rule = CompletionRule.objects.filter(programme_id=cohort.programme_id).first()
    rule_form = CompletionRuleForm(
        initial={
            "min_attendance_percent": rule.min_attendance_percent if rule else 80,
            "requires_evaluation": rule.requires_evaluation if rule else True,
        }
    )
    rows = selectors.cohort_learning_rows(cohort)
    personal_data_read(
        user=request.user, persons=[r["person"] for r in rows], kind=Kind.LIST, request=request
    )
    return render(
        request,
        "learning/cohort_completion.html",
        {
            "cohort": cohort,
            "rule": rule,
            "rule_form": rule_form,
            "rows": rows,
            "held": rows[0]["attendance"].held if rows else 0,
            "can_manage": selectors.is_manager_of(request.user, cohort.centre_id),
            "can_issue": any(
                r["completion"] and r["completion"].completed and not r["certificate"] for r in rows
            ),
        },
    )


@require_POST
@role_required(*selectors.MANAGER_ROLES)
def completion_rule(request, pk: int):
    cohort = selectors.cohort_get_for_completion(request.user, pk)
    form = CompletionRuleForm(request.POST)
    if form.is_valid():
        try:
            services.completion_rule_set(
                programme=cohort.programme, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            _error(request, exc)
        else:
            messages.success(request, _("The completion rule is saved."))
    else:
        messages.error(request, _("The minimum attendance is a percentage, from 0 to 100."))
    return redirect("learning:cohort_completion", pk=cohort.pk)


@require_POST
@role_required(*selectors.MANAGER_ROLES)
def completions_decide(request, pk: int):
    cohort = selectors.cohort_get_for_completion(request.user, pk)
    try:
        result = services.completions_decide_cohort(cohort=cohort, actor=request.user)
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(
            request,
            _("Completions decided: %(completed)s completed, %(not_completed)s not completed.")
            % result,
        )
    return redirect("learning:cohort_completion", pk=cohort.pk)


@require_POST
@role_required(*selectors.MANAGER_ROLES)
def certificates_issue(request, pk: int):
    cohort = selectors.cohort_get_for_completion(request.user, pk)
    try:
        n = services.certificates_issue_cohort(cohort=cohort, actor=request.user)
    except ValidationError as exc:
        _error(request, exc)
    else:
        if n:
            messages.success(request, _("Certificates issued: %(n)s.") % {"n": n})
        else:
            messages.info(request, _("No certificate to issue: decide completions first."))
    return redirect("learning:cohort_completion", pk=cohort.pk)


@role_required(*selectors.MARKING_ROLES)
def evaluation(request, pk: int):
    enrolment = selectors.enrolment_get_for_evaluation(request.user, pk)
    current = getattr(enrolment, "evaluation", None)
    initial = {"evaluated_on": timezone.localdate()}
    if current is not None:
        initial = {
            "passed": "yes" if current.passed else "no",
            "score": current.score,
            "evaluated_on": current.evaluated_on,
        }
    form = EvaluationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.evaluation_record(enrolment=enrolment, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The evaluation is recorded."))
            return redirect("learning:cohort_completion", pk=enrolment.cohort_id)
    personal_data_read(
        user=request.user, persons=[enrolment.person_id], kind=Kind.PAGE, request=request
    )
    return render(request, "learning/evaluation.html", {"enrolment": enrolment, "form": form})


def _verify_url(request, code: str) -> str:
    return request.build_absolute_uri(reverse("learning:verify_code", args=[code]))


@role_required(*selectors.MANAGER_ROLES)
def certificate_detail(request, pk: int):
    certificate = selectors.certificate_get_for_user(request.user, pk)
    personal_data_read(
        user=request.user,
        persons=[certificate.enrolment.person_id],
        kind=Kind.PAGE,
        request=request,
    )
    return render(
        request,
        "learning/certificate_detail.html",
        {
            "certificate": certificate,
            "form": RevokeForm(),
            "verify_url": _verify_url(request, certificate.code),
        },
    )


@role_required(*selectors.MANAGER_ROLES)
def certificate_pdf(request, pk: int):
    from .pdf import certificate_pdf as render_pdf

    certificate = selectors.certificate_get_for_user(request.user, pk)
    personal_data_read(
        user=request.user,
        persons=[certificate.enrolment.person_id],
        kind=Kind.EXPORT,
        request=request,
    )
    pdf = render_pdf(certificate, _verify_url(request, certificate.code))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{certificate.code}.pdf"'
    return response


@role_required(*selectors.MANAGER_ROLES)
def certificate_revoke(request, pk: int):
    """GET (with the reason): what revoking will do; POST with the confirmation: revoke.
    A POST without the confirmation is refused (400) and changes nothing."""
    from markaz.core.confirm import confirm_page, confirmed

    certificate = selectors.certificate_get_for_user(request.user, pk)
    back = reverse("learning:certificate_detail", args=[certificate.pk])
    title = _("Revoke the certificate %(code)s") % {"code": certificate.code}
    form = RevokeForm(request.POST if request.method == "POST" else request.GET)
    if not form.is_valid():
        if request.method == "POST" and not confirmed(request):
            return confirm_page(
                request,
                title=title,
                consequences=[],
                action=request.path,
                button=_("Revoke"),
                back=back,
                refusal=_("Give the reason for revoking."),
            )
        messages.error(request, _("Give the reason for revoking."))
        return redirect(back)
    if not confirmed(request):
        holders = selectors.certificate_other_valid_count(certificate)
        return confirm_page(
            request,
            title=title,
            consequences=[
                _("1 certificate (%(name)s, %(programme)s) will be revoked.")
                % {"name": certificate.name_latin, "programme": certificate.programme_fr},
                _("Anyone who scans its QR code or types its code will read that it is revoked."),
                _("Reason recorded (not shown to the public): %(reason)s")
                % {"reason": form.cleaned_data["reason"]},
                _("The learner's %(n)s other valid certificates are not affected.")
                % {"n": holders},
            ],
            action=request.path,
            fields={"reason": form.cleaned_data["reason"]},
            button=_("Revoke"),
            back=back,
            refusal=None if certificate.is_valid else _("This certificate is already revoked."),
        )
    try:
        services.certificate_revoke(
            certificate=certificate, actor=request.user, reason=form.cleaned_data["reason"]
        )
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("The certificate is revoked."))
    return redirect(back)


# --- Public verification ---------------------------------------------------------------------

VERIFY_LIMIT = 20  # failed look-ups per address per 15 minutes


def verify(request):
    """The public page where anyone (an employer) types a certificate's code."""
    form = VerifyForm(request.GET or None)
    if request.GET and form.is_valid():
        code = selectors.normalise_code(form.cleaned_data["code"])
        if code:
            return redirect("learning:verify_code", code=code)
    return render(request, "learning/verify.html", {"form": form})


def verify_code(request, code: str):
    """What a certificate's QR code opens: only the name, the programme, the dates and whether
    it is valid. An unknown code says so and nothing else; failed look-ups are throttled."""
    form = VerifyForm(initial={"code": code})
    context = {"form": form, "code": code, "certificate": None}
    if throttle_exceeded("certificate-verify", request, limit=VERIFY_LIMIT):
        context["too_many"] = True
        return render(request, "learning/verify.html", context, status=429)
    certificate = selectors.certificate_find(code)
    if certificate is None:
        throttle_count("certificate-verify", request, window_s=15 * 60)
        context["not_found"] = True
        return render(request, "learning/verify.html", context, status=404)
    context["certificate"] = certificate
    return render(request, "learning/verify.html", context)
