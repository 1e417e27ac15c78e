"""The records behind a figure record the people they list; aggregate figures name nobody."""

import pytest
from django.urls import reverse

from markaz.core.models import PersonalDataRead

from .test_views import DASHBOARD, get, listed
from .world import WINDOW, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(centre):
    return build_world(centre)


def test_the_records_behind_a_figure_are_recorded(client, coordinator, world):
    url = reverse("reporting:records", args=["enrolled"])
    r = get(client, coordinator, url, **WINDOW, dimension="commune", category="rislane")
    assert r.status_code == 200
    read = PersonalDataRead.objects.get()
    assert read.user == coordinator and read.kind == "list" and read.view == "reporting:records"
    assert set(read.persons.values_list("person_id", flat=True)) == listed(
        r.content.decode(), "numerator"
    )


def test_the_dashboard_and_exports_name_nobody(client, coordinator, provincial_viewer, world):
    assert get(client, coordinator, DASHBOARD, **WINDOW).status_code == 200
    assert get(client, provincial_viewer, DASHBOARD, **WINDOW).status_code == 200
    assert not PersonalDataRead.objects.exists()
