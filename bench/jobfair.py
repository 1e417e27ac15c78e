"""Benchmark: job-fair interview scheduling engine (issue 15 §2). Prints one JSON object.

Two synthetic fairs (seeded, reproducible):

- ``a``: 300 youth, 40 employers, 16 slots; target: proven optimal, or within 0.5% of the
  bound, within 30 s.
- ``b``: 3,000 youth, 300 employers, 24 slots; target: within 1% of the bound within 60 s
  (2 cores).

Each youth lists 3-8 employers (popular employers are listed more often, so tables are
contested), with a value 1-100 (the match score); each youth is at the fair for a window of
consecutive slots (arrives and leaves at random, at least a quarter of the day) with a random
slot missing now and then, and wants 2-4 interviews. Employers hold 1-3 tables, a third of them
arrive late or leave early, and some cap their interviews below what their tables allow.

Per fair: time to the first schedule and to the final one, youth with an interview against the
most possible (computed exactly by max flow in the same run), value against the value bound
computed in the same run (aggregate min-cost flow, tightened by the LP relaxation's duals and
CP-SAT's bound), the value of the first schedule, the gaps,
status, and an independent check of every rule on the schedule. Exits 1 when a schedule breaks
a rule or its reported figures disagree with the recount (whatever the speed).

Environment: ``BENCH_A_TIME_LIMIT`` (default 30), ``BENCH_B_TIME_LIMIT`` (default 60),
``BENCH_WORKERS`` (CP-SAT workers, default 2), ``BENCH_SCALE`` (multiplies the sizes, default 1;
smoke: 0.05). Full run: ``.venv/bin/python bench/jobfair.py`` (about 1.5 min).
"""

import json
import math
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _smoke import smoke_sizes  # noqa: E402

SMOKE = smoke_sizes(BENCH_A_TIME_LIMIT="3", BENCH_B_TIME_LIMIT="3", BENCH_SCALE="0.05")

from markaz.engine.jobfair import check_schedule, parse_instance, solve  # noqa: E402

A_LIMIT = float(os.environ.get("BENCH_A_TIME_LIMIT", "30"))
B_LIMIT = float(os.environ.get("BENCH_B_TIME_LIMIT", "60"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
SCALE = float(os.environ.get("BENCH_SCALE", "1"))


def fair(n_youth: int, n_employers: int, n_slots: int, seed: int, time_limit: float) -> dict:
    """A synthetic fair as the engine's JSON instance."""
    rng = random.Random(seed)
    slots = [f"s{k + 1:02d}" for k in range(n_slots)]
    employers = []
    for j in range(n_employers):
        tables = rng.choices([1, 2, 3], weights=[5, 3, 2])[0]
        lo, hi = 0, n_slots
        r = rng.random()
        if r < 0.15:
            lo = rng.randrange(1, n_slots // 3)  # arrives late
        elif r < 0.33:
            hi = rng.randrange(n_slots // 2, n_slots)  # leaves early
        avail = [s for k, s in enumerate(slots[lo:hi], lo) if rng.random() > 0.08 or k == lo]
        full = tables * len(avail)
        cap = full if rng.random() < 0.6 else max(1, int(full * rng.uniform(0.4, 0.9)))
        employers.append(
            {"id": f"E{j + 1}", "tables": tables, "slots": avail, "max_interviews": cap}
        )
    popularity = [rng.paretovariate(1.5) for _ in range(n_employers)]
    youth, pairs = [], []
    for i in range(n_youth):
        length = rng.randint(max(2, n_slots // 4), n_slots)
        start = rng.randint(0, n_slots - length)
        avail = [s for s in slots[start : start + length] if rng.random() > 0.15]
        if not avail:
            avail = [slots[start]]
        yid = i + 1  # integer ids for youth, strings for employers: both are echoed as given
        youth.append({"id": yid, "slots": avail, "max_interviews": rng.randint(2, 4)})
        k = rng.randint(3, min(8, n_employers))
        chosen: set[int] = set()
        while len(chosen) < k:
            chosen.add(rng.choices(range(n_employers), weights=popularity)[0])
        for j in sorted(chosen):
            pairs.append({"youth": yid, "employer": f"E{j + 1}", "value": rng.randint(1, 100)})
    return {
        "slots": slots,
        "youth": youth,
        "employers": employers,
        "pairs": pairs,
        "time_limit_s": time_limit,
    }


def run(name: str, data: dict, limit: float, target_gap: float) -> dict:
    inst = parse_instance(data)
    t0 = time.monotonic()
    r = solve(inst, workers=WORKERS)
    wall = time.monotonic() - t0
    violations = check_schedule(inst, r.interviews)
    value = {(p.youth, p.employer): p.value for p in inst.pairs}
    recount_value = sum(value[iv.youth, iv.employer] for iv in r.interviews)
    recount_youth = len({iv.youth for iv in r.interviews})

    def gap(v: float) -> float:
        return (r.value_bound - v) / abs(r.value_bound) if r.value_bound else 0.0

    value_gap = gap(r.value)
    youth_gap = (r.youth_bound - r.youth_with_interview) / r.youth_bound if r.youth_bound else 0.0
    figures_agree = recount_youth == r.youth_with_interview and math.isclose(
        recount_value, r.value, rel_tol=1e-9, abs_tol=1e-9
    )
    return {
        "fair": name,
        "youth": len(inst.youth),
        "employers": len(inst.employers),
        "slots": len(inst.slots),
        "pairs": len(inst.pairs),
        "candidate_pair_slots": r.stats.get("candidate_pair_slots"),
        "interviews": len(r.interviews),
        "time_limit_s": limit,
        "time_to_first_s": r.time_to_first_s,
        "time_to_final_s": r.time_to_final_s,
        "wall_s": round(wall, 3),
        "youth_with_interview": r.youth_with_interview,
        "youth_bound": r.youth_bound,
        "youth_gap_pct": round(100 * youth_gap, 4),
        "value_first": r.stats["first_value"],
        "value_first_gap_pct": round(100 * gap(r.stats["first_value"]), 4),
        "value": r.value,
        "value_bound": r.value_bound,
        "flow_bound": r.stats["flow_bound"],
        "lp_bound": r.stats.get("lp_bound"),
        "value_gap_pct": round(100 * value_gap, 4),
        "status": r.status,
        "method": r.method,
        "cp_sat_status": r.stats.get("cp_sat_status"),
        "rule_violations": len(violations),
        "figures_agree": figures_agree,
        "target_gap_pct": 100 * target_gap,
        "target_met": (r.status == "optimal" or value_gap <= target_gap)
        and youth_gap == 0
        and r.time_to_final_s <= limit,
    }


def main() -> None:
    a = fair(max(4, round(300 * SCALE)), max(8, round(40 * SCALE)), 16, seed=15, time_limit=A_LIMIT)
    b = fair(
        max(6, round(3000 * SCALE)), max(8, round(300 * SCALE)), 24, seed=16, time_limit=B_LIMIT
    )
    out = {
        "benchmark": "jobfair",
        "smoke": SMOKE,
        "workers": WORKERS,
        "a": run("a", a, A_LIMIT, 0.005),
        "b": run("b", b, B_LIMIT, 0.01),
    }
    print(json.dumps(out, ensure_ascii=False))
    bad = [p for p in ("a", "b") if out[p]["rule_violations"] or not out[p]["figures_agree"]]
    if bad:
        sys.exit(1)  # a schedule that breaks a rule or misreports itself: a bug, whatever the speed


if __name__ == "__main__":
    main()
