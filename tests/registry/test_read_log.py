"""Who read what, in the registry: a person's page, the registry list, the whole file (page and
command line) and the "Who read what" screen (filters, roles, languages)."""

import datetime as dt
import io
import json
import zipfile

import pypdf
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from markaz.core.models import PersonalDataRead
from markaz.core.readlog import Kind, personal_data_read
from markaz.core.roles import Role
from markaz.registry import services
from tests.factories import EnrolmentFactory, PersonFactory, person_data, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(centre):
    return services.person_create(
        centre=centre,
        data=person_data(first_name_latin="Samira", last_name_latin="Bennani", cin="FK424242"),
    )


@pytest.fixture
def others(centre):
    return [
        PersonFactory(centre=centre, first_name_latin=f"Autre{n}", cin=f"FK10000{n}")
        for n in range(3)
    ]


def persons_of(read) -> set[int]:
    return set(read.persons.values_list("person_id", flat=True))


def test_coordinator_reading_a_page_writes_one_row_naming_that_person(client, coordinator, person):
    client.force_login(coordinator)
    before = timezone.now()
    response = client.get(reverse("registry:person_detail", args=[person.pk]))
    assert response.status_code == 200
    read = PersonalDataRead.objects.get()
    assert read.user == coordinator and read.kind == Kind.PAGE
    assert read.view == "registry:person_detail"
    assert read.path == f"/registry/{person.pk}/"
    assert read.at >= before and read.centre == person.centre
    assert persons_of(read) == {person.pk}


def test_trainer_reading_their_learner_card_is_recorded(client, trainer, centre):
    learner = EnrolmentFactory(cohort__centre=centre).person
    learner.enrolments.first().cohort.trainers.add(trainer)
    client.force_login(trainer)
    assert client.get(reverse("registry:person_detail", args=[learner.pk])).status_code == 200
    read = PersonalDataRead.objects.get()
    assert read.user == trainer and persons_of(read) == {learner.pk}


def test_a_refused_page_records_nothing(client, trainer, person, other_coordinator):
    client.force_login(trainer)
    assert client.get(reverse("registry:person_detail", args=[person.pk])).status_code == 404
    client.force_login(other_coordinator)
    assert client.get(reverse("registry:person_detail", args=[person.pk])).status_code == 404
    assert not PersonalDataRead.objects.exists()


def test_the_registry_list_records_the_persons_shown(client, coordinator, person, others):
    client.force_login(coordinator)
    response = client.get(reverse("registry:person_list"))
    assert response.status_code == 200
    read = PersonalDataRead.objects.get()
    assert read.kind == Kind.LIST and read.view == "registry:person_list"
    assert persons_of(read) == {person.pk, *(o.pk for o in others)}
    # A search: only the people the page shows.
    client.get(reverse("registry:person_list"), {"q": "FK424242"})
    assert persons_of(PersonalDataRead.objects.first()) == {person.pk}
    # Nobody shown: nothing recorded.
    client.get(reverse("registry:person_list"), {"q": "Zzzzzz"})
    assert PersonalDataRead.objects.count() == 2


def test_the_person_page_shows_its_last_reads_and_links_the_log(
    client, coordinator, admin_user, person
):
    client.force_login(admin_user)
    client.get(reverse("registry:person_detail", args=[person.pk]))
    client.force_login(coordinator)
    response = client.get(reverse("registry:person_detail", args=[person.pk]))
    reads = response.context["reads"]
    assert [r.user for r in reads] == [coordinator, admin_user]
    html = response.content.decode()
    assert f"{reverse('registry:read_log')}?person={person.pk}" in html
    assert 'id="reads"' in html


def test_the_whole_file_lists_who_read_it_in_json_and_pdf(client, coordinator, person):
    trainer2 = staff("lecteur", Role.COORDINATOR, person.centre)
    client.force_login(trainer2)
    client.get(reverse("registry:person_detail", args=[person.pk]))
    client.force_login(coordinator)
    response = client.get(reverse("registry:person_export", args=[person.pk]), {"lang": "fr"})
    assert response.status_code == 200
    export = PersonalDataRead.objects.first()
    assert export.kind == Kind.FILE and export.user == coordinator
    assert export.view == "registry:person_export" and persons_of(export) == {person.pk}
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    data = json.loads(archive.read(f"person-{person.pk}.json"))
    reads = {s["key"]: s for s in data["sections"]}["reads"]["rows"]
    assert [(r["staff"], r["page"]) for r in reads] == [
        ("lecteur", "registry:person_detail"),
        ("coordinator", "registry:person_export"),  # the file lists its own production
    ]
    pdf = pypdf.PdfReader(io.BytesIO(archive.read(f"person-{person.pk}.pdf")))
    text = "".join(page.extract_text() for page in pdf.pages)
    assert "lecteur" in text and "registry:person_export" in text


def test_the_command_line_export_is_recorded_without_a_staff_member(tmp_path, person):
    out = tmp_path / "file.zip"
    call_command(
        "person_export", "--person", str(person.pk), "--out", str(out), stdout=io.StringIO()
    )
    read = PersonalDataRead.objects.get()
    assert read.user is None and read.kind == Kind.FILE and read.centre == person.centre
    assert read.view == "command:person_export" and persons_of(read) == {person.pk}
    data = json.loads(zipfile.ZipFile(out).read(f"person-{person.pk}.json"))
    assert {s["key"]: s for s in data["sections"]}["reads"]["rows"][0]["page"] == (
        "command:person_export"
    )


# --- The screen -------------------------------------------------------------------------------


def _log(client, **params):
    return client.get(reverse("registry:read_log"), params)


def _read_ids(response) -> list[int]:
    """The reads listed, less the log's own visits (opening the log is a read too)."""
    return [
        read.pk for read, _persons in response.context["rows"] if read.view != "registry:read_log"
    ]


def test_the_screen_filters_by_person_staff_dates_and_kind(
    client, coordinator, centre, person, others
):
    trainer = staff("formateur", Role.TRAINER, centre)
    now = timezone.now()
    old = PersonalDataRead(
        user=trainer,
        centre=centre,
        kind=Kind.PAGE,
        view="v",
        at=now - dt.timedelta(days=10),
        count=1,
    )
    old.save()
    old.persons.create(person_id=person.pk)
    mid = personal_data_read(user=coordinator, persons=others, kind=Kind.LIST, view="v")
    new = personal_data_read(user=coordinator, persons=[person, *others], kind=Kind.LIST, view="v")
    client.force_login(coordinator)

    response = _log(client)
    assert response.status_code == 200
    assert _read_ids(response) == [new.pk, mid.pk, old.pk]

    for query in (str(person.pk), "FK424242", "Bennani", "samira"):
        assert _read_ids(_log(client, person=query)) == [new.pk, old.pk], query
    assert _read_ids(_log(client, staff=trainer.pk)) == [old.pk]
    today = timezone.localdate()
    assert _read_ids(_log(client, date_from=today.isoformat())) == [new.pk, mid.pk]
    assert _read_ids(_log(client, date_to=(today - dt.timedelta(days=1)).isoformat())) == [old.pk]
    assert _read_ids(_log(client, kind="page")) == [old.pk]
    assert _read_ids(_log(client, person="FK424242", staff=coordinator.pk)) == [new.pk]
    # The searched person is named first on each row.
    rows = _log(client, person=str(others[2].pk)).context["rows"]
    assert all(persons[0].pk == others[2].pk for _read, persons in rows)


def test_the_screen_is_a_read_too(client, coordinator, person):
    personal_data_read(user=coordinator, persons=[person], kind=Kind.PAGE, view="v")
    client.force_login(coordinator)
    _log(client)
    read = PersonalDataRead.objects.first()
    assert read.view == "registry:read_log" and persons_of(read) == {person.pk}


def test_bad_filters_are_refused_with_a_message_and_record_nothing(client, coordinator, person):
    personal_data_read(user=coordinator, persons=[person], kind=Kind.PAGE, view="v")
    client.force_login(coordinator)
    response = _log(client, date_from="2026-05-10", date_to="2026-05-01")
    assert response.status_code == 400
    assert "La date de fin est avant la date de début." in response.content.decode()
    assert _log(client, date_from="demain").status_code == 400
    assert _log(client, kind="peek").status_code == 400
    assert _log(client, staff="999999").status_code == 400
    assert PersonalDataRead.objects.count() == 1


def test_the_screen_is_paginated(client, coordinator, person):
    for _ in range(55):
        personal_data_read(user=coordinator, persons=[person], kind=Kind.PAGE, view="v")
    client.force_login(coordinator)
    first = _log(client, person=str(person.pk))
    assert len(first.context["rows"]) == 50
    assert f"person={person.pk}&amp;page=2" in first.content.decode()
    second = _log(client, person=str(person.pk), page=2)
    assert len(second.context["rows"]) == 5 + 1  # and the first page's own read


def test_only_coordinators_and_administrators_see_the_log(
    client, trainer, mentor, caravan_staff, provincial_viewer, admin_user, coordinator
):
    for user in (trainer, mentor, caravan_staff, provincial_viewer):
        client.force_login(user)
        assert _log(client).status_code == 403, user
    for user in (admin_user, coordinator):
        client.force_login(user)
        assert _log(client).status_code == 200


def test_another_centre_reads_stay_there(client, coordinator, other_coordinator, other_centre):
    stranger = PersonFactory(centre=other_centre, first_name_latin="Loin")
    personal_data_read(user=other_coordinator, persons=[stranger], kind=Kind.PAGE, view="v")
    client.force_login(coordinator)
    assert _read_ids(_log(client)) == []
    assert _read_ids(_log(client, person=str(stranger.pk))) == []


def test_the_screen_in_arabic_and_french(client, coordinator, person):
    personal_data_read(user=coordinator, persons=[person], kind=Kind.FILE, view="v")
    client.force_login(coordinator)
    html = client.get(
        reverse("registry:read_log"), headers={"accept-language": "ar"}
    ).content.decode()
    assert 'dir="rtl"' in html and "من اطّلع على ماذا" in html
    client.cookies["django_language"] = "fr"
    html = client.get(
        reverse("registry:read_log"), headers={"accept-language": "fr"}
    ).content.decode()
    assert "Qui a lu quoi" in html and "Dossier complet" in html


def test_erasure_keeps_the_reads_pointing_to_the_anonymous_record(client, coordinator, person):
    client.force_login(coordinator)
    client.get(reverse("registry:person_detail", args=[person.pk]))
    services.person_erase(person=person, actor=coordinator)
    person.refresh_from_db()
    assert person.anonymised_at is not None and person.cin != "FK424242"
    read = PersonalDataRead.objects.get(view="registry:person_detail")
    assert persons_of(read) == {person.pk}
    # The old name finds nothing any more; the record's number still finds its reads.
    assert _read_ids(_log(client, person="Bennani")) == []
    assert _read_ids(_log(client, person=str(person.pk))) == [read.pk]


def test_objection_and_erasure_pages_are_reads(client, coordinator, person):
    client.force_login(coordinator)
    assert client.get(reverse("registry:person_objection", args=[person.pk])).status_code == 200
    assert client.get(reverse("registry:person_erase", args=[person.pk])).status_code == 200
    views = list(PersonalDataRead.objects.values_list("view", flat=True))
    assert views == ["registry:person_erase", "registry:person_objection"]
