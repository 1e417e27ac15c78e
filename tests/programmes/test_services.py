import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from markaz.programmes import services
from markaz.programmes.models import (
    AllocationRun,
    Application,
    Choice,
    Cohort,
    Enrolment,
    Offer,
    Outcome,
    WaitlistEntry,
)
from tests.factories import TODAY, applicant, make_cohort

pytestmark = pytest.mark.django_db


def submit(person, campaign, cohorts):
    return services.application_submit(
        person=person, campaign=campaign, cohorts=cohorts, today=TODAY
    )


# --- Rankings ---------------------------------------------------------------------------------


def test_ranking_is_recorded_in_order_and_can_be_replaced(centre, campaign, cohorts):
    p = applicant(centre, 1)
    submit(p, campaign, [cohorts[1], cohorts[0]])
    app = Application.objects.get()
    assert [c.cohort for c in app.choices.all()] == [cohorts[1], cohorts[0]]
    submit(p, campaign, [cohorts[0]])
    assert [c.cohort for c in Application.objects.get().choices.all()] == [cohorts[0]]


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("ineligible", "ineligible"),
        ("closed", "closed"),
        ("twice", "duplicate"),
        ("outside", "not_in_campaign"),
        ("daytime_worker", "daytime"),
        ("empty", "empty"),
    ],
)
def test_bad_rankings_are_refused_and_nothing_written(
    centre, campaign, cohorts, programme, case, code
):
    p = applicant(
        centre,
        1,
        activity_status="student"
        if case == "ineligible"
        else "worker"
        if case == "daytime_worker"
        else "unemployed",
    )
    choice = {
        "ineligible": [cohorts[0]],
        "closed": [cohorts[0]],
        "twice": [cohorts[0], cohorts[0]],
        "outside": [make_cohort(centre, programme, "X9", 5)],
        "daytime_worker": [cohorts[2]],
        "empty": [],
    }[case]
    today = dt.date(2026, 9, 16) if case == "closed" else TODAY
    with pytest.raises(ValidationError) as exc:
        services.application_submit(person=p, campaign=campaign, cohorts=choice, today=today)
    assert exc.value.error_list[0].code == code
    assert Application.objects.count() == 0 and Choice.objects.count() == 0


def test_ineligible_message_gives_the_reasons(centre, campaign, cohorts):
    p = applicant(centre, 1, activity_status="student")
    with pytest.raises(ValidationError) as exc:
        submit(p, campaign, [cohorts[0]])
    assert "étudiant" in exc.value.messages[0].lower()


# --- Allocation runs --------------------------------------------------------------------------


@pytest.fixture
def ranked(centre, campaign, cohorts):
    """Five applicants. Scores: p1 (rural, unemployed) > others; p2 is a woman."""
    people = [
        applicant(centre, 1, commune="rislane", sex="M"),  # unemployed + rural + first = 6
        applicant(centre, 2, sex="F", activity_status="worker"),  # first = 1
        applicant(centre, 3, sex="M"),  # unemployed + first = 4
        applicant(centre, 4, sex="M"),  # 4
        applicant(centre, 5, sex="M", activity_status="trainee"),  # 1
    ]
    c1, c2, c3 = cohorts
    submit(people[0], campaign, [c1, c2])
    submit(people[1], campaign, [c1])
    submit(people[2], campaign, [c1, c2])
    submit(people[3], campaign, [c1, c2])
    submit(people[4], campaign, [c2, c1])
    return people


def run_allocation(campaign, actor, seed=7, django_capture_on_commit_callbacks=None):
    campaign.closes_on = TODAY - dt.timedelta(days=1)
    campaign.opens_on = TODAY - dt.timedelta(days=30)
    campaign.save()
    with django_capture_on_commit_callbacks(execute=True):
        run = services.allocation_run_start(campaign=campaign, actor=actor, seed=seed)
    run.refresh_from_db()
    return run


def test_allocation_run_respects_reserves_and_records_everything(
    centre, campaign, cohorts, ranked, coordinator, django_capture_on_commit_callbacks
):
    run = run_allocation(
        campaign, coordinator, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks
    )
    assert run.status == AllocationRun.Status.READY and run.job.status == "done"
    assert run.seed == 7 and run.scoring_version == "2026-1" and len(run.inputs_hash) == 64
    c1, c2, _c3 = cohorts
    placed = {
        o.application.person.cin: o.cohort
        for o in Outcome.objects.select_related("application__person", "cohort")
    }
    # C1 has 2 seats, 1 open then 1 reserved for women: the best score takes the open seat, the
    # only woman (low score) takes the reserved seat.
    assert placed["FA000001"] == c1 and placed["FA000002"] == c1
    assert placed["FA000003"] == c2 and placed["FA000004"] == c2
    assert placed["FA000005"] is None
    fill = run.summary["reserve_fill"][str(c1.pk)]["women"]
    assert fill["members"] == 1
    outcome5 = Outcome.objects.get(application__person__cin="FA000005")
    assert outcome5.explanation_fr and outcome5.explanation_ar
    # Waiting lists: C1 keeps those who preferred it, in its own order.
    wl = list(
        WaitlistEntry.objects.filter(run=run, cohort=c1)
        .order_by("position")
        .values_list("application__person__cin", flat=True)
    )
    assert wl[:2] == ["FA000003", "FA000004"] or set(wl[:2]) == {"FA000003", "FA000004"}
    assert "FA000005" in wl


def test_same_seed_same_result(
    centre, campaign, ranked, coordinator, django_capture_on_commit_callbacks
):
    run1 = run_allocation(
        campaign,
        coordinator,
        seed=11,
        django_capture_on_commit_callbacks=django_capture_on_commit_callbacks,
    )
    run2 = run_allocation(
        campaign,
        coordinator,
        seed=11,
        django_capture_on_commit_callbacks=django_capture_on_commit_callbacks,
    )
    a = dict(Outcome.objects.filter(run=run1).values_list("application_id", "cohort_id"))
    b = dict(Outcome.objects.filter(run=run2).values_list("application_id", "cohort_id"))
    assert a == b and run1.inputs_hash == run2.inputs_hash


def test_cannot_allocate_an_open_campaign(campaign, coordinator):
    today = timezone.localdate()
    campaign.opens_on, campaign.closes_on = (
        today - dt.timedelta(days=1),
        today + dt.timedelta(days=1),
    )
    campaign.save()
    with pytest.raises(ValidationError):
        services.allocation_run_start(campaign=campaign, actor=coordinator)
    assert AllocationRun.objects.count() == 0


@pytest.fixture
def published(campaign, ranked, coordinator, django_capture_on_commit_callbacks):
    run = run_allocation(
        campaign, coordinator, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks
    )
    services.allocation_publish(run=run, actor=coordinator)
    run.refresh_from_db()
    return run


def offer_of(run, cin):
    return Offer.objects.get(run=run, application__person__cin=cin, status=Offer.Status.OFFERED)


def test_publish_sends_one_offer_per_placed_applicant(published, coordinator):
    assert published.status == AllocationRun.Status.PUBLISHED
    assert Offer.objects.filter(run=published).count() == 4
    with pytest.raises(ValidationError):
        services.allocation_publish(run=published, actor=coordinator)
    assert Offer.objects.filter(run=published).count() == 4


def test_declined_seat_goes_to_exactly_one_next_applicant(published, cohorts):
    c1 = cohorts[0]
    before = Offer.objects.count()
    services.offer_decline(offer=offer_of(published, "FA000001"))
    new = Offer.objects.filter(run=published, cohort=c1, from_waitlist=True)
    assert Offer.objects.count() == before + 1 and new.count() == 1
    first_in_line = (
        WaitlistEntry.objects.filter(run=published, cohort=c1).order_by("position").first()
    )
    assert new.get().application_id == first_in_line.application_id


def test_accepting_an_upgrade_releases_the_lower_seat_to_the_next_in_line(published, cohorts):
    c1, c2, _ = cohorts
    services.offer_decline(
        offer=offer_of(published, "FA000001")
    )  # C1 seat goes to the head of C1's list
    upgraded = Offer.objects.get(run=published, cohort=c1, from_waitlist=True)
    cin = upgraded.application.person.cin
    lower = Offer.objects.get(run=published, cohort=c2, application=upgraded.application)
    services.offer_accept(offer=lower)
    services.offer_accept(offer=upgraded)
    lower.refresh_from_db()
    assert lower.status == Offer.Status.WITHDRAWN
    assert Enrolment.objects.filter(person__cin=cin, withdrawn_at__isnull=True).get().cohort == c1
    c2.refresh_from_db()
    assert c2.enrolled == 0
    # C2's freed seat went to one next applicant.
    assert Offer.objects.filter(run=published, cohort=c2, from_waitlist=True).count() == 1


def test_accepting_twice_or_after_expiry_is_refused(published):
    offer = offer_of(published, "FA000003")
    services.offer_accept(offer=offer)
    with pytest.raises(ValidationError) as exc:
        services.offer_accept(offer=offer)
    assert exc.value.error_list[0].code == "accepted"
    assert Enrolment.objects.count() == 1
    late = offer_of(published, "FA000004")
    with pytest.raises(ValidationError) as exc:
        services.offer_accept(offer=late, now=late.deadline + dt.timedelta(minutes=1))
    assert exc.value.error_list[0].code == "expired"
    assert Enrolment.objects.count() == 1


def test_expired_offers_pass_the_seat_on(published, cohorts):
    later = timezone.now() + dt.timedelta(days=8)
    assert services.offers_expire(now=later) == 4
    assert Offer.objects.filter(status=Offer.Status.EXPIRED).count() == 4
    # Each freed seat offered once more, to waitlisted applicants only.
    assert Offer.objects.filter(from_waitlist=True, status=Offer.Status.OFFERED).count() <= 4


def test_the_database_refuses_a_seat_too_many(published, cohorts):
    c2 = cohorts[1]
    c2.seats = 1
    c2.save()
    services.offer_accept(offer=offer_of(published, "FA000003"))
    with pytest.raises(ValidationError) as exc:
        services.offer_accept(offer=offer_of(published, "FA000004"))
    assert exc.value.error_list[0].code == "full"
    c2.refresh_from_db()
    assert c2.enrolled == 1 and Enrolment.objects.filter(cohort=c2).count() == 1


def test_waitlist_positions_are_true(published, cohorts):
    c1 = cohorts[0]
    entries = list(WaitlistEntry.objects.filter(run=published, cohort=c1).order_by("position"))
    assert [services.waitlist_position(e) for e in entries] == list(range(1, len(entries) + 1))
    services.offer_decline(offer=offer_of(published, "FA000001"))
    remaining = list(
        WaitlistEntry.objects.filter(run=published, cohort=c1, active=True).order_by("position")
    )
    assert [services.waitlist_position(e) for e in remaining] == list(range(1, len(remaining) + 1))


def test_cohort_counter_check_constraint_exists(centre, programme):
    from django.db import IntegrityError, transaction

    cohort = make_cohort(centre, programme, "Z1", 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Cohort.objects.filter(pk=cohort.pk).update(enrolled=2)
