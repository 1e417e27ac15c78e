"""Caseloads: the suggested mentor and its reason, assignment and reassignment (history kept),
the caseload ceiling, and who sees which mentees."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from markaz.core.models import AuditEvent
from markaz.mentoring import rules, selectors, services
from markaz.mentoring.models import MentorAssignment, MentorProfile
from tests.factories import PersonFactory

from .conftest import assign

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        list(MentorAssignment.objects.order_by("pk").values_list("pk", "mentor_id", "ended_at")),
        AuditEvent.objects.count(),
    )


# --- The rule, without the database ------------------------------------------------------------


def cand(i, langs, tracks, load, cap=10):
    return rules.Candidate(i, f"M{i}", frozenset(langs), frozenset(tracks), load, cap)


@pytest.mark.parametrize(
    ("candidates", "expected", "speaks", "follows"),
    [
        # Both criteria beat a lighter caseload.
        ([cand(1, ["ar"], ["web"], 8), cand(2, ["ar"], [], 0)], 1, True, True),
        # Among those who fit, the least loaded.
        ([cand(1, ["ar"], ["web"], 8), cand(2, ["ar", "fr"], ["web"], 3)], 2, True, True),
        # The language comes before the track.
        ([cand(1, ["fr"], ["web"], 0), cand(2, ["ar"], ["office"], 5)], 2, True, False),
        ([cand(1, ["fr"], ["web"], 2), cand(2, ["fr"], ["office"], 0)], 1, False, True),
        ([cand(1, ["fr"], [], 2), cand(2, ["zgh"], [], 1)], 2, False, False),
        # A full caseload is never suggested.
        ([cand(1, ["ar"], ["web"], 10), cand(2, ["fr"], [], 9)], 2, False, False),
        # Ties: the lower share of the ceiling, then the name.
        ([cand(1, ["ar"], ["web"], 2, 4), cand(2, ["ar"], ["web"], 2, 20)], 2, True, True),
    ],
)
def test_suggest_mentor_rule(candidates, expected, speaks, follows):
    found = rules.suggest_mentor(candidates, language="ar", track="web")
    assert (found.candidate.mentor_id, found.speaks, found.follows) == (expected, speaks, follows)


def test_suggest_mentor_none_when_all_full():
    assert (
        rules.suggest_mentor([cand(1, ["ar"], ["web"], 3, 3)], language="ar", track="web") is None
    )
    assert rules.suggest_mentor([], language="ar", track="web") is None


# --- Suggestions with reasons ------------------------------------------------------------------


def test_suggestion_prefers_language_and_track_and_says_why(
    youth, mentor, mentor_profile, other_mentor
):
    with translation.override("en"):
        s = selectors.mentor_suggestion(youth[0])
    assert s.mentor == mentor
    assert "speaks Arabic" in s.reason and "Web development" in s.reason
    assert "(0 of 3)" in s.reason


def test_suggestion_falls_back_to_language_when_the_track_mentor_is_full(
    youth, mentor, mentor_profile, other_mentor
):
    for person in youth[1:4]:
        assign(person, mentor)
    with translation.override("en"):
        s = selectors.mentor_suggestion(youth[0])
    assert s.mentor == other_mentor
    assert s.reason.startswith("No mentor with room follows the Web development track")


def test_suggestion_for_a_french_speaker(youth, mentor, mentor_profile, other_mentor):
    youth[0].preferred_language = "fr"
    youth[0].save()
    mentor_profile.languages = ["ar"]
    mentor_profile.save()
    with translation.override("en"):
        s = selectors.mentor_suggestion(youth[0])
    assert s.mentor == mentor  # nobody speaks French: the track decides
    assert s.reason.startswith("No mentor with room speaks French")


# --- Assigning ---------------------------------------------------------------------------------


def test_coordinator_assigns_and_reassigning_keeps_history(
    coordinator, youth, mentor, mentor_profile, other_mentor
):
    first = services.assignment_create(person=youth[0], mentor=mentor, actor=coordinator)
    assert first.ended_at is None and first.assigned_by == coordinator
    second = services.assignment_create(person=youth[0], mentor=other_mentor, actor=coordinator)
    first.refresh_from_db()
    assert first.ended_at is not None
    assert second.ended_at is None
    assert list(
        MentorAssignment.objects.filter(person=youth[0]).values_list("mentor_id", flat=True)
    ) == [mentor.pk, other_mentor.pk]
    assert selectors.current_assignment(youth[0]) == second
    assert AuditEvent.objects.filter(action="mentor_assignment_end").count() == 1


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("same", "already followed"),
        ("full", "largest caseload"),
        ("not_enrolled", "Only a youth enrolled"),
        ("not_a_mentor", "not a mentor of this centre"),
    ],
)
def test_assignment_refusals_write_nothing(
    case, message, coordinator, centre, youth, mentor, mentor_profile, trainer
):
    person, chosen = youth[0], mentor
    if case == "same":
        services.assignment_create(person=person, mentor=mentor, actor=coordinator)
    elif case == "full":
        for p in youth[1:4]:
            assign(p, mentor)
    elif case == "not_enrolled":
        person = PersonFactory(centre=centre)
    elif case == "not_a_mentor":
        chosen = trainer
    before = snapshot()
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.assignment_create(person=person, mentor=chosen, actor=coordinator)
    assert message in " ".join(exc.value.messages)
    assert snapshot() == before


def test_only_coordinators_assign(mentor, mentor_profile, youth, trainer):
    before = snapshot()
    for actor in (mentor, trainer):
        with pytest.raises(PermissionDenied):
            services.assignment_create(person=youth[0], mentor=mentor, actor=actor)
    assert snapshot() == before


def test_end_an_assignment(coordinator, mentee):
    assignment = selectors.current_assignment(mentee)
    services.assignment_end(assignment=assignment, actor=coordinator)
    assert selectors.current_assignment(mentee) is None
    with pytest.raises(ValidationError):
        services.assignment_end(assignment=assignment, actor=coordinator)


def test_mentor_profile_save_and_bad_ceiling(coordinator, mentor, mentee):
    profile = services.mentor_profile_save(
        mentor=mentor,
        languages=["ar", "zgh"],
        tracks=["web", "ai"],
        max_caseload=12,
        actor=coordinator,
    )
    assert (profile.languages, profile.tracks, profile.max_caseload) == (
        ["ar", "zgh"],
        ["ai", "web"],
        12,
    )
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.mentor_profile_save(
            mentor=mentor, languages=["ar"], tracks=[], max_caseload=0, actor=coordinator
        )
    assert "between 1 and 200" in " ".join(exc.value.messages)
    assert MentorProfile.objects.get(user=mentor).max_caseload == 12


# --- Pages -------------------------------------------------------------------------------------


def test_caseloads_page_shows_loads_and_suggestions(
    client, coordinator, youth, mentee, other_mentor
):
    client.force_login(coordinator)
    response = client.get(reverse("mentoring:caseloads"))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="mentor-{mentee.mentor_assignments.get().mentor_id}" data-load="1"' in html
    assert f'id="youth-{mentee.pk}"' not in html  # already has a mentor
    assert f'id="youth-{youth[1].pk}"' in html
    rows = {r["person"].pk: r for r in response.context["rows"]}
    assert rows[youth[1].pk]["suggestion"].mentor is not None


def test_assign_from_the_page(client, coordinator, youth, mentor, mentor_profile):
    client.force_login(coordinator)
    response = client.post(
        reverse("mentoring:assign"), {"person": youth[2].pk, "mentor": mentor.pk}
    )
    assert response.status_code == 302
    assert selectors.current_assignment(youth[2]).mentor == mentor


def test_a_mentor_sees_only_their_own_mentees(client, mentor, mentee, other_mentee):
    client.force_login(mentor)
    response = client.get(reverse("mentoring:mentee_list"))
    assert response.status_code == 200
    assert [r["person"] for r in response.context["rows"]] == [mentee]
    assert client.get(reverse("mentoring:mentee_detail", args=[mentee.pk])).status_code == 200


def test_a_mentor_opening_someone_elses_mentee_is_told_why(client, mentor, mentee, other_mentee):
    client.force_login(mentor)
    before = AuditEvent.objects.count()
    with translation.override("en"):
        response = client.get(
            reverse("mentoring:mentee_detail", args=[other_mentee.pk]), HTTP_ACCEPT_LANGUAGE="en"
        )
    assert response.status_code == 403
    assert 'id="denied"' in response.content.decode()
    # Nor can they write on that youth's file.
    response = client.post(
        reverse("mentoring:note_create", args=[other_mentee.pk]), {"text": "Intrusion"}
    )
    assert response.status_code == 403
    assert AuditEvent.objects.count() == before
    assert not other_mentee.mentoring_notes.exists()


def test_coordinator_sees_every_mentee(client, coordinator, mentee, other_mentee):
    client.force_login(coordinator)
    response = client.get(reverse("mentoring:mentee_list"))
    assert {r["person"] for r in response.context["rows"]} == {mentee, other_mentee}
    response = client.get(
        reverse("mentoring:mentee_list")
        + f"?mentor={other_mentee.mentor_assignments.get().mentor_id}"
    )
    assert [r["person"] for r in response.context["rows"]] == [other_mentee]


def test_another_centres_person_is_not_found(client, coordinator, other_centre):
    stranger = PersonFactory(centre=other_centre)
    client.force_login(coordinator)
    assert client.get(reverse("mentoring:mentee_detail", args=[stranger.pk])).status_code == 404
