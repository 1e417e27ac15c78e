"""When a tour is planned, each visited school's director gets the date and time by SMS (once);
when a day is lost, the directors whose visit is dropped are told it is cancelled."""

import datetime as dt

import pytest
from django.utils import translation

from markaz.caravan import services
from markaz.caravan.models import School, Visit
from markaz.core.models import OutboxMessage

from .test_planning import caravan_world, plan  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def directors(caravan_world):  # noqa: F811
    for i, school in enumerate(School.objects.order_by("code")):
        if i < 3:  # the fourth school has no director's phone
            school.director_phone = f"+21266100010{i}"
            school.save()
    return caravan_world


def test_planning_tells_each_director_the_date_and_time_once(
    centre, directors, coordinator, django_capture_on_commit_callbacks
):
    tour = plan(centre, directors, coordinator, django_capture_on_commit_callbacks)
    notices = OutboxMessage.objects.filter(kind="caravan_visit")
    visits = Visit.objects.filter(tour=tour).exclude(school__director_phone="")
    assert notices.count() == visits.count() == 3
    for visit in visits.select_related("school"):
        notice = notices.get(phone=visit.school.director_phone)
        assert visit.date.strftime("%d/%m/%Y") in notice.body
        assert visit.start_time.strftime("%H:%M") in notice.body
        assert visit.school.name_ar in notice.body and notice.language == "ar"
    with translation.override("ar"):
        assert "قافلة" in notices.first().body
    # Planned again with the same result: nobody is told twice.
    services.tour_plan_execute(tour_id=tour.pk)
    assert OutboxMessage.objects.filter(kind="caravan_visit").count() == 3


def test_a_lost_day_tells_the_directors_their_visit_is_cancelled(
    centre, directors, coordinator, django_capture_on_commit_callbacks
):
    tour = plan(
        centre, directors, coordinator, django_capture_on_commit_callbacks, end=dt.date(2025, 11, 7)
    )
    day = Visit.objects.filter(tour=tour).order_by("date").first().date
    before = {
        (v.school.director_phone, v.date, v.start_time)
        for v in Visit.objects.filter(tour=tour).exclude(school__director_phone="")
    }
    # The tour is in 2025: cancel its first day as seen that morning (a past day is refused).
    services.tour_cancel_day(tour=tour, day=day, actor=coordinator, today=day)
    after = {
        (v.school.director_phone, v.date, v.start_time)
        for v in Visit.objects.filter(tour=tour, status=Visit.Status.PLANNED).exclude(
            school__director_phone=""
        )
    }
    dropped = before - after
    assert any(d == day for _p, d, _t in dropped)  # the lost day's visits at least
    cancelled = OutboxMessage.objects.filter(kind="caravan_visit_cancelled")
    assert sorted(m.phone for m in cancelled) == sorted(p for p, _d, _t in dropped)
    for phone, date, start in dropped:
        message = cancelled.get(phone=phone)
        assert date.strftime("%d/%m/%Y") in message.body
        assert start.strftime("%H:%M") in message.body
    # Whoever has a new date gets it as a visit notice of its own.
    for phone, date, _start in after - before:
        assert OutboxMessage.objects.filter(
            kind="caravan_visit", phone=phone, body__contains=date.strftime("%d/%m/%Y")
        ).exists()
