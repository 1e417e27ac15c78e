# ruff: noqa: F811 - the fixtures imported from test_services are used by name
"""Setting up a season through Markaz's own screens, and the campaign's irreversible steps."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from markaz.core.models import AuditEvent
from markaz.learning.models import CompletionRule
from markaz.programmes import services
from markaz.programmes.models import (
    AllocationRun,
    Campaign,
    Cohort,
    CohortReserve,
    Enrolment,
    Offer,
    Programme,
    ScoringRuleVersion,
)
from tests.factories import make_cohort

from .test_services import offer_of, published, ranked, run_allocation  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def iso(day: dt.date) -> str:
    return day.isoformat()


def counts():
    return (
        Programme.objects.count(),
        Cohort.objects.count(),
        CohortReserve.objects.count(),
        Campaign.objects.count(),
        ScoringRuleVersion.objects.count(),
        CompletionRule.objects.count(),
        AuditEvent.objects.count(),
    )


# --- Section 3: a campaign whose cohorts have started is closed for good -----------------------


def test_campaign_whose_cohorts_started_cannot_be_allocated_again_or_published(
    client, centre, campaign, cohorts, ranked, coordinator, django_capture_on_commit_callbacks
):
    run = run_allocation(
        campaign, coordinator, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks
    )
    assert run.status == AllocationRun.Status.READY
    # The cohorts start: nobody may allocate or publish this campaign any more.
    Cohort.objects.filter(pk=cohorts[0].pk).update(start_date=today() - dt.timedelta(days=3))
    with pytest.raises(ValidationError) as exc:
        services.allocation_run_start(campaign=campaign, actor=coordinator)
    assert exc.value.error_list[0].code == "locked"
    with pytest.raises(ValidationError):
        services.allocation_publish(run=run, actor=coordinator)
    assert AllocationRun.objects.count() == 1 and Offer.objects.count() == 0

    client.force_login(coordinator)
    page = client.get(reverse("programmes:campaign_detail", args=[campaign.pk]))
    html = page.content.decode()
    assert 'id="run-form"' not in html and 'id="allocation-refused"' in html
    assert "C1" in html  # the refusal names the cohort that started
    response = client.post(reverse("programmes:campaign_detail", args=[campaign.pk]), {"seed": 3})
    assert response.status_code == 400 and AllocationRun.objects.count() == 1
    run_page = client.get(reverse("programmes:run_detail", args=[run.pk])).content.decode()
    assert 'id="publish"' not in run_page and 'id="publish-refused"' in run_page
    publish_url = reverse("programmes:run_publish", args=[run.pk])
    assert client.get(publish_url).status_code == 400  # the page says why, offers no button
    client.post(publish_url, {"confirm": "yes"})
    run.refresh_from_db()
    assert run.status == AllocationRun.Status.READY and Offer.objects.count() == 0


def test_demo_autumn_2025_campaign_cannot_be_rerun():
    """The demo's "Rentrée d'automne 2025" ended in December 2025: it is refused, not re-run."""
    from markaz.demo.load import demo_load

    demo_load()
    from django.contrib.auth import get_user_model

    campaign = Campaign.objects.get(name_fr="Rentrée d'automne 2025")
    assert services.campaign_allocation_refusal(campaign) is not None
    user = get_user_model().objects.get(username="coordinator")
    runs = AllocationRun.objects.count()
    with pytest.raises(ValidationError):
        services.allocation_run_start(campaign=campaign, actor=user)
    assert AllocationRun.objects.count() == runs
    # The open campaign uses version 2 of the rule; the allocated autumn 2026 one kept version 1.
    assert (
        Campaign.objects.get(name_fr="Session de printemps 2027").scoring_rule.version == "2027-1"
    )
    autumn = Campaign.objects.get(name_fr="Rentrée d'automne 2026")
    assert autumn.scoring_rule.version == "2026-1"
    assert autumn.runs.get().scoring_rule.version == "2026-1"


def test_publish_asks_for_confirmation_with_the_number_of_offers(
    client, campaign, ranked, coordinator, django_capture_on_commit_callbacks
):
    run = run_allocation(
        campaign, coordinator, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks
    )
    placed = run.outcomes.filter(cohort__isnull=False).count()
    client.force_login(coordinator)
    url = reverse("programmes:run_publish", args=[run.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert f"{placed} offres seront envoyées par SMS" in page.content.decode()
    refused = client.post(url)  # no confirmation field
    assert refused.status_code == 400 and Offer.objects.count() == 0
    run.refresh_from_db()
    assert run.status == AllocationRun.Status.READY
    assert client.post(url, {"confirm": "yes"}).status_code == 302
    assert Offer.objects.filter(run=run).count() == placed
    # Published: the button is gone, a second publication is refused.
    assert (
        'id="publish"'
        not in client.get(reverse("programmes:run_detail", args=[run.pk])).content.decode()
    )
    assert client.post(url, {"confirm": "yes"}).status_code == 400
    assert Offer.objects.filter(run=run).count() == placed


def test_publish_confirmation_in_arabic_says_the_numbers(
    client, campaign, ranked, coordinator, settings, django_capture_on_commit_callbacks
):
    run = run_allocation(
        campaign, coordinator, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks
    )
    placed = run.outcomes.filter(cohort__isnull=False).count()
    client.force_login(coordinator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    html = client.get(reverse("programmes:run_publish", args=[run.pk])).content.decode()
    assert 'dir="rtl"' in html and f"سيتم إرسال {placed} عروض" in html


# --- Programmes ---------------------------------------------------------------------------------


def programme_post(**overrides) -> dict:
    data = {
        "title_fr": "Data et tableurs",
        "title_ar": "البيانات والجداول",
        "track": "office",
        "hours": "90",
        "duration_weeks": "10",
        "goal": "wage_job",
        "schedule_pattern": "evening",
        "teaching_language": "Arabe",
        "prerequisites": "",
        "completion-min_attendance_percent": "75",
        "completion-requires_evaluation": "on",
    }
    data.update(overrides)
    return data


def test_coordinator_creates_and_edits_a_programme_with_its_completion_rule(
    client, centre, coordinator
):
    client.force_login(coordinator)
    assert client.get(reverse("programmes:programme_create")).status_code == 200
    response = client.post(reverse("programmes:programme_create"), programme_post())
    assert response.status_code == 302
    programme = Programme.objects.get(title_fr="Data et tableurs")
    assert programme.centre == centre and programme.hours == 90
    rule = CompletionRule.objects.get(programme=programme)
    assert (rule.min_attendance_percent, rule.requires_evaluation) == (75, True)
    url = reverse("programmes:programme_edit", args=[programme.pk])
    page = client.get(url).content.decode()
    assert 'value="75"' in page
    client.post(url, programme_post(hours="100", **{"completion-min_attendance_percent": "85"}))
    programme.refresh_from_db()
    rule.refresh_from_db()
    assert programme.hours == 100 and rule.min_attendance_percent == 85


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title_ar", ""),
        ("hours", "0"),
        ("track", "astrology"),
        ("completion-min_attendance_percent", "120"),
    ],
)
def test_bad_programme_is_refused_with_400_and_nothing_written(
    client, centre, coordinator, field, value
):
    client.force_login(coordinator)
    before = counts()
    response = client.post(reverse("programmes:programme_create"), programme_post(**{field: value}))
    assert response.status_code == 400
    assert "invalid-feedback" in response.content.decode()
    assert counts() == before


def test_programme_error_in_arabic(client, centre, coordinator, settings):
    client.force_login(coordinator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    response = client.post(reverse("programmes:programme_create"), programme_post(hours="0"))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'dir="rtl"' in html and "ساعة واحدة على الأقل" in html


def test_hours_of_a_started_programme_cannot_change(client, centre, programme, coordinator):
    Cohort.objects.create(
        centre=centre,
        programme=programme,
        code="OLD",
        start_date=today() - dt.timedelta(days=10),
        end_date=today() + dt.timedelta(days=50),
        seats=10,
        schedule_pattern="evening",
    )
    client.force_login(coordinator)
    response = client.post(
        reverse("programmes:programme_edit", args=[programme.pk]),
        programme_post(title_fr=programme.title_fr, track="web", hours="10"),
    )
    assert response.status_code == 400
    programme.refresh_from_db()
    assert programme.hours == 300 and not CompletionRule.objects.exists()


# --- Cohorts ------------------------------------------------------------------------------------


def cohort_post(programme, **overrides) -> dict:
    start = today() + dt.timedelta(days=40)
    data = {
        "programme": str(programme.pk),
        "code": "DATA-E27",
        "schedule_pattern": "evening",
        "start_date": iso(start),
        "end_date": iso(start + dt.timedelta(weeks=10)),
        "seats": "16",
        "reserve_women": "6",
        "reserve_rural": "4",
        "reserve_disability": "0",
        "precedence": "reserved_first",
    }
    data.update(overrides)
    return data


def test_coordinator_creates_a_cohort_with_reserves_and_trainers(
    client, centre, programme, coordinator, trainer, other_trainer
):
    client.force_login(coordinator)
    page = client.get(reverse("programmes:cohort_create")).content.decode()
    assert "trainer-ahfir" not in page  # another centre's trainer is not offered
    response = client.post(
        reverse("programmes:cohort_create"), {**cohort_post(programme), "trainers": [trainer.pk]}
    )
    assert response.status_code == 302
    cohort = Cohort.objects.get(code="DATA-E27")
    assert cohort.seats == 16 and cohort.precedence == "reserved_first"
    assert {r.group: r.seats for r in cohort.reserves.all()} == {"women": 6, "rural": 4}
    assert list(cohort.trainers.all()) == [trainer]
    # Another centre's trainer, forced into the POST, is refused.
    before = counts()
    response = client.post(
        reverse("programmes:cohort_edit", args=[cohort.pk]),
        {**cohort_post(programme), "trainers": [other_trainer.pk]},
    )
    assert response.status_code == 400 and counts() == before


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"end_date": iso(today())}, "La date de fin doit venir après la date de début."),
        ({"reserve_women": "12", "reserve_rural": "6"}, "18 places sont réservées"),
        ({"seats": "0"}, "au moins une place"),
        ({"reserve_rural": "-1"}, ""),
        ({"code": "C1"}, ""),  # already used in this centre
        ({"start_date": "31/02/2027"}, ""),
    ],
)
def test_bad_cohort_is_refused_with_400_and_nothing_written(
    client, centre, programme, cohorts, coordinator, overrides, message
):
    client.force_login(coordinator)
    before = counts()
    response = client.post(reverse("programmes:cohort_create"), cohort_post(programme, **overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert counts() == before


def test_seats_cannot_go_below_the_learners_enrolled(client, centre, programme, coordinator):
    from tests.factories import EnrolmentFactory

    cohort = make_cohort(centre, programme, "FULL", 3)
    for _ in range(3):
        EnrolmentFactory(cohort=cohort)
    client.force_login(coordinator)
    response = client.post(
        reverse("programmes:cohort_edit", args=[cohort.pk]),
        cohort_post(
            programme,
            code="FULL",
            seats="2",
            reserve_women="0",
            reserve_rural="0",
            precedence="open_first",
            start_date=iso(cohort.start_date),
            end_date=iso(cohort.end_date),
        ),
    )
    assert response.status_code == 400
    assert "3 apprenants sont déjà inscrits" in response.content.decode()
    cohort.refresh_from_db()
    assert cohort.seats == 3


def test_reserves_of_an_allocated_cohort_cannot_change(
    client, campaign, cohorts, ranked, coordinator, django_capture_on_commit_callbacks
):
    run_allocation(
        campaign, coordinator, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks
    )
    c1 = cohorts[0]
    client.force_login(coordinator)
    data = cohort_post(
        c1.programme,
        code="C1",
        seats="4",
        reserve_women="2",
        reserve_rural="0",
        precedence="open_first",
        start_date=iso(c1.start_date),
        end_date=iso(c1.end_date),
    )
    response = client.post(reverse("programmes:cohort_edit", args=[c1.pk]), data)
    assert response.status_code == 400
    assert {r.group: r.seats for r in c1.reserves.all()} == {"women": 1}
    # More seats, same reserves: allowed.
    data["reserve_women"] = "1"
    assert client.post(reverse("programmes:cohort_edit", args=[c1.pk]), data).status_code == 302
    c1.refresh_from_db()
    assert c1.seats == 4


def test_a_cohort_cannot_start_before_its_campaign_closes(client, campaign, cohorts, coordinator):
    c1 = cohorts[0]
    client.force_login(coordinator)
    data = cohort_post(
        c1.programme,
        code="C1",
        seats="2",
        reserve_women="1",
        reserve_rural="0",
        precedence="open_first",
        start_date=iso(campaign.closes_on),
        end_date=iso(c1.end_date),
    )
    response = client.post(reverse("programmes:cohort_edit", args=[c1.pk]), data)
    assert response.status_code == 400 and "Rentrée" in response.content.decode()
    c1.refresh_from_db()
    assert c1.start_date != campaign.closes_on


# --- Campaigns ----------------------------------------------------------------------------------


def campaign_post(rule, chosen, **overrides) -> dict:
    data = {
        "name_fr": "Session d'été 2027",
        "name_ar": "دورة صيف 2027",
        "opens_on": iso(today()),
        "closes_on": iso(today() + dt.timedelta(days=20)),
        "offer_days": "5",
        "max_choices": "3",
        "scoring_rule": str(rule.pk),
        "cohorts": [str(c.pk) for c in chosen],
    }
    data.update(overrides)
    return data


def test_coordinator_creates_a_campaign(client, centre, rule, cohorts, coordinator):
    client.force_login(coordinator)
    assert client.get(reverse("programmes:campaign_create")).status_code == 200
    response = client.post(reverse("programmes:campaign_create"), campaign_post(rule, cohorts[:2]))
    assert response.status_code == 302
    campaign = Campaign.objects.get(name_fr="Session d'été 2027")
    assert set(campaign.cohorts.all()) == set(cohorts[:2])
    assert (campaign.offer_days, campaign.max_choices, campaign.scoring_rule) == (5, 3, rule)


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("window", "La campagne doit se fermer"),
        ("late", "commencent avant la fermeture de la campagne"),
        ("empty", "obligatoire"),
        ("choices", "de 1 à 5 cohortes"),
        ("days", "entre 1 et 60 jours"),
        ("started", "choix valide"),  # a started cohort is not even offered by the form
    ],
)
def test_bad_campaign_is_refused_with_400_and_nothing_written(
    client, centre, programme, rule, cohorts, coordinator, case, message
):
    overrides = {
        "window": {"closes_on": iso(today() - dt.timedelta(days=1))},
        "late": {"closes_on": iso(cohorts[0].start_date)},
        "empty": {"cohorts": []},
        "choices": {"max_choices": "9"},
        "days": {"offer_days": "0"},
        "started": {},
    }[case]
    chosen = cohorts
    if case == "started":
        started = make_cohort(centre, programme, "RUN", 5)
        Cohort.objects.filter(pk=started.pk).update(start_date=today() - dt.timedelta(days=1))
        chosen = [started]
    client.force_login(coordinator)
    before = counts()
    response = client.post(
        reverse("programmes:campaign_create"), campaign_post(rule, chosen, **overrides)
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert counts() == before


def test_started_cohort_cannot_be_offered_by_the_service(centre, programme, rule, coordinator):
    started = make_cohort(centre, programme, "RUN", 5)
    Cohort.objects.filter(pk=started.pk).update(start_date=today() - dt.timedelta(days=1))
    started.refresh_from_db()
    with pytest.raises(ValidationError):
        services.campaign_save(
            centre=centre,
            data={
                "name_fr": "x",
                "name_ar": "س",
                "opens_on": today() - dt.timedelta(days=20),
                "closes_on": today() - dt.timedelta(days=5),
                "offer_days": 7,
                "max_choices": 5,
                "scoring_rule": rule,
            },
            cohorts=[started],
            actor=coordinator,
        )
    assert not Campaign.objects.exists()


def test_allocated_campaign_keeps_its_cohorts_and_window(
    client, campaign, cohorts, ranked, rule, coordinator, django_capture_on_commit_callbacks
):
    run_allocation(
        campaign, coordinator, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks
    )
    campaign.refresh_from_db()
    client.force_login(coordinator)
    url = reverse("programmes:campaign_edit", args=[campaign.pk])
    page = client.get(url).content.decode()
    assert 'id="campaign-allocated"' in page
    data = campaign_post(
        rule,
        cohorts[:2],
        name_fr="Rentrée",
        opens_on=iso(campaign.opens_on),
        closes_on=iso(campaign.closes_on),
        max_choices="5",
    )
    response = client.post(url, data)
    assert response.status_code == 400
    assert set(campaign.cohorts.all()) == set(cohorts)
    # Its name and the days to answer can still change.
    data["cohorts"] = [str(c.pk) for c in cohorts]
    data["name_fr"] = "Rentrée (corrigée)"
    assert client.post(url, data).status_code == 302
    campaign.refresh_from_db()
    assert campaign.name_fr == "Rentrée (corrigée)" and campaign.offer_days == 5


def test_a_ranked_cohort_cannot_be_taken_out(client, campaign, cohorts, ranked, rule, coordinator):
    client.force_login(coordinator)
    data = campaign_post(
        rule,
        cohorts[1:],
        opens_on=iso(campaign.opens_on),
        closes_on=iso(campaign.closes_on),
        max_choices="5",
    )
    response = client.post(reverse("programmes:campaign_edit", args=[campaign.pk]), data)
    assert response.status_code == 400 and "C1" in response.content.decode()
    assert campaign.cohorts.count() == 3


# --- The scoring rule, versioned ----------------------------------------------------------------


def rule_post(**overrides) -> dict:
    data = {
        "version": "2027-1",
        "w_rsu_below_threshold": "4",
        "w_unemployed": "3",
        "w_disability": "2",
        "w_rural": "3",
        "w_first_training": "2",
        "rsu_threshold": "9.74",
        "note": "Rural : 3 points",
    }
    data.update(overrides)
    return data


def test_new_rule_version_moves_unallocated_campaigns_only(
    client,
    centre,
    campaign,
    cohorts,
    ranked,
    rule,
    coordinator,
    programme,
    django_capture_on_commit_callbacks,
):
    run = run_allocation(
        campaign, coordinator, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks
    )
    assert run.scoring_rule == rule
    later = Campaign.objects.create(
        centre=centre,
        name_fr="Plus tard",
        name_ar="لاحقا",
        opens_on=today(),
        closes_on=today() + dt.timedelta(days=10),
        scoring_rule=rule,
    )
    client.force_login(coordinator)
    response = client.post(reverse("programmes:scoring_manage"), rule_post())
    assert response.status_code == 302
    v2 = ScoringRuleVersion.objects.get(version="2027-1")
    assert v2.weights["rural"] == 3 and v2.published_by == coordinator
    campaign.refresh_from_db()
    later.refresh_from_db()
    assert campaign.scoring_rule == rule  # allocated: keeps its version
    assert later.scoring_rule == v2
    # The public page shows the current version and the earlier one, with what used it.
    public = client.get(reverse("programmes:scoring")).content.decode()
    assert "2027-1" in public and "2026-1" in public
    assert public.index("2027-1") < public.index("2026-1")
    assert "Rentrée" in public  # allocated with version 2026-1


def test_first_rule_form_on_an_empty_install_proposes_the_default_rule(client, coordinator):
    from markaz.engine.scoring import CRITERIA, DEFAULT_RULE

    assert not ScoringRuleVersion.objects.exists()
    client.force_login(coordinator)
    form = client.get(reverse("programmes:scoring_manage")).context["form"]
    for criterion in CRITERIA:
        assert form[f"w_{criterion}"].value() == DEFAULT_RULE.weights.get(criterion, 0)
    assert form["rsu_threshold"].value() == DEFAULT_RULE.rsu_threshold
    assert form["version"].value() == DEFAULT_RULE.version


def test_new_rule_form_proposes_the_current_version(client, rule, coordinator):
    ScoringRuleVersion.objects.filter(pk=rule.pk).update(weights={"rural": 7})
    client.force_login(coordinator)
    form = client.get(reverse("programmes:scoring_manage")).context["form"]
    assert form["w_rural"].value() == 7 and form["w_unemployed"].value() == 0
    assert not form["version"].value()


@pytest.mark.parametrize(
    "overrides",
    [{"version": "2026-1"}, {"w_rural": "-1"}, {"version": ""}, {"rsu_threshold": "abc"}],
)
def test_bad_rule_version_is_refused_and_nothing_written(client, rule, coordinator, overrides):
    client.force_login(coordinator)
    before = counts()
    response = client.post(reverse("programmes:scoring_manage"), rule_post(**overrides))
    assert response.status_code == 400 and counts() == before


def test_explanations_use_the_runs_rule_even_if_the_campaign_moved(
    campaign, ranked, rule, coordinator
):
    v2 = ScoringRuleVersion.objects.create(
        centre=campaign.centre, version="v2", weights={"rural": 50}, rsu_threshold=9.74
    )
    run = AllocationRun.objects.create(
        centre=campaign.centre,
        campaign=campaign,
        seed=7,
        scoring_version=rule.version,
        scoring_rule=rule,
    )
    Campaign.objects.filter(pk=campaign.pk).update(scoring_rule=v2)
    services.allocation_run_execute(run_id=run.pk)
    scores = {o.application.person.cin: o.score for o in run.outcomes.all()}
    assert scores["FA000001"] == 6  # version 2026-1: unemployed + rural + first training


# --- Roles --------------------------------------------------------------------------------------


def test_only_the_centres_coordinators_set_up_the_season(
    client, centre, programme, cohorts, campaign, trainer, mentor, other_coordinator
):
    for user in (trainer, mentor):
        client.force_login(user)
        for name in ("programme_create", "cohort_create", "campaign_create", "scoring_manage"):
            assert client.get(reverse(f"programmes:{name}")).status_code == 403
    client.force_login(other_coordinator)
    assert client.get(reverse("programmes:cohort_edit", args=[cohorts[0].pk])).status_code == 404
    assert client.get(reverse("programmes:campaign_edit", args=[campaign.pk])).status_code == 404
    assert client.get(reverse("programmes:programme_edit", args=[programme.pk])).status_code == 404


def test_admin_can_set_up_too(client, centre, admin_user):
    client.force_login(admin_user)
    assert client.get(reverse("programmes:cohort_create")).status_code == 200
    page = client.get(reverse("programmes:programme_list")).content.decode()
    assert 'id="new-cohort"' in page


# --- Withdrawing a learner ----------------------------------------------------------------------


def test_withdrawal_before_the_start_offers_the_seat_to_the_next_in_line(
    client, published, cohorts, coordinator
):
    offer = offer_of(published, "FA000003")
    enrolment = services.offer_accept(offer=offer)
    cohort = enrolment.cohort
    enrolled = Cohort.objects.get(pk=cohort.pk).enrolled
    client.force_login(coordinator)
    url = reverse("programmes:enrolment_withdraw", args=[enrolment.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "A trouvé un emploi", "on": iso(today())})
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.withdrawn_on == today() and enrolment.withdrawal_reason == "A trouvé un emploi"
    assert Cohort.objects.get(pk=cohort.pk).enrolled == enrolled - 1
    assert Offer.objects.filter(
        run=published, cohort=cohort, from_waitlist=True, status=Offer.Status.OFFERED
    ).exists()


def test_withdrawal_after_the_start_leaves_the_seat_empty(centre, programme, coordinator):
    from markaz.learning.selectors import cohort_learning_rows
    from tests.factories import EnrolmentFactory

    cohort = make_cohort(centre, programme, "RUNNING", 2)
    Cohort.objects.filter(pk=cohort.pk).update(start_date=today() - dt.timedelta(days=5))
    cohort.refresh_from_db()
    stays, leaves = EnrolmentFactory(cohort=cohort), EnrolmentFactory(cohort=cohort)
    made = services.enrolment_withdraw(
        enrolment=leaves, actor=coordinator, reason="Déménagement", on=today()
    )
    assert made is None and not Offer.objects.exists()
    cohort.refresh_from_db()
    assert cohort.enrolled == 1
    assert [r["enrolment"].pk for r in cohort_learning_rows(cohort)] == [stays.pk]


@pytest.mark.parametrize(
    "data", [{"reason": "", "on": "TODAY"}, {"reason": "x", "on": "FUTURE"}, {"reason": "x"}]
)
def test_bad_withdrawal_is_refused_and_nothing_written(
    client, centre, programme, coordinator, data
):
    from tests.factories import EnrolmentFactory

    cohort = make_cohort(centre, programme, "W1", 2)
    enrolment = EnrolmentFactory(cohort=cohort)
    data = {
        k: {"TODAY": iso(today()), "FUTURE": iso(today() + dt.timedelta(days=2))}.get(v, v)
        for k, v in data.items()
    }
    client.force_login(coordinator)
    response = client.post(reverse("programmes:enrolment_withdraw", args=[enrolment.pk]), data)
    assert response.status_code == 400
    enrolment.refresh_from_db()
    assert enrolment.withdrawn_at is None and Enrolment.objects.get(pk=enrolment.pk)
    assert Cohort.objects.get(pk=cohort.pk).enrolled == 1


def test_trainer_cannot_withdraw(client, centre, programme, trainer):
    from tests.factories import EnrolmentFactory

    enrolment = EnrolmentFactory(cohort=make_cohort(centre, programme, "W2", 2))
    client.force_login(trainer)
    url = reverse("programmes:enrolment_withdraw", args=[enrolment.pk])
    assert client.post(url, {"reason": "x", "on": iso(today())}).status_code == 403
    enrolment.refresh_from_db()
    assert enrolment.withdrawn_at is None


def test_a_finished_campaign_without_runs_keeps_its_rule_and_its_cohorts(
    client, centre, programme, rule, coordinator
):
    """Like the demo's 2025 campaigns: never allocated here, but their cohorts are over."""
    old = make_cohort(centre, programme, "OLD-25", 5)
    Cohort.objects.filter(pk=old.pk).update(
        start_date=dt.date(2025, 9, 15), end_date=dt.date(2025, 12, 5)
    )
    finished = Campaign.objects.create(
        centre=centre,
        name_fr="Rentrée d'automne 2025",
        name_ar="دخول خريف 2025",
        opens_on=dt.date(2025, 6, 16),
        closes_on=dt.date(2025, 7, 25),
        scoring_rule=rule,
    )
    finished.cohorts.set([old])
    record, moved = services.scoring_rule_publish(
        centre=centre, version="v2", weights={"rural": 3}, rsu_threshold=9.74, note="", actor=None
    )
    finished.refresh_from_db()
    assert moved == 0 and finished.scoring_rule == rule
    client.force_login(coordinator)
    url = reverse("programmes:campaign_edit", args=[finished.pk])
    assert 'id="campaign-allocated"' in client.get(url).content.decode()
    response = client.post(
        url,
        campaign_post(
            record,
            [old],
            name_fr="Rentrée d'automne 2025",
            opens_on="2025-06-16",
            closes_on="2025-07-25",
        ),
    )
    assert response.status_code == 400
    finished.refresh_from_db()
    assert finished.scoring_rule == rule


# --- The first season's steps on the programmes page --------------------------------------------


def test_programmes_page_guides_a_new_centre_through_its_first_season(client, centre, coordinator):
    client.force_login(coordinator)
    html = client.get(reverse("programmes:programme_list")).content.decode()
    assert 'id="first-season"' in html
    for step, url in [
        ("rule", "programmes:scoring_manage"),
        ("programme", "programmes:programme_create"),
        ("cohort", "programmes:cohort_create"),
        ("campaign", "programmes:campaign_create"),
    ]:
        assert f'<li class="mb-1" id="step-{step}"><a href="{reverse(url)}">' in html
    assert "text-bg-success" not in html.split('id="first-season"')[1].split("</section>")[0]


def test_first_season_steps_are_marked_done_then_the_guide_goes(
    client, centre, coordinator, rule, programme, cohorts, trainer
):
    client.force_login(coordinator)
    html = client.get(reverse("programmes:programme_list")).content.decode()
    guide = html.split('id="first-season"')[1].split("</section>")[0]
    assert guide.count("text-bg-success") == 3  # rule, programme, cohort; no campaign yet
    assert f'href="{reverse("programmes:campaign_create")}"' in guide
    Campaign.objects.create(
        centre=centre,
        name_fr="Été",
        name_ar="صيف",
        opens_on=today(),
        closes_on=today() + dt.timedelta(days=10),
        scoring_rule=rule,
    )
    assert (
        'id="first-season"' not in client.get(reverse("programmes:programme_list")).content.decode()
    )
    client.force_login(trainer)  # reads the page, sets nothing up: no guide
    Campaign.objects.all().delete()
    assert (
        'id="first-season"' not in client.get(reverse("programmes:programme_list")).content.decode()
    )
