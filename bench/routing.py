"""Benchmark: caravan routing engine (PyVRP). Prints one JSON object.

1. ``solomon``: the 56 Solomon VRPTW instances (100 customers) read from
   ``../shared/data/vrptw`` (relative to the repository root; never copied into the repo).
   Per instance: distance (double precision) and vehicles found, feasibility (checked in double
   precision), the gap to the distance-only best known (``<name>_distance`` in ``BKS.json``) and
   the time limit used; then the mean gap. Target: mean gap < 1% at 30 s per instance.
2. ``berkane_plan``: a synthetic 2025-26 school-year plan for the caravan (one vehicle, Mon-Fri)
   over 102 schools (73 primary, 18 collèges, 11 lycées, as in DOMAIN.md) spread around the 16
   communes of Berkane province (``markaz/territory/data/communes.csv``), with the school
   calendar of DOMAIN.md (term dates, breaks, holidays), school hours (urban primary 9-13 and
   15-17 with no Wednesday afternoon, rural primary 9-15, collège/lycée 9-12 and 14-18), 120-min
   workshops. A visit is one workshop for one class (~30 pupils) of the targeted grades
   (primary: 5th-6th year; collège: all; lycée: tronc commun), so a school can take several
   visits (``max_visits`` = its targeted classes, at most one a day) and demand exceeds what one
   caravan can do: the prize of a visit is its class size x 1.5 for rural schools x 1.3 for
   schools never visited before, and a school's k-th visit of the year is worth
   ``repeat_factor ** (k - 1)`` of it (0.35, the caravan's published default), so the plan
   reaches every school it can before returning. Reports time to plan, visits, schools and
   pupils reached (and the rural share), km and the check of every visit against the school's
   windows.

Environment: ``BENCH_TIME_LIMIT`` (s per Solomon instance, default 30), ``BENCH_INSTANCES``
(comma-separated names, e.g. ``C101,R201``, default all 56), ``BENCH_WORKERS`` (parallel Solomon
solves, default 2: PyVRP is single-threaded), ``BENCH_PLAN_TIME_LIMIT`` (s for the school year,
default 60), ``BENCH_REPEAT_FACTOR`` (school year, default 0.35; 1 = every visit at full
prize, the engine's default). Full run: ``.venv/bin/python bench/routing.py`` (about 15 min on
2 cores); one part only: ``.venv/bin/python bench/routing.py berkane`` (or ``solomon``).
"""

import csv
import datetime as dt
import json
import os
import random
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from statistics import fmean

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _smoke import smoke_sizes  # noqa: E402

SMOKE = smoke_sizes(BENCH_TIME_LIMIT="1", BENCH_INSTANCES="C101,R201", BENCH_PLAN_TIME_LIMIT="3")

from markaz.engine.routing import parse_instance, read_solomon, solve, solve_vrptw  # noqa: E402

DATA_REL = "../shared/data/vrptw"  # relative to the repository root
DATA = ROOT / DATA_REL
TIME_LIMIT = float(os.environ.get("BENCH_TIME_LIMIT", "30"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
PLAN_TIME_LIMIT = float(os.environ.get("BENCH_PLAN_TIME_LIMIT", "60"))
REPEAT_FACTOR = float(os.environ.get("BENCH_REPEAT_FACTOR", "0.35"))
COMMUNES = ROOT / "markaz" / "territory" / "data" / "communes.csv"


def solomon_one(name: str) -> dict:
    bks = json.loads((DATA / "BKS.json").read_text())[f"{name}_distance"]["best_known_cost"]
    res = solve_vrptw(read_solomon(str(DATA / "solomon" / f"{name}.txt")), TIME_LIMIT, seed=1)
    return {
        "instance": name,
        "distance": res.distance,
        "vehicles": res.vehicles,
        "feasible": res.feasible,
        "bks_distance": bks,
        "gap_pct": round(100 * (res.distance - bks) / bks, 3),
        "time_limit_s": TIME_LIMIT,
    }


def solomon() -> dict:
    names = sorted(p.stem for p in (DATA / "solomon").glob("*.txt"))
    wanted = os.environ.get("BENCH_INSTANCES")
    if wanted:
        names = [n for n in names if n in {w.strip() for w in wanted.split(",")}]
    with ProcessPoolExecutor(max_workers=WORKERS) as pool:
        rows = list(pool.map(solomon_one, names))
    gaps = [r["gap_pct"] for r in rows]
    return {
        "data": DATA_REL,
        "time_limit_s": TIME_LIMIT,
        "workers": WORKERS,
        "instances": rows,
        "count": len(rows),
        "all_feasible": all(r["feasible"] for r in rows),
        "mean_gap_pct": round(fmean(gaps), 3) if gaps else None,
        "max_gap_pct": max(gaps) if gaps else None,
        "target": "mean gap < 1% over the 56 instances at 30 s each",
    }


# ---------------------------------------------------------------------------------------------
# Berkane school year


def school_days() -> tuple[list[str], set[str]]:
    """Mon-Fri teaching days of 2025-26 (DOMAIN.md) and the Wednesdays among them."""
    breaks = [("2025-10-19", "2025-10-26"), ("2025-12-07", "2025-12-14"),
              ("2026-01-25", "2026-02-01"), ("2026-03-15", "2026-03-22")]  # fmt: skip
    holidays = {"2025-11-06", "2025-11-18", "2026-01-01", "2026-01-11", "2026-01-14",
                "2026-05-01",
                # the two Eids are lunar: 1 Shawwal 1447 and 10 Dhu al-Hijja 1447, expected
                # about 20 March (inside the March break) and 27 May 2026 (+1 day off each).
                "2026-03-20", "2026-03-21", "2026-05-27", "2026-05-28"}  # fmt: skip
    days, wednesdays = [], set()
    d, last = dt.date(2025, 9, 8), dt.date(2026, 6, 30)
    while d <= last:
        iso = d.isoformat()
        off = iso in holidays or any(a <= iso <= b for a, b in breaks)
        if d.weekday() < 5 and not off:
            days.append(iso)
            if d.weekday() == 2:
                wednesdays.add(iso)
        d += dt.timedelta(days=1)
    return days, wednesdays


def berkane_instance(time_limit: float) -> tuple[dict, dict]:
    """The school-year instance and per-school facts (pupils per class, rural)."""
    rng = random.Random(2025)
    with COMMUNES.open(encoding="utf-8") as f:
        communes = list(csv.DictReader(f))
    urban = [c for c in communes if c["kind"] == "urban"]
    rural = [c for c in communes if c["kind"] == "rural"]

    def weighted(cs, n):
        """``n`` communes drawn in proportion to population (deterministic)."""
        pop = [int(c["population_2014"]) for c in cs]
        return rng.choices(cs, weights=pop, k=n)

    # 73 primary (40 urban / 33 rural), 18 collèges (14 urban / 4 rural), 11 lycées (urban).
    plan = (
        [("primary", c) for c in weighted(urban, 40)]
        + [("primary", c) for c in weighted(rural, 33)]
        + [("college", c) for c in weighted(urban, 14) + weighted(rural, 4)]
        + [("lycee", c) for c in weighted(urban, 11)]
    )
    days, wednesdays = school_days()
    schools, facts = [], {}
    for k, (level, c) in enumerate(plan, start=1):
        is_rural = c["kind"] == "rural"
        spread = 0.05 if is_rural else 0.02  # degrees around the commune centre
        lat = round(float(c["lat"]) + rng.uniform(-spread, spread), 4)
        lon = round(float(c["lon"]) + rng.uniform(-spread, spread), 4)
        mean = {"primary": 408, "college": 756, "lycee": 802}[level]
        pupils = int(mean * rng.uniform(0.6, 1.4) * (0.6 if is_rural else 1.0))
        targeted = {"primary": pupils / 3, "college": pupils, "lycee": pupils / 3}[level]
        classes = max(1, round(targeted / 30))
        per_class = round(targeted / classes)
        never = rng.random() < (0.6 if is_rural else 0.3)
        prize = round(per_class * (1.5 if is_rural else 1.0) * (1.3 if never else 1.0), 1)
        sid = f"{level}-{c['code']}-{k}"
        school = {"id": sid, "lat": lat, "lon": lon, "service_min": 120, "prize": prize,
                  "max_visits": classes}  # fmt: skip
        if level != "primary":
            school["windows"] = [["09:00", "12:00"], ["14:00", "18:00"]]
        elif is_rural:
            school["windows"] = [["09:00", "15:00"]]
        else:
            school["windows"] = [["09:00", "13:00"], ["15:00", "17:00"]]
            school["day_windows"] = {w: [["09:00", "13:00"]] for w in sorted(wednesdays)}
        schools.append(school)
        facts[sid] = {"per_class": per_class, "rural": is_rural, "classes": classes}
    instance = {
        "base": {"lat": 34.92, "lon": -2.32},
        "days": [{"id": d, "start": "08:00", "end": "17:30", "max_drive_min": 180} for d in days],
        "schools": schools,
        "speed_kmh": 45,
        "road_factor": 1.3,
        "time_limit_s": time_limit,
        "seed": 1,
        "repeat_factor": REPEAT_FACTOR,
    }
    return instance, facts


def window_violations(instance: dict, result: dict) -> int:
    """Visits outside their school's windows of that day (an independent check)."""

    def m(s):
        return int(s[:2]) * 60 + int(s[3:])

    schools = {s["id"]: s for s in instance["schools"]}
    bad = 0
    for day in result["days"]:
        for v in day["visits"]:
            s = schools[v["school"]]
            ws = s.get("day_windows", {}).get(day["id"], s["windows"])
            if not any(m(o) <= m(v["start"]) and m(v["end"]) <= m(c) for o, c in ws):
                bad += 1
    return bad


def berkane_plan() -> dict:
    instance, facts = berkane_instance(PLAN_TIME_LIMIT)
    t0 = time.monotonic()
    result = solve(parse_instance(instance))
    seconds = time.monotonic() - t0
    out = result.to_dict()
    visits = [v["school"] for d in out["days"] for v in d["visits"]]
    pupils = sum(facts[s]["per_class"] for s in visits)
    rural_pupils = sum(facts[s]["per_class"] for s in visits if facts[s]["rural"])
    demand = sum(f["per_class"] * f["classes"] for f in facts.values())
    days_used = sum(1 for d in out["days"] if d["visits"])
    return {
        "schools": len(instance["schools"]),
        "working_days": len(instance["days"]),
        "days_used": days_used,
        "time_limit_s": PLAN_TIME_LIMIT,
        "repeat_factor": REPEAT_FACTOR,
        "time_to_plan_s": round(seconds, 1),
        "visits": len(visits),
        "visits_wanted": sum(f["classes"] for f in facts.values()),
        "schools_visited": len(set(visits)),
        "pupils_reached": pupils,
        "pupils_targeted": demand,
        "rural_share_of_pupils_reached": round(rural_pupils / max(1, pupils), 3),
        "prize": out["prize"],
        "km": result.km,
        "km_per_day_used": round(result.km / max(1, days_used), 1),
        "window_violations": window_violations(instance, out),
        "unvisited": out["unvisited"],
    }


PARTS = {"solomon": solomon, "berkane": berkane_plan}


def main(argv: list[str]) -> int:
    """``bench/routing.py [solomon|berkane]``: both parts by default."""
    wanted = argv or list(PARTS)
    if any(w not in PARTS for w in wanted):
        print("usage: bench/routing.py [solomon|berkane]", file=sys.stderr)
        return 2
    report: dict = {"benchmark": "routing", "smoke": SMOKE}
    for part in wanted:
        report["berkane_plan" if part == "berkane" else part] = PARTS[part]()
    print(json.dumps(report, indent=1, ensure_ascii=False))
    broken = (report.get("solomon", {}).get("all_feasible") is False) or bool(
        report.get("berkane_plan", {}).get("window_violations")
    )
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
