"""The building cap holds under concurrent scans: the database counts (PostgreSQL in CI)."""

import threading

import pytest
from django.db import connection

from markaz.centre.models import Centre, Presence
from markaz.centre.services import badge_issue, badge_token, door_scan

from .conftest import enrolled_people

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_check_ins_never_exceed_the_building(small_centre, programme):
    people = enrolled_people(small_centre, programme, 10)
    tokens = [badge_token(badge_issue(person=p)) for p in people]
    barrier = threading.Barrier(len(tokens))
    kinds, lock = [], threading.Lock()

    def go(token):
        try:
            barrier.wait()
            kind = door_scan(centre=small_centre, raw=token).kind
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

    assert sorted(kinds) == ["entry"] * 3 + ["full"] * 7, kinds
    assert Centre.objects.get(pk=small_centre.pk).occupancy == 3
    assert Presence.objects.filter(exited_at__isnull=True).count() == 3
