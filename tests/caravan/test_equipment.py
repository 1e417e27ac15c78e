"""Workshops and kit stock through the screens, and tour planning that never needs more kits
than the caravan has (the reason in words, nothing written)."""

import datetime as dt
import html

import pytest
from django.core.exceptions import ValidationError

from markaz.caravan import equipment, services
from markaz.caravan.models import Kit, Tour, Workshop
from markaz.core.models import Job

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2026, 3, 2)


@pytest.fixture
def robotics(centre):
    """A workshop needing 8 robotics kits a visit, and two schools that take it."""
    from markaz.caravan.models import School
    from markaz.territory.models import Commune

    workshop = Workshop.objects.create(
        code="robot",
        title_fr="Robotique",
        title_ar="الروبوتيك",
        kind="robotics",
        levels=["primaire"],
        kits_needed={"robotics": 8},
    )
    for i, code in enumerate(["rislane", "berkane"]):
        c = Commune.objects.get(code=code)
        School.objects.create(
            code=f"s{i}",
            name_fr=f"École {i}",
            name_ar=f"مدرسة {i}",
            commune=c,
            level="primaire",
            area=c.kind,
            latitude=c.latitude,
            longitude=c.longitude,
            girls=100,
            boys=90,
        )
    return workshop


def start(centre, workshop, actor, name="T", days=3):
    return services.tour_start(
        centre=centre,
        name=name,
        start=MONDAY,
        end=MONDAY + dt.timedelta(days=days - 1),
        workshop=workshop,
        actor=actor,
        time_limit_s=5,
    )


def test_a_workshop_needing_more_kits_than_the_stock_is_refused(
    centre,
    robotics,
    coordinator,  # noqa: F811
):
    Kit.objects.create(kind="robotics", condition="good", count=5)
    Kit.objects.create(kind="robotics", condition="broken", count=10)  # not usable
    with pytest.raises(ValidationError) as exc:
        start(centre, robotics, coordinator)
    assert "8 × Kit robotique" in " ".join(exc.value.messages) or "8 × " in exc.value.messages[0]
    assert "5" in exc.value.messages[0]
    assert not Tour.objects.exists() and not Job.objects.exists()


def test_two_tours_on_the_same_days_beyond_the_stock(
    centre,
    robotics,
    coordinator,
    django_capture_on_commit_callbacks,  # noqa: F811
):
    Kit.objects.create(kind="robotics", condition="good", count=10)
    Kit.objects.create(kind="robotics", condition="worn", count=2)  # 12 usable: one tour of 8
    first = start(centre, robotics, coordinator, name="Première")
    with pytest.raises(ValidationError) as exc:
        start(centre, robotics, coordinator, name="Seconde")
    message = " ".join(exc.value.messages)
    assert "02/03/2026" in message and "Première" in message and "12" in message
    assert list(Tour.objects.values_list("pk", flat=True)) == [first.pk]
    # A tour on other days fits.
    later = services.tour_start(
        centre=centre,
        name="Plus tard",
        start=MONDAY + dt.timedelta(days=7),
        end=MONDAY + dt.timedelta(days=8),
        workshop=robotics,
        actor=coordinator,
        time_limit_s=5,
    )
    assert later.pk
    # With more kits both fit on the same days.
    Kit.objects.filter(condition="good").update(count=20)
    assert start(centre, robotics, coordinator, name="Seconde").pk


def test_the_tour_form_shows_the_reason_in_arabic(
    client,
    centre,
    robotics,
    coordinator,  # noqa: F811
):
    client.force_login(coordinator)
    client.cookies["markaz_language"] = "ar"
    response = client.post(
        "/caravan/tours/",
        {
            "name": "جولة",
            "start": MONDAY.isoformat(),
            "end": (MONDAY + dt.timedelta(days=2)).isoformat(),
            "workshop": robotics.pk,
            "visits_per_school": 1,
            "repeat": 0.35,
            "time_limit_s": 5,
        },
    )
    body = html.unescape(response.content.decode())
    assert "تحتاج الورشة" in body and "لدى القافلة 0" in body
    assert not Tour.objects.exists()


def test_workshop_and_kit_screens(client, centre, coordinator):
    client.force_login(coordinator)
    response = client.post(
        "/caravan/workshops/",
        {
            "code": "ia-lycee",
            "title_fr": "IA au lycée",
            "title_ar": "الذكاء الاصطناعي في الثانوية",
            "kind": "ai",
            "duration_min": 90,
            "pupils_per_session": 25,
            "levels": ["lycee"],
            "kits_laptop": 12,
        },
    )
    assert response.status_code == 302
    workshop = Workshop.objects.get(code="ia-lycee")
    assert workshop.kits_needed == {"laptop": 12} and workshop.levels == ["lycee"]
    data = {f"{k}__{c}": 0 for k in Kit.Kind.values for c in Kit.Condition.values}
    data.update({"laptop__good": 10, "laptop__worn": 3, "laptop__broken": 1})
    assert client.post("/caravan/kits/", data).status_code == 302
    assert equipment.usable_stock()["laptop"] == 13
    assert Kit.objects.count() == 3


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"levels": []}, "Ce champ est obligatoire."),
        ({"code": "a b"}, "lettres"),
        ({"kits_laptop": -1}, "supérieure ou égale à 0"),
        ({"duration_min": 0}, "supérieure ou égale à 15"),
    ],
)
def test_bad_workshop_input_writes_nothing(client, centre, coordinator, data, message):
    client.force_login(coordinator)
    post = {
        "code": "w",
        "title_fr": "W",
        "title_ar": "و",
        "kind": "coding",
        "duration_min": 60,
        "pupils_per_session": 20,
        "levels": ["primaire"],
    }
    post.update(data)
    response = client.post("/caravan/workshops/", post)
    assert response.status_code == 400
    assert message in html.unescape(response.content.decode())
    assert not Workshop.objects.exists()


def test_negative_kit_count_writes_nothing(client, centre, coordinator):
    Kit.objects.create(kind="tablet", condition="good", count=4)
    client.force_login(coordinator)
    data = {f"{k}__{c}": 0 for k in Kit.Kind.values for c in Kit.Condition.values}
    data["tablet__good"] = -3
    response = client.post("/caravan/kits/", data)
    assert response.status_code == 400
    assert Kit.objects.get().count == 4
