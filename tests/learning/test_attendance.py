"""Attendance sheets: pre-filled from the door, confirmed by the session's trainer only, and
two consecutive absences notified once."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from markaz.core.models import OutboxMessage
from markaz.core.roles import Role
from markaz.learning import services
from markaz.learning.models import AbsenceAlert, AttendanceMark
from tests.factories import staff

from .conftest import at, make_session, visit

pytestmark = pytest.mark.django_db


def url(session):
    return reverse("learning:attendance", args=[session.pk])


def post_data(enrolments, *statuses):
    return {f"status-{e.pk}": s for e, s in zip(enrolments, statuses, strict=True)}


def test_sheet_is_prefilled_from_door_checkins(client, trainer, enrolments, session):
    start = session.starts_at
    salma, youssef, imane, omar = (e.person for e in enrolments)
    visit(salma, start - dt.timedelta(minutes=10), start + dt.timedelta(hours=2))
    visit(youssef, start + dt.timedelta(minutes=25))
    visit(imane, start - dt.timedelta(hours=3), start - dt.timedelta(hours=2))  # left before
    client.force_login(trainer)
    response = client.get(url(session))
    assert response.status_code == 200
    rows = {r.enrolment.pk: (r.status, r.from_door) for r in response.context["rows"]}
    assert rows == {
        enrolments[0].pk: ("present", True),
        enrolments[1].pk: ("late", True),
        enrolments[2].pk: ("absent", True),
        enrolments[3].pk: ("absent", True),
    }
    html = response.content.decode()
    assert f'id="mark-{enrolments[1].pk}" data-status="late"' in html
    assert 'id="save-attendance"' in html
    assert AttendanceMark.objects.count() == 0  # a suggestion is not a mark


def test_trainer_saves_the_sheet_and_confirmed_marks_win(client, trainer, enrolments, session):
    client.force_login(trainer)
    data = post_data(enrolments, "present", "late", "absent", "excused")
    response = client.post(url(session), data)
    assert response.status_code == 302
    marks = dict(AttendanceMark.objects.values_list("enrolment_id", "status"))
    assert marks == {e.pk: s for e, s in zip(enrolments, data.values(), strict=True)}
    assert set(AttendanceMark.objects.values_list("marked_by", flat=True)) == {trainer.pk}
    # The door says Omar came on time, but the trainer's confirmed mark stays.
    visit(enrolments[3].person, session.starts_at)
    rows = {r.enrolment.pk: r for r in client.get(url(session)).context["rows"]}
    assert (rows[enrolments[3].pk].status, rows[enrolments[3].pk].from_door) == ("excused", False)
    # Correcting one mark changes that one only.
    data[f"status-{enrolments[1].pk}"] = "present"
    client.post(url(session), data)
    assert AttendanceMark.objects.get(enrolment=enrolments[1]).status == "present"
    assert AttendanceMark.objects.count() == 4


def test_coordinator_of_the_centre_may_mark(client, coordinator, enrolments, session):
    client.force_login(coordinator)
    response = client.post(url(session), post_data(enrolments, *["present"] * 4))
    assert response.status_code == 302
    assert AttendanceMark.objects.count() == 4


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("colleague", 404),  # another trainer of the same centre
        ("other_trainer", 404),  # a trainer of another centre
        ("other_coordinator", 404),
        ("mentor", 403),
        ("provincial_viewer", 403),
    ],
)
def test_others_cannot_open_or_mark_a_session(
    request, client, centre, enrolments, session, persona, expected
):
    user = (
        staff("trainer-2", Role.TRAINER, centre)
        if persona == "colleague"
        else request.getfixturevalue(persona)
    )
    client.force_login(user)
    assert client.get(url(session)).status_code == expected
    response = client.post(url(session), post_data(enrolments, *["absent"] * 4))
    assert response.status_code == expected
    assert AttendanceMark.objects.count() == 0
    assert OutboxMessage.objects.count() == 0


def test_anonymous_is_sent_to_login(client, session):
    response = client.get(url(session))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_service_refuses_another_trainer_and_writes_nothing(centre, enrolments, session):
    colleague = staff("trainer-2", Role.TRAINER, centre)
    with pytest.raises(PermissionDenied):
        services.attendance_record(
            session=session, marks={e.pk: "present" for e in enrolments}, actor=colleague
        )
    assert AttendanceMark.objects.count() == 0


def test_bad_input_writes_nothing(client, trainer, enrolments, session):
    client.force_login(trainer)
    data = post_data(enrolments, "present", "late", "absent", "asleep")
    response = client.post(url(session), data)
    assert response.status_code == 200
    assert AttendanceMark.objects.count() == 0
    with pytest.raises(ValidationError):  # a learner missing from the sheet
        services.attendance_record(
            session=session, marks={enrolments[0].pk: "present"}, actor=trainer
        )
    assert AttendanceMark.objects.count() == 0


def test_a_future_session_cannot_be_marked_yet(client, trainer, cohort, enrolments):
    future = make_session(cohort, trainer, at(-2))
    client.force_login(trainer)
    page = client.get(url(future))
    assert page.status_code == 200 and 'id="not-open"' in page.content.decode()
    client.post(url(future), post_data(enrolments, *["present"] * 4))
    assert AttendanceMark.objects.count() == 0


def test_my_sessions_lists_only_my_sessions_this_week(client, centre, cohort, trainer):
    colleague = staff("trainer-2", Role.TRAINER, centre)
    mine_today = make_session(cohort, trainer, at(0, 8))
    theirs_today = make_session(cohort, colleague, at(0, 14))
    long_ago = make_session(cohort, trainer, at(30))
    client.force_login(trainer)
    response = client.get(reverse("learning:my_sessions"))
    assert response.status_code == 200
    listed = [s.pk for s in response.context["today"]] + [s.pk for s in response.context["week"]]
    assert mine_today.pk in [s.pk for s in response.context["today"]]
    assert theirs_today.pk not in listed and long_ago.pk not in listed
    assert f'id="session-{mine_today.pk}"' in response.content.decode()


def _mark(session, enrolments, trainer, *statuses):
    services.attendance_record(
        session=session,
        marks={e.pk: s for e, s in zip(enrolments, statuses, strict=True)},
        actor=trainer,
    )


def test_two_consecutive_absences_notify_mentors_and_coordinators_once(
    centre, trainer, coordinator, mentor, other_coordinator, enrolments, sessions
):
    s1, s2, s3, s4 = sessions
    _mark(s1, enrolments, trainer, "absent", "present", "present", "present")
    assert OutboxMessage.objects.count() == 0
    _mark(s2, enrolments, trainer, "absent", "absent", "present", "present")
    messages = OutboxMessage.objects.all()
    assert {m.recipient for m in messages} == {mentor, coordinator}  # not another centre's
    assert {m.kind for m in messages} == {"absence_streak"}
    assert all(m.centre == centre for m in messages)
    assert all("Salma Bouazza" in m.body and "سلمى بوعزة" in m.body for m in messages)
    assert AbsenceAlert.objects.get().enrolment == enrolments[0]

    _mark(s2, enrolments, trainer, "absent", "absent", "present", "present")  # saved again
    _mark(s3, enrolments, trainer, "absent", "absent", "present", "present")  # a third one
    alerts = AbsenceAlert.objects.order_by("pk")
    # Salma's run is the same run; Youssef's first run (s2, s3) is new.
    assert [(a.enrolment, a.first_session) for a in alerts] == [
        (enrolments[0], s1),
        (enrolments[1], s2),
    ]
    assert OutboxMessage.objects.count() == 4


def test_the_learners_own_mentor_is_told_not_the_others(
    centre, trainer, coordinator, mentor, enrolments, sessions
):
    from django.utils import timezone

    from markaz.core.roles import Role
    from markaz.mentoring.models import MentorAssignment
    from tests.factories import staff

    own = staff("mentor-own", Role.MENTOR, centre)
    MentorAssignment.objects.create(
        centre=centre, person=enrolments[0].person, mentor=own, assigned_at=timezone.now()
    )
    s1, s2, _s3, _s4 = sessions
    _mark(s1, enrolments, trainer, "absent", "present", "present", "present")
    _mark(s2, enrolments, trainer, "absent", "present", "present", "present")
    assert {m.recipient for m in OutboxMessage.objects.all()} == {own, coordinator}


def test_the_sheet_keeps_the_counters_the_reports_read(trainer, enrolments, sessions):
    """Session.present_count and Enrolment.marks_present/marks_total always equal a recount of
    the marks, also after a correction."""
    from markaz.learning.models import AttendanceMark

    s1, s2, _s3, _s4 = sessions
    _mark(s1, enrolments, trainer, "present", "late", "absent", "excused")
    _mark(s2, enrolments, trainer, "absent", "present", "present", "present")
    _mark(s1, enrolments, trainer, "present", "absent", "absent", "present")  # corrected
    for session in (s1, s2):
        session.refresh_from_db()
        recount = AttendanceMark.objects.filter(
            session=session, status__in=["present", "late"]
        ).count()
        assert session.present_count == recount
    assert [s.present_count for s in (s1, s2)] == [2, 3]
    for enrolment in enrolments:
        enrolment.refresh_from_db()
        marks = AttendanceMark.objects.filter(enrolment=enrolment)
        assert enrolment.marks_total == marks.count() == 2
        assert enrolment.marks_present == marks.filter(status__in=["present", "late"]).count()


def test_a_new_run_after_coming_back_is_notified_again(trainer, mentor, enrolments, sessions):
    s1, s2, s3, s4 = sessions
    more = [make_session(s1.cohort, trainer, at(d)) for d in (3, 2)]
    statuses = ["absent", "absent", "present", "absent", "excused", "absent"]
    for session, status in zip([s1, s2, s3, s4, *more], statuses, strict=True):
        _mark(session, enrolments, trainer, status, "present", "present", "present")
    assert [a.first_session for a in AbsenceAlert.objects.order_by("pk")] == [s1, s4]
    assert OutboxMessage.objects.filter(recipient=mentor).count() == 2


def test_marking_an_earlier_session_late_completes_a_run(trainer, mentor, enrolments, sessions):
    s1, s2, s3, s4 = sessions
    _mark(s3, enrolments, trainer, "absent", "present", "present", "present")
    _mark(s1, enrolments, trainer, "present", "present", "present", "present")
    assert OutboxMessage.objects.count() == 0
    _mark(s2, enrolments, trainer, "absent", "present", "present", "present")
    assert [a.first_session for a in AbsenceAlert.objects.all()] == [s2]
    assert OutboxMessage.objects.filter(recipient=mentor).count() == 1


def test_the_absence_alert_reaches_the_staff_members_phone_and_email(
    centre, trainer, coordinator, mentor, enrolments, sessions
):
    """Not only a list: the mentor's phone gets an SMS and the coordinator's address an
    e-mail; a staff member with neither shows as a failed message on the Messages page."""
    from markaz.core.models import StaffProfile

    StaffProfile.objects.filter(user=mentor).update(phone="+212661234567")
    coordinator.email = "coord@markaz.ma"
    coordinator.save()
    s1, s2, _s3, _s4 = sessions
    _mark(s1, enrolments, trainer, "absent", "present", "present", "present")
    _mark(s2, enrolments, trainer, "absent", "present", "present", "present")
    to_mentor = OutboxMessage.objects.get(recipient=mentor)
    to_coordinator = OutboxMessage.objects.get(recipient=coordinator)
    assert (to_mentor.channel, to_mentor.phone, to_mentor.status) == (
        "sms",
        "+212661234567",
        "queued",
    )
    assert (to_coordinator.channel, to_coordinator.email) == ("email", "coord@markaz.ma")
    StaffProfile.objects.filter(user=mentor).update(phone="")
    _mark(s2, enrolments, trainer, "absent", "present", "present", "present")  # saved again
    assert OutboxMessage.objects.count() == 2
