"""Response headers (issue 13 §3): no-store on everything that may carry a person's data, a
Content-Security-Policy without inline scripts, a Permissions-Policy that gives the camera to
the entrance kiosk only, Referrer-Policy and nosniff; and templates with no inline script, no
inline event handler and no javascript: URL (the policy would block them)."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from markaz.centre import services as centre_services
from tests.factories import CohortFactory, EnrolmentFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent.parent


def csp(response) -> dict:
    policy = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def assert_headers(response, *, camera=False):
    assert "no-store" in response.headers["Cache-Control"], response.headers
    directives = csp(response)
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    assert directives["img-src"] == ["'self'", "data:"]
    permissions = response.headers["Permissions-Policy"]
    assert "geolocation=()" in permissions and "microphone=()" in permissions
    assert "payment=()" in permissions
    assert ("camera=(self)" if camera else "camera=()") in permissions
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_public_pages(client, centre):
    for url in ("/", "/results/", "/scoring/", "/login/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_headers(response)


def test_staff_pages_and_a_pdf_download(client, coordinator, centre):
    client.force_login(coordinator)
    for url in ("/registry/", reverse("core:dashboard"), reverse("centre:settings_staff")):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_headers(response)
    cohort = CohortFactory(centre=centre)
    EnrolmentFactory(cohort=cohort)
    # Printing badges is a confirmed POST (it may issue badges); its answer is the PDF.
    pdf = client.post(reverse("centre:cohort_badges", args=[cohort.pk]), {"confirm": "yes"})
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert_headers(pdf)


def test_a_view_that_chose_its_cache_keeps_no_store_for_a_signed_in_user(client, caravan_staff):
    client.force_login(caravan_staff)
    sw = client.get(reverse("caravan:tablet_sw"))
    assert sw.status_code == 200 and "no-store" in sw.headers["Cache-Control"]
    client.logout()
    anonymous = client.get(reverse("caravan:tablet_sw"))
    assert anonymous.headers["Cache-Control"] == "no-cache"


def test_the_kiosk_may_use_the_camera(client, centre, coordinator):
    _device, code = centre_services.kiosk_device_create(
        centre=centre, name="Tablette", actor=coordinator
    )
    secret = centre_services.kiosk_device_pair(code=code)[1]
    client.cookies[centre_services.KIOSK_COOKIE] = secret
    response = client.get(reverse("centre:kiosk"))
    assert response.status_code == 200
    assert_headers(response, camera=True)
    html = response.content.decode()
    assert "hx-on" not in html
    scan = client.post(
        reverse("centre:kiosk_device_scan"), {"code": "NOPE"}, HTTP_X_KIOSK_TOKEN=secret
    )
    assert "no-store" in scan.headers["Cache-Control"]


def test_static_files_are_cacheable(client, centre):
    response = client.get("/static/markaz/markaz.js")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/(ld\+)?json)[^>]*>", re.I)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)


def test_no_template_has_inline_script_or_handlers():
    offenders = []
    for path in [*ROOT.glob("markaz/**/templates/**/*.html"), *ROOT.glob("templates/**/*.html")]:
        text = path.read_text()
        if "_pdf" in path.name or path.name in ("roadbook.html", "badges_pdf.html"):
            continue  # rendered to PDF on the server, never run by a browser
        for pattern in (
            INLINE_SCRIPT,
            HANDLER,
            re.compile(r"javascript:", re.I),
            re.compile("hx-on"),
        ):
            if pattern.search(text):
                offenders.append(f"{path.relative_to(ROOT)}: {pattern.pattern}")
    assert not offenders
