"""Someone else's seat (issue 13): a CIN and a birth date, both printed on the CIN card, show a
result but no longer answer an offer or show the door badge: that needs the code sent by SMS to
the phone of the application. And someone who applied first with another person's CIN does not
make the real person's results say "no application"."""

import datetime as dt

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from markaz.core.models import OneTimeCode, OutboxMessage
from markaz.programmes.models import Application, Enrolment, Offer, Outcome
from markaz.registry.models import IntakeConflict, Person
from tests.factories import apply_post, form_post, sms_code

from .test_services import published, ranked  # noqa: F401 - fixtures
from .test_views import open_campaign  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


def _placed(run):
    outcome = (
        Outcome.objects.filter(run=run, cohort__isnull=False)
        .select_related("application__person")
        .order_by("pk")
        .first()
    )
    return outcome.application.person, Offer.objects.get(run=run, application=outcome.application)


def _look_up(client, person, **extra):
    return client.post(
        reverse("programmes:results"),
        {"cin": person.cin, "birth_date": person.birth_date.isoformat()},
        **extra,
    )


def _written():
    return (
        list(Offer.objects.order_by("pk").values_list("pk", "status")),
        Enrolment.objects.count(),
        list(OneTimeCode.objects.order_by("pk").values_list("pk", "used_at")),
    )


def test_cin_and_birth_date_alone_cannot_decline_someone_elses_seat(client, published):  # noqa: F811
    """The attack of the report: it declined the offer and gave the seat to the next one."""
    person, offer = _placed(published)
    assert _look_up(client, person).status_code == 302
    before = _written()
    client.post(reverse("programmes:results_answer", args=[offer.pk, "decline"]))
    assert _written() == before
    offer.refresh_from_db()
    assert offer.status == Offer.Status.OFFERED
    assert not Offer.objects.filter(run=published, from_waitlist=True).exists()


def test_the_page_names_only_the_end_of_the_phone(client, published):  # noqa: F811
    person, _offer = _placed(published)
    _look_up(client, person)
    html = client.get(reverse("programmes:results_me")).content.decode()
    assert "se termine par" in html and f">{person.phone[-2:]}<" in html
    assert person.phone not in html and person.phone[-6:] not in html
    assert OutboxMessage.objects.filter(kind="otp", phone=person.phone).count() == 1


def test_with_the_code_the_applicant_declines(client, published):  # noqa: F811
    person, offer = _placed(published)
    _look_up(client, person)
    response = client.post(reverse("programmes:results_verify"), {"code": sms_code(person.phone)})
    assert response.status_code == 302
    client.post(reverse("programmes:results_answer", args=[offer.pk, "decline"]))
    offer.refresh_from_db()
    assert offer.status == Offer.Status.DECLINED


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_a_wrong_code_says_so_and_writes_nothing(client, published, language):  # noqa: F811
    person, offer = _placed(published)
    client.cookies["markaz_language"] = language
    _look_up(client, person)
    code = sms_code(person.phone)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    before = _written()
    response = client.post(reverse("programmes:results_verify"), {"code": wrong})
    assert response.status_code == 400
    html = response.content.decode()
    expected = {"fr": "Ce code est faux", "ar": "هذا الرمز غير صحيح"}[language]
    assert expected in html
    assert _written() == before
    client.post(reverse("programmes:results_answer", args=[offer.pk, "accept"]))
    assert _written() == before


def test_an_expired_code_says_so_and_writes_nothing(client, published):  # noqa: F811
    person, offer = _placed(published)
    _look_up(client, person)
    OneTimeCode.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    before = _written()
    response = client.post(reverse("programmes:results_verify"), {"code": sms_code(person.phone)})
    assert response.status_code == 400 and "expiré" in response.content.decode()
    assert _written() == before
    client.post(reverse("programmes:results_answer", args=[offer.pk, "accept"]))
    assert _written() == before


def test_a_code_is_good_for_one_session_only(client, published, django_user_model):  # noqa: F811
    from django.test import Client

    person, offer = _placed(published)
    _look_up(client, person)
    code = sms_code(person.phone)
    assert client.post(reverse("programmes:results_verify"), {"code": code}).status_code == 302
    other = Client()
    _look_up(other, person)  # a new look-up sends a new code: the used one opens nothing
    assert other.post(reverse("programmes:results_verify"), {"code": code}).status_code == 400
    other.post(reverse("programmes:results_answer", args=[offer.pk, "decline"]))
    offer.refresh_from_db()
    assert offer.status == Offer.Status.OFFERED


def test_the_page_says_where_the_demo_writes_the_code_only_with_the_file_backend(
    client,
    published,  # noqa: F811
):
    person, _offer = _placed(published)
    _look_up(client, person)
    with override_settings(MARKAZ_SMS_BACKEND="markaz.core.sms.FileBackend"):
        assert "var/sms-outbox.log" in client.get(reverse("programmes:results_me")).content.decode()
    with override_settings(MARKAZ_SMS_BACKEND="markaz.core.sms.MemoryBackend"):
        assert (
            "var/sms-outbox.log"
            not in client.get(reverse("programmes:results_me")).content.decode()
        )


def test_new_codes_are_limited_per_phone(client, published):  # noqa: F811
    person, _offer = _placed(published)
    for _ in range(6):
        _look_up(client, person)
        client.post(reverse("programmes:results_resend"))
    assert OutboxMessage.objects.filter(kind="otp").count() == 5
    html = client.get(reverse("programmes:results_me")).content.decode()
    assert "Trop de codes" in html


# --- Squatting: someone applied first with another person's CIN ------------------------------


def test_the_real_person_can_still_apply_and_staff_see_the_conflict(client, centre, coordinator):
    url = reverse("programmes:apply_centre", args=[centre.code])
    squatter = form_post(first_name_latin="Faux", birth_date="2001-01-01", phone="0699999999")
    assert apply_post(client, url, squatter).status_code == 302
    real = form_post()  # the CIN's holder, with their real birth date and phone
    assert apply_post(client, url, real).status_code == 302
    assert Person.objects.count() == 1
    conflict = IntakeConflict.objects.get()
    assert conflict.submitted["conflict"] == ["birth_date", "phone"]
    assert conflict.submitted["birth_date"] == "1999-05-14"

    # the real person's results do not say "no application": theirs is held for a check
    lookup = client.post(
        reverse("programmes:results"), {"cin": "FB654321", "birth_date": "1999-05-14"}
    )
    html = lookup.content.decode()
    assert lookup.status_code == 200 and 'id="held"' in html
    assert "Aucune candidature" not in html

    # and the coordinators see it, with what differs
    client.force_login(coordinator)
    page = client.get(reverse("registry:duplicate_list")).content.decode()
    assert 'id="intake-conflicts"' in page
    assert "14/05/1999" in page and "Date de naissance différente" in page


def test_the_same_person_applying_twice_is_no_squatting_conflict(client, centre):
    url = reverse("programmes:apply_centre", args=[centre.code])
    apply_post(client, url, form_post())
    apply_post(client, url, form_post())
    assert IntakeConflict.objects.get().submitted["conflict"] == []


def test_a_held_application_keeps_its_ranked_cohorts(client, centre, open_campaign, cohorts):  # noqa: F811
    url = reverse("programmes:apply_centre", args=[centre.code])
    apply_post(client, url, form_post(birth_date="2001-01-01", phone="0699999999"))
    choices = {"rank-choice_1": cohorts[1].pk, "rank-choice_2": cohorts[0].pk}
    apply_post(client, url, form_post(activity_status="unemployed", **choices))
    conflict = IntakeConflict.objects.get()
    assert conflict.submitted["cohorts"] == [cohorts[1].pk, cohorts[0].pk]
    assert Application.objects.count() == 0  # nothing ranked for the squatter's record


def _held(client, centre):
    url = reverse("programmes:apply_centre", args=[centre.code])
    apply_post(client, url, form_post(birth_date="2001-01-01", phone="0699999999"))
    apply_post(client, url, form_post())
    return IntakeConflict.objects.get()


def test_a_coordinator_marks_a_held_application_checked(client, centre, coordinator):
    from markaz.core.models import AuditEvent

    conflict = _held(client, centre)
    client.force_login(coordinator)
    url = reverse("registry:intake_conflict_resolve", args=[conflict.pk])
    assert client.post(url).status_code == 302
    conflict.refresh_from_db()
    assert conflict.resolved
    assert AuditEvent.objects.filter(action="intake_conflict_resolve").count() == 1
    page = client.get(reverse("registry:duplicate_list")).content.decode()
    assert 'id="intake-conflicts"' not in page
    # once checked, the results page no longer says it is held
    client.logout()
    lookup = client.post(
        reverse("programmes:results"), {"cin": "FB654321", "birth_date": "1999-05-14"}
    )
    assert 'id="held"' not in lookup.content.decode()


@pytest.mark.parametrize(("persona", "status"), [("trainer", 403), ("other_coordinator", 404)])
def test_only_the_centres_coordinators_decide(client, request, centre, persona, status):
    conflict = _held(client, centre)
    client.force_login(request.getfixturevalue(persona))
    url = reverse("registry:intake_conflict_resolve", args=[conflict.pk])
    assert client.post(url).status_code == status
    conflict.refresh_from_db()
    assert not conflict.resolved
