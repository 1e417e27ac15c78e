"""Routing engine: tiny tours with known best answers, the prize-then-driving objective, time
windows (checked by an independent checker written here), several windows a day, pins,
forbids, done and fixed visits, repeat visits worth less, block-by-block planning with
progress, haversine distances, Solomon parsing and solving, and the command line. No
database; short time limits."""

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from markaz.engine import routing
from markaz.engine.routing import (
    DistanceMatrix,
    HaversineMatrix,
    InfeasibleError,
    Point,
    ValidationError,
    haversine_km,
    parse_instance,
    parse_solomon,
    solve,
    solve_vrptw,
)

ROOT = Path(__file__).resolve().parents[2]
BASE = {"lat": 34.92, "lon": -2.32}  # the centre in Berkane


class LineMatrix:
    """Points on a line at ``lon`` km from 0: 1 km a minute (for hand-checkable answers)."""

    def table(self, points):
        metres = [[1000.0 * abs(a.lon - b.lon) for b in points] for a in points]
        return metres, [[0.06 * m for m in row] for row in metres]


def m(t):
    return int(t[:2]) * 60 + int(t[3:])


def day(did="d1", start="08:00", end="17:30", **kw):
    return {"id": did, "start": start, "end": end, **kw}


def school(sid, lat=0.0, lon=0.0, windows=(("08:00", "17:30"),), service=60, prize=10, **kw):
    return {"id": sid, "lat": lat, "lon": lon, "windows": [list(w) for w in windows],
            "service_min": service, "prize": prize, **kw}  # fmt: skip


def line_instance(schools, days=None, **kw):
    return {"base": {"lat": 0.0, "lon": 0.0}, "days": days or [day()], "schools": schools,
            "time_limit_s": 0.3, **kw}  # fmt: skip


def check(data, result, table=None):
    """Independent checker: every visit inside one of its school's windows of that day with
    the whole service, at most ``max_visits`` and one a day, pins and forbids honoured, travel
    between consecutive places fits (from our own travel times), back by the day's end,
    driving limit, reported km and prize consistent (a school's k-th visit, history first, worth
    prize x repeat_factor ** (k - 1)). Returns the list of problems."""
    schools = {s["id"]: s for s in data["schools"]}
    days = {d["id"]: d for d in data["days"]}
    pts = [data["base"]] + list(schools.values())
    where = {s["id"]: k + 1 for k, s in enumerate(schools.values())}
    if table is None:
        speed, rf = data.get("speed_kmh", 45), data.get("road_factor", 1.3)

        def hav(a, b):
            p1, p2 = math.radians(a["lat"]), math.radians(b["lat"])
            h = (math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2)
                 * math.sin(math.radians(b["lon"] - a["lon"]) / 2) ** 2)  # fmt: skip
            return 2 * 6371.0088 * math.asin(math.sqrt(h)) * rf * 1000

        metres = [[hav(a, b) for b in pts] for a in pts]
        secs = [[x * 3.6 / speed for x in row] for row in metres]
    else:
        metres, secs = table.table([Point(p["lat"], p["lon"]) for p in pts])
    problems, count, prize = [], {}, 0.0
    factor = data.get("repeat_factor", 1.0)
    history = {}
    for v in data.get("done", []):
        if v["day"] not in days:
            history[v["school"]] = history.get(v["school"], 0) + 1
    forbidden = data.get("forbidden", {})
    pinned = data.get("pinned", {})
    for d in result["days"]:
        spec = days[d["id"]]
        t, prev, km, drive, seen = m(spec["start"]), 0, 0.0, 0.0, set()
        for v in d["visits"]:
            s = schools[v["school"]]
            loc, start, end = where[s["id"]], m(v["start"]), m(v["end"])
            prize += s["prize"] * factor ** (history.get(s["id"], 0) + count.get(s["id"], 0))
            count[s["id"]] = count.get(s["id"], 0) + 1
            if s["id"] in seen:
                problems.append(f"{s['id']} twice on {d['id']}")
            seen.add(s["id"])
            if end - start != s["service_min"]:
                problems.append(f"{s['id']}: service {end - start} min")
            if start < t + secs[prev][loc] / 60 - 1e-9:
                problems.append(f"{s['id']} on {d['id']}: starts before arrival")
            ws = s.get("day_windows", {}).get(d["id"], s["windows"])
            if not any(m(o) <= start and end <= m(c) for o, c in ws):
                problems.append(f"{s['id']} on {d['id']}: {v['start']}-{v['end']} outside windows")
            if "days" in s and d["id"] not in s["days"]:
                problems.append(f"{s['id']} on a day it is not allowed")
            f = forbidden.get(s["id"])
            if f == "all" or (f and d["id"] in f):
                problems.append(f"{s['id']} forbidden on {d['id']}")
            km += metres[prev][loc]
            drive += secs[prev][loc]
            t, prev = end, loc
        if d["visits"]:
            km += metres[prev][0]
            drive += secs[prev][0]
            if t + secs[prev][0] / 60 > m(spec["end"]) + 1e-9:
                problems.append(f"{d['id']}: back after the day's end")
        if "max_drive_min" in spec and drive / 60 > spec["max_drive_min"] + 1e-6:
            problems.append(f"{d['id']}: drives {drive / 60:.1f} min")
        if abs(km / 1000 - d["km"]) > 0.051:
            problems.append(f"{d['id']}: km {d['km']} but routes give {km / 1000:.2f}")
    for sid, ds in pinned.items():
        ds = [ds] if isinstance(ds, str) else ds
        for pd in ds:
            if not any(
                v["school"] == sid for d in result["days"] if d["id"] == pd for v in d["visits"]
            ):
                problems.append(f"{sid} pinned on {pd} but not visited")
    for sid, n in count.items():
        done = sum(1 for v in data.get("done", []) if v["school"] == sid and v["day"] not in days)
        if n + done > schools[sid].get("max_visits", 1):
            problems.append(f"{sid} visited {n + done} times")
    if abs(prize - result["prize"]) > 0.006:  # the engine rounds to 0.01
        problems.append(f"prize {result['prize']} but visits give {prize}")
    visited = set(count) | {v["school"] for v in data.get("done", [])}
    if set(result["unvisited"]) != set(schools) - visited:
        problems.append("unvisited list is wrong")
    return problems


def run(data, table=None):
    res = solve(parse_instance(data), table).to_dict()
    assert check(data, res, table) == []
    return res


def plan(res):
    return {d["id"]: [(v["school"], v["start"]) for v in d["visits"]] for d in res["days"]}


# ---------------------------------------------------------------------------------------------
# Distances


def test_haversine_known_values():
    assert haversine_km(0, 0, 1, 0) == pytest.approx(111.195, abs=0.01)  # one degree
    assert haversine_km(0, 0, 0, 180) == pytest.approx(math.pi * 6371.0088, rel=1e-9)
    # Berkane to Saïdia: about 20 km as the crow flies.
    assert haversine_km(34.92, -2.32, 35.10, -2.2833) == pytest.approx(20.3, abs=0.3)


def test_haversine_matrix_applies_road_factor_and_speed():
    assert isinstance(HaversineMatrix(), DistanceMatrix)
    assert isinstance(LineMatrix(), DistanceMatrix)
    pts = [Point(34.92, -2.32), Point(35.10, -2.2833)]
    metres, secs = HaversineMatrix(speed_kmh=60, road_factor=1.5).table(pts)
    km = haversine_km(34.92, -2.32, 35.10, -2.2833)
    assert metres[0][0] == 0 and metres[0][1] == pytest.approx(1500 * km)
    assert secs[1][0] == pytest.approx(1.5 * km * 60)  # 1 km a minute at 60 km/h
    with pytest.raises(ValidationError):
        HaversineMatrix(speed_kmh=0)


# ---------------------------------------------------------------------------------------------
# Tours with known answers (LineMatrix: 1 km a minute, place = lon in km)


def test_known_best_prize_first_then_driving():
    # Day 08:00-12:00, 60-min workshops. A+B: prize 20, 40 km; C+A: 35, 80 km; C+B: 35, 100 km;
    # three do not fit. Best: C then A (or A then C), prize 35 and 80 km.
    data = line_instance(
        [school("A", lon=10), school("B", lon=20), school("C", lon=-30, prize=25)],
        days=[day(start="08:00", end="12:00")],
    )
    res = run(data, LineMatrix())
    assert res["prize"] == 35
    assert {v["school"] for v in res["days"][0]["visits"]} == {"A", "C"}
    assert res["days"][0]["km"] == 80
    assert res["unvisited"] == ["B"]


def test_equal_prizes_take_the_shorter_drive():
    data = line_instance(
        [school("near", lon=5), school("far", lon=-50)], days=[day(start="08:00", end="10:00")]
    )
    res = run(data, LineMatrix())
    assert plan(res) == {"d1": [("near", "08:05")]}
    assert res["days"][0]["drive_min"] == 10


def test_small_prize_does_not_outweigh_a_big_one_far_away():
    data = line_instance(
        [school("near", lon=5, prize=1), school("far", lon=-50, prize=2)],
        days=[day(start="08:00", end="10:40")],
    )
    assert plan(run(data, LineMatrix())) == {"d1": [("far", "08:50")]}


def test_visit_starts_at_window_opening_and_returns_by_day_end():
    data = line_instance([school("A", lon=30, windows=[("09:00", "11:00")], service=120)])
    res = run(data, LineMatrix())
    assert res["days"][0]["visits"] == [{"school": "A", "start": "09:00", "end": "11:00"}]
    # The service must end inside the window: 90 min of window for 120 min of service.
    data = line_instance([school("A", lon=30, windows=[("09:30", "11:00")], service=120)])
    assert run(data, LineMatrix())["unvisited"] == ["A"]
    # Back at base by the day's end: 30 min of driving home after 11:00 is too late for 11:20.
    data = line_instance(
        [school("A", lon=30, windows=[("09:00", "11:00")], service=120)],
        days=[day(start="08:00", end="11:20")],
    )
    assert run(data, LineMatrix())["unvisited"] == ["A"]


def test_second_window_used_when_the_morning_is_taken():
    # Both schools only fit in the morning 09:00-11:00 for one of them; B also opens 14-16.
    data = line_instance(
        [
            school("A", lon=10, windows=[("09:00", "11:00")], service=120, prize=5),
            school("B", lon=-10, windows=[("09:00", "11:00"), ("14:00", "16:00")], service=120),
        ]
    )
    res = run(data, LineMatrix())
    assert plan(res) == {"d1": [("A", "09:00"), ("B", "14:00")]}


def test_day_windows_override_windows_on_one_day():
    # B takes the whole Wednesday morning; A would come at 15:00, but Wednesday afternoon is
    # closed for A (day_windows), so A waits for Thursday.
    a = school("A", lon=10, windows=[("09:00", "13:00"), ("15:00", "17:00")], service=120,
               day_windows={"wed": [["09:00", "13:00"]]})  # fmt: skip
    b = school("B", lon=10, windows=[("09:00", "13:00")], service=240, prize=50, days=["wed"])
    res = run(line_instance([a, b], days=[day("wed")]), LineMatrix())
    assert plan(res) == {"wed": [("B", "09:00")]} and res["unvisited"] == ["A"]
    res = run(line_instance([a, b], days=[day("wed"), day("thu")]), LineMatrix())
    assert plan(res) == {"wed": [("B", "09:00")], "thu": [("A", "09:00")]}


def test_pinned_forbidden_and_allowed_days():
    days = [day("mon"), day("tue")]
    data = line_instance(
        [school("A", lon=10), school("B", lon=-10), school("C", lon=20, days=["tue"]),
         school("D", lon=5)],
        days=days,
        pinned={"A": "tue"},
        forbidden={"B": ["mon"], "D": "all"},
    )  # fmt: skip
    res = run(data, LineMatrix())
    p = plan(res)
    assert {s for s, _ in p["tue"]} == {"A", "B", "C"}
    assert p["mon"] == []
    assert res["unvisited"] == ["D"]


def test_max_visits_and_one_visit_a_day():
    data = line_instance(
        [school("A", lon=10, max_visits=2, windows=[("09:00", "11:00"), ("14:00", "16:00")])],
        days=[day("mon"), day("tue"), day("wed")],
    )
    p = plan(run(data, LineMatrix()))
    assert sorted(len(v) for v in p.values()) == [0, 1, 1]


def test_done_and_fixed_visits_are_kept_on_replanning():
    # Monday was cancelled; the visit of A on Friday last week is done; B is kept on Wednesday
    # at 10:00; C was done on Tuesday (a planned day) and stays there.
    data = line_instance(
        [school("A", lon=10), school("B", lon=-10), school("C", lon=20), school("E", lon=30)],
        days=[day("tue"), day("wed")],
        done=[{"school": "A", "day": "fri-last-week"}, {"school": "C", "day": "tue"}],
        fixed=[{"school": "B", "day": "wed", "start": "10:00"}],
    )
    res = run(data, LineMatrix())
    p = plan(res)
    assert ("B", "10:00") in p["wed"]
    assert "C" in [s for s, _ in p["tue"]]
    assert "A" not in [s for v in p.values() for s, _ in v]
    assert res["unvisited"] == []


def test_max_drive_limits_a_day():
    data = line_instance(
        [school("A", lon=30), school("B", lon=-30)],
        days=[day("mon", max_drive_min=70), day("tue", max_drive_min=50)],
    )
    res = run(data, LineMatrix())
    assert len(plan(res)["mon"]) == 1 and plan(res)["tue"] == []
    assert res["prize"] == 10


def test_a_bad_distance_matrix_is_rejected():
    class Short:
        def table(self, points):
            return [[0.0]], [[0.0]]

    with pytest.raises(ValidationError, match="distance matrix"):
        solve(parse_instance(line_instance([school("A", lon=1)])), Short())


def test_impossible_pin_is_reported():
    data = line_instance(
        [school("A", lon=150)], days=[day(start="08:00", end="12:00")], pinned={"A": "d1"}
    )
    with pytest.raises(InfeasibleError, match="'A'"):
        solve(parse_instance(data), LineMatrix())
    # Each pin fits alone, but not both on the same morning.
    data = line_instance(
        [school("A", lon=10, service=120), school("B", lon=-10, service=120)],
        days=[day(start="08:00", end="12:00")],
        pinned={"A": "d1", "B": "d1"},
    )
    with pytest.raises(InfeasibleError):
        solve(parse_instance(data), LineMatrix())


def berkane_schools(n, seed):
    import random

    rng = random.Random(seed)
    out = []
    for k in range(n):
        windows = rng.choice([[("09:00", "13:00"), ("15:00", "17:00")], [("09:00", "15:00")],
                              [("09:00", "12:00"), ("14:00", "18:00")]])  # fmt: skip
        out.append(school(f"s{k}", round(34.92 + rng.uniform(-0.2, 0.2), 4),
                          round(-2.32 + rng.uniform(-0.2, 0.2), 4), windows,
                          service=rng.choice([60, 90, 120]), prize=rng.randint(10, 300),
                          max_visits=rng.choice([1, 1, 2])))  # fmt: skip
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_berkane_tours_pass_the_independent_checker(seed):
    days = [day("mon", max_drive_min=150), day("tue"), day("wed", end="13:00")]
    data = {"base": BASE, "days": days, "schools": berkane_schools(14, seed),
            "pinned": {"s0": "tue"}, "forbidden": {"s1": "all", "s2": ["mon", "tue"]},
            "time_limit_s": 0.5, "seed": seed}  # fmt: skip
    res = run(data)
    assert res["days"][0]["id"] == "mon" and len(res["days"]) == 3
    assert sum(len(d["visits"]) for d in res["days"]) >= 4


def test_long_periods_are_planned_block_by_block(monkeypatch):
    monkeypatch.setattr(routing, "BLOCK_CLIENTS", 12)
    days = [day(f"d{k}") for k in range(6)]
    data = {"base": BASE, "days": days, "schools": berkane_schools(8, 7),
            "pinned": {"s3": "d5"}, "time_limit_s": 0.6}  # fmt: skip
    res = run(data)
    assert res["unvisited"] == []


# ---------------------------------------------------------------------------------------------
# Repeat visits worth less


def two_mornings(**kw):
    """Two days with room for one 60-min visit each: A (near, prize 10, up to two visits) or
    B (farther, prize 6, one visit): a second visit of A against a first one of B."""
    return line_instance(
        [school("A", lon=5, max_visits=2), school("B", lon=25, prize=6)],
        days=[day("d1", end="10:00"), day("d2", end="10:00")],
        **kw,
    )


@pytest.mark.parametrize(
    ("factor", "schools", "prize"),
    [
        (1.0, ["A", "A"], 20),  # the default: a revisit is worth a first visit
        (0.7, ["A", "A"], 17),  # 10 + 7 > 10 + 6
        (0.5, ["A", "B"], 16),  # 10 + 5 < 10 + 6: the poorer school wins
        (0.0, ["A", "B"], 16),
    ],
)
def test_repeat_factor_makes_a_poorer_school_win_over_a_revisit(factor, schools, prize):
    res = run(two_mornings(repeat_factor=factor), LineMatrix())
    assert sorted(v["school"] for d in res["days"] for v in d["visits"]) == schools
    assert res["prize"] == prize
    assert res["unvisited"] == ([] if "B" in schools else ["B"])


@pytest.mark.parametrize(("factor", "winner"), [(1.0, "A"), (0.5, "B")])
def test_done_visits_count_as_the_first_ones(factor, winner):
    # A was visited last week: its visit today is its second (10 x 0.5 = 5 < 6).
    data = two_mornings(repeat_factor=factor, done=[{"school": "A", "day": "last-week"}])
    data["days"] = data["days"][:1]
    res = run(data, LineMatrix())
    assert [v["school"] for v in res["days"][0]["visits"]] == [winner]
    assert res["prize"] == {"A": 10 * factor, "B": 6}[winner]


def test_repeat_factor_over_blocks_reaches_every_school_first(monkeypatch):
    # Blocks of one day; one school (prize 30, up to 5 visits) is worth more than the others
    # (prize 10) on every day without a repeat factor; with 0.3 each school comes first.
    monkeypatch.setattr(routing, "BLOCK_CLIENTS", 5)
    schools = [school("big", lon=5, prize=30, max_visits=5)] + [
        school(f"s{k}", lon=10 + k) for k in range(3)
    ]
    days = [day(f"d{k}", end="10:00") for k in range(5)]
    res = run(line_instance(schools, days=days, time_limit_s=0.5), LineMatrix())
    assert res["unvisited"] == ["s0", "s1", "s2"]
    res = run(line_instance(schools, days=days, repeat_factor=0.3, time_limit_s=0.5), LineMatrix())
    assert res["unvisited"] == []
    visits = [v["school"] for d in res["days"] for v in d["visits"]]
    assert sorted(visits) == ["big", "big", "s0", "s1", "s2"]
    assert res["prize"] == pytest.approx(30 + 9 + 30)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000))
def test_repeat_factor_one_gives_the_old_result(seed):
    # The old contract: every visit is worth its full prize; the key changes nothing.
    days = [day("mon"), day("tue", end="13:00")]
    data = {"base": BASE, "days": days, "schools": berkane_schools(6, seed),
            "time_limit_s": 0.2, "seed": 1}  # fmt: skip
    old = run(data)
    new = run({**data, "repeat_factor": 1.0})
    assert new == old
    prizes = {s["id"]: s["prize"] for s in data["schools"]}
    assert old["prize"] == pytest.approx(
        sum(prizes[v["school"]] for d in old["days"] for v in d["visits"])
    )


# ---------------------------------------------------------------------------------------------
# Progress


def test_progress_is_reported_by_days_up_to_the_total(monkeypatch):
    monkeypatch.setattr(routing, "BLOCK_CLIENTS", 12)
    days = [day(f"d{k}") for k in range(6)]
    data = {"base": BASE, "days": days, "schools": berkane_schools(8, 7), "time_limit_s": 0.6}
    calls = []
    res = solve(parse_instance(data), progress=lambda done, total: calls.append((done, total)))
    assert check(data, res.to_dict()) == []
    assert calls[0] == (0, 6) and calls[-1] == (6, 6)
    assert {total for _, total in calls} == {6}
    done = [d for d, _ in calls]
    assert done == sorted(set(done))  # strictly increasing
    assert len(done) >= 3  # at least the start, one block's end and the end


def test_progress_without_days():
    calls = []
    data = {**line_instance([school("A", lon=1)]), "days": []}
    res = solve(parse_instance(data), progress=lambda *a: calls.append(a))
    assert calls == [(0, 0)] and res.days == ()


# ---------------------------------------------------------------------------------------------
# Validation


GOOD = {
    "base": BASE,
    "days": [{"id": "2025-10-06", "start": "08:00", "end": "17:30"}],
    "schools": [{"id": "s1", "lat": 34.8, "lon": -2.4, "windows": [["09:00", "13:00"]],
                 "service_min": 120, "prize": 150}],
    "speed_kmh": 45, "road_factor": 1.3, "time_limit_s": 0.3,
}  # fmt: skip


def mutate(path, value):
    data = json.loads(json.dumps(GOOD))
    obj = data
    for k in path[:-1]:
        obj = obj[k]
    if value is KeyError:
        del obj[path[-1]]
    elif isinstance(obj, list) and path[-1] == len(obj):
        obj.append(value)
    else:
        obj[path[-1]] = value
    return data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (mutate(["colour"], "red"), "unknown key 'colour'"),
        (mutate(["schools", 0, "colour"], 1), "unknown key 'colour'"),
        (mutate(["days"], KeyError), "missing key 'days'"),
        (mutate(["days", 0, "start"], "8h"), "expected a time HH:MM"),
        (mutate(["days", 0, "end"], "25:00"), "bad time"),
        (mutate(["days", 0, "end"], "08:00"), "not after start"),
        (mutate(["schools", 0, "windows"], [["13:00", "09:00"]]), "not after its start"),
        (mutate(["schools", 0, "service_min"], -5), "must not be negative"),
        (mutate(["schools", 0, "lat"], "north"), "coordinates must be numbers"),
        (mutate(["base", "lon"], None), "coordinates must be numbers"),
        (mutate(["schools", 0, "windows"], [["18:00", "19:00"]]), "outside every day"),
        (mutate(["schools", 0, "day_windows"], {"2025-10-06": [["06:00", "07:00"]]}), "outside"),
        (mutate(["schools", 1], GOOD["schools"][0]), "duplicate school id 's1'"),
        (mutate(["days", 1], GOOD["days"][0]), "duplicate day id"),
        (mutate(["pinned"], {"s9": "2025-10-06"}), "unknown school 's9'"),
        (mutate(["pinned"], {"s1": "2025-13-01"}), "unknown day"),
        (mutate(["forbidden"], {"s1": "all"}) | {"pinned": {"s1": "2025-10-06"}}, "forbidden"),
        (mutate(["done"], [{"school": "s1", "day": "x"}, {"school": "s1", "day": "x"}]), "two"),
        (mutate(["schools", 0, "max_visits"], 0), "max_visits"),
        (mutate(["speed_kmh"], -3), "speed_kmh"),
        (mutate(["repeat_factor"], 1.5), "repeat_factor must be a number from 0 to 1"),
        (mutate(["repeat_factor"], "half"), "repeat_factor"),
        ([1, 2], "expected an object"),
    ],
)
def test_malformed_instances_are_rejected(data, message):
    with pytest.raises(ValidationError, match=message.replace("(", r"\(")):
        parse_instance(data)


# ---------------------------------------------------------------------------------------------
# Solomon VRPTW

TINY = """TINY

VEHICLE
NUMBER     CAPACITY
  2          10

CUSTOMER
CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME

    0      0          0          0          0        100          0
    1      3          4          5          0         50          1
    2      6          8          5          0         50          1
    3      0          10         4          0         30          1
    4     -3         -4          6          0         60          1
"""


def test_parse_solomon():
    inst = parse_solomon(TINY.replace("\n", "\r\n"))
    assert (inst.name, inst.vehicles, inst.capacity, len(inst.nodes)) == ("TINY", 2, 10, 5)
    assert inst.nodes[3] == (3, 0.0, 10.0, 4, 0.0, 30.0, 1.0)
    assert inst.distance(0, 1) == 5.0


def test_solve_tiny_solomon_to_optimality():
    # Capacity 10 forces {1, 2} together (5 + 5), {3, 4} together (4 + 6).
    # Route 0-1-2-0: 5 + 5 + 10 = 20; route 0-3-4-0: 10 + sqrt(9 + 196) + 5 = 29.318.
    res = solve_vrptw(parse_solomon(TINY), time_limit_s=0.3)
    assert res.feasible and res.vehicles == 2
    assert res.distance == pytest.approx(20 + 15 + math.sqrt(205), abs=0.01)
    assert sorted(sorted(r) for r in res.routes) == [[1, 2], [3, 4]]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        (TINY.replace("NUMBER     CAPACITY", "FLEET"), "NUMBER CAPACITY"),
        (TINY.replace("  2          10", "  two        10"), "two integers"),
        (TINY.replace("    3      0          10", "    3      0"), "7 columns"),
        (TINY.replace("    4     -3 ", "    7     -3 "), "out of order"),
        (TINY.replace("4          0         30", "4          0         x0"), "non-numeric"),
        (TINY.replace("5          0         50", "50         0         50", 1), "capacity"),
    ],
)
def test_malformed_solomon(text, message):
    with pytest.raises(ValidationError, match=message):
        parse_solomon(text)


# ---------------------------------------------------------------------------------------------
# Command line


def cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "markaz.engine.routing", *map(str, args)],
        capture_output=True, text=True, cwd=ROOT, timeout=60,
    )  # fmt: skip


def test_cli_tour(tmp_path):
    f = tmp_path / "i.json"
    f.write_text(json.dumps(GOOD))
    p = cli("tour", f)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["prize"] == 150 and out["unvisited"] == []
    assert out["days"][0]["visits"] == [{"school": "s1", "start": "09:00", "end": "11:00"}]
    assert check(GOOD, out) == []
    f.write_text(json.dumps({**GOOD, "repeat_factor": 0.35}))  # optional key, same output
    p = cli("tour", f)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout) == out


def test_cli_vrptw(tmp_path):
    f = tmp_path / "tiny.txt"
    f.write_text(TINY)
    p = cli("vrptw", f, "--time-limit", "0.3", "--seed", "3")
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["vehicles"] == 2 and out["distance"] == pytest.approx(49.32, abs=0.01)
    assert sorted(sorted(r) for r in out["routes"]) == [[1, 2], [3, 4]]


@pytest.mark.parametrize(
    ("args", "content", "code", "message"),
    [
        (["tour", "missing.json"], None, 2, "cannot read"),
        (["tour", "{f}"], "{not json", 2, "not valid JSON"),
        (["tour", "{f}"], json.dumps(mutate(["x"], 1)), 2, "unknown key 'x'"),
        (["tour", "{f}"], json.dumps(mutate(["schools", 0, "service_min"], -1)), 2, "negative"),
        (
            ["tour", "{f}"],
            json.dumps(
                mutate(["pinned"], {"s1": "2025-10-06"})
                | {"days": [day("2025-10-06", "08:00", "09:30")]}
            ),
            1,
            "infeasible",
        ),  # fmt: skip
        (["vrptw", "{f}"], "not a solomon file", 2, "invalid Solomon file"),
        (["vrptw", "{f}", "--time-limit", "soon"], TINY, 2, "--time-limit"),
        (["vrptw"], None, 2, "missing FILE"),
        (["route", "x"], None, 2, "usage"),
    ],
)
def test_cli_errors(tmp_path, args, content, code, message):
    f = tmp_path / "input"
    if content is not None:
        f.write_text(content)
    p = cli(*[a.replace("{f}", str(f)) for a in args])
    assert p.returncode == code
    assert p.stdout == ""
    assert message in p.stderr
    if args[0] != "route":
        assert p.stderr.count("\n") == 1 and p.stderr.startswith("error: ")
