"""A signed-in session unused for MARKAZ_SESSION_IDLE_MINUTES is signed out at its next request
(issue 13 §3), which lands on the login page with a message; the caravan tablet's API answers
401 (the tablet keeps its records); the entrance kiosk, which has no staff session, goes on."""

import time

import pytest
from django.urls import reverse

from markaz.centre import services as centre_services
from markaz.core.security import LAST_SEEN_KEY

pytestmark = pytest.mark.django_db


def idle_for(client, minutes):
    session = client.session
    session[LAST_SEEN_KEY] = time.time() - minutes * 60
    session.save()


def test_an_active_session_goes_on(client, settings, coordinator):
    settings.MARKAZ_SESSION_IDLE_MINUTES = 30
    client.force_login(coordinator)
    assert client.get(reverse("core:dashboard")).status_code == 200
    assert client.session[LAST_SEEN_KEY] > time.time() - 5
    idle_for(client, 29)
    assert client.get(reverse("core:dashboard")).status_code == 200
    # The request refreshed the stamp (older than a minute).
    assert client.session[LAST_SEEN_KEY] > time.time() - 5


def test_an_idle_session_is_signed_out_with_a_message(client, settings, coordinator):
    settings.MARKAZ_SESSION_IDLE_MINUTES = 30
    client.force_login(coordinator)
    client.get(reverse("core:dashboard"))
    idle_for(client, 31)
    response = client.get("/registry/?q=ali")
    assert response.status_code == 302
    assert response.url == "/login/?next=/registry/%3Fq%3Dali"
    assert "_auth_user_id" not in client.session
    login = client.get(response.url)
    html = login.content.decode()
    assert "30 minutes sans activité" in html
    # Signed out for good: the next page asks to log in again.
    assert client.get(reverse("core:dashboard")).status_code == 302


def test_the_message_is_translated(client, settings, coordinator):
    settings.MARKAZ_SESSION_IDLE_MINUTES = 30
    client.cookies["markaz_language"] = "ar"
    client.force_login(coordinator)
    client.get(reverse("core:dashboard"))
    idle_for(client, 45)
    login = client.get(reverse("core:dashboard"), follow=True)
    html = login.content.decode()
    assert 'dir="rtl"' in html and "30 دقيقة دون نشاط" in html
    assert "without activity" not in html


def test_htmx_requests_are_sent_to_the_login_page(client, settings, coordinator):
    client.force_login(coordinator)
    client.get(reverse("core:dashboard"))
    idle_for(client, 60)
    response = client.get(reverse("core:dashboard"), HTTP_HX_REQUEST="true")
    assert response.headers["HX-Redirect"].startswith("/login/")


def test_the_caravan_tablet_api_answers_401_and_writes_nothing(client, caravan_staff):
    from markaz.caravan.models import VisitReport

    client.force_login(caravan_staff)
    client.get(reverse("caravan:tablet"))
    idle_for(client, 31)
    response = client.post(
        reverse("caravan:tablet_reports"),
        data="[]",
        content_type="application/json",
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 401
    assert "minutes" in response.json()["error"]
    assert not VisitReport.objects.exists()


def test_the_kiosk_has_no_staff_session_and_is_not_concerned(client, settings, centre, coordinator):
    settings.MARKAZ_SESSION_IDLE_MINUTES = 1
    _device, code = centre_services.kiosk_device_create(
        centre=centre, name="Tablette", actor=coordinator
    )
    secret = centre_services.kiosk_device_pair(code=code)[1]
    client.cookies[centre_services.KIOSK_COOKIE] = secret
    assert client.get(reverse("centre:kiosk")).status_code == 200
    session = client.session
    session[LAST_SEEN_KEY] = time.time() - 3600  # whatever an old cookie may hold
    session.save()
    assert client.get(reverse("centre:kiosk")).status_code == 200
    count = client.get(reverse("centre:kiosk_count"), HTTP_X_KIOSK_TOKEN=secret)
    assert count.status_code == 200
