"""Retention under law 09-08 (art. 3): how long each kind of record is kept, as configuration
(``settings.MARKAZ_RETENTION``), and the pass that anonymises or deletes what is past it.

The pass never deletes a person: it replaces their identity (the registry's `person_anonymise`)
and keeps every link, so the indicators of past years stay exactly what they were. It is the
one write of this otherwise read-only app, because only here can the rules read the campaigns,
the enrolments and the follow-ups of every app below.

Rules (defaults in brackets):
- ``applicants``: people never enrolled, [3] years after the last campaign they applied to
  closed (or after their registration, when they never applied);
- ``learners``: people enrolled once, [3] years after their last follow-up (contacted or due;
  the end of their last cohort when there is none);
- ``presences``: door presences and door events, after [365] days;
- ``imports``: raw import files and intake-conflict copies, after [90] days.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from markaz.centre.models import DoorEvent, Presence
from markaz.core.services import audit_record
from markaz.mentoring.models import FollowUp
from markaz.programmes.models import Application, Enrolment
from markaz.registry.models import ImportBatch, IntakeConflict, Person
from markaz.registry.services import person_anonymise

DEFAULTS = {"applicants_years": 3, "learners_years": 3, "presences_days": 365, "imports_days": 90}


def retention_config() -> dict:
    return {**DEFAULTS, **getattr(settings, "MARKAZ_RETENTION", {})}


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


@dataclass
class RetentionPlan:
    applicants: list[int] = field(default_factory=list)
    learners: list[int] = field(default_factory=list)
    presences: int = 0
    door_events: int = 0
    import_files: int = 0
    intake_conflicts: int = 0

    def counts(self) -> dict:
        return {
            "applicants": len(self.applicants),
            "learners": len(self.learners),
            "presences": self.presences,
            "door_events": self.door_events,
            "import_files": self.import_files,
            "intake_conflicts": self.intake_conflicts,
        }


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _querysets(today: dt.date, config: dict):
    people = Person.objects.filter(anonymised_at__isnull=True, merged_into__isnull=True)
    enrolled = Enrolment.objects.values("person_id")

    applicant_cut = _years_before(today, config["applicants_years"])
    last_campaign = (
        Application.objects.values("person_id")
        .annotate(closed=Max("campaign__closes_on"))
        .filter(closed__gte=applicant_cut)
        .values("person_id")
    )
    registered_cut = _midnight(applicant_cut)
    applicants = people.exclude(pk__in=enrolled).exclude(pk__in=last_campaign)
    applicants = applicants.filter(
        Q(applications__isnull=False) | Q(created_at__lt=registered_cut)
    ).distinct()

    learner_cut = _years_before(today, config["learners_years"])
    recent_followup = (
        FollowUp.objects.annotate(day=Coalesce("contacted_on", "due_on"))
        .filter(Q(day__gte=learner_cut) | Q(status=FollowUp.Status.PENDING, due_on__gte=today))
        .values("person_id")
    )
    recent_cohort = Enrolment.objects.filter(cohort__end_date__gte=learner_cut).values("person_id")
    learners = (
        people.filter(pk__in=enrolled).exclude(pk__in=recent_followup).exclude(pk__in=recent_cohort)
    )

    presence_cut = _midnight(today - dt.timedelta(days=config["presences_days"]))
    presences = Presence.objects.filter(entered_at__lt=presence_cut, exited_at__isnull=False)
    door_events = DoorEvent.objects.filter(at__lt=presence_cut)

    import_cut = _midnight(today - dt.timedelta(days=config["imports_days"]))
    import_files = ImportBatch.objects.filter(created_at__lt=import_cut).exclude(
        content=b"", preview={}
    )
    conflicts = IntakeConflict.objects.filter(received_at__lt=import_cut)
    return applicants, learners, presences, door_events, import_files, conflicts


def retention_plan(*, today: dt.date | None = None, config: dict | None = None) -> RetentionPlan:
    """What is past its retention period today (nothing is changed)."""
    today = today or timezone.localdate()
    config = {**retention_config(), **(config or {})}
    applicants, learners, presences, door_events, import_files, conflicts = _querysets(
        today, config
    )
    return RetentionPlan(
        applicants=list(applicants.values_list("pk", flat=True)),
        learners=list(learners.values_list("pk", flat=True)),
        presences=presences.count(),
        door_events=door_events.count(),
        import_files=import_files.defer("content").count(),
        intake_conflicts=conflicts.count(),
    )


@transaction.atomic
def retention_apply(
    *, today: dt.date | None = None, config: dict | None = None, actor=None
) -> RetentionPlan:
    """Anonymise and delete what is past its retention period, in one transaction, and record
    the counts in the audit trail."""
    today = today or timezone.localdate()
    config = {**retention_config(), **(config or {})}
    plan = retention_plan(today=today, config=config)
    for person in Person.objects.filter(pk__in=plan.applicants + plan.learners).select_related(
        "centre"
    ):
        person_anonymise(person=person, actor=actor, reason="retention")
    _, _, presences, door_events, import_files, conflicts = _querysets(today, config)
    presences.delete()
    door_events.delete()
    # The preview keeps the file's first rows (names, CIN, birth dates): it goes with the file.
    import_files.update(content=b"", preview={})
    conflicts.delete()
    audit_record(actor=actor, action="retention_apply", detail={"counts": plan.counts(), **config})
    return plan
