"""Attendance sheets and the completion list record who read which learners."""

import pytest
from django.urls import reverse

from markaz.core.models import PersonalDataRead

pytestmark = pytest.mark.django_db


def persons_of(read) -> set[int]:
    return set(read.persons.values_list("person_id", flat=True))


def test_the_attendance_sheet_records_its_learners(client, trainer, enrolments, session):
    client.force_login(trainer)
    assert client.get(reverse("learning:attendance", args=[session.pk])).status_code == 200
    read = PersonalDataRead.objects.get()
    assert read.user == trainer and read.kind == "list" and read.view == "learning:attendance"
    assert persons_of(read) == {e.person_id for e in enrolments}


def test_the_completion_list_records_its_learners(client, coordinator, enrolments, cohort):
    client.force_login(coordinator)
    assert client.get(reverse("learning:cohort_completion", args=[cohort.pk])).status_code == 200
    read = PersonalDataRead.objects.get()
    assert read.view == "learning:cohort_completion"
    assert persons_of(read) == {e.person_id for e in enrolments}


def test_a_refused_sheet_records_nothing(client, enrolments, session, other_trainer):
    client.force_login(other_trainer)
    assert client.get(reverse("learning:attendance", args=[session.pk])).status_code in (403, 404)
    assert not PersonalDataRead.objects.exists()
