"""The coordinator enters a year's running budget and targets; bad figures write nothing."""

from decimal import Decimal

import pytest
from django.urls import reverse

from markaz.centre.models import YearPlan
from markaz.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def url(year=2025):
    return reverse("centre:year_plan", kwargs={"year": year})


def test_coordinator_saves_budget_and_targets_seen_by_the_indicators(client, centre, coordinator):
    import datetime as dt

    from markaz.reporting.selectors import indicator_pack

    client.force_login(coordinator)
    page = client.get(url())
    assert page.status_code == 200
    assert "target_enrolled" in page.content.decode()
    response = client.post(
        url(),
        {
            "running_budget_mad": "1200000",
            "investment_mad": "5300000",
            "target_enrolled": "120",
            "target_insertion_rate_12": "45",
        },
    )
    assert response.status_code == 302
    plan = YearPlan.objects.get(centre=centre, year=2025)
    assert plan.running_budget_mad == Decimal("1200000")
    assert plan.targets == {"enrolled": 120.0, "insertion_rate_12": 45.0}
    pack = indicator_pack(
        centre=centre, start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31), protect=False
    )
    enrolled = next(i for i in pack["indicators"] if i["code"] == "enrolled")
    assert enrolled["target"] == 120.0 and enrolled["pct_target"] == 0.0
    assert AuditEvent.objects.filter(action="year_plan_save").count() == 1


@pytest.mark.parametrize(
    "bad",
    [
        {"running_budget_mad": "-5"},
        {"target_insertion_rate_12": "140"},
        {"target_enrolled": "-1"},
        {"running_budget_mad": "lots"},
    ],
)
def test_bad_figures_are_refused_and_nothing_is_written(client, centre, coordinator, bad):
    client.force_login(coordinator)
    data = {"running_budget_mad": "1000", "investment_mad": "5300000", **bad}
    response = client.post(url(), data, HTTP_ACCEPT_LANGUAGE="ar")
    assert response.status_code == 200
    assert "invalid-feedback" in response.content.decode()  # the field says what is wrong
    assert not YearPlan.objects.exists()
    assert not AuditEvent.objects.filter(action="year_plan_save").exists()


def test_service_refuses_an_unknown_indicator_and_writes_nothing(centre, coordinator):
    from django.core.exceptions import ValidationError

    from markaz.centre.services import year_plan_save

    with pytest.raises(ValidationError):
        year_plan_save(
            centre=centre,
            year=2025,
            running_budget_mad=0,
            investment_mad=0,
            targets={"happiness": 3},
            actor=coordinator,
        )
    assert not YearPlan.objects.exists()


@pytest.mark.parametrize("persona", ["trainer", "mentor", "provincial_viewer", "caravan_staff"])
def test_only_coordinators_and_admins(client, request, persona, centre):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(url()).status_code == 403
