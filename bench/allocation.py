"""Benchmark: seat allocation (deferred acceptance with reserves). Prints one JSON object.

1. Against ``matching.games.HospitalResident`` (resident-optimal) on random instances without
   reserves: n applicants, about sqrt(n) cohorts of sqrt(n) seats, 5 preferences each, at
   n = 1,000, 2,000 and 6,000. Both sides get the same preferences (a hospital ranks the
   applicants who ranked it, in our score/lottery order); the assignments must be identical.
   Our time is the whole engine call, ``allocate(instance)``, plus building ``assignment``;
   theirs is ``create_from_dictionaries`` + ``solve`` (and ``solve`` alone). Target >= 20x at 6,000.
2. Scale: 1,000,000 applicants, 2,000 cohorts of ~300 seats (women 50%, rural 30%, half
   open_first, half reserved_first), 5 preferences, each applicant in 0, 1 or 2 groups. Each
   mode runs in its own subprocess so its peak memory (ru_maxrss) is its own:
   - ``instance``: build the ``Instance`` (1M ``Applicant`` dataclasses), then ``allocate()``;
   - ``arrays``: build the column form directly, then ``allocate_arrays()``.
   Targets: allocate under 10 s wall and the process under 2 GB peak.
Not a timed test: run it with `make bench` or `.venv/bin/python bench/allocation.py`.
Figures depend on the machine; compare within a run.
"""

import gc
import json
import math
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _smoke import smoke_sizes  # noqa: E402

SMOKE = smoke_sizes(BENCH_ALLOC_SIZES="200,400", BENCH_ALLOC_N="5000", BENCH_ALLOC_COHORTS="20")

from markaz.engine.allocation import (  # noqa: E402
    Applicant,
    ApplicantArrays,
    Cohort,
    Instance,
    Reserve,
    allocate,
    allocate_arrays,
)

SIZES = [int(x) for x in os.environ.get("BENCH_ALLOC_SIZES", "1000,2000,6000").split(",")]
SCALE_N = int(os.environ.get("BENCH_ALLOC_N", "1000000"))
SCALE_COHORTS = int(os.environ.get("BENCH_ALLOC_COHORTS", "2000"))
CHOICES = 5
GROUPS = ("rural", "women")


def random_preferences(rng: np.random.Generator, n: int, m: int, k: int) -> np.ndarray:
    """(n, k) distinct cohort positions per row, uniformly at random."""
    k = min(k, m)
    prefs = rng.integers(0, m, size=(n, k))
    while True:
        s = np.sort(prefs, axis=1)
        bad = np.flatnonzero((s[:, 1:] == s[:, :-1]).any(axis=1))
        if not bad.size:
            return prefs.astype(np.int32)
        prefs[bad] = rng.integers(0, m, size=(bad.size, k))


def random_scores(rng: np.random.Generator, n: int) -> np.ndarray:
    """Scores on 0-20 with two decimals, so that ties (and the lottery) matter."""
    return np.clip(np.round(rng.normal(12.0, 3.0, n), 2), 0, 20)


def compare_with_matching(n: int) -> dict:
    from matching.games import HospitalResident

    rng = np.random.default_rng(n)
    m = round(math.sqrt(n))
    prefs = random_preferences(rng, n, m, CHOICES)
    scores = random_scores(rng, n)
    cohorts = tuple(Cohort(f"c{j}", m) for j in range(m))
    applicants = tuple(
        Applicant(f"a{i}", float(scores[i]), tuple(f"c{j}" for j in prefs[i])) for i in range(n)
    )
    instance = Instance(applicants, cohorts, seed=n)

    gc.collect()
    t0 = time.perf_counter()
    result = allocate(instance)
    ours = result.assignment
    ours_s = time.perf_counter() - t0

    lottery = result.lottery
    order = sorted(applicants, key=lambda a: (-a.score, lottery[a.id]))
    hospital_prefs: dict[str, list[str]] = {c.id: [] for c in cohorts}
    for a in order:
        for c in a.preferences:
            hospital_prefs[c].append(a.id)
    resident_prefs = {a.id: list(a.preferences) for a in applicants}
    capacities = {c.id: c.seats for c in cohorts}
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 100_000))
    gc.collect()
    t0 = time.perf_counter()
    game = HospitalResident.create_from_dictionaries(resident_prefs, hospital_prefs, capacities)
    t1 = time.perf_counter()
    matching = game.solve(optimal="resident")
    t2 = time.perf_counter()
    theirs: dict[str, str | None] = {a.id: None for a in applicants}
    for hospital, residents in matching.items():
        for r in residents:
            theirs[r.name] = hospital.name
    assert theirs == ours, f"assignments differ at n={n}"
    return {
        "n": n,
        "cohorts": m,
        "seats_each": m,
        "placed": sum(v is not None for v in ours.values()),
        "ours_s": round(ours_s, 4),
        "matching_total_s": round(t2 - t0, 4),
        "matching_solve_s": round(t2 - t1, 4),
        "speedup_vs_total": round((t2 - t0) / ours_s, 1),
        "speedup_vs_solve": round((t2 - t1) / ours_s, 1),
        "identical": True,
    }


def scale_data(n: int, m: int):
    rng = np.random.default_rng(20260101)
    seats = rng.integers(250, 351, size=m)
    cohorts = tuple(
        Cohort(
            f"c{j:04d}",
            int(s),
            (Reserve("women", int(s) // 2), Reserve("rural", int(s) * 3 // 10)),
            "open_first" if j % 2 == 0 else "reserved_first",
        )
        for j, s in enumerate(seats)
    )
    prefs = random_preferences(rng, n, m, CHOICES)
    scores = random_scores(rng, n)
    women = rng.random(n) < 0.5
    rural = rng.random(n) < 0.3
    return cohorts, prefs, scores, women, rural


def scale_child(mode: str) -> dict:
    t0 = time.perf_counter()
    cohorts, prefs, scores, women, rural = scale_data(SCALE_N, SCALE_COHORTS)
    n = SCALE_N
    ids = [f"a{i:07d}" for i in range(n)]
    out: dict = {"mode": mode, "n": n, "cohorts": len(cohorts)}
    out["seats_total"] = sum(c.seats for c in cohorts)
    out["random_data_s"] = round(time.perf_counter() - t0, 3)
    t0 = time.perf_counter()
    if mode == "instance":
        group_sets = [frozenset(), frozenset({"women"}), frozenset({"rural"}), frozenset(GROUPS)]
        code = (women.astype(int) + 2 * rural.astype(int)).tolist()
        names = [c.id for c in cohorts]
        rows = prefs.tolist()
        sc = scores.tolist()
        instance = Instance(
            tuple(
                Applicant(ids[i], sc[i], tuple(names[j] for j in rows[i]), group_sets[code[i]])
                for i in range(n)
            ),
            cohorts,
            seed=7,
        )
        del rows, sc
        out["build_instance_s"] = round(time.perf_counter() - t0, 3)
        t0 = time.perf_counter()
        result = allocate(instance)
    else:
        mask = (women.astype(np.uint64) << np.uint64(1)) | rural.astype(np.uint64)
        arrays = ApplicantArrays(
            ids=ids,
            scores=scores,
            pref_ptr=np.arange(0, CHOICES * n + 1, CHOICES, dtype=np.int64),
            pref_cohort=prefs.reshape(-1),
            groups=GROUPS,
            group_mask=mask.reshape(n, 1),
        )
        out["build_arrays_s"] = round(time.perf_counter() - t0, 3)
        t0 = time.perf_counter()
        result = allocate_arrays(arrays, cohorts, seed=7)
    out["allocate_s"] = round(time.perf_counter() - t0, 3)
    t0 = time.perf_counter()
    assignment = result.assignment
    slot_of = result.slot_of
    cutoffs = result.cutoffs
    fill = result.reserve_fill
    lottery = result.lottery
    out["dict_views_s"] = round(time.perf_counter() - t0, 3)
    t0 = time.perf_counter()
    waitlists = result.waitlists
    out["waitlists_s"] = round(time.perf_counter() - t0, 3)
    t0 = time.perf_counter()
    result.explain(ids[0])  # builds the id index and the cutoff table once
    out["first_explain_s"] = round(time.perf_counter() - t0, 3)
    t0 = time.perf_counter()
    for a in ids[1:1001]:
        result.explain(a)
    out["explain_ms_each"] = round((time.perf_counter() - t0) / 1000 * 1000, 4)
    assert len(cutoffs) == len(cohorts) and len(lottery) == n
    out["placed"] = sum(v is not None for v in assignment.values())
    out["in_reserved_slots"] = sum(v != "open" for v in slot_of.values())
    out["reserve_others"] = sum(g["others"] for row in fill.values() for g in row.values())
    out["waitlist_entries"] = sum(map(len, waitlists.values()))
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return out


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--scale-child":
        print(json.dumps(scale_child(sys.argv[2])))
        return
    report: dict = {
        "benchmark": "allocation",
        "smoke": SMOKE,
        "vs_matching": list(map(compare_with_matching, SIZES)),
    }
    report["scale"] = {}
    for mode in ("arrays", "instance"):
        proc = subprocess.run(
            [sys.executable, __file__, "--scale-child", mode],
            capture_output=True,
            text=True,
            check=True,
        )
        report["scale"][mode] = json.loads(proc.stdout)
    report["targets"] = {
        "speedup_vs_matching_at_6000": ">= 20",
        "allocate_1M_s": "< 10",
        "peak_rss_1M_mb": "< 2048",
    }
    last = report["vs_matching"][-1]
    inst, arr = report["scale"]["instance"], report["scale"]["arrays"]
    report["targets_met"] = {
        "speedup_vs_matching_at_6000": last["speedup_vs_total"] >= 20,
        "allocate_1M_s": max(inst["allocate_s"], arr["allocate_s"]) < 10,
        "peak_rss_1M_mb": max(inst["peak_rss_mb"], arr["peak_rss_mb"]) < 2048,
    }
    print(json.dumps(report, indent=1))
    if not all(row["identical"] for row in report["vs_matching"]):
        sys.exit(1)  # a different assignment from `matching` is a bug, whatever the speed


if __name__ == "__main__":
    main()
