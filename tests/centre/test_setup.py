"""The first-run page: an empty install leads to /setup/, which creates the centre, its hours,
rooms and first coordinator at once (or nothing), then never shows again."""

import datetime as dt
import html

import pytest
from django.contrib.auth import get_user_model

from markaz.centre import setup
from markaz.centre.models import Centre, Installation, OpeningHours, Room
from markaz.core.models import StaffProfile
from markaz.core.roles import Role

pytestmark = pytest.mark.django_db


def setup_post(**overrides) -> dict:
    data = {
        "centre-name_fr": "Centre d'innovation de Saïdia",
        "centre-name_ar": "مركز الابتكار بالسعيدية",
        "centre-commune": "",
        "centre-address": "Avenue Mohammed V",
        "centre-phone": "0536 61 23 45",
        "centre-floor_area_m2": "400",
        "centre-max_occupancy": "60",
        "centre-min_age": "18",
        "centre-max_age": "35",
        "hours-TOTAL_FORMS": "7",
        "hours-INITIAL_FORMS": "0",
        "hours-MIN_NUM_FORMS": "7",
        "hours-MAX_NUM_FORMS": "7",
        "rooms-TOTAL_FORMS": "3",
        "rooms-INITIAL_FORMS": "0",
        "rooms-MIN_NUM_FORMS": "0",
        "rooms-MAX_NUM_FORMS": "30",
        "coordinator-username": "nadia",
        "coordinator-first_name": "Nadia",
        "coordinator-last_name": "Berrada",
        "coordinator-password1": "Saidia-centre-2027",
        "coordinator-password2": "Saidia-centre-2027",
        "coordinator-language": "ar",
        "coordinator-phone": "0661 23 45 67",
        "coordinator-email": "nadia@example.org",
    }
    for day in range(7):
        data[f"hours-{day}-weekday"] = str(day)
        if day < 6:
            data[f"hours-{day}-open"] = "on"
            data[f"hours-{day}-opens"] = "09:00"
            data[f"hours-{day}-closes"] = "18:00"
            if day == 4:  # Friday: the midday prayer
                data[f"hours-{day}-break_start"] = "12:00"
                data[f"hours-{day}-break_end"] = "15:00"
    rooms = [("Salle 1", "القاعة 1", "training", "30"), ("Salle 2", "القاعة 2", "training", "20")]
    rooms.append(("Encadrement", "التأطير", "mentoring", "10"))
    for i, (fr, ar, kind, cap) in enumerate(rooms):
        data.update(
            {
                f"rooms-{i}-name_fr": fr,
                f"rooms-{i}-name_ar": ar,
                f"rooms-{i}-kind": kind,
                f"rooms-{i}-capacity": cap,
            }
        )
    data.update(overrides)
    return data


@pytest.fixture
def saidia(territory):
    from markaz.territory.models import Commune

    return Commune.objects.get(code="saidia")


def nothing_written():
    assert not Centre.objects.exists()
    assert not Room.objects.exists()
    assert not OpeningHours.objects.exists()
    assert not Installation.objects.exists()
    assert not get_user_model().objects.exists()
    assert not StaffProfile.objects.exists()


def test_empty_install_leads_every_page_to_setup(client, territory):
    for url in ["/", "/apply/", "/login/", "/dashboard/", "/caravan/tours/", "/admin/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == "/setup/", url
    assert client.get("/healthz").status_code == 200
    assert client.get("/static/markaz/markaz.css").status_code == 200
    response = client.post("/i18n/setlang/", {"language": "ar", "next": "/setup/"})
    assert response.status_code == 302
    page = client.get("/setup/")
    assert page.status_code == 200
    assert 'dir="rtl"' in page.content.decode()


def test_setup_creates_everything_and_logs_the_coordinator_in(client, saidia):
    response = client.post("/setup/", setup_post(**{"centre-commune": str(saidia.pk)}))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"] == "/"
    centre = Centre.objects.get()
    assert (centre.name_fr, centre.name_ar, centre.commune, centre.phone) == (
        "Centre d'innovation de Saïdia",
        "مركز الابتكار بالسعيدية",
        saidia,
        "+212536612345",
    )
    assert centre.max_occupancy == 60 and centre.address == "Avenue Mohammed V"
    assert Room.objects.filter(centre=centre).count() == 3
    friday = OpeningHours.objects.get(centre=centre, weekday=4)
    assert (friday.break_start, friday.break_end) == (dt.time(12), dt.time(15))
    assert not OpeningHours.objects.filter(centre=centre, weekday=6).exists()  # Sunday closed
    user = get_user_model().objects.get(username="nadia")
    assert user.check_password("Saidia-centre-2027") and user.email == "nadia@example.org"
    profile = user.staff_profile
    assert (profile.role, profile.centre, profile.language, profile.phone) == (
        Role.COORDINATOR,
        centre,
        "ar",
        "+212661234567",
    )
    assert Installation.objects.get().centre == centre
    # Logged in as the coordinator, in their language, and the page is gone.
    home = client.get("/", follow=True)
    assert home.redirect_chain[-1][0].endswith("/dashboard/")
    assert 'dir="rtl"' in home.content.decode()
    again = client.get("/setup/")
    assert again.status_code == 302 and again["Location"] == "/"
    assert (
        client.post("/setup/", setup_post(**{"centre-commune": str(saidia.pk)})).status_code == 302
    )
    assert Centre.objects.count() == 1


def test_the_timetable_grid_follows_the_opening_hours(client, saidia):
    from markaz.centre.timetabling import weekly_slots

    client.post("/setup/", setup_post(**{"centre-commune": str(saidia.pk)}))
    slots = weekly_slots(centre=Centre.objects.get())
    friday = [(s["start"], s["end"]) for s in slots if s["day"] == "fri"]
    assert friday == [("09:00", "11:00"), ("15:00", "17:00")]  # none across the prayer
    monday = [(s["start"], s["end"]) for s in slots if s["day"] == "mon"]
    assert monday == [
        ("09:00", "11:00"),
        ("11:00", "13:00"),
        ("13:00", "15:00"),
        ("15:00", "17:00"),
    ]
    assert not [s for s in slots if s["day"] == "sun"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"centre-name_ar": ""}, "Ce champ est obligatoire."),
        ({"centre-phone": "12"}, "numéro de téléphone n'est pas valide"),
        ({"coordinator-password1": "123", "coordinator-password2": "123"}, "trop court"),
        ({"coordinator-password2": "other-password-2027"}, "Les deux mots de passe diffèrent."),
        ({"rooms-0-capacity": "200"}, "plus que le maximum du bâtiment"),
        ({"rooms-1-name_ar": ""}, "Une salle a besoin de"),
        ({"hours-4-break_start": "08:00"}, "la pause doit commencer et finir"),
        ({"hours-2-closes": "08:00"}, "doit fermer après"),
        ({"rooms-1-name_fr": "Salle 1"}, "Deux salles ont le même nom"),
    ],
)
def test_bad_input_is_a_400_with_a_clear_message_and_writes_nothing(
    client, saidia, overrides, message
):
    data = setup_post(**{"centre-commune": str(saidia.pk)})
    data.update(overrides)
    response = client.post("/setup/", data)
    assert response.status_code == 400
    body = html.unescape(response.content.decode())
    assert message in body, body[body.find("setup-errors") - 100 :][:3000]
    assert "Rien n'a été enregistré" in body
    nothing_written()


def test_no_room_is_refused(client, saidia):
    data = setup_post(**{"centre-commune": str(saidia.pk)})
    for i in range(3):
        for f in ("name_fr", "name_ar", "capacity"):
            data[f"rooms-{i}-{f}"] = ""
    response = client.post("/setup/", data)
    assert response.status_code == 400
    assert "Indiquez au moins une salle." in response.content.decode()
    nothing_written()


def test_bad_input_in_arabic(client, saidia):
    client.cookies["markaz_language"] = "ar"
    data = setup_post(**{"centre-commune": str(saidia.pk), "centre-phone": "12"})
    response = client.post("/setup/", data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "رقم الهاتف هذا غير صالح" in body and 'dir="rtl"' in body
    nothing_written()


def test_the_service_refuses_a_second_setup(saidia):
    rooms = [{"name_fr": "A", "name_ar": "أ", "kind": "training", "capacity": 10}]
    hours = [
        {
            "weekday": 0,
            "opens": dt.time(9),
            "closes": dt.time(17),
            "break_start": None,
            "break_end": None,
        }
    ]
    centre = {
        "name_fr": "X",
        "name_ar": "س",
        "commune": saidia,
        "floor_area_m2": 100,
        "max_occupancy": 10,
    }
    account = {"username": "u1", "password": "Long-enough-pass-27", "language": "fr"}
    setup.centre_setup(centre=centre, hours=hours, rooms=rooms, coordinator=account)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        setup.centre_setup(
            centre=centre, hours=hours, rooms=rooms, coordinator={**account, "username": "u2"}
        )
    assert Centre.objects.count() == 1
    assert not get_user_model().objects.filter(username="u2").exists()


def test_an_installed_centre_costs_no_query_per_request(client, centre, django_assert_num_queries):
    setup.is_set_up()
    with django_assert_num_queries(0):
        assert client.get("/healthz").status_code == 200
    with django_assert_num_queries(0):
        assert client.get("/setup/").status_code == 302
