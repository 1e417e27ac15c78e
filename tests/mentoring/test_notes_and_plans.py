"""Notes (read by their author and the coordinators, edited by their author only) and action
plans (goal, dated steps, referrals)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from markaz.core.models import AuditEvent
from markaz.mentoring import selectors, services
from markaz.mentoring.models import ActionPlan, ActionStep, MentoringNote, Referral

pytestmark = pytest.mark.django_db


@pytest.fixture
def note(mentor, mentee):
    return services.note_create(person=mentee, author=mentor, text="Motivée, cherche un stage.")


# --- Notes -------------------------------------------------------------------------------------


def test_a_mentor_writes_and_edits_their_note(mentor, mentee, note):
    assert note.author == mentor and note.centre_id == mentee.centre_id
    services.note_update(note=note, actor=mentor, text="Stage trouvé chez un imprimeur.")
    note.refresh_from_db()
    assert note.text == "Stage trouvé chez un imprimeur."


def test_notes_are_read_by_their_author_and_coordinators_only(
    client, mentor, coordinator, other_mentor, mentee, note, trainer, provincial_viewer
):
    assert list(selectors.notes_visible(mentor, mentee)) == [note]
    assert list(selectors.notes_visible(coordinator, mentee)) == [note]
    # Reassigned to another mentor: they do not read the first mentor's notes.
    services.assignment_create(person=mentee, mentor=other_mentor, actor=coordinator)
    assert list(selectors.notes_visible(other_mentor, mentee)) == []
    client.force_login(other_mentor)
    page = client.get(reverse("mentoring:mentee_detail", args=[mentee.pk]))
    assert page.status_code == 200 and note.text not in page.content.decode()
    client.force_login(coordinator)
    page = client.get(reverse("mentoring:mentee_detail", args=[mentee.pk]))
    assert note.text in page.content.decode()
    for persona in (trainer, provincial_viewer):
        client.force_login(persona)
        assert client.get(reverse("mentoring:mentee_detail", args=[mentee.pk])).status_code == 403


@pytest.mark.parametrize("persona", ["other_mentor", "coordinator"])
def test_only_the_author_edits_a_note_and_nothing_changes(request, client, persona, note):
    actor = request.getfixturevalue(persona)
    before = (note.text, note.updated_at, AuditEvent.objects.count())
    with translation.override("en"), pytest.raises(PermissionDenied) as exc:
        services.note_update(note=note, actor=actor, text="Changé par un autre")
    assert "Only the author of a note can change it" in str(exc.value)
    client.force_login(actor)
    url = reverse("mentoring:note_edit", args=[note.pk])
    response = client.post(url, {"text": "Changé par un autre"}, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 403
    assert 'id="denied"' in response.content.decode()
    note.refresh_from_db()
    assert (note.text, note.updated_at, AuditEvent.objects.count()) == before


def test_an_empty_note_is_refused(client, mentor, mentee):
    client.force_login(mentor)
    response = client.post(reverse("mentoring:note_create", args=[mentee.pk]), {"text": "   "})
    assert response.status_code == 400
    assert not MentoringNote.objects.exists()


def test_a_note_tied_to_a_session_the_youth_attended_only(mentor, mentee, youth, mentoring_room):
    from markaz.mentoring.models import MentoringParticipant, MentoringSession

    start = timezone.now() - dt.timedelta(days=1)
    session = MentoringSession.objects.create(
        centre=mentee.centre,
        mentor=mentor,
        room=mentoring_room,
        kind="individual",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
    )
    MentoringParticipant.objects.create(session=session, person=youth[3])
    with pytest.raises(ValidationError):
        services.note_create(person=mentee, author=mentor, text="x", session=session)
    MentoringParticipant.objects.create(session=session, person=mentee)
    note = services.note_create(person=mentee, author=mentor, text="Bonne séance", session=session)
    assert note.session == session


def test_note_pages(client, mentor, mentee, note):
    client.force_login(mentor)
    assert client.get(reverse("mentoring:note_create", args=[mentee.pk])).status_code == 200
    response = client.post(reverse("mentoring:note_edit", args=[note.pk]), {"text": "Corrigé"})
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.text == "Corrigé"


# --- Action plans ------------------------------------------------------------------------------


def test_a_plan_with_steps_and_referrals(mentor, mentee):
    plan = services.action_plan_save(
        person=mentee, goal="self_employment", summary="Atelier de couture", actor=mentor
    )
    today = timezone.localdate()
    step = services.action_step_add(
        plan=plan,
        title="Monter le dossier INDH",
        due_on=today + dt.timedelta(days=10),
        actor=mentor,
    )
    services.action_step_set_done(step=step, done=True, actor=mentor)
    step.refresh_from_db()
    assert step.done_on == today
    referral = services.referral_add(
        plan=plan,
        kind="indh",
        organisation="DAS Berkane",
        referred_on=today,
        status="sent",
        amount_mad=None,
        actor=mentor,
    )
    services.referral_update(referral=referral, status="accepted", amount_mad="85000", actor=mentor)
    referral.refresh_from_db()
    assert (referral.status, referral.amount_mad) == ("accepted", Decimal("85000.00"))
    # Saving the plan again updates it (one plan per youth).
    services.action_plan_save(person=mentee, goal="cooperative", summary="", actor=mentor)
    assert ActionPlan.objects.get().goal == "cooperative"


@pytest.mark.parametrize(
    ("amount", "referred_in", "match"),
    [
        ("-100", 0, "cannot be negative"),
        ("99000000", 0, "largest plausible amount"),
        ("1000", 3, "cannot be in the future"),
    ],
)
def test_bad_referrals_write_nothing(mentor, mentee, amount, referred_in, match):
    plan = services.action_plan_save(person=mentee, goal="wage_job", summary="", actor=mentor)
    before = (Referral.objects.count(), AuditEvent.objects.count())
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.referral_add(
            plan=plan,
            kind="microcredit",
            referred_on=timezone.localdate() + dt.timedelta(days=referred_in),
            amount_mad=amount,
            actor=mentor,
        )
    assert match in " ".join(exc.value.messages)
    assert (Referral.objects.count(), AuditEvent.objects.count()) == before


def test_another_mentor_cannot_touch_the_plan(mentor, mentee, other_mentor):
    plan = services.action_plan_save(person=mentee, goal="wage_job", summary="", actor=mentor)
    with pytest.raises(PermissionDenied):
        services.action_step_add(
            plan=plan, title="x", due_on=timezone.localdate(), actor=other_mentor
        )
    assert not ActionStep.objects.exists()


def test_plan_pages(client, mentor, mentee):
    client.force_login(mentor)
    url = reverse("mentoring:plan_edit", args=[mentee.pk])
    assert client.get(url).status_code == 200
    assert (
        client.post(url, {"goal": "wage_job", "summary": "Développeur junior"}).status_code == 302
    )
    response = client.post(
        reverse("mentoring:step_add", args=[mentee.pk]),
        {"step-title": "CV en français", "step-due_on": "2030-01-10"},
    )
    assert response.status_code == 302
    step = ActionStep.objects.get()
    client.post(reverse("mentoring:step_done", args=[step.pk]), {"done": "1"})
    step.refresh_from_db()
    assert step.done_on is not None
    client.post(
        reverse("mentoring:referral_add", args=[mentee.pk]),
        {
            "referral-kind": "anapec",
            "referral-referred_on": timezone.localdate().isoformat(),
            "referral-status": "sent",
            "referral-amount_mad": "",
        },
    )
    referral = Referral.objects.get()
    client.post(
        reverse("mentoring:referral_update", args=[referral.pk]),
        {f"r{referral.pk}-status": "refused", f"r{referral.pk}-amount_mad": ""},
    )
    referral.refresh_from_db()
    assert referral.status == "refused"
    page = client.get(reverse("mentoring:mentee_detail", args=[mentee.pk])).content.decode()
    assert "CV en français" in page and f'id="referral-{referral.pk}"' in page
