"""The settings screens: closed days, Ramadan periods, opening hours, rooms and trainers'
availability, kept by coordinators; refused input is a 400 with the reason, nothing written."""

import datetime as dt
import html

import pytest
from django.utils import timezone

from markaz.centre.models import Closure, HoursPeriod, OpeningHours, Room, TrainerUnavailability
from markaz.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def today():
    return timezone.localdate()


def test_settings_page_lists_the_setup_screens(client, coordinator):
    client.force_login(coordinator)
    page = client.get("/settings/")
    assert page.status_code == 200
    body = page.content.decode()
    for url in [
        "/settings/hours/",
        "/settings/closures/",
        "/settings/ramadan/",
        "/settings/rooms/",
        "/settings/trainers/",
        "/settings/staff/",
        "/caravan/workshops/",
        "/caravan/kits/",
    ]:
        assert f'href="{url}"' in body, url
    assert 'id="nav-settings"' in body


@pytest.mark.parametrize("persona", ["trainer", "mentor", "caravan_staff", "provincial_viewer"])
def test_only_coordinators_and_admins_reach_settings(client, persona, request, centre):
    client.force_login(request.getfixturevalue(persona))
    for url in ["/settings/", "/settings/closures/", "/settings/staff/", "/caravan/kits/"]:
        assert client.get(url).status_code == 403, url


def test_closures_create_edit_delete(client, centre, coordinator, today):
    client.force_login(coordinator)
    start = today + dt.timedelta(days=10)
    response = client.post(
        "/settings/closures/",
        {
            "date_from": start.isoformat(),
            "date_to": (start + dt.timedelta(days=2)).isoformat(),
            "reason_fr": "Aïd al-Adha",
            "reason_ar": "عيد الأضحى",
        },
    )
    assert response.status_code == 302
    assert Closure.objects.filter(centre=centre).count() == 3
    closure = Closure.objects.get(date=start)
    response = client.post(
        f"/settings/closures/{closure.pk}/",
        {"date": start.isoformat(), "reason_fr": "Aïd", "reason_ar": "العيد"},
    )
    assert response.status_code == 302
    closure.refresh_from_db()
    assert closure.reason_fr == "Aïd"
    assert client.post(f"/settings/closures/{closure.pk}/delete/").status_code == 302
    assert Closure.objects.filter(centre=centre).count() == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"date_from": "past"}, "ne peut pas être dans le passé"),
        ({"date_to": "before"}, "La date de fin précède"),
        ({"reason_ar": ""}, "Ce champ est obligatoire."),
        ({"date_from": "nonsense"}, "Saisissez une date valide"),
    ],
)
def test_closure_bad_input_is_refused(client, centre, coordinator, today, data, message):
    client.force_login(coordinator)
    post = {
        "date_from": (today + dt.timedelta(days=5)).isoformat(),
        "date_to": "",
        "reason_fr": "Fête",
        "reason_ar": "عيد",
    }
    if data.get("date_from") == "past":
        data = {"date_from": (today - dt.timedelta(days=1)).isoformat()}
    if data.get("date_to") == "before":
        data = {"date_to": (today + dt.timedelta(days=1)).isoformat()}
    post.update(data)
    response = client.post("/settings/closures/", post)
    assert response.status_code == 400
    assert message in text(response)
    assert not Closure.objects.exists()
    assert not AuditEvent.objects.filter(action="closure_create").exists()


def test_a_day_with_sessions_is_not_closed(client, centre, coordinator, today, programme):
    from markaz.centre.models import Session
    from tests.factories import UserFactory, make_cohort

    cohort = make_cohort(centre, programme, "C1", 10)
    day = today + dt.timedelta(days=3)
    tz = timezone.get_current_timezone()
    Session.objects.create(
        centre=centre,
        cohort=cohort,
        room=Room.objects.filter(centre=centre).first(),
        trainer=UserFactory(username="tt"),
        starts_at=dt.datetime.combine(day, dt.time(9), tzinfo=tz),
        ends_at=dt.datetime.combine(day, dt.time(11), tzinfo=tz),
    )
    client.force_login(coordinator)
    response = client.post(
        "/settings/closures/",
        {"date_from": day.isoformat(), "reason_fr": "Grève", "reason_ar": "إضراب"},
    )
    assert response.status_code == 400
    assert "1 séances sont au calendrier" in text(response)
    assert not Closure.objects.exists()


def test_past_closures_and_started_ramadan_cannot_be_rewritten(client, centre, coordinator, today):
    past = Closure.objects.create(
        centre=centre, date=today - dt.timedelta(days=3), reason_fr="Fête", reason_ar="عيد"
    )
    period = HoursPeriod.objects.create(
        centre=centre,
        start_date=today - dt.timedelta(days=2),
        end_date=today + dt.timedelta(days=20),
    )
    client.force_login(coordinator)
    response = client.post(f"/settings/closures/{past.pk}/delete/")
    assert response.status_code == 400
    assert "est passé" in text(response)
    response = client.post(
        f"/settings/closures/{past.pk}/",
        {"date": (today + dt.timedelta(days=3)).isoformat(), "reason_fr": "X", "reason_ar": "س"},
    )
    assert response.status_code == 400
    past.refresh_from_db()
    assert past.date == today - dt.timedelta(days=3)
    response = client.post(f"/settings/ramadan/{period.pk}/delete/")
    assert response.status_code == 400
    assert "a commencé ou est passée" in text(response)
    assert HoursPeriod.objects.filter(pk=period.pk).exists()


def test_ramadan_periods(client, centre, coordinator, today):
    client.force_login(coordinator)
    start = today + dt.timedelta(days=40)
    ok = client.post(
        "/settings/ramadan/",
        {"start_date": start.isoformat(), "end_date": (start + dt.timedelta(days=29)).isoformat()},
    )
    assert ok.status_code == 302
    period = HoursPeriod.objects.get()
    overlap = client.post(
        "/settings/ramadan/",
        {
            "start_date": (start + dt.timedelta(days=5)).isoformat(),
            "end_date": (start + dt.timedelta(days=20)).isoformat(),
        },
    )
    assert overlap.status_code == 400
    assert "chevauche" in text(overlap)
    too_long = client.post(
        "/settings/ramadan/",
        {
            "start_date": (start + dt.timedelta(days=100)).isoformat(),
            "end_date": (start + dt.timedelta(days=160)).isoformat(),
        },
    )
    assert too_long.status_code == 400
    assert HoursPeriod.objects.count() == 1
    moved = client.post(
        f"/settings/ramadan/{period.pk}/",
        {
            "start_date": (start + dt.timedelta(days=1)).isoformat(),
            "end_date": (start + dt.timedelta(days=30)).isoformat(),
        },
    )
    assert moved.status_code == 302
    period.refresh_from_db()
    assert period.start_date == start + dt.timedelta(days=1)
    assert client.post(f"/settings/ramadan/{period.pk}/delete/").status_code == 302
    assert not HoursPeriod.objects.exists()


def hours_post(**overrides):
    data = {
        "hours-TOTAL_FORMS": "7",
        "hours-INITIAL_FORMS": "0",
        "hours-MIN_NUM_FORMS": "7",
        "hours-MAX_NUM_FORMS": "7",
    }
    for day in range(7):
        data[f"hours-{day}-weekday"] = str(day)
        if day < 5:
            data.update(
                {
                    f"hours-{day}-open": "on",
                    f"hours-{day}-opens": "09:00",
                    f"hours-{day}-closes": "21:00",
                }
            )
    data.update({"hours-4-break_start": "12:00", "hours-4-break_end": "15:00"})
    data.update(overrides)
    return data


def test_opening_hours_are_saved_per_weekday(client, centre, coordinator):
    client.force_login(coordinator)
    assert client.get("/settings/hours/").status_code == 200
    response = client.post("/settings/hours/", hours_post())
    assert response.status_code == 302
    assert OpeningHours.objects.filter(centre=centre).count() == 5
    friday = OpeningHours.objects.get(centre=centre, weekday=4)
    assert friday.break_start == dt.time(12)
    page = client.get("/settings/hours/")
    assert 'value="12:00"' in page.content.decode()


def test_bad_opening_hours_write_nothing(client, centre, coordinator):
    OpeningHours.objects.create(centre=centre, weekday=0, opens=dt.time(9), closes=dt.time(17))
    client.force_login(coordinator)
    response = client.post("/settings/hours/", hours_post(**{"hours-4-break_end": "22:00"}))
    assert response.status_code == 400
    assert "Vendredi : la pause doit commencer et finir" in text(response)
    assert list(OpeningHours.objects.values_list("weekday", flat=True)) == [0]
    closed = {f"hours-{d}-open": "" for d in range(7)}
    response = client.post("/settings/hours/", hours_post(**closed))
    assert response.status_code == 400
    assert "au moins un jour" in text(response)
    assert OpeningHours.objects.count() == 1


def test_rooms_edit_and_a_room_above_the_building_is_refused(client, centre, coordinator):
    client.force_login(coordinator)
    response = client.post(
        "/settings/rooms/",
        {
            "name_fr": "Grande salle",
            "name_ar": "القاعة الكبرى",
            "kind": "training",
            "capacity": 500,
        },
    )
    assert response.status_code == 400
    assert "plus que le maximum du bâtiment" in text(response)
    assert Room.objects.filter(centre=centre).count() == 1
    ok = client.post(
        "/settings/rooms/",
        {"name_fr": "Salle B", "name_ar": "القاعة ب", "kind": "training", "capacity": 20},
    )
    assert ok.status_code == 302
    assert Room.objects.filter(centre=centre).count() == 2


def test_trainer_availability_screen(client, centre, coordinator, trainer, today):
    client.force_login(coordinator)
    assert trainer.username in client.get("/settings/trainers/").content.decode()
    url = f"/settings/trainers/{trainer.pk}/"
    weekly = client.post(
        url,
        {
            "kind": "weekly",
            "weekday": "2",
            "start_time": "14:00",
            "end_time": "18:00",
            "reason": "Cours",
        },
    )
    assert weekly.status_code == 302
    dated = client.post(
        url,
        {
            "kind": "dated",
            "date_from": (today + dt.timedelta(days=3)).isoformat(),
            "reason": "Congé",
        },
    )
    assert dated.status_code == 302
    rows = list(TrainerUnavailability.objects.filter(trainer=trainer))
    assert len(rows) == 2
    assert rows[0].weekday == 2 or rows[1].weekday == 2
    page = client.get(url)
    assert "14:00–18:00" in page.content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "weekly"}, "Choisissez le jour de la semaine."),
        ({"kind": "dated"}, "Donnez le premier jour de l'absence."),
        ({"kind": "weekly", "weekday": "1", "start_time": "14:00"}, "Donnez les deux heures"),
        (
            {"kind": "weekly", "weekday": "1", "start_time": "14:00", "end_time": "10:00"},
            "L'heure de fin doit suivre",
        ),
        ({"kind": "dated", "date_from": "2020-01-01"}, "entièrement passée"),
    ],
)
def test_bad_availability_is_refused(client, centre, coordinator, trainer, data, message):
    client.force_login(coordinator)
    response = client.post(f"/settings/trainers/{trainer.pk}/", data)
    assert response.status_code == 400
    assert message in text(response)
    assert not TrainerUnavailability.objects.exists()


def test_another_centres_trainer_is_not_reachable(client, coordinator, other_trainer):
    client.force_login(coordinator)
    assert client.get(f"/settings/trainers/{other_trainer.pk}/").status_code == 404


def test_settings_in_arabic(client, coordinator):
    client.force_login(coordinator)
    client.cookies["markaz_language"] = "ar"
    page = client.get("/settings/")
    body = page.content.decode()
    assert 'dir="rtl"' in body and "الإعدادات" in body and "توفر المكونين" in body
    response = client.post(
        "/settings/closures/",
        {"date_from": "2020-01-01", "reason_fr": "x", "reason_ar": "س"},
    )
    assert response.status_code == 400
    assert "لا يمكن أن يكون يوم الإغلاق في الماضي" in text(response)
