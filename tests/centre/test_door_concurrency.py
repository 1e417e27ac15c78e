"""The building cap holds under concurrent scans: the database counts (PostgreSQL in CI)."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from markaz.centre.models import Centre, DoorEvent, Presence
from markaz.centre.services import badge_issue, badge_token, door_scan

from .conftest import enrolled_people

pytestmark = pytest.mark.django_db(transaction=True)


def scan_at_once(centre, tokens, now=None) -> list[str]:
    """Each token scanned by its own thread (its own database connection), all at one moment."""
    barrier = threading.Barrier(len(tokens))
    kinds, lock = [], threading.Lock()

    def go(token):
        try:
            barrier.wait()
            kind = door_scan(centre=centre, raw=token, now=now).kind
        except Exception as exc:  # noqa: BLE001 - reported in the assertion
            kind = f"error {type(exc).__name__}: {exc}"
        finally:
            connection.close()
        with lock:
            kinds.append(kind)

    threads = [threading.Thread(target=go, args=(t,)) for t in tokens]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return kinds


def test_concurrent_check_ins_never_exceed_the_building(small_centre, programme):
    people = enrolled_people(small_centre, programme, 10)
    tokens = [badge_token(badge_issue(person=p)) for p in people]

    kinds = scan_at_once(small_centre, tokens)

    assert sorted(kinds) == ["entry"] * 3 + ["full"] * 7, kinds
    assert Centre.objects.get(pk=small_centre.pk).occupancy == 3
    assert Presence.objects.filter(exited_at__isnull=True).count() == 3


def test_one_badge_scanned_at_once_on_several_readers_enters_once(small_centre, programme):
    (person,) = enrolled_people(small_centre, programme, 1)
    token = badge_token(badge_issue(person=person))

    kinds = scan_at_once(small_centre, [token] * 8)

    assert sorted(kinds) == ["entry"] + ["repeat"] * 7, kinds
    assert Centre.objects.get(pk=small_centre.pk).occupancy == 1
    assert Presence.objects.filter(person=person).count() == 1
    assert DoorEvent.objects.filter(person=person, kind="repeat").count() == 7
    assert not DoorEvent.objects.filter(person=person).exclude(kind="repeat").exists()


def test_one_badge_scanned_at_once_on_the_way_out_leaves_once(small_centre, programme):
    (person,) = enrolled_people(small_centre, programme, 1)
    token = badge_token(badge_issue(person=person))
    assert door_scan(centre=small_centre, raw=token).kind == "entry"

    later = timezone.now() + dt.timedelta(hours=2)
    kinds = scan_at_once(small_centre, [token] * 8, now=later)

    assert sorted(kinds) == ["exit"] + ["repeat"] * 7, kinds
    assert Centre.objects.get(pk=small_centre.pk).occupancy == 0
    assert Presence.objects.get(person=person).exited_at == later
