import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from markaz.centre import timetabling
from markaz.centre.models import Closure, Room, Session, Timetable
from tests.factories import RoomFactory, UserFactory, make_cohort

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(centre, programme, coordinator):
    RoomFactory(centre=centre, name_fr="Atelier", kind=Room.Kind.APPLIED, capacity=20)
    programme.hours, programme.duration_weeks = 60, 10  # three sessions a week
    programme.save()
    trainers = [UserFactory(username=f"t{i}") for i in range(2)]
    today = timezone.localdate()
    cohorts = []
    for i, pattern in enumerate(["evening", "daytime"]):
        c = make_cohort(centre, programme, f"T{i}", 12, pattern=pattern)
        c.start_date, c.end_date = today - dt.timedelta(days=7), today + dt.timedelta(days=60)
        c.save()
        c.trainers.add(trainers[i])
        cohorts.append(c)
    return cohorts


def solve(centre, cohorts, coordinator, capture, weeks=2):
    with capture(execute=True):
        tt = timetabling.timetable_start(
            centre=centre,
            name="Automne",
            first_week=timezone.localdate(),
            weeks=weeks,
            cohorts=cohorts,
            actor=coordinator,
            time_limit_s=10,
        )
    tt.refresh_from_db()
    return tt


def test_solve_publish_and_no_double_booking(
    centre, setup, coordinator, django_capture_on_commit_callbacks
):
    tt = solve(centre, setup, coordinator, django_capture_on_commit_callbacks)
    assert tt.status == Timetable.Status.READY and tt.job.status == "done", tt.result.get(
        "explanation"
    )
    assert tt.result["status"] in ("optimal", "feasible")
    n = timetabling.timetable_publish(timetable=tt, actor=coordinator)
    assert n == Session.objects.count() > 0
    for s in Session.objects.select_related("cohort"):
        local = timezone.localtime(s.starts_at)
        if s.cohort.schedule_pattern == "evening":
            assert local.hour >= 18 and local.weekday() < 5
        else:
            assert local.hour < 18 and local.weekday() < 5
    with pytest.raises(ValidationError):
        timetabling.timetable_publish(timetable=tt, actor=coordinator)
    assert Session.objects.count() == n


def test_closed_days_get_no_session(centre, setup, coordinator, django_capture_on_commit_callbacks):
    tt = solve(centre, setup, coordinator, django_capture_on_commit_callbacks, weeks=1)
    monday = tt.first_week
    for i in range(7):
        Closure.objects.create(
            centre=centre, date=monday + dt.timedelta(days=i), reason_fr="Fête", reason_ar="عيد"
        )
    assert timetabling.timetable_publish(timetable=tt, actor=coordinator) == 0


def test_impossible_timetable_is_explained(
    centre, programme, coordinator, django_capture_on_commit_callbacks
):
    c = make_cohort(centre, programme, "HUGE", 80, pattern="weekend")
    c.trainers.add(UserFactory(username="t9"))
    tt = solve(centre, [c], coordinator, django_capture_on_commit_callbacks)
    assert tt.status == Timetable.Status.INFEASIBLE
    assert "HUGE" in tt.result["explanation"] and "HUGE" in tt.result["explanation_ar"]


def test_cohort_without_trainer_is_refused(centre, programme, coordinator):
    c = make_cohort(centre, programme, "NOTR", 10)
    with pytest.raises(ValidationError):
        timetabling.timetable_start(
            centre=centre,
            name="x",
            first_week=timezone.localdate(),
            weeks=1,
            cohorts=[c],
            actor=coordinator,
        )
    assert Timetable.objects.count() == 0


@pytest.fixture
def published(centre, setup, coordinator, django_capture_on_commit_callbacks):
    tt = solve(centre, setup, coordinator, django_capture_on_commit_callbacks)
    timetabling.timetable_publish(timetable=tt, actor=coordinator)
    return tt


def test_manual_move_conflicts_are_listed_and_nothing_moves(centre, published, coordinator):
    a = Session.objects.filter(cohort__code="T0").first()
    b = Session.objects.filter(cohort__code="T1").first()
    before = (a.starts_at, a.room_id)
    with pytest.raises(ValidationError) as exc:
        timetabling.session_move(session=a, starts_at=b.starts_at, room=b.room, actor=coordinator)
    assert any(b.room.name in m for m in exc.value.messages)
    a.refresh_from_db()
    assert (a.starts_at, a.room_id) == before


def test_manual_move_respects_the_building(centre, published, coordinator):
    a = Session.objects.filter(cohort__code="T0").first()
    centre.max_occupancy = 11  # the cohort alone is 12
    centre.save()
    with pytest.raises(ValidationError) as exc:
        timetabling.session_move(
            session=a, starts_at=a.starts_at + dt.timedelta(hours=1), room=a.room, actor=coordinator
        )
    assert any("11" in m for m in exc.value.messages)


def test_manual_move_counts_mentoring_and_the_childrens_space(centre, published, coordinator):
    """A move is refused when a mentoring session and a school class already fill the building
    at that time, and when a mentoring session holds the room; nothing moves."""
    from markaz.caravan.models import ChildrenBooking, School, Workshop
    from markaz.mentoring.models import MentoringParticipant, MentoringSession
    from markaz.territory.models import Commune
    from tests.factories import PersonFactory

    a = Session.objects.filter(cohort__code="T0").first()
    before = (a.starts_at, a.room_id)
    target = a.starts_at + dt.timedelta(days=1, hours=-5)
    if Session.objects.filter(starts_at=target).exists():
        target += dt.timedelta(minutes=30)
    end = target + (a.ends_at - a.starts_at)
    centre.max_occupancy = a.cohort.seats + 3
    centre.save()
    school = School.objects.create(
        code="s-move",
        name_fr="École",
        name_ar="مدرسة",
        commune=Commune.objects.first(),
        level="primaire",
        area="urban",
        latitude=34.9,
        longitude=-2.3,
    )
    workshop = Workshop.objects.create(
        code="w-move", title_fr="Robots", title_ar="روبوت", kind="robotics", levels=["primaire"]
    )
    ChildrenBooking.objects.create(
        centre=centre,
        school=school,
        workshop=workshop,
        class_label="CE6",
        starts_at=target,
        ends_at=end,
        girls=1,
        boys=1,
    )
    mentoring_room = RoomFactory(centre=centre, kind=Room.Kind.MENTORING, capacity=6)
    mentoring = MentoringSession.objects.create(
        centre=centre,
        mentor=UserFactory(username="mentor-move"),
        room=mentoring_room,
        kind="group",
        starts_at=target,
        ends_at=end,
    )
    for _ in range(2):
        MentoringParticipant.objects.create(session=mentoring, person=PersonFactory(centre=centre))
    with pytest.raises(ValidationError) as exc:
        timetabling.session_move(session=a, starts_at=target, room=a.room, actor=coordinator)
    assert any(str(centre.max_occupancy) in m for m in exc.value.messages)
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        timetabling.session_move(
            session=a, starts_at=target, room=mentoring_room, actor=coordinator
        )
    assert any("booked for mentoring" in m for m in exc.value.messages)
    a.refresh_from_db()
    assert (a.starts_at, a.room_id) == before


def test_manual_move_to_a_free_time(centre, published, coordinator):
    a = Session.objects.filter(cohort__code="T0").first()
    target = a.starts_at + dt.timedelta(days=1, hours=-5)
    if Session.objects.filter(starts_at=target).exists():
        target += dt.timedelta(minutes=30)
    timetabling.session_move(session=a, starts_at=target, room=a.room, actor=coordinator)
    a.refresh_from_db()
    assert a.starts_at == target


def test_week_views_and_ical(client, centre, published, coordinator):
    from icalendar import Calendar

    client.force_login(coordinator)
    cohort = Session.objects.first().cohort
    first = Session.objects.order_by("starts_at").first()
    week = timezone.localtime(first.starts_at).date().isoformat()
    page = client.get(reverse("centre:week"), {"cohort": cohort.pk, "week": week})
    assert page.status_code == 200 and cohort.code in page.content.decode()
    token = page.context["ical"]
    feed = client.get(reverse("centre:ical", args=[token]))
    cal = Calendar.from_ical(feed.content)
    events = list(cal.walk("VEVENT"))
    assert len(events) == Session.objects.filter(cohort=cohort).count()
    assert client.get(reverse("centre:ical", args=["forged"])).status_code == 404
    assert client.get(reverse("centre:timetable_detail", args=[published.pk])).status_code == 200


def test_trainer_cannot_build_or_move(client, centre, published, trainer):
    client.force_login(trainer)
    assert client.get(reverse("centre:timetable_list")).status_code == 403
    s = Session.objects.first()
    assert client.post(reverse("centre:session_move", args=[s.pk]), {}).status_code == 403


def test_ramadan_weeks_use_their_own_grid(
    centre, setup, coordinator, django_capture_on_commit_callbacks
):
    from markaz.centre.models import HoursPeriod

    monday = timezone.localdate() - dt.timedelta(days=timezone.localdate().weekday())
    HoursPeriod.objects.create(
        centre=centre,
        start_date=monday + dt.timedelta(days=7),
        end_date=monday + dt.timedelta(days=13),
    )
    ordinary = solve(centre, setup, coordinator, django_capture_on_commit_callbacks, weeks=2)
    assert not ordinary.ramadan
    timetabling.timetable_publish(timetable=ordinary, actor=coordinator)
    # The ordinary timetable is not laid out on the Ramadan week...
    assert not Session.objects.filter(starts_at__date__gte=monday + dt.timedelta(days=7)).exists()
    with django_capture_on_commit_callbacks(execute=True):
        tt = timetabling.timetable_start(
            centre=centre,
            name="Ramadan",
            first_week=monday + dt.timedelta(days=7),
            weeks=1,
            cohorts=setup,
            actor=coordinator,
            time_limit_s=10,
        )
    tt.refresh_from_db()
    assert tt.ramadan and tt.status == Timetable.Status.READY
    timetabling.timetable_publish(timetable=tt, actor=coordinator)
    # ...which gets the Ramadan hours: no session in the fasting afternoon.
    ramadan_sessions = Session.objects.filter(timetable=tt)
    assert ramadan_sessions.exists()
    for s in ramadan_sessions:
        assert timezone.localtime(s.starts_at).hour in (10, 13, 21)


def test_cancel_a_future_session_tells_its_learners_and_frees_the_slot(
    client, centre, published, coordinator
):
    from markaz.core.models import AuditEvent, OutboxMessage
    from markaz.programmes.models import Enrolment
    from tests.factories import PersonFactory

    session = Session.objects.filter(starts_at__gt=timezone.now()).order_by("starts_at").first()
    for phone, language in (("+212612345678", "ar"), ("+212612345679", "fr"), ("", "ar")):
        person = PersonFactory(centre=centre, phone=phone, preferred_language=language)
        Enrolment.objects.create(cohort=session.cohort, person=person)
    client.force_login(coordinator)
    url = reverse("centre:session_cancel", args=[session.pk])
    # It asks first, with the number of SMS; without the confirmation nothing is sent.
    page = client.get(url, {"reason": "formateur malade"})
    learners = session.cohort.enrolments.filter(withdrawn_at__isnull=True)
    with_phone = learners.exclude(person__phone="").count()
    assert f"{with_phone} apprenants recevront un SMS" in page.content.decode()
    assert client.post(url, {"reason": "formateur malade"}).status_code == 400
    assert Session.objects.filter(pk=session.pk).exists()
    assert not OutboxMessage.objects.filter(kind="session_cancelled").exists()
    response = client.post(url, {"reason": "formateur malade", "confirm": "yes"})
    assert response.status_code == 302
    assert not Session.objects.filter(pk=session.pk).exists()
    texts = list(OutboxMessage.objects.filter(kind="session_cancelled").order_by("phone"))
    assert [m.phone for m in texts] == ["+212612345678", "+212612345679"]  # no phone, no SMS
    assert all("formateur malade" in m.body and session.cohort.code in m.body for m in texts)
    assert AuditEvent.objects.filter(action="session_cancel").count() == 1


def test_cancel_is_refused_without_reason_after_the_start_or_with_marks(
    client, centre, published, coordinator, trainer
):
    from markaz.core.models import OutboxMessage
    from markaz.learning.models import AttendanceMark
    from markaz.programmes.models import Enrolment
    from tests.factories import PersonFactory

    future = Session.objects.filter(starts_at__gt=timezone.now()).order_by("starts_at").first()
    with pytest.raises(ValidationError):
        timetabling.session_cancel(session=future, reason="  ", actor=coordinator)
    with pytest.raises(ValidationError):
        timetabling.session_cancel(
            session=future, reason="x", actor=coordinator, now=future.starts_at
        )
    enrolment = Enrolment.objects.create(cohort=future.cohort, person=PersonFactory(centre=centre))
    AttendanceMark.objects.create(session=future, enrolment=enrolment, status="present")
    with pytest.raises(ValidationError):
        timetabling.session_cancel(session=future, reason="x", actor=coordinator)
    assert Session.objects.filter(pk=future.pk).exists()
    assert not OutboxMessage.objects.filter(kind="session_cancelled").exists()
    client.force_login(trainer)
    assert (
        client.post(
            reverse("centre:session_cancel", args=[future.pk]), {"reason": "x", "confirm": "yes"}
        ).status_code
        == 403
    )
