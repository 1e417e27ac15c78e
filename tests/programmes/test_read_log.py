"""A cohort's page records the learners it lists to whoever sees them."""

import pytest
from django.urls import reverse

from markaz.core.models import PersonalDataRead
from tests.factories import CohortFactory, EnrolmentFactory

pytestmark = pytest.mark.django_db


def test_the_cohort_learner_list_is_recorded_for_its_trainer(client, centre, trainer, mentor):
    cohort = CohortFactory(centre=centre)
    cohort.trainers.add(trainer)
    learners = {EnrolmentFactory(cohort=cohort).person_id for _ in range(3)}
    client.force_login(trainer)
    assert client.get(reverse("programmes:cohort_detail", args=[cohort.pk])).status_code == 200
    read = PersonalDataRead.objects.get()
    assert read.user == trainer and read.kind == "list"
    assert read.view == "programmes:cohort_detail"
    assert set(read.persons.values_list("person_id", flat=True)) == learners
    # A mentor sees the figures only: nobody named, nothing recorded.
    client.force_login(mentor)
    assert client.get(reverse("programmes:cohort_detail", args=[cohort.pk])).status_code == 200
    assert PersonalDataRead.objects.count() == 1
