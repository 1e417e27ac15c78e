"""Backups that restore (issue 13 §4): a backup taken while check-ins are written, restored
into a new empty database, holds every table's rows as they were at one instant, the building's
occupancy equal to its open presences, and the same people. A wrong key, an altered file or a
database that holds data: a clear error, nothing written. On SQLite and (with DATABASE_URL)
PostgreSQL."""

import datetime as dt
import hashlib
import sqlite3
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.utils import timezone

from markaz.centre import backup
from markaz.centre.models import Centre, Presence
from markaz.registry.models import Person

from .conftest import enrolled_people

pytestmark = pytest.mark.django_db(transaction=True)

KEY = "correct horse battery staple 42"


def raw_rows(db: dict, sql: str) -> list[tuple]:
    if backup.vendor_of(db) == "sqlite":
        conn = sqlite3.connect(str(db["NAME"]))
        try:
            return conn.execute(sql).fetchall()
        finally:
            conn.close()
    with backup._pg_connect(db) as conn:
        return conn.execute(sql).fetchall()


def people_checksum(db: dict) -> str:
    rows = raw_rows(db, "SELECT * FROM registry_person ORDER BY id")  # every column
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def occupancy_and_open(db: dict) -> tuple[int, int]:
    ((occupancy,),) = raw_rows(db, "SELECT SUM(occupancy) FROM centre_centre")
    ((open_,),) = raw_rows(db, "SELECT COUNT(*) FROM centre_presence WHERE exited_at IS NULL")
    return occupancy, open_


@pytest.fixture
def target(tmp_path):
    """A new, empty database of the same kind as the test database."""
    source = connection.settings_dict
    if backup.vendor_of(source) == "sqlite":
        yield {"ENGINE": source["ENGINE"], "NAME": str(tmp_path / "restored.sqlite3")}
        return
    name = "h_backup_restore"
    admin = {**source, "NAME": "postgres"}

    def run(sql):
        import psycopg

        with psycopg.connect(
            dbname="postgres",
            host=admin.get("HOST") or None,
            port=admin.get("PORT") or None,
            user=admin.get("USER") or None,
            password=admin.get("PASSWORD") or None,
            autocommit=True,
        ) as conn:
            conn.execute(sql)

    run(f"DROP DATABASE IF EXISTS {name}")
    run(f"CREATE DATABASE {name}")
    yield {**source, "NAME": name}
    run(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def world(centre, programme):
    centre.max_occupancy = 200
    centre.save()
    people = enrolled_people(centre, programme, 24)
    now = timezone.now()
    for person in people[:10]:
        Presence.objects.create(
            centre=centre, person=person, entered_at=now - dt.timedelta(hours=1)
        )
    return centre, people


class CheckIns(threading.Thread):
    """The door, writing entries and exits while the backup runs."""

    def __init__(self, centre, people):
        super().__init__(daemon=True)
        self.centre, self.people = centre, people
        self.stop, self.started, self.writes, self.error = (
            threading.Event(),
            threading.Event(),
            0,
            None,
        )

    def run(self):
        try:
            i = 0
            while not self.stop.is_set():
                person = self.people[i % len(self.people)]
                open_ = Presence.objects.filter(person=person, exited_at__isnull=True).first()
                if open_:
                    open_.exited_at = timezone.now()
                    open_.save(update_fields=["exited_at"])
                else:
                    Presence.objects.create(
                        centre=self.centre, person=person, entered_at=timezone.now()
                    )
                self.writes += 1
                self.started.set()
                i += 1
        except Exception as exc:  # reported by the test
            self.error = exc
            self.started.set()
        finally:
            connections.close_all()


def test_a_backup_taken_during_check_ins_restores_into_an_empty_database(
    world, target, tmp_path, settings
):
    centre, people = world
    settings.MARKAZ_BACKUP_KEY = KEY
    media = tmp_path / "media"
    (media / "reports").mkdir(parents=True)
    (media / "reports" / "pack.pdf").write_bytes(b"%PDF-1.7 a report")
    settings.MEDIA_ROOT = str(media)
    source = connection.settings_dict
    people_before = people_checksum(source)
    path = tmp_path / "markaz.backup"

    door = CheckIns(centre, people)
    door.start()
    assert door.started.wait(30)
    writes_before = door.writes
    call_command("backup", str(path), verbosity=0)
    writes_during = door.writes - writes_before
    door.stop.set()
    door.join(30)
    assert door.error is None, door.error
    assert writes_during > 0  # the backup ran while the door wrote

    assert b"registry_person" not in path.read_bytes()  # encrypted, not a plain database
    restored_media = tmp_path / "restored-media"
    manifest = backup.backup_restore(db=target, media_root=restored_media, path=path, key=KEY)

    restored = backup.table_counts(target)
    now = backup.table_counts(source)
    assert restored == manifest["tables"]
    for table, rows in now.items():  # the door wrote presences only
        if table not in ("centre_presence", "markaz_cache", "django_session"):
            assert restored[table] == rows, table
    assert restored["registry_person"] == len(people) == Person.objects.count()
    occupancy, open_presences = occupancy_and_open(target)
    assert occupancy == open_presences
    assert people_checksum(target) == people_before
    assert (restored_media / "reports" / "pack.pdf").read_bytes() == b"%PDF-1.7 a report"

    # The restored building still counts: its triggers came back with the schema.
    ((person_id,),) = raw_rows(
        target,
        "SELECT id FROM registry_person WHERE id NOT IN"
        " (SELECT person_id FROM centre_presence WHERE exited_at IS NULL) LIMIT 1",
    )
    insert = (
        "INSERT INTO centre_presence (centre_id, person_id, entered_at)"
        f" VALUES ({centre.pk}, {person_id}, CURRENT_TIMESTAMP)"
    )
    if backup.vendor_of(target) == "sqlite":
        conn = sqlite3.connect(target["NAME"])
        with conn:
            conn.execute(insert)
        conn.close()
    else:
        with backup._pg_connect(target) as conn:
            conn.execute(insert)
    assert occupancy_and_open(target) == (occupancy + 1, open_presences + 1)


def written_backup(tmp_path, settings) -> "Path":  # noqa: F821
    settings.MARKAZ_BACKUP_KEY = KEY
    settings.MEDIA_ROOT = str(tmp_path / "no-media")
    path = tmp_path / "markaz.backup"
    call_command("backup", str(path), verbosity=0)
    return path


def assert_empty(target, media):
    assert backup.database_holds_data(target) == []
    assert not media.exists()


def test_a_wrong_key_is_refused_and_nothing_is_written(world, target, tmp_path, settings):
    path = written_backup(tmp_path, settings)
    media = tmp_path / "restored-media"
    with pytest.raises(backup.BackupError, match="MARKAZ_BACKUP_KEY"):
        backup.backup_restore(db=target, media_root=media, path=path, key=KEY + " but wrong")
    assert_empty(target, media)


def test_an_altered_backup_is_refused_and_nothing_is_written(world, target, tmp_path, settings):
    path = written_backup(tmp_path, settings)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    media = tmp_path / "restored-media"
    with pytest.raises(backup.BackupError):
        backup.backup_restore(db=target, media_root=media, path=path, key=KEY)
    assert_empty(target, media)


def test_a_database_holding_data_is_refused(world, tmp_path, settings):
    path = written_backup(tmp_path, settings)
    centre, _people = world
    before = backup.table_counts(connection.settings_dict)
    with pytest.raises(CommandError, match="centre_centre"):
        call_command("restore", str(path), verbosity=0)
    assert backup.table_counts(connection.settings_dict) == before
    assert Centre.objects.get(pk=centre.pk).occupancy == 10


def test_no_key_no_backup(world, tmp_path, settings):
    settings.MARKAZ_BACKUP_KEY = ""
    path = tmp_path / "markaz.backup"
    with pytest.raises(CommandError, match="MARKAZ_BACKUP_KEY"):
        call_command("backup", str(path), verbosity=0)
    assert not path.exists() and list(tmp_path.iterdir()) == []
