"""Benchmark: the outbox delivering through Infobip's HTTP API adapter. Prints one JSON object.

10,000 queued SMS are delivered by `outbox_deliver` (what `send_outbox` runs) through
`InfobipBackend` to a local stand-in provider on 127.0.0.1 (the real adapter, real HTTP with
keep-alive, a SQLite database in WAL mode as `make run` uses), three times:
- `clean`: the provider answers every request (target >= 200 messages a second);
- `one_request_in_ten_fails`: the provider answers 503 to every tenth request; the run is
  repeated (as cron would) until nothing is pending: every message delivered, none twice,
  and the attempts it took counted;
- `one_answer_in_ten_lost`: the provider accepts every tenth request and then drops the
  connection, so we cannot know it arrived; the messages are sent again under the same client
  ids, which the provider deduplicates on: resubmissions counted, deliveries twice = 0.
`--smoke`: 200 messages, same code path, a few seconds. Not a timed test: run it with
`make bench`. Figures depend on the machine; compare within a run.
"""

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SMOKE = "--smoke" in sys.argv
DB = ROOT / "var" / ("bench-outbox-smoke.sqlite3" if SMOKE else "bench-outbox.sqlite3")
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
os.environ["MARKAZ_SQLITE_PATH"] = str(DB)
os.environ.pop("DATABASE_URL", None)

MESSAGES = 200 if SMOKE else int(os.environ.get("BENCH_MESSAGES", "10000"))
# Messages per claim and per Infobip request (smaller in smoke mode so that faults occur).
BATCH = 10 if SMOKE else 100


def main() -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(DB) + suffix).unlink(missing_ok=True)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    import logging

    logging.getLogger("markaz").setLevel(logging.WARNING)  # one line per failed batch otherwise
    # Retries come quickly here so that a run of the benchmark does not wait minutes; the
    # backoff's shape (base × 2^(attempt − 1)) is the production one.
    settings.MARKAZ_SMS_RETRY_BASE_SECONDS = 0.001
    settings.MARKAZ_SMS_MAX_ATTEMPTS = 20

    from markaz.core.models import OutboxMessage
    from markaz.core.outbox import Outgoing, outbox_deliver, outbox_queue_many
    from markaz.core.sms.providers import InfobipBackend
    from markaz.core.sms.standin import StandInProvider

    def queue(run: str) -> None:
        OutboxMessage.objects.all().delete()
        outbox_queue_many(
            Outgoing(
                kind="bench",
                body=f"مركز الابتكار الرقمي ببركان: لديك مقعد في تطوير الويب (الفوج {i % 40}). "
                "اقبل أو ارفض قبل 14/09/2026 18:00",
                phone=f"+2126{10000000 + i:08d}",
                language="ar",
                key=f"{run}:{i}",
            )
            for i in range(MESSAGES)
        )

    def scenario(run: str, **faults) -> dict:
        queue(run)
        with StandInProvider(**faults) as provider:
            backend = InfobipBackend(base_url=provider.url, api_key=provider.api_key)
            runs, requests = 0, 0
            t0 = time.perf_counter()
            while OutboxMessage.objects.filter(status__in=["queued", "sending"]).exists():
                result = outbox_deliver(backend=backend, batch_size=BATCH)
                runs += 1
                requests += result.requests
                if runs > 200:
                    raise RuntimeError("the outbox does not drain")
            seconds = time.perf_counter() - t0
            backend.client.close()
        rows = OutboxMessage.objects.all()
        statuses = {s: rows.filter(status=s).count() for s in ("sent", "failed", "queued")}
        client_ids = {str(c) for c in rows.values_list("client_id", flat=True)}
        attempts = list(rows.values_list("attempts", flat=True))
        return {
            "seconds": round(seconds, 2),
            "messages_per_second": round(MESSAGES / seconds, 1),
            "sent": statuses["sent"],
            "failed": statuses["failed"],
            "lost": len(client_ids - set(provider.delivered)),
            "delivered_twice": sum(1 for n in provider.delivered.values() if n > 1),
            "send_outbox_runs": runs,
            "http_requests": provider.requests,
            "failed_requests": provider.failed_requests,
            "answers_lost": provider.dropped_requests,
            "resubmissions_deduplicated_by_provider": provider.duplicates,
            "attempts_total": sum(attempts),
            "messages_needing_more_than_one_attempt": sum(1 for a in attempts if a > 1),
            "max_attempts_of_a_message": max(attempts),
        }

    result = {
        "benchmark": "outbox",
        "smoke": SMOKE,
        "messages": MESSAGES,
        "adapter": "markaz.core.sms.providers.InfobipBackend (POST /sms/2/text/advanced)",
        "provider": "local stand-in on 127.0.0.1, HTTP/1.1 keep-alive",
        "database": "sqlite (WAL)",
        "messages_per_request": BATCH,
        "target_messages_per_second": 200,
        "clean": scenario("clean"),
        "one_request_in_ten_fails": scenario("fails", fail_every=10),
        "one_answer_in_ten_lost": scenario("lost", drop_every=10),
    }
    ok = all(
        s["sent"] == MESSAGES and s["lost"] == 0 and s["delivered_twice"] == 0
        for s in (
            result["clean"],
            result["one_request_in_ten_fails"],
            result["one_answer_in_ten_lost"],
        )
    )
    result["all_delivered_once"] = ok
    print(json.dumps(result, indent=2))
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
