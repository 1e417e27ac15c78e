"""A dump loaded again counts the building once (issue 13 §1: `loaddata` ran the occupancy
triggers on top of the dumped count and doubled it)."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from markaz.centre.models import Centre, Presence

from .conftest import enrolled_people

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_dump_loaded_into_an_empty_database_counts_each_open_presence_once(
    centre, programme, tmp_path
):
    centre.max_occupancy = 10
    centre.save()
    people = enrolled_people(centre, programme, 4)
    now = timezone.now()
    for person in people[:3]:
        Presence.objects.create(
            centre=centre, person=person, entered_at=now - dt.timedelta(hours=1)
        )
    Presence.objects.create(
        centre=centre,
        person=people[3],
        entered_at=now - dt.timedelta(days=1, hours=2),
        exited_at=now - dt.timedelta(days=1),
    )
    assert Centre.objects.get(pk=centre.pk).occupancy == 3

    dump = io.StringIO()
    call_command(
        "dumpdata",
        "--natural-foreign",
        "--natural-primary",
        "--exclude=contenttypes",
        "--exclude=auth.permission",
        "--exclude=django_tasks_database",
        stdout=dump,
    )
    call_command("flush", "--no-input", verbosity=0)
    assert not Centre.objects.exists()

    path = tmp_path / "dump.json"
    path.write_text(dump.getvalue())
    call_command("loaddata", str(path), verbosity=0)

    assert Presence.objects.filter(exited_at__isnull=True).count() == 3
    assert Centre.objects.get(pk=centre.pk).occupancy == 3


def test_the_triggers_count_again_after_a_load(centre, programme, tmp_path):
    """The load put the triggers back: the door counts as before."""
    centre.max_occupancy = 10
    centre.save()
    person = enrolled_people(centre, programme, 1)[0]
    path = tmp_path / "centre.json"
    dump = io.StringIO()
    call_command("dumpdata", "centre.centre", f"--pks={centre.pk}", stdout=dump)
    path.write_text(dump.getvalue())
    call_command("loaddata", str(path), verbosity=0)
    Presence.objects.create(centre=centre, person=person, entered_at=timezone.now())
    assert Centre.objects.get(pk=centre.pk).occupancy == 1
