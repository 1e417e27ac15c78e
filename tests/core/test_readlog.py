"""The read log (law 09-08: who read what): one row per access with the persons shown,
append-only in Python and in the database (SQLite and PostgreSQL triggers)."""

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.test import RequestFactory
from django.urls import reverse

from markaz.core.models import PersonalDataRead, PersonalDataReadPerson, ReadRefused
from markaz.core.readlog import Kind, personal_data_read
from markaz.registry import services
from tests.factories import person_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(centre):
    return [
        services.person_create(
            centre=centre,
            data=person_data(
                cin=f"FB{n:06d}", phone=f"+2126611100{n:02d}", first_name_latin=f"P{n}"
            ),
        )
        for n in range(3)
    ]


def _request(user, path="/registry/"):
    request = RequestFactory().get(path)
    request.user = user
    return request


def test_one_read_names_each_person_shown_once(coordinator, people, centre):
    read = personal_data_read(
        user=coordinator,
        persons=[people[0], people[1], people[0].pk, people[2]],
        kind=Kind.LIST,
        request=_request(coordinator),
        view="registry:person_list",
    )
    assert PersonalDataRead.objects.count() == 1
    assert read.user == coordinator and read.centre == centre and read.kind == "list"
    assert read.view == "registry:person_list" and read.path == "/registry/"
    assert read.count == 3
    assert read.at.tzinfo is not None
    assert sorted(read.persons.values_list("person_id", flat=True)) == sorted(p.pk for p in people)


def test_nothing_shown_nothing_recorded(coordinator):
    assert personal_data_read(user=coordinator, persons=[], kind=Kind.LIST) is None
    assert not PersonalDataRead.objects.exists()


def test_an_unknown_kind_is_refused_and_nothing_written(coordinator, people):
    with pytest.raises(ValueError):
        personal_data_read(user=coordinator, persons=people, kind="peek")
    assert not PersonalDataRead.objects.exists()


def _one_read(coordinator, people) -> PersonalDataRead:
    return personal_data_read(user=coordinator, persons=people, kind=Kind.PAGE, view="x")


def test_the_orm_refuses_update_and_delete(coordinator, people):
    read = _one_read(coordinator, people)
    link = read.persons.first()
    with pytest.raises(ReadRefused):
        PersonalDataRead.objects.filter(pk=read.pk).update(kind="file")
    with pytest.raises(ReadRefused):
        PersonalDataRead.objects.all().delete()
    with pytest.raises(ReadRefused):
        PersonalDataReadPerson.objects.filter(read=read).update(person_id=1)
    with pytest.raises(ReadRefused):
        PersonalDataReadPerson.objects.all().delete()
    read.kind = "file"
    with pytest.raises(ReadRefused):
        read.save()
    with pytest.raises(ReadRefused):
        read.delete()
    with pytest.raises(ReadRefused):
        link.delete()
    read.refresh_from_db()
    assert read.kind == "page"
    assert PersonalDataReadPerson.objects.count() == 3


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE core_personaldataread SET kind = 'file'",
        "DELETE FROM core_personaldataread",
        "UPDATE core_personaldatareadperson SET person_id = 1",
        "DELETE FROM core_personaldatareadperson",
    ],
)
def test_the_database_refuses_raw_update_and_delete(coordinator, people, sql):
    """Bypassing Python (raw SQL, a database shell) meets the trigger: on SQLite and on
    PostgreSQL (run this file with DATABASE_URL=postgres://…)."""
    read = _one_read(coordinator, people)
    with (
        pytest.raises((DatabaseError, IntegrityError)) as refused,
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert "append-only" in str(refused.value)
    read.refresh_from_db()
    assert read.kind == "page"
    assert sorted(read.persons.values_list("person_id", flat=True)) == sorted(p.pk for p in people)


def test_the_triggers_are_installed():
    if connection.vendor == "postgresql":
        sql = (
            "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal "
            "AND tgrelid::regclass::text LIKE 'core_personaldataread%%'"
        )
    else:
        sql = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'core_pers%%'"
    with connection.cursor() as cursor:
        cursor.execute(sql)
        names = {row[0] for row in cursor.fetchall()}
    expected = (
        {"core_personaldataread_append_only", "core_personaldatareadperson_append_only"}
        if connection.vendor == "postgresql"
        else {
            f"{t}_no_{op}"
            for t in ("core_personaldataread", "core_personaldatareadperson")
            for op in ("update", "delete")
        }
    )
    assert expected <= names


def test_when_the_log_cannot_be_written_the_person_is_not_shown(
    client, coordinator, people, monkeypatch
):
    def broken(**kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(PersonalDataRead.objects, "create", broken)
    client.force_login(coordinator)
    client.raise_request_exception = False
    response = client.get(reverse("registry:person_detail", args=[people[0].pk]))
    assert response.status_code == 500
    assert people[0].cin.encode() not in response.content
    assert not PersonalDataRead.objects.exists()


def test_no_admin_screen_can_edit_or_delete_the_log():
    from django.contrib import admin

    assert PersonalDataRead not in admin.site._registry
    assert PersonalDataReadPerson not in admin.site._registry
