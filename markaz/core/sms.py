"""Text messages to youth, behind a small interface so the provider can change.

A backend has one method, `send(phone, text) -> provider_id`, and raises on failure. Which
backend runs is the `MARKAZ_SMS_BACKEND` setting (a dotted path):

- `markaz.core.sms.FileBackend` (the default): appends one JSON line per message to
  `var/sms-outbox.log` (setting `MARKAZ_SMS_FILE`), for a centre without a provider yet and for
  the demo;
- `markaz.core.sms.ConsoleBackend`: prints the message (development);
- `markaz.core.sms.MemoryBackend`: keeps the messages in `MemoryBackend.sent` (tests).

A real provider (an SMS gateway's HTTP API) is one more class with the same method.

Services queue messages as `OutboxMessage` rows; `outbox_deliver` (the `send_outbox` command)
sends those with a phone number that were not sent yet and marks them sent. Running it again
sends nothing twice, and one failure does not stop the others.
"""

import json
import logging
import sys
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger("markaz.sms")

DEFAULT_BACKEND = "markaz.core.sms.FileBackend"


class SmsBackend(Protocol):
    def send(self, phone: str, text: str) -> str:
        """Send `text` to `phone` (E.164); return the provider's id of the message. Raise on
        failure."""
        ...


def _new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


class ConsoleBackend:
    """Prints each message to standard output."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout

    def send(self, phone: str, text: str) -> str:
        provider_id = _new_id("console")
        self.stream.write(f"SMS {provider_id} to {phone}:\n{text}\n\n")
        self.stream.flush()
        return provider_id


class FileBackend:
    """Appends each message as one JSON line to a file (`MARKAZ_SMS_FILE`)."""

    _lock = threading.Lock()

    def __init__(self, path: str | Path | None = None):
        default = Path(settings.VAR_DIR) / "sms-outbox.log"
        self.path = Path(path or getattr(settings, "MARKAZ_SMS_FILE", None) or default)

    def send(self, phone: str, text: str) -> str:
        provider_id = _new_id("file")
        line = json.dumps(
            {
                "id": provider_id,
                "at": timezone.now().isoformat(),
                "phone": phone,
                "text": text,
            },
            ensure_ascii=False,
        )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, self.path.open("a", encoding="utf-8") as f:
            f.write(line + "\n")
        return provider_id


class MemoryBackend:
    """Keeps every message in the class-level list `sent` (for tests)."""

    sent: list[dict] = []

    def send(self, phone: str, text: str) -> str:
        provider_id = _new_id("memory")
        MemoryBackend.sent.append({"id": provider_id, "phone": phone, "text": text})
        return provider_id


def get_backend(path: str | None = None) -> SmsBackend:
    return import_string(path or getattr(settings, "MARKAZ_SMS_BACKEND", DEFAULT_BACKEND))()


@dataclass
class Delivery:
    sent: int = 0
    failed: int = 0
    provider_ids: dict[int, str] = field(default_factory=dict)
    errors: dict[int, str] = field(default_factory=dict)


def outbox_pending():
    """Queued messages with a phone number that were not sent yet, oldest first."""
    from .models import OutboxMessage

    return OutboxMessage.objects.filter(sent_at__isnull=True).exclude(phone="").order_by("pk")


def outbox_deliver(*, backend: SmsBackend | None = None, limit: int | None = None) -> Delivery:
    """Send every pending message with a phone number and mark it sent. Each message is claimed
    in its own transaction (its row locked, still unsent), so two runs at once never send one
    twice; a message whose sending fails stays pending for the next run and the others go on."""
    from .models import OutboxMessage

    backend = backend or get_backend()
    result = Delivery()
    ids = list(outbox_pending().values_list("pk", flat=True)[:limit])
    for pk in ids:
        try:
            with transaction.atomic():
                message = (
                    OutboxMessage.objects.select_for_update()
                    .filter(pk=pk, sent_at__isnull=True)
                    .first()
                )
                if message is None:  # sent meanwhile by another run
                    continue
                provider_id = backend.send(message.phone, message.body)
                message.sent_at = timezone.now()
                message.save(update_fields=["sent_at"])
        except Exception as exc:  # one failure must not stop the others
            result.failed += 1
            result.errors[pk] = str(exc) or type(exc).__name__
            logger.warning("SMS of outbox message %s failed: %s", pk, exc)
            continue
        result.sent += 1
        result.provider_ids[pk] = provider_id
        logger.info("SMS outbox message %s sent (%s)", pk, provider_id)
    return result
