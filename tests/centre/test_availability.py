"""Trainers' availability reaches the timetable solver: a solved timetable never puts a trainer
in a slot they cannot teach (recurring every week, or a dated absence in its weeks)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from markaz.centre import configuration, timetabling
from markaz.centre.models import OpeningHours, Room, Timetable, TrainerUnavailability
from tests.factories import RoomFactory, UserFactory, make_cohort

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(centre, programme):
    RoomFactory(centre=centre, name_fr="Atelier", kind=Room.Kind.APPLIED, capacity=20)
    programme.hours, programme.duration_weeks = 60, 10  # three sessions a week
    programme.save()
    trainer = UserFactory(username="t-avail")
    today = timezone.localdate()
    cohort = make_cohort(centre, programme, "AV1", 12, pattern="daytime")
    cohort.start_date, cohort.end_date = today - dt.timedelta(days=7), today + dt.timedelta(days=90)
    cohort.save()
    cohort.trainers.add(trainer)
    return cohort, trainer


def solve(centre, cohort, coordinator, capture, first_week, weeks=2):
    with capture(execute=True):
        tt = timetabling.timetable_start(
            centre=centre,
            name="Dispo",
            first_week=first_week,
            weeks=weeks,
            cohorts=[cohort],
            actor=coordinator,
            time_limit_s=10,
        )
    tt.refresh_from_db()
    return tt


def assigned_slots(tt):
    slots = {s["id"]: s for s in tt.instance["timeslots"]}
    return [slots[a["timeslot"]] for a in tt.result["assignments"]]


def test_a_trainer_is_never_timetabled_when_unavailable(
    centre, world, coordinator, django_capture_on_commit_callbacks
):
    cohort, trainer = world
    # Only Monday and Tuesday mornings free: every other daytime slot is unavailable.
    for weekday in (2, 3, 4):
        TrainerUnavailability.objects.create(centre=centre, trainer=trainer, weekday=weekday)
    for weekday in (0, 1):
        TrainerUnavailability.objects.create(
            centre=centre,
            trainer=trainer,
            weekday=weekday,
            start_time=dt.time(13),
            end_time=dt.time(23),
        )
    monday = timezone.localdate() + dt.timedelta(days=7 - timezone.localdate().weekday())
    tt = solve(centre, cohort, coordinator, django_capture_on_commit_callbacks, monday)
    assert tt.status == Timetable.Status.READY, tt.result.get("explanation")
    unavailable = set(tt.instance["trainers"][0]["unavailable"])
    assert {"wed-1", "thu-2", "fri-1", "mon-3", "tue-4"} <= unavailable
    assert "mon-1" not in unavailable
    used = assigned_slots(tt)
    assert len(used) == 3
    for s in used:
        assert s["day"] in ("mon", "tue") and s["end"] <= "13:00", s
        assert s["id"] not in unavailable
    timetabling.timetable_publish(timetable=tt, actor=coordinator)
    for session in tt.sessions.all():
        local = timezone.localtime(session.starts_at)
        assert local.weekday() in (0, 1) and local.hour < 13


def test_a_dated_absence_in_the_timetable_weeks_blocks_its_slots(
    centre, world, coordinator, django_capture_on_commit_callbacks
):
    cohort, trainer = world
    monday = timezone.localdate() + dt.timedelta(days=7 - timezone.localdate().weekday())
    # Absent on the second Wednesday and all the first week's Thursday and Friday.
    configuration.unavailability_create(
        centre=centre,
        trainer=trainer,
        weekday=None,
        date_from=monday + dt.timedelta(days=9),
        date_to=None,
        start_time=None,
        end_time=None,
        reason="Formation",
        actor=coordinator,
    )
    configuration.unavailability_create(
        centre=centre,
        trainer=trainer,
        weekday=None,
        date_from=monday + dt.timedelta(days=3),
        date_to=monday + dt.timedelta(days=4),
        start_time=None,
        end_time=None,
        reason="",
        actor=coordinator,
    )
    # An absence outside the timetable's weeks changes nothing.
    configuration.unavailability_create(
        centre=centre,
        trainer=trainer,
        weekday=None,
        date_from=monday + dt.timedelta(days=50),
        date_to=None,
        start_time=None,
        end_time=None,
        reason="",
        actor=coordinator,
    )
    tt = solve(centre, cohort, coordinator, django_capture_on_commit_callbacks, monday)
    assert tt.status == Timetable.Status.READY, tt.result.get("explanation")
    unavailable = set(tt.instance["trainers"][0]["unavailable"])
    days = {s.split("-")[0] for s in unavailable}
    assert days == {"wed", "thu", "fri"}
    for s in assigned_slots(tt):
        assert s["day"] not in ("wed", "thu", "fri")


def test_moving_a_session_onto_an_unavailability_is_refused(
    centre, world, coordinator, django_capture_on_commit_callbacks
):
    cohort, trainer = world
    monday = timezone.localdate() + dt.timedelta(days=7 - timezone.localdate().weekday())
    tt = solve(centre, cohort, coordinator, django_capture_on_commit_callbacks, monday, weeks=1)
    timetabling.timetable_publish(timetable=tt, actor=coordinator)
    session = tt.sessions.first()
    local = timezone.localtime(session.starts_at)
    target_day = local.date() + dt.timedelta(days=7)
    TrainerUnavailability.objects.create(
        centre=centre, trainer=trainer, date_from=target_day, date_to=target_day
    )
    target = session.starts_at + dt.timedelta(days=7)
    problems = timetabling.session_conflicts(session, target, session.room)
    assert any("trainer is unavailable" in p or "formateur" in p for p in problems), problems
    with pytest.raises(ValidationError):
        timetabling.session_move(session=session, starts_at=target, room=session.room, actor=None)
    session.refresh_from_db()
    assert timezone.localtime(session.starts_at) == local


def test_opening_hours_make_the_grid(centre):
    OpeningHours.objects.create(
        centre=centre,
        weekday=4,
        opens=dt.time(8, 30),
        closes=dt.time(19),
        break_start=dt.time(12),
        break_end=dt.time(15),
    )
    slots = timetabling.weekly_slots(centre=centre)
    assert [(s["id"], s["start"], s["end"]) for s in slots] == [
        ("fri-1", "08:30", "10:30"),
        ("fri-2", "15:00", "17:00"),
        ("fri-3", "17:00", "19:00"),
    ]
    # Ramadan keeps its own grid.
    assert any(s["day"] == "mon" for s in timetabling.weekly_slots(True, centre=centre))


def test_publishing_refuses_sessions_on_an_unavailability_entered_after_the_search(
    centre, world, coordinator, django_capture_on_commit_callbacks
):
    from markaz.centre.models import Session

    cohort, trainer = world
    monday = timezone.localdate() + dt.timedelta(days=7 - timezone.localdate().weekday())
    tt = solve(centre, cohort, coordinator, django_capture_on_commit_callbacks, monday, weeks=1)
    used_days = {s["day"] for s in assigned_slots(tt)}
    day_index = timetabling.DAYS.index(sorted(used_days)[0])
    TrainerUnavailability.objects.create(centre=centre, trainer=trainer, weekday=day_index)
    with pytest.raises(ValidationError) as exc:
        timetabling.timetable_publish(timetable=tt, actor=coordinator)
    message = exc.value.messages[0]
    assert "solve the timetable again" in message or "relancez la recherche" in message
    assert not Session.objects.exists()
    tt.refresh_from_db()
    assert tt.status == Timetable.Status.READY
