import datetime as dt

import pytest
from django.utils import timezone

from markaz.centre.services import badge_issue, badge_token
from markaz.programmes.models import Enrolment
from tests.factories import applicant, make_cohort


@pytest.fixture
def small_centre(centre):
    centre.max_occupancy = 3
    centre.save()
    return centre


def enrolled_people(centre, programme_, n: int, start: int = 0):
    today = timezone.localdate()
    cohort = make_cohort(centre, programme_, f"K{start}", max(n, 1))
    cohort.start_date, cohort.end_date = (
        today - dt.timedelta(days=10),
        today + dt.timedelta(days=60),
    )
    cohort.save()
    people = []
    for i in range(start, start + n):
        person = applicant(centre, i)
        Enrolment.objects.create(cohort=cohort, person=person)
        people.append(person)
    return people


@pytest.fixture
def badges(small_centre, programme):
    """Five enrolled learners with badges (tokens as their QR codes hold them)."""
    return [badge_token(badge_issue(person=p)) for p in enrolled_people(small_centre, programme, 5)]
