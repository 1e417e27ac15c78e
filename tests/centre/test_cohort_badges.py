"""Printing a cohort's badges (issue 13 §1 B): coordinators only; a GET shows what will happen
and never issues; the confirmed POST issues the missing badges, is audited and gives the PDF."""

import pytest
from django.urls import reverse

from markaz.centre.models import Badge
from markaz.centre.services import badge_issue
from markaz.core.models import AuditEvent
from markaz.programmes.models import Enrolment

from .conftest import enrolled_people

pytestmark = pytest.mark.django_db


@pytest.fixture
def cohort(small_centre, programme):
    people = enrolled_people(small_centre, programme, 3)
    badge_issue(person=people[0])
    return Enrolment.objects.get(person=people[0]).cohort


def url(cohort):
    return reverse("centre:cohort_badges", args=[cohort.pk])


@pytest.mark.parametrize("language,words", [("fr", "badges seront imprimés"), ("ar", "شارات")])
def test_get_shows_the_confirmation_and_issues_nothing(
    client, cohort, coordinator, language, words
):
    client.force_login(coordinator)
    client.cookies["markaz_language"] = language
    response = client.get(url(cohort))
    html = response.content.decode()
    assert response.status_code == 200 and words in html
    assert 'name="confirm"' in html and "3" in html and "2" in html
    assert Badge.objects.count() == 1
    assert not AuditEvent.objects.filter(action="cohort_badges_print").exists()
    # A POST without the confirmation is refused too (400), writing nothing.
    assert client.post(url(cohort)).status_code == 400
    assert Badge.objects.count() == 1


def test_confirmed_post_issues_the_missing_badges_and_is_audited(client, cohort, coordinator):
    client.force_login(coordinator)
    response = client.post(url(cohort), {"confirm": "yes"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert Badge.objects.filter(revoked_at__isnull=True).count() == 3
    event = AuditEvent.objects.get(action="cohort_badges_print")
    assert event.actor == coordinator and event.object_id == str(cohort.pk)
    assert event.detail == {"cohort": cohort.code, "printed": 3, "issued": 2}
    # Printing again issues nothing new: the same badges.
    client.post(url(cohort), {"confirm": "yes"})
    assert Badge.objects.count() == 3
    assert AuditEvent.objects.filter(action="cohort_badges_print").count() == 2


def test_trainers_and_mentors_may_not_print(client, cohort, trainer, mentor):
    cohort.trainers.add(trainer)
    for user in (trainer, mentor):
        client.force_login(user)
        assert client.get(url(cohort)).status_code == 403
        assert client.post(url(cohort), {"confirm": "yes"}).status_code == 403
    assert Badge.objects.count() == 1
    assert not AuditEvent.objects.filter(action="cohort_badges_print").exists()


def test_the_cohort_page_offers_the_button_to_coordinators_only(
    client, cohort, coordinator, trainer
):
    cohort.trainers.add(trainer)
    type(cohort).objects.filter(pk=cohort.pk).update(enrolled=3)  # as enrolment_create keeps it
    page = reverse("programmes:cohort_detail", args=[cohort.pk])
    client.force_login(coordinator)
    assert 'id="print-badges"' in client.get(page).content.decode()
    client.force_login(trainer)
    assert 'id="print-badges"' not in client.get(page).content.decode()
