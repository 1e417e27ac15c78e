"""Benchmark: door check-ins per second through the real HTTP endpoint under gunicorn on
loopback, and the ratio to a bare Django view measured in the same run. Prints one JSON object.

Both are served by the same gunicorn (as `make run`: 2 gthread workers x 4 threads, SQLite in WAL
mode; BENCH_WORKERS / BENCH_THREADS to try others) and hit by the same client: CLIENTS threads,
each on one keep-alive connection kept for the whole run, so both kinds of request are served by
the same workers however gunicorn spread the connections. The run alternates ROUNDS rounds of
bare requests and check-ins (the server's speed drifts on a shared machine; alternating lets
both sides see the same drift) and reports the totals, the ratio and each round's ratio.

The entrance runs on a tablet paired once by a coordinator (no staff session): the run creates
a kiosk device, pairs it through the real pairing page (one-time code -> the device's secret in
a cookie), opens the kiosk page with that cookie and takes the secret the page sends.
Each check-in is the kiosk page's POST (the paired tablet's secret, as the page sends it) that
verifies the badge signature, checks the enrolment and the person's last visit, opens the
presence (the database's triggers raise the building's occupancy under its cap) and returns the
answer fragment with the count. The bare view is `/healthz`, the first pattern of the URLconf
(the kiosk's route is next). The database holds HISTORY_DAYS evenings of past visits and door
events for every learner first.
"""

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _smoke import smoke_sizes  # noqa: E402

SMOKE = smoke_sizes(
    BENCH_LEARNERS="200", BENCH_HISTORY_DAYS="2", BENCH_ROUNDS="2", BENCH_BARE_REQUESTS="100"
)
DB = ROOT / "var" / ("bench-checkin-smoke.sqlite3" if SMOKE else "bench-checkin.sqlite3")
PORT = int(os.environ.get("BENCH_PORT", "8765"))
LEARNERS = int(os.environ.get("BENCH_LEARNERS", "5000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "10"))
HISTORY_DAYS = int(os.environ.get("BENCH_HISTORY_DAYS", "40"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "4"))
BARE_REQUESTS = int(os.environ.get("BENCH_BARE_REQUESTS", "1000"))
WORKERS = os.environ.get("BENCH_WORKERS", "2")
THREADS = os.environ.get("BENCH_THREADS", "4")


def env() -> dict:
    e = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings.local", MARKAZ_SQLITE_PATH=str(DB))
    e.pop("DATABASE_URL", None)
    return e


def seed() -> tuple[str, list[str]]:
    for suffix in ("", "-wal", "-shm"):
        Path(str(DB) + suffix).unlink(missing_ok=True)
    os.environ.update(env())
    import django

    django.setup()
    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    from markaz.centre.models import Centre
    from markaz.centre.services import badge_issue, badge_token, kiosk_device_create
    from markaz.core.models import StaffProfile
    from markaz.programmes.models import Cohort, Enrolment, Programme
    from markaz.registry.models import Person
    from markaz.territory.models import Commune

    centre = Centre.objects.create(
        code="bench",
        name_fr="Bench",
        name_ar="Bench",
        commune=Commune.objects.get(code="berkane"),
        floor_area_m2=600,
        max_occupancy=LEARNERS,
    )
    user = get_user_model().objects.create_user("coordinator", password="kiosk-bench-pw")
    StaffProfile.objects.create(user=user, role="coordinator", centre=centre)
    _device, pairing_code = kiosk_device_create(centre=centre, name="Bench tablet", actor=user)
    programme = Programme.objects.create(
        centre=centre,
        title_fr="P",
        title_ar="P",
        track="web",
        hours=10,
        duration_weeks=4,
        goal="wage_job",
        teaching_language="fr",
        schedule_pattern="evening",
    )
    today = timezone.localdate()
    cohort = Cohort.objects.create(
        centre=centre,
        programme=programme,
        code="B1",
        start_date=today,
        end_date=today + dt.timedelta(days=30),
        seats=LEARNERS,
        schedule_pattern="evening",
    )
    people = Person.objects.bulk_create(
        Person(
            centre=centre,
            first_name_latin=f"P{i}",
            last_name_latin="Bench",
            cin=f"BK{i:06d}",
            birth_date=dt.date(2000, 1, 1),
            sex="F",
            activity_status="unemployed",
            education_level="bac",
        )
        for i in range(LEARNERS)
    )
    Enrolment.objects.bulk_create(Enrolment(cohort=cohort, person=p) for p in people)
    history(centre, people, timezone.now())
    return pairing_code, [badge_token(badge_issue(person=p)) for p in people]


def history(centre, people, now) -> None:
    """HISTORY_DAYS past visits per learner (entry at 18:00, exit at 21:00) and their two door
    events, so each scan looks up a person's latest visit among many, as after months of use."""
    import datetime as dt

    from django.db import connection, transaction

    ops = connection.ops
    visits, events = [], []
    for day in range(HISTORY_DAYS, 0, -1):
        evening = (now - dt.timedelta(days=day)).replace(hour=18, minute=0, second=0)
        entered = ops.adapt_datetimefield_value(evening)
        exited = ops.adapt_datetimefield_value(evening + dt.timedelta(hours=3))
        for p in people:
            visits.append((centre.pk, p.pk, entered, exited))
            events.append((centre.pk, p.pk, "entry", entered, 1, ""))
            events.append((centre.pk, p.pk, "exit", exited, 0, ""))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO centre_presence (centre_id, person_id, entered_at, exited_at)"
            " VALUES (%s, %s, %s, %s)",
            visits,
        )
        cursor.executemany(
            "INSERT INTO centre_doorevent (centre_id, person_id, kind, at, occupancy, detail)"
            " VALUES (%s, %s, %s, %s, %s, %s)",
            events,
        )


def wait_port() -> None:
    for _ in range(100):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", PORT)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError("gunicorn did not start")


def pair(code: str) -> str:
    """Pair this client as the entrance tablet, as a tablet does: open the pairing page, post
    the one-time code, then open the kiosk page with the cookie it set. Returns the secret the
    page sends with each scan."""
    conn = http.client.HTTPConnection("127.0.0.1", PORT)
    conn.request("GET", f"/kiosk/pair/?code={code}")
    r = conn.getresponse()
    body = r.read().decode()
    csrf_cookie = re.search(r"csrftoken=([^;]+)", r.getheader("Set-Cookie")).group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
    conn.request(
        "POST",
        "/kiosk/pair/",
        body=f"code={code}&csrfmiddlewaretoken={token}",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={csrf_cookie}",
            "Referer": f"http://127.0.0.1:{PORT}/kiosk/pair/",
        },
    )
    r = conn.getresponse()
    r.read()
    if r.status != 302:
        raise RuntimeError(f"pairing failed: HTTP {r.status}")
    device_cookie = re.search(r"markaz_kiosk=([^;]+)", r.getheader("Set-Cookie")).group(1)
    conn.request("GET", "/kiosk/", headers={"Cookie": f"markaz_kiosk={device_cookie}"})
    page = conn.getresponse().read().decode()
    return re.search(r'"X-Kiosk-Token": "([^"]+)"', page).group(1)


def hammer(conns: list, jobs: list, make_request) -> float:
    """Run the jobs over the given keep-alive connections (one thread each); return requests
    per second."""
    chunks = [jobs[i :: len(conns)] for i in range(len(conns))]
    errors = []

    def worker(conn, chunk):
        for job in chunk:
            method, path, body, headers, check = make_request(job)
            conn.request(method, path, body=body, headers=headers)
            r = conn.getresponse()
            data = r.read()
            if r.status != 200 or (check and check not in data):
                errors.append((r.status, data[:200]))

    start = time.perf_counter()
    threads = [
        threading.Thread(target=worker, args=pair) for pair in zip(conns, chunks, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise RuntimeError(f"{len(errors)} failed requests, e.g. {errors[0]}")
    return len(jobs) / elapsed


def main() -> None:
    pairing_code, tokens = seed()
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{PORT}",
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
        env=env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_port()
        kiosk = pair(pairing_code)
        post_headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Kiosk-Token": kiosk,
            "HX-Request": "true",
        }
        from urllib.parse import quote

        # The same keep-alive connections carry both kinds of request, so both are served by
        # the same workers whichever way gunicorn spread the connections between them.
        conns = [http.client.HTTPConnection("127.0.0.1", PORT, timeout=30) for _ in range(CLIENTS)]
        hammer(conns, list(range(300)), lambda _: ("GET", "/healthz", None, {}, b"ok"))  # warm up
        scans = [tokens[i::ROUNDS] for i in range(ROUNDS)]
        bare_rates, checkin_rates = [], []
        for round_tokens in scans:
            # Interleaved rounds: the server's speed drifts (warm-up, other work on a shared
            # machine), and alternating lets both sides see the same drift.
            bare_rates.append(
                hammer(
                    conns,
                    list(range(BARE_REQUESTS)),
                    lambda _: ("GET", "/healthz", None, {}, b"ok"),
                )
            )
            checkin_rates.append(
                hammer(
                    conns,
                    round_tokens,
                    lambda t: (
                        "POST",
                        "/kiosk/device-scan/",
                        f"code={quote(t)}",
                        post_headers,
                        b'data-kind="entry"',
                    ),
                )
            )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)
    bare_total = BARE_REQUESTS * ROUNDS / sum(BARE_REQUESTS / r for r in bare_rates)
    checkin_total = len(tokens) / sum(len(t) / r for t, r in zip(scans, checkin_rates, strict=True))
    round_ratios = sorted(c / b for c, b in zip(checkin_rates, bare_rates, strict=True))
    print(
        json.dumps(
            {
                "benchmark": "checkin",
                "smoke": SMOKE,
                "server": f"gunicorn {WORKERS} workers x {THREADS} threads, SQLite WAL, loopback",
                "clients": CLIENTS,
                "checkins": len(tokens),
                "history": {
                    "visits_per_learner": HISTORY_DAYS,
                    "presences": LEARNERS * HISTORY_DAYS,
                },
                "rounds": ROUNDS,
                "checkins_per_s": round(checkin_total, 1),
                "bare_view_per_s": round(bare_total, 1),
                "ratio": round(checkin_total / bare_total, 3),
                "round_ratios": [round(r, 3) for r in round_ratios],
                "median_round_ratio": round(round_ratios[len(round_ratios) // 2], 3),
                "target_ratio": 0.5,
            }
        )
    )


if __name__ == "__main__":
    import argparse

    argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Sizes from the environment: BENCH_LEARNERS, BENCH_HISTORY_DAYS, BENCH_CLIENTS, "
        "BENCH_WORKERS, BENCH_THREADS, BENCH_PORT.",
    ).parse_args()
    main()
