"""Timetable engine: tiny instances with known answers, every hard rule, the building cap,
soft goals, infeasibility explanations (FR/AR), manual moves, the command line, and a property
test against brute force. No database."""

import itertools
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from markaz.engine import timetable as tt
from markaz.engine.timetable import (
    GOALS,
    Assignment,
    ValidationError,
    check_move,
    evaluate,
    parse_instance,
    solve,
    validate_assignments,
)

ROOT = Path(__file__).resolve().parents[2]


def slot(sid, day="mon", start="09:00", end="11:00"):
    return {"id": sid, "day": day, "start": start, "end": end}


def monday(n):
    """``n`` consecutive 2-hour Monday slots mon-1.. from 09:00."""
    return [
        slot(f"mon-{k + 1}", "mon", f"{9 + 2 * k:02d}:00", f"{11 + 2 * k:02d}:00") for k in range(n)
    ]


def lesson(lid, cohort, trainer, kind="training"):
    return {"id": lid, "cohort": cohort, "trainer": trainer, "room_kind": kind}


def instance(**over):
    data = {
        "building_capacity": 100,
        "timeslots": monday(2),
        "rooms": [{"id": "r1", "kind": "training", "capacity": 24}],
        "trainers": [{"id": "t1", "unavailable": ["mon-1"]}],
        "cohorts": [{"id": "g1", "size": 20}],
        "lessons": [lesson("l1", "g1", "t1")],
        "time_limit_s": 5,
    }
    data.update(over)
    return data


def placed(result):
    return {a.lesson: (a.timeslot, a.room) for a in result.assignments}


# ---------------------------------------------------------------------------------------------
# Known answers


def test_the_spec_example_respects_trainer_availability():
    inst = parse_instance(instance(other_load={"mon-1": 10}))
    r = solve(inst)
    assert r.status == "optimal"
    assert placed(r) == {"l1": ("mon-2", "r1")}
    assert r.soft_penalty == 0 and r.bound == 0
    d = r.to_dict()
    assert d["assignments"] == [{"lesson": "l1", "timeslot": "mon-2", "room": "r1"}]
    assert set(d["penalties"]) == set(GOALS)
    for key in (
        "bound",
        "time_to_first_feasible_s",
        "wall_time_s",
        "explanation",
        "explanation_ar",
    ):
        assert key in d


def test_room_kind_capacity_and_pattern_pick_the_only_valid_place():
    inst = parse_instance(
        instance(
            timeslots=monday(3),
            rooms=[
                {"id": "small", "kind": "training", "capacity": 10},
                {"id": "lab", "kind": "applied", "capacity": 30},
                {"id": "big", "kind": "training", "capacity": 30},
            ],
            trainers=[{"id": "t1"}],
            cohorts=[{"id": "g1", "size": 20, "allowed": ["mon-3"]}],
        )
    )
    r = solve(inst)
    assert placed(r) == {"l1": ("mon-3", "big")}


def test_no_double_booking_of_room_trainer_or_cohort():
    inst = parse_instance(
        instance(
            timeslots=monday(3),
            rooms=[{"id": "r1", "kind": "training", "capacity": 30}],
            trainers=[{"id": "t1"}, {"id": "t2"}],
            cohorts=[{"id": "g1", "size": 10}, {"id": "g2", "size": 10}],
            lessons=[lesson("a", "g1", "t1"), lesson("b", "g1", "t2"), lesson("c", "g2", "t1")],
        )
    )
    r = solve(inst)
    assert r.status == "optimal"
    assert validate_assignments(inst, r.assignments) == []
    assert len({ts for ts, _ in placed(r).values()}) == 3  # one room: three distinct slots


def test_building_cap_allows_exactly_full_and_binds_one_above():
    base = {
        "timeslots": monday(2),
        "rooms": [
            {"id": "r1", "kind": "training", "capacity": 50},
            {"id": "r2", "kind": "training", "capacity": 50},
        ],
        "trainers": [{"id": "t1"}, {"id": "t2"}],
        "cohorts": [{"id": "g1", "size": 50}, {"id": "g2", "size": 50}],
        "lessons": [lesson("a", "g1", "t1"), lesson("b", "g2", "t2")],
        "weights": {"cohort_rooms": 0},
    }
    # Both allowed only in mon-1: 100 people in a building of 100 is fine.
    both_mon1 = [
        {"id": "g1", "size": 50, "allowed": ["mon-1"]},
        {"id": "g2", "size": 50, "allowed": ["mon-1"]},
    ]
    r = solve(parse_instance(instance(**{**base, "cohorts": both_mon1})))
    assert r.status == "optimal" and {ts for ts, _ in placed(r).values()} == {"mon-1"}
    # One more person planned in each slot: neither slot can hold both cohorts, so they split.
    r = solve(parse_instance(instance(**base, other_load={"mon-1": 1, "mon-2": 1})))
    assert r.status == "optimal"
    assert sorted(ts for ts, _ in placed(r).values()) == ["mon-1", "mon-2"]


def test_soft_goals_change_the_choice():
    data = instance(
        timeslots=[*monday(3), slot("tue-1", "tue", "19:30", "21:30")],
        rooms=[{"id": "r1", "kind": "training", "capacity": 30}],
        trainers=[
            {"id": "t1", "unavailable": ["mon-2", "mon-3", "tue-1"]},
            {"id": "t2", "unavailable": ["mon-1", "mon-2"]},
        ],
        lessons=[lesson("a", "g1", "t1"), lesson("b", "g1", "t2")],
    )
    # b after a gap on Monday (cohort gap 1 x 3) beats b late on Tuesday (late 1 x 4).
    r = solve(parse_instance(data))
    assert placed(r)["b"][0] == "mon-3"
    assert r.counts["cohort_gaps"] == 1 and r.penalties["cohort_gaps"] == 3 and r.soft_penalty == 3
    # Make gaps dearer than late evenings and the choice flips.
    r = solve(parse_instance({**data, "weights": {"cohort_gaps": 5, "late_evening": 1}}))
    assert placed(r)["b"][0] == "tue-1"
    assert r.counts == {"cohort_gaps": 0, "trainer_gaps": 0, "cohort_rooms": 0, "late_evening": 1}
    assert r.soft_penalty == r.bound == 1


def test_room_stability_and_trainer_gaps_are_counted():
    inst = parse_instance(
        instance(
            timeslots=monday(3),
            rooms=[
                {"id": "r1", "kind": "training", "capacity": 30},
                {"id": "r2", "kind": "training", "capacity": 30},
            ],
            trainers=[{"id": "t1"}],
            lessons=[lesson("a", "g1", "t1"), lesson("b", "g1", "t1")],
        )
    )
    moved = [Assignment("a", "mon-1", "r1"), Assignment("b", "mon-3", "r2")]
    assert evaluate(inst, moved) == {
        "cohort_gaps": 1,
        "trainer_gaps": 1,
        "cohort_rooms": 1,
        "late_evening": 0,
    }
    r = solve(inst)
    assert r.status == "optimal" and r.soft_penalty == 0


def test_progress_callback_receives_fraction_and_objective():
    calls = []
    r = solve(parse_instance(instance()), progress=lambda f, obj: calls.append((f, obj)))
    assert r.status == "optimal"
    assert calls and calls[-1] == (1.0, 0.0)
    assert all(f is None or 0.0 <= f <= 1.0 for f, _ in calls)


# ---------------------------------------------------------------------------------------------
# Hard rules, checked independently


def rules_instance():
    return parse_instance(
        instance(
            building_capacity=45,
            timeslots=monday(3),
            rooms=[
                {"id": "r1", "kind": "training", "capacity": 24},
                {"id": "r2", "kind": "training", "capacity": 24},
                {"id": "lab", "kind": "applied", "capacity": 12},
            ],
            trainers=[{"id": "t1", "unavailable": ["mon-3"]}, {"id": "t2"}],
            cohorts=[
                {"id": "g1", "size": 20, "allowed": ["mon-1", "mon-2"]},
                {"id": "g2", "size": 20},
                {"id": "g3", "size": 10},
            ],
            lessons=[
                lesson("a", "g1", "t1"),
                lesson("b", "g2", "t2"),
                lesson("c", "g3", "t2", "applied"),
            ],
            other_load={"mon-2": 10},
        )
    )


GOOD = {"a": ("mon-1", "r1"), "b": ("mon-2", "r1"), "c": ("mon-3", "lab")}


@pytest.mark.parametrize(
    ("change", "kind"),
    [
        ({"b": ("mon-1", "r1")}, "room_double_booked"),
        ({"c": ("mon-2", "lab")}, "trainer_double_booked"),
        ({"b": ("mon-1", "r2"), "c": ("mon-1", "lab")}, "trainer_double_booked"),
        ({"a": ("mon-2", "r2")}, "building_capacity"),  # 20 + 20 + 10 > 45
        ({"c": ("mon-3", "r1")}, "room_kind"),
        ({"b": ("mon-3", "lab")}, "room_capacity"),
        ({"a": ("mon-3", "r1")}, "cohort_pattern"),
        ({"a": ("mon-3", "r2")}, "trainer_unavailable"),
    ],
)
def test_validate_assignments_names_each_broken_rule(change, kind):
    inst = rules_instance()
    assert validate_assignments(inst, [Assignment(k, *v) for k, v in GOOD.items()]) == []
    plan = {**GOOD, **change}
    conflicts = validate_assignments(inst, [Assignment(k, *v) for k, v in plan.items()])
    assert kind in {c.kind for c in conflicts}
    for c in conflicts:
        assert c.fr and c.ar and c.lessons


def test_validate_assignments_cohort_double_booking_missing_repeated_and_unknown():
    inst = parse_instance(
        instance(
            rooms=[
                {"id": "r1", "kind": "training", "capacity": 24},
                {"id": "r2", "kind": "training", "capacity": 24},
            ],
            trainers=[{"id": "t1"}, {"id": "t2"}],
            lessons=[lesson("a", "g1", "t1"), lesson("b", "g1", "t2"), lesson("c", "g1", "t2")],
        )
    )
    rows = [
        {"lesson": "a", "timeslot": "mon-1", "room": "r1"},
        {"lesson": "b", "timeslot": "mon-1", "room": "r2"},
        {"lesson": "b", "timeslot": "mon-2", "room": "r2"},
        {"lesson": "zz", "timeslot": "mon-2", "room": "r2"},
    ]
    kinds = {c.kind for c in validate_assignments(inst, rows)}
    assert {
        "cohort_double_booked",
        "lesson_repeated",
        "lesson_unassigned",
        "unknown_reference",
    } <= kinds


# ---------------------------------------------------------------------------------------------
# Manual moves


def test_check_move_lists_every_conflict_of_the_move_and_nothing_else():
    inst = rules_instance()
    current = [Assignment(k, *v) for k, v in GOOD.items()]
    assert check_move(inst, current, "b", "mon-1", "r2") == []
    # b onto a's room and slot: only the room is double booked (40 people fit in 45).
    kinds = {c.kind for c in check_move(inst, current, "b", "mon-1", "r1")}
    assert kinds == {"room_double_booked"}
    # a to mon-3 in the lab: pattern, availability, kind, capacity, and the lab is taken by c.
    conflicts = check_move(inst, current, "a", "mon-3", "lab")
    assert {c.kind for c in conflicts} == {
        "cohort_pattern",
        "trainer_unavailable",
        "room_kind",
        "room_capacity",
        "room_double_booked",
    }
    assert all("a" in c.lessons and c.fr and c.ar for c in conflicts)
    # a next to b in mon-2: 20 + 20 + 10 people in a building of 45.
    (c,) = check_move(inst, current, "a", "mon-2", "r2")
    assert c.kind == "building_capacity" and "50" in c.fr and "50" in c.ar
    with pytest.raises(ValidationError):
        check_move(inst, current, "a", "mon-9", "r1")


# ---------------------------------------------------------------------------------------------
# Infeasibility explanations


def explain(**over):
    r = solve(parse_instance(instance(**over)))
    assert r.status == "infeasible" and r.assignments == ()
    assert r.explanation and r.explanation_ar
    return r


def test_explains_a_room_too_small():
    r = explain(
        rooms=[{"id": "lab", "kind": "applied", "capacity": 20}],
        trainers=[{"id": "t1"}],
        cohorts=[{"id": "g3", "size": 30}],
        lessons=[lesson("l1", "g3", "t1", "applied")],
    )
    assert r.reasons[0].kind == "no_room"
    for text in (r.explanation, r.explanation_ar):
        assert "g3" in text and "30" in text and "applied" in text


def test_explains_too_few_allowed_slots():
    r = explain(
        timeslots=monday(4),
        trainers=[{"id": "t1", "unavailable": ["mon-2"]}],
        cohorts=[{"id": "g1", "size": 20, "allowed": ["mon-1", "mon-2", "mon-3"]}],
        lessons=[lesson(f"l{k}", "g1", "t1") for k in range(3)],
    )
    assert r.reasons[0].kind == "cohort_slots" and r.reasons[0].cohorts == ("g1",)
    assert "3 séance" in r.explanation and "2 créneau" in r.explanation
    assert "g1" in r.explanation_ar and "t1" in r.explanation_ar


def test_explains_an_overfull_slot():
    r = explain(other_load={"mon-1": 130})
    assert r.reasons[0].kind == "building_overload" and r.reasons[0].slots == ("mon-1",)
    assert "130" in r.explanation and "100" in r.explanation
    assert "130" in r.explanation_ar and "mon-1" in r.explanation_ar


def test_explains_an_overloaded_trainer():
    r = explain(
        timeslots=monday(2),
        trainers=[{"id": "t1"}],
        rooms=[
            {"id": "r1", "kind": "training", "capacity": 24},
            {"id": "r2", "kind": "training", "capacity": 24},
        ],
        cohorts=[{"id": "g1", "size": 5}, {"id": "g2", "size": 5}],
        lessons=[lesson("a", "g1", "t1"), lesson("b", "g1", "t1"), lesson("c", "g2", "t1")],
    )
    assert [x.kind for x in r.reasons] == ["trainer_slots"]
    assert "t1" in r.explanation and "3 séances" in r.explanation and "t1" in r.explanation_ar


def test_solver_proven_infeasibility_names_the_cohorts_and_the_building():
    # Each cohort alone fits; together, 60 + 60 > 100 keeps them apart and 4 sessions need 4 slots.
    r = explain(
        timeslots=monday(3),
        rooms=[
            {"id": "r1", "kind": "training", "capacity": 60},
            {"id": "r2", "kind": "training", "capacity": 60},
        ],
        trainers=[{"id": "t1"}, {"id": "t2"}],
        cohorts=[{"id": "g1", "size": 60}, {"id": "g2", "size": 60}, {"id": "g3", "size": 10}],
        lessons=[
            lesson("a1", "g1", "t1"),
            lesson("a2", "g1", "t1"),
            lesson("b1", "g2", "t2"),
            lesson("b2", "g2", "t2"),
            lesson("c1", "g3", "t2"),
        ],
    )
    (core,) = r.reasons
    assert core.kind == "core" and core.cohorts == ("g1", "g2")
    assert set(core.slots) == {"mon-1", "mon-2", "mon-3"}
    assert "g3" not in core.fr
    assert "Sans la cohorte g1" in r.explanation and "bâtiment" in r.explanation
    assert "بدون الفوج g1" in r.explanation_ar and "المبنى" in r.explanation_ar


# ---------------------------------------------------------------------------------------------
# Parsing and the command line


def run_cli(tmp_path, payload):
    path = tmp_path / "instance.json"
    if payload is not None:
        path.write_text(payload if isinstance(payload, str) else json.dumps(payload))
    return subprocess.run(
        [sys.executable, "-m", "markaz.engine.timetable", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_cli_prints_the_result(tmp_path):
    out = run_cli(tmp_path, instance(other_load={"mon-1": 10}))
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["status"] == "optimal"
    assert result["assignments"] == [{"lesson": "l1", "timeslot": "mon-2", "room": "r1"}]
    assert result["soft_penalty"] == 0


def _bad(**over):
    return instance(**over)


MALFORMED = {
    "unknown trainer": _bad(lessons=[lesson("l1", "g1", "nobody")]),
    "unknown cohort": _bad(lessons=[lesson("l1", "g9", "t1")]),
    "unknown slot": _bad(cohorts=[{"id": "g1", "size": 20, "allowed": ["sun-9"]}]),
    "duplicate id": _bad(rooms=[{"id": "r1", "kind": "training", "capacity": 24}] * 2),
    "negative size": _bad(cohorts=[{"id": "g1", "size": -1}]),
    "negative capacity": _bad(rooms=[{"id": "r1", "kind": "training", "capacity": -5}]),
    "bad time": _bad(timeslots=[slot("mon-1", "mon", "25:00", "26:00")]),
    "end before start": _bad(timeslots=[slot("mon-1", "mon", "11:00", "09:00")]),
    "unknown day": _bad(timeslots=[slot("mon-1", "lundi")]),
    "missing key": {k: v for k, v in instance().items() if k != "rooms"},
    "bad json": "{not json",
    "missing file": None,
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_cli_rejects_malformed_input(tmp_path, case):
    out = run_cli(tmp_path, MALFORMED[case])
    assert out.returncode == 2
    assert out.stdout == ""
    assert out.stderr.startswith("error: ") and out.stderr.count("\n") == 1


def test_parse_instance_rejects_overlapping_slots_and_bad_weights():
    with pytest.raises(ValidationError, match="overlap"):
        parse_instance(instance(timeslots=[slot("a"), slot("b", "mon", "10:00", "12:00")]))
    with pytest.raises(ValidationError, match="weight"):
        parse_instance(instance(weights={"cohort_gaps": -1}))
    with pytest.raises(ValidationError, match="unknown key"):
        parse_instance(instance(weights={"beauty": 1}))


# ---------------------------------------------------------------------------------------------
# Property: valid timetables, and "infeasible" only when brute force agrees


@st.composite
def tiny_instances(draw):
    n_slots = draw(st.integers(1, 3))
    slots = [
        slot(f"s{k}", "mon", f"{9 + 2 * k:02d}:00", f"{11 + 2 * k:02d}:00") for k in range(n_slots)
    ]
    if draw(st.booleans()):
        slots[-1] = slot(f"s{n_slots - 1}", "tue", "20:00", "22:00")
    ids = [s["id"] for s in slots]
    kinds = ["training", "training", "applied"]
    rooms = [
        {"id": f"r{k}", "kind": draw(st.sampled_from(kinds)), "capacity": draw(st.integers(10, 40))}
        for k in range(draw(st.integers(1, 2)))
    ]
    subset = st.lists(st.sampled_from(ids), unique=True)
    trainers = [
        {"id": f"t{k}", "unavailable": draw(subset)} for k in range(draw(st.integers(1, 2)))
    ]
    cohorts = []
    for k in range(draw(st.integers(1, 2))):
        c = {"id": f"g{k}", "size": draw(st.integers(5, 25))}
        if draw(st.booleans()):
            c["allowed"] = draw(subset)
        cohorts.append(c)
    lessons = [
        lesson(
            f"l{k}",
            draw(st.sampled_from([c["id"] for c in cohorts])),
            draw(st.sampled_from([t["id"] for t in trainers])),
            draw(st.sampled_from(kinds)),
        )
        for k in range(draw(st.integers(1, 4)))
    ]
    return {
        "building_capacity": draw(st.integers(20, 80)),
        "timeslots": slots,
        "rooms": rooms,
        "trainers": trainers,
        "cohorts": cohorts,
        "lessons": lessons,
        "other_load": {i: draw(st.integers(0, 20)) for i in ids},
        "time_limit_s": 5,
        "workers": 1,
    }


def brute_force(inst):
    """The least weighted penalty over every valid timetable, or None if none exists."""
    places = [(s.id, r.id) for s in inst.timeslots for r in inst.rooms]
    best = None
    for combo in itertools.product(places, repeat=len(inst.lessons)):
        plan = [Assignment(le.id, s, r) for le, (s, r) in zip(inst.lessons, combo, strict=True)]
        if validate_assignments(inst, plan):
            continue
        counts = evaluate(inst, plan)
        cost = sum(counts[g] * getattr(inst.weights, g) for g in GOALS)
        best = cost if best is None else min(best, cost)
    return best


@settings(
    max_examples=30, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(tiny_instances())
def test_solver_agrees_with_brute_force(data):
    inst = parse_instance(data)
    r = solve(inst)
    best = brute_force(inst)
    assert r.status in ("optimal", "infeasible")
    if r.status == "infeasible":
        assert best is None
        assert r.explanation and r.explanation_ar
    else:
        assert validate_assignments(inst, r.assignments) == []
        assert r.soft_penalty == best == r.bound


# ---------------------------------------------------------------------------------------------
# The slot model (no room variables) and the status / bound semantics


def optimum(mm):
    """The optimum of a private model, or None when it is infeasible."""
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 20
    status = solver.solve(mm.model)
    assert status in (cp_model.OPTIMAL, cp_model.INFEASIBLE)
    return round(solver.objective_value) if status == cp_model.OPTIMAL else None


@st.composite
def one_slot(draw):
    """Rooms of two kinds and capacities 10/20/30, and lessons of distinct cohorts (mostly
    seatable one by one), all in one slot."""
    rooms = [
        {
            "id": f"r{k}",
            "kind": draw(st.sampled_from(["training", "training", "applied"])),
            "capacity": draw(st.sampled_from([10, 20, 30])),
        }
        for k in range(draw(st.integers(1, 5)))
    ]
    n = draw(st.integers(1, 6))
    kinds = [draw(st.sampled_from([r["kind"] for r in rooms])) for _ in range(n)]
    sizes = [draw(st.integers(0, 32)) for _ in range(n)]
    return instance(
        building_capacity=1000,
        timeslots=monday(1),
        rooms=rooms,
        trainers=[{"id": f"t{k}"} for k in range(n)],
        cohorts=[{"id": f"g{k}", "size": sizes[k]} for k in range(n)],
        lessons=[lesson(f"l{k}", f"g{k}", f"t{k}", kinds[k]) for k in range(n)],
    )


@settings(max_examples=200, deadline=None, derandomize=True)
@given(one_slot())
def test_room_fit_conditions_hold_exactly_when_the_rooms_can_seat_the_slot(data):
    inst = parse_instance(data)
    p = tt._prepare(inst)
    # Every lesson in the one slot: the conditions vs an explicit room for each lesson.
    conditions = all(p.rooms_of) and all(len(lis) <= n for _s, _k, lis, n in tt._room_fit(p))
    seated = any(
        all(
            inst.rooms[r].kind == le.room_kind
            and inst.rooms[r].capacity >= inst.cohort[le.cohort].size
            for le, r in zip(inst.lessons, rooms, strict=True)
        )
        for rooms in itertools.permutations(range(len(inst.rooms)), len(inst.lessons))
    )
    assert conditions == seated


@st.composite
def small_instances(draw):
    """3-5 slots on two days, 2-3 rooms, 2-4 cohorts of 1-3 lessons, each cohort with one of
    three trainers; or, dense, two rooms of one kind and 3 cohorts busy in most slots: often
    more cohorts than rooms in a slot, so the room conditions and room changes matter."""
    dense = draw(st.booleans())
    starts = ["09:00", "11:00", "13:00"]
    slots = [
        slot(f"s{k}", "mon" if k < 3 else "tue", starts[k % 3], f"{int(starts[k % 3][:2]) + 2}:00")
        for k in range(draw(st.integers(3, 4 if dense else 5)))
    ]
    if draw(st.booleans()):
        slots[-1] = slot(slots[-1]["id"], "tue", "20:00", "22:00")
    ids = [s["id"] for s in slots]
    rooms = [
        {
            "id": f"r{k}",
            "kind": "training"
            if k == 0 or dense
            else draw(st.sampled_from(["training", "applied"])),
            "capacity": 30 if k == 0 else draw(st.sampled_from([15, 20, 30])),
        }
        for k in range(2 if dense else draw(st.integers(2, 3)))
    ]
    few = st.lists(st.sampled_from(ids), unique=True, max_size=1)
    trainers = [{"id": f"t{k}", "unavailable": draw(few)} for k in range(4)]
    kinds = sorted({r["kind"] for r in rooms})
    cohorts, lessons = [], []
    for k in range(3 if dense else draw(st.integers(2, 4))):
        c = {"id": f"g{k}", "size": draw(st.sampled_from([5, 15, 20, 25]))}
        if not dense and draw(st.integers(0, 3)) == 0:
            c["allowed"] = draw(st.lists(st.sampled_from(ids), unique=True, min_size=2))
        cohorts.append(c)
        trainer = f"t{k}" if dense else draw(st.sampled_from(["t0", "t1", "t2"]))
        n = len(slots) - draw(st.integers(1, 2)) if dense else draw(st.integers(1, 3))
        for i in range(n):
            lessons.append(lesson(f"l{k}{i}", c["id"], trainer, draw(st.sampled_from(kinds))))
    weights = {g: draw(st.integers(0, 4)) for g in GOALS} if draw(st.booleans()) else {}
    return {
        "building_capacity": draw(st.sampled_from([60, 100])),
        "timeslots": slots,
        "rooms": rooms,
        "trainers": trainers,
        "cohorts": cohorts,
        "lessons": lessons,
        "other_load": {i: draw(st.sampled_from([0, 0, 10])) for i in ids},
        "weights": weights,
        "time_limit_s": 10,
        "workers": 1,
    }


@settings(
    max_examples=100, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(small_instances())
def test_slot_model_and_solve_agree_with_the_joint_model(data):
    inst = parse_instance(data)
    p = tt._prepare(inst)
    best = optimum(tt._build(p, relax=False, rooms=True))
    # The slot model is exact: same feasibility, and the same optimum when rooms cost nothing.
    free = parse_instance({**data, "weights": {**data["weights"], "cohort_rooms": 0}})
    pf = tt._prepare(free)
    assert optimum(tt._build(pf, relax=False, rooms=False)) == optimum(
        tt._build(pf, relax=False, rooms=True)
    )
    r = solve(inst)
    if best is None:
        assert r.status == "infeasible" and r.explanation and r.explanation_ar
        return
    assert r.status == "optimal"
    assert validate_assignments(inst, r.assignments) == []
    assert r.soft_penalty == best == r.bound and r.gap == 0


def three_cohorts_two_rooms(**weights):
    """Every pair of the three cohorts meets in one of the three slots: one cohort has a gap
    (its trainer too), and two identical rooms cannot give each cohort its own room."""
    return parse_instance(
        instance(
            timeslots=monday(3),
            rooms=[
                {"id": "A", "kind": "training", "capacity": 30},
                {"id": "B", "kind": "training", "capacity": 30},
            ],
            trainers=[{"id": f"t{k}"} for k in range(3)],
            cohorts=[{"id": f"g{k}", "size": 10} for k in range(3)],
            lessons=[lesson(f"l{k}{i}", f"g{k}", f"t{k}") for k in range(3) for i in range(2)],
            weights=weights,
        )
    )


def test_room_changes_the_slots_cannot_avoid_are_proven_optimal_by_the_joint_model():
    calls = []
    r = solve(three_cohorts_two_rooms(), progress=lambda f, obj: calls.append(obj))
    assert r.status == "optimal" and r.soft_penalty == r.bound == 6
    assert r.counts == {"cohort_gaps": 1, "trainer_gaps": 1, "cohort_rooms": 1, "late_evening": 0}
    assert validate_assignments(three_cohorts_two_rooms(), r.assignments) == []
    values = calls[:-1]
    assert all(a > b for a, b in zip(values, values[1:], strict=False))  # only improvements
    assert calls[-1] == 6.0


def test_without_the_joint_step_the_slot_bound_is_reported_and_the_status_is_feasible(
    monkeypatch,
):
    # As when the time runs out before the joint model can improve or prove anything.
    monkeypatch.setattr(tt, "_improve", lambda p, so, ro, total, bound, *a: (None, bound))
    r = solve(three_cohorts_two_rooms())
    assert r.status == "feasible" and r.soft_penalty == 6 and r.bound == 5
    assert r.gap == pytest.approx(1 / 6)
    d = r.to_dict()
    assert (d["status"], d["soft_penalty"], d["bound"], d["gap"]) == ("feasible", 6, 5, 0.167)
    assert "sous 5" in r.explanation and "5" in r.explanation_ar
    assert validate_assignments(three_cohorts_two_rooms(), r.assignments) == []


def test_when_rooms_cost_nothing_the_slot_model_alone_proves_optimality(monkeypatch):
    def fail(*a):
        raise AssertionError("the joint model is not needed")

    monkeypatch.setattr(tt, "_improve", fail)
    r = solve(three_cohorts_two_rooms(cohort_rooms=0))
    assert r.status == "optimal" and r.soft_penalty == r.bound == 5


def test_school_style_week_with_identical_rooms_is_proven_optimal():
    # Timefold-like: identical rooms of capacity 1, each group busy in every slot.
    days = ["mon", "tue", "wed"]
    slots = [
        slot(f"{d}-{k}", d, f"{8 + k:02d}:00", f"{9 + k:02d}:00") for d in days for k in range(5)
    ]
    teachers = ["math", "lang", "sci", "art"]
    plan = {"math": 5, "lang": 5, "sci": 3, "art": 2}
    inst = parse_instance(
        instance(
            building_capacity=1000,
            timeslots=slots,
            rooms=[{"id": f"R{k}", "kind": "class", "capacity": 1} for k in range(5)],
            trainers=[{"id": t} for t in teachers],
            cohorts=[{"id": f"y{k}", "size": 1} for k in range(3)],
            lessons=[
                lesson(f"y{k}-{t}-{i}", f"y{k}", t, "class")
                for k in range(3)
                for t in teachers
                for i in range(plan[t])
            ],
            time_limit_s=20,
        )
    )
    r = solve(inst)
    assert r.status == "optimal" and r.soft_penalty == r.bound
    assert validate_assignments(inst, r.assignments) == []
    assert r.counts["cohort_rooms"] == 0
