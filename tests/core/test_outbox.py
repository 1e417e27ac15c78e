"""The outbox: queued once, delivered through the provider's HTTP API (a local stand-in, never
the network), retried with backoff, never twice, STOP honoured, reports recorded."""

import datetime as dt
import json
import uuid

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from markaz.core import sms
from markaz.core.models import AuditEvent, OutboxMessage, SmsOptOut
from markaz.core.outbox import (
    Outgoing,
    _claim,
    backoff_seconds,
    normalize_phone,
    outbox_deliver,
    outbox_inbound,
    outbox_queue,
    outbox_queue_many,
    outbox_reports_pull,
    sms_opt_out,
)
from markaz.core.sms.providers import HttpJsonBackend, InfobipBackend
from markaz.core.sms.standin import StandInProvider

S = OutboxMessage.Status
PHONES = [f"+2126120000{n:02d}" for n in range(10, 40)]


@pytest.fixture
def provider():
    with StandInProvider() as p:
        yield p


@pytest.fixture
def infobip(provider, settings):
    settings.MARKAZ_SMS_NOTIFY_URL = "https://markaz.example/sms/webhooks/reports/?secret=s"
    return InfobipBackend(base_url=provider.url, api_key=provider.api_key)


def queue(centre, n=3, **kw):
    for i in range(n):
        outbox_queue(
            kind="t", body=f"Salam {i}", centre=centre, phone=PHONES[i], key=f"t:{i}", **kw
        )


# --- Queueing ---------------------------------------------------------------------------------


def test_queue_is_idempotent_per_key_and_per_channel(centre):
    assert outbox_queue(kind="offer", body="b", phone=PHONES[0], email="a@b.ma", key="offer:1") == 2
    assert outbox_queue(kind="offer", body="b", phone=PHONES[0], email="a@b.ma", key="offer:1") == 0
    items = [Outgoing("offer", "b", phone=PHONES[0], key="offer:1")] * 2
    assert outbox_queue_many(items) == 0
    rows = OutboxMessage.objects.order_by("channel")
    assert [(r.channel, r.status, r.idempotency_key) for r in rows] == [
        ("email", S.QUEUED, "offer:1:email"),
        ("sms", S.QUEUED, "offer:1:sms"),
    ]
    assert rows[0].client_id != rows[1].client_id


def test_messages_without_a_key_are_all_queued(centre):
    items = [Outgoing("note", f"b{i}", phone=PHONES[i]) for i in range(3)]
    assert outbox_queue_many(items) == 3
    assert OutboxMessage.objects.filter(idempotency_key__isnull=True).count() == 3


def test_queue_to_nobody_is_a_visible_failure_and_to_a_stopped_phone_is_stopped(centre):
    sms_opt_out(phone="0612000010", source=SmsOptOut.Source.STAFF)
    outbox_queue(kind="alert", body="x", key="a")
    outbox_queue(kind="offer", body="y", phone=PHONES[0], email="x@y.ma", key="b")
    assert OutboxMessage.objects.get(idempotency_key="a:sms").status == S.FAILED
    assert OutboxMessage.objects.get(idempotency_key="b:sms").status == S.STOPPED
    assert OutboxMessage.objects.get(idempotency_key="b:email").status == S.QUEUED


def test_phone_numbers_are_normalised():
    assert normalize_phone("06 12 34 56 78") == "+212612345678"
    assert normalize_phone("212612345678") == "+212612345678"
    with pytest.raises(ValidationError):
        normalize_phone("12")


# --- Delivery through Infobip's API (stand-in) ------------------------------------------------


def test_deliver_through_infobip_records_the_provider_id_and_sends_once(centre, provider, infobip):
    queue(centre, 3)
    result = outbox_deliver(backend=infobip)
    assert (result.sent, result.failed, result.retried) == (3, 0, 0)
    assert result.requests == 1  # one batch, one request
    rows = list(OutboxMessage.objects.order_by("pk"))
    assert {r.status for r in rows} == {S.SENT}
    assert all(r.provider_id == str(r.client_id) and r.attempts == 1 for r in rows)
    assert set(provider.delivered) == {str(r.client_id) for r in rows}
    assert provider.texts[str(rows[0].client_id)] == ("212612000010", "Salam 0")
    assert outbox_deliver(backend=infobip).sent == 0
    assert provider.requests == 1 and provider.duplicates == 0


def test_a_wrong_key_is_retried_later_not_lost(centre, provider):
    queue(centre, 2)
    result = outbox_deliver(backend=InfobipBackend(base_url=provider.url, api_key="wrong"))
    assert result.retried == 2
    row = OutboxMessage.objects.first()
    assert row.status == S.QUEUED and "Invalid login" in row.last_error
    assert row.next_attempt_at > timezone.now()


def test_failures_are_retried_with_exponential_backoff_then_fail(centre, provider, settings):
    settings.MARKAZ_SMS_MAX_ATTEMPTS = 3
    settings.MARKAZ_SMS_RETRY_BASE_SECONDS = 60
    provider.fail_every = 1  # the provider is down
    backend = InfobipBackend(base_url=provider.url, api_key=provider.api_key)
    queue(centre, 1)
    now = timezone.now()
    waits = []
    for _attempt in range(3):
        outbox_deliver(backend=backend, now=now)
        row = OutboxMessage.objects.get()
        waits.append((row.next_attempt_at - now).total_seconds())
        # Not due again before its backoff: a run now sends nothing.
        assert outbox_deliver(backend=backend, now=now).requests == 0
        now = row.next_attempt_at
    row = OutboxMessage.objects.get()
    assert row.status == S.FAILED and row.attempts == 3 and "503" in row.last_error
    assert waits[:2] == [60, 120]
    assert backoff_seconds(4) == 480
    provider.fail_every = 0
    assert outbox_deliver(backend=backend, now=now + dt.timedelta(days=1)).requests == 0


def test_a_refused_number_fails_at_once_and_the_others_go(centre, provider, infobip):
    provider.reject_prefix = "212612000011"
    queue(centre, 3)
    result = outbox_deliver(backend=infobip)
    assert (result.sent, result.failed) == (2, 1)
    failed = OutboxMessage.objects.get(status=S.FAILED)
    assert failed.phone == PHONES[1] and "Invalid destination" in failed.last_error


def test_an_answer_lost_after_the_provider_accepted_is_not_a_second_sms(centre, provider, infobip):
    provider.drop_every = 1
    queue(centre, 4)
    result = outbox_deliver(backend=infobip, batch_size=2)
    assert result.sent == 0 and result.retried == 4  # accepted, but we could not know
    provider.drop_every = 0
    later = timezone.now() + dt.timedelta(hours=1)
    assert outbox_deliver(backend=infobip, now=later).sent == 4
    assert provider.duplicates == 4  # the same messageIds came again…
    assert set(provider.delivered.values()) == {1}  # …and each person got one SMS
    assert len(provider.delivered) == 4


def test_generic_http_json_adapter(centre, provider, settings):
    settings.MARKAZ_SMS_HTTP_TEMPLATE = '{"to": "{to}", "text": "{text}", "id": "{id}"}'
    provider.reject_prefix = "+212612000012"
    queue(centre, 3)
    backend = HttpJsonBackend(url=provider.url + "/generic", header="X-Api-Key: k")
    result = outbox_deliver(backend=backend)
    assert (result.sent, result.failed) == (2, 1)
    row = OutboxMessage.objects.get(phone=PHONES[0])
    assert row.provider_id == str(row.client_id)
    assert provider.texts[str(row.client_id)] == (PHONES[0], "Salam 0")


def test_email_channel_uses_djangos_mail_backend(centre, infobip):
    outbox_queue(
        kind="alert", subject="Absences", body="Amal missed two sessions", email="m@c.ma", key="k"
    )
    assert outbox_deliver(backend=infobip).sent == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["m@c.ma"] and mail.outbox[0].subject == "Absences"
    assert OutboxMessage.objects.get().status == S.SENT
    outbox_deliver(backend=infobip)
    assert len(mail.outbox) == 1


def test_claims_never_overlap_and_an_expired_lease_is_taken_again(centre):
    queue(centre, 5)
    now = timezone.now()
    token1, first = _claim(started=now, now=now, batch=3, lease=60)
    token2, second = _claim(started=now, now=now, batch=10, lease=60)
    assert len(first) == 3 and len(second) == 2
    assert not {r.pk for r in first} & {r.pk for r in second}
    assert _claim(started=now, now=now, batch=10, lease=60) == ("", [])
    later = now + dt.timedelta(seconds=61)
    token3, again = _claim(started=later, now=later, batch=10, lease=60)
    assert len(again) == 5 and {r.attempts for r in again} == {2}
    assert {r.client_id for r in again} == {r.client_id for r in first + second}


def test_the_report_pull_marks_delivered(centre, provider, infobip):
    queue(centre, 2)
    outbox_deliver(backend=infobip)
    assert outbox_reports_pull(backend=infobip) == 2
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {S.DELIVERED}


# --- Webhooks ---------------------------------------------------------------------------------


def _report(message_id, group, description=""):
    return {
        "messageId": message_id,
        "to": "212612000010",
        "status": {"groupId": 3, "groupName": group, "description": description},
        "error": {"groupName": "OK"},
    }


@pytest.fixture
def secret(settings):
    settings.MARKAZ_SMS_WEBHOOK_SECRET = "s3cret"
    return "s3cret"


def _post(client, name, payload, secret="s3cret", raw=None):
    return client.post(
        reverse(f"core:{name}") + (f"?secret={secret}" if secret else ""),
        data=raw if raw is not None else json.dumps(payload),
        content_type="application/json",
    )


def test_delivery_report_webhook(client, centre, infobip, secret):
    queue(centre, 3)
    outbox_deliver(backend=infobip)
    a, b, c = OutboxMessage.objects.order_by("pk")
    payload = {
        "results": [
            _report(str(a.client_id), "DELIVERED"),
            _report(str(b.client_id), "UNDELIVERABLE", "Absent subscriber"),
            _report(str(c.client_id), "PENDING"),
            _report(str(uuid.uuid4()), "DELIVERED"),  # not ours: ignored
        ]
    }
    response = _post(client, "sms_reports_webhook", payload)
    assert response.status_code == 200 and response.json()["result"] == 2
    a.refresh_from_db(), b.refresh_from_db(), c.refresh_from_db()
    assert (a.status, b.status, c.status) == (S.DELIVERED, S.FAILED, S.SENT)
    assert b.last_error == "Absent subscriber"
    # A late "failed" never undoes a delivery.
    _post(client, "sms_reports_webhook", {"id": str(a.client_id), "status": "failed"})
    a.refresh_from_db()
    assert a.status == S.DELIVERED


@pytest.mark.parametrize(
    "raw",
    [
        "not json",
        json.dumps({"results": "x"}),
        json.dumps({"results": [{"messageId": 5, "status": {"groupName": "DELIVERED"}}]}),
        json.dumps({"results": [{"messageId": "x", "status": {"groupName": "NOPE"}}]}),
        json.dumps({"id": "x", "status": "teleported"}),
    ],
)
def test_a_bad_report_is_400_and_writes_nothing(client, centre, infobip, secret, raw):
    queue(centre, 1)
    outbox_deliver(backend=infobip)
    good = _report(str(OutboxMessage.objects.get().client_id), "DELIVERED")
    body = raw
    if raw.startswith("{") and "results" in raw:
        # a good report first, then the bad one: nothing at all is recorded
        bad = json.loads(raw)["results"]
        body = json.dumps({"results": [good, *(bad if isinstance(bad, list) else [])]})
        if not isinstance(bad, list):
            body = raw
    response = _post(client, "sms_reports_webhook", None, raw=body)
    assert response.status_code == 400
    assert OutboxMessage.objects.get().status == S.SENT


def test_webhooks_need_the_secret(client, centre, settings):
    settings.MARKAZ_SMS_WEBHOOK_SECRET = ""
    assert _post(client, "sms_reports_webhook", {"results": []}).status_code == 404
    settings.MARKAZ_SMS_WEBHOOK_SECRET = "s3cret"
    assert _post(client, "sms_reports_webhook", {"results": []}, secret="no").status_code == 403
    assert _post(client, "sms_inbound_webhook", {"results": []}, secret="").status_code == 403
    response = client.post(
        reverse("core:sms_reports_webhook"),
        data="{}",
        content_type="application/json",
        HTTP_X_MARKAZ_WEBHOOK_SECRET="s3cret",
    )
    assert response.status_code == 400  # authenticated, but not a report


def test_stop_reply_stops_every_sms_to_that_phone(client, centre, infobip, provider, secret):
    queue(centre, 2)
    payload = {
        "results": [
            {"from": "212612000010", "to": "Markaz", "text": "Stop", "messageId": "mo-1"},
            {"from": "212612000011", "to": "Markaz", "text": "merci", "messageId": "mo-2"},
        ]
    }
    response = _post(client, "sms_inbound_webhook", payload)
    assert response.json()["result"] == {"stopped": 1, "started": 0, "ignored": 1}
    assert SmsOptOut.objects.get().phone == PHONES[0]
    assert OutboxMessage.objects.get(phone=PHONES[0]).status == S.STOPPED
    outbox_queue(kind="offer", body="again", phone=PHONES[0], key="later")
    assert OutboxMessage.objects.get(idempotency_key="later:sms").status == S.STOPPED
    assert outbox_deliver(backend=infobip).sent == 1
    assert [to for to, _t in provider.texts.values()] == ["212612000011"]
    # Arabic STOP, and START to opt back in
    assert outbox_inbound(payload={"from": "+212612000012", "text": "توقف"})["stopped"] == 1
    assert outbox_inbound(payload={"from": "+212612000012", "text": "START"})["started"] == 1
    assert not SmsOptOut.objects.filter(phone=PHONES[2]).exists()


def test_a_bad_inbound_message_is_400_and_writes_nothing(client, centre, secret):
    payload = {"results": [{"from": "212612000010", "text": "STOP"}, {"from": "x", "text": "STOP"}]}
    assert _post(client, "sms_inbound_webhook", payload).status_code == 400
    assert not SmsOptOut.objects.exists()


# --- The coordinator's page -------------------------------------------------------------------


def test_outbox_page_lists_filters_and_retries(client, centre, coordinator, infobip, provider):
    provider.reject_prefix = "212612000011"
    queue(centre, 3)
    outbox_deliver(backend=infobip)
    client.force_login(coordinator)
    page = client.get(reverse("core:outbox"))
    assert page.status_code == 200
    assert page.content.decode().count('<tr data-status="') == 3
    failed = client.get(reverse("core:outbox") + "?status=failed").content.decode()
    message = OutboxMessage.objects.get(status=S.FAILED)
    assert failed.count('<tr data-status="failed"') == 1
    assert reverse("core:outbox_retry", args=[message.pk]) in failed
    provider.reject_prefix = ""
    response = client.post(reverse("core:outbox_retry", args=[message.pk]))
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.status == S.QUEUED and message.attempts == 0
    assert outbox_deliver(backend=infobip).sent == 1
    assert AuditEvent.objects.filter(action="outbox_retry").count() == 1
    # Only a failed message can be sent again.
    client.post(reverse("core:outbox_retry", args=[message.pk]))
    assert AuditEvent.objects.filter(action="outbox_retry").count() == 1


def test_outbox_page_marks_a_phone_opted_out_and_refuses_a_bad_number(client, centre, coordinator):
    queue(centre, 1)
    client.force_login(coordinator)
    response = client.post(reverse("core:outbox"), {"phone": "12"})
    assert response.status_code == 400
    assert "numéro de téléphone valide" in response.content.decode()
    assert not SmsOptOut.objects.exists()
    response = client.post(reverse("core:outbox"), {"phone": "06 12 00 00 10"})
    assert response.status_code == 302
    opt_out = SmsOptOut.objects.get()
    assert (opt_out.phone, opt_out.source, opt_out.created_by) == (PHONES[0], "staff", coordinator)
    assert OutboxMessage.objects.get().status == S.STOPPED
    client.post(reverse("core:opt_out_remove", args=[opt_out.pk]))
    assert not SmsOptOut.objects.exists()


def test_outbox_page_in_arabic(client, centre, coordinator):
    queue(centre, 1)
    client.force_login(coordinator)
    client.cookies["django_language"] = "ar"
    page = client.get(reverse("core:outbox"), HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert 'dir="rtl"' in page and "الرسائل" in page


def test_outbox_page_is_for_coordinators_of_the_centre(
    client, centre, trainer, other_coordinator, provincial_viewer
):
    queue(centre, 1)
    message = OutboxMessage.objects.get()
    message.status = S.FAILED
    message.save()
    for user in (trainer, provincial_viewer):
        client.force_login(user)
        assert client.get(reverse("core:outbox")).status_code in (403, 404)
    client.force_login(other_coordinator)
    assert '<tr data-status="' not in client.get(reverse("core:outbox")).content.decode()
    assert client.post(reverse("core:outbox_retry", args=[message.pk])).status_code == 404
    message.refresh_from_db()
    assert message.status == S.FAILED


def test_memory_backend_still_works_through_the_batch_interface(centre):
    sms.MemoryBackend.sent.clear()
    queue(centre, 2)
    assert outbox_deliver(backend=sms.MemoryBackend()).sent == 2
    assert [m["phone"] for m in sms.MemoryBackend.sent] == PHONES[:2]


def test_send_outbox_command_with_infobip_from_settings(centre, provider, settings):
    """The production path: the backend and its URL and key come from settings (environment)."""
    import io

    from django.core.management import call_command

    settings.MARKAZ_SMS_BACKEND = "markaz.core.sms.providers.InfobipBackend"
    settings.MARKAZ_INFOBIP_BASE_URL = provider.url
    settings.MARKAZ_INFOBIP_API_KEY = provider.api_key
    queue(centre, 3)
    out = io.StringIO()
    call_command("send_outbox", "--reports", stdout=out)
    assert "SMS sent: 3, failed: 0." in out.getvalue()
    assert "Delivery reports recorded: 3." in out.getvalue()
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {S.DELIVERED}
