"""A mentee's file and the follow-up due-list record who read which youth."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from markaz.core.models import PersonalDataRead
from markaz.mentoring.models import FollowUp

pytestmark = pytest.mark.django_db


def persons_of(read) -> set[int]:
    return set(read.persons.values_list("person_id", flat=True))


def test_a_mentor_opening_their_mentee_is_recorded(client, mentor, mentee):
    client.force_login(mentor)
    assert client.get(reverse("mentoring:mentee_detail", args=[mentee.pk])).status_code == 200
    read = PersonalDataRead.objects.get()
    assert read.user == mentor and read.kind == "page" and persons_of(read) == {mentee.pk}


def test_the_followup_list_records_the_youth_it_shows(client, coordinator, mentee, centre):
    enrolment = mentee.enrolments.first()
    FollowUp.objects.create(
        centre=centre,
        person=mentee,
        enrolment=enrolment,
        milestone="m6",
        due_on=timezone.localdate() + dt.timedelta(days=2),
    )
    client.force_login(coordinator)
    assert client.get(reverse("mentoring:followup_list")).status_code == 200
    read = PersonalDataRead.objects.get()
    assert read.view == "mentoring:followup_list" and persons_of(read) == {mentee.pk}
