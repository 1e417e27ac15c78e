"""In real headless Chromium on a phone: the coordinator opens a job fair in Arabic, sees the
schedule the engine made, is refused a manual edit that breaks a rule (the youth would meet
the employer twice: the reason shown, nothing written), and opens a youth's printable card in
French."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from markaz.jobs import services_fairs as fair_services
from markaz.jobs.models import FairInterview, JobFair, Opportunity
from tests.jobs.test_browser import _login, _setup

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fair():
    centre, employer, saidia, people = _setup()
    from django.contrib.auth import get_user_model

    coordinator = get_user_model().objects.get(username="coordinator")
    today = timezone.localdate()
    Opportunity.objects.create(
        centre=centre,
        employer=employer,
        title="Stage réception",
        kind="internship",
        skills=["web"],
        commune=saidia,
        hours_per_week=30,
        pay_mad=Decimal("1500"),
        places=2,
        closes_on=today + dt.timedelta(days=20),
    )
    day = today + dt.timedelta(days=3)
    while day.weekday() != 2:
        day += dt.timedelta(days=1)
    fair = fair_services.fair_save(
        centre=centre,
        name_fr="Forum de l'emploi de Saïdia",
        name_ar="ملتقى التشغيل بالسعيدية",
        date=day,
        start_time=dt.time(9, 0),
        end_time=dt.time(10, 0),
        slot_minutes=20,
        place="centre",
        actor=coordinator,
    )
    hotel = fair_services.fair_employer_register(
        fair=fair, employer=employer, tables=1, max_interviews=3, actor=coordinator
    )
    for person in people:
        fair_services.fair_youth_register(
            fair=fair, person=person, max_interviews=1, employers=[hotel], actor=coordinator
        )
    JobFair.objects.filter(pk=fair.pk).update(status="scheduling")
    fair_services.fair_schedule_execute(fair_id=fair.pk, time_limit_s=2)
    return fair


def test_coordinator_sees_the_schedule_in_arabic_on_a_phone(
    live_server, territory, phone, screenshot
):
    fair = _fair()
    page = phone
    _login(page, live_server.url, "coordinator", "ar")
    page.goto(f"{live_server.url}/jobs/fairs/{fair.pk}/")
    assert page.locator("html[dir=rtl]").count() == 1
    assert page.locator("#fair-schedule .fair-slot").count() == 3
    assert "ملتقى التشغيل بالسعيدية" in page.inner_text("h1")
    screenshot(page, "jobs-fair-ar-phone")
    # A manual edit making the youth meet the employer twice: refused with the reason, nothing written.
    iv = FairInterview.objects.filter(fair=fair).order_by("slot").first()
    before = FairInterview.objects.count()
    form = page.locator("#fair-interview-form")
    form.locator("select[name=iv-youth]").select_option(str(iv.youth_id))
    form.locator("select[name=iv-employer]").select_option(str(iv.employer_id))
    form.locator("select[name=iv-slot]").select_option(str((iv.slot + 1) % 3))
    form.locator("button[type=submit]").click()
    page.wait_for_selector(
        "#fair-interview-form .invalid-feedback, #fair-interview-form .alert-danger"
    )
    assert FairInterview.objects.count() == before
    screenshot(page, "jobs-fair-refused-ar-phone")
    page.goto(f"{live_server.url}/jobs/fairs/{fair.pk}/youth/{iv.youth_id}/card/?lang=fr")
    assert "Carte d'entretiens" in page.inner_text("h1")
    screenshot(page, "jobs-fair-card-fr-phone")
