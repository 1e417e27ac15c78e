"""Two-factor authentication for staff (django-otp): an authenticator app (TOTP) and ten
single-use recovery codes (static tokens).

- `twofactor_enrol_start` gives the user an unconfirmed TOTP device (a new secret each time);
  `twofactor_enrol_confirm` confirms it with a first code and returns the ten recovery codes,
  shown once. Until confirmed, a device verifies nothing.
- `twofactor_verify` checks a code from the app or a recovery code (used up at once) for a
  signed-in user; throttled per user and client address (`markaz.core.throttle`, shared cache)
  on top of django-otp's own per-device back-off.
- `twofactor_disable` (the user, with their password) and `twofactor_reset` (an administrator,
  for a staff member) remove every device; both are in the audit log.
- `TwoFactorMiddleware`: a user with a confirmed device whose session is not verified is sent to
  the verify page; when `MARKAZ_REQUIRE_2FA` holds for their role and they have no device, to
  enrolment. JSON APIs answer 401 instead of a redirect, htmx requests get HX-Redirect.
"""

from __future__ import annotations

import io

import segno
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .access import user_role
from .roles import PEOPLE_ROLES, Role
from .services import audit_record
from .throttle import throttle_count, throttle_exceeded

RECOVERY_CODES = 10
DEVICE_NAME = "markaz"
# Wrong codes a user may type from one address before waiting THROTTLE_WINDOW_S.
THROTTLE_LIMIT = 5
THROTTLE_WINDOW_S = 15 * 60

# Roles that must use two factors where MARKAZ_REQUIRE_2FA holds: every one that can see a
# person, and the provincial viewer (the province's figures).
REQUIRED_ROLES = frozenset(PEOPLE_ROLES | {Role.PROVINCIAL})


class TwoFactorRefused(ValidationError):
    """A code or password that is not accepted; `.messages` says why."""


def required_for(user) -> bool:
    return bool(getattr(settings, "MARKAZ_REQUIRE_2FA", False)) and (
        user_role(user) in REQUIRED_ROLES
    )


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def qr_svg(device: TOTPDevice) -> str:
    """The enrolment QR code as inline SVG markup (no script, no external file)."""
    out = io.BytesIO()
    segno.make(device.config_url, error="m").save(
        out, kind="svg", scale=5, border=2, xmldecl=False, svgns=True, title=_("QR code")
    )
    return out.getvalue().decode()


def secret_text(device: TOTPDevice) -> str:
    """The secret in base32, in groups of four, for typing into an app by hand."""
    import base64

    raw = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def twofactor_enrol_start(*, user) -> TOTPDevice:
    """An unconfirmed device with a fresh secret (any earlier unconfirmed one is dropped)."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        device = TOTPDevice(user=user, name=DEVICE_NAME, confirmed=False)
        device.full_clean()
        device.save()
        return device


def pending_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


def _check_throttle(request, user) -> None:
    if throttle_exceeded(f"staff-2fa:{user.pk}", request, limit=THROTTLE_LIMIT):
        raise TwoFactorRefused(
            _("Too many wrong codes. Wait 15 minutes, then try again."), code="throttled"
        )


def _failed(request, user) -> None:
    throttle_count(f"staff-2fa:{user.pk}", request, window_s=THROTTLE_WINDOW_S)


def _clean(code: str) -> str:
    return "".join(str(code or "").split()).replace("-", "").lower()


def twofactor_enrol_confirm(*, request, user, code: str) -> list[str]:
    """Confirm the pending device with a first code: it replaces any earlier device, ten new
    recovery codes are made (returned, to be shown once), and this session counts as
    verified. A wrong code raises TwoFactorRefused and confirms nothing."""
    _check_throttle(request, user)
    device = pending_device(user)
    if device is None:
        raise TwoFactorRefused(_("Start again: scan a new code."), code="no_device")
    code = _clean(code)
    if not (code.isdigit() and len(code) == 6):
        _failed(request, user)
        raise TwoFactorRefused(_("Type the 6 digits your app shows."), code="format")
    with transaction.atomic():
        if not device.verify_token(code):
            verified = False
        else:
            verified = True
            TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
            StaticDevice.objects.filter(user=user).delete()
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            static = StaticDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=True)
            codes = []
            while len(codes) < RECOVERY_CODES:
                token = StaticToken.random_token()
                if token not in codes:
                    codes.append(token)
            StaticToken.objects.bulk_create([StaticToken(device=static, token=t) for t in codes])
            audit_record(actor=user, action="2fa_enrolled", obj=user)
    if not verified:
        _failed(request, user)
        raise TwoFactorRefused(
            _("This code is not the right one. Check your phone's time and try again."),
            code="wrong",
        )
    otp_login(request, device)
    return codes


def twofactor_verify(*, request, user, code: str):
    """Check a code from the app or a recovery code; mark the session verified and return the
    device that accepted it. A recovery code works once. TwoFactorRefused otherwise."""
    _check_throttle(request, user)
    code = _clean(code)
    device = None
    if code:
        with transaction.atomic():
            totp = confirmed_device(user)
            if code.isdigit() and len(code) == 6:
                if totp is not None and totp.verify_token(code):
                    device = totp
            else:
                for static in StaticDevice.objects.filter(user=user, confirmed=True):
                    if static.verify_token(code):
                        device = static
                        audit_record(actor=user, action="2fa_recovery_code_used", obj=user)
                        break
    if device is None:
        _failed(request, user)
        raise TwoFactorRefused(_("This code is not accepted."), code="wrong")
    otp_login(request, device)
    return device


def _remove_devices(user) -> int:
    """Delete the user's devices (their recovery codes go with them); how many devices."""
    n = 0
    for model in (TOTPDevice, StaticDevice):
        _total, per_model = model.objects.filter(user=user).delete()
        n += per_model.get(model._meta.label, 0)
    return n


def twofactor_disable(*, request, user, password: str) -> None:
    """The user turns two factors off (or starts over) with their password."""
    _check_throttle(request, user)
    if not user.check_password(password or ""):
        _failed(request, user)
        raise TwoFactorRefused(_("Wrong password. Nothing was changed."), code="password")
    with transaction.atomic():
        _remove_devices(user)
        audit_record(actor=user, action="2fa_disabled", obj=user)
    request.session.pop(DEVICE_ID_SESSION_KEY, None)


def twofactor_reset(*, actor, user_id: int):
    """An administrator removes a staff member's devices (a lost phone): they enrol again at
    their next sign-in where two factors are required."""
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        raise TwoFactorRefused(_("No such account."), code="missing")
    profile = getattr(user, "staff_profile", None)
    with transaction.atomic():
        removed = _remove_devices(user)
        audit_record(
            actor=actor,
            action="2fa_reset",
            centre=profile.centre if profile is not None else None,
            obj=user,
            detail={"username": user.get_username(), "devices_removed": removed},
        )
    return user


# --------------------------------------------------------------------------- middleware

_EXEMPT_NAMES = (
    "core:twofactor_verify",
    "core:twofactor_enrol",
    "logout",
    "login",
)


class TwoFactorMiddleware:
    """After AuthenticationMiddleware, OTPMiddleware and MessageMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._exempt = None

    def exempt(self) -> tuple[str, ...]:
        if self._exempt is None:
            static = "/" + settings.STATIC_URL.lstrip("/")
            self._exempt = (
                *(reverse(name) for name in _EXEMPT_NAMES),
                "/i18n/",
                "/healthz",
                static,
            )
        return self._exempt

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path_info.startswith(self.exempt())
        ):
            target = self._target(request, user)
            if target is not None:
                return _send_to(request, target)
        return self.get_response(request)

    @staticmethod
    def _target(request, user) -> str | None:
        if user.is_verified():
            return None
        if confirmed_device(user) is not None:
            return "core:twofactor_verify"
        if required_for(user):
            return "core:twofactor_enrol"
        return None


def _send_to(request, name: str):
    url = reverse(name)
    if request.method == "GET" and not _is_api(request):
        url += "?" + urlencode({"next": request.get_full_path()})
    if _is_api(request):
        return JsonResponse(
            {"error": _("Confirm your sign-in with your second factor, then try again.")},
            status=401,
        )
    if request.headers.get("HX-Request"):
        from django_htmx.http import HttpResponseClientRedirect

        return HttpResponseClientRedirect(url)
    return HttpResponseRedirect(url)


def _is_api(request) -> bool:
    return "/api/" in request.path_info or request.headers.get("Accept", "").startswith(
        "application/json"
    )


def safe_next(request, default: str = "core:home") -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(default)
