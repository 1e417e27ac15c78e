"""Attendance and certificates in real headless Chromium: a trainer takes attendance on a phone,
and an employer verifies a certificate in Arabic."""

import datetime as dt

import pytest
from django.utils import timezone

from markaz.centre.models import Presence, Session
from markaz.core.roles import Role
from markaz.learning import services
from markaz.learning.models import AttendanceMark, Completion
from markaz.programmes.models import Cohort, Enrolment, Programme
from markaz.registry.models import Person
from tests.factories import CentreFactory, RoomFactory, staff

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

LEARNERS = [
    ("Salma", "Bouazza", "سلمى", "بوعزة"),
    ("Youssef", "Benali", "يوسف", "بنعلي"),
    ("Imane", "Tahiri", "إيمان", "الطاهري"),
    ("Omar", "Lamrani", "عمر", "العمراني"),
    ("Khadija", "Ouali", "خديجة", "الوالي"),
    ("Mehdi", "Zerrouki", "المهدي", "الزروقي"),
]


def _setup():
    centre = CentreFactory(code="berkane", name_fr="Centre de Berkane", name_ar="مركز بركان")
    room = RoomFactory(centre=centre, name_fr="Salle 1", name_ar="القاعة 1")
    trainer = staff("trainer", Role.TRAINER, centre)
    coordinator = staff("coordinator", Role.COORDINATOR, centre)
    programme = Programme.objects.create(
        centre=centre,
        title_fr="Développement web",
        title_ar="تطوير الويب",
        track="web",
        hours=300,
        duration_weeks=16,
        goal="wage_job",
        teaching_language="fr",
        schedule_pattern="daytime",
    )
    today = timezone.localdate()
    cohort = Cohort.objects.create(
        centre=centre,
        programme=programme,
        code="WEB-A26",
        start_date=today - dt.timedelta(days=60),
        end_date=today + dt.timedelta(days=50),
        seats=20,
        enrolled=len(LEARNERS),
        schedule_pattern="daytime",
    )
    enrolments = []
    for i, (first, last, first_ar, last_ar) in enumerate(LEARNERS, 1):
        person = Person.objects.create(
            centre=centre,
            first_name_latin=first,
            last_name_latin=last,
            first_name_ar=first_ar,
            last_name_ar=last_ar,
            cin=f"FB{i:06d}",
            birth_date=dt.date(2001, 1, 1),
            sex="F",
            activity_status="unemployed",
            education_level="bac",
            eligible=True,
        )
        enrolments.append(Enrolment.objects.create(cohort=cohort, person=person))
    return centre, room, trainer, coordinator, cohort, enrolments


def test_trainer_takes_attendance_on_a_phone(live_server, territory, phone, screenshot):
    centre, room, trainer, _coordinator, cohort, enrolments = _setup()
    now = timezone.now()
    midnight = dt.datetime.combine(
        timezone.localdate(), dt.time.min, tzinfo=timezone.get_current_timezone()
    )
    starts_at = max(now - dt.timedelta(minutes=10), midnight + dt.timedelta(minutes=1))
    session = Session.objects.create(
        centre=centre,
        cohort=cohort,
        room=room,
        trainer=trainer,
        lesson="Formulaires HTML",
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=3),
    )
    # The door saw the first three come in on time.
    for e in enrolments[:3]:
        Presence.objects.create(
            centre=centre, person=e.person, entered_at=starts_at - dt.timedelta(minutes=5)
        )
    page = phone
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", "trainer")
    page.fill("#id_password", "pw-test-12345")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/dashboard/")

    page.goto(live_server.url + "/sessions/mine/")
    page.locator(f"#session-{session.pk}").click()
    page.wait_for_selector("#attendance-form.js")
    rows = {e.pk: page.locator(f"#mark-{e.pk}") for e in enrolments}
    assert [rows[e.pk].get_attribute("data-status") for e in enrolments] == [
        "present",
        "present",
        "present",
        "absent",
        "absent",
        "absent",
    ]
    box = rows[enrolments[0].pk].locator(".mark-btn").bounding_box()
    assert box["height"] >= 48 and box["width"] >= 300  # a big touch target
    screenshot(page, "attendance-fr-phone")

    rows[enrolments[1].pk].locator(".mark-btn").tap()  # present → late
    rows[enrolments[2].pk].locator(".mark-btn").tap()  # present → late
    rows[enrolments[2].pk].locator(".mark-btn").tap()  # late → absent
    rows[enrolments[3].pk].locator(".mark-btn").tap()  # absent → present
    assert rows[enrolments[1].pk].get_attribute("data-status") == "late"
    assert page.locator("#count-absent").inner_text() == "3"
    page.locator("#save-attendance").tap()
    page.wait_for_selector(".alert-success")

    marks = dict(
        AttendanceMark.objects.filter(session=session).values_list("enrolment_id", "status")
    )
    assert marks == {
        enrolments[0].pk: "present",
        enrolments[1].pk: "late",
        enrolments[2].pk: "absent",
        enrolments[3].pk: "present",
        enrolments[4].pk: "absent",
        enrolments[5].pk: "absent",
    }
    assert set(AttendanceMark.objects.values_list("marked_by", flat=True)) == {trainer.pk}

    page.locator("#language-switcher button[value=ar]").first.click()
    page.wait_for_selector("html[dir=rtl]")
    page.wait_for_selector("#attendance-form.js")
    assert page.locator(f"#mark-{enrolments[1].pk}").get_attribute("data-status") == "late"
    screenshot(page, "attendance-ar-phone")
    page.goto(live_server.url + "/sessions/mine/")
    screenshot(page, "my-sessions-ar-phone")


def test_certificate_verified_in_arabic(live_server, territory, phone, screenshot):
    _centre, _room, _trainer, coordinator, _cohort, enrolments = _setup()
    Completion.objects.create(enrolment=enrolments[0], completed=True, attendance_percent=92)
    certificate = services.certificate_issue(enrolment=enrolments[0], actor=coordinator)
    page = phone

    page.goto(live_server.url + "/verify/")
    screenshot(page, "verify-fr-phone")
    page.locator("#language-switcher button[value=ar]").first.click()
    page.wait_for_selector("html[dir=rtl]")
    assert page.locator("html").get_attribute("lang") == "ar"

    page.fill("#id_code", certificate.code.lower().replace("-", " "))  # as someone types it
    page.locator("#verify-submit").click()
    page.wait_for_selector("#verify-valid")
    assert page.url.endswith(f"/verify/{certificate.code}/")
    assert page.locator("#verify-result").get_attribute("data-valid") == "1"
    name = page.locator("#verify-name").inner_text()
    assert "سلمى بوعزة" in name
    assert page.locator("#verify-programme").inner_text() == "تطوير الويب"
    screenshot(page, "verify-valid-ar-phone")

    wrong = certificate.code[:-2] + ("ZZ" if not certificate.code.endswith("ZZ") else "YY")
    page.fill("#id_code", wrong)
    page.locator("#verify-submit").click()
    page.wait_for_selector("#verify-not-found")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("#verify-result").count() == 0
    assert "سلمى" not in page.locator("main").inner_text()
    screenshot(page, "verify-not-found-ar-phone")

    services.certificate_revoke(certificate=certificate, actor=coordinator, reason="Erreur")
    page.goto(live_server.url + f"/verify/{certificate.code}/")
    page.wait_for_selector("#verify-revoked")
    screenshot(page, "verify-revoked-ar-phone")
