"""Benchmark: the public application form under load. Prints one JSON object.

CLIENTS concurrent clients (20) post valid, distinct applications to `/apply/<centre>/` for
DURATION seconds (60) against gunicorn on loopback, served as `make run` serves it (2 gthread
workers x 4 threads), once on SQLite (WAL, immediate transactions, busy timeout) and once on
PostgreSQL (database `markaz_bench_apply`, created if missing, emptied each run). Each client
keeps one keep-alive connection, opens the form once (CSRF cookie and token), then completes
one application after another: a new CIN, eligible, ranking two cohorts of the open campaign,
posted, then the code sent by SMS to its phone typed on the next page. The client reads the code
where a phone would receive it: the outbox row queued for that phone (this process reads the
database directly, as the SMS gateway would). All clients come from one address, so the
server's per-address limit on codes sent is lifted for the run (MARKAZ_APPLY_SENDS_PER_ADDRESS).

Reported per database: applications per second, p50/p95 latency of a whole application (both
POSTs) and of the form's POST alone, errors (every application whose code step did not end in
the 302 to the thanks page, target 0), and the rows written against the
answers given: persons, consents, applications and rankings in the database must each equal
the 302 answers, every successful CIN must have its person, and no failed CIN may have one
(issue 13: under load, failed requests wrote a person and an applicant lost their ranking).
Exits non-zero when rows and answers disagree.

Each database is seeded by this script in a subprocess (`--seed`, `--count`): a centre (an
empty install redirects to /setup/), its scoring rule, a programme, three cohorts and an open
campaign.
"""

import datetime as dt
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
VAR = ROOT / "var"

from _smoke import smoke_sizes  # noqa: E402

SMOKE = smoke_sizes(
    BENCH_CLIENTS="4",
    BENCH_DURATION="3",
    BENCH_APPLY_SQLITE=str(VAR / "bench-apply-smoke.sqlite3"),
    BENCH_APPLY_PG_URL="postgres://postgres@127.0.0.1:5432/markaz_bench_apply_smoke",
)
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "20"))
DURATION = float(os.environ.get("BENCH_DURATION", "60"))
SQLITE_DB = Path(os.environ.get("BENCH_APPLY_SQLITE", str(VAR / "bench-apply.sqlite3")))
PG_URL = os.environ.get(
    "BENCH_APPLY_PG_URL", "postgres://postgres@127.0.0.1:5432/markaz_bench_apply"
)
PORTS = {"sqlite": 8791, "postgresql": 8792}
if os.environ.get("BENCH_APPLY_PORT"):  # one port for both (they run one after the other)
    PORTS = dict.fromkeys(PORTS, int(os.environ["BENCH_APPLY_PORT"]))
WORKERS = os.environ.get("BENCH_WORKERS", "2")
THREADS = os.environ.get("BENCH_THREADS", "4")
CENTRE = "bench"


def log(msg: str) -> None:
    print(f"[apply] {msg}", file=sys.stderr, flush=True)


def db_env(db: str) -> dict:
    e = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="config.settings.local",
        MARKAZ_APPLY_SENDS_PER_ADDRESS="100000000",
    )
    e.pop("DATABASE_URL", None)
    e.pop("MARKAZ_SQLITE_PATH", None)
    if db == "sqlite":
        e["MARKAZ_SQLITE_PATH"] = str(SQLITE_DB)
    else:
        e["DATABASE_URL"] = PG_URL
    return e


# --- In a subprocess, on one database: seed, count ------------------------------------------


def _django():
    import django

    django.setup()


def seed() -> dict:
    """A fresh database holding one centre with an open campaign of three cohorts."""
    _django()
    from django.core.management import call_command
    from django.utils import timezone

    from markaz.centre.models import Centre
    from markaz.engine.scoring import DEFAULT_RULE
    from markaz.programmes.models import Campaign, Cohort, Programme, ScoringRuleVersion
    from markaz.territory.models import Commune

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    centre = Centre.objects.create(
        code=CENTRE,
        name_fr="Bench",
        name_ar="Bench",
        commune=Commune.objects.get(code="berkane"),
        floor_area_m2=600,
        max_occupancy=200,
    )
    rule = ScoringRuleVersion.objects.create(
        centre=centre,
        version=DEFAULT_RULE.version,
        weights=DEFAULT_RULE.weights,
        rsu_threshold=9.74,
    )
    programme = Programme.objects.create(
        centre=centre,
        title_fr="Web",
        title_ar="Web",
        track="web",
        hours=300,
        duration_weeks=16,
        goal="wage_job",
        teaching_language="fr",
        schedule_pattern="evening",
    )
    today = timezone.localdate()
    start = today + dt.timedelta(days=60)
    cohorts = [
        Cohort.objects.create(
            centre=centre,
            programme=programme,
            code=code,
            start_date=start,
            end_date=start + dt.timedelta(days=120),
            seats=20,
            schedule_pattern=pattern,
        )
        for code, pattern in (("E1", "evening"), ("E2", "evening"), ("D1", "daytime"))
    ]
    campaign = Campaign.objects.create(
        centre=centre,
        name_fr="Bench",
        name_ar="Bench",
        opens_on=today - dt.timedelta(days=1),
        closes_on=today + dt.timedelta(days=30),
        scoring_rule=rule,
    )
    campaign.cohorts.set(cohorts)
    return {"cohorts": [c.pk for c in cohorts]}


def count(answers_file: str) -> dict:
    """The rows written, against the answers given."""
    _django()
    from markaz.programmes.models import Application, Choice, PendingApplication
    from markaz.registry.models import Consent, IntakeConflict, Person

    answers = json.loads(Path(answers_file).read_text())
    ok, failed = set(answers["ok"]), set(answers["failed"])
    cins = set(Person.objects.values_list("cin", flat=True))
    ranked = set(
        Application.objects.filter(choices__isnull=False).values_list("person__cin", flat=True)
    )
    return {
        "persons": Person.objects.count(),
        "consents": Consent.objects.count(),
        "applications": Application.objects.count(),
        "rankings": len(ranked),
        "choices": Choice.objects.count(),
        "intake_conflicts": IntakeConflict.objects.count(),
        "pending_left": PendingApplication.objects.count(),
        "successes_without_person": len(ok - cins),
        "successes_without_ranking": len(ok - ranked),
        "errors_that_wrote_a_person": len(failed & cins),
        "persons_without_answer": len(cins - ok - failed),
    }


def child(mode: str, db: str, arg: str | None = None) -> dict:
    cmd = [sys.executable, __file__, mode, db] + ([arg] if arg else [])
    out = subprocess.run(cmd, env=db_env(db), cwd=ROOT, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"{mode} on {db} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- The load --------------------------------------------------------------------------------


def prepare(db: str) -> None:
    """Start from an empty database."""
    if db == "sqlite":
        SQLITE_DB.parent.mkdir(exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(str(SQLITE_DB) + suffix).unlink(missing_ok=True)
        return
    import psycopg
    from psycopg import sql

    name = PG_URL.rsplit("/", 1)[1].split("?")[0]
    admin_url = PG_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def wait_port(port: int) -> None:
    for _ in range(300):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError("gunicorn did not start")


def application(client: int, n: int, cohorts: list[int]) -> str:
    from urllib.parse import urlencode

    birth = dt.date(1996, 1, 1) + dt.timedelta(days=(client * 997 + n * 13) % 3000)
    return urlencode(
        {
            "first_name_latin": f"Client{client}",
            "last_name_latin": f"Applicant{n}",
            "first_name_ar": "",
            "last_name_ar": "",
            "cin": cin(client, n),
            "birth_date": birth.isoformat(),
            "sex": "FM"[n % 2],
            "phone": phone(client, n),
            "commune": "berkane",
            "activity_status": "unemployed",
            "education_level": "bac",
            "preferred_language": "ar",
            "consent": "on",
            "rank-choice_1": cohorts[n % 2],
            "rank-choice_2": cohorts[2],
        }
    )


def cin(client: int, n: int) -> str:
    return f"AP{client:02d}{n:04d}"


_CODE_SQL = (
    "SELECT body FROM core_outboxmessage WHERE phone = {p} AND kind = 'otp' "
    "ORDER BY id DESC LIMIT 1"
)


class Phone:
    """Where a client reads the code sent to its phone: the outbox row queued for that phone."""

    def __init__(self, db: str):
        if db == "sqlite":
            import sqlite3

            self.conn = sqlite3.connect(str(SQLITE_DB), timeout=30)
            self.sql = _CODE_SQL.format(p="?")
        else:
            import psycopg

            self.conn = psycopg.connect(PG_URL, autocommit=True)
            self.sql = _CODE_SQL.format(p="%s")

    def code(self, phone: str) -> str:
        e164 = "+212" + phone[1:]
        row = self.conn.execute(self.sql, (e164,)).fetchone()
        found = re.search(r"\b(\d{6})\b", row[0] if row else "")
        return found.group(1) if found else ""

    def close(self) -> None:
        self.conn.close()


def phone(client: int, n: int) -> str:
    return f"06{client:02d}{n:06d}"


def load(port: int, cohorts: list[int], db: str) -> dict:
    path = f"/apply/{CENTRE}/"
    confirm_path = f"/apply/{CENTRE}/confirm/"
    results = []  # (cin, status, seconds for both steps, seconds for the form's POST)
    lock = threading.Lock()
    ready = threading.Barrier(CLIENTS + 1)
    stop_at = [0.0]

    def client(c: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("GET", path, headers={"Cookie": "markaz_language=fr"})
        r = conn.getresponse()
        body = r.read().decode()
        if r.status != 200:
            raise RuntimeError(f"form: HTTP {r.status}")
        csrf = re.search(r"csrftoken=([^;]+)", r.getheader("Set-Cookie") or "").group(1)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={csrf}; markaz_language=fr",
        }
        mine = []
        sms = Phone(db)
        ready.wait()
        n = 0
        while time.perf_counter() < stop_at[0]:
            body = application(c, n, cohorts) + f"&csrfmiddlewaretoken={token}"
            t0 = time.perf_counter()
            form_s = None
            try:
                conn.request("POST", path, body=body, headers=headers)
                r = conn.getresponse()
                r.read()
                form_s = time.perf_counter() - t0
                pending = re.search(
                    r"markaz_apply_pending=([^;]+)", r.getheader("Set-Cookie") or ""
                )
                if r.status != 302 or confirm_path not in (r.getheader("Location") or ""):
                    status = f"form-{r.status}"
                elif pending is None:
                    status = "form-no-cookie"
                else:
                    code = sms.code(phone(c, n))
                    step = dict(
                        headers,
                        Cookie=f"{headers['Cookie']}; markaz_apply_pending={pending.group(1)}",
                    )
                    conn.request(
                        "POST",
                        confirm_path,
                        body=f"code={code}&csrfmiddlewaretoken={token}",
                        headers=step,
                    )
                    r = conn.getresponse()
                    r.read()
                    ok = r.status == 302 and "/thanks" in (r.getheader("Location") or "")
                    status = r.status if (ok or r.status != 302) else "302-elsewhere"
            except (OSError, http.client.HTTPException) as exc:
                status = type(exc).__name__
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            mine.append((cin(c, n), status, time.perf_counter() - t0, form_s))
            n += 1
        conn.close()
        sms.close()
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=client, args=(c,)) for c in range(CLIENTS)]
    for t in threads:
        t.start()
    stop_at[0] = time.perf_counter() + 3600  # set for real once every client has its form
    ready.wait()
    start = time.perf_counter()
    stop_at[0] = start + DURATION
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    return {"results": results, "elapsed": elapsed}


def run(db: str) -> dict:
    log(f"{db}: preparing the database")
    prepare(db)
    seeded = child("--seed", db)
    port = PORTS[db]
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            WORKERS,
            "--threads",
            THREADS,
            "--worker-class",
            "gthread",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=db_env(db),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_port(port)
        log(f"{db}: {CLIENTS} clients for {DURATION:g} s on port {port}")
        out = load(port, seeded["cohorts"], db)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            _, stderr = server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            _, stderr = server.communicate()
    results = out["results"]
    ok = [c for c, s, _t, _f in results if s == 302]
    failed = [c for c, s, _t, _f in results if s != 302]
    statuses: dict[str, int] = {}
    for _c, s, _t, _f in results:
        statuses[str(s)] = statuses.get(str(s), 0) + 1
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump({"ok": ok, "failed": failed}, f)
    try:
        rows = child("--count", db, f.name)
    finally:
        Path(f.name).unlink(missing_ok=True)
    lat = sorted(t for _c, _s, t, _f in results)
    form_lat = sorted(f for _c, _s, _t, f in results if f is not None)
    n = len(ok)
    consistent = (
        rows["persons"] == rows["consents"] == rows["applications"] == rows["rankings"] == n
        and rows["choices"] == 2 * n
        and rows["successes_without_person"] == 0
        and rows["successes_without_ranking"] == 0
        and rows["errors_that_wrote_a_person"] == 0
        and rows["persons_without_answer"] == 0
    )
    server_errors = [
        line for line in stderr.decode(errors="replace").splitlines() if "Error" in line
    ][:5]
    return {
        "requests": len(results),
        "answers_2xx_3xx": n,
        "errors": len(failed),
        "statuses": statuses,
        "applications_per_s": round(n / out["elapsed"], 1),
        "p50_ms": round(lat[len(lat) // 2] * 1000, 1) if lat else None,
        "p95_ms": round(lat[int(0.95 * (len(lat) - 1))] * 1000, 1) if lat else None,
        "max_ms": round(lat[-1] * 1000, 1) if lat else None,
        "form_post_p95_ms": (
            round(form_lat[int(0.95 * (len(form_lat) - 1))] * 1000, 1) if form_lat else None
        ),
        "rows": rows,
        "rows_equal_answers": consistent,
        "server_errors": server_errors,
    }


def main() -> int:
    report = {
        "benchmark": "apply",
        "smoke": SMOKE,
        "server": f"gunicorn {WORKERS} workers x {THREADS} threads (gthread), loopback",
        "clients": CLIENTS,
        "duration_s": DURATION,
        "target_errors": 0,
    }
    ok = True
    for db in ("sqlite", "postgresql"):
        try:
            report[db] = run(db)
            ok = ok and report[db]["rows_equal_answers"]
        except Exception as exc:  # noqa: BLE001 - reported in the JSON, and the exit code
            report[db] = {"error": f"{type(exc).__name__}: {exc}"[:2000]}
            ok = False
    report["ok"] = ok
    print(json.dumps(report))
    return 0 if ok else 1


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] in ("--seed", "--count"):
        result = seed() if sys.argv[1] == "--seed" else count(sys.argv[3])
        print(json.dumps(result))
        sys.exit(0)
    import argparse

    argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Sizes from the environment: BENCH_CLIENTS, BENCH_DURATION, BENCH_WORKERS, "
        "BENCH_THREADS, BENCH_APPLY_SQLITE, BENCH_APPLY_PG_URL, BENCH_APPLY_PORT. --smoke: 4 clients for 3 s.",
    ).parse_args()
    sys.exit(main())
