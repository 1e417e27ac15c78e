"""Enrolment never exceeds seats, even when many accepts arrive at once: the cohort's counter
is checked by the database (a CHECK constraint), and each accept is its own transaction."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from markaz.programmes import services
from markaz.programmes.models import AllocationRun, Application, Campaign, Enrolment, Offer
from tests.factories import applicant, make_cohort

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_accepts_never_overfill_a_cohort(centre, programme, rule):
    seats, applicants = 3, 8
    cohort = make_cohort(centre, programme, "RUSH", seats)
    campaign = Campaign.objects.create(
        centre=centre,
        name_fr="C",
        name_ar="C",
        opens_on=dt.date(2026, 8, 1),
        closes_on=dt.date(2026, 8, 31),
        scoring_rule=rule,
    )
    campaign.cohorts.set([cohort])
    run = AllocationRun.objects.create(
        centre=centre, campaign=campaign, seed=1, scoring_version="2026-1", status="published"
    )
    offers = []
    for i in range(applicants):  # more open offers than seats, as a staff error could leave
        app = Application.objects.create(
            centre=centre, campaign=campaign, person=applicant(centre, i)
        )
        offers.append(
            Offer.objects.create(
                run=run,
                cohort=cohort,
                application=app,
                deadline=timezone.now() + dt.timedelta(days=1),
            )
        )

    barrier = threading.Barrier(applicants)
    outcomes, lock = [], threading.Lock()

    def accept(offer):
        try:
            barrier.wait()
            services.offer_accept(offer=offer)
            result = "enrolled"
        except ValidationError as exc:
            result = exc.error_list[0].code
        except Exception as exc:  # noqa: BLE001 - reported in the assertion
            result = f"error {type(exc).__name__}: {exc}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=accept, args=(o,)) for o in offers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(outcomes) == ["enrolled"] * seats + ["full"] * (applicants - seats), outcomes
    cohort.refresh_from_db()
    assert cohort.enrolled == seats
    assert Enrolment.objects.filter(cohort=cohort).count() == seats
    assert Offer.objects.filter(status=Offer.Status.ACCEPTED).count() == seats
