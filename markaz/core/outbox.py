"""The outbox: every message to a person queued with the event it announces, then delivered.

Writes only (services for `OutboxMessage` and `SmsOptOut`). Higher apps call `outbox_queue`
(or `outbox_queue_many`) inside the transaction of their event, with an idempotency key that
names the event and the person, so doing the event's bookkeeping twice queues nothing twice.

Delivery (`outbox_deliver`, the `send_outbox` command):
1. claim a batch with one conditional UPDATE (queued and due, or sending with an expired lease →
   sending, with a claim token and a lease): two workers never hold the same message, on SQLite
   and on PostgreSQL alike, and the claim is committed before anything is sent;
2. send the batch (SMS through the backend under each message's `client_id`, e-mail through
   Django's mail backend);
3. record what happened, only for the rows still held under this claim: sent (provider id),
   failed for good, or queued again with exponential backoff (failed after the attempts cap).
A process killed between 2 and 3 leaves its rows `sending`; once the lease expires the next run
sends them again under the same client id, which the provider deduplicates on, so the person
receives each message once and nothing is lost. The lease must outlast one batch's sending.
"""

import datetime as dt
import hashlib
import logging
import threading
import unicodedata
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import phonenumbers
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from . import sms
from .models import OutboxMessage, SmsOptOut
from .services import audit_record

logger = logging.getLogger("markaz.sms")

Status = OutboxMessage.Status
Channel = OutboxMessage.Channel

# Errors of our own are stored in English and shown translated (`OutboxMessage.error_label`);
# the provider's own reasons are stored and shown as they came.
ERR_NO_ADDRESS = gettext_noop("No phone number or e-mail address.")
ERR_STOP = gettext_noop("This phone answered STOP.")
ERR_NO_PHONE = gettext_noop("No phone number.")
ERR_NOT_DELIVERED = gettext_noop("Not delivered.")

STOP_WORDS = {"STOP", "STOPALL", "ARRET", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "توقف", "قف"}
START_WORDS = {"START", "UNSTOP", "YES", "ابدأ"}


def _config(name: str, default):
    return getattr(settings, name, default)


# --- Addresses --------------------------------------------------------------------------------


def normalize_phone(value: str) -> str:
    """E.164 from what a person or a provider writes (0612…, +212 6 12…, 212612…); raises
    ValidationError if it is not a valid number."""
    raw = (value or "").strip()
    digits = "".join(ch for ch in raw if ch.isdigit())
    if raw and not raw.startswith(("+", "0")) and len(digits) > 9:
        raw = "+" + digits  # a provider's international number without its plus
    try:
        number = phonenumbers.parse(raw, "MA")
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(_("Enter a valid phone number.")) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("Enter a valid phone number."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def person_contacts(person) -> tuple[str, str]:
    """A youth's phone and e-mail address (either may be empty; the registry may have no e-mail
    field: then only the phone)."""
    return (getattr(person, "phone", "") or "", getattr(person, "email", "") or "")


def staff_contacts(user, *, profile=None) -> tuple[str, str]:
    """Where a staff alert reaches a staff member: their profile's phone and their e-mail."""
    from .access import staff_profile

    profile = profile or staff_profile(user)
    return ((profile.phone if profile else "") or "", user.email or "")


def message_language(code: str) -> str:
    """The language a message to a person is written in: French for French readers, Arabic for
    everyone else (Amazigh readers too, until Markaz speaks Amazigh)."""
    return "fr" if code == "fr" else "ar"


def public_url(path: str) -> str:
    """An address of this Markaz that a person can open from a message (`MARKAZ_PUBLIC_URL`)."""
    return _config("MARKAZ_PUBLIC_URL", "").rstrip("/") + path


# --- Queueing ---------------------------------------------------------------------------------


@dataclass
class Outgoing:
    """One message to one person, on every channel they can be reached by."""

    kind: str
    body: str
    subject: str = ""
    centre: object = None
    phone: str = ""
    email: str = ""
    recipient: object = None
    language: str = ""
    key: str = ""  # names the event and the person: queued once, whatever happens


def outbox_queue(
    *,
    kind: str,
    body: str,
    subject: str = "",
    centre=None,
    phone: str = "",
    email: str = "",
    recipient=None,
    language: str = "",
    key: str = "",
) -> int:
    """Queue one message by SMS (if a phone is known) and by e-mail (if an address is known).
    See `outbox_queue_many`."""
    return outbox_queue_many(
        [Outgoing(kind, body, subject, centre, phone, email, recipient, language, key)]
    )


def outbox_queue_many(items: Iterable[Outgoing]) -> int:
    """Queue each message on each of its person's channels; returns how many rows were added.

    A message whose key was queued before is skipped (the unique key also refuses a concurrent
    twin). An SMS to a phone that answered STOP is recorded as stopped and never sent. A person
    with neither phone nor e-mail gets one failed row saying so, so that staff see who could
    not be told."""
    rows = []
    now = timezone.now()
    for item in items:
        channels = [(Channel.SMS, item.phone, "")] if item.phone else []
        if item.email:
            channels.append((Channel.EMAIL, "", item.email))
        if not channels:
            channels = [(Channel.SMS, "", "")]
        for channel, phone, email in channels:
            rows.append(
                OutboxMessage(
                    centre=item.centre,
                    recipient=item.recipient,
                    channel=channel,
                    phone=phone,
                    email=email,
                    language=item.language[:3],
                    kind=item.kind,
                    subject=(item.subject or item.body)[:200],
                    body=item.body,
                    idempotency_key=f"{item.key}:{channel}"[:200] if item.key else None,
                    next_attempt_at=now,
                )
            )
    if not rows:
        return 0
    keys = [r.idempotency_key for r in rows if r.idempotency_key]
    phones = list({r.phone for r in rows if r.phone})
    seen, stopped = set(), set()
    for start in range(0, max(len(keys), len(phones)), 500):
        seen.update(
            OutboxMessage.objects.filter(idempotency_key__in=keys[start : start + 500]).values_list(
                "idempotency_key", flat=True
            )
        )
        stopped.update(
            SmsOptOut.objects.filter(phone__in=phones[start : start + 500]).values_list(
                "phone", flat=True
            )
        )
    fresh = []
    for row in rows:
        if row.idempotency_key is not None:
            if row.idempotency_key in seen:
                continue
            seen.add(row.idempotency_key)
        if row.channel == Channel.SMS and not row.phone:
            row.status, row.status_at = Status.FAILED, now
            row.last_error = ERR_NO_ADDRESS
        elif row.channel == Channel.SMS and row.phone in stopped:
            row.status, row.status_at = Status.STOPPED, now
            row.last_error = ERR_STOP
        fresh.append(row)
    OutboxMessage.objects.bulk_create(fresh, ignore_conflicts=True, batch_size=500)
    return len(fresh)


def outbox_was_queued(key: str) -> bool:
    """Whether a message of this event key was queued (on any channel)."""
    return OutboxMessage.objects.filter(
        idempotency_key__in=[f"{key}:{channel}" for channel in Channel.values]
    ).exists()


def key_of(*parts) -> str:
    """An idempotency key from the event's parts; long ones are hashed to fit."""
    key = ":".join(str(p) for p in parts)
    if len(key) > 180:
        key = key[:120] + ":" + hashlib.sha256(key.encode()).hexdigest()[:32]
    return key


# --- Delivery ---------------------------------------------------------------------------------


def outbox_pending():
    """Messages still to send (queued or in flight), oldest first."""
    return OutboxMessage.objects.filter(status__in=[Status.QUEUED, Status.SENDING]).order_by("pk")


def backoff_seconds(attempts: int) -> float:
    """Seconds before the next attempt after `attempts` failed ones: base × 2^(attempts − 1),
    at most `MARKAZ_SMS_RETRY_MAX_SECONDS`."""
    base = float(_config("MARKAZ_SMS_RETRY_BASE_SECONDS", 60))
    cap = float(_config("MARKAZ_SMS_RETRY_MAX_SECONDS", 6 * 3600))
    return min(cap, base * 2 ** max(0, attempts - 1))


def _due(started):
    return Q(status=Status.QUEUED, next_attempt_at__lte=started) | Q(
        status=Status.SENDING, lease_until__lt=started
    )


def _claim(*, started, now, batch: int, lease: float) -> tuple[str, list[OutboxMessage]]:
    ids = list(
        OutboxMessage.objects.filter(_due(started))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:batch]
    )
    if not ids:
        return "", []
    token = uuid.uuid4().hex
    # One statement: a row another worker claimed meanwhile no longer matches `_due`.
    OutboxMessage.objects.filter(_due(started), pk__in=ids).update(
        status=Status.SENDING,
        claim=token,
        lease_until=now + dt.timedelta(seconds=lease),
        attempts=F("attempts") + 1,
    )
    return token, list(
        OutboxMessage.objects.filter(claim=token, status=Status.SENDING).order_by("pk")
    )


def _send_emails(rows: list[OutboxMessage], connection_=None) -> dict[int, sms.SendResult]:
    results = {}
    if not rows:
        return results
    connection_ = connection_ or mail.get_connection()
    for row in rows:
        message_id = f"<{row.client_id}@markaz>"
        email = mail.EmailMessage(
            subject=row.subject,
            body=row.body,
            to=[row.email],
            headers={"Message-ID": message_id},
            connection=connection_,
        )
        try:
            email.send()
            results[row.pk] = sms.SendResult(str(row.client_id), provider_id=message_id)
        except Exception as exc:  # one failure must not stop the others
            results[row.pk] = sms.SendResult(str(row.client_id), error=str(exc) or repr(exc))
    return results


def _send_sms(backend, rows: list[OutboxMessage], result: sms.Delivery) -> dict:
    results = {}
    if not rows:
        return results
    out = [sms.SmsOut(str(r.client_id), r.phone, r.body) for r in rows]
    result.requests += 1
    try:
        answered = {res.client_id: res for res in sms.send_many(backend, out)}
    except sms.SendError as exc:
        answered = {
            m.client_id: sms.SendResult(m.client_id, error=str(exc), permanent=exc.permanent)
            for m in out
        }
    except Exception as exc:  # the whole batch failed: every message is tried again later
        error = f"{type(exc).__name__}: {exc}"
        answered = {m.client_id: sms.SendResult(m.client_id, error=error) for m in out}
    for row in rows:
        results[row.pk] = answered.get(str(row.client_id)) or sms.SendResult(
            str(row.client_id), error="No answer for this message."
        )
    return results


def _process(
    backend, token: str, rows: list[OutboxMessage], result: sms.Delivery, now_fn, mailer=None
):
    stopped_phones = set(
        SmsOptOut.objects.filter(
            phone__in={r.phone for r in rows if r.channel == Channel.SMS and r.phone}
        ).values_list("phone", flat=True)
    )
    outcome: dict[int, sms.SendResult] = {}
    to_send, emails = [], []
    for row in rows:
        if row.channel == Channel.EMAIL:
            emails.append(row)
        elif not row.phone:
            outcome[row.pk] = sms.SendResult(str(row.client_id), error=ERR_NO_PHONE, permanent=True)
        elif row.phone in stopped_phones:
            outcome[row.pk] = None  # stopped
        else:
            to_send.append(row)
    outcome.update(_send_sms(backend, to_send, result))
    outcome.update(_send_emails(emails, mailer))

    now = now_fn()
    max_attempts = int(_config("MARKAZ_SMS_MAX_ATTEMPTS", 8))
    with transaction.atomic():
        # Only rows still held under this claim (a delivery report may have come first).
        ours = set(
            OutboxMessage.objects.filter(
                claim=token, status=Status.SENDING, pk__in=[r.pk for r in rows]
            ).values_list("pk", flat=True)
        )
        changed = []
        for row in rows:
            if row.pk not in ours:
                continue
            res = outcome[row.pk]
            row.lease_until, row.claim, row.status_at = None, "", now
            if res is None:
                row.status, row.last_error = Status.STOPPED, ERR_STOP
                result.stopped += 1
            elif res.ok:
                row.status, row.provider_id, row.sent_at, row.last_error = (
                    Status.SENT,
                    res.provider_id[:100],
                    now,
                    "",
                )
                result.sent += 1
                result.provider_ids[row.pk] = res.provider_id
            elif res.permanent or row.attempts >= max_attempts:
                row.status, row.last_error = Status.FAILED, res.error
                result.failed += 1
                result.errors[row.pk] = res.error
            else:
                delay = max(backoff_seconds(row.attempts), 0.001)
                row.status, row.last_error = Status.QUEUED, res.error
                row.next_attempt_at = now + dt.timedelta(seconds=delay)
                result.retried += 1
                result.errors[row.pk] = res.error
            changed.append(row)
        _record(changed, token, now)
    errors = {outcome[r.pk].error for r in changed if outcome[r.pk] and outcome[r.pk].error}
    if errors:
        logger.info(
            "Outbox batch of %s: %s not sent (%s)",
            len(rows),
            sum(1 for r in changed if r.status != Status.SENT),
            "; ".join(sorted(errors))[:300],
        )


def _record(rows: list[OutboxMessage], token: str, now) -> None:
    """Write each row's outcome with one prepared UPDATE per kind of outcome, run for all its
    rows at once (executemany), and only while the row is still held under this claim. (Django's
    bulk_update builds a CASE per field and row: most of a batch's time went there.)"""
    from django.db import connection as db

    meta = OutboxMessage._meta
    table = db.ops.quote_name(meta.db_table)

    def col(name: str) -> str:
        return db.ops.quote_name(meta.get_field(name).column)

    when = db.ops.adapt_datetimefield_value(now)
    done = f"{col('lease_until')} = NULL, {col('claim')} = '', {col('status_at')} = %s"
    where = f"WHERE {col('id')} = %s AND {col('claim')} = %s AND {col('status')} = %s"
    sql = {
        Status.SENT: f"UPDATE {table} SET {col('status')} = %s, {col('provider_id')} = %s, "
        f"{col('sent_at')} = %s, {col('last_error')} = '', {done} {where}",
        Status.QUEUED: f"UPDATE {table} SET {col('status')} = %s, {col('last_error')} = %s, "
        f"{col('next_attempt_at')} = %s, {done} {where}",
        Status.FAILED: f"UPDATE {table} SET {col('status')} = %s, {col('last_error')} = %s, "
        f"{done} {where}",
    }
    sql[Status.STOPPED] = sql[Status.FAILED]
    params: dict[str, list] = {status: [] for status in sql}
    for row in rows:
        tail = [when, row.pk, token, Status.SENDING]
        if row.status == Status.SENT:
            params[Status.SENT].append([row.status, row.provider_id, when, *tail])
        elif row.status == Status.QUEUED:
            next_at = db.ops.adapt_datetimefield_value(row.next_attempt_at)
            params[Status.QUEUED].append([row.status, row.last_error, next_at, *tail])
        else:
            params[row.status].append([row.status, row.last_error, *tail])
    with db.cursor() as cursor:
        for status, values in params.items():
            if values:
                cursor.executemany(sql[status], values)


def outbox_deliver(
    *,
    backend=None,
    limit: int | None = None,
    batch_size: int | None = None,
    lease_seconds: float | None = None,
    workers: int = 1,
    now=None,
    mail_connection=None,
) -> sms.Delivery:
    """Deliver what is due (see the module's docstring); returns what happened.

    A run claims only what was due when it started, so a message put back for a retry waits for
    the next run. `now` (tests) fixes the clock. `workers` > 1 runs that many threads, each
    claiming its own batches (each thread uses its own database connection). E-mail goes
    through `mail_connection` (default: Django's configured backend)."""
    backend = backend or sms.get_backend()
    batch = batch_size or int(_config("MARKAZ_OUTBOX_BATCH", 100))
    lease = float(lease_seconds or _config("MARKAZ_SMS_LEASE_SECONDS", 300))
    started = now or timezone.now()

    def now_fn():
        return now or timezone.now()

    result = sms.Delivery()
    lock = threading.Lock()
    remaining = [limit]

    def take() -> int:
        with lock:
            if remaining[0] is None:
                return batch
            n = min(batch, remaining[0])
            remaining[0] -= n
            return n

    def loop(part: sms.Delivery):
        while True:
            n = take()
            if n <= 0:
                return
            token, rows = _claim(started=started, now=now_fn(), batch=n, lease=lease)
            if not rows:
                return
            _process(backend, token, rows, part, now_fn, mail_connection)

    if workers <= 1:
        loop(result)
        return result

    parts = [sms.Delivery() for _ in range(workers)]

    def worker(part):
        try:
            loop(part)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(p,)) for p in parts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    close_old_connections()
    for part in parts:
        for name in ("sent", "failed", "retried", "stopped", "requests"):
            setattr(result, name, getattr(result, name) + getattr(part, name))
        result.provider_ids.update(part.provider_ids)
        result.errors.update(part.errors)
    return result


# --- Delivery reports and replies from the provider -------------------------------------------

# Infobip's status groups: what each means for us (PENDING: not final yet, nothing to record).
REPORT_GROUPS = {
    "DELIVERED": Status.DELIVERED,
    "UNDELIVERABLE": Status.FAILED,
    "EXPIRED": Status.FAILED,
    "REJECTED": Status.FAILED,
    "PENDING": None,
}
GENERIC_STATUSES = {
    "delivered": Status.DELIVERED,
    "failed": Status.FAILED,
    "undelivered": Status.FAILED,
    "sent": None,
    "pending": None,
}


def _bad(detail: str) -> ValidationError:
    return ValidationError(_("Unreadable report: %(detail)s") % {"detail": detail})


def _parse_reports(payload) -> list[tuple[str, str | None, str]]:
    """(message id, new status or None, error text) for each report; raises ValidationError
    on anything malformed (then nothing is recorded)."""
    parsed = []
    if isinstance(payload, dict) and "results" in payload:
        items = payload["results"]
        if not isinstance(items, list):
            raise _bad("results")
        for item in items:
            if not isinstance(item, dict) or not isinstance(item.get("messageId"), str):
                raise _bad("messageId")
            state = item.get("status")
            if not isinstance(state, dict) or state.get("groupName") not in REPORT_GROUPS:
                raise _bad("status")
            error = item.get("error") if isinstance(item.get("error"), dict) else {}
            text = ""
            if error.get("groupName") not in (None, "OK") or state["groupName"] != "DELIVERED":
                text = str(error.get("description") or state.get("description") or "")
            parsed.append((item["messageId"], REPORT_GROUPS[state["groupName"]], text[:500]))
        return parsed
    items = payload if isinstance(payload, list) else [payload]
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            raise _bad("id")
        if item.get("status") not in GENERIC_STATUSES:
            raise _bad("status")
        parsed.append(
            (item["id"], GENERIC_STATUSES[item["status"]], str(item.get("error") or "")[:500])
        )
    return parsed


def outbox_reports_apply(*, payload) -> int:
    """Record the provider's delivery reports (Infobip's `{"results": [...]}` or the generic
    `{"id", "status": "delivered" | "failed", "error"}`, one or a list). Reports name a message
    by our client id or the provider's id; unknown ones are ignored; a delivered message never
    goes back to failed. Returns how many messages changed. Malformed: ValidationError, nothing
    written."""
    reports = _parse_reports(payload)
    now = timezone.now()
    changed = 0
    with transaction.atomic():
        for message_id, status, error in reports:
            if status is None:
                continue
            try:
                match = Q(client_id=uuid.UUID(message_id))
            except ValueError:
                match = Q(provider_id=message_id)
            qs = OutboxMessage.objects.filter(match, channel=Channel.SMS)
            if status == Status.DELIVERED:
                changed += qs.exclude(status=Status.DELIVERED).update(
                    status=Status.DELIVERED, status_at=now, last_error="", lease_until=None
                )
            else:
                changed += qs.filter(status__in=[Status.SENDING, Status.SENT]).update(
                    status=Status.FAILED,
                    status_at=now,
                    last_error=error or ERR_NOT_DELIVERED,
                    lease_until=None,
                )
    return changed


def outbox_reports_pull(*, backend=None) -> int:
    """Fetch the provider's delivery reports (Infobip's `GET /sms/1/reports`) and record them."""
    backend = backend or sms.get_backend()
    if not hasattr(backend, "fetch_reports"):
        return 0
    return outbox_reports_apply(payload=backend.fetch_reports())


def _first_word(text: str) -> str:
    word = (text or "").strip().split(maxsplit=1)[0] if (text or "").strip() else ""
    word = unicodedata.normalize("NFKD", word)
    return "".join(ch for ch in word if not unicodedata.combining(ch)).upper().strip(".!")


def _parse_inbound(payload) -> list[tuple[str, str]]:
    if isinstance(payload, dict) and "results" in payload:
        items = payload["results"]
    else:
        items = payload if isinstance(payload, list) else [payload]
    if not isinstance(items, list):
        raise _bad("results")
    parsed = []
    for item in items:
        if not isinstance(item, dict):
            raise _bad("item")
        sender, text = item.get("from"), item.get("cleanText") or item.get("text")
        if not isinstance(sender, str) or not isinstance(text, str):
            raise _bad("from/text")
        try:
            parsed.append((normalize_phone(sender), text))
        except ValidationError as exc:
            raise _bad("from") from exc
    return parsed


def outbox_inbound(*, payload) -> dict:
    """Replies sent to our number: STOP (ARRET, توقف …) opts the phone out of SMS, START opts
    it back in; other replies are ignored. Malformed: ValidationError, nothing written."""
    replies = _parse_inbound(payload)
    counts = {"stopped": 0, "started": 0, "ignored": 0}
    with transaction.atomic():
        for phone, text in replies:
            word = _first_word(text)
            if word in STOP_WORDS:
                sms_opt_out(phone=phone, source=SmsOptOut.Source.REPLY, text=text[:160])
                counts["stopped"] += 1
            elif word in START_WORDS:
                sms_opt_in(phone=phone)
                counts["started"] += 1
            else:
                counts["ignored"] += 1
    return counts


# --- Opt-outs and retries by staff -------------------------------------------------------------


@transaction.atomic
def sms_opt_out(*, phone: str, source: str, actor=None, centre=None, text: str = "") -> SmsOptOut:
    """No more SMS to `phone`: its queued SMS become stopped. Idempotent."""
    phone = normalize_phone(phone)
    opt_out, created = SmsOptOut.objects.get_or_create(
        phone=phone,
        defaults={"source": source, "centre": centre, "created_by": actor, "text": text},
    )
    OutboxMessage.objects.filter(channel=Channel.SMS, phone=phone, status=Status.QUEUED).update(
        status=Status.STOPPED, status_at=timezone.now(), last_error=ERR_STOP
    )
    if created and actor is not None:
        audit_record(actor=actor, action="sms_opt_out", centre=centre, obj=opt_out)
    return opt_out


@transaction.atomic
def sms_opt_in(*, phone: str, actor=None, centre=None) -> bool:
    """SMS to `phone` again (its owner sent START, or asked staff). Messages stopped meanwhile
    stay stopped. Returns whether an opt-out was removed."""
    phone = normalize_phone(phone)
    deleted, _rows = SmsOptOut.objects.filter(phone=phone).delete()
    if deleted and actor is not None:
        audit_record(actor=actor, action="sms_opt_in", centre=centre, detail={"phone": phone})
    return bool(deleted)


@transaction.atomic
def outbox_retry(*, message: OutboxMessage, actor) -> OutboxMessage:
    """Queue a failed message again, now, with a fresh count of attempts (same client id: the
    provider still refuses a duplicate of one that did arrive)."""
    message = OutboxMessage.objects.select_for_update().get(pk=message.pk)
    if message.status != Status.FAILED:
        raise ValidationError(_("Only a failed message can be sent again."))
    if not message.address:
        raise ValidationError(_("This message has no phone number or e-mail address."))
    if message.channel == Channel.SMS and SmsOptOut.objects.filter(phone=message.phone).exists():
        raise ValidationError(_("This phone answered STOP: it gets no more SMS."))
    message.status, message.attempts = Status.QUEUED, 0
    message.next_attempt_at, message.status_at = timezone.now(), timezone.now()
    message.full_clean()
    message.save(update_fields=["status", "attempts", "next_attempt_at", "status_at"])
    audit_record(actor=actor, action="outbox_retry", centre=message.centre, obj=message)
    return message
