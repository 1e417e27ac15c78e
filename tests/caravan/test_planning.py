import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from markaz.caravan import services
from markaz.caravan.models import CalendarBlock, Kit, School, Tour, Vehicle, Visit, Workshop
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
    # Tour planning never needs more kits than the caravan has: enough for two tours a day.
    Kit.objects.create(kind="robotics", condition="good", count=16)
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
    centre,
    workshop,
    coordinator,
    capture,
    start=dt.date(2025, 11, 3),
    end=dt.date(2025, 11, 5),
    **kw,
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
            **kw,
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
    # The tour lies in the past: cancel its day as it was done then (a past day is refused now).
    services.tour_cancel_day(tour=tour, day=second_day, actor=coordinator, today=first_day)
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
    # The tour is past: nobody is left to notify, and the page says so.
    assert page.status_code == 200 and 'id="directors-none"' in page.content.decode()
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


# ---------------------------------------------------------------------------------------------
# Repeat visits worth less


def held(school, day, workshop, tour=None):
    return Visit.objects.create(
        tour=tour,
        school=school,
        workshop=workshop,
        date=day,
        start_time=dt.time(9, 0),
        end_time=dt.time(11, 0),
        status=Visit.Status.DONE,
    )


def test_repeat_factor_is_published_and_counts_the_school_years_held_visits(centre, caravan_world):
    s0 = School.objects.get(code="s0")
    held(s0, dt.date(2025, 10, 1), caravan_world)  # this school year
    held(s0, dt.date(2025, 6, 2), caravan_world)  # the last one: not counted
    instance = services.tour_instance(
        centre=centre,
        workshop=caravan_world,
        days=[dt.date(2025, 11, 3)],
        weights=services.DEFAULT_WEIGHTS,
    )
    assert services.DEFAULT_WEIGHTS["repeat"] == instance["repeat_factor"] == 0.35
    assert instance["done"] == [{"school": "s0", "day": "2025-10-01"}]
    rows = {row["id"]: row for row in instance["schools"]}
    assert rows["s0"]["max_visits"] == 2 and rows["s1"]["max_visits"] == 1
    # A tour planned before the repeat factor existed keeps every visit at its full prize.
    old = {k: v for k, v in services.DEFAULT_WEIGHTS.items() if k != "repeat"}
    instance = services.tour_instance(
        centre=centre, workshop=caravan_world, days=[dt.date(2025, 11, 3)], weights=old
    )
    assert instance["repeat_factor"] == 1.0


def test_planning_form_takes_vehicle_repeat_value_and_visits_per_school(
    client, centre, caravan_world, coordinator, django_capture_on_commit_callbacks
):
    vehicle = Vehicle.objects.create(name="Caravane 1", plate="123-A-52")
    client.force_login(coordinator)
    page = client.get(reverse("caravan:tour_list"))
    assert f'<option value="{vehicle.pk}" selected>' in page.content.decode()  # the only one
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            reverse("caravan:tour_list"),
            {
                "name": "Année",
                "start": "2025-11-03",
                "end": "2025-11-07",
                "workshop": caravan_world.pk,
                "vehicle": vehicle.pk,
                "visits_per_school": 3,
                "repeat": "0.5",
                "time_limit_s": 5,
            },
        )
    tour = Tour.objects.get()
    assert response.status_code == 302
    assert (tour.vehicle, tour.visits_per_school, tour.weights["repeat"]) == (vehicle, 3, 0.5)
    assert tour.instance["repeat_factor"] == 0.5
    assert {row["max_visits"] for row in tour.instance["schools"]} == {3}
    assert tour.job.total == 5  # progress counts the days planned


def test_bad_repeat_value_or_visits_per_school_are_refused(centre, caravan_world, coordinator):
    kw = {"centre": centre, "name": "x", "workshop": caravan_world, "actor": coordinator}
    days = {"start": dt.date(2025, 11, 3), "end": dt.date(2025, 11, 4)}
    with pytest.raises(ValidationError):
        services.tour_start(**kw, **days, weights={"repeat": 1.5})
    with pytest.raises(ValidationError):
        services.tour_start(**kw, **days, visits_per_school=0)
    assert Tour.objects.count() == 0


def test_visits_per_school_allows_repeat_visits_one_a_day(
    centre, caravan_world, coordinator, django_capture_on_commit_callbacks
):
    # Four schools, up to three visits each over a week (room for more): every school is
    # reached, some more than once, never twice a day, never more than three times.
    tour = plan(
        centre,
        caravan_world,
        coordinator,
        django_capture_on_commit_callbacks,
        end=dt.date(2025, 11, 7),
        visits_per_school=3,
    )
    visits = list(Visit.objects.filter(tour=tour).values_list("school_id", "date"))
    schools = [school for school, _ in visits]
    assert len(set(schools)) == 4 and len(visits) > 4
    assert len(set(visits)) == len(visits)
    assert max(schools.count(s) for s in schools) <= 3


# ---------------------------------------------------------------------------------------------
# Progress of the planning job


def test_tour_job_reports_progress_by_days_up_to_the_total(
    centre, caravan_world, coordinator, django_capture_on_commit_callbacks, monkeypatch
):
    from markaz.caravan import tasks
    from markaz.core.services import job_progress

    seen = []

    def record(*, job_id, done, total=None):
        seen.append((done, total))
        job_progress(job_id=job_id, done=done, total=total)

    monkeypatch.setattr(tasks, "job_progress", record)
    tour = plan(centre, caravan_world, coordinator, django_capture_on_commit_callbacks)
    assert seen[0] == (0, 3) and seen[-1] == (3, 3)  # three school days
    done = [d for d, _ in seen]
    assert done == sorted(set(done))
    assert (tour.job.status, tour.job.done, tour.job.total) == ("done", 3, 3)
    assert tour.job.percent == 100


def test_a_plan_overtaken_by_a_new_instance_is_dropped(
    centre, caravan_world, coordinator, django_capture_on_commit_callbacks
):
    tour = plan(centre, caravan_world, coordinator, django_capture_on_commit_callbacks)
    before = list(Visit.objects.filter(tour=tour).values_list("school_id", "date", "start_time"))

    def meddle(done, total):  # a decision saved while the search runs
        if done == 0:
            Tour.objects.filter(pk=tour.pk).update(instance={**tour.instance, "seed": 7})

    assert services.tour_plan_execute(tour_id=tour.pk, progress=meddle)["stale"] is True
    after = list(Visit.objects.filter(tour=tour).values_list("school_id", "date", "start_time"))
    assert after == before


# ---------------------------------------------------------------------------------------------
# Vehicle and crew


@pytest.fixture
def vehicle(centre):
    vehicle = Vehicle.objects.create(name="Caravane Code pour tous", plate="12345-A-52")
    for username, first, last in [("nadia", "Nadia", "Amrani"), ("youssef", "Youssef", "Alaoui")]:
        user = staff(username, Role.CARAVAN, centre)
        user.first_name, user.last_name = first, last
        user.save(update_fields=["first_name", "last_name"])
        vehicle.crew.add(user)
    return vehicle


def test_vehicle_and_crew_on_the_tour_page_directors_list_and_roadbook(
    client, centre, caravan_world, coordinator, vehicle, django_capture_on_commit_callbacks
):
    import io

    from pypdf import PdfReader

    # A tour to come (next week): its directors are still to be told.
    monday = timezone.localdate() + dt.timedelta(days=7 - timezone.localdate().weekday())
    tour = plan(
        centre,
        caravan_world,
        coordinator,
        django_capture_on_commit_callbacks,
        start=monday,
        end=monday + dt.timedelta(days=2),
        vehicle=vehicle,
    )
    assert tour.vehicle == vehicle
    client.force_login(coordinator)
    page = client.get(reverse("caravan:tour_detail", args=[tour.pk])).content.decode()
    crew_line = page.split('id="crew"')[1].split("</p>")[0]
    assert "Caravane Code pour tous (12345-A-52)" in crew_line
    assert "Nadia Amrani, Youssef Alaoui" in crew_line
    directors = page.split('id="directors"')[1].split("</table>")[0]
    assert directors.count("Nadia Amrani") == Visit.objects.filter(tour=tour).count() > 0

    for lang in ("fr", "ar"):  # the roadbook in each language names the vehicle and crew
        url = reverse("caravan:tour_roadbook", args=[tour.pk])
        pdf = client.get(url, {"lang": lang})
        text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
        for name in ("Nadia Amrani", "Youssef Alaoui", "12345-A-52"):
            assert name in text, (lang, name)


def test_a_tour_without_vehicle_says_so(
    client, centre, caravan_world, coordinator, django_capture_on_commit_callbacks
):
    tour = plan(centre, caravan_world, coordinator, django_capture_on_commit_callbacks)
    assert tour.vehicle is None
    client.force_login(coordinator)
    page = client.get(reverse("caravan:tour_detail", args=[tour.pk])).content.decode()
    assert "Amrani" not in page and 'id="crew"' in page


def test_a_past_tour_is_over_and_cannot_be_cancelled(
    client, centre, caravan_world, coordinator, django_capture_on_commit_callbacks
):
    tour = plan(centre, caravan_world, coordinator, django_capture_on_commit_callbacks)
    assert tour.status == Tour.Status.READY and tour.end_date < timezone.localdate()
    day = Visit.objects.filter(tour=tour).order_by("date").first().date
    planned = Visit.objects.filter(tour=tour, status=Visit.Status.PLANNED).count()
    with pytest.raises(ValidationError):
        services.tour_cancel_day(tour=tour, day=day, actor=coordinator)
    client.force_login(coordinator)
    listing = client.get(reverse("caravan:tour_list")).content.decode()
    assert "Terminée" in listing
    page = client.get(reverse("caravan:tour_detail", args=[tour.pk])).content.decode()
    assert 'id="tour-status">Terminée' in page and 'id="cancel-day"' not in page
    url = reverse("caravan:tour_cancel_day", args=[tour.pk])
    refused = client.get(url, {"day": day.isoformat()})
    assert refused.status_code == 400 and "terminée" in refused.content.decode()
    assert client.post(url, {"day": day.isoformat(), "confirm": "yes"}).status_code == 302
    assert Visit.objects.filter(tour=tour, status=Visit.Status.PLANNED).count() == planned


def test_cancelling_a_coming_day_asks_first_with_the_numbers(
    client, centre, caravan_world, coordinator, django_capture_on_commit_callbacks
):
    start = timezone.localdate() + dt.timedelta(days=1)
    while start.weekday() >= 5:
        start += dt.timedelta(days=1)
    tour = plan(
        centre,
        caravan_world,
        coordinator,
        django_capture_on_commit_callbacks,
        start=start,
        end=start + dt.timedelta(days=6),
    )
    day = Visit.objects.filter(tour=tour).order_by("date").first().date
    on_day = Visit.objects.filter(tour=tour, date=day, status=Visit.Status.PLANNED).count()
    assert on_day
    client.force_login(coordinator)
    url = reverse("caravan:tour_cancel_day", args=[tour.pk])
    page = client.get(url, {"day": day.isoformat()}).content.decode()
    assert f"{on_day} visites prévues le {day:%d/%m/%Y} seront annulées" in page
    assert client.post(url, {"day": day.isoformat()}).status_code == 400
    assert Visit.objects.filter(tour=tour, date=day, status=Visit.Status.PLANNED).count() == on_day
    client.post(url, {"day": day.isoformat(), "confirm": "yes"})
    assert not Visit.objects.filter(tour=tour, date=day, status=Visit.Status.PLANNED).exists()
