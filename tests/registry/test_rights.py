"""Law 09-08 rights: access (the whole file), rectification with history, objection per
purpose with its effects everywhere, erasure on request, retention."""

import datetime as dt
import io
import json
import zipfile

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from markaz.core.models import AuditEvent, OutboxMessage, SmsOptOut
from markaz.core.outbox import outbox_queue
from markaz.mentoring import selectors as mentoring_selectors
from markaz.mentoring import services as mentoring_services
from markaz.mentoring.models import FollowUp, MentoringNote
from markaz.registry import selectors, services
from markaz.registry.models import Objection, PersonSearchToken
from markaz.reporting.selectors import figure_records, indicator_pack_uncached
from tests.factories import EnrolmentFactory, person_data

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 9, 1)


@pytest.fixture
def person(centre):
    return services.person_create(centre=centre, data=person_data(), today=TODAY)


@pytest.fixture
def learner(centre):
    enrolment = EnrolmentFactory(cohort__centre=centre)
    person = enrolment.person
    FollowUp.objects.create(
        centre=centre,
        person=person,
        enrolment=enrolment,
        milestone="m6",
        due_on=timezone.localdate() + dt.timedelta(days=2),
    )
    return person


def login(client, user):
    client.force_login(user)
    return client


def edit_post(**overrides):
    data = {
        "first_name_latin": "Fatima Zahra",
        "last_name_latin": "El Idrissi",
        "first_name_ar": "فاطمة الزهراء",
        "last_name_ar": "الإدريسي",
        "cin": "FA123456",
        "birth_date": "2001-03-31",
        "sex": "F",
        "phone": "0612345678",
        "commune": "berkane",
        "activity_status": "unemployed",
        "education_level": "bac",
        "preferred_language": "ar",
        "disability": "",
        "rsu_index": "",
    }
    data.update(overrides)
    return data


# --- Rectification with history ---------------------------------------------------------------


def test_correction_records_old_and_new_values_and_shows_them(client, coordinator, person):
    response = login(client, coordinator).post(
        reverse("registry:person_edit", args=[person.pk]),
        edit_post(last_name_latin="El Idrissi Alaoui", phone="0698765432"),
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="person_update", object_id=str(person.pk))
    assert event.actor == coordinator
    changes = {c["field"]: (c["old"], c["new"]) for c in event.detail["changes"]}
    assert changes == {
        "last_name_latin": ("El Idrissi", "El Idrissi Alaoui"),
        "phone": ("+212612345678", "+212698765432"),
    }
    history = selectors.person_corrections(person)
    assert {(c.field, c.old, c.new, c.actor) for c in history} == {
        ("last_name_latin", "El Idrissi", "El Idrissi Alaoui", coordinator.username),
        ("phone", "+212612345678", "+212698765432", coordinator.username),
    }
    html = client.get(reverse("registry:person_detail", args=[person.pk])).content.decode()
    section = html.split('id="corrections"')[1]
    assert "El Idrissi Alaoui" in section and "+212612345678" in section


def test_refused_correction_writes_no_history(client, coordinator, person):
    response = login(client, coordinator).post(
        reverse("registry:person_edit", args=[person.pk]), edit_post(cin="not a cin")
    )
    assert response.status_code in (200, 400)
    assert not AuditEvent.objects.filter(action="person_update").exists()
    person.refresh_from_db()
    assert person.cin == "FA123456"


# --- Objection per purpose --------------------------------------------------------------------


def object_to(person, purpose, actor):
    return services.objection_record(
        person=person, purpose=purpose, channel="desk", received_on=TODAY, actor=actor
    )


def test_sms_objection_stops_queued_and_future_sms(coordinator, person):
    outbox_queue(kind="offer", body="before", centre=person.centre, phone=person.phone, key="a")
    object_to(person, "sms", coordinator)
    assert SmsOptOut.objects.filter(phone=person.phone).exists()
    assert OutboxMessage.objects.get(body="before").status == "stopped"
    outbox_queue(kind="offer", body="after", centre=person.centre, phone=person.phone, key="b")
    assert OutboxMessage.objects.get(body="after").status == "stopped"
    objection = Objection.objects.get(person=person)
    assert (objection.purpose, objection.channel, objection.received_on) == ("sms", "desk", TODAY)
    assert AuditEvent.objects.filter(action="objection_record", object_id=str(person.pk)).exists()


def test_sms_objection_follows_a_corrected_phone(client, coordinator, person):
    object_to(person, "sms", coordinator)
    login(client, coordinator).post(
        reverse("registry:person_edit", args=[person.pk]), edit_post(phone="0698765432")
    )
    assert SmsOptOut.objects.filter(phone="+212698765432").exists()


def test_followup_objection_removes_them_from_the_due_list_and_reminders(coordinator, learner):
    assert list(
        mentoring_selectors.followups_due(coordinator).values_list("person", flat=True)
    ) == [learner.pk]
    object_to(learner, "followup", coordinator)
    assert not mentoring_selectors.followups_due(coordinator).exists()
    assert mentoring_services.followup_reminders_queue(centre=learner.centre) == 0


def test_records_list_objection_hides_them_from_lists_but_not_from_figures(
    coordinator, centre, learner
):
    start, end = timezone.localdate() - dt.timedelta(days=365), timezone.localdate()
    before = indicator_pack_uncached(centre=centre, start=start, end=end, protect=False)
    assert (
        learner in figure_records(centre=centre, start=start, end=end, code="enrolled")["numerator"]
    )
    object_to(learner, "records_list", coordinator)
    records = figure_records(centre=centre, start=start, end=end, code="enrolled")
    assert learner not in records["numerator"]
    assert indicator_pack_uncached(centre=centre, start=start, end=end, protect=False) == before


def test_objection_page_shows_consequences_before_recording(client, coordinator, person):
    url = reverse("registry:person_objection", args=[person.pk])
    answers = {"purpose": "sms", "channel": "phone", "received_on": TODAY.isoformat(), "note": ""}
    login(client, coordinator)
    assert client.get(url).status_code == 200
    confirm = client.get(url, answers)
    html = confirm.content.decode()
    assert confirm.status_code == 200 and person.phone in html and "arrêtés immédiatement" in html
    assert "durée de conservation" in html  # what the law requires the centre to keep
    assert not Objection.objects.exists()
    unconfirmed = client.post(url, answers)
    assert unconfirmed.status_code == 400
    assert not Objection.objects.exists() and not SmsOptOut.objects.exists()
    done = client.post(url, {**answers, "confirm": "yes"})
    assert done.status_code == 302
    assert Objection.objects.get().channel == "phone"


def test_objection_in_arabic(client, coordinator, person):
    client.cookies["markaz_language"] = "ar"
    url = reverse("registry:person_objection", args=[person.pk])
    answers = {"purpose": "followup", "channel": "desk", "received_on": TODAY.isoformat()}
    html = login(client, coordinator).get(url, answers).content.decode()
    assert 'dir="rtl"' in html and "الاعتراض" in html


@pytest.mark.parametrize(
    "answers",
    [
        {"purpose": "sms", "channel": "pigeon", "received_on": "2026-09-01"},
        {"purpose": "everything", "channel": "desk", "received_on": "2026-09-01"},
        {"purpose": "sms", "channel": "desk", "received_on": "2999-01-01"},
        {"purpose": "sms", "channel": "desk", "received_on": "yesterday"},
    ],
)
def test_bad_objection_is_400_and_writes_nothing(client, coordinator, person, answers):
    response = login(client, coordinator).post(
        reverse("registry:person_objection", args=[person.pk]), {**answers, "confirm": "yes"}
    )
    assert response.status_code == 400
    assert not Objection.objects.exists() and not SmsOptOut.objects.exists()


def test_second_objection_to_the_same_purpose_is_refused(client, coordinator, person):
    object_to(person, "sms", coordinator)
    response = login(client, coordinator).post(
        reverse("registry:person_objection", args=[person.pk]),
        {"purpose": "sms", "channel": "desk", "received_on": TODAY.isoformat(), "confirm": "yes"},
    )
    assert response.status_code == 400
    assert Objection.objects.count() == 1


# --- Access: the whole file -------------------------------------------------------------------


def test_whole_file_holds_every_app_records(client, coordinator, learner):
    MentoringNote.objects.create(
        centre=learner.centre, person=learner, author=coordinator, text="Veut créer une entreprise"
    )
    outbox_queue(kind="offer", body="Bonjour", centre=learner.centre, phone=learner.phone, key="x")
    response = login(client, coordinator).get(
        reverse("registry:person_export", args=[learner.pk]), {"lang": "fr"}
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = set(archive.namelist())
    assert names == {f"person-{learner.pk}.json", f"person-{learner.pk}.pdf"}
    assert archive.read(f"person-{learner.pk}.pdf").startswith(b"%PDF")
    data = json.loads(archive.read(f"person-{learner.pk}.json"))
    by_key = {s["key"]: s["rows"] for s in data["sections"]}
    assert by_key["person"][0]["cin"] == learner.cin
    assert len(by_key["enrolments"]) == 1 and len(by_key["followups"]) == 1
    assert by_key["mentoring_notes"][0]["text"] == "Veut créer une entreprise"
    assert by_key["messages"][0]["body"] == "Bonjour"
    for key in ("consents", "applications", "rankings", "offers", "attendance", "badges"):
        assert key in by_key
    event = AuditEvent.objects.get(action="person_export")
    assert event.actor == coordinator and event.detail["via"] == "page"


def test_whole_file_in_arabic(client, coordinator, person):
    response = login(client, coordinator).get(
        reverse("registry:person_export", args=[person.pk]), {"lang": "ar"}
    )
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    data = json.loads(archive.read(f"person-{person.pk}.json"))
    assert data["sections"][0]["title"] == "بطاقة السجل"
    assert archive.read(f"person-{person.pk}.pdf").startswith(b"%PDF")


def test_whole_file_is_for_coordinators_only(
    client, trainer, mentor, other_coordinator, provincial_viewer, person
):
    url = reverse("registry:person_export", args=[person.pk])
    assert login(client, trainer).get(url).status_code == 403
    assert login(client, mentor).get(url).status_code == 403
    assert login(client, provincial_viewer).get(url).status_code == 403
    assert login(client, other_coordinator).get(url).status_code == 404
    assert not AuditEvent.objects.filter(action="person_export").exists()


def test_person_export_command(tmp_path, person):
    out = tmp_path / "file.zip"
    call_command(
        "person_export", "--person", str(person.pk), "--out", str(out), stdout=io.StringIO()
    )
    archive = zipfile.ZipFile(out)
    assert f"person-{person.pk}.pdf" in archive.namelist()
    assert AuditEvent.objects.get(action="person_export").detail["via"] == "command"
    with pytest.raises(CommandError):
        call_command("person_export", "--person", "999999", "--out", str(tmp_path / "no.zip"))
    assert not (tmp_path / "no.zip").exists()


# --- Erasure on request -----------------------------------------------------------------------


def test_erasure_asks_first_then_replaces_the_identity(client, coordinator, learner):
    url = reverse("registry:person_erase", args=[learner.pk])
    MentoringNote.objects.create(
        centre=learner.centre, person=learner, author=coordinator, text="Notes"
    )
    login(client, coordinator)
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 400
    learner.refresh_from_db()
    assert learner.anonymised_at is None and learner.first_name_latin.startswith("Prenom")
    assert client.post(url, {"confirm": "yes"}).status_code == 302
    learner.refresh_from_db()
    assert learner.anonymised_at is not None
    assert learner.first_name_ar == "" and learner.phone == "" and learner.cin.startswith("Z")
    assert learner.enrolments.count() == 1 and learner.followups.count() == 1  # links kept
    assert not PersonSearchToken.objects.filter(person=learner).exists()
    assert MentoringNote.objects.get().text == ""
    assert AuditEvent.objects.filter(action="person_anonymise", detail__reason="request").exists()
    assert client.post(url, {"confirm": "yes"}).status_code == 302  # already: refused, message
    assert AuditEvent.objects.filter(action="person_anonymise").count() == 1


def test_erasure_is_for_coordinators_only(client, trainer, other_coordinator, person):
    url = reverse("registry:person_erase", args=[person.pk])
    assert login(client, trainer).post(url, {"confirm": "yes"}).status_code == 403
    assert login(client, other_coordinator).post(url, {"confirm": "yes"}).status_code == 404
    person.refresh_from_db()
    assert person.anonymised_at is None


def test_person_page_offers_the_rights(client, coordinator, person):
    html = login(client, coordinator).get(reverse("registry:person_detail", args=[person.pk]))
    html = html.content.decode()
    for name in ("person_export", "person_objection", "person_erase"):
        assert reverse(f"registry:{name}", args=[person.pk]) in html
