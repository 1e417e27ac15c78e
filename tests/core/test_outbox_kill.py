"""`send_outbox` killed in the middle (kill -9) and run again: every message reaches the stand-in
provider exactly once and none is lost.

The kill lands in the worst place: the provider has accepted a batch, and the process dies
before it could record that. Those rows stay `sending`; once their lease expires the next run
sends them again under the same client ids, which the provider deduplicates on.
Runs the real command in a subprocess against this test's database (SQLite file, or PostgreSQL
when DATABASE_URL is set), and the stand-in on 127.0.0.1 in a thread. No network.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from markaz.core.models import OutboxMessage
from markaz.core.outbox import outbox_queue
from markaz.core.sms.standin import StandInProvider

ROOT = Path(__file__).resolve().parents[2]
S = OutboxMessage.Status
N = 40
BATCH = 5
LEASE = 2


def _env(provider) -> dict:
    env = dict(os.environ)
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        env.pop("DATABASE_URL", None)
        env["MARKAZ_SQLITE_PATH"] = str(db["NAME"])
    else:
        auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
        env["DATABASE_URL"] = f"postgres://{auth}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        MARKAZ_SMS_BACKEND="markaz.core.sms.providers.InfobipBackend",
        MARKAZ_INFOBIP_BASE_URL=provider.url,
        MARKAZ_INFOBIP_API_KEY=provider.api_key,
    )
    return env


def _command() -> list[str]:
    return [
        sys.executable,
        str(ROOT / "manage.py"),
        "send_outbox",
        "--batch-size",
        str(BATCH),
        "--lease-seconds",
        str(LEASE),
    ]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kill_at", [1, 3])
def test_send_outbox_killed_mid_run_sends_nothing_twice_and_loses_nothing(centre, kill_at):
    for i in range(N):
        outbox_queue(
            kind="offer",
            body=f"Message {i}",
            centre=centre,
            phone=f"+21261200{i:04d}",
            key=f"offer:{i}",
        )
    holder = {}

    def kill_after_accepting(n):
        if n == kill_at and "pid" in holder:
            os.kill(holder["pid"], signal.SIGKILL)  # accepted, not recorded: the worst moment
            time.sleep(0.3)

    with StandInProvider(after_accept=kill_after_accepting) as provider:
        env = _env(provider)
        first = subprocess.Popen(
            _command(), cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        holder["pid"] = first.pid
        first.communicate(timeout=120)
        assert first.returncode == -signal.SIGKILL
        holder.pop("pid")

        statuses = list(OutboxMessage.objects.values_list("status", flat=True))
        assert statuses.count(S.SENT) == (kill_at - 1) * BATCH
        assert statuses.count(S.SENDING) == BATCH  # accepted by the provider, not recorded
        assert statuses.count(S.QUEUED) == N - kill_at * BATCH
        assert len(provider.delivered) == kill_at * BATCH

        # The in-flight rows are held until their lease expires; then sent again under the
        # same client ids.
        time.sleep(LEASE + 0.5)
        second = subprocess.run(
            _command(), cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        assert second.returncode == 0, second.stderr
        assert f"SMS sent: {N - (kill_at - 1) * BATCH}, failed: 0." in second.stdout

    rows = list(OutboxMessage.objects.all())
    assert {r.status for r in rows} == {S.SENT}
    assert set(provider.delivered) == {str(r.client_id) for r in rows}  # nothing lost
    assert set(provider.delivered.values()) == {1}  # nobody got a message twice
    assert provider.duplicates == BATCH  # the killed batch came again, and was recognised
    resent = [r for r in rows if r.attempts == 2]
    assert len(resent) == BATCH


@pytest.mark.django_db(transaction=True)
def test_workers_at_once_never_send_a_message_twice(centre):
    """Four threads (each its own database connection) claim batches of the same queue at
    once: every message is sent exactly once, none is submitted twice to the provider."""
    from markaz.core.outbox import outbox_deliver
    from markaz.core.sms.providers import InfobipBackend

    for i in range(200):
        outbox_queue(kind="t", body=f"m{i}", phone=f"+21261200{i:04d}", key=f"w:{i}")
    with StandInProvider() as provider:
        backend = InfobipBackend(base_url=provider.url, api_key=provider.api_key)
        result = outbox_deliver(backend=backend, batch_size=7, workers=4)
    assert result.sent == 200
    assert provider.duplicates == 0 and set(provider.delivered.values()) == {1}
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {S.SENT}
    assert set(OutboxMessage.objects.values_list("attempts", flat=True)) == {1}
