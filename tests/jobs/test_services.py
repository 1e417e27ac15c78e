"""Jobs services: the rules, their messages, and that a refusal writes nothing."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from markaz.jobs import selectors, services
from markaz.jobs.models import (
    BusinessProject,
    Candidacy,
    EmployerContact,
    FinancingApplication,
    Opportunity,
    Placement,
    PostCreationVisit,
)

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 7)


def opp_kwargs(employer, saidia, **over):
    data = {
        "centre": employer.centre,
        "employer": employer,
        "title": "Serveur saisonnier",
        "kind": "seasonal",
        "skills": [],
        "commune": saidia,
        "hours_per_week": 40,
        "pay_mad": "3000",
        "places": 3,
        "closes_on": TODAY + dt.timedelta(days=10),
    }
    data.update(over)
    return data


def test_opportunity_created(employer, saidia, coordinator):
    opp = services.opportunity_save(**opp_kwargs(employer, saidia), actor=coordinator, today=TODAY)
    assert opp.pay_mad == Decimal("3000.00") and opp.status == "open"


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"pay_mad": "-1"}, "pay_mad"),
        ({"closes_on": TODAY - dt.timedelta(days=1)}, "closes_on"),
        ({"places": 0}, "places"),
        ({"hours_per_week": 0}, "hours_per_week"),
        ({"skills": ["cooking"]}, "skills"),
    ],
)
def test_bad_opportunity_is_refused_and_nothing_written(employer, saidia, coordinator, over, field):
    with pytest.raises(ValidationError) as exc:
        services.opportunity_save(
            **opp_kwargs(employer, saidia, **over), actor=coordinator, today=TODAY
        )
    assert field in exc.value.error_dict
    assert Opportunity.objects.count() == 0


def test_wage_below_zero_message(employer, saidia, coordinator):
    with pytest.raises(ValidationError) as exc:
        services.opportunity_save(
            **opp_kwargs(employer, saidia, pay_mad="-50"), actor=coordinator, today=TODAY
        )
    assert exc.value.error_dict["pay_mad"][0].messages == [
        "Un montant ne peut pas être inférieur à zéro."
    ]


def test_editing_keeps_a_past_closing_date(internship, saidia, coordinator):
    """A closed opportunity can still be edited without moving its (past) closing date."""
    later = internship.closes_on + dt.timedelta(days=1)
    data = opp_kwargs(
        internship.employer, saidia, closes_on=internship.closes_on, kind="internship"
    )
    services.opportunity_save(opportunity=internship, **data, actor=coordinator, today=later)


def test_trainer_cannot_write(employer, saidia, trainer):
    with pytest.raises(PermissionDenied):
        services.opportunity_save(**opp_kwargs(employer, saidia), actor=trainer, today=TODAY)
    assert Opportunity.objects.count() == 0


def test_contact_needs_consent_and_a_valid_phone(employer, coordinator):
    before = EmployerContact.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.employer_contact_add(
            employer=employer,
            name="Ali",
            phone="0612",
            consent_on=None,
            consent_method="",
            actor=coordinator,
        )
    assert {"phone", "consent_on"} <= set(exc.value.error_dict)
    assert EmployerContact.objects.count() == before
    contact = services.employer_contact_add(
        employer=employer,
        name="Ali",
        phone="0612345678",
        consent_on=timezone.localdate(),
        consent_method="oral",
        actor=coordinator,
    )
    assert contact.phone == "+212612345678"


def test_matching_ranks_completed_skills_first_and_never_uses_sex_disability_rsu(
    internship, youth, coordinator
):
    rows = selectors.matching_for_opportunity(coordinator, internship)
    names = [r.person.first_name_latin for r in rows]
    # Salma and Youssef completed web and live in Saïdia; Youssef's low RSU index and
    # disability change nothing: same facts, same score, tie broken by id.
    assert names[:2] == ["Salma", "Youssef"]
    assert rows[0].match.score == rows[1].match.score
    assert names[2] == "Omar"
    texts = [r["text"] for r in rows[0].reasons]
    assert "Terminé : Développement web." in texts


def test_mentor_matches_only_their_mentees(internship, youth, mentee, mentor):
    rows = selectors.matching_for_opportunity(mentor, internship)
    assert [r.person for r in rows] == [mentee]


def test_send_three_then_hire_records_one_placement(internship, youth, coordinator):
    done = services.candidacies_send(opportunity=internship, people=youth, actor=coordinator)
    assert [c.status for c in done] == ["sent"] * 3
    assert all(c.reasons for c in done)
    # Sending again adds nobody.
    assert services.candidacies_send(opportunity=internship, people=youth, actor=coordinator) == []
    salma = Candidacy.objects.get(person=youth[0])
    services.candidacy_move(
        candidacy=salma, status="interview", on=timezone.localdate(), actor=coordinator
    )
    placement = services.candidacy_hire(
        candidacy=salma,
        contract="internship",
        start_date=timezone.localdate(),
        wage_mad="1500",
        actor=coordinator,
    )
    salma.refresh_from_db()
    assert (
        salma.status == "started"
        and placement.via_centre
        and placement.employer == internship.employer
    )
    omar = Candidacy.objects.get(person=youth[2])
    services.candidacy_move(
        candidacy=omar,
        status="not_retained",
        on=timezone.localdate(),
        reason="Pas de bac",
        actor=coordinator,
    )
    omar.refresh_from_db()
    assert omar.status == "not_retained" and omar.not_retained_reason == "Pas de bac"
    services.candidacy_leave(
        candidacy=salma, left_on=timezone.localdate(), reason="Fin de saison", actor=coordinator
    )
    placement.refresh_from_db()
    assert placement.ended_on == timezone.localdate()


def test_hire_with_negative_wage_writes_nothing(internship, youth, coordinator):
    (c,) = services.candidacies_send(opportunity=internship, people=youth[:1], actor=coordinator)
    with pytest.raises(ValidationError) as exc:
        services.candidacy_hire(
            candidacy=c,
            contract="cdd",
            start_date=timezone.localdate(),
            wage_mad="-1",
            actor=coordinator,
        )
    assert "wage_mad" in exc.value.error_dict
    c.refresh_from_db()
    assert c.status == "sent" and Placement.objects.count() == 0


def test_not_retained_needs_a_reason(internship, youth, coordinator):
    (c,) = services.candidacies_send(opportunity=internship, people=youth[:1], actor=coordinator)
    with pytest.raises(ValidationError):
        services.candidacy_move(
            candidacy=c, status="not_retained", on=timezone.localdate(), actor=coordinator
        )
    c.refresh_from_db()
    assert c.status == "sent"


def test_closed_opportunity_sends_nobody(internship, youth, coordinator):
    with pytest.raises(ValidationError):
        services.candidacies_send(
            opportunity=internship,
            people=youth,
            actor=coordinator,
            today=internship.closes_on + dt.timedelta(days=1),
        )
    assert Candidacy.objects.count() == 0


def test_mentor_cannot_send_someone_elses_youth(internship, youth, mentee, mentor):
    with pytest.raises(selectors.JobsDenied):
        services.candidacies_send(opportunity=internship, people=youth, actor=mentor)
    assert Candidacy.objects.count() == 0


@pytest.fixture
def project(centre, youth, saidia, mentor, mentee):
    return services.project_save(
        centre=centre,
        title="Glacier de plage",
        idea="Glaces artisanales à Saïdia",
        sector="tourism",
        commune=saidia,
        members=[mentee],
        investment_mad="60000",
        own_contribution_mad="6000",
        expected_turnover_mad="120000",
        expected_jobs=2,
        actor=mentor,
    )


def test_project_from_idea_to_active_at_12_months(project, mentor):
    today = timezone.localdate()
    services.project_stage_set(project=project, stage="plan", actor=mentor)
    with pytest.raises(ValidationError):
        services.project_stage_set(project=project, stage="financed", actor=mentor)
    services.financing_save(
        project=project,
        source="indh",
        applied_on=today - dt.timedelta(days=30),
        requested_mad="50000",
        decision="granted",
        decided_on=today,
        granted_mad="45000",
        indh_share_mad="45000",
        actor=mentor,
    )
    project.refresh_from_db()
    assert project.stage == "financed"
    services.business_creation_record(
        project=project, legal_form="auto", created_on=today, ice="001234567000089", actor=mentor
    )
    project.refresh_from_db()
    assert project.stage == "created"
    assert list(project.visits.values_list("months", flat=True)) == [3, 6, 12]
    twelve = project.visits.get(months=12)
    services.visit_record(
        visit=twelve,
        done_on=today,
        turnover_band="3000-9999",
        jobs=2,
        still_active=True,
        actor=mentor,
    )
    project.refresh_from_db()
    assert project.stage == "active12"


def test_grant_larger_than_request_is_refused_and_nothing_written(project, mentor):
    today = timezone.localdate()
    with pytest.raises(ValidationError) as exc:
        services.financing_save(
            project=project,
            source="indh",
            applied_on=today,
            requested_mad="50000",
            decision="granted",
            decided_on=today,
            granted_mad="60000",
            actor=mentor,
        )
    assert "granted_mad" in exc.value.error_dict
    assert "60000.00" in exc.value.error_dict["granted_mad"][0].messages[0]
    assert FinancingApplication.objects.count() == 0
    project.refresh_from_db()
    assert project.stage == "idea"


def test_own_contribution_above_investment_refused(centre, youth, saidia, coordinator):
    with pytest.raises(ValidationError):
        services.project_save(
            centre=centre,
            title="X",
            idea="Y",
            sector="crafts",
            commune=saidia,
            members=youth[:1],
            investment_mad="1000",
            own_contribution_mad="2000",
            actor=coordinator,
        )
    assert BusinessProject.objects.count() == 0


def test_mentor_cannot_open_a_project_of_someone_else(
    centre, youth, saidia, coordinator, mentor, mentee
):
    other = services.project_save(
        centre=centre,
        title="Atelier",
        idea="Couture",
        sector="crafts",
        commune=saidia,
        members=[youth[1]],
        actor=coordinator,
    )
    with pytest.raises(selectors.JobsDenied):
        selectors.project_get_for_user(mentor, other.pk)
    with pytest.raises(selectors.JobsDenied):
        services.project_stage_set(project=other, stage="closed", actor=mentor)
    assert PostCreationVisit.objects.count() == 0


def test_counts_for_the_provincial_viewer(internship, youth, coordinator, provincial_viewer):
    (c,) = services.candidacies_send(opportunity=internship, people=youth[:1], actor=coordinator)
    services.candidacy_hire(
        candidacy=c,
        contract="internship",
        start_date=timezone.localdate(),
        wage_mad="1500",
        actor=coordinator,
    )
    counts = selectors.jobs_counts(provincial_viewer)
    assert counts["employers"] == 1 and counts["open_opportunities"] == 1
    # One placement is a person: the provincial viewer sees "<5", the coordinator the count.
    assert counts["placements"] == "<5"
    assert selectors.jobs_counts(coordinator)["placements"] == 1
