"""Text messages, behind a small interface so the provider can change.

A backend sends a batch: `send_many(messages: list[SmsOut]) -> list[SendResult]`, one result
per message (its provider id, or an error that says whether trying again can help). It may raise
for a failure of the whole batch (the provider is down); every message of the batch is then
retried later. Each message carries a `client_id` that stays the same on every attempt: a
provider that deduplicates on it (Infobip's `messageId`) never delivers a resent message twice.
A backend with only the older `send(phone, text) -> provider_id` (raising on failure) still works.

Which backend runs is the `MARKAZ_SMS_BACKEND` setting (a dotted path):

- `markaz.core.sms.FileBackend` (the default): appends one JSON line per message to
  `var/sms-outbox.log` (setting `MARKAZ_SMS_FILE`), for a centre without a provider yet and for
  the demo;
- `markaz.core.sms.providers.InfobipBackend`: Infobip's SMS API (serves Morocco), see
  `providers.py` for its settings;
- `markaz.core.sms.providers.HttpJsonBackend`: any gateway that takes one JSON request per
  message (URL, header and body template from settings);
- `markaz.core.sms.ConsoleBackend`: prints the message (development);
- `markaz.core.sms.MemoryBackend`: keeps the messages in `MemoryBackend.sent` (tests).

Services queue messages with `markaz.core.outbox.outbox_queue`; `outbox_deliver` (the
`send_outbox` command) claims, sends and records them.
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
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger("markaz.sms")

DEFAULT_BACKEND = "markaz.core.sms.FileBackend"


@dataclass(frozen=True)
class SmsOut:
    """One message to hand to the provider."""

    client_id: str
    phone: str
    text: str


@dataclass
class SendResult:
    """What the provider said about one message. `error` empty: accepted (`provider_id`).
    `permanent`: trying again cannot help (an invalid number, a message refused)."""

    client_id: str
    provider_id: str = ""
    error: str = ""
    permanent: bool = False

    @property
    def ok(self) -> bool:
        return not self.error


class SmsBackend(Protocol):
    def send_many(self, messages: list[SmsOut]) -> list[SendResult]:
        """Send each message; return one result per message. Raise if the whole batch failed
        (nothing was accepted, or nobody can tell)."""
        ...


class SendError(Exception):
    """A failure of a whole request. `permanent`: the same request will fail again."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


def send_many(backend, messages: list[SmsOut]) -> list[SendResult]:
    """Send through `backend`, be it a batch backend or one with only `send(phone, text)`."""
    if hasattr(backend, "send_many"):
        return backend.send_many(messages)
    results = []
    for m in messages:
        try:
            results.append(SendResult(m.client_id, provider_id=backend.send(m.phone, m.text)))
        except Exception as exc:  # one failure must not stop the others
            results.append(SendResult(m.client_id, error=str(exc) or type(exc).__name__))
    return results


def _new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


class _OneByOne:
    """Batch sending for the simple backends: each message through `send`."""

    def send_many(self, messages: list[SmsOut]) -> list[SendResult]:
        return [SendResult(m.client_id, provider_id=self.send(m.phone, m.text)) for m in messages]


class ConsoleBackend(_OneByOne):
    """Prints each message to standard output."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout

    def send(self, phone: str, text: str) -> str:
        provider_id = _new_id("console")
        self.stream.write(f"SMS {provider_id} to {phone}:\n{text}\n\n")
        self.stream.flush()
        return provider_id


class FileBackend(_OneByOne):
    """Appends each message as one JSON line to a file (`MARKAZ_SMS_FILE`)."""

    _lock = threading.Lock()

    def __init__(self, path: str | Path | None = None):
        default = Path(settings.VAR_DIR) / "sms-outbox.log"
        self.path = Path(path or getattr(settings, "MARKAZ_SMS_FILE", None) or default)

    def send(self, phone: str, text: str) -> str:
        provider_id = _new_id("file")
        line = json.dumps(
            {"id": provider_id, "at": timezone.now().isoformat(), "phone": phone, "text": text},
            ensure_ascii=False,
        )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, self.path.open("a", encoding="utf-8") as f:
            f.write(line + "\n")
        return provider_id


class MemoryBackend(_OneByOne):
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
    """What one `outbox_deliver` did: accepted by the provider (or the mail server), failed for
    good, put back for a later attempt, stopped (STOP), and per message the id or the error."""

    sent: int = 0
    failed: int = 0
    retried: int = 0
    stopped: int = 0
    requests: int = 0
    provider_ids: dict[int, str] = field(default_factory=dict)
    errors: dict[int, str] = field(default_factory=dict)


def outbox_deliver(**kwargs) -> Delivery:
    """See `markaz.core.outbox.outbox_deliver` (kept here for older callers)."""
    from markaz.core.outbox import outbox_deliver as deliver

    return deliver(**kwargs)


def outbox_pending():
    from markaz.core.outbox import outbox_pending as pending

    return pending()
