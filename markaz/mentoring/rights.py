"""What this app holds about a person, for their file under law 09-08, and what erasing their
identity blanks here (registered with the registry in MentoringConfig.ready)."""

from django.utils.translation import gettext as _

from markaz.registry.selectors import section

from .models import (
    ActionPlan,
    ActionStep,
    Baseline,
    FollowUp,
    MentorAssignment,
    MentoringNote,
    MentoringParticipant,
    MentoringSession,
    Referral,
)


def person_records(person):
    plans = ActionPlan.objects.filter(person=person)
    return [
        section("mentors", _("Mentors"), MentorAssignment.objects.filter(person=person)),
        section("action_plan", _("Action plan"), plans),
        section(
            "action_steps", _("Steps of the action plan"), ActionStep.objects.filter(plan__in=plans)
        ),
        section("referrals", _("Referrals"), Referral.objects.filter(plan__in=plans)),
        section(
            "mentoring_notes", _("Mentoring notes"), MentoringNote.objects.filter(person=person)
        ),
        section(
            "mentoring_sessions",
            _("Mentoring sessions"),
            MentoringSession.objects.filter(
                pk__in=MentoringParticipant.objects.filter(person=person).values("session_id")
            ),
        ),
        section(
            "mentoring_attendance",
            _("Presence at mentoring sessions"),
            MentoringParticipant.objects.filter(person=person),
        ),
        section("baseline", _("Situation at intake"), Baseline.objects.filter(person=person)),
        section("followups", _("Follow-ups"), FollowUp.objects.filter(person=person)),
    ]


def person_erase_text(person):
    """Blank the free text a mentor wrote about the person (the facts the indicators read, the
    situations and dates, stay)."""
    MentoringNote.objects.filter(person=person).update(text="")
