"""The caravan tablet: an offline-first web app (PWA) for the crew, and its JSON API."""

import hashlib
import json
from functools import wraps

from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from markaz.core.access import has_role, role_required
from markaz.core.errors import UserInputError
from markaz.core.forms import query_day

from . import sync


def _api(view):
    """An API view: JSON answers (401 / 403) instead of the login page's redirect."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return JsonResponse({"error": _("Log in again to send your records.")}, status=401)
        if not has_role(request.user, sync.TABLET_ROLES):
            return JsonResponse({"error": _("You may not use the caravan tablet.")}, status=403)
        return view(request, *args, **kwargs)

    return wrapped


def _shell_urls() -> list[str]:
    """What the service worker keeps so the app opens offline."""
    return [
        reverse("caravan:tablet"),
        reverse("caravan:tablet_manifest"),
        static("bootstrap/css/bootstrap.min.css"),
        static("bootstrap/css/bootstrap.rtl.min.css"),
        static("bootstrap/js/bootstrap.bundle.min.js"),
        static("django_htmx/htmx-2.min.js"),
        static("markaz/markaz.css"),
        static("markaz/favicon.svg"),
        static("caravan/tablet.js"),
        static("caravan/tablet.css"),
        static("caravan/icon.svg"),
        static("caravan/icon-192.png"),
        static("caravan/icon-512.png"),
    ]


@never_cache
@role_required(*sync.TABLET_ROLES)
def tablet(request):
    """The app's one page. Once opened online (logged in), the service worker keeps it."""
    return render(
        request,
        "caravan/tablet.html",
        {
            "api_visits": reverse("caravan:tablet_visits"),
            "api_reports": reverse("caravan:tablet_reports"),
            "sw_url": reverse("caravan:tablet_sw"),
        },
    )


@require_GET
def tablet_service_worker(request):
    """The service worker, served under /caravan/tablet/ so its scope covers the app.

    Its cache name changes with the list of shell files (hashed names in production), so a new
    release replaces the old cache.
    """
    path = finders.find("caravan/sw.js")
    if path is None:  # pragma: no cover - the file ships with the app
        raise Http404
    with open(path, encoding="utf-8") as f:
        code = f.read()
    shell = _shell_urls()
    version = hashlib.sha256(json.dumps([code, shell]).encode()).hexdigest()[:12]
    header = f"const SHELL = {json.dumps(shell)};\nconst CACHE = {json.dumps('markaz-tablet-' + version)};\n"
    response = HttpResponse(header + code, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = reverse("caravan:tablet")
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def tablet_manifest(request):
    """The web app manifest (its names in the visitor's language)."""
    manifest = {
        "name": _("Markaz caravan: visit reports"),
        "short_name": _("Caravan"),
        "start_url": reverse("caravan:tablet"),
        "scope": reverse("caravan:tablet"),
        "display": "standalone",
        "orientation": "any",
        "background_color": "#ffffff",
        "theme_color": "#0b3d47",
        "lang": request.LANGUAGE_CODE,
        "dir": "rtl" if request.LANGUAGE_CODE == "ar" else "ltr",
        "icons": [
            {"src": static("caravan/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("caravan/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {"src": static("caravan/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    return JsonResponse(
        manifest,
        content_type="application/manifest+json",
        json_dumps_params={"ensure_ascii": False},
    )


@never_cache
@require_GET
@_api
def tablet_visits(request):
    """GET ?week=YYYY-MM-DD: that week's visits and the reference data to record a visit."""
    try:  # a date out of 2000..2100 (9999-12-31) overflowed the week's arithmetic (issue 13)
        day = query_day(request.GET.get("week"), default=timezone.localdate())
    except UserInputError as error:
        return JsonResponse({"error": str(error)}, status=400)
    try:
        data = sync.tablet_week_for_user(request.user, day)
    except PermissionDenied:
        return JsonResponse({"error": _("You may not use the caravan tablet.")}, status=403)
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


@never_cache
@require_POST
@_api
def tablet_reports(request):
    """POST a JSON list of reports; answer one result per item, in the same order."""
    try:
        items = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deep
        items = None
    if isinstance(items, dict) and isinstance(items.get("reports"), list):
        items = items["reports"]
    if not isinstance(items, list):
        return JsonResponse({"error": _("Send a list of records.")}, status=400)
    if len(items) > sync.MAX_ITEMS:
        return JsonResponse(
            {"error": _("Send at most %(n)s records at a time.") % {"n": sync.MAX_ITEMS}},
            status=400,
        )
    results = sync.visit_reports_sync(user=request.user, items=items)
    return JsonResponse(
        {"results": [r.as_dict() for r in results], "server_time": timezone.now().isoformat()},
        json_dumps_params={"ensure_ascii": False},
    )
