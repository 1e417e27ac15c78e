"""The building's last places, raced for at once by a class session (moved there), a mentoring
session and a children's visit, each from its own connection (PostgreSQL in CI): every booker
locks the centre row, so exactly one gets them and the others are refused, writing nothing."""

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from markaz.caravan import children
from markaz.caravan.models import ChildrenBooking, School, Workshop
from markaz.centre import occupancy, timetabling
from markaz.centre.models import Centre, Room, Session
from markaz.mentoring import services
from markaz.mentoring.models import MentoringSession
from markaz.territory.models import Commune
from tests.factories import RoomFactory

from .conftest import assign, at

pytestmark = pytest.mark.django_db(transaction=True)


def at_once(calls) -> list[str]:
    """Each call in its own thread (its own database connection), all released together."""
    barrier = threading.Barrier(len(calls))
    results, lock = {}, threading.Lock()

    def go(name, call):
        try:
            barrier.wait()
            call()
            outcome = "booked"
        except ValidationError:
            outcome = "refused"
        except Exception as exc:  # noqa: BLE001 - reported in the assertion
            outcome = f"error {type(exc).__name__}: {exc}"
        finally:
            connection.close()
        with lock:
            results[name] = outcome

    threads = [threading.Thread(target=go, args=item) for item in calls.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_a_class_a_mentoring_session_and_a_childrens_visit_race_for_the_last_places(
    centre, cohort, trainer, coordinator, mentor, mentor_profile, mentoring_room, youth, monkeypatch
):
    # Each booker pauses between reading the building's load and writing its booking: without
    # the centre's lock the three would all read an empty building and all book.
    real_load = occupancy.building_load

    def slow_load(*args, **kwargs):
        load = real_load(*args, **kwargs)
        time.sleep(0.5)
        return load

    monkeypatch.setattr(occupancy, "building_load", slow_load)
    # Each alone fits the building (10 places left at 14:00–16:00), no two together do:
    # the class brings its 10 seats, the mentoring session 2 youth, the visit 10 pupils.
    Centre.objects.filter(pk=centre.pk).update(max_occupancy=10)
    centre.refresh_from_db()
    cohort.seats = 10
    cohort.save(update_fields=["seats"])
    training = RoomFactory(centre=centre, capacity=24, kind=Room.Kind.TRAINING)
    RoomFactory(centre=centre, capacity=20, kind=Room.Kind.CHILDREN)
    lesson = Session.objects.create(
        centre=centre,
        cohort=cohort,
        room=training,
        trainer=trainer,
        starts_at=at(9),
        ends_at=at(11),
    )
    for person in youth[:2]:
        assign(person, mentor)
    school = School.objects.create(
        code="ep-race",
        name_fr="École Al Massira",
        name_ar="مدرسة المسيرة",
        commune=Commune.objects.get(code="berkane"),
        level=School.Level.PRIMARY,
        area=School.Area.URBAN,
        latitude="34.92000",
        longitude="-2.32000",
    )
    workshop = Workshop.objects.create(
        code="robot-race", title_fr="Robotique", title_ar="الروبوتيك", kind="robotics"
    )
    start, end = at(14), at(16)
    # Alone, each would be accepted.
    assert timetabling.session_conflicts(lesson, start, training) == []
    assert (
        children.booking_problems(centre=centre, starts_at=start, ends_at=end, girls=5, boys=5)
        == []
    )

    results = at_once(
        {
            "class": lambda: timetabling.session_move(
                session=lesson, starts_at=start, room=training, actor=coordinator
            ),
            "mentoring": lambda: services.mentoring_session_book(
                centre=centre,
                mentor=mentor,
                room=mentoring_room,
                kind="group",
                starts_at=start,
                ends_at=at(15),
                people=youth[:2],
                topic="CV",
                actor=coordinator,
            ),
            "children": lambda: children.booking_create(
                centre=centre,
                school=school,
                workshop=workshop,
                class_label="CM2",
                starts_at=start,
                ends_at=end,
                girls=5,
                boys=5,
                actor=coordinator,
            ),
        }
    )

    assert sorted(results.values()) == ["booked", "refused", "refused"], results
    assert occupancy.building_load(centre, start, end) <= 10
    # The refused ones wrote nothing: the class stayed at 09:00, no other session or visit.
    lesson.refresh_from_db()
    moved = lesson.starts_at == start
    assert moved == (results["class"] == "booked")
    assert MentoringSession.objects.exists() == (results["mentoring"] == "booked")
    assert ChildrenBooking.objects.exists() == (results["children"] == "booked")
