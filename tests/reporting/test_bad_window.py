"""Bad windows answer 400 with a message, never 500 (issue 13: `/indicators/?start=0001-01-01`
and `?start=9999-12-31` overflowed the comparison's date arithmetic)."""

import pytest

pytestmark = pytest.mark.django_db

BAD = [
    ("/indicators/", {"start": "0001-01-01"}),
    ("/indicators/", {"start": "9999-12-31"}),
    ("/indicators/", {"end": "9999-12-31", "compare": "previous"}),
    ("/indicators/", {"start": "2025-13-45"}),
    ("/indicators/", {"compare": "sideways"}),
    ("/indicators/export/csv/", {"start": "0001-01-01", "end": "0001-12-31"}),
    ("/indicators/export/pdf/", {"start": "9999-01-01", "end": "9999-12-31"}),
    ("/indicators/records/enrolled/", {"start": "0001-01-01", "end": "9999-12-31"}),
]


@pytest.mark.parametrize(("url", "query"), BAD)
@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_bad_window_answers_400_with_a_message(client, coordinator, url, query, lang):
    client.force_login(coordinator)
    client.cookies["markaz_language"] = lang
    response = client.get(url, query)
    assert response.status_code == 400
    html = response.content.decode()
    assert ('dir="rtl"' in html) == (lang == "ar")


def test_the_message_names_the_range(client, coordinator, provincial_viewer):
    for user in (coordinator, provincial_viewer):
        client.force_login(user)
        html = client.get("/indicators/", {"start": "9999-12-31"}).content.decode()
        assert "2000-01-01" in html and "2100-12-31" in html


def test_tablet_week_out_of_range_is_400_json(client, caravan_staff):
    client.force_login(caravan_staff)
    for week in ("9999-12-31", "0001-01-01", "2026-13-45"):
        response = client.get("/caravan/tablet/api/visits/", {"week": week})
        assert response.status_code == 400, week
        assert response.json()["error"]
