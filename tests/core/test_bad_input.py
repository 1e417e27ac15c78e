"""Bad input in a query string answers 400 with a message in the person's language, never 500
(issue 13: `/week/?week=9999-12-31`, `/week/?trainer=abc`, coverage for 9999)."""

import pytest

pytestmark = pytest.mark.django_db

BAD = [
    "/week/?week=9999-12-31",
    "/week/?week=0001-01-01",
    "/week/?week=2026-13-45",
    "/week/?trainer=abc",
    "/week/?room=1e5",
    "/week/?cohort=%D9%A3",  # an Arabic-Indic digit: not an id
    "/caravan/coverage.xlsx?start=9999-12-31",
]


@pytest.mark.parametrize("url", BAD)
def test_bad_query_strings_answer_400_with_a_message(client, coordinator, url):
    client.force_login(coordinator)
    client.cookies["markaz_language"] = "ar"
    response = client.get(url)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'dir="rtl"' in html
    assert "alert" in html and "</html>" in html


def test_the_message_says_what_is_wrong(client, coordinator):
    client.force_login(coordinator)
    html = client.get("/week/?week=9999-12-31").content.decode()
    assert "2000-01-01" in html and "2100-12-31" in html


def test_coverage_page_shows_why_and_keeps_the_school_year(client, coordinator):
    client.force_login(coordinator)
    response = client.get("/caravan/coverage/", {"start": "9999-12-31"})
    assert response.status_code == 400
    assert "2100-12-31" in response.content.decode()
    assert response.context["period"].start.month == 9  # the school year's figures


@pytest.mark.parametrize("url", ["/week/?week=2026-12-07", "/week/"])
def test_good_ones_still_work(client, coordinator, url):
    client.force_login(coordinator)
    assert client.get(url).status_code == 200


def test_error_pages_speak_the_persons_language(client, trainer):
    client.cookies["markaz_language"] = "ar"
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert 'dir="rtl"' in html and "الصفحة غير موجودة" in html
    client.force_login(trainer)
    client.cookies["markaz_language"] = "fr"
    response = client.get("/indicators/")
    assert response.status_code == 403
    assert "Votre rôle ne donne pas accès" in response.content.decode()
