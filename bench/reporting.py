"""Benchmark: the full indicator pack at scale, on SQLite, on PostgreSQL and on DuckDB.
Prints one JSON object.

With 100,000 synthetic youth, ~5,000,000 attendance marks and 300,000 follow-ups (see
bench/_reporting_data.py), measure for the window 2023-01-01 → 2025-12-31 (all the data):
- the full indicator pack, `selectors.indicator_pack_uncached` (facts queries + engine +
  pack_to_dict): best and median of 3 after one warm-up, on SQLite (WAL, as `make run`) and on
  PostgreSQL (target: under 2 s on each);
- the dashboard (`reporting:dashboard`, full request as a coordinator): p95 of 20 requests with
  the cache cleared before each (cold) and of 20 with the cache kept (warm);
- each query of reporting/facts.py timed on its own (the same SQL, re-run and fetched);
- the same pack from an in-memory DuckDB holding the same rows (copied from the SQLite bench
  database through CSV), its facts computed by an independent SQL implementation and fed to
  the same engine: the ratio of the Django pack time to DuckDB's, and whether the packs agree.

Each database runs in its own subprocess (one Django setup each); this parent combines them.
The data is generated once per database and reused while its marker row says it is complete
(--rebuild to regenerate). PostgreSQL: BENCH_PG_URL, default
postgres://postgres@127.0.0.1:5432/markaz_bench (created if missing). --scale 0.02 for a quick
try. Not a timed test: run it with `make bench`. Figures depend on the machine.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
VAR = ROOT / "var"

from _smoke import smoke_sizes  # noqa: E402

# Smoke: 500 youth in their own databases (never the full run's data), one run, two requests.
SMOKE = smoke_sizes(
    BENCH_REPORTING_SQLITE=str(VAR / "bench-reporting-smoke.sqlite3"),
    BENCH_PG_URL="postgres://postgres@127.0.0.1:5432/markaz_bench_smoke",
    BENCH_RUNS="1",
    BENCH_REQUESTS="2",
)
SQLITE_DB = Path(os.environ.get("BENCH_REPORTING_SQLITE", str(VAR / "bench-reporting.sqlite3")))
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/markaz_bench")
START, END = dt.date(2023, 1, 1), dt.date(2025, 12, 31)
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "20"))
TARGET_S = 2.0


def log(msg: str) -> None:
    print(f"[reporting bench] {msg}", file=sys.stderr, flush=True)


def p95(values: list[float]) -> float:
    values = sorted(values)
    return values[max(0, int(round(0.95 * len(values))) - 1)]


def timed(fn, runs: int = RUNS) -> tuple[list[float], object]:
    result = fn()  # warm-up
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return times, result


def first_difference(a, b, path: str = "") -> str | None:
    """Where two JSON-like values differ (NaN equals NaN), or None."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return None
    if isinstance(a, dict) and isinstance(b, dict):
        for key in list(a) + [k for k in b if k not in a]:
            if key not in a or key not in b:
                return f"{path}/{key}: only in {'first' if key in a else 'second'}"
            found = first_difference(a[key], b[key], f"{path}/{key}")
            if found:
                return found
        return None
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        if len(a) != len(b):
            return f"{path}: {len(a)} items vs {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            label = x.get("code", i) if isinstance(x, dict) else i
            found = first_difference(x, y, f"{path}/{label}")
            if found:
                return found
        return None
    if (
        a != b
        or type(a) is not type(b)
        and not (isinstance(a, int | float) and isinstance(b, int | float))
    ):
        return f"{path}: {a!r} vs {b!r}"
    return None


def canonical(pack) -> str:
    return json.dumps(pack, sort_keys=True, default=str, allow_nan=True)


# --------------------------------------------------------------------------------------------
# Preparing a database (before Django is set up)
# --------------------------------------------------------------------------------------------


def sqlite_ready(plan) -> bool:
    import sqlite3

    if not SQLITE_DB.exists():
        return False
    try:
        con = sqlite3.connect(f"file:{SQLITE_DB}?mode=ro", uri=True)
        row = con.execute("SELECT name_fr FROM centre_centre WHERE code = 'bench'").fetchone()
        con.close()
    except sqlite3.Error:
        return False
    return bool(row) and row[0] == plan.marker


def sqlite_reset() -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(SQLITE_DB) + suffix).unlink(missing_ok=True)


def pg_prepare(plan, rebuild: bool) -> bool:
    """Create the bench database if missing (or drop and recreate it when incomplete or
    --rebuild). Returns True when it already holds complete data."""
    import psycopg
    from psycopg import sql

    name = PG_URL.rsplit("/", 1)[1].split("?")[0]
    admin_url = PG_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and not rebuild:
            try:
                with psycopg.connect(PG_URL, connect_timeout=5) as con:
                    row = con.execute(
                        "SELECT name_fr FROM centre_centre WHERE code = 'bench'"
                    ).fetchone()
                if row and row[0] == plan.marker:
                    return True
            except psycopg.Error:
                pass
        if exists:
            log(f"dropping database {name}")
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        log(f"created database {name}")
    return False


# --------------------------------------------------------------------------------------------
# The worker: one database
# --------------------------------------------------------------------------------------------


def worker(db: str, scale: float, rebuild: bool) -> dict:
    import _reporting_data as data

    plan = data.Plan(scale)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    if db == "sqlite":
        os.environ.pop("DATABASE_URL", None)
        os.environ["MARKAZ_SQLITE_PATH"] = str(SQLITE_DB)
        ready = sqlite_ready(plan) and not rebuild
        if not ready:
            sqlite_reset()
    else:
        os.environ["DATABASE_URL"] = PG_URL
        ready = pg_prepare(plan, rebuild)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    t = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrate_s = time.perf_counter() - t
    out: dict = {"database": f"{connection.vendor} ({connection.Database.__name__})"}
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT version()")
            out["database"] = cur.fetchone()[0].split(" on ")[0]
    else:
        out["database"] = f"SQLite {connection.Database.sqlite_version} (WAL)"
    # How long the generation took, kept beside the data so a re-run can still say it.
    sidecar = VAR / f"bench-reporting-generation-{db}.json"
    if ready:
        log(f"{db}: reusing the generated data ({plan.marker})")
        out["generation"] = {"reused": True}
        if sidecar.exists():
            out["generation"]["when_generated"] = json.loads(sidecar.read_text())
    else:
        log(f"{db}: generating synthetic data (scale {plan.scale:g})")
        out["generation"] = {"reused": False, "migrate_s": round(migrate_s, 1)}
        out["generation"].update({f"{k}_s": v for k, v in data.generate(plan).items()})
        sidecar.write_text(json.dumps({"marker": plan.marker, **out["generation"]}))
        log(f"{db}: generated in {out['generation']['total_s']}s")

    from markaz.centre.models import Centre
    from markaz.learning.models import AttendanceMark
    from markaz.mentoring.models import FollowUp
    from markaz.registry.models import Person

    centre = Centre.objects.get(code="bench")
    out["counts"] = {
        "youth": Person.objects.filter(centre=centre).count(),
        "attendance_marks": AttendanceMark.objects.count(),
        "followups": FollowUp.objects.filter(centre=centre).count(),
    }
    load_before = os.getloadavg()[0]
    out.update(measure(centre))
    out["profile"] = profile(centre)
    # Other work on the machine inflates every figure: say how busy it was.
    out["load_average"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    pack_path = VAR / f"bench-reporting-pack-{db}.json"
    pack = out.pop("_pack")
    pack_path.write_text(canonical(pack))
    out["pack_file"] = str(pack_path.relative_to(ROOT))
    out["pack_sha256"] = hashlib.sha256(canonical(pack).encode()).hexdigest()[:16]
    if db == "sqlite":
        try:
            out["duckdb"] = duckdb_bench(centre, pack)
        except Exception as exc:  # the Django figures still count
            import traceback

            traceback.print_exc()
            out["duckdb"] = {"error": f"{type(exc).__name__}: {exc}"}
    return out


def measure(centre) -> dict:
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import NoReverseMatch, reverse

    from markaz.reporting import selectors

    def pack():
        return selectors.indicator_pack_uncached(centre=centre, start=START, end=END, protect=False)

    log("timing the pack (1 warm-up + 3)")
    times, result = timed(pack)
    out = {
        "pack_s_best": round(min(times), 3),
        "pack_s_median": round(statistics.median(times), 3),
        "pack_s_runs": [round(x, 3) for x in times],
        "_pack": result,
    }

    setup_test_environment()
    user = get_user_model().objects.get(username="bench-coordinator")
    client = Client()
    client.force_login(user)
    try:
        url = reverse("reporting:dashboard")
    except NoReverseMatch:
        url = None
    if url:
        params = {"start": START.isoformat(), "end": END.isoformat()}
        log(f"timing the dashboard {url} ({REQUESTS} cold + {REQUESTS} warm)")
        response = client.get(url, params)
        assert response.status_code == 200, response.status_code

        def request():
            t = time.perf_counter()
            response = client.get(url, params)
            ms = (time.perf_counter() - t) * 1000
            assert response.status_code == 200, response.status_code
            return ms

        cold = []
        for _ in range(REQUESTS):
            cache.clear()
            cold.append(request())
        warm = [request() for _ in range(REQUESTS)]
        described = f"GET {url}?start={START}&end={END} as the centre's coordinator"
        try:  # what the page computes besides the window: its default comparison
            from markaz.reporting.forms import WindowForm

            form = WindowForm(params, default=(START, END))
            other = form.comparison()
            described += f" (default comparison {form.compare_mode()!r}: " + (
                f"a second pack for {other[0]}..{other[1]})" if other else "none)"
            )
        except Exception:  # the form is not ours: describe what we can
            pass
        out["dashboard"] = described + ", django.test.Client"
    else:
        log("no reporting:dashboard: timing indicator_pack (cached path) instead")

        def cached():
            t = time.perf_counter()
            selectors.indicator_pack(centre=centre, start=START, end=END, protect=False)
            return (time.perf_counter() - t) * 1000

        cold = []
        for _ in range(REQUESTS):
            cache.clear()
            cold.append(cached())
        warm = [cached() for _ in range(REQUESTS)]
        out["dashboard"] = "selectors.indicator_pack (no dashboard view yet)"
    out["dashboard_p95_cold_ms"] = round(p95(cold), 1)
    out["dashboard_p95_warm_ms"] = round(p95(warm), 1)
    out["dashboard_p50_cold_ms"] = round(statistics.median(cold), 1)
    out["dashboard_p50_warm_ms"] = round(statistics.median(warm), 2)
    return out


def profile(centre) -> dict:
    """Each phase of the pack, then each SQL query of facts.py re-run alone (same SQL and
    parameters, all rows fetched): what the pack time is made of."""
    from django.db import connection

    from markaz.engine import indicators as engine
    from markaz.reporting import facts as facts_module

    captured: list[dict] = []
    phase = {"name": ""}

    def wrapper(execute, sql, params, many, context):
        captured.append({"phase": phase["name"], "sql": sql, "params": params})
        return execute(sql, params, many, context)

    phases = {}
    with connection.execute_wrapper(wrapper):
        for name, fn in (
            ("youth_facts", lambda: facts_module.youth_facts(centre, START, END)),
            ("caravan_facts", lambda: facts_module.caravan_facts(centre, START, END)),
            ("centre_facts", lambda: facts_module.centre_facts(centre, START, END)),
        ):
            phase["name"] = name
            t = time.perf_counter()
            fn()
            phases[name] = time.perf_counter() - t
        phase["name"] = "facts (all)"
        t = time.perf_counter()
        f = facts_module.facts(centre, START, END)
        phases["facts (all, again)"] = time.perf_counter() - t
    t = time.perf_counter()
    pack = engine.compute(
        f.youth,
        f.caravan,
        f.centre,
        targets=f.targets,
        categories=f.categories,
        window=(START.isoformat(), END.isoformat()),
    )
    phases["engine.compute"] = time.perf_counter() - t
    t = time.perf_counter()
    engine.pack_to_dict(pack)
    phases["engine.pack_to_dict"] = time.perf_counter() - t

    queries = []
    seen = set()
    for q in captured:
        if q["phase"] == "facts (all)":
            continue
        key = (q["sql"], repr(q["params"]))
        if key in seen:
            continue
        seen.add(key)
        best, rows = math.inf, 0
        for _ in range(2):
            with connection.cursor() as cur:
                t = time.perf_counter()
                cur.execute(q["sql"], q["params"])
                rows = len(cur.fetchall())
                best = min(best, time.perf_counter() - t)
        queries.append(
            {
                "phase": q["phase"],
                "s": round(best, 3),
                "rows": rows,
                "sql": q["sql"],
                "params": q["params"],
            }
        )
    queries.sort(key=lambda q: -q["s"])
    total = sum(q["s"] for q in queries)
    for q in queries[:3]:
        plan = explain(connection, q["sql"], q["params"])
        log(f"{connection.vendor} {q['s']:.3f}s {q['rows']} rows: {q['sql'][:400]}\n{plan}")
    return {
        "phases_s": {k: round(v, 3) for k, v in phases.items()},
        "queries_total_s": round(total, 3),
        "queries": [
            {
                "phase": q["phase"],
                "s": q["s"],
                "rows": q["rows"],
                "sql": short_sql(q["sql"]),
            }
            for q in queries
        ],
    }


def short_sql(sql: str, limit: int = 260) -> str:
    sql = " ".join(sql.split())
    return sql if len(sql) <= limit else sql[: limit - 1] + "…"


def explain(connection, sql: str, params) -> str:
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        else:
            cur.execute("EXPLAIN QUERY PLAN " + sql, params)
        return "\n".join("    " + " | ".join(str(x) for x in row) for row in cur.fetchall())


# --------------------------------------------------------------------------------------------
# DuckDB: the same rows, the same facts in its own SQL, the same engine
# --------------------------------------------------------------------------------------------

# (name in DuckDB, Django model label, [(column, DuckDB type)])
DUCK_TABLES = [
    (
        "person",
        "registry.Person",
        [
            ("id", "BIGINT"),
            ("centre_id", "BIGINT"),
            ("sex", "VARCHAR"),
            ("birth_date", "DATE"),
            ("commune_id", "BIGINT"),
            ("eligible", "INTEGER"),
            ("merged_into_id", "BIGINT"),
            ("created_at", "TIMESTAMP"),
        ],
    ),
    (
        "commune",
        "territory.Commune",
        [("id", "BIGINT"), ("code", "VARCHAR"), ("kind", "VARCHAR"), ("name_fr", "VARCHAR")],
    ),
    (
        "centre",
        "centre.Centre",
        [("id", "BIGINT"), ("code", "VARCHAR"), ("max_occupancy", "INTEGER")],
    ),
    ("programme", "programmes.Programme", [("id", "BIGINT"), ("centre_id", "BIGINT")]),
    (
        "application",
        "programmes.Application",
        [("person_id", "BIGINT"), ("centre_id", "BIGINT"), ("created_at", "TIMESTAMP")],
    ),
    (
        "cohort",
        "programmes.Cohort",
        [
            ("id", "BIGINT"),
            ("centre_id", "BIGINT"),
            ("programme_id", "BIGINT"),
            ("start_date", "DATE"),
            ("end_date", "DATE"),
        ],
    ),
    (
        "enrolment",
        "programmes.Enrolment",
        [("id", "BIGINT"), ("cohort_id", "BIGINT"), ("person_id", "BIGINT")],
    ),
    ("completion", "learning.Completion", [("enrolment_id", "BIGINT"), ("completed", "INTEGER")]),
    (
        "certificate",
        "learning.Certificate",
        [("enrolment_id", "BIGINT"), ("revoked_at", "TIMESTAMP")],
    ),
    (
        "mark",
        "learning.AttendanceMark",
        [("session_id", "BIGINT"), ("enrolment_id", "BIGINT"), ("status", "VARCHAR")],
    ),
    (
        "followup",
        "mentoring.FollowUp",
        [
            ("id", "BIGINT"),
            ("centre_id", "BIGINT"),
            ("person_id", "BIGINT"),
            ("milestone", "VARCHAR"),
            ("status", "VARCHAR"),
            ("employment_status", "VARCHAR"),
            ("monthly_income_mad", "DOUBLE"),
            ("business_created", "INTEGER"),
            ("jobs_created", "INTEGER"),
            ("due_on", "DATE"),
        ],
    ),
    ("baseline", "mentoring.Baseline", [("person_id", "BIGINT"), ("monthly_income_mad", "DOUBLE")]),
    (
        "msession",
        "mentoring.MentoringSession",
        [
            ("id", "BIGINT"),
            ("centre_id", "BIGINT"),
            ("starts_at", "TIMESTAMP"),
            ("ends_at", "TIMESTAMP"),
        ],
    ),
    (
        "participant",
        "mentoring.MentoringParticipant",
        [("session_id", "BIGINT"), ("person_id", "BIGINT"), ("attended", "INTEGER")],
    ),
    (
        "session",
        "centre.Session",
        [
            ("id", "BIGINT"),
            ("centre_id", "BIGINT"),
            ("starts_at", "TIMESTAMP"),
            ("ends_at", "TIMESTAMP"),
        ],
    ),
    ("closure", "centre.Closure", [("centre_id", "BIGINT"), ("date", "DATE")]),
    (
        "hoursperiod",
        "centre.HoursPeriod",
        [("centre_id", "BIGINT"), ("start_date", "DATE"), ("end_date", "DATE")],
    ),
    (
        "yearplan",
        "centre.YearPlan",
        [
            ("centre_id", "BIGINT"),
            ("year", "INTEGER"),
            ("investment_mad", "DOUBLE"),
            ("running_budget_mad", "DOUBLE"),
            ("targets", "VARCHAR"),
        ],
    ),
    (
        "school",
        "caravan.School",
        [("id", "BIGINT"), ("commune_id", "BIGINT"), ("area", "VARCHAR"), ("level", "VARCHAR")],
    ),
    (
        "visitreport",
        "caravan.VisitReport",
        [("school_id", "BIGINT"), ("date", "DATE"), ("girls", "INTEGER"), ("boys", "INTEGER")],
    ),
    (
        "booking",
        "caravan.ChildrenBooking",
        [
            ("school_id", "BIGINT"),
            ("starts_at", "TIMESTAMP"),
            ("girls", "INTEGER"),
            ("boys", "INTEGER"),
        ],
    ),
]


def duckdb_load(con, folder: Path) -> dict:
    """Each needed table from the SQLite bench database → CSV → DuckDB (COPY ... HEADER)."""
    import sqlite3

    from django.apps import apps

    src = sqlite3.connect(f"file:{SQLITE_DB}?mode=ro", uri=True)
    rows = {}
    for name, label, columns in DUCK_TABLES:
        table = apps.get_model(label)._meta.db_table
        path = folder / f"{name}.csv"
        cols = [c for c, _t in columns]
        with path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(cols)
            cur = src.execute(f"SELECT {', '.join(cols)} FROM {table}")
            n = 0
            while batch := cur.fetchmany(100_000):
                w.writerows(batch)
                n += len(batch)
        con.execute(f"CREATE TABLE {name} ({', '.join(f'{c} {t}' for c, t in columns)})")
        con.execute(f"COPY {name} FROM '{path}' (HEADER)")
        rows[name] = n
        path.unlink()
    src.close()
    return rows


def tz_macro(con, tzname: str) -> None:
    """local_day(ts): the local date of a naive UTC timestamp, from the zone's offsets over the
    data's years (no time-zone extension needed)."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(tzname)
    t = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    stop = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    ranges = []  # (from, offset seconds)
    while t < stop:
        off = int(t.astimezone(zone).utcoffset().total_seconds())
        if not ranges or ranges[-1][1] != off:
            ranges.append((t, off))
        t += dt.timedelta(hours=1)
    cases = " ".join(
        f"WHEN ts >= TIMESTAMP '{a.strftime('%Y-%m-%d %H:%M:%S')}' THEN {off}"
        for a, off in reversed(ranges)
    )
    con.execute(
        f"CREATE MACRO local_day(ts) AS CAST(ts + to_seconds(CASE {cases} ELSE {ranges[0][1]} END) AS DATE)"
    )
    con.execute(
        "CREATE MACRO qtr(d) AS CAST(year(d) AS VARCHAR) || '-Q' || CAST(quarter(d) AS VARCHAR)"
    )


YOUTH_SQL = """
WITH
app AS (
    SELECT person_id, min(d) AS d FROM (
        SELECT id AS person_id, local_day(created_at) AS d
        FROM person
        WHERE centre_id = $centre AND merged_into_id IS NULL
          AND created_at >= $lo AND created_at < $hi
        UNION ALL
        SELECT person_id, local_day(min(created_at)) AS d
        FROM application
        WHERE centre_id = $centre AND created_at >= $lo AND created_at < $hi
        GROUP BY person_id
    ) GROUP BY person_id
),
enr AS (
    SELECT e.id AS eid, e.person_id, c.programme_id, c.start_date, c.end_date,
           co.enrolment_id IS NOT NULL AS completed,
           ce.enrolment_id IS NOT NULL AS certified
    FROM enrolment e
    JOIN cohort c ON c.id = e.cohort_id
    LEFT JOIN completion co ON co.enrolment_id = e.id AND co.completed = 1
    LEFT JOIN certificate ce ON ce.enrolment_id = e.id AND ce.revoked_at IS NULL
    WHERE c.centre_id = $centre AND c.start_date BETWEEN $start AND $end
),
enr_p AS (
    SELECT person_id, min(start_date) AS d,
           bool_or(end_date <= $end) AS ended,
           bool_or(end_date <= $end AND completed) AS completed_ended,
           bool_or(completed) AS completed,
           bool_or(certified) AS certified,
           arg_max(programme_id, start_date) AS programme
    FROM enr GROUP BY person_id
),
att AS (
    SELECT enr.person_id,
           count(*) FILTER (WHERE m.status IN ('present', 'late')) AS present,
           count(*) AS total
    FROM mark m JOIN enr ON enr.eid = m.enrolment_id
    GROUP BY enr.person_id
),
fu AS (
    SELECT id, person_id, milestone, due_on,
           status = 'reached' AS reached,
           coalesce(employment_status IN ('wage', 'self'), false) AS inserted,
           monthly_income_mad AS income,
           business_created = 1 AS business,
           jobs_created AS jobs
    FROM followup
    WHERE centre_id = $centre AND due_on BETWEEN $start AND $end
),
fu_p AS (
    SELECT person_id, min(due_on) AS d,
           bool_or(milestone = 'm6') AS due6,
           bool_or(milestone = 'm6' AND reached) AS reached6,
           bool_or(milestone = 'm6' AND reached AND inserted) AS inserted6,
           bool_or(milestone = 'm12') AS due12,
           bool_or(milestone = 'm12' AND reached) AS reached12,
           bool_or(milestone = 'm12' AND reached AND inserted) AS inserted12,
           bool_or(reached AND business) AS business,
           max(jobs) FILTER (WHERE reached AND business) AS jobs,
           arg_max(income, (due_on, id)) FILTER (WHERE reached AND income IS NOT NULL)
               AS income_after
    FROM fu GROUP BY person_id
),
ment_p AS (
    SELECT p.person_id, local_day(min(s.starts_at)) AS d,
           sum(epoch(s.ends_at - s.starts_at) / 3600) AS hours
    FROM participant p JOIN msession s ON s.id = p.session_id
    WHERE s.centre_id = $centre AND s.starts_at >= $lo AND s.starts_at < $hi
      AND (p.attended IS NULL OR p.attended <> 0)
    GROUP BY p.person_id
),
firsts AS (
    SELECT person_id, min(d) AS first FROM (
        SELECT person_id, d FROM app
        UNION ALL SELECT person_id, d FROM enr_p
        UNION ALL SELECT person_id, d FROM fu_p
        UNION ALL SELECT person_id, d FROM ment_p
    ) GROUP BY person_id
)
SELECT
    f.person_id,
    p.sex,
    CASE
        WHEN age BETWEEN 18 AND 24 THEN '18-24'
        WHEN age BETWEEN 25 AND 29 THEN '25-29'
        WHEN age BETWEEN 30 AND 35 THEN '30-35'
        ELSE 'other'
    END AS age_band,
    coalesce(cm.code, 'outside') AS commune,
    coalesce(cm.kind, 'outside') AS area,
    coalesce(CAST(ep.programme AS VARCHAR), 'none') AS programme,
    qtr(f.first) AS period,
    app.person_id IS NOT NULL AS applied,
    app.person_id IS NOT NULL AND p.eligible = 1 AS eligible,
    ep.person_id IS NOT NULL AS enrolled,
    coalesce(ep.ended, false) AS ended,
    coalesce(ep.completed, false) AS completed,
    coalesce(ep.certified, false) AS certified,
    coalesce(fp.due6, false) AS due6,
    coalesce(fp.reached6, false) AS reached6,
    coalesce(fp.inserted6, false) AS inserted6,
    coalesce(fp.due12, false) AS due12,
    coalesce(fp.reached12, false) AS reached12,
    coalesce(fp.inserted12, false) AS inserted12,
    CASE WHEN fp.income_after IS NOT NULL THEN coalesce(b.monthly_income_mad, 'NaN'::DOUBLE)
         ELSE 'NaN'::DOUBLE END AS income_before,
    coalesce(fp.income_after, 'NaN'::DOUBLE) AS income_after,
    coalesce(fp.business, false) AS business_created,
    coalesce(fp.jobs, 0)::BIGINT AS jobs_created,
    coalesce(mp.hours, 0.0)::DOUBLE AS mentoring_hours,
    coalesce(a.present, 0)::BIGINT AS marks_present,
    coalesce(a.total, 0)::BIGINT AS marks_total
FROM (
    SELECT firsts.*,
           year(first) - year(p.birth_date)
             - CASE WHEN month(first) * 100 + day(first)
                         < month(p.birth_date) * 100 + day(p.birth_date) THEN 1 ELSE 0 END
             AS age
    FROM firsts JOIN person p ON p.id = firsts.person_id AND p.centre_id = $centre
) f
JOIN person p ON p.id = f.person_id
LEFT JOIN commune cm ON cm.id = p.commune_id
LEFT JOIN app ON app.person_id = f.person_id
LEFT JOIN enr_p ep ON ep.person_id = f.person_id
LEFT JOIN att a ON a.person_id = f.person_id
LEFT JOIN fu_p fp ON fp.person_id = f.person_id
LEFT JOIN ment_p mp ON mp.person_id = f.person_id
LEFT JOIN baseline b ON b.person_id = f.person_id AND b.monthly_income_mad IS NOT NULL
ORDER BY f.person_id
"""

CARAVAN_SQL = """
WITH v AS (
    SELECT school_id, qtr(date) AS period, girls, boys
    FROM visitreport WHERE date BETWEEN $start AND $end
    UNION ALL
    SELECT school_id, qtr(local_day(starts_at)) AS period, girls, boys
    FROM booking WHERE starts_at >= $lo AND starts_at < $hi AND starts_at <= $now
),
counts AS (
    SELECT school_id, period, 'F' AS sex, sum(girls) AS pupils FROM v GROUP BY ALL
    UNION ALL
    SELECT school_id, period, 'M' AS sex, sum(boys) AS pupils FROM v GROUP BY ALL
)
SELECT c.school_id, cm.code, s.area, s.level, c.period, c.sex, CAST(c.pupils AS BIGINT)
FROM counts c JOIN school s ON s.id = c.school_id LEFT JOIN commune cm ON cm.id = s.commune_id
ORDER BY c.school_id, c.period, c.sex
"""

OCCUPANCY_SQL = """
SELECT qtr(local_day(s.starts_at)) AS period,
       sum(n.present * epoch(s.ends_at - s.starts_at) / 3600) AS hours
FROM session s
JOIN (
    SELECT session_id, count(*) AS present FROM mark
    WHERE status IN ('present', 'late') GROUP BY session_id
) n ON n.session_id = s.id
WHERE s.centre_id = $centre AND s.starts_at >= $lo AND s.starts_at < $hi
GROUP BY period ORDER BY period
"""

CAPACITY_SQL = """
WITH days AS (
    SELECT CAST(range AS DATE) AS d
    FROM range(CAST($start AS TIMESTAMP), CAST($end AS TIMESTAMP) + INTERVAL 1 DAY, INTERVAL 1 DAY)
),
open_days AS (
    SELECT d, EXISTS (
        SELECT 1 FROM hoursperiod h
        WHERE h.centre_id = $centre AND days.d BETWEEN h.start_date AND h.end_date
    ) AS ramadan
    FROM days
    WHERE d NOT IN (SELECT date FROM closure WHERE centre_id = $centre)
)
SELECT qtr(d) AS period, sum(coalesce(g.hours, 0.0)) AS hours
FROM open_days o LEFT JOIN grid g ON g.dow = isodow(o.d) AND g.ramadan = o.ramadan
GROUP BY period ORDER BY period
"""


def q(con, sql: str, params: dict):
    """Run `sql` with the named parameters it uses (DuckDB refuses extra ones)."""
    return con.execute(sql, {k: v for k, v in params.items() if f"${k}" in sql})


def duckdb_facts(con, centre_id: int, max_occupancy: int, start: dt.date, end: dt.date):
    """The engine's input computed by DuckDB: the same definitions as reporting/facts.py."""
    import numpy as np

    from markaz.engine import indicators as engine
    from markaz.reporting.facts import _bounds, quarters

    lo, hi = (x.astimezone(dt.UTC).replace(tzinfo=None) for x in _bounds(start, end))
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    p = {"centre": centre_id, "start": start, "end": end, "lo": lo, "hi": hi}

    y = q(con, YOUTH_SQL, p).fetchnumpy()
    youth = engine.YouthFacts(
        person_id=np.asarray(y["person_id"], dtype=np.int64),
        sex=y["sex"].tolist(),
        age_band=y["age_band"].tolist(),
        commune=y["commune"].tolist(),
        area=y["area"].tolist(),
        programme=y["programme"].tolist(),
        period=y["period"].tolist(),
        applied=np.asarray(y["applied"], dtype=bool),
        eligible=np.asarray(y["eligible"], dtype=bool),
        enrolled=np.asarray(y["enrolled"], dtype=bool),
        ended=np.asarray(y["ended"], dtype=bool),
        completed=np.asarray(y["completed"], dtype=bool),
        certified=np.asarray(y["certified"], dtype=bool),
        due6=np.asarray(y["due6"], dtype=bool),
        reached6=np.asarray(y["reached6"], dtype=bool),
        inserted6=np.asarray(y["inserted6"], dtype=bool),
        due12=np.asarray(y["due12"], dtype=bool),
        reached12=np.asarray(y["reached12"], dtype=bool),
        inserted12=np.asarray(y["inserted12"], dtype=bool),
        income_before=np.asarray(y["income_before"], dtype=float),
        income_after=np.asarray(y["income_after"], dtype=float),
        business_created=np.asarray(y["business_created"], dtype=bool),
        jobs_created=np.asarray(y["jobs_created"], dtype=np.int64),
        mentoring_hours=np.asarray(y["mentoring_hours"], dtype=float),
        marks_present=np.asarray(y["marks_present"], dtype=np.int64),
        marks_total=np.asarray(y["marks_total"], dtype=np.int64),
    )

    rows = q(con, CARAVAN_SQL, {**p, "now": now}).fetchall()
    caravan = engine.CaravanFacts(
        commune=[r[1] for r in rows],
        area=[r[2] for r in rows],
        level=[r[3] for r in rows],
        period=[r[4] for r in rows],
        sex=[r[5] for r in rows],
        school_id=[r[0] for r in rows],
        pupils=[int(r[6]) for r in rows],
    )

    occupancy = {period: float(h) for period, h in q(con, OCCUPANCY_SQL, p).fetchall()}
    capacity = {
        period: float(h) * max_occupancy for period, h in q(con, CAPACITY_SQL, p).fetchall()
    }
    running, investment = 0.0, 0.0
    plans = con.execute(
        "SELECT year, investment_mad, running_budget_mad FROM yearplan "
        "WHERE centre_id = $centre AND year BETWEEN $y0 AND $y1 ORDER BY year DESC",
        {"centre": centre_id, "y0": start.year, "y1": end.year},
    ).fetchall()
    for year, invest, budget in plans:
        first = max(start, dt.date(year, 1, 1))
        last = min(end, dt.date(year, 12, 31))
        days_in_year = (dt.date(year, 12, 31) - dt.date(year, 1, 1)).days + 1
        running += float(budget) * ((last - first).days + 1) / days_in_year
        investment = max(investment, float(invest))
    if not plans:
        from markaz.centre.models import YearPlan

        investment = float(YearPlan._meta.get_field("investment_mad").default)
    schools_by = {}
    for dim, expr in (("commune", "cm.code"), ("area", "s.area"), ("level", "s.level")):
        schools_by[dim] = dict(
            con.execute(
                f"SELECT {expr}, count(*) FROM school s "
                "LEFT JOIN commune cm ON cm.id = s.commune_id GROUP BY 1"
            ).fetchall()
        )
    centre = engine.CentreFacts(
        occupancy_hours=occupancy,
        capacity_hours=capacity,
        investment_mad=investment,
        running_budget_mad=round(running, 2),
        schools_total=con.execute("SELECT count(*) FROM school").fetchone()[0],
        schools_by=schools_by,
        communes_total=con.execute("SELECT count(*) FROM commune").fetchone()[0],
    )

    communes = con.execute("SELECT code, kind FROM commune ORDER BY name_fr").fetchall()
    programmes = [
        str(r[0])
        for r in con.execute(
            "SELECT id FROM programme WHERE centre_id = $centre ORDER BY id", {"centre": centre_id}
        ).fetchall()
    ]
    categories = {
        "sex": ["F", "M"],
        "age_band": ["18-24", "25-29", "30-35", "other"],
        "commune": [*(code for code, _kind in communes), "outside"],
        "area": ["urban", "rural", "outside"],
        "programme": [*programmes, "none"],
        "period": quarters(start, end),
        "level": ["primaire", "college", "lycee"],
    }
    targets = {}
    if start.year == end.year:
        row = con.execute(
            "SELECT targets FROM yearplan WHERE centre_id = $centre AND year = $y",
            {"centre": centre_id, "y": start.year},
        ).fetchone()
        for code, value in (json.loads(row[0]) if row and row[0] else {}).items():
            try:
                targets[code] = float(value)
            except (TypeError, ValueError):
                continue
    return youth, caravan, centre, categories, targets


def duckdb_bench(centre, django_pack: dict) -> dict:
    import duckdb
    from django.conf import settings

    from markaz.centre.timetabling import DAYS, weekly_slots
    from markaz.engine import indicators as engine

    log("duckdb: exporting the SQLite tables to CSV and loading them")
    t = time.perf_counter()
    con = duckdb.connect(":memory:")
    with tempfile.TemporaryDirectory(dir=VAR, prefix="bench-reporting-csv-") as folder:
        loaded = duckdb_load(con, Path(folder))
    tz_macro(con, settings.TIME_ZONE)
    # The centre's weekly grid (configuration, not data): hours open per weekday, Ramadan or not.
    con.execute("CREATE TABLE grid (dow INTEGER, ramadan BOOLEAN, hours DOUBLE)")
    for ramadan in (False, True):
        hours: dict[str, float] = {}
        for s in weekly_slots(ramadan=ramadan):
            a, b = dt.time.fromisoformat(s["start"]), dt.time.fromisoformat(s["end"])
            hours[s["day"]] = (
                hours.get(s["day"], 0.0) + (b.hour * 60 + b.minute - a.hour * 60 - a.minute) / 60
            )
        con.executemany(
            "INSERT INTO grid VALUES (?, ?, ?)",
            [(DAYS.index(day) + 1, ramadan, h) for day, h in hours.items()],
        )
    load_s = time.perf_counter() - t

    def pack():
        youth, caravan, centre_facts, categories, targets = duckdb_facts(
            con, centre.pk, centre.max_occupancy, START, END
        )
        computed = engine.compute(
            youth,
            caravan,
            centre_facts,
            targets=targets,
            categories=categories,
            window=(START.isoformat(), END.isoformat()),
        )
        return engine.pack_to_dict(computed)

    log("duckdb: timing the pack (1 warm-up + 3)")
    times, result = timed(pack)
    t = time.perf_counter()
    duckdb_facts(con, centre.pk, centre.max_occupancy, START, END)
    facts_s = time.perf_counter() - t
    difference = first_difference(django_pack, result)
    if difference:
        log(f"duckdb: the packs differ at {difference}")
    return {
        "version": duckdb.__version__,
        "threads": con.execute("SELECT current_setting('threads')").fetchone()[0],
        "load_s": round(load_s, 1),
        "rows_loaded": sum(loaded.values()),
        "pack_s_best": round(min(times), 3),
        "pack_s_median": round(statistics.median(times), 3),
        "pack_s_runs": [round(x, 3) for x in times],
        "facts_s": round(facts_s, 3),
        "agree": difference is None,
        "first_difference": difference,
    }


# --------------------------------------------------------------------------------------------
# The parent: both databases, one JSON object
# --------------------------------------------------------------------------------------------


def parent(scale: float, rebuild: bool, only: list[str]) -> dict:
    results = {}
    for db in only:
        cmd = [sys.executable, __file__, "--worker", db, "--scale", str(scale)]
        if rebuild:
            cmd.append("--rebuild")
        log(f"--- {db} ---")
        t = time.perf_counter()
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, cwd=ROOT)
        lines = [x for x in proc.stdout.splitlines() if x.startswith("{")]
        try:
            results[db] = json.loads(lines[-1])
        except (IndexError, ValueError):
            results[db] = {"error": f"the worker printed no JSON (exit {proc.returncode})"}
        results[db]["wall_s"] = round(time.perf_counter() - t, 1)

    sqlite = results.get("sqlite", {})
    postgres = results.get("postgres", {})
    duck = sqlite.pop("duckdb", {"error": "needs the SQLite run"})
    counts = sqlite.get("counts") or postgres.get("counts") or {}

    def keep(r: dict) -> dict:
        if not r:
            return {"error": "not run"}
        if "error" in r and "pack_s_best" not in r:
            return r
        keys = [
            "database",
            "pack_s_best",
            "pack_s_median",
            "pack_s_runs",
            "dashboard_p95_cold_ms",
            "dashboard_p95_warm_ms",
            "dashboard_p50_cold_ms",
            "dashboard_p50_warm_ms",
            "dashboard",
            "generation",
            "wall_s",
            "pack_sha256",
            "load_average",
            "profile",
        ]
        out = {k: r[k] for k in keys if k in r}
        out["under_target"] = r.get("pack_s_best", math.inf) < TARGET_S
        return out

    def ratio(r: dict) -> float | None:
        if "pack_s_best" in r and duck.get("pack_s_best"):
            return round(r["pack_s_best"] / duck["pack_s_best"], 1)
        return None

    agree_pg = None
    pg_difference = None
    if "pack_file" in sqlite and "pack_file" in postgres:
        a = json.loads((ROOT / sqlite["pack_file"]).read_text())
        b = json.loads((ROOT / postgres["pack_file"]).read_text())
        pg_difference = first_difference(a, b)
        agree_pg = pg_difference is None
    return {
        "benchmark": "reporting",
        "synthetic": True,
        "youth": counts.get("youth"),
        "attendance_marks": counts.get("attendance_marks"),
        "followups": counts.get("followups"),
        "window": [START.isoformat(), END.isoformat()],
        "target_s": TARGET_S,
        "sqlite": keep(sqlite),
        "postgres": keep(postgres),
        "duckdb": duck,
        "ratio_sqlite_to_duckdb": ratio(sqlite),
        "ratio_postgres_to_duckdb": ratio(postgres),
        "agree": duck.get("agree"),
        "first_difference": duck.get("first_difference"),
        "agree_sqlite_postgres": agree_pg,
        "first_difference_sqlite_postgres": pg_difference,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rebuild", action="store_true", help="Regenerate the data.")
    ap.add_argument(
        "--scale", type=float, default=0.005 if SMOKE else 1.0, help="1.0: 100,000 youth."
    )
    ap.add_argument("--only", choices=["sqlite", "postgres"], action="append")
    ap.add_argument("--worker", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        try:
            out = worker(args.worker, args.scale, args.rebuild)
        except Exception as exc:  # reported in the JSON, the other database still runs
            import traceback

            traceback.print_exc()
            out = {"error": f"{type(exc).__name__}: {exc}"}
        print(json.dumps(out, default=str))
        return
    report = parent(args.scale, args.rebuild or SMOKE, args.only or ["sqlite", "postgres"])
    report["smoke"] = SMOKE
    print(json.dumps(report))
    failed = [db for db in ("sqlite", "postgres") if "error" in report[db]]
    if failed or report["agree"] is False or report["agree_sqlite_postgres"] is False:
        sys.exit(1)


if __name__ == "__main__":
    main()
