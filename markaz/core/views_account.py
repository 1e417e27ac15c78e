"""A staff member's own sign-in security: two-factor enrolment, verification, turning it off;
and an administrator's reset of someone else's."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import twofactor
from .access import require_role
from .roles import Role


def _login_first(request):
    return redirect_to_login(request.get_full_path())


def twofactor_enrol(request):
    """GET: the QR code and secret of a pending device (or, once enrolled, the status and the
    form to turn it off). POST action=confirm: the first code; action=restart: a new secret;
    action=disable: the password."""
    user = request.user
    if not user.is_authenticated:
        return _login_first(request)
    device = twofactor.confirmed_device(user)
    if device is not None and not user.is_verified():
        # A stolen password alone must not turn the second factor off.
        return redirect("core:twofactor_verify")
    action = request.POST.get("action", "") if request.method == "POST" else ""
    error, status = "", 200
    if device is not None:
        if action == "disable":
            try:
                twofactor.twofactor_disable(
                    request=request, user=user, password=request.POST.get("password", "")
                )
            except twofactor.TwoFactorRefused as exc:
                error, status = exc.messages[0], _status(exc)
            else:
                messages.success(request, _("Two-factor authentication is off."))
                return redirect("core:twofactor_enrol")
        return render(
            request,
            "core/twofactor_status.html",
            {
                "device": device,
                "codes_left": twofactor.recovery_codes_left(user),
                "required": twofactor.required_for(user),
                "error": error,
            },
            status=status,
        )
    pending = twofactor.pending_device(user)
    if action == "restart" or pending is None:
        pending = twofactor.twofactor_enrol_start(user=user)
    if action == "confirm":
        try:
            codes = twofactor.twofactor_enrol_confirm(
                request=request, user=user, code=request.POST.get("code", "")
            )
        except twofactor.TwoFactorRefused as exc:
            error, status = exc.messages[0], _status(exc)
        else:
            return render(
                request,
                "core/twofactor_codes.html",
                {"codes": codes, "next": twofactor.safe_next(request)},
            )
    return render(
        request,
        "core/twofactor_enrol.html",
        {
            "qr_svg": twofactor.qr_svg(pending),
            "secret": twofactor.secret_text(pending),
            "required": twofactor.required_for(user),
            "error": error,
            "next": request.POST.get("next") or request.GET.get("next", ""),
        },
        status=status,
    )


def twofactor_verify(request):
    """After the password: a code from the app, or one of the recovery codes."""
    user = request.user
    if not user.is_authenticated:
        return _login_first(request)
    if twofactor.confirmed_device(user) is None or user.is_verified():
        return redirect(twofactor.safe_next(request))
    error, status = "", 200
    if request.method == "POST":
        try:
            twofactor.twofactor_verify(request=request, user=user, code=request.POST.get("code"))
        except twofactor.TwoFactorRefused as exc:
            error, status = exc.messages[0], _status(exc)
        else:
            return redirect(twofactor.safe_next(request))
    return render(
        request,
        "core/twofactor_verify.html",
        {"error": error, "next": request.POST.get("next") or request.GET.get("next", "")},
        status=status,
    )


@require_POST
def twofactor_reset(request, user_id: int):
    """An administrator removes a staff member's second factor (a lost phone); audited."""
    if not request.user.is_authenticated:
        return _login_first(request)
    require_role(request.user, {Role.ADMIN})
    try:
        target = twofactor.twofactor_reset(actor=request.user, user_id=user_id)
    except twofactor.TwoFactorRefused as exc:
        return render(request, "400.html", {"message": exc.messages[0]}, status=400)
    messages.success(
        request,
        _("Two-factor authentication of %(user)s is reset: they set it up again at next sign-in.")
        % {"user": target.get_username()},
    )
    return redirect(twofactor.safe_next(request, "centre:settings_staff"))


def _status(exc: twofactor.TwoFactorRefused) -> int:
    return 429 if exc.code == "throttled" else 400
