"""Who may open the mentoring pages (403 for trainers, caravan staff and the provincial viewer),
every page in French and in Arabic, and the alerts page."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from markaz.centre.models import Session
from markaz.learning.models import AbsenceAlert
from markaz.mentoring import selectors, services
from markaz.mentoring.models import (
    FollowUp,
    MentoringNote,
    MentoringParticipant,
    MentoringSession,
)

from .conftest import assign

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(coordinator, mentor, mentee, other_mentee, mentoring_room, trainer):
    """One of everything, so every page has something to show."""
    plan = services.action_plan_save(person=mentee, goal="wage_job", summary="CV", actor=mentor)
    services.action_step_add(
        plan=plan, title="Inscription ANAPEC", due_on=timezone.localdate(), actor=mentor
    )
    services.referral_add(plan=plan, kind="anapec", referred_on=timezone.localdate(), actor=mentor)
    note = services.note_create(person=mentee, author=mentor, text="Premier entretien")
    start = timezone.now() - dt.timedelta(days=2)
    session = MentoringSession.objects.create(
        centre=mentee.centre,
        mentor=mentor,
        room=mentoring_room,
        kind="individual",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
    )
    MentoringParticipant.objects.create(session=session, person=mentee, attended=True)
    enrolment = mentee.enrolments.get()
    followup = FollowUp.objects.create(
        centre=mentee.centre,
        person=mentee,
        enrolment=enrolment,
        milestone="exit",
        due_on=timezone.localdate(),
    )
    return {
        "person": mentee,
        "note": note,
        "session": session,
        "followup": followup,
        "mentor": mentor,
    }


def pages(w):
    return [
        reverse("mentoring:caseloads"),
        reverse("mentoring:mentor_profile", args=[w["mentor"].pk]),
        reverse("mentoring:mentee_list"),
        reverse("mentoring:mentee_detail", args=[w["person"].pk]),
        reverse("mentoring:plan_edit", args=[w["person"].pk]),
        reverse("mentoring:baseline_edit", args=[w["person"].pk]),
        reverse("mentoring:note_create", args=[w["person"].pk]),
        reverse("mentoring:agenda"),
        reverse("mentoring:session_create"),
        reverse("mentoring:session_detail", args=[w["session"].pk]),
        reverse("mentoring:alerts"),
        reverse("mentoring:followup_list"),
        reverse("mentoring:followup_record", args=[w["followup"].pk]),
    ]


MANAGER_ONLY = {"caseloads", "profile"}


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_every_page_renders_in_french_and_arabic_for_a_coordinator(
    client, coordinator, world, language
):
    client.force_login(coordinator)
    client.cookies["markaz_language"] = language
    direction = "rtl" if language == "ar" else "ltr"
    for url in [*pages(world), reverse("mentoring:note_edit", args=[world["note"].pk])]:
        response = client.get(url)
        if url.endswith("/edit/"):  # a coordinator reads notes, only the author edits them
            assert response.status_code == 403, url
            continue
        assert response.status_code == 200, url
        assert f'<html lang="{language}" dir="{direction}">' in response.content.decode(), url


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_every_page_renders_for_the_mentor(client, mentor, world, language):
    client.force_login(mentor)
    client.cookies["markaz_language"] = language
    for url in [*pages(world), reverse("mentoring:note_edit", args=[world["note"].pk])]:
        response = client.get(url)
        expected = 403 if any(k in url for k in MANAGER_ONLY) else 200
        assert response.status_code == expected, url
    page = client.get(reverse("mentoring:mentee_detail", args=[world["person"].pk]))
    assert "سلمى" in page.content.decode()  # the Arabic name, in Arabic


@pytest.mark.parametrize("persona", ["trainer", "caravan_staff", "provincial_viewer"])
def test_other_roles_get_403_everywhere(request, client, persona, world):
    client.force_login(request.getfixturevalue(persona))
    for url in [*pages(world), reverse("mentoring:home")]:
        assert client.get(url).status_code == 403, url
    before = (MentoringNote.objects.count(), FollowUp.objects.filter(status="pending").count())
    assert (
        client.post(
            reverse("mentoring:note_create", args=[world["person"].pk]), {"text": "x"}
        ).status_code
        == 403
    )
    assert (
        client.post(
            reverse("mentoring:followup_record", args=[world["followup"].pk]),
            {"outcome": "unreached"},
        ).status_code
        == 403
    )
    assert (
        client.post(
            reverse("mentoring:assign"), {"person": world["person"].pk, "mentor": 1}
        ).status_code
        == 403
    )
    assert (
        MentoringNote.objects.count(),
        FollowUp.objects.filter(status="pending").count(),
    ) == before


def test_anonymous_is_sent_to_login(client, world):
    response = client.get(reverse("mentoring:followup_list"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_mentor_cannot_open_the_followup_of_someone_elses_mentee(
    client, world, other_mentee, mentor
):
    followup = FollowUp.objects.create(
        centre=other_mentee.centre,
        person=other_mentee,
        enrolment=other_mentee.enrolments.get(),
        milestone="exit",
        due_on=timezone.localdate(),
    )
    client.force_login(mentor)
    url = reverse("mentoring:followup_record", args=[followup.pk])
    assert client.get(url).status_code == 403
    response = client.post(url, {"outcome": "unreached"})
    assert response.status_code == 403
    followup.refresh_from_db()
    assert (followup.status, followup.attempts) == ("pending", 0)
    assert followup not in client.get(reverse("mentoring:followup_list")).context["due"]


def test_the_menu_shows_mentoring_to_mentors_and_coordinators_only(
    client, mentor, coordinator, trainer
):
    for user, shown in ((mentor, True), (coordinator, True), (trainer, False)):
        client.force_login(user)
        html = client.get(reverse("core:dashboard")).content.decode()
        assert (reverse("mentoring:home") in html) is shown, user


# --- Alerts ------------------------------------------------------------------------------------


def test_alerts_no_contact_overdue_steps_and_absences(
    client, mentor, coordinator, youth, mentor_profile, trainer, other_mentor, other_mentee
):
    today = timezone.localdate()
    quiet, busy, recent = youth[0], youth[2], youth[3]
    assign(quiet, mentor, days_ago=45)
    assign(busy, mentor, days_ago=45)
    assign(recent, mentor, days_ago=3)
    # Busy was met last week; quiet was never met, written about 40 days ago only.
    note = services.note_create(person=quiet, author=mentor, text="Ancienne note")
    MentoringNote.objects.filter(pk=note.pk).update(
        created_at=timezone.now() - dt.timedelta(days=40)
    )
    services.note_create(person=busy, author=mentor, text="Vue la semaine dernière")
    plan = services.action_plan_save(person=busy, goal="wage_job", summary="", actor=mentor)
    services.action_step_add(
        plan=plan, title="Déposer le CV", due_on=today - dt.timedelta(days=5), actor=mentor
    )
    enrolment = recent.enrolments.get()
    room = recent.centre.rooms.first()
    session = Session.objects.create(
        centre=recent.centre,
        cohort=enrolment.cohort,
        room=room,
        trainer=trainer,
        starts_at=timezone.now() - dt.timedelta(days=2),
        ends_at=timezone.now() - dt.timedelta(days=2, hours=-2),
    )
    AbsenceAlert.objects.create(centre=recent.centre, enrolment=enrolment, first_session=session)
    # Other mentor's mentee, never contacted for a long time: not the mentor's business.
    other_mentee.mentor_assignments.update(assigned_at=timezone.now() - dt.timedelta(days=90))

    rows = {r.assignment.person_id: r for r in selectors.alerts_for_user(mentor)}
    assert set(rows) == {quiet.pk, busy.pk, recent.pk}
    assert rows[quiet.pk].no_contact_days == 40
    assert rows[busy.pk].no_contact_days is None
    assert [s.title for s in rows[busy.pk].overdue_steps] == ["Déposer le CV"]
    assert len(rows[recent.pk].absences) == 1 and rows[recent.pk].no_contact_days is None

    everyone = {r.assignment.person_id for r in selectors.alerts_for_user(coordinator)}
    assert everyone == {quiet.pk, busy.pk, recent.pk, other_mentee.pk}

    client.force_login(mentor)
    html = client.get(reverse("mentoring:alerts")).content.decode()
    assert f'id="alert-{quiet.pk}"' in html and "alert-absence" in html
    assert f'id="alert-{other_mentee.pk}"' not in html
    # An attended session is a contact: the quiet mentee leaves the no-contact list.
    s = MentoringSession.objects.create(
        centre=quiet.centre,
        mentor=mentor,
        room=room,
        kind="individual",
        starts_at=timezone.now() - dt.timedelta(days=1),
        ends_at=timezone.now() - dt.timedelta(days=1, hours=-1),
    )
    MentoringParticipant.objects.create(session=s, person=quiet, attended=True)
    rows = {r.assignment.person_id: r for r in selectors.alerts_for_user(mentor)}
    assert quiet.pk not in rows
