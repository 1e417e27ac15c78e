"""Mentoring sessions: a mentoring room, no double booking (mentoring or youth classes), opening
hours, and the building's maximum occupancy counting youth classes, children's bookings and
mentoring sessions together. A refused booking writes nothing."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from markaz.caravan import children
from markaz.caravan.models import ChildrenBooking, School, Workshop
from markaz.centre import occupancy
from markaz.centre.models import Closure, Room, Session
from markaz.core.models import AuditEvent
from markaz.mentoring import services
from markaz.mentoring.models import MentoringParticipant, MentoringSession
from markaz.territory.models import Commune
from tests.factories import CohortFactory, EnrolmentFactory, RoomFactory

from .conftest import DAY, assign, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def group(youth, mentor, mentee):
    """Salma, Youssef and Imane all followed by the mentor (room for 3 in their caseload)."""
    for person in youth[1:3]:
        assign(person, mentor)
    return youth[:3]


def book(centre, mentor, room, people, start, end, *, kind=None, actor=None, topic="CV"):
    return services.mentoring_session_book(
        centre=centre,
        mentor=mentor,
        room=room,
        kind=kind or ("individual" if len(people) == 1 else "group"),
        starts_at=start,
        ends_at=end,
        people=people,
        topic=topic,
        actor=actor or mentor,
    )


def snapshot():
    return (
        MentoringSession.objects.count(),
        MentoringParticipant.objects.count(),
        AuditEvent.objects.count(),
    )


def assert_refused(match: str, call) -> None:
    before = snapshot()
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        call()
    assert any(match in m for m in exc.value.messages), exc.value.messages
    assert snapshot() == before


def class_session(centre, trainer, seats, start, end, *, room=None, code=None):
    cohort = CohortFactory(centre=centre, code=code or f"C{seats}-{start:%H}", seats=seats)
    room = room or RoomFactory(centre=centre, capacity=max(seats, 1))
    return Session.objects.create(
        centre=centre, cohort=cohort, room=room, trainer=trainer, starts_at=start, ends_at=end
    )


def children_booking(centre, pupils, start, end):
    school = School.objects.create(
        code=f"ep-{start:%H%M}",
        name_fr="École Al Massira",
        name_ar="مدرسة المسيرة",
        commune=Commune.objects.get(code="berkane"),
        level=School.Level.PRIMARY,
        area=School.Area.URBAN,
        latitude="34.92000",
        longitude="-2.32000",
    )
    workshop, _ = Workshop.objects.get_or_create(
        code="robot-1",
        defaults={"title_fr": "Robotique", "title_ar": "الروبوتيك", "kind": "robotics"},
    )
    return ChildrenBooking.objects.create(
        centre=centre,
        school=school,
        workshop=workshop,
        class_label="CM2",
        starts_at=start,
        ends_at=end,
        girls=pupils // 2,
        boys=pupils - pupils // 2,
    )


def test_a_mentor_books_a_group_session_with_their_mentees(centre, mentor, group, mentoring_room):
    session = book(centre, mentor, mentoring_room, group, at(10), at(11))
    assert session.kind == "group"
    assert set(session.participants.all()) == set(group)
    assert AuditEvent.objects.filter(action="mentoring_session_book").count() == 1
    # It counts toward the building while it lasts.
    assert occupancy.building_load(centre, at(10), at(11)) == 3
    assert occupancy.building_load(centre, at(11), at(12)) == 0


def test_building_load_adds_classes_children_and_mentoring(
    centre, mentor, group, mentoring_room, trainer
):
    class_session(centre, trainer, 40, at(14), at(16))
    booking = children_booking(centre, 20, at(15), at(17))
    session = book(centre, mentor, mentoring_room, group, at(15, 30), at(16, 30))
    assert occupancy.building_load(centre, at(14), at(18)) == 63  # 15:30–16:00: 40 + 20 + 3
    assert occupancy.building_load(centre, at(16), at(18)) == 23  # the class has left
    assert occupancy.building_load(centre, at(14), at(18), exclude_booking=booking) == 43
    assert occupancy.building_load(centre, at(14), at(18), exclude_mentoring=session) == 60
    # A children's booking is checked against the same load, mentoring included: 63 + 40 > 100.
    assert "100" in " ".join(
        children.booking_problems(
            centre=centre, starts_at=at(15, 30), ends_at=at(16), girls=20, boys=20
        )
    )


def test_the_building_maximum_refuses_the_mentoring_session(
    centre, mentor, group, mentoring_room, trainer
):
    class_session(centre, trainer, 60, at(14), at(16))
    children_booking(centre, 38, at(14), at(16))
    # 60 + 38 = 98: one youth fits, three do not.
    assert_refused(
        "The building would hold 101 people at that time, over its maximum of 100",
        lambda: book(centre, mentor, mentoring_room, group, at(15), at(16)),
    )
    book(centre, mentor, mentoring_room, group[:1], at(15), at(16))
    # And a children's booking then sees the mentoring session in the building.
    space = RoomFactory(centre=centre, kind=Room.Kind.CHILDREN, name_fr="Enfants", capacity=30)
    assert space.pk
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        children.booking_create(
            centre=centre,
            school=School.objects.first(),
            workshop=Workshop.objects.first(),
            class_label="CE6",
            starts_at=at(15),
            ends_at=at(16),
            girls=1,
            boys=1,
        )
    assert any("would hold 101 people" in m for m in exc.value.messages)


def test_the_room_is_not_double_booked(
    centre, mentor, mentee, mentoring_room, other_mentor, other_mentee, trainer
):
    book(centre, mentor, mentoring_room, [mentee], at(10), at(11))
    assert_refused(
        "already booked from 10:00 to 11:00",
        lambda: book(centre, other_mentor, mentoring_room, [other_mentee], at(10, 30), at(11, 30)),
    )
    # A youth class in the same room at that time also blocks it.
    class_session(centre, trainer, 5, at(14), at(16), room=mentoring_room)
    assert_refused(
        "holds a class of cohort",
        lambda: book(centre, other_mentor, mentoring_room, [other_mentee], at(15), at(16)),
    )
    # Right after the first session, the room is free again.
    book(centre, other_mentor, mentoring_room, [other_mentee], at(11), at(12))


def test_the_mentor_is_not_double_booked(centre, mentor, group, mentoring_room):
    other_room = RoomFactory(centre=centre, kind=Room.Kind.MENTORING, name_fr="Enc. 2", capacity=6)
    book(centre, mentor, mentoring_room, group[:1], at(10), at(11))
    assert_refused(
        "already has a session at that time",
        lambda: book(centre, mentor, other_room, group[1:2], at(10, 30), at(11)),
    )


def test_a_youth_is_not_in_two_sessions_at_once(
    centre, mentor, mentee, mentoring_room, other_mentor, coordinator
):
    other_room = RoomFactory(centre=centre, kind=Room.Kind.MENTORING, name_fr="Enc. 2", capacity=6)
    book(centre, mentor, mentoring_room, [mentee], at(10), at(11))
    assert_refused(
        "Salma Bouazza already has a mentoring session at that time",
        lambda: book(
            centre, other_mentor, other_room, [mentee], at(10, 30), at(11), actor=coordinator
        ),
    )


@pytest.mark.parametrize(
    ("start", "end", "match"),
    [
        (at(8), at(10), "open 09:00–13:00, 14:00–22:00"),  # before opening
        (at(12, 30), at(14, 30), "open"),  # across the lunch break
        (at(11), at(10), "end must come after the start"),
        (at(10, day=DAY + dt.timedelta(days=5)), at(15, day=DAY + dt.timedelta(days=5)), "open"),
    ],
)
def test_outside_opening_hours_is_refused(
    centre, mentor, mentee, mentoring_room, start, end, match
):
    assert_refused(match, lambda: book(centre, mentor, mentoring_room, [mentee], start, end))


def test_a_closed_day_is_refused(centre, mentor, mentee, mentoring_room):
    Closure.objects.create(centre=centre, date=DAY, reason_fr="Fête", reason_ar="عيد")
    assert_refused("closed", lambda: book(centre, mentor, mentoring_room, [mentee], at(10), at(11)))


def test_only_a_mentoring_room(centre, mentor, mentee):
    training = centre.rooms.get(kind=Room.Kind.TRAINING)
    assert_refused(
        "is not a mentoring room",
        lambda: book(centre, mentor, training, [mentee], at(10), at(11)),
    )


def test_kind_and_number_of_youth(centre, mentor, group, mentoring_room):
    assert_refused(
        "exactly one youth",
        lambda: book(centre, mentor, mentoring_room, group[:2], at(10), at(11), kind="individual"),
    )
    assert_refused(
        "at least two youth",
        lambda: book(centre, mentor, mentoring_room, group[:1], at(10), at(11), kind="group"),
    )
    small = RoomFactory(centre=centre, kind=Room.Kind.MENTORING, name_fr="Box", capacity=2)
    assert_refused("seats 2 people", lambda: book(centre, mentor, small, group, at(10), at(11)))


def test_a_mentor_cannot_book_someone_elses_mentee(
    centre, mentor, mentee, other_mentee, mentoring_room, other_mentor
):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        book(centre, mentor, mentoring_room, [other_mentee], at(10), at(11))
    with pytest.raises(PermissionDenied):
        book(centre, other_mentor, mentoring_room, [mentee], at(10), at(11), actor=mentor)
    assert snapshot() == before


def test_a_coordinator_books_for_a_mentor(centre, coordinator, mentor, mentee, mentoring_room):
    session = book(centre, mentor, mentoring_room, [mentee], at(10), at(11), actor=coordinator)
    assert session.mentor == mentor


def test_attendance_after_the_start_only(centre, mentor, mentee, mentoring_room):
    start = timezone.now() + dt.timedelta(days=3)
    session = MentoringSession.objects.create(
        centre=centre,
        mentor=mentor,
        room=mentoring_room,
        kind="individual",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
    )
    MentoringParticipant.objects.create(session=session, person=mentee)
    with pytest.raises(ValidationError):
        services.mentoring_attendance_record(
            session=session, attended={mentee.pk: True}, actor=mentor
        )
    assert MentoringParticipant.objects.get().attended is None
    services.mentoring_attendance_record(
        session=session,
        attended={mentee.pk: True},
        actor=mentor,
        now=start + dt.timedelta(minutes=5),
    )
    assert MentoringParticipant.objects.get().attended is True
    # A future session can be cancelled; a past one cannot.
    with pytest.raises(ValidationError):
        services.mentoring_session_cancel(
            session=session, actor=mentor, now=start + dt.timedelta(minutes=5)
        )
    services.mentoring_session_cancel(session=session, actor=mentor)
    assert not MentoringSession.objects.exists()


# --- Pages -------------------------------------------------------------------------------------


def form_data(mentor, room, people, **overrides):
    data = {
        "mentor": mentor.pk,
        "kind": "individual" if len(people) == 1 else "group",
        "room": room.pk,
        "date": DAY.isoformat(),
        "start_time": "10:00",
        "end_time": "11:00",
        "topic": "Préparer l'entretien",
        "people": [p.pk for p in people],
    }
    data.update(overrides)
    return data


def test_book_from_the_page_and_see_it_in_the_agenda_and_the_week(
    client, centre, mentor, mentee, mentoring_room, trainer
):
    client.force_login(mentor)
    response = client.post(
        reverse("mentoring:session_create"), form_data(mentor, mentoring_room, [mentee])
    )
    assert response.status_code == 302
    session = MentoringSession.objects.get()
    agenda = client.get(reverse("mentoring:agenda") + f"?week={DAY.isoformat()}")
    assert f'id="session-{session.pk}"' in agenda.content.decode()
    assert client.get(reverse("mentoring:session_detail", args=[session.pk])).status_code == 200
    # The centre's week view shows it in the room's week, styled apart.
    week = client.get(reverse("centre:week") + f"?week={DAY.isoformat()}&room={mentoring_room.pk}")
    assert 'class="list-group-item bg-info-subtle' in week.content.decode()
    assert f'id="mentoring-{session.pk}"' in week.content.decode()
    client.force_login(trainer)  # trainers see the calendar, not who takes part
    week = client.get(reverse("centre:week") + f"?week={DAY.isoformat()}")
    assert f'id="mentoring-{session.pk}"' in week.content.decode()
    assert mentee.first_name_latin not in week.content.decode()


def test_a_refused_booking_says_why_on_the_page(client, centre, mentor, mentee, mentoring_room):
    client.force_login(mentor)
    client.cookies["markaz_language"] = "fr"
    response = client.post(
        reverse("mentoring:session_create"),
        form_data(mentor, mentoring_room, [mentee], start_time="12:30", end_time="14:30"),
    )
    assert response.status_code == 400
    assert 'id="session-problems"' in response.content.decode()
    assert not MentoringSession.objects.exists()


def test_the_mentor_marks_attendance_on_the_page(client, centre, mentor, mentee, mentoring_room):
    start = timezone.now() - dt.timedelta(hours=2)
    session = MentoringSession.objects.create(
        centre=centre,
        mentor=mentor,
        room=mentoring_room,
        kind="individual",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
    )
    MentoringParticipant.objects.create(session=session, person=mentee)
    client.force_login(mentor)
    url = reverse("mentoring:session_detail", args=[session.pk])
    assert client.post(url, {f"came-{mentee.pk}": "1"}).status_code == 302
    assert MentoringParticipant.objects.get().attended is True
    client.post(url, {})
    assert MentoringParticipant.objects.get().attended is False


def test_another_mentors_session_is_not_found(
    client, centre, mentor, mentee, mentoring_room, other_mentor
):
    session = book(centre, mentor, mentoring_room, [mentee], at(10), at(11))
    client.force_login(other_mentor)
    assert client.get(reverse("mentoring:session_detail", args=[session.pk])).status_code == 404
    assert client.post(reverse("mentoring:session_cancel", args=[session.pk])).status_code == 404
    assert MentoringSession.objects.filter(pk=session.pk).exists()


def test_enrolment_factory_counts_seats(cohort, youth):
    cohort.refresh_from_db()
    assert cohort.enrolled == len(youth)
    EnrolmentFactory(cohort=cohort)
    cohort.refresh_from_db()
    assert cohort.enrolled == len(youth) + 1
