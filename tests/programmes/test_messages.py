"""Applicants are told: an offer with its deadline at publication, a seat from the waiting list,
a reminder two days before the deadline; in their language, once each."""

import datetime as dt
import io

from django.core.management import call_command
from django.utils import timezone, translation

from markaz.core.models import OutboxMessage
from markaz.programmes import services
from markaz.programmes.models import Offer

from .test_services import offer_of, published, ranked  # noqa: F401 - fixtures


def test_publication_queues_one_sms_per_offer_in_the_applicants_language(published):  # noqa: F811
    offers = Offer.objects.filter(run=published).select_related("application__person")
    messages = OutboxMessage.objects.filter(kind="offer")
    assert messages.count() == offers.count() == 4
    for offer in offers:
        message = messages.get(phone=offer.application.person.phone)
        assert message.status == OutboxMessage.Status.QUEUED
        assert message.idempotency_key == f"offer:{offer.pk}:sms"
        deadline = timezone.localtime(offer.deadline).strftime("%d/%m/%Y %H:%M")
        assert deadline in message.body and offer.cohort.code in message.body
        assert message.language == "ar" and "/results/" in message.body
    with translation.override("ar"):
        assert "لديك مقعد" in messages.first().body


def test_a_french_reader_is_written_to_in_french(published, cohorts):  # noqa: F811
    offer = offer_of(published, "FA000001")
    person = offer.application.person
    person.preferred_language = "fr"
    person.save()
    services.offer_decline(offer=offer)
    promoted = Offer.objects.get(run=published, from_waitlist=True)
    promoted.application.person.preferred_language = "fr"
    promoted.application.person.save()
    OutboxMessage.objects.filter(kind="waitlist_offer").delete()
    services.offers_notify(offers=[promoted], kind=services.WAITLIST_OFFER)
    message = OutboxMessage.objects.get(kind="waitlist_offer")
    assert message.language == "fr"
    assert message.body.startswith("Centre de Berkane : une place s'est libérée pour vous")


def test_a_waiting_list_promotion_is_told_once(published, cohorts):  # noqa: F811
    services.offer_decline(offer=offer_of(published, "FA000001"))
    promoted = Offer.objects.get(run=published, from_waitlist=True)
    message = OutboxMessage.objects.get(kind="waitlist_offer")
    assert message.phone == promoted.application.person.phone
    assert services.offers_notify(offers=[promoted], kind=services.WAITLIST_OFFER) == 0


def test_reminders_two_days_before_the_deadline_once(published):  # noqa: F811
    offer = offer_of(published, "FA000003")
    services.offer_accept(offer=offer)  # answered: no reminder
    deadline = offer_of(published, "FA000004").deadline
    assert services.offer_reminders_queue(now=deadline - dt.timedelta(days=3)) == 0
    assert services.offer_reminders_queue(now=deadline - dt.timedelta(days=2)) == 3
    assert services.offer_reminders_queue(now=deadline - dt.timedelta(days=1)) == 0
    reminder = OutboxMessage.objects.filter(kind="offer_reminder").first()
    assert timezone.localtime(deadline).strftime("%d/%m/%Y %H:%M") in reminder.body
    assert services.offer_reminders_queue(now=deadline + dt.timedelta(minutes=1)) == 0


def test_offer_reminders_command_is_idempotent(published):  # noqa: F811
    Offer.objects.filter(run=published).update(
        deadline=timezone.now() + dt.timedelta(days=1),
        offered_at=timezone.now() - dt.timedelta(days=6),
    )
    out = io.StringIO()
    call_command("offer_reminders", stdout=out)
    assert "queued: 4" in out.getvalue()
    call_command("offer_reminders", stdout=out)
    assert "queued: 0" in out.getvalue()
    assert OutboxMessage.objects.filter(kind="offer_reminder").count() == 4
