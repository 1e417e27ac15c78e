"""Middleware that keeps a staff session and its pages from outliving their use.

- `SessionIdleMiddleware`: a signed-in session unused for `MARKAZ_SESSION_IDLE_MINUTES` is
  signed out at its next request, which lands on the login page with a message (JSON APIs such
  as the caravan tablet's answer 401: the tablet keeps its records and asks to log in again).
  The last activity is written at most once a minute (sessions are in the database). The
  entrance kiosk has no staff session (a paired tablet's own token) and is not concerned.
- `ResponseHeadersMiddleware`: `Cache-Control: no-store` on every response Markaz builds (static
  files are served before it, by WhiteNoise) unless a view chose its own, and the
  Permissions-Policy (the camera only for the entrance kiosk, which reads badges with it).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

LAST_SEEN_KEY = "markaz_last_seen"
# Write the activity stamp at most this often (seconds): one session write a minute, not one
# a request.
TOUCH_EVERY_S = 60

PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), "
    "gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()"
)
# The kiosk reads badges with the tablet's camera (static/markaz/kiosk.js).
KIOSK_PERMISSIONS_POLICY = PERMISSIONS_POLICY.replace("camera=()", "camera=(self)")


def idle_seconds() -> int:
    return int(float(getattr(settings, "MARKAZ_SESSION_IDLE_MINUTES", 30)) * 60)


class SessionIdleMiddleware:
    """After AuthenticationMiddleware and MessageMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            last = request.session.get(LAST_SEEN_KEY)
            limit = idle_seconds()
            if limit > 0 and isinstance(last, int | float) and now - last > limit:
                return self._expired(request)
            if not isinstance(last, int | float) or now - last >= TOUCH_EVERY_S:
                request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)

    @staticmethod
    def _expired(request):
        path = request.get_full_path() if request.method == "GET" else request.path
        logout(request)
        message = _("You were signed out after %(n)s minutes without activity. Log in again.") % {
            "n": idle_seconds() // 60
        }
        if "/api/" in request.path_info or request.headers.get("Accept", "").startswith(
            "application/json"
        ):
            return JsonResponse({"error": message}, status=401)
        messages.warning(request, message)
        response = redirect_to_login(path)
        if request.headers.get("HX-Request"):
            from django_htmx.http import HttpResponseClientRedirect

            return HttpResponseClientRedirect(response["Location"])
        return response


class ResponseHeadersMiddleware:
    """Right after WhiteNoise: every response Markaz builds itself passes here."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        chosen = response.get("Cache-Control", "")
        # A view's own choice stands, unless the response may carry someone's data.
        if not chosen or ("no-store" not in chosen and _carries_people(request)):
            add_never_cache_headers(response)
        kiosk = request.path_info.startswith("/kiosk/")
        response.setdefault(
            "Permissions-Policy", KIOSK_PERMISSIONS_POLICY if kiosk else PERMISSIONS_POLICY
        )
        return response


def _carries_people(request) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated) or request.path_info.startswith(
        "/results/"
    )
