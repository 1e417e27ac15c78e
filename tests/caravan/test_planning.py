import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from markaz.caravan import services
from markaz.caravan.models import CalendarBlock, School, Tour, Visit, Workshop
from markaz.core.roles import Role
from markaz.territory.models import Commune
from tests.factories import staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def caravan_world(centre):
    workshop = Workshop.objects.create(
        code="robot",
        title_fr="Robotique",
        title_ar="الروبوتيك",
        kind="robotics",
        duration_min=120,
        pupils_per_session=30,
        levels=["primaire", "college"],
        kits_needed={"robotics": 8},
    )
    for i, (code, level) in enumerate(
        [
            ("rislane", "primaire"),
            ("madagh", "primaire"),
            ("berkane", "primaire"),
            ("ahfir", "college"),
        ]
    ):
        c = Commune.objects.get(code=code)
        School.objects.create(
            code=f"s{i}",
            name_fr=f"École {i}",
            name_ar=f"مدرسة {i}",
            commune=c,
            level=level,
            area=c.kind,
            latitude=c.latitude,
            longitude=c.longitude,
            girls=100 + i,
            boys=90,
        )
    return workshop


def test_default_school_hours_follow_the_domain():
    urban = School(level="primaire", area="urban")
    rural = School(level="primaire", area="rural")
    college = School(level="college", area="urban")
    assert services.school_windows(urban, "mon") == [["09:00", "13:00"], ["15:00", "17:00"]]
    assert services.school_windows(urban, "wed") == [["09:00", "13:00"]]
    assert services.school_windows(rural, "wed") == [["09:00", "15:00"]]
    assert services.school_windows(college, "fri") == [["09:00", "12:00"], ["14:00", "18:00"]]
    assert services.school_windows(college, "sun") == []


def test_working_days_skip_weekends_and_blocks():
    CalendarBlock.objects.create(
        start_date=dt.date(2025, 12, 8), end_date=dt.date(2025, 12, 9), reason_fr="x", reason_ar="x"
    )
    days = services.working_days(dt.date(2025, 12, 5), dt.date(2025, 12, 12))
    assert days == [
        dt.date(2025, 12, 5),
        dt.date(2025, 12, 10),
        dt.date(2025, 12, 11),
        dt.date(2025, 12, 12),
    ]


def test_rural_and_never_visited_schools_weigh_more(caravan_world):
    rural, urban = School.objects.get(code="s0"), School.objects.get(code="s2")
    kw = {
        "base_lat": 34.92,
        "base_lon": -2.32,
        "max_km": 30,
        "visited": set(),
        "weights": services.DEFAULT_WEIGHTS,
    }
    assert services.school_prize(rural, **kw) > services.school_prize(urban, **kw)
    assert services.school_prize(urban, **kw) > services.school_prize(
        urban, **{**kw, "visited": {urban.pk}}
    )


def plan(
    centre, workshop, coordinator, capture, start=dt.date(2025, 11, 3), end=dt.date(2025, 11, 5)
):
    with capture(execute=True):
        tour = services.tour_start(
            centre=centre,
            name="T",
            start=start,
            end=end,
            workshop=workshop,
            actor=coordinator,
            time_limit_s=2,
        )
    tour.refresh_from_db()
    return tour


def test_plan_visits_schools_within_their_hours(
    centre, caravan_world, coordinator, django_capture_on_commit_callbacks
):
    tour = plan(centre, caravan_world, coordinator, django_capture_on_commit_callbacks)
    assert tour.status == Tour.Status.READY and tour.job.status == "done"
    visits = list(Visit.objects.filter(tour=tour).select_related("school"))
    assert len(visits) == 4  # three days are enough for the four schools
    for v in visits:
        windows = services.school_windows(v.school, services.WEEKDAYS[v.date.weekday()])
        assert any(
            w[0] <= v.start_time.strftime("%H:%M") and v.end_time.strftime("%H:%M") <= w[1]
            for w in windows
        )
    assert len({v.school_id for v in visits}) == 4


def test_cancelled_day_is_replanned_keeping_what_is_done(
    centre, caravan_world, coordinator, django_capture_on_commit_callbacks
):
    tour = plan(
        centre,
        caravan_world,
        coordinator,
        django_capture_on_commit_callbacks,
        end=dt.date(2025, 11, 7),
    )
    first_day = Visit.objects.filter(tour=tour).order_by("date").first().date
    done = Visit.objects.filter(tour=tour, date=first_day)
    done.update(status=Visit.Status.DONE)
    done_ids = set(done.values_list("school_id", flat=True))
    second_day = Visit.objects.filter(tour=tour, date__gt=first_day).order_by("date").first().date
    services.tour_cancel_day(tour=tour, day=second_day, actor=coordinator)
    assert (
        set(
            Visit.objects.filter(tour=tour, status=Visit.Status.DONE).values_list(
                "school_id", flat=True
            )
        )
        == done_ids
    )
    assert not Visit.objects.filter(
        tour=tour, date=second_day, status=Visit.Status.PLANNED
    ).exists()
    planned_after = Visit.objects.filter(tour=tour, status=Visit.Status.PLANNED)
    assert not planned_after.filter(school_id__in=done_ids).exists()


def test_bad_periods_are_refused(centre, caravan_world, coordinator):
    with pytest.raises(ValidationError):
        services.tour_start(
            centre=centre,
            name="x",
            start=dt.date(2025, 11, 8),
            end=dt.date(2025, 11, 9),
            workshop=caravan_world,
            actor=coordinator,
        )
    with pytest.raises(ValidationError):
        services.tour_start(
            centre=centre,
            name="x",
            start=dt.date(2025, 11, 9),
            end=dt.date(2025, 11, 3),
            workshop=caravan_world,
            actor=coordinator,
        )
    assert Tour.objects.count() == 0


def test_tour_pages_and_roadbook(
    client, centre, caravan_world, coordinator, django_capture_on_commit_callbacks
):
    tour = plan(centre, caravan_world, coordinator, django_capture_on_commit_callbacks)
    crew = staff("crew", Role.CARAVAN, centre)
    client.force_login(crew)
    page = client.get(reverse("caravan:tour_detail", args=[tour.pk]))
    assert page.status_code == 200 and 'id="directors"' in page.content.decode()
    pdf = client.get(reverse("caravan:tour_roadbook", args=[tour.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client.get(reverse("caravan:school_list")).status_code == 200


def test_trainers_do_not_plan_tours(client, trainer):
    client.force_login(trainer)
    assert client.get(reverse("caravan:tour_list")).status_code == 403


def test_pin_and_forbid_then_replan(
    centre, caravan_world, coordinator, django_capture_on_commit_callbacks
):
    tour = plan(
        centre,
        caravan_world,
        coordinator,
        django_capture_on_commit_callbacks,
        end=dt.date(2025, 11, 7),
    )
    school = School.objects.get(code="s3")
    day = dt.date(2025, 11, 6)
    services.tour_set_decision(tour=tour, school=school, decision="pin", day=day, actor=coordinator)
    assert Visit.objects.get(tour=tour, school=school, status=Visit.Status.PLANNED).date == day
    services.tour_set_decision(
        tour=tour, school=school, decision="forbid", day=None, actor=coordinator
    )
    assert not Visit.objects.filter(tour=tour, school=school, status=Visit.Status.PLANNED).exists()


def test_bad_decisions_change_nothing(
    centre, caravan_world, coordinator, django_capture_on_commit_callbacks
):
    tour = plan(centre, caravan_world, coordinator, django_capture_on_commit_callbacks)
    before = (tour.instance, list(Visit.objects.filter(tour=tour).values_list("school_id", "date")))
    school = School.objects.get(code="s0")
    for decision, day in [
        ("pin", None),
        ("pin", dt.date(2025, 12, 25)),
        ("pin", dt.date(2025, 11, 8)),
        ("maybe", None),
    ]:
        with pytest.raises(ValidationError):
            services.tour_set_decision(
                tour=tour, school=school, decision=decision, day=day, actor=coordinator
            )
    tour.refresh_from_db()
    assert (
        tour.instance,
        list(Visit.objects.filter(tour=tour).values_list("school_id", "date")),
    ) == before


def test_tour_ical_feed(
    client, centre, caravan_world, coordinator, django_capture_on_commit_callbacks
):
    from icalendar import Calendar

    tour = plan(centre, caravan_world, coordinator, django_capture_on_commit_callbacks)
    client.force_login(coordinator)
    token = client.get(reverse("caravan:tour_detail", args=[tour.pk])).context["ical"]
    client.logout()
    feed = client.get(reverse("caravan:tour_ical", args=[token]))
    events = list(Calendar.from_ical(feed.content).walk("VEVENT"))
    assert len(events) == Visit.objects.filter(tour=tour).count() > 0
    assert client.get(reverse("caravan:tour_ical", args=["forged"])).status_code == 404
