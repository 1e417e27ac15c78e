import datetime as dt

import pytest
from django.utils import timezone

from markaz.engine.scoring import DEFAULT_RULE
from markaz.programmes.models import Campaign, Cohort, CohortReserve, Programme, ScoringRuleVersion
from markaz.registry import services as registry
from tests.factories import person_data

TODAY = dt.date(2026, 9, 1)


@pytest.fixture
def rule(centre):
    return ScoringRuleVersion.objects.create(
        centre=centre,
        version=DEFAULT_RULE.version,
        weights=DEFAULT_RULE.weights,
        rsu_threshold=9.74,
    )


@pytest.fixture
def programme(centre):
    return Programme.objects.create(
        centre=centre,
        title_fr="Développement web",
        title_ar="تطوير الويب",
        track="web",
        hours=300,
        duration_weeks=16,
        goal="wage_job",
        teaching_language="fr",
        schedule_pattern="evening",
    )


def cohort_start() -> dt.date:
    """The test cohorts start after the campaign (TODAY) and after the real today too: a
    campaign whose cohorts have started can no longer be allocated or published."""
    return max(dt.date(2026, 10, 1), timezone.localdate() + dt.timedelta(days=30))


def make_cohort(centre, programme, code, seats, pattern="evening", reserves=()):
    start = cohort_start()
    cohort = Cohort.objects.create(
        centre=centre,
        programme=programme,
        code=code,
        start_date=start,
        end_date=start + dt.timedelta(days=120),
        seats=seats,
        schedule_pattern=pattern,
    )
    for i, (group, n) in enumerate(reserves):
        CohortReserve.objects.create(cohort=cohort, group=group, seats=n, order=i)
    return cohort


@pytest.fixture
def cohorts(centre, programme):
    return [
        make_cohort(centre, programme, "C1", 2, reserves=[("women", 1)]),
        make_cohort(centre, programme, "C2", 2),
        make_cohort(centre, programme, "C3", 1, pattern="daytime"),
    ]


@pytest.fixture
def campaign(centre, rule, cohorts):
    campaign = Campaign.objects.create(
        centre=centre,
        name_fr="Rentrée",
        name_ar="الدخول",
        opens_on=dt.date(2026, 8, 1),
        closes_on=dt.date(2026, 9, 15),
        scoring_rule=rule,
        offer_days=7,
    )
    campaign.cohorts.set(cohorts)
    return campaign


def applicant(centre, n: int, **overrides):
    data = person_data(
        cin=f"FA{n:06d}",
        first_name_latin=f"Prenom{n}",
        last_name_latin=f"Nom{n}",
        first_name_ar="",
        last_name_ar="",
        phone=f"+2126610000{n:02d}",
        **overrides,
    )
    return registry.person_create(centre=centre, data=data, today=TODAY)
