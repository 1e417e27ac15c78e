"""Need to know (issue 12, §5): a trainer opens only the learners of their own cohorts and sees
only what teaching needs; a mentor opens only their mentees and sees what mentoring needs; the
CIN, date of birth, RSU index and disability stay with coordinators and administrators.

Personas: `coordinator`, `trainer` (teaches the cohort), `other_trainer_here` (a trainer of the
same centre who does not), `mentor` (holds the mentee), `other_mentor_here`."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from markaz.core.roles import Role
from markaz.mentoring.models import MentorAssignment
from markaz.registry.models import Person
from tests.factories import CohortFactory, EnrolmentFactory, PersonFactory, staff

pytestmark = pytest.mark.django_db

SECRETS = ("FK424242", "2001-07-14", "14/07/2001", "6.12", "Déficience auditive")


@pytest.fixture
def cohort(centre, trainer):
    cohort = CohortFactory(centre=centre)
    cohort.trainers.add(trainer)
    return cohort


@pytest.fixture
def learner(cohort):
    return EnrolmentFactory(
        cohort=cohort,
        person__first_name_latin="Samira",
        person__last_name_latin="Bennani",
        person__cin="FK424242",
        person__birth_date=dt.date(2001, 7, 14),
        person__phone="+212612345678",
        person__rsu_index=Decimal("6.12"),
        person__disability="Déficience auditive",
    ).person


@pytest.fixture
def stranger(centre):
    """An applicant of the same centre in nobody's cohort or caseload."""
    return PersonFactory(
        centre=centre, first_name_latin="Youssef", last_name_latin="Alaoui", cin="FK777777"
    )


@pytest.fixture
def mentee(learner, mentor, centre, coordinator):
    MentorAssignment.objects.create(
        centre=centre,
        person=learner,
        mentor=mentor,
        assigned_by=coordinator,
        assigned_at=timezone.now(),
    )
    return learner


@pytest.fixture
def other_trainer_here(centre):
    return staff("trainer-b", Role.TRAINER, centre)


@pytest.fixture
def other_mentor_here(centre):
    return staff("mentor-b", Role.MENTOR, centre)


def page(client, user, url, **params):
    client.force_login(user)
    response = client.get(url, params)
    client.logout()
    return response


def detail(person):
    return reverse("registry:person_detail", args=[person.pk])


def test_coordinator_sees_the_whole_record(client, coordinator, learner):
    body = page(client, coordinator, detail(learner)).content.decode()
    for secret in ("FK424242", "14/07/2001", "6", "Déficience auditive", "+212612345678"):
        assert secret in body


def test_trainer_sees_only_the_name_of_their_own_learner(client, trainer, learner):
    response = page(client, trainer, detail(learner))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Samira Bennani" in body
    for secret in (*SECRETS, "+212612345678", "612345678"):
        assert secret not in body


@pytest.mark.parametrize("persona", ["trainer", "mentor", "other_trainer_here"])
def test_trainer_and_mentor_cannot_open_someone_outside_their_work(
    client, request, stranger, learner, persona
):
    user = request.getfixturevalue(persona)
    assert page(client, user, detail(stranger)).status_code == 404
    if persona != "trainer":  # not their learner either
        assert page(client, user, detail(learner)).status_code == 404
    assert page(client, user, reverse("centre:person_badge", args=[stranger.pk])).status_code == 404


def test_mentor_sees_what_mentoring_needs_of_their_mentee(
    client, mentor, mentee, other_mentor_here
):
    response = page(client, mentor, detail(mentee))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Samira Bennani" in body and "+212612345678" in body
    assert reverse("mentoring:mentee_detail", args=[mentee.pk]) in body
    for secret in SECRETS:
        assert secret not in body
    assert page(client, other_mentor_here, detail(mentee)).status_code == 404


def test_registry_list_and_search_show_only_their_own_people_without_identity(
    client, trainer, mentor, mentee, stranger
):
    for user in (trainer, mentor):
        response = page(client, user, reverse("registry:person_list"))
        assert [p.pk for p in response.context["page"]] == [mentee.pk]
        body = response.content.decode()
        assert "FK424242" not in body and "Youssef" not in body
        # Searching by CIN or phone would reveal them a character at a time: names only.
        for query in ("FK4", "FK424242", "0612345678", "+212612345678", "Youssef"):
            found = page(client, user, reverse("registry:person_list"), q=query)
            assert list(found.context["page"]) == [], (user, query)
        found = page(client, user, reverse("registry:person_list"), q="Samira")
        assert [p.pk for p in found.context["page"]] == [mentee.pk]
    # The HTMX fragment too.
    client.force_login(trainer)
    rows = client.get(reverse("registry:person_list"), {"q": "Samira"}, HTTP_HX_REQUEST="true")
    assert "Samira" in rows.content.decode() and "FK424242" not in rows.content.decode()
    assert "+212612345678" not in rows.content.decode()


def test_selectors_refuse_whatever_the_template(trainer, mentor, mentee, stranger):
    from django.http import Http404

    from markaz.registry.selectors import person_card_for_user, person_get_for_user

    for user in (trainer, mentor):
        with pytest.raises(Http404):
            person_get_for_user(user, stranger.pk)
        card = person_card_for_user(user, mentee.pk)
        assert not hasattr(card, "cin") and not hasattr(card, "rsu_index")
        assert not hasattr(card, "birth_date") and not hasattr(card, "disability")
    assert person_card_for_user(trainer, mentee.pk).phone == ""
    assert person_card_for_user(mentor, mentee.pk).phone == "+212612345678"


def test_the_applications_fragment_is_for_coordinators(client, trainer, mentor, mentee):
    url = reverse("programmes:person_applications", args=[mentee.pk])
    for user in (trainer, mentor):
        assert page(client, user, url).status_code == 403


def test_cohort_page_names_learners_only_to_their_trainer(
    client, cohort, learner, trainer, other_trainer_here, mentor, coordinator
):
    url = reverse("programmes:cohort_detail", args=[cohort.pk])
    assert "Samira" in page(client, trainer, url).content.decode()
    assert "Samira" in page(client, coordinator, url).content.decode()
    for user in (other_trainer_here, mentor):
        response = page(client, user, url)
        assert response.status_code == 200 and "Samira" not in response.content.decode()
    badges = reverse("centre:cohort_badges", args=[cohort.pk])
    for user in (trainer, other_trainer_here, mentor):  # printing issues badges: coordinators
        assert page(client, user, badges).status_code == 403


def test_a_trainer_giving_a_session_of_the_cohort_sees_its_learners(
    client, centre, learner, other_trainer_here
):
    from markaz.centre.models import Session
    from tests.factories import RoomFactory

    cohort = learner.enrolments.get().cohort
    start = timezone.now().replace(microsecond=0)
    Session.objects.create(
        centre=centre,
        cohort=cohort,
        room=RoomFactory(centre=centre),
        trainer=other_trainer_here,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
    )
    assert page(client, other_trainer_here, detail(learner)).status_code == 200
    assert Person.objects.count() == 1


def test_trainer_sees_the_attendance_of_their_learner_in_their_cohorts(
    client, centre, cohort, learner, trainer
):
    from markaz.centre.models import Session
    from markaz.learning.models import AttendanceMark
    from tests.factories import RoomFactory

    room = RoomFactory(centre=centre)
    enrolment = learner.enrolments.get()
    start = timezone.now().replace(microsecond=0) - dt.timedelta(days=3)
    for day, status in enumerate(["present", "late", "absent"]):
        session = Session.objects.create(
            centre=centre,
            cohort=cohort,
            room=room,
            trainer=trainer,
            starts_at=start + dt.timedelta(days=day),
            ends_at=start + dt.timedelta(days=day, hours=2),
        )
        AttendanceMark.objects.create(session=session, enrolment=enrolment, status=status)
    body = page(client, trainer, detail(learner)).content.decode()
    assert cohort.code in body
    assert (
        "Présents : 2 (dont en retard : 1) · absents : 1 · excusés : 0 · séances pointées : 3"
        in (body)
    )
    assert reverse("learning:cohort_completion", args=[cohort.pk]) in body
    for secret in SECRETS:
        assert secret not in body
