"""Children's-space bookings: opening hours, pupils, the space's capacity, the building's cap
with youth sessions at the same time. A refused booking writes nothing."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from markaz.caravan import children
from markaz.caravan.models import ChildrenBooking, School, Workshop
from markaz.centre import occupancy
from markaz.centre.models import Closure, Room, Session
from markaz.core.models import AuditEvent
from markaz.core.roles import Role
from markaz.territory.models import Commune
from tests.factories import RoomFactory, make_cohort, staff

pytestmark = pytest.mark.django_db
DAY = dt.date(2030, 1, 8)  # a Tuesday: open 09:00–13:00 and 14:00–22:00


def at(hour: int, minute: int = 0, day: dt.date = DAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def space(centre):
    return RoomFactory(
        centre=centre, kind=Room.Kind.CHILDREN, name_fr="Espace enfants", capacity=30
    )


@pytest.fixture
def school(territory):
    return School.objects.create(
        code="ep-berkane-1",
        name_fr="École Al Massira",
        name_ar="مدرسة المسيرة",
        commune=Commune.objects.get(code="berkane"),
        level=School.Level.PRIMARY,
        area=School.Area.URBAN,
        latitude="34.92000",
        longitude="-2.32000",
    )


@pytest.fixture
def workshop(db):
    return Workshop.objects.create(
        code="robot-1", title_fr="Robotique", title_ar="الروبوتيك", kind=Workshop.Kind.ROBOTICS
    )


def book(centre, school, workshop, start, end, girls=10, boys=10, **kw):
    return children.booking_create(
        centre=centre,
        school=school,
        workshop=workshop,
        class_label=kw.pop("class_label", "CE6-A"),
        starts_at=start,
        ends_at=end,
        girls=girls,
        boys=boys,
        actor=kw.pop("actor", None),
    )


def session(centre, programme, trainer, code, seats, start, end):
    room = RoomFactory(centre=centre, capacity=max(seats, 1))
    cohort = make_cohort(centre, programme, code, seats)
    return Session.objects.create(
        centre=centre, cohort=cohort, room=room, trainer=trainer, starts_at=start, ends_at=end
    )


def assert_refused(match: str, call) -> None:
    before = (ChildrenBooking.objects.count(), AuditEvent.objects.count())
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        call()
    assert any(match in m for m in exc.value.messages), exc.value.messages
    assert (ChildrenBooking.objects.count(), AuditEvent.objects.count()) == before


def test_a_booking_within_the_rules_is_saved_and_shows_in_the_calendar(
    centre, space, school, workshop, coordinator
):
    booking = book(centre, school, workshop, at(9, 30), at(11), actor=coordinator)
    assert booking.pupils == 20
    assert list(children.bookings_between(centre, at(0), at(23))) == [booking]
    assert list(children.bookings_between(centre, at(11), at(12))) == []  # ends at 11:00
    assert AuditEvent.objects.filter(action="children_booking_create").count() == 1


def test_no_pupil_is_refused(centre, space, school, workshop):
    assert_refused(
        "at least one pupil", lambda: book(centre, school, workshop, at(10), at(11), 0, 0)
    )


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (at(8), at(10)),  # before opening
        (at(12), at(14, 30)),  # across the lunch break
        (at(21), at(23)),  # after closing
        (at(15, day=dt.date(2030, 1, 13)), at(16, day=dt.date(2030, 1, 13))),  # Sunday afternoon
    ],
)
def test_outside_opening_hours_is_refused(centre, space, school, workshop, start, end):
    assert_refused("open", lambda: book(centre, school, workshop, start, end))


def test_a_closure_day_is_refused(centre, space, school, workshop):
    Closure.objects.create(centre=centre, date=DAY, reason_fr="Fête", reason_ar="عيد")
    assert_refused("closed", lambda: book(centre, school, workshop, at(10), at(11)))


def test_end_before_start_is_refused(centre, space, school, workshop):
    assert_refused("after the start", lambda: book(centre, school, workshop, at(11), at(10)))


def test_the_space_capacity_counts_the_classes_already_there(centre, space, school, workshop):
    assert_refused(
        "children's space holds 30",
        lambda: book(centre, school, workshop, at(10), at(11), girls=16, boys=15),
    )
    book(centre, school, workshop, at(10), at(12), girls=10, boys=10)
    assert_refused(
        "20 are already booked",
        lambda: book(centre, school, workshop, at(11), at(13), girls=6, boys=5),
    )
    # Right after the first class leaves, the space is free again.
    book(centre, school, workshop, at(12), at(13), girls=15, boys=15)
    assert ChildrenBooking.objects.count() == 2


def test_without_a_children_space_nothing_is_booked(centre, school, workshop):
    assert_refused("no children's space", lambda: book(centre, school, workshop, at(10), at(11)))


def test_the_building_cap_counts_overlapping_youth_sessions(
    centre, space, school, workshop, programme, trainer
):
    session(centre, programme, trainer, "W1", 90, at(14), at(16))
    assert_refused(
        "would hold 105 people",
        lambda: book(centre, school, workshop, at(15), at(17), girls=8, boys=7),
    )
    # Ten pupils fit (90 + 10 = 100, the maximum).
    book(centre, school, workshop, at(15), at(16), girls=5, boys=5)
    # A session that does not overlap does not count.
    book(centre, school, workshop, at(16), at(18), girls=15, boys=15)
    assert ChildrenBooking.objects.count() == 2


def test_the_building_cap_uses_the_peak_not_the_sum(
    centre, space, school, workshop, programme, trainer
):
    """Two sessions one after the other never share the building: the peak is 60, not 120."""
    session(centre, programme, trainer, "A", 60, at(14), at(16))
    session(centre, programme, trainer, "B", 60, at(16), at(18))
    assert occupancy.building_load(centre, at(14), at(18)) == 60
    book(centre, school, workshop, at(14), at(18), girls=20, boys=10)
    assert occupancy.building_load(centre, at(14), at(18)) == 90


def test_refusals_list_every_problem_at_once(centre, space, school, workshop, programme, trainer):
    session(centre, programme, trainer, "W1", 95, at(18), at(20))
    with pytest.raises(ValidationError) as exc:
        book(centre, school, workshop, at(19), at(23), girls=20, boys=20)
    assert len(exc.value.messages) == 3  # hours, space capacity, building
    assert ChildrenBooking.objects.count() == 0


def test_cancel_a_future_booking_but_not_a_past_one(centre, space, school, workshop):
    booking = book(centre, school, workshop, at(10), at(11))
    children.booking_cancel(booking=booking)
    assert not ChildrenBooking.objects.exists()
    past = ChildrenBooking.objects.create(
        centre=centre,
        school=school,
        workshop=workshop,
        class_label="6A",
        starts_at=timezone.now() - dt.timedelta(days=2),
        ends_at=timezone.now() - dt.timedelta(days=2, hours=-1),
        girls=3,
        boys=4,
    )
    with pytest.raises(ValidationError):
        children.booking_cancel(booking=past)
    assert ChildrenBooking.objects.filter(pk=past.pk).exists()


# --- Pages --------------------------------------------------------------------------------------


def form_data(school_, workshop_, **overrides):
    data = {
        "school": school_.pk,
        "workshop": workshop_.pk,
        "class_label": "CE6-B",
        "date": DAY.isoformat(),
        "start_time": "10:00",
        "end_time": "11:30",
        "girls": "12",
        "boys": "11",
    }
    data.update(overrides)
    return data


@pytest.mark.urls("tests.caravan")
@pytest.mark.parametrize("persona", ["coordinator", "admin_user", "caravan_staff"])
def test_staff_of_the_centre_book_and_cancel(client, request, persona, space, school, workshop):
    client.force_login(request.getfixturevalue(persona))
    page = client.get(reverse("caravan:booking_list"))
    assert page.status_code == 200
    response = client.post(reverse("caravan:booking_create"), form_data(school, workshop))
    assert response.status_code == 302
    booking = ChildrenBooking.objects.get()
    assert (booking.girls, booking.boys, booking.class_label) == (12, 11, "CE6-B")
    assert timezone.localtime(booking.starts_at).time() == dt.time(10)
    assert "CE6-B" in client.get(reverse("caravan:booking_list")).content.decode()
    client.post(reverse("caravan:booking_cancel", args=[booking.pk]))
    assert not ChildrenBooking.objects.exists()


@pytest.mark.urls("tests.caravan")
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"start_time": "13:00", "end_time": "14:30"}, "__all__"),  # the lunch break
        ({"girls": "0", "boys": "0"}, "__all__"),
        ({"girls": "20", "boys": "20"}, "__all__"),  # over the space's 30
        ({"girls": "-1"}, "girls"),
        ({"date": "not a date"}, "date"),
        ({"school": "999999"}, "school"),
    ],
)
def test_bad_input_says_why_and_writes_nothing(
    client, coordinator, space, school, workshop, overrides, field
):
    client.force_login(coordinator)
    response = client.post(
        reverse("caravan:booking_create"), form_data(school, workshop, **overrides)
    )
    assert response.status_code == 400
    errors = response.context["form"].errors[field]
    assert errors and all(escape(e) in response.content.decode() for e in errors)
    assert not ChildrenBooking.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="children_booking").exists()


@pytest.mark.urls("tests.caravan")
@pytest.mark.parametrize("persona", ["provincial_viewer", "trainer", "mentor"])
def test_others_cannot_book(client, request, persona, space, school, workshop):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("caravan:booking_list")).status_code == 403
    response = client.post(reverse("caravan:booking_create"), form_data(school, workshop))
    assert response.status_code == 403
    assert not ChildrenBooking.objects.exists()


@pytest.mark.urls("tests.caravan")
def test_another_centres_booking_cannot_be_cancelled(
    client, centre, other_centre, space, school, workshop
):
    RoomFactory(centre=other_centre, kind=Room.Kind.CHILDREN, name_fr="Enfants", capacity=30)
    booking = book(other_centre, school, workshop, at(10), at(11))
    client.force_login(staff("caravan-ahfir-2", Role.CARAVAN, centre))
    response = client.post(reverse("caravan:booking_cancel", args=[booking.pk]))
    assert response.status_code == 404
    assert ChildrenBooking.objects.filter(pk=booking.pk).exists()


@pytest.mark.urls("tests.caravan")
def test_cancel_needs_post(client, coordinator, space, school, workshop):
    booking = book(coordinator.staff_profile.centre, school, workshop, at(10), at(11))
    client.force_login(coordinator)
    assert client.get(reverse("caravan:booking_cancel", args=[booking.pk])).status_code == 405
    assert ChildrenBooking.objects.filter(pk=booking.pk).exists()
