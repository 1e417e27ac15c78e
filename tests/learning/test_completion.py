"""Evaluations, attendance percentages, completion decisions and the coordinator's cohort page."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from markaz.core.roles import Role
from markaz.learning import selectors, services
from markaz.learning.models import Certificate, Completion, CompletionRule, Evaluation
from tests.factories import staff

from .conftest import at, make_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def rule(programme):
    return CompletionRule.objects.create(
        programme=programme, min_attendance_percent=75, requires_evaluation=True
    )


def mark_all(sessions, enrolments, trainer, table):
    """table[i][j]: status of enrolment j at session i."""
    for session, statuses in zip(sessions, table, strict=True):
        services.attendance_record(
            session=session,
            marks={e.pk: s for e, s in zip(enrolments, statuses, strict=True)},
            actor=trainer,
        )


@pytest.fixture
def marked(sessions, enrolments, trainer):
    mark_all(
        sessions,
        enrolments,
        trainer,
        [
            ["present", "present", "absent", "present"],
            ["late", "absent", "absent", "present"],
            ["present", "present", "present", "excused"],
            ["present", "absent", "present", "present"],
        ],
    )
    return sessions


def evaluate(enrolment, actor, passed=True, score="72.5"):
    return services.evaluation_record(
        enrolment=enrolment,
        passed=passed,
        score=Decimal(score) if score else None,
        evaluated_on=timezone.localdate(),
        actor=actor,
    )


def test_attendance_percent_counts_held_sessions_less_excused(cohort, enrolments, marked, trainer):
    make_session(cohort, trainer, at(1))  # started, but attendance not taken: not held
    make_session(cohort, trainer, at(-3))  # in the future
    figures = selectors.cohort_attendance(cohort)
    assert [figures[e.pk].percent for e in enrolments] == [
        Decimal("100.0"),  # 3 present + 1 late of 4
        Decimal("50.0"),
        Decimal("50.0"),
        Decimal("100.0"),  # 3 of 3: the excused session does not count
    ]
    assert figures[enrolments[3].pk].held == 4 and figures[enrolments[3].pk].counted == 3


def test_completion_decided_with_reasons_in_french_and_arabic(
    enrolments, marked, rule, trainer, coordinator
):
    evaluate(enrolments[0], trainer)
    completion = services.completion_decide(enrolment=enrolments[0], actor=coordinator)
    assert completion.completed is True
    assert completion.attendance_percent == Decimal("100.0")
    assert [(r["code"], r["passed"]) for r in completion.reasons] == [
        ("attendance", True),
        ("evaluation", True),
    ]
    for reason in completion.reasons:
        assert reason["fr"] and reason["ar"]
    assert "100.0" in completion.reasons[0]["fr"] and "75" in completion.reasons[0]["ar"]


def test_low_attendance_or_missing_evaluation_is_not_completed(
    enrolments, marked, rule, trainer, coordinator
):
    evaluate(enrolments[1], trainer)
    low = services.completion_decide(enrolment=enrolments[1], actor=coordinator)
    assert low.completed is False and low.attendance_percent == Decimal("50.0")
    assert [(r["code"], r["passed"]) for r in low.reasons] == [
        ("attendance", False),
        ("evaluation", True),
    ]
    missing = services.completion_decide(enrolment=enrolments[3], actor=coordinator)
    assert missing.completed is False
    assert [(r["code"], r["passed"]) for r in missing.reasons] == [
        ("attendance", True),
        ("evaluation", False),
    ]
    evaluate(enrolments[3], trainer, passed=False, score=None)
    assert services.completion_decide(enrolment=enrolments[3]).completed is False
    rule.requires_evaluation = False
    rule.save()
    again = services.completion_decide(enrolment=enrolments[3])
    assert again.completed is True and len(again.reasons) == 1
    assert Completion.objects.count() == 2  # deciding again replaces the decision


def test_no_rule_no_decision(enrolments, marked, coordinator):
    with pytest.raises(ValidationError):
        services.completion_decide(enrolment=enrolments[0], actor=coordinator)
    with pytest.raises(ValidationError):
        services.completions_decide_cohort(cohort=enrolments[0].cohort, actor=coordinator)
    assert Completion.objects.count() == 0


def test_only_coordinators_decide(enrolments, marked, rule, trainer, other_coordinator):
    for actor in (trainer, other_coordinator):
        with pytest.raises(PermissionDenied):
            services.completion_decide(enrolment=enrolments[0], actor=actor)
    assert Completion.objects.count() == 0


def test_trainer_enters_an_evaluation(client, trainer, enrolments):
    client.force_login(trainer)
    url = reverse("learning:evaluation", args=[enrolments[0].pk])
    assert client.get(url).status_code == 200
    today = timezone.localdate()
    response = client.post(url, {"passed": "yes", "score": "81", "evaluated_on": today})
    assert response.status_code == 302
    evaluation = Evaluation.objects.get()
    assert (evaluation.passed, evaluation.score, evaluation.evaluated_by) == (
        True,
        Decimal("81"),
        trainer,
    )
    client.post(url, {"passed": "no", "score": "", "evaluated_on": today})
    evaluation.refresh_from_db()
    assert (evaluation.passed, evaluation.score) == (False, None)
    assert Evaluation.objects.count() == 1


def test_evaluation_refused_in_the_future_or_out_of_range(client, trainer, enrolments):
    client.force_login(trainer)
    url = reverse("learning:evaluation", args=[enrolments[0].pk])
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    for data in (
        {"passed": "yes", "score": "80", "evaluated_on": tomorrow},
        {"passed": "yes", "score": "180", "evaluated_on": timezone.localdate()},
        {"score": "80", "evaluated_on": timezone.localdate()},
    ):
        assert client.post(url, data).status_code == 200
    assert Evaluation.objects.count() == 0


def test_another_trainer_cannot_evaluate(client, centre, enrolments, other_trainer):
    colleague = staff("trainer-2", Role.TRAINER, centre)
    url = reverse("learning:evaluation", args=[enrolments[0].pk])
    for user in (colleague, other_trainer):
        client.force_login(user)
        data = {"passed": "yes", "score": "80", "evaluated_on": timezone.localdate()}
        assert client.post(url, data).status_code == 404
    with pytest.raises(PermissionDenied):
        evaluate(enrolments[0], colleague)
    assert Evaluation.objects.count() == 0


def test_cohort_page_decides_and_issues(
    client, coordinator, cohort, enrolments, marked, rule, trainer
):
    evaluate(enrolments[0], trainer)
    evaluate(enrolments[1], trainer)
    client.force_login(coordinator)
    page = client.get(reverse("learning:cohort_completion", args=[cohort.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="decide-completions"' in html and 'id="issue-certificates"' in html
    rows = {r["enrolment"].pk: r for r in page.context["rows"]}
    assert rows[enrolments[2].pk]["attendance"].percent == Decimal("50.0")
    assert rows[enrolments[0].pk]["evaluation"].passed is True

    response = client.post(reverse("learning:completions_decide", args=[cohort.pk]))
    assert response.status_code == 302
    decided = dict(Completion.objects.values_list("enrolment_id", "completed"))
    assert decided == {
        enrolments[0].pk: True,
        enrolments[1].pk: False,
        enrolments[2].pk: False,
        enrolments[3].pk: False,
    }
    client.post(reverse("learning:certificates_issue", args=[cohort.pk]))
    assert list(Certificate.objects.values_list("enrolment_id", flat=True)) == [enrolments[0].pk]
    client.post(reverse("learning:certificates_issue", args=[cohort.pk]))  # nothing new
    assert Certificate.objects.count() == 1
    page = client.get(reverse("learning:cohort_completion", args=[cohort.pk]))
    assert Certificate.objects.get().code in page.content.decode()


def test_completion_rule_is_set_from_the_cohort_page(client, coordinator, cohort):
    client.force_login(coordinator)
    url = reverse("learning:completion_rule", args=[cohort.pk])
    client.post(url, {"min_attendance_percent": "70"})
    rule = CompletionRule.objects.get(programme=cohort.programme)
    assert (rule.min_attendance_percent, rule.requires_evaluation) == (70, False)
    client.post(url, {"min_attendance_percent": "170", "requires_evaluation": "on"})
    rule.refresh_from_db()
    assert (rule.min_attendance_percent, rule.requires_evaluation) == (70, False)


def test_who_sees_the_cohort_page(client, centre, cohort, trainer, mentor, other_coordinator):
    url = reverse("learning:cohort_completion", args=[cohort.pk])
    client.force_login(trainer)  # a trainer of the cohort reads it, without the buttons
    page = client.get(url)
    assert page.status_code == 200 and 'id="decide-completions"' not in page.content.decode()
    assert client.post(reverse("learning:completions_decide", args=[cohort.pk])).status_code == 403
    client.force_login(staff("trainer-2", Role.TRAINER, centre))
    assert client.get(url).status_code == 404
    client.force_login(other_coordinator)
    assert client.get(url).status_code == 404
    assert client.post(reverse("learning:completions_decide", args=[cohort.pk])).status_code == 404
    client.force_login(mentor)
    assert client.get(url).status_code == 403
    assert Completion.objects.count() == 0
