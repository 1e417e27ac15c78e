"""Writes for jobs and businesses. Each function checks the actor, validates every rule with a
message in words (a ValidationError keyed by field) before writing anything, and runs in one
transaction."""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from markaz.core.access import has_role, user_centre_id
from markaz.core.validation import clean_phone
from markaz.programmes.models import Programme, SchedulePattern
from markaz.registry.models import EducationLevel, Person

from . import selectors
from .models import (
    BusinessCreation,
    BusinessProject,
    Candidacy,
    Employer,
    EmployerContact,
    FinancingApplication,
    JobWish,
    Opportunity,
    Placement,
    PostCreationVisit,
    Sector,
)

MAX_AMOUNT_MAD = Decimal("100000000")
MAX_HOURS_PER_WEEK = 60
VISIT_MONTHS = (3, 6, 12)

Status = Candidacy.Status
# Where a candidacy may go from each status (hired is recorded with `candidacy_hire`).
NEXT_STATUSES = {
    Status.PROPOSED: {Status.SENT, Status.NOT_RETAINED},
    Status.SENT: {Status.INTERVIEW, Status.NOT_RETAINED},
    Status.INTERVIEW: {Status.NOT_RETAINED},
    Status.HIRED: {Status.STARTED},
    Status.STARTED: set(),
    Status.NOT_RETAINED: set(),
    Status.LEFT: set(),
}


def _require_jobs(actor, centre_id: int) -> None:
    if not has_role(actor, selectors.JOBS_ROLES) or user_centre_id(actor) != centre_id:
        raise PermissionDenied


def _require_person(actor, person: Person) -> None:
    _require_jobs(actor, person.centre_id)
    if not selectors.can_work_person(actor, person):
        raise selectors.not_your_youth()


def _amount(value, errors: dict, field: str, *, required: bool = False) -> Decimal | None:
    if value in (None, ""):
        if required:
            errors[field] = _("Give the amount in dirhams.")
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors[field] = _("Give the amount in dirhams, for example 2500.")
        return None
    if not amount.is_finite():
        errors[field] = _("Give the amount in dirhams, for example 2500.")
        return None
    if amount < 0:
        errors[field] = _("An amount cannot be below zero.")
        return None
    if amount > MAX_AMOUNT_MAD:
        errors[field] = _("This amount is too large: check the figure.")
        return None
    return amount.quantize(Decimal("0.01"))


def _past_or_today(day, errors: dict, field: str, today: dt.date, *, required=True) -> None:
    if day is None:
        if required:
            errors[field] = _("Give the date.")
    elif day > today:
        errors[field] = _("This date cannot be in the future.")


# --- Employers -------------------------------------------------------------------------------


@transaction.atomic
def employer_save(
    *,
    centre,
    employer: Employer | None = None,
    name: str,
    kind: str,
    sector: str,
    commune,
    address: str = "",
    actor,
) -> Employer:
    _require_jobs(actor, centre.pk)
    errors = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = _("Give the employer's name.")
    elif (
        Employer.objects.filter(centre=centre, name__iexact=name)
        .exclude(pk=employer.pk if employer else None)
        .exists()
    ):
        errors["name"] = _("An employer with this name is already recorded.")
    if kind not in Employer.Kind.values:
        errors["kind"] = _("Choose the kind of employer.")
    if sector not in Sector.values:
        errors["sector"] = _("Choose the sector.")
    if commune is None:
        errors["commune"] = _("Choose the commune.")
    if errors:
        raise ValidationError(errors)
    employer = employer or Employer(centre=centre)
    employer.name, employer.kind, employer.sector = name, kind, sector
    employer.commune, employer.address = commune, (address or "").strip()
    employer.full_clean()
    employer.save()
    return employer


@transaction.atomic
def employer_contact_add(
    *,
    employer: Employer,
    name: str,
    position: str = "",
    phone: str = "",
    email: str = "",
    consent_on: dt.date | None,
    consent_method: str,
    actor,
    today: dt.date | None = None,
) -> EmployerContact:
    """A contact person, kept only with their consent (when and how it was given)."""
    _require_jobs(actor, employer.centre_id)
    today = today or timezone.localdate()
    errors = {}
    if not (name or "").strip():
        errors["name"] = _("Give the contact's name.")
    try:
        phone = clean_phone(phone)
    except ValidationError as exc:
        errors["phone"] = exc.messages[0]
    if not phone and not (email or "").strip():
        errors["phone"] = _("Give a phone number or an e-mail address.")
    if consent_on is None or consent_method not in EmployerContact.ConsentMethod.values:
        errors["consent_on"] = _(
            "Record the contact's consent (date and how) before keeping their phone or e-mail."
        )
    elif consent_on > today:
        errors["consent_on"] = _("This date cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    contact = EmployerContact(
        employer=employer,
        name=name.strip(),
        position=(position or "").strip(),
        phone=phone,
        email=(email or "").strip(),
        consent_on=consent_on,
        consent_method=consent_method,
        recorded_by=actor,
    )
    contact.full_clean()
    contact.save()
    return contact


# --- Opportunities ---------------------------------------------------------------------------


@transaction.atomic
def opportunity_save(
    *,
    centre,
    opportunity: Opportunity | None = None,
    employer: Employer | None,
    title: str,
    kind: str,
    description: str = "",
    skills: list[str] | None = None,
    min_education: str = "",
    commune,
    pattern: str = SchedulePattern.DAYTIME,
    hours_per_week: int | None,
    pay_mad,
    places: int | None,
    closes_on: dt.date | None,
    starts_on: dt.date | None = None,
    duration_weeks: int | None = None,
    tutor: str = "",
    status: str = Opportunity.Status.OPEN,
    actor,
    today: dt.date | None = None,
) -> Opportunity:
    """Create or edit an opportunity. The closing date may not be in the past when the
    opportunity is created (or when it is changed); a wage or stipend is never below zero."""
    _require_jobs(actor, centre.pk)
    today = today or timezone.localdate()
    errors = {}
    skills = list(skills or [])
    if employer is None or employer.centre_id != centre.pk:
        errors["employer"] = _("Choose the employer.")
    if not (title or "").strip():
        errors["title"] = _("Give the opportunity a title.")
    if kind not in Opportunity.Kind.values:
        errors["kind"] = _("Choose the kind of opportunity.")
    if any(s not in Programme.Track.values for s in skills):
        errors["skills"] = _("Choose skills from the list.")
    if min_education and min_education not in EducationLevel.values:
        errors["min_education"] = _("Choose an education level from the list.")
    if commune is None:
        errors["commune"] = _("Choose the commune.")
    if pattern not in SchedulePattern.values:
        errors["pattern"] = _("Choose the time of day.")
    if hours_per_week is None or not 1 <= hours_per_week <= MAX_HOURS_PER_WEEK:
        errors["hours_per_week"] = _("Give the hours per week, between 1 and %(max)s.") % {
            "max": MAX_HOURS_PER_WEEK
        }
    pay = _amount(pay_mad, errors, "pay_mad", required=True)
    if places is None or places < 1:
        errors["places"] = _("Give at least one place.")
    if closes_on is None:
        errors["closes_on"] = _("Give the closing date.")
    elif closes_on < today and (opportunity is None or closes_on != opportunity.closes_on):
        errors["closes_on"] = _("The closing date cannot be in the past.")
    if status not in Opportunity.Status.values:
        errors["status"] = _("Unknown status.")
    if kind == Opportunity.Kind.INTERNSHIP and starts_on and closes_on and starts_on < closes_on:
        errors["starts_on"] = _("The internship starts after the closing date.")
    if errors:
        raise ValidationError(errors)
    opportunity = opportunity or Opportunity(centre=centre, created_by=actor)
    for field, value in {
        "employer": employer,
        "title": title.strip(),
        "kind": kind,
        "description": (description or "").strip(),
        "skills": skills,
        "min_education": min_education or "",
        "commune": commune,
        "pattern": pattern,
        "hours_per_week": hours_per_week,
        "pay_mad": pay,
        "places": places,
        "closes_on": closes_on,
        "starts_on": starts_on,
        "duration_weeks": duration_weeks,
        "tutor": (tutor or "").strip(),
        "status": status,
    }.items():
        setattr(opportunity, field, value)
    opportunity.full_clean()
    opportunity.save()
    return opportunity


# --- Wishes ----------------------------------------------------------------------------------


@transaction.atomic
def job_wish_save(
    *, person: Person, kinds: list[str], sectors: list[str], max_km: int | None, actor
) -> JobWish:
    _require_person(actor, person)
    errors = {}
    if any(k not in Opportunity.Kind.values for k in kinds):
        errors["kinds"] = _("Choose kinds from the list.")
    if any(s not in Sector.values for s in sectors):
        errors["sectors"] = _("Choose sectors from the list.")
    if max_km is not None and not 0 < max_km <= 500:
        errors["max_km"] = _("Give a distance between 1 and 500 km.")
    if errors:
        raise ValidationError(errors)
    wish, _created = JobWish.objects.get_or_create(
        person=person, defaults={"centre_id": person.centre_id}
    )
    wish.kinds, wish.sectors, wish.max_km = list(kinds), list(sectors), max_km
    wish.full_clean()
    wish.save()
    return wish


# --- The pipeline ----------------------------------------------------------------------------


@transaction.atomic
def candidacies_send(
    *,
    opportunity: Opportunity,
    people: list[Person],
    status: str = Status.SENT,
    actor,
    today: dt.date | None = None,
) -> list[Candidacy]:
    """Propose youth for an opportunity, or send them to the employer ("send three"). A youth
    already proposed is moved on to sent; one further down the pipeline is left as it is."""
    _require_jobs(actor, opportunity.centre_id)
    today = today or timezone.localdate()
    if status not in (Status.PROPOSED, Status.SENT):
        raise ValidationError(_("Unknown status."))
    if not people:
        raise ValidationError(_("Choose at least one youth."))
    if opportunity.status != Opportunity.Status.OPEN or opportunity.closes_on < today:
        raise ValidationError(_("This opportunity is closed: nobody can be sent any more."))
    for person in people:
        _require_person(actor, person)
    facts = selectors.youth_facts(people, today=today)
    opening = selectors.opening_for(opportunity)
    from markaz.engine import jobmatch

    done = []
    for person in people:
        candidacy = Candidacy.objects.filter(opportunity=opportunity, person=person).first()
        if candidacy is None:
            match = jobmatch.match_one(opening, facts[person.pk])
            candidacy = Candidacy(
                centre_id=opportunity.centre_id,
                opportunity=opportunity,
                person=person,
                status=status,
                score=Decimal(str(match.score)),
                reasons=selectors.reasons_text(match.reasons),
                created_by=actor,
            )
        elif candidacy.status == Status.PROPOSED and status == Status.SENT:
            candidacy.status = Status.SENT
        else:
            continue
        if candidacy.status == Status.SENT:
            candidacy.sent_on = today
        candidacy.full_clean()
        candidacy.save()
        done.append(candidacy)
    return done


@transaction.atomic
def candidacy_move(
    *,
    candidacy: Candidacy,
    status: str,
    on: dt.date | None = None,
    reason: str = "",
    actor,
    today: dt.date | None = None,
) -> Candidacy:
    """Move a candidacy on: sent, interview (with its date), not retained (with a reason),
    started. Hiring and leaving have their own functions (they touch the placement)."""
    _require_person(actor, candidacy.person)
    today = today or timezone.localdate()
    errors = {}
    if status not in NEXT_STATUSES.get(candidacy.status, set()):
        raise ValidationError(
            {
                "status": _("A candidacy cannot go from “%(from)s” to “%(to)s”.")
                % {
                    "from": candidacy.get_status_display(),
                    "to": dict(Status.choices).get(status, status),
                }
            }
        )
    reason = (reason or "").strip()
    if status == Status.NOT_RETAINED and not reason:
        errors["reason"] = _("Say why the youth was not retained.")
    if status == Status.INTERVIEW and on is None:
        errors["on"] = _("Give the date of the interview.")
    if status in (Status.NOT_RETAINED, Status.STARTED):
        _past_or_today(on, errors, "on", today)
    if errors:
        raise ValidationError(errors)
    candidacy.status = status
    if status == Status.SENT:
        candidacy.sent_on = on or today
    elif status == Status.INTERVIEW:
        candidacy.interview_on = on
    elif status == Status.NOT_RETAINED:
        candidacy.decided_on, candidacy.not_retained_reason = on, reason
    elif status == Status.STARTED:
        placement = getattr(candidacy, "placement", None)
        if placement is not None and on is not None:
            placement.start_date = on
            placement.full_clean()
            placement.save(update_fields=["start_date"])
    candidacy.full_clean()
    candidacy.save()
    return candidacy


def _placement_errors(contract, start_date, wage_mad, errors: dict):
    if contract not in Placement.Contract.values:
        errors["contract"] = _("Choose the contract type.")
    if start_date is None:
        errors["start_date"] = _("Give the start date.")
    return _amount(wage_mad, errors, "wage_mad", required=True)


@transaction.atomic
def candidacy_hire(
    *,
    candidacy: Candidacy,
    contract: str,
    start_date: dt.date | None,
    wage_mad,
    decided_on: dt.date | None = None,
    actor,
    today: dt.date | None = None,
) -> Placement:
    """Record a hire: the candidacy is hired (started once the start date is reached) and a
    placement through the centre is recorded with its contract, start date and wage."""
    _require_person(actor, candidacy.person)
    today = today or timezone.localdate()
    errors = {}
    if candidacy.status not in (Status.PROPOSED, Status.SENT, Status.INTERVIEW):
        errors["contract"] = _("This candidacy is already decided.")
    wage = _placement_errors(contract, start_date, wage_mad, errors)
    if errors:
        raise ValidationError(errors)
    candidacy.status = Status.STARTED if start_date <= today else Status.HIRED
    candidacy.decided_on = decided_on or today
    candidacy.full_clean()
    candidacy.save()
    placement = Placement(
        centre_id=candidacy.centre_id,
        person=candidacy.person,
        candidacy=candidacy,
        employer=candidacy.opportunity.employer,
        contract=contract,
        start_date=start_date,
        wage_mad=wage,
        via_centre=True,
        recorded_by=actor,
    )
    placement.full_clean()
    placement.save()
    return placement


@transaction.atomic
def candidacy_leave(
    *, candidacy: Candidacy, left_on: dt.date | None, reason: str, actor, today=None
) -> Candidacy:
    _require_person(actor, candidacy.person)
    today = today or timezone.localdate()
    errors = {}
    if candidacy.status not in (Status.HIRED, Status.STARTED):
        errors["left_on"] = _("Only a youth who was hired can leave.")
    _past_or_today(left_on, errors, "left_on", today)
    if not (reason or "").strip():
        errors["reason"] = _("Say why the youth left.")
    placement = getattr(candidacy, "placement", None)
    if placement is not None and left_on is not None and left_on < placement.start_date:
        errors["left_on"] = _("The date of leaving is before the start date.")
    if errors:
        raise ValidationError(errors)
    candidacy.status, candidacy.left_on, candidacy.left_reason = Status.LEFT, left_on, reason
    candidacy.full_clean()
    candidacy.save()
    if placement is not None:
        placement.ended_on, placement.end_reason = left_on, reason.strip()
        placement.full_clean()
        placement.save(update_fields=["ended_on", "end_reason"])
    return candidacy


@transaction.atomic
def placement_record(
    *,
    person: Person,
    employer: Employer | None = None,
    employer_name: str = "",
    contract: str,
    start_date: dt.date | None,
    wage_mad,
    via_centre: bool = False,
    actor,
) -> Placement:
    """A placement found without an opportunity of the centre (the youth's own search, ANAPEC):
    counted once, with its source."""
    _require_person(actor, person)
    errors = {}
    wage = _placement_errors(contract, start_date, wage_mad, errors)
    if employer is not None and employer.centre_id != person.centre_id:
        errors["employer"] = _("Choose the employer.")
    if employer is None and not (employer_name or "").strip():
        errors["employer_name"] = _("Give the employer's name.")
    if errors:
        raise ValidationError(errors)
    placement = Placement(
        centre_id=person.centre_id,
        person=person,
        employer=employer,
        employer_name=(employer_name or "").strip(),
        contract=contract,
        start_date=start_date,
        wage_mad=wage,
        via_centre=via_centre,
        recorded_by=actor,
    )
    placement.full_clean()
    placement.save()
    return placement


# --- Business projects -----------------------------------------------------------------------


@transaction.atomic
def project_save(
    *,
    centre,
    project: BusinessProject | None = None,
    title: str,
    idea: str,
    sector: str,
    commune,
    members: list[Person],
    investment_mad=None,
    own_contribution_mad=None,
    expected_turnover_mad=None,
    expected_jobs: int | None = None,
    actor,
) -> BusinessProject:
    _require_jobs(actor, centre.pk)
    errors = {}
    if not (title or "").strip():
        errors["title"] = _("Give the project a name.")
    if not (idea or "").strip():
        errors["idea"] = _("Describe the idea.")
    if sector not in Sector.values:
        errors["sector"] = _("Choose the sector.")
    if commune is None:
        errors["commune"] = _("Choose the commune.")
    if not members:
        errors["members"] = _("Choose at least one youth.")
    for person in members:
        if person.centre_id != centre.pk or not selectors.can_work_person(actor, person):
            errors["members"] = _("Choose youth you follow.")
    investment = _amount(investment_mad, errors, "investment_mad")
    own = _amount(own_contribution_mad, errors, "own_contribution_mad")
    turnover = _amount(expected_turnover_mad, errors, "expected_turnover_mad")
    if investment is not None and own is not None and own > investment:
        errors["own_contribution_mad"] = _(
            "The own contribution cannot be larger than the investment."
        )
    if errors:
        raise ValidationError(errors)
    project = project or BusinessProject(centre=centre, created_by=actor)
    project.title, project.idea = title.strip(), idea.strip()
    project.sector, project.commune = sector, commune
    project.investment_mad, project.own_contribution_mad = investment, own
    project.expected_turnover_mad, project.expected_jobs = turnover, expected_jobs
    project.full_clean()
    project.save()
    project.members.set(members)
    return project


def _require_project(actor, project: BusinessProject) -> None:
    _require_jobs(actor, project.centre_id)
    if (
        not selectors.is_manager(actor)
        and not project.members.filter(pk__in=selectors.youth_for_user(actor)).exists()
    ):
        raise selectors.not_your_youth()


# Stages set by hand; the others follow from a record (a grant, the creation, the 12-month
# visit), so the stage never says more than the file shows.
MANUAL_STAGES = {
    BusinessProject.Stage.IDEA,
    BusinessProject.Stage.PLAN,
    BusinessProject.Stage.COMMITTEE,
    BusinessProject.Stage.CLOSED,
}


@transaction.atomic
def project_stage_set(*, project: BusinessProject, stage: str, actor) -> BusinessProject:
    _require_project(actor, project)
    Stage = BusinessProject.Stage
    if stage not in Stage.values:
        raise ValidationError({"stage": _("Unknown stage.")})
    if stage == Stage.FINANCED and not project.financing.filter(decision="granted").exists():
        raise ValidationError(
            {"stage": _("Record a financing that was granted before marking the project financed.")}
        )
    if stage == Stage.CREATED and not hasattr(project, "creation"):
        raise ValidationError({"stage": _("Record the creation of the business first.")})
    if (
        stage == Stage.ACTIVE_12
        and not project.visits.filter(months=12, still_active=True).exists()
    ):
        raise ValidationError({"stage": _("Record the visit at 12 months first.")})
    if stage in (Stage.PLAN, Stage.COMMITTEE) and project.investment_mad is None:
        raise ValidationError({"stage": _("Give the business plan's figures (investment first).")})
    project.stage = stage
    project.full_clean()
    project.save(update_fields=["stage", "updated_at"])
    return project


@transaction.atomic
def financing_save(
    *,
    project: BusinessProject,
    application: FinancingApplication | None = None,
    source: str,
    organisation: str = "",
    applied_on: dt.date | None,
    requested_mad,
    decision: str = FinancingApplication.Decision.PENDING,
    decided_on: dt.date | None = None,
    granted_mad=None,
    indh_share_mad=None,
    actor,
    today: dt.date | None = None,
) -> FinancingApplication:
    """An application for financing and, once known, its decision. The amount granted may not
    exceed the amount requested, nor the INDH share the amount granted. A grant moves the project
    to "financed" when it was not further along."""
    _require_project(actor, project)
    today = today or timezone.localdate()
    Decision = FinancingApplication.Decision
    errors = {}
    if source not in FinancingApplication.Source.values:
        errors["source"] = _("Choose who is asked for the financing.")
    _past_or_today(applied_on, errors, "applied_on", today)
    requested = _amount(requested_mad, errors, "requested_mad", required=True)
    if requested is not None and requested == 0:
        errors["requested_mad"] = _("The amount requested must be above zero.")
    if decision not in Decision.values:
        errors["decision"] = _("Unknown decision.")
    granted = _amount(granted_mad, errors, "granted_mad")
    indh = _amount(indh_share_mad, errors, "indh_share_mad")
    if decision == Decision.PENDING:
        if granted is not None or decided_on is not None:
            errors["decision"] = _("Choose the decision before giving its date or amount.")
    else:
        _past_or_today(decided_on, errors, "decided_on", today)
        if decided_on and applied_on and decided_on < applied_on:
            errors["decided_on"] = _("The decision cannot come before the application.")
    if decision == Decision.GRANTED and granted is None and "granted_mad" not in errors:
        errors["granted_mad"] = _("Give the amount granted.")
    if decision == Decision.REFUSED and granted:
        errors["granted_mad"] = _("A refused application has no amount granted.")
    if granted is not None and requested is not None and granted > requested:
        errors["granted_mad"] = _(
            "The amount granted (%(granted)s MAD) cannot be larger than the amount "
            "requested (%(requested)s MAD)."
        ) % {"granted": granted, "requested": requested}
    if indh is not None and (granted is None or indh > granted):
        errors["indh_share_mad"] = _("The INDH share cannot be larger than the amount granted.")
    if errors:
        raise ValidationError(errors)
    application = application or FinancingApplication(project=project)
    application.source, application.organisation = source, (organisation or "").strip()
    application.applied_on, application.requested_mad = applied_on, requested
    application.decision, application.decided_on = decision, decided_on
    application.granted_mad = granted if decision == Decision.GRANTED else None
    application.indh_share_mad = indh if decision == Decision.GRANTED else None
    application.full_clean()
    application.save()
    Stage = BusinessProject.Stage
    if decision == Decision.GRANTED and project.stage in (Stage.IDEA, Stage.PLAN, Stage.COMMITTEE):
        project.stage = Stage.FINANCED
        project.save(update_fields=["stage", "updated_at"])
    return application


def _add_months(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


@transaction.atomic
def business_creation_record(
    *,
    project: BusinessProject,
    legal_form: str,
    created_on: dt.date | None,
    ice: str = "",
    registration: str = "",
    actor,
    today: dt.date | None = None,
) -> BusinessCreation:
    """The business exists: its form, date and identifiers; coaching visits are scheduled at 3,
    6 and 12 months and the project moves to "created"."""
    _require_project(actor, project)
    today = today or timezone.localdate()
    errors = {}
    if hasattr(project, "creation"):
        errors["legal_form"] = _("The creation of this business is already recorded.")
    if legal_form not in BusinessCreation.LegalForm.values:
        errors["legal_form"] = _("Choose the legal form.")
    _past_or_today(created_on, errors, "created_on", today)
    ice = "".join((ice or "").split())
    if ice and (not ice.isdigit() or len(ice) != 15):
        errors["ice"] = _("The ICE number has 15 digits.")
    if errors:
        raise ValidationError(errors)
    creation = BusinessCreation(
        project=project,
        legal_form=legal_form,
        created_on=created_on,
        ice=ice,
        registration=(registration or "").strip(),
    )
    creation.full_clean()
    creation.save()
    for months in VISIT_MONTHS:
        PostCreationVisit.objects.get_or_create(
            project=project,
            months=months,
            defaults={"due_on": _add_months(created_on, months)},
        )
    project.stage = BusinessProject.Stage.CREATED
    project.save(update_fields=["stage", "updated_at"])
    return creation


@transaction.atomic
def visit_record(
    *,
    visit: PostCreationVisit,
    done_on: dt.date | None,
    turnover_band: str,
    jobs: int | None,
    still_active: bool,
    note: str = "",
    actor,
    today: dt.date | None = None,
) -> PostCreationVisit:
    """A coaching visit after creation. A business no longer active closes the project; still
    active at the 12-month visit, it counts as "active at 12 months"."""
    project = visit.project
    _require_project(actor, project)
    today = today or timezone.localdate()
    errors = {}
    _past_or_today(done_on, errors, "done_on", today)
    if turnover_band not in PostCreationVisit.TurnoverBand.values:
        errors["turnover_band"] = _("Choose the turnover.")
    if jobs is not None and jobs < 0:
        errors["jobs"] = _("The number of jobs cannot be below zero.")
    if errors:
        raise ValidationError(errors)
    visit.done_on, visit.turnover_band, visit.jobs = done_on, turnover_band, jobs
    visit.still_active, visit.note = still_active, (note or "").strip()
    visit.full_clean()
    visit.save()
    Stage = BusinessProject.Stage
    if not still_active:
        project.stage = Stage.CLOSED
    elif visit.months == 12:
        project.stage = Stage.ACTIVE_12
    project.save(update_fields=["stage", "updated_at"])
    return visit
