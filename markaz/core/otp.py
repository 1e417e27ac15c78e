"""One-time codes sent by SMS: proof that whoever acts on a person's behalf holds the phone given
in their application (a CIN and a birth date, both printed on the CIN card, prove nothing).

- `otp_issue` makes a 6-digit code, stores only its keyed hash, queues the SMS through the outbox
  (`outbox_queue`, delivered by `send_outbox`; a background task delivers it at once when the
  worker runs), and returns the code's row. A new code replaces the subject's older ones.
  Rate-limited per phone, per CIN (or any other identity key given) and per client address
  (`markaz.core.throttle`), in the shared cache: `OtpRefused`, nothing written.
- `otp_verify` checks a typed code: single-use (marked used with one conditional UPDATE, so two
  concurrent requests cannot both use it), valid `MARKAZ_OTP_TTL_SECONDS` (10 minutes), at most
  `MARKAZ_OTP_MAX_ATTEMPTS` wrong tries per code (counted in the shared cache). A wrong, expired
  or used code raises `OtpRefused` with a message for the person and writes nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from .enqueue import task_enqueue
from .models import OneTimeCode
from .outbox import message_language, outbox_queue
from .throttle import throttle_count, throttle_exceeded

CODE_LENGTH = 6


def _config(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def ttl_seconds() -> int:
    return _config("MARKAZ_OTP_TTL_SECONDS", 600)


def max_attempts() -> int:
    return _config("MARKAZ_OTP_MAX_ATTEMPTS", 5)


class OtpRefused(ValidationError):
    """A code that cannot be sent or accepted; `.messages` says why, in the person's language."""


def _hash(purpose: str, subject: str, code: str) -> str:
    return salted_hmac("markaz.otp", f"{purpose}|{subject}|{code}", algorithm="sha256").hexdigest()


def _counter_key(kind: str, value: str) -> str:
    digest = hashlib.sha256(f"{settings.SECRET_KEY}|{value}".encode()).hexdigest()[:32]
    return f"otp:{kind}:{digest}"


def _count(key: str, window_s: int) -> None:
    if not cache.add(key, 1, window_s):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, window_s)


def phone_tail(phone: str) -> str:
    """The last two digits of a phone: all a page shows of it."""
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    return digits[-2:]


def _too_many() -> OtpRefused:
    return OtpRefused(
        _("Too many codes were asked for. Try again in an hour, or come to the centre."),
        code="throttled",
    )


def otp_issue(
    *,
    purpose: str,
    subject: str,
    phone: str,
    identity: str,
    request,
    language: str = "ar",
    centre=None,
    recipient=None,
    per_address: int | None = None,
) -> OneTimeCode:
    """Send a new code for `subject` to `phone`. `identity` is the person's identity key (their
    CIN): codes are limited per phone, per identity and per client address
    (`MARKAZ_OTP_SENDS_PER_HOUR`, default 5, and `MARKAZ_OTP_SENDS_PER_ADDRESS`, default 20, an
    hour; `per_address` overrides the latter, e.g. for a form many fill in from one centre's
    network). Raises OtpRefused (nothing written) when a limit is reached or there is no
    phone."""
    if not phone:
        raise OtpRefused(
            _("Your application has no phone number: come to the centre to answer."),
            code="no_phone",
        )
    per_key = _config("MARKAZ_OTP_SENDS_PER_HOUR", 5)
    per_address = per_address or _config("MARKAZ_OTP_SENDS_PER_ADDRESS", 20)
    keys = [_counter_key("phone", phone), _counter_key("identity", identity)]
    if any((cache.get(k) or 0) >= per_key for k in keys) or throttle_exceeded(
        "otp-send", request, limit=per_address
    ):
        raise _too_many()
    code = "".join(secrets.choice("0123456789") for _ in range(CODE_LENGTH))
    now = timezone.now()
    with transaction.atomic():
        # A new code replaces the older ones: only the last SMS received works.
        OneTimeCode.objects.filter(purpose=purpose, subject=subject, used_at__isnull=True).update(
            expires_at=now
        )
        row = OneTimeCode(
            purpose=purpose,
            subject=subject,
            phone=phone,
            code_hash=_hash(purpose, subject, code),
            created_at=now,
            expires_at=now + dt.timedelta(seconds=ttl_seconds()),
        )
        row.full_clean()
        row.save()
        lang = message_language(language)
        with translation.override(lang):
            body = _(
                "Markaz: your code is %(code)s. It is valid for %(minutes)s minutes. "
                "Never give it to anyone."
            ) % {"code": code, "minutes": ttl_seconds() // 60}
        outbox_queue(
            kind="otp",
            body=body,
            centre=centre,
            phone=phone,
            recipient=recipient,
            language=lang,
            key=f"otp:{row.pk}",
        )
        transaction.on_commit(_deliver_soon)
    for key in keys:
        _count(key, 3600)
    throttle_count("otp-send", request, window_s=3600)
    return row


def _deliver_soon() -> None:
    """Deliver at once through the background worker (where one runs); `send_outbox` would
    deliver it anyway on its next run."""
    # No worker configured: the next `send_outbox` delivers it.
    with contextlib.suppress(Exception):
        task_enqueue("markaz.core.tasks.outbox_deliver_task")


def _refused_code() -> OtpRefused:
    return OtpRefused(_("This code is wrong. Check the last SMS and type its 6 digits."))


def _expired() -> OtpRefused:
    return OtpRefused(
        _("This code has expired or was already used. Ask for a new code."), code="expired"
    )


def otp_verify(
    *, purpose: str, subject: str, code: str, request, max_tries: int | None = None
) -> OneTimeCode:
    """Accept `code` for `subject` once. Raises OtpRefused (nothing written in the database)
    when the code is wrong, expired, used, or its wrong tries (`max_tries`, by default
    MARKAZ_OTP_MAX_ATTEMPTS) are exhausted."""
    code = "".join((code or "").split())
    per_address = _config("MARKAZ_OTP_WRONG_PER_ADDRESS", 30)
    if throttle_exceeded("otp-verify", request, limit=per_address):
        raise OtpRefused(_("Too many wrong codes. Try again in an hour."), code="throttled")
    now = timezone.now()
    row = (
        OneTimeCode.objects.filter(purpose=purpose, subject=subject, used_at__isnull=True)
        .order_by("-created_at", "-pk")
        .first()
    )
    if row is None or row.expires_at <= now:
        raise _expired()
    tries_key = f"otp:tries:{row.pk}"
    if (cache.get(tries_key) or 0) >= (max_tries or max_attempts()):
        raise OtpRefused(
            _("Too many wrong tries for this code. Ask for a new code."), code="attempts"
        )
    if not (code.isdigit() and len(code) == CODE_LENGTH) or not constant_time_compare(
        row.code_hash, _hash(purpose, subject, code)
    ):
        _count(tries_key, ttl_seconds())
        throttle_count("otp-verify", request, window_s=3600)
        raise _refused_code()
    used = OneTimeCode.objects.filter(pk=row.pk, used_at__isnull=True, expires_at__gt=now).update(
        used_at=now
    )
    if not used:  # a concurrent request used it first
        raise _expired()
    row.used_at = now
    return row
