"""Two set-ups submitted at the same moment (a double tap, two browsers) create one centre:
the other is refused with "already set up" and writes nothing (PostgreSQL in CI)."""

import datetime as dt
import threading

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection

from markaz.centre import setup
from markaz.centre.models import Centre, Installation, OpeningHours, Room
from markaz.core.models import StaffProfile
from markaz.territory.models import Commune

pytestmark = pytest.mark.django_db(transaction=True)


def payload(i: int, commune) -> dict:
    return {
        "centre": {
            "name_fr": f"Centre {i}",
            "name_ar": f"مركز {i}",
            "commune": commune,
            "floor_area_m2": 500,
            "max_occupancy": 80,
        },
        "hours": [
            {
                "weekday": d,
                "opens": dt.time(9),
                "closes": dt.time(18),
                "break_start": dt.time(12) if d == 4 else None,
                "break_end": dt.time(15) if d == 4 else None,
            }
            for d in range(6)
        ],
        "rooms": [
            {
                "name_fr": f"Salle {i}-{r}",
                "name_ar": f"قاعة {r}",
                "kind": "training",
                "capacity": 20,
            }
            for r in range(4)
        ],
        "coordinator": {"username": f"coord{i}", "password": "Centre-setup-2027", "language": "fr"},
    }


def test_concurrent_setups_create_one_centre(territory):
    communes = list(Commune.objects.order_by("code")[:6])
    barrier = threading.Barrier(len(communes))
    outcomes, lock = [], threading.Lock()

    def go(i, commune):
        try:
            barrier.wait()
            setup.centre_setup(**payload(i, commune))
            outcome = "created"
        except ValidationError as exc:
            outcome = "refused: " + " ".join(exc.messages)
        except Exception as exc:  # noqa: BLE001 - reported in the assertion
            outcome = f"error {type(exc).__name__}: {exc}"
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=go, args=(i, c)) for i, c in enumerate(communes)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert outcomes.count("created") == 1, outcomes
    assert all(o.startswith("refused") for o in outcomes if o != "created"), outcomes
    centre = Centre.objects.get()
    assert Installation.objects.get().centre == centre
    assert Room.objects.count() == 4 and set(Room.objects.values_list("centre", flat=True)) == {
        centre.pk
    }
    assert OpeningHours.objects.count() == 6
    assert get_user_model().objects.count() == 1
    assert StaffProfile.objects.get().centre == centre


def test_double_submit_over_http_creates_one_centre(territory, live_server):
    """The same form posted twice at once, through the running server."""
    import urllib.parse
    import urllib.request
    from http.cookiejar import CookieJar

    from .test_setup import setup_post

    saidia = Commune.objects.get(code="saidia")

    def submit(out):
        jar = CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect())
        page = opener.open(live_server.url + "/setup/").read().decode()
        token = page.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
        data = setup_post(**{"centre-commune": str(saidia.pk), "csrfmiddlewaretoken": token})
        barrier.wait()
        try:
            response = opener.open(
                live_server.url + "/setup/", urllib.parse.urlencode(data).encode()
            )
            out.append(response.status)
        except urllib.error.HTTPError as exc:
            out.append(exc.code)

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    barrier = threading.Barrier(2)
    statuses: list[int] = []
    threads = [threading.Thread(target=submit, args=(statuses,)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Centre.objects.count() == 1
    assert get_user_model().objects.count() == 1
    assert sorted(statuses) in ([302, 400], [302, 302]), statuses
