"""The tablet's uploads: only a visit's crew (and coordinators) report on it; dates outside the
school year, recording times in the future and bodies nested too deep are refused, writing
nothing (issue 13)."""

import datetime as dt
import json
import uuid
from decimal import Decimal

import pytest
from django.utils import timezone

from markaz.caravan import sync
from markaz.caravan.models import School, Tour, Vehicle, Visit, VisitReport, Workshop
from markaz.core.roles import Role
from markaz.territory.models import Commune
from tests.factories import staff

pytestmark = pytest.mark.django_db
REPORTS_URL = "/caravan/tablet/api/reports/"


@pytest.fixture
def world(centre, caravan_staff):
    school = School.objects.create(
        code="ecole-al-amal",
        name_fr="École Al Amal",
        name_ar="مدرسة الأمل",
        commune=Commune.objects.get(code="berkane"),
        level=School.Level.PRIMARY,
        area=School.Area.URBAN,
        latitude=Decimal("34.92"),
        longitude=Decimal("-2.32"),
    )
    workshop = Workshop.objects.create(
        code="robotique", title_fr="Robotique", title_ar="الروبوتيك", kind=Workshop.Kind.ROBOTICS
    )
    theirs = Vehicle.objects.create(name="Caravane 2")
    other_crew = staff("other-crew", Role.CARAVAN, centre)
    theirs.crew.add(other_crew)
    today = timezone.localdate()
    tour = Tour.objects.create(
        name="T", start_date=today, end_date=today, workshop=workshop, vehicle=theirs
    )
    visit = Visit.objects.create(
        tour=tour,
        school=school,
        workshop=workshop,
        date=today,
        start_time=dt.time(9, 0),
        end_time=dt.time(11, 0),
    )
    return {"school": school, "workshop": workshop, "visit": visit, "other_crew": other_crew}


def item(world, **overrides) -> dict:
    data = {
        "client_id": str(uuid.uuid4()),
        "base_version": 0,
        "visit": world["visit"].pk,
        "school": world["school"].code,
        "workshop": world["workshop"].code,
        "date": timezone.localdate().isoformat(),
        "girls": 14,
        "boys": 12,
    }
    data.update(overrides)
    return data


def test_a_crew_member_cannot_report_on_another_crews_visit(caravan_staff, world):
    result = sync.visit_report_sync(user=caravan_staff, item=item(world))
    assert result.status == "error" and "visit" in result.errors
    assert not VisitReport.objects.exists()
    world["visit"].refresh_from_db()
    assert world["visit"].status != Visit.Status.DONE


def test_nor_overwrite_the_counts_that_crew_sent(caravan_staff, world):
    sent = item(world)
    first = sync.visit_report_sync(user=world["other_crew"], item=sent)
    assert (first.status, first.action) == ("ok", "created")
    forged = dict(sent, girls=99, boys=99, base_version=1)
    result = sync.visit_report_sync(user=caravan_staff, item=forged)
    assert result.status == "error"
    report = VisitReport.objects.get()
    assert (report.girls, report.boys, report.version) == (14, 12, 1)
    # ...not even by moving the report off the visit
    moved = dict(forged, visit=None)
    assert sync.visit_report_sync(user=caravan_staff, item=moved).status == "error"
    report.refresh_from_db()
    assert (report.girls, report.visit_id) == (14, world["visit"].pk)


def test_the_crew_and_the_coordinators_may(world, coordinator):
    assert sync.visit_report_sync(user=world["other_crew"], item=item(world)).status == "ok"
    assert sync.visit_report_sync(user=coordinator, item=item(world)).status == "ok"
    assert VisitReport.objects.count() == 2


@pytest.mark.parametrize("date", ["1900-01-01", "2026-02-30"])
def test_dates_outside_the_school_year_are_refused(world, date):
    result = sync.visit_report_sync(user=world["other_crew"], item=item(world, date=date))
    assert result.status == "error" and "date" in result.errors
    assert not VisitReport.objects.exists()


def test_a_recording_time_in_the_future_is_refused(world):
    later = (timezone.now() + dt.timedelta(days=3)).isoformat()
    result = sync.visit_report_sync(user=world["other_crew"], item=item(world, recorded_at=later))
    assert result.status == "error" and "recorded_at" in result.errors
    assert not VisitReport.objects.exists()


def test_a_body_nested_too_deep_is_a_400_not_a_500(client, world):
    client.force_login(world["other_crew"])
    body = "[" * 100_000 + "]" * 100_000
    response = client.post(REPORTS_URL, data=body, content_type="application/json")
    assert response.status_code == 400 and "error" in response.json()
    deep = json.dumps([item(world)])[:-2] + ', "by_level": ' + "{" * 50_000
    response = client.post(REPORTS_URL, data=deep, content_type="application/json")
    assert response.status_code == 400
    assert not VisitReport.objects.exists()
