"""The roll-call (who is in the building) and badges record who read which persons."""

import pytest
from django.urls import reverse
from django.utils import timezone

from markaz.centre.models import Presence
from markaz.core.models import PersonalDataRead
from tests.factories import CohortFactory, EnrolmentFactory

pytestmark = pytest.mark.django_db


def persons_of(read) -> set[int]:
    return set(read.persons.values_list("person_id", flat=True))


def test_the_roll_call_records_who_it_lists(client, coordinator, centre):
    cohort = CohortFactory(centre=centre)
    inside = [EnrolmentFactory(cohort=cohort).person for _ in range(2)]
    for person in inside:
        Presence.objects.create(centre=centre, person=person, entered_at=timezone.now())
    client.force_login(coordinator)
    assert client.get(reverse("centre:roll_call")).status_code == 200
    read = PersonalDataRead.objects.get()
    assert read.kind == "list" and read.view == "centre:roll_call"
    assert persons_of(read) == {p.pk for p in inside}


def test_a_badge_page_and_the_badge_sheet_are_recorded(client, coordinator, centre):
    cohort = CohortFactory(centre=centre)
    learners = [EnrolmentFactory(cohort=cohort).person for _ in range(2)]
    client.force_login(coordinator)
    assert client.get(reverse("centre:person_badge", args=[learners[0].pk])).status_code == 200
    sheet = client.post(reverse("centre:cohort_badges", args=[cohort.pk]), {"confirm": "yes"})
    assert sheet.status_code == 200 and sheet["Content-Type"] == "application/pdf"
    sheet, page = PersonalDataRead.objects.all()
    assert page.kind == "page" and persons_of(page) == {learners[0].pk}
    assert sheet.kind == "export" and persons_of(sheet) == {p.pk for p in learners}
