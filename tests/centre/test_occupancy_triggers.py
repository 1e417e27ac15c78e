"""The building's count is the database's: Centre.occupancy is the number of open presences,
whoever writes them (triggers, migration centre/0007), and never above the maximum."""

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from markaz.centre import db_triggers
from markaz.centre.models import Centre, Presence
from markaz.centre.services import door_close_day

from .conftest import enrolled_people

pytestmark = pytest.mark.django_db


def occupancy(centre) -> int:
    return Centre.objects.get(pk=centre.pk).occupancy


@pytest.fixture
def people(small_centre, programme):
    return enrolled_people(small_centre, programme, 4)


def enter(centre, person, minutes_ago=30):
    return Presence.objects.create(
        centre=centre, person=person, entered_at=timezone.now() - dt.timedelta(minutes=minutes_ago)
    )


def test_every_open_presence_counts_whoever_writes_it(small_centre, people):
    first, second = enter(small_centre, people[0]), enter(small_centre, people[1])
    Presence.objects.create(
        centre=small_centre,
        person=people[2],
        entered_at=timezone.now() - dt.timedelta(days=1, hours=3),
        exited_at=timezone.now() - dt.timedelta(days=1),
    )
    assert occupancy(small_centre) == 2

    first.exited_at = timezone.now()
    first.save()
    assert occupancy(small_centre) == 1

    first.exited_at = None  # an exit recorded by mistake, undone by staff
    first.save()
    assert occupancy(small_centre) == 2

    second.delete()  # a person erased while inside
    Presence.objects.filter(person=people[2]).delete()  # a closed visit: not counted
    assert occupancy(small_centre) == 1


def test_a_presence_past_the_cap_is_refused_and_nothing_is_written(small_centre, people):
    for person in people[:3]:
        enter(small_centre, person)

    with pytest.raises(IntegrityError, match="centre_building_cap"), transaction.atomic():
        enter(small_centre, people[3])

    assert occupancy(small_centre) == 3
    assert not Presence.objects.filter(person=people[3]).exists()


def test_closing_the_day_closes_every_presence_and_the_count_follows(small_centre, people):
    for person in people[:3]:
        enter(small_centre, person)

    assert door_close_day(centre=small_centre, actor=None) == 3

    assert occupancy(small_centre) == 0
    assert not Presence.objects.filter(exited_at__isnull=True).exists()


class Editor:
    """What db_triggers needs of a migration's schema editor."""

    connection = connection

    def execute(self, sql):
        with connection.cursor() as cursor:
            cursor.execute(sql)


def test_the_helpers_a_table_rebuild_needs_drop_and_recount(small_centre, people):
    """A migration that rebuilds centre_presence or centre_centre on SQLite wraps the change in
    db_triggers.drop and db_triggers.create (see that module): create counts afresh."""
    enter(small_centre, people[0])
    db_triggers.drop(None, Editor())
    enter(small_centre, people[1])
    assert occupancy(small_centre) == 1  # no triggers: the second entry went uncounted

    db_triggers.create(None, Editor())
    assert occupancy(small_centre) == 2
    enter(small_centre, people[2])
    assert occupancy(small_centre) == 3


def test_closing_the_day_through_the_screen_asks_first_with_the_number(
    client, small_centre, people, coordinator, trainer
):
    from django.urls import reverse

    from markaz.core.models import AuditEvent

    for person in people[:3]:
        enter(small_centre, person)
    client.force_login(coordinator)
    url = reverse("centre:door_close_day")
    page = client.get(url)
    assert page.status_code == 200
    assert "3 personnes encore" in page.content.decode()
    # A POST without the confirmation is refused and checks nobody out.
    assert client.post(url).status_code == 400
    assert occupancy(small_centre) == 3 and not AuditEvent.objects.exists()
    client.force_login(trainer)
    assert client.post(url, {"confirm": "yes"}).status_code == 403
    assert occupancy(small_centre) == 3
    client.force_login(coordinator)
    assert client.post(url, {"confirm": "yes"}).status_code == 302
    assert occupancy(small_centre) == 0
