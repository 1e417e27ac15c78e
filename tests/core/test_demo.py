import pytest

from markaz.core.demo import DEMO_PASSWORD, DEMO_USERS, demo_load
from markaz.core.models import StaffProfile
from markaz.registry.models import DuplicateFlag, Person

pytestmark = pytest.mark.django_db


def test_demo_loads_everything_and_twice_changes_nothing():
    result = demo_load()
    centre = result["centre"]
    assert (centre.floor_area_m2, centre.max_occupancy) == (600, 100)
    assert sum(r.capacity for r in centre.rooms.all()) == 100
    assert {r.kind for r in centre.rooms.all()} == {"training", "mentoring", "applied", "children"}
    assert StaffProfile.objects.count() >= len(DEMO_USERS) == 6  # plus the other trainers
    people = Person.objects.filter(centre=centre)
    assert people.count() >= 300
    assert people.values("commune").distinct().count() >= 15
    assert 0 < people.filter(eligible=False).count() < people.filter(eligible=True).count()
    assert people.exclude(first_name_ar="").count() == people.count()
    assert DuplicateFlag.objects.filter(status="open").count() >= 5
    counts = (Person.objects.count(), DuplicateFlag.objects.count(), StaffProfile.objects.count())

    second = demo_load()
    assert second["applicants_created"] == 0
    assert (
        Person.objects.count(),
        DuplicateFlag.objects.count(),
        StaffProfile.objects.count(),
    ) == counts


def test_demo_logins_work(client):
    demo_load()
    for username, *_ in DEMO_USERS:
        response = client.post("/login/", {"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, username
        assert client.get("/dashboard/").status_code == 200
        client.post("/logout/")
