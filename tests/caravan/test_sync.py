"""The caravan tablet's sync: services (idempotent, per-item transactions, conflicts, validation)
and the JSON API (contract and permissions)."""

import datetime as dt
import json
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from markaz.caravan import sync
from markaz.caravan.models import School, Visit, VisitReport, Workshop
from markaz.core.roles import Role
from markaz.territory.models import Commune
from tests.factories import staff

pytestmark = pytest.mark.django_db

REPORTS_URL = "/caravan/tablet/api/reports/"
VISITS_URL = "/caravan/tablet/api/visits/"


@pytest.fixture
def school(territory):
    return School.objects.create(
        code="ecole-al-amal",
        name_fr="École Al Amal",
        name_ar="مدرسة الأمل",
        commune=Commune.objects.get(code="berkane"),
        level=School.Level.PRIMARY,
        area=School.Area.URBAN,
        latitude=Decimal("34.92"),
        longitude=Decimal("-2.32"),
    )


@pytest.fixture
def other_school(territory):
    return School.objects.create(
        code="college-ibn-sina",
        name_fr="Collège Ibn Sina",
        name_ar="إعدادية ابن سينا",
        commune=Commune.objects.get(code="berkane"),
        level=School.Level.COLLEGE,
        area=School.Area.RURAL,
        latitude=Decimal("34.90"),
        longitude=Decimal("-2.30"),
    )


@pytest.fixture
def workshop(db):
    return Workshop.objects.create(
        code="robotique", title_fr="Robotique", title_ar="الروبوتيك", kind=Workshop.Kind.ROBOTICS
    )


@pytest.fixture
def visit(school, workshop):
    return Visit.objects.create(
        school=school,
        workshop=workshop,
        date=timezone.localdate(),
        start_time=dt.time(9, 0),
        end_time=dt.time(11, 0),
    )


def item(school_, workshop_, visit=None, **overrides) -> dict:
    school, workshop = school_, workshop_
    data = {
        "client_id": str(uuid.uuid4()),
        "base_version": 0,
        "visit": visit.pk if visit else None,
        "school": school.code,
        "workshop": workshop.code,
        "date": timezone.localdate().isoformat(),
        "girls": 14,
        "boys": 12,
        "by_level": {"5AP": {"girls": 8, "boys": 5}, "6AP": {"girls": 6, "boys": 7}},
        "kits_used": {"robotics": 6, "tablet": 3},
        "kits_broken": {"robotics": 1},
        "notes": "Salle informatique sans prises.",
        "recorded_at": timezone.now().isoformat(),
    }
    data.update(overrides)
    return data


def post(client, items, **headers):
    return client.post(
        REPORTS_URL, data=json.dumps(items), content_type="application/json", **headers
    )


# --------------------------------------------------------------------------------------------
# Services


def test_create_then_replay_changes_nothing(caravan_staff, school, workshop, visit):
    one = item(school, workshop, visit)
    [first] = sync.visit_reports_sync(user=caravan_staff, items=[one])
    assert (first.status, first.action, first.version) == ("ok", "created", 1)

    report = VisitReport.objects.get()
    assert str(report.client_id) == one["client_id"]
    assert (report.girls, report.boys, report.recorded_by) == (14, 12, caravan_staff)
    assert report.kits_used == {"robotics": 6, "tablet": 3}
    visit.refresh_from_db()
    assert visit.status == Visit.Status.DONE  # marking a report marks the planned visit held

    [again] = sync.visit_reports_sync(user=caravan_staff, items=[one])
    assert (again.status, again.action, again.version) == ("ok", "unchanged", 1)
    assert VisitReport.objects.count() == 1
    assert VisitReport.objects.get().received_at == report.received_at


def test_half_finished_upload_then_replay_gives_exactly_the_right_rows(
    caravan_staff, school, workshop, visit, other_school, monkeypatch
):
    a = item(school, workshop, visit)
    b = item(other_school, workshop, by_level={"1AC": {"girls": 14, "boys": 12}})
    real_mark_done = sync._visit_mark_done
    calls = []

    def crash_on_second(visit):
        calls.append(visit)
        if len(calls) == 2:
            raise ConnectionError("the server went away mid-upload")
        real_mark_done(visit)

    monkeypatch.setattr(sync, "_visit_mark_done", crash_on_second)
    with pytest.raises(ConnectionError):
        sync.visit_reports_sync(user=caravan_staff, items=[a, b])
    # The first item committed on its own; the second rolled back entirely.
    assert [str(c) for c in VisitReport.objects.values_list("client_id", flat=True)] == [
        a["client_id"]
    ]

    monkeypatch.setattr(sync, "_visit_mark_done", real_mark_done)
    results = sync.visit_reports_sync(user=caravan_staff, items=[a, b])
    assert [(r.status, r.action) for r in results] == [("ok", "unchanged"), ("ok", "created")]
    assert sorted(
        str(c) for c in VisitReport.objects.values_list("client_id", flat=True)
    ) == sorted([a["client_id"], b["client_id"]])


def test_update_from_the_device_seen_version(caravan_staff, school, workshop, visit):
    one = item(school, workshop, visit)
    sync.visit_reports_sync(user=caravan_staff, items=[one])
    edited = dict(one, base_version=1, notes="Deux kits prêtés à l'école.")
    [result] = sync.visit_reports_sync(user=caravan_staff, items=[edited])
    assert (result.status, result.action, result.version) == ("ok", "updated", 2)
    # The same edit replayed (its answer was lost): no change, the new version.
    [replay] = sync.visit_reports_sync(user=caravan_staff, items=[edited])
    assert (replay.status, replay.action, replay.version) == ("ok", "unchanged", 2)
    report = VisitReport.objects.get()
    assert (report.version, report.notes) == (2, "Deux kits prêtés à l'école.")


def test_a_record_changed_on_both_sides_is_a_conflict_never_overwritten(
    caravan_staff, coordinator, school, workshop, visit
):
    one = item(school, workshop, visit)
    sync.visit_reports_sync(user=caravan_staff, items=[one])
    # A coordinator corrects it on the server (through the same service, from version 1).
    sync.visit_reports_sync(
        user=coordinator, items=[dict(one, base_version=1, girls=15, by_level={})]
    )
    assert VisitReport.objects.get().version == 2

    # The tablet, still at version 1, changed the notes offline.
    mine = dict(one, base_version=1, notes="Ma version")
    [result] = sync.visit_reports_sync(user=caravan_staff, items=[mine])
    assert result.status == "conflict"
    assert result.version == 2
    assert result.server["girls"] == 15 and result.server["version"] == 2
    report = VisitReport.objects.get()
    assert (report.version, report.girls, report.notes) == (2, 15, one["notes"])

    # "Keep mine": resend from the server's version.
    [kept] = sync.visit_reports_sync(user=caravan_staff, items=[dict(mine, base_version=2)])
    assert (kept.status, kept.action, kept.version) == ("ok", "updated", 3)
    assert VisitReport.objects.get().notes == "Ma version"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"girls": -1}, "girls"),
        ({"boys": 201, "by_level": {}}, "boys"),
        ({"girls": "beaucoup"}, "girls"),
        ({"school": "inconnue"}, "school"),
        ({"workshop": "inconnu"}, "workshop"),
        ({"kits_used": {"drone": 2}}, "kits_used"),
        ({"kits_broken": {"robotics": 9}}, "kits_broken"),
        ({"date": "2999-01-01"}, "date"),
        ({"date": "hier"}, "date"),
        ({"by_level": {"2BAC": {"girls": 14, "boys": 12}}}, "by_level"),
        ({"by_level": {"5AP": {"girls": 1, "boys": 1}}}, "by_level"),
        ({"client_id": "not-a-uuid"}, "client_id"),
    ],
)
def test_bad_items_get_messages_and_write_nothing(
    caravan_staff, school, workshop, visit, overrides, field
):
    [result] = sync.visit_reports_sync(
        user=caravan_staff, items=[item(school, workshop, visit, **overrides)]
    )
    assert result.status == "error"
    assert field in result.errors and all(result.errors[field])
    assert not VisitReport.objects.exists()
    visit.refresh_from_db()
    assert visit.status == Visit.Status.PLANNED


def test_a_visit_must_belong_to_the_school(caravan_staff, school, other_school, workshop, visit):
    bad = item(other_school, workshop, visit, by_level={})
    [result] = sync.visit_reports_sync(user=caravan_staff, items=[bad])
    assert result.status == "error" and "visit" in result.errors
    assert not VisitReport.objects.exists()


def test_tomorrow_is_accepted_but_not_later(caravan_staff, school, workshop):
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    later = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    results = sync.visit_reports_sync(
        user=caravan_staff,
        items=[item(school, workshop, date=tomorrow), item(school, workshop, date=later)],
    )
    assert [r.status for r in results] == ["ok", "error"]
    assert VisitReport.objects.count() == 1


def test_week_selector_lists_the_weeks_visits(caravan_staff, school, workshop, visit):
    next_week = Visit.objects.create(
        school=school,
        workshop=workshop,
        date=visit.date + dt.timedelta(days=7),
        start_time=dt.time(9, 0),
        end_time=dt.time(11, 0),
    )
    data = sync.tablet_week_for_user(caravan_staff, visit.date)
    assert [v["id"] for v in data["visits"]] == [visit.pk]
    assert next_week.pk not in [v["id"] for v in data["visits"]]
    assert data["visits"][0]["school"]["code"] == school.code
    assert data["grades"]["primaire"][0] == "1AP"
    assert {k["code"] for k in data["kit_kinds"]} == {"robotics", "laptop", "tablet"}


def test_crew_members_see_the_visits_of_the_tours_their_vehicle_drives(
    client, centre, caravan_staff, coordinator, school, workshop
):
    from markaz.caravan.models import Tour, Vehicle

    ours = Vehicle.objects.create(name="Caravane 1", plate="1-A-52")
    ours.crew.add(caravan_staff)
    other_crew = staff("other-crew", Role.CARAVAN, centre)
    theirs = Vehicle.objects.create(name="Caravane 2")
    theirs.crew.add(other_crew)
    no_vehicle_crew = staff("spare-crew", Role.CARAVAN, centre)
    monday, _ = sync.week_bounds(timezone.localdate())

    def visit(offset, vehicle=None, in_tour=True):
        day = monday + dt.timedelta(days=offset)
        tour = None
        if in_tour:
            tour = Tour.objects.create(
                name=f"T{offset}", start_date=day, end_date=day, workshop=workshop, vehicle=vehicle
            )
        return Visit.objects.create(
            tour=tour,
            school=school,
            workshop=workshop,
            date=day,
            start_time=dt.time(9, 0),
            end_time=dt.time(11, 0),
        ).pk

    driven_by_ours, driven_by_theirs = visit(0, ours), visit(1, theirs)
    without_vehicle, outside_tours = visit(2), visit(3, in_tour=False)

    def seen(user):
        return [v["id"] for v in sync.tablet_week_for_user(user, monday)["visits"]]

    everyone = [without_vehicle, outside_tours]
    assert seen(caravan_staff) == [driven_by_ours, *everyone]
    assert seen(other_crew) == [driven_by_theirs, *everyone]
    assert seen(no_vehicle_crew) == everyone
    # Coordinators and admins stand in for any crew: every visit.
    assert seen(coordinator) == [driven_by_ours, driven_by_theirs, *everyone]
    # The tablet's API answers the same, with the vehicle of each visit.
    client.force_login(caravan_staff)
    data = client.get(VISITS_URL, {"week": monday.isoformat()}).json()
    assert [(v["id"], v["vehicle"]) for v in data["visits"]] == [
        (driven_by_ours, "Caravane 1 (1-A-52)"),
        (without_vehicle, None),
        (outside_tours, None),
    ]


# --------------------------------------------------------------------------------------------
# API


def test_api_create_replay_and_errors_in_the_users_language(
    client, caravan_staff, school, workshop, visit
):
    client.force_login(caravan_staff)
    good = item(school, workshop, visit)
    bad = item(school, workshop, girls=500, by_level={})
    response = post(client, [good, bad])
    assert response.status_code == 200
    results = response.json()["results"]
    assert results[0] == {
        "client_id": good["client_id"],
        "status": "ok",
        "action": "created",
        "version": 1,
    }
    assert results[1]["status"] == "error" and results[1]["client_id"] == bad["client_id"]
    assert VisitReport.objects.count() == 1

    replay = post(client, [good]).json()["results"]
    assert replay == [
        {"client_id": good["client_id"], "status": "ok", "action": "unchanged", "version": 1}
    ]
    assert VisitReport.objects.count() == 1

    client.cookies["markaz_language"] = "ar"
    arabic = post(client, [bad], HTTP_ACCEPT_LANGUAGE="ar").json()["results"][0]["errors"]["girls"][
        0
    ]
    client.cookies["markaz_language"] = "fr"
    french = post(client, [bad], HTTP_ACCEPT_LANGUAGE="fr").json()["results"][0]["errors"]["girls"][
        0
    ]
    assert "200" in arabic and "200" in french
    assert VisitReport.objects.count() == 1


def test_api_rejects_a_body_that_is_not_a_list(client, caravan_staff):
    client.force_login(caravan_staff)
    assert (
        client.post(REPORTS_URL, data="{oops", content_type="application/json").status_code == 400
    )
    assert post(client, {"client_id": "x"}).status_code == 400
    assert not VisitReport.objects.exists()


def test_api_needs_the_csrf_token(caravan_staff, school, workshop, visit):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(caravan_staff)
    assert post(client, [item(school, workshop, visit)]).status_code == 403
    client.get("/caravan/tablet/")  # the page sets the csrftoken cookie
    token = client.cookies["csrftoken"].value
    assert post(client, [item(school, workshop, visit)], HTTP_X_CSRFTOKEN=token).status_code == 200
    assert VisitReport.objects.count() == 1


def test_api_visits_for_the_week(client, caravan_staff, visit):
    client.force_login(caravan_staff)
    response = client.get(VISITS_URL, {"week": visit.date.isoformat()})
    assert response.status_code == 200
    assert [v["id"] for v in response.json()["visits"]] == [visit.pk]
    assert client.get(VISITS_URL, {"week": "not-a-date"}).status_code == 400


@pytest.mark.parametrize("role", [Role.TRAINER, Role.MENTOR, Role.PROVINCIAL])
def test_other_roles_cannot_read_or_upload(client, centre, school, workshop, visit, role):
    client.force_login(staff(f"someone-{role}", role, centre))
    assert client.get(VISITS_URL).status_code == 403
    assert post(client, [item(school, workshop, visit)]).status_code == 403
    assert client.get("/caravan/tablet/").status_code == 403
    assert not VisitReport.objects.exists()
    with pytest.raises(PermissionDenied):
        sync.visit_reports_sync(
            user=staff(f"direct-{role}", role, centre), items=[item(school, workshop)]
        )
    assert not VisitReport.objects.exists()


def test_anonymous_cannot_read_or_upload(client, centre, school, workshop, visit):
    assert client.get(VISITS_URL).status_code == 401
    assert post(client, [item(school, workshop, visit)]).status_code == 401
    assert client.get("/caravan/tablet/").status_code == 302  # to the login page
    assert not VisitReport.objects.exists()


@pytest.mark.parametrize("role", [Role.ADMIN, Role.COORDINATOR])
def test_admins_and_coordinators_may_use_the_tablet(client, centre, school, workshop, visit, role):
    client.force_login(staff(f"lead-{role}", role, centre))
    assert client.get(VISITS_URL).status_code == 200
    assert post(client, [item(school, workshop, visit)]).json()["results"][0]["status"] == "ok"


def test_the_app_shell_manifest_and_service_worker(client, caravan_staff):
    client.force_login(caravan_staff)
    page = client.get("/caravan/tablet/")
    assert page.status_code == 200
    assert b'rel="manifest"' in page.content
    manifest = client.get("/caravan/tablet/manifest.webmanifest").json()
    assert manifest["start_url"] == "/caravan/tablet/" and manifest["display"] == "standalone"
    assert any(i["sizes"] == "512x512" for i in manifest["icons"])
    worker = client.get("/caravan/tablet/sw.js")
    assert worker.status_code == 200
    assert worker["Service-Worker-Allowed"] == "/caravan/tablet/"
    assert worker["Content-Type"].startswith("text/javascript")
    body = worker.content.decode()
    assert (
        '"/caravan/tablet/"' in body
        and "bootstrap.rtl.min.css" in body
        and "bootstrap.bundle.min.js" in body
    )
