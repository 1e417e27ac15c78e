"""Job-fair interview scheduling: who meets which employer in which slot (issue 15 §2).

Contract: :func:`solve` places interviews between youth and employers in the fair's slots.
Only listed pairs (youth, employer, ``value``) meet, each at most once; a youth has at most one
interview per slot, only in their available slots, at most ``max_interviews`` in all; an
employer holds at most ``tables`` interviews per slot, only in its available slots, at most
``max_interviews`` in all. Interviews already held (``fixed``) are kept. Objective, in this
order: first the most youth with at least one interview, then the largest total ``value``
(any finite number, negative allowed: a negative pair is only placed when it gives a youth their
first interview and no other way keeps the count of youth served). Details and guarantees:
``docs/algorithms/jobfair.md``.

- **Youth served, exactly.** With one interview per youth the problem is a max flow (youth ->
  employer-slot with ``tables`` -> employer with ``max_interviews``), so the largest number of
  youth with an interview, ``N*``, is computed exactly first (OR-Tools max flow).
- **Value bound.** A min-cost flow on aggregate capacities (a youth's interviews up to
  ``min(max_interviews, free slots)``, an employer's up to ``min(max_interviews, tables x free
  slots)``, a pair usable when they share a free slot), where exactly ``N*`` youth take a
  "first interview" arc, bounds the value of every schedule serving ``N*`` youth.
- **Schedule.** The flow's pairs are put in slots greedily (most constrained first, moving a
  blocking interview to another slot when needed); youth left without an interview are served
  by an augmenting max flow (or the schedule starts from a value-aware max flow instead).
- **LP.** When that is below the bound, GLOP solves the LP relaxation of the pair-slot model;
  the Lagrangian value of its duals is a bound whatever the LP's tolerances, and its solution,
  rounded and completed, is often optimal (the LP is integral on fairs like the benchmark's).
- **CP-SAT.** Still not proven: CP-SAT (one boolean per pair and common slot, "served"
  booleans with ``sum >= N*``) maximises the value from the best schedule within the time
  limit, its bound tightening ours; residual problems of more than :data:`CP_SAT_MAX_VARS`
  candidates get a neighbourhood search instead (CP-SAT on a few employers' interviews).
- **Status** ``"optimal"`` only when the value is proven equal to the best possible among
  schedules serving ``N*`` youth (values are compared after scaling to integers, exact for up to
  9 decimals); otherwise ``"feasible"``.
- **Late changes.** :func:`replan` keeps the interviews held before a slot, drops those of youth
  who did not come, removes the slots of an employer from the time it leaves, and plans the rest.
- **Validation.** A malformed instance raises :class:`ValidationError` (a ``ValueError``).

Command line (JSON on stdout)::

    python -m markaz.engine.jobfair INSTANCE.json

prints ``{"status", "interviews": [{"youth", "employer", "slot"}], "youth_with_interview",
"value"}``. Malformed input exits 2 with one ``error: ...`` line on stderr and nothing on stdout.
"""

from __future__ import annotations

import json
import math
import random
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from ortools.graph.python import max_flow, min_cost_flow
from ortools.linear_solver import linear_solver_pb2, pywraplp
from ortools.sat.python import cp_model

from markaz.engine._input import check_keys

__all__ = [
    "DEFAULT_TIME_LIMIT_S",
    "Employer",
    "Instance",
    "Interview",
    "Pair",
    "Result",
    "ValidationError",
    "Youth",
    "check_schedule",
    "main",
    "parse_instance",
    "replan",
    "solve",
]

DEFAULT_TIME_LIMIT_S = 30.0
CP_SAT_MAX_VARS = 60_000  # larger residual problems are improved by neighbourhoods (LNS)
LNS_VARS = 1_500  # candidates freed in one neighbourhood
MAX_ABS_VALUE = 1e12  # larger values are refused (their sums lose precision in CP-SAT)

Id = int | str


class ValidationError(ValueError):
    """The instance is malformed (the message says where)."""


@dataclass(frozen=True)
class Youth:
    id: Id
    slots: tuple[Id, ...]
    max_interviews: int


@dataclass(frozen=True)
class Employer:
    id: Id
    tables: int
    slots: tuple[Id, ...]
    max_interviews: int


@dataclass(frozen=True)
class Pair:
    youth: Id
    employer: Id
    value: float


@dataclass(frozen=True)
class Interview:
    youth: Id
    employer: Id
    slot: Id

    def to_dict(self) -> dict[str, Id]:
        return {"youth": self.youth, "employer": self.employer, "slot": self.slot}


@dataclass(frozen=True)
class Instance:
    slots: tuple[Id, ...]
    youth: tuple[Youth, ...]
    employers: tuple[Employer, ...]
    pairs: tuple[Pair, ...]
    time_limit_s: float = DEFAULT_TIME_LIMIT_S
    fixed: tuple[Interview, ...] = ()


@dataclass
class Result:
    status: str  # "optimal" | "feasible"
    interviews: list[Interview]
    youth_with_interview: int
    value: float
    youth_bound: int  # the most youth any schedule serves (exact)
    value_bound: float  # no schedule serving youth_bound youth is worth more
    time_to_first_s: float
    time_to_final_s: float
    method: str = ""
    stats: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The command line's JSON."""
        return {
            "status": self.status,
            "interviews": [iv.to_dict() for iv in self.interviews],
            "youth_with_interview": self.youth_with_interview,
            "value": self.value,
        }


# ---------------------------------------------------------------------------------------------
# Parsing


def _is_id(v: object) -> bool:
    return (isinstance(v, int) and not isinstance(v, bool)) or isinstance(v, str)


def _id(v: object, where: str) -> Id:
    if not _is_id(v):
        raise ValidationError(f"{where}: an id must be an integer or a string, got {v!r}")
    return v  # type: ignore[return-value]


def _count(v: object, where: str) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise ValidationError(f"{where}: expected a whole number >= 0, got {v!r}")
    if v < 0:
        raise ValidationError(f"{where}: must be >= 0, got {v}")
    return v


def _list(v: object, where: str) -> list:
    if not isinstance(v, list):
        raise ValidationError(f"{where}: expected a list, got {type(v).__name__}")
    return v


def _slot_list(v: object, where: str, known: set) -> tuple[Id, ...]:
    out = []
    seen: set = set()
    for k, s in enumerate(_list(v, where)):
        s = _id(s, f"{where}[{k}]")
        if s not in known:
            raise ValidationError(f"{where}[{k}]: unknown slot {s!r}")
        if s in seen:
            raise ValidationError(f"{where}[{k}]: slot {s!r} listed twice")
        seen.add(s)
        out.append(s)
    return tuple(out)


def parse_instance(data: object) -> Instance:
    """Checks and converts the JSON instance; raises :class:`ValidationError`."""
    top = check_keys(
        data,
        "instance",
        {"slots", "youth", "employers", "pairs"},
        {"slots", "youth", "employers", "pairs", "time_limit_s", "fixed"},
        ValidationError,
    )
    slots = []
    for k, s in enumerate(_list(top["slots"], "slots")):
        s = _id(s, f"slots[{k}]")
        if s in slots:
            raise ValidationError(f"slots[{k}]: duplicate slot id {s!r}")
        slots.append(s)
    known = set(slots)

    youth: list[Youth] = []
    youth_ids: set = set()
    for k, raw in enumerate(_list(top["youth"], "youth")):
        w = f"youth[{k}]"
        keys = {"id", "slots", "max_interviews"}
        y = check_keys(raw, w, keys, keys, ValidationError)
        yid = _id(y["id"], f"{w}.id")
        if yid in youth_ids:
            raise ValidationError(f"{w}: duplicate youth id {yid!r}")
        youth_ids.add(yid)
        youth.append(
            Youth(
                yid,
                _slot_list(y["slots"], f"{w}.slots", known),
                _count(y["max_interviews"], f"{w}.max_interviews"),
            )
        )

    employers: list[Employer] = []
    employer_ids: set = set()
    for k, raw in enumerate(_list(top["employers"], "employers")):
        w = f"employers[{k}]"
        keys = {"id", "tables", "slots", "max_interviews"}
        e = check_keys(raw, w, keys, keys, ValidationError)
        eid = _id(e["id"], f"{w}.id")
        if eid in employer_ids:
            raise ValidationError(f"{w}: duplicate employer id {eid!r}")
        employer_ids.add(eid)
        employers.append(
            Employer(
                eid,
                _count(e["tables"], f"{w}.tables"),
                _slot_list(e["slots"], f"{w}.slots", known),
                _count(e["max_interviews"], f"{w}.max_interviews"),
            )
        )

    pairs: list[Pair] = []
    pair_keys: set = set()
    for k, raw in enumerate(_list(top["pairs"], "pairs")):
        w = f"pairs[{k}]"
        keys = {"youth", "employer", "value"}
        p = check_keys(raw, w, keys, keys, ValidationError)
        yid, eid = _id(p["youth"], f"{w}.youth"), _id(p["employer"], f"{w}.employer")
        if yid not in youth_ids:
            raise ValidationError(f"{w}: unknown youth {yid!r}")
        if eid not in employer_ids:
            raise ValidationError(f"{w}: unknown employer {eid!r}")
        if (yid, eid) in pair_keys:
            raise ValidationError(f"{w}: pair ({yid!r}, {eid!r}) listed twice")
        pair_keys.add((yid, eid))
        v = p["value"]
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise ValidationError(f"{w}.value: expected a number, got {v!r}")
        if isinstance(v, float) and not math.isfinite(v):
            raise ValidationError(f"{w}.value: must be finite, got {v!r}")
        if abs(v) > MAX_ABS_VALUE:
            raise ValidationError(f"{w}.value: |value| must be <= {MAX_ABS_VALUE:g}, got {v!r}")
        pairs.append(Pair(yid, eid, v))

    limit = top.get("time_limit_s", DEFAULT_TIME_LIMIT_S)
    if isinstance(limit, bool) or not isinstance(limit, int | float):
        raise ValidationError(f"time_limit_s: expected a number of seconds, got {limit!r}")
    if not 0 < limit <= 1e7:
        raise ValidationError(f"time_limit_s: must be > 0 and at most 1e7 s, got {limit!r}")

    fixed: list[Interview] = []
    for k, raw in enumerate(_list(top.get("fixed", []), "fixed")):
        w = f"fixed[{k}]"
        keys = {"youth", "employer", "slot"}
        f = check_keys(raw, w, keys, keys, ValidationError)
        fixed.append(
            Interview(_id(f["youth"], f"{w}.youth"), _id(f["employer"], f"{w}.employer"),
                      _id(f["slot"], f"{w}.slot"))
        )  # fmt: skip
    inst = Instance(
        tuple(slots), tuple(youth), tuple(employers), tuple(pairs), float(limit), tuple(fixed)
    )
    problems = check_schedule(inst, inst.fixed)
    if problems:
        raise ValidationError(f"fixed interviews: {problems[0]}")
    return inst


def check_schedule(inst: Instance, interviews: Iterable[Interview]) -> list[str]:
    """Every rule an interview list breaks, in words (empty: the list respects every rule)."""
    out: list[str] = []
    youth = {y.id: y for y in inst.youth}
    emp = {e.id: e for e in inst.employers}
    pairs = {(p.youth, p.employer) for p in inst.pairs}
    slots = set(inst.slots)
    seen_pair: set = set()
    y_slot: set = set()
    e_slot: dict = {}
    y_n: dict = {}
    e_n: dict = {}
    for iv in interviews:
        y, e, s = iv.youth, iv.employer, iv.slot
        if y not in youth or e not in emp or s not in slots:
            out.append(f"{iv.to_dict()}: unknown youth, employer or slot")
            continue
        if (y, e) not in pairs:
            out.append(f"youth {y!r} and employer {e!r} are not a listed pair")
        if (y, e) in seen_pair:
            out.append(f"youth {y!r} meets employer {e!r} twice")
        seen_pair.add((y, e))
        if s not in youth[y].slots:
            out.append(f"youth {y!r} is not available in slot {s!r}")
        if s not in emp[e].slots:
            out.append(f"employer {e!r} is not available in slot {s!r}")
        if (y, s) in y_slot:
            out.append(f"youth {y!r} has two interviews in slot {s!r}")
        y_slot.add((y, s))
        e_slot[e, s] = e_slot.get((e, s), 0) + 1
        if e_slot[e, s] == emp[e].tables + 1:
            out.append(f"employer {e!r} has more than {emp[e].tables} interviews in slot {s!r}")
        y_n[y] = y_n.get(y, 0) + 1
        if y_n[y] == youth[y].max_interviews + 1:
            out.append(f"youth {y!r} has more than {youth[y].max_interviews} interviews")
        e_n[e] = e_n.get(e, 0) + 1
        if e_n[e] == emp[e].max_interviews + 1:
            out.append(f"employer {e!r} has more than {emp[e].max_interviews} interviews")
    return out


# ---------------------------------------------------------------------------------------------
# Solving


def _scale(values: Sequence[float]) -> int | float:
    """The power of ten making the values integers (up to 9 decimals), capped so that sums of
    scaled values stay below 2**53 and each below 1e12."""
    top = max((abs(v) for v in values), default=0.0)
    total = math.fsum(abs(v) for v in values)
    cap = min(2.0**53 / total if total else math.inf, 1e12 / top if top else math.inf)
    for d in range(10):
        k = 10**d
        if k > cap:
            break
        if all(abs(v * k - round(v * k)) <= 1e-9 * max(1.0, abs(v * k)) for v in values):
            return k
    k = 10 ** min(9, math.floor(math.log10(cap))) if math.isfinite(cap) else 10**9
    return k if k >= 1 else 10.0 ** math.floor(math.log10(cap))


class _Problem:
    """Integer-indexed residual problem (after the fixed interviews)."""

    def __init__(self, inst: Instance) -> None:
        self.inst = inst
        self.S = len(inst.slots)
        s_ix = {s: k for k, s in enumerate(inst.slots)}
        y_ix = {y.id: k for k, y in enumerate(inst.youth)}
        e_ix = {e.id: k for k, e in enumerate(inst.employers)}
        self.y_ix, self.e_ix, self.s_ix = y_ix, e_ix, s_ix
        self.k = _scale([p.value for p in inst.pairs])
        self.pair_y = [y_ix[p.youth] for p in inst.pairs]
        self.pair_e = [e_ix[p.employer] for p in inst.pairs]
        self.pair_v = [round(p.value * self.k) for p in inst.pairs]
        pair_ix = {(p.youth, p.employer): k for k, p in enumerate(inst.pairs)}
        # residual capacities
        self.y_free = [{s_ix[s] for s in y.slots} for y in inst.youth]
        self.y_left = [y.max_interviews for y in inst.youth]
        self.e_tables = [[0] * self.S for _ in inst.employers]
        for j, e in enumerate(inst.employers):
            for s in e.slots:
                self.e_tables[j][s_ix[s]] = e.tables
        self.e_left = [e.max_interviews for e in inst.employers]
        self.fixed_pairs: list[tuple[int, int]] = []  # (pair, slot)
        used_pairs = set()
        for iv in inst.fixed:
            p, s = pair_ix[iv.youth, iv.employer], s_ix[iv.slot]
            y, j = y_ix[iv.youth], e_ix[iv.employer]
            self.fixed_pairs.append((p, s))
            used_pairs.add(p)
            self.y_free[y].discard(s)
            self.y_left[y] -= 1
            self.e_tables[j][s] -= 1
            self.e_left[j] -= 1
        self.fixed_youth = {y_ix[iv.youth] for iv in inst.fixed}
        # candidate (pair, slots) after the fixed interviews
        self.cand: list[list[int]] = [[] for _ in inst.pairs]
        for p in range(len(inst.pairs)):
            y, j = self.pair_y[p], self.pair_e[p]
            if p in used_pairs or self.y_left[y] <= 0 or self.e_left[j] <= 0:
                continue
            tj = self.e_tables[j]
            self.cand[p] = sorted(s for s in self.y_free[y] if tj[s] > 0)
        self.live = [p for p in range(len(inst.pairs)) if self.cand[p]]

    # -- exact count of youth served --------------------------------------------------------

    def cover_flow(
        self,
        youth: Iterable[int],
        e_tables: list[list[int]],
        e_left: list[int],
        prefer: set[int] | None = None,
    ) -> list[tuple[int, int]]:
        """Max flow giving one interview to as many of ``youth`` as possible within the given
        employer capacities: the (pair, slot) of each served youth. With ``prefer`` (pairs), a
        max flow of min cost: preferred pairs first, then by value."""
        youth = set(youth)
        Y, E, S = len(self.inst.youth), len(self.inst.employers), self.S
        src, snk = 0, 1
        y_node = lambda y: 2 + y  # noqa: E731
        e_node = lambda j: 2 + Y + j  # noqa: E731
        es_node = lambda j, s: 2 + Y + E + j * S + s  # noqa: E731
        tails: list[int] = []
        heads: list[int] = []
        meta: list[tuple[int, int]] = []  # (pair, slot) of each youth arc
        ys, es = set(), set()
        for p in self.live:
            y, j = self.pair_y[p], self.pair_e[p]
            if y not in youth or e_left[j] <= 0:
                continue
            tj = e_tables[j]
            for s in self.cand[p]:
                if tj[s] > 0:
                    tails.append(y_node(y))
                    heads.append(es_node(j, s))
                    meta.append((p, s))
                    ys.add(y)
                    es.add((j, s))
        if not meta:
            return []
        n_youth_arcs = len(meta)
        for y in ys:
            tails.append(src)
            heads.append(y_node(y))
        caps = [1] * len(tails)
        for j, s in es:
            tails.append(es_node(j, s))
            heads.append(e_node(j))
            caps.append(e_tables[j][s])
        for j in {j for j, _ in es}:
            tails.append(e_node(j))
            heads.append(snk)
            caps.append(e_left[j])
        t_arr = np.asarray(tails, dtype=np.int32)
        h_arr = np.asarray(heads, dtype=np.int32)
        c_arr = np.asarray(caps, dtype=np.int64)
        if prefer is None:
            g = max_flow.SimpleMaxFlow()
            arcs = g.add_arcs_with_capacity(t_arr, h_arr, c_arr)
            if g.solve(src, snk) != g.OPTIMAL:  # pragma: no cover - capacities are finite
                raise RuntimeError("max flow failed")
            flows = g.flows(arcs[:n_youth_arcs])
        else:
            top = max((abs(self.pair_v[p]) for p, _ in meta), default=0)
            cost = np.zeros(len(tails), dtype=np.int64)
            cost[:n_youth_arcs] = [
                -self.pair_v[p] - (2 * top + 1 if p in prefer else 0) for p, _ in meta
            ]
            mc = min_cost_flow.SimpleMinCostFlow()
            arcs = mc.add_arcs_with_capacity_and_unit_cost(t_arr, h_arr, c_arr, cost)
            mc.set_node_supply(src, len(ys))
            mc.set_node_supply(snk, -len(ys))
            if mc.solve_max_flow_with_min_cost() != mc.OPTIMAL:  # pragma: no cover
                raise RuntimeError("min-cost max flow failed")
            flows = mc.flows(arcs[:n_youth_arcs])
        return [meta[k] for k in np.flatnonzero(flows > 0)]

    # -- value bound (aggregate min-cost flow) --------------------------------------------------

    def value_flow(self, first: int) -> tuple[int, list[int]]:
        """Min-cost flow on aggregate capacities where exactly ``first`` youth not served by a
        fixed interview take a first-interview arc: (the most scaled value, the pairs used)."""
        Y, E = len(self.inst.youth), len(self.inst.employers)
        F, SRC, SNK = 0, 1, 2
        y_node = lambda y: 3 + y  # noqa: E731
        e_node = lambda j: 3 + Y + j  # noqa: E731
        g = min_cost_flow.SimpleMinCostFlow()
        y_cap = [0] * Y
        for y in range(Y):
            y_cap[y] = max(0, min(self.y_left[y], len(self.y_free[y])))
        e_cap = [0] * E
        for j in range(E):
            e_cap[j] = max(0, min(self.e_left[j], sum(max(0, t) for t in self.e_tables[j])))
        has_pair = [False] * Y
        pair_arcs = []
        for p in self.live:
            y, j = self.pair_y[p], self.pair_e[p]
            if y_cap[y] and e_cap[j]:
                a = g.add_arc_with_capacity_and_unit_cost(y_node(y), e_node(j), 1, -self.pair_v[p])
                pair_arcs.append((a, p))
                has_pair[y] = True
        other = 0
        for y in range(Y):
            if not has_pair[y]:
                continue
            if y in self.fixed_youth:
                g.add_arc_with_capacity_and_unit_cost(SRC, y_node(y), y_cap[y], 0)
                other += y_cap[y]
            else:
                g.add_arc_with_capacity_and_unit_cost(F, y_node(y), 1, 0)
                if y_cap[y] > 1:
                    g.add_arc_with_capacity_and_unit_cost(SRC, y_node(y), y_cap[y] - 1, 0)
                    other += y_cap[y] - 1
        for j in range(E):
            if e_cap[j]:
                g.add_arc_with_capacity_and_unit_cost(e_node(j), SNK, e_cap[j], 0)
        g.add_arc_with_capacity_and_unit_cost(SRC, SNK, other, 0)
        g.set_node_supply(F, first)
        g.set_node_supply(SRC, other)
        g.set_node_supply(SNK, -(first + other))
        for node in range(3, 3 + Y + E):
            g.set_node_supply(node, 0)
        status = g.solve()
        if status != g.OPTIMAL:  # pragma: no cover - first <= the true max keeps it feasible
            raise RuntimeError(f"min-cost flow failed ({status})")
        return -g.optimal_cost(), [p for a, p in pair_arcs if g.flow(a) > 0]


class _Schedule:
    """A growing schedule on the residual problem."""

    def __init__(self, pb: _Problem) -> None:
        self.pb = pb
        self.busy: list[dict[int, int]] = [{} for _ in pb.inst.youth]  # slot -> pair
        self.at_es: dict[tuple[int, int], set[int]] = {}  # (employer, slot) -> pairs
        self.y_left = list(pb.y_left)
        self.e_left = list(pb.e_left)
        self.tables = [list(t) for t in pb.e_tables]
        self.placed: dict[int, int] = {}  # pair -> slot

    def can(self, p: int, s: int) -> bool:
        y, j = self.pb.pair_y[p], self.pb.pair_e[p]
        return (
            p not in self.placed
            and self.y_left[y] > 0
            and self.e_left[j] > 0
            and self.tables[j][s] > 0
            and s not in self.busy[y]
        )

    def put(self, p: int, s: int) -> None:
        y, j = self.pb.pair_y[p], self.pb.pair_e[p]
        self.placed[p] = s
        self.busy[y][s] = p
        self.at_es.setdefault((j, s), set()).add(p)
        self.y_left[y] -= 1
        self.e_left[j] -= 1
        self.tables[j][s] -= 1

    def take(self, p: int) -> int:
        y, j = self.pb.pair_y[p], self.pb.pair_e[p]
        s = self.placed.pop(p)
        del self.busy[y][s]
        self.at_es[j, s].discard(p)
        self.y_left[y] += 1
        self.e_left[j] += 1
        self.tables[j][s] += 1
        return s

    def _best_slot(self, p: int) -> int | None:
        j = self.pb.pair_e[p]
        best = None
        for s in self.pb.cand[p]:
            if self.can(p, s) and (best is None or self.tables[j][s] > self.tables[j][best]):
                best = s
        return best

    def try_add(self, p: int, repair: bool = True) -> bool:
        """Places ``p`` in a free slot, or else moves one or two interviews blocking one of its
        slots (the youth's own interview there, one of the employer's) to other slots."""
        best = self._best_slot(p)
        if best is not None:
            self.put(p, best)
            return True
        y, j = self.pb.pair_y[p], self.pb.pair_e[p]
        if not repair or self.y_left[y] <= 0 or self.e_left[j] <= 0 or p in self.placed:
            return False
        for s in self.pb.cand[p]:
            movers = []
            if s in self.busy[y]:
                movers.append([self.busy[y][s]])
            if self.tables[j][s] <= 0:
                movers.append(
                    [q for q in self.at_es.get((j, s), ()) if q not in movers[0]]
                    if movers
                    else list(self.at_es.get((j, s), ()))
                )
            if any(not m for m in movers):
                continue
            moved: list[tuple[int, int]] = []  # (pair, old slot)
            ok = True
            for group in movers:
                done = False
                for q in group:
                    old = self.take(q)
                    self.busy[y][s] = -1  # keep s for p while q looks elsewhere
                    self.tables[j][s] -= 1
                    new = next((t for t in self.pb.cand[q] if t != old and self.can(q, t)), None)
                    del self.busy[y][s]
                    self.tables[j][s] += 1
                    if new is None:
                        self.put(q, old)
                        continue
                    self.put(q, new)
                    moved.append((q, old))
                    done = True
                    break
                if not done:
                    ok = False
                    break
            if ok and self.can(p, s):
                self.put(p, s)
                return True
            for q, old in reversed(moved):  # undo
                self.take(q)
                self.put(q, old)
        return False

    def served(self) -> set[int]:
        return {self.pb.pair_y[p] for p in self.placed} | self.pb.fixed_youth

    def value(self) -> int:
        return sum(self.pb.pair_v[p] for p in self.placed)


def _greedy(pb: _Problem, pairs: list[int], target: int) -> _Schedule | None:
    """Slots ``pairs`` greedily (fewest candidate slots first), then serves unserved youth by
    an augmenting max flow and fills with positive pairs by value. None if it serves fewer than
    ``target`` youth."""
    sch = _Schedule(pb)
    for p in sorted(pairs, key=lambda p: (len(pb.cand[p]), -pb.pair_v[p])):
        sch.try_add(p)
    return _complete(pb, sch, target)


def _complete(pb: _Problem, sch: _Schedule, target: int) -> _Schedule | None:
    """Serves unserved youth by an augmenting max flow, then adds positive pairs by value;
    None if fewer than ``target`` youth are served."""
    missing = target - len(sch.served())
    if missing > 0:
        served = sch.served()
        unserved = [y for y in range(len(pb.inst.youth)) if y not in served]
        extra = pb.cover_flow(unserved, sch.tables, sch.e_left)
        for p, s in extra:
            if sch.can(p, s):
                sch.put(p, s)
    if len(sch.served()) < target:
        return None
    for p in sorted(pb.live, key=lambda p: -pb.pair_v[p]):
        if pb.pair_v[p] <= 0:
            break
        if p not in sch.placed:
            sch.try_add(p)
    return sch


def _from_lp(pb: _Problem, target: int, lp_x: list[tuple[float, int, int]]) -> _Schedule | None:
    """Rounds the LP's solution: its (pair, slot) by decreasing x while they fit, youth left
    without an interview served by an augmenting max flow, then the positive pairs by value.
    None if it serves fewer than ``target`` youth."""
    sch = _Schedule(pb)
    for _x, p, s in sorted(lp_x, key=lambda t: (-t[0], -pb.pair_v[t[1]])):
        if sch.can(p, s):
            sch.put(p, s)
    return _complete(pb, sch, target)


def _cover_first(
    pb: _Problem, target: int, cover: list[tuple[int, int]], pairs: list[int]
) -> _Schedule:
    """The max-flow schedule (always serves ``target`` youth), then ``pairs`` (most constrained
    first) and the other positive pairs by value, each moving others when it must."""
    sch = _Schedule(pb)
    for p, s in cover:
        sch.put(p, s)
    assert len(sch.served()) >= target
    for p in sorted(pairs, key=lambda p: (len(pb.cand[p]), -pb.pair_v[p])):
        if p not in sch.placed and pb.pair_v[p] > 0:
            sch.try_add(p)
    for p in sorted(pb.live, key=lambda p: -pb.pair_v[p]):
        if pb.pair_v[p] <= 0:
            break
        if p not in sch.placed:
            sch.try_add(p)
    return sch


def _lp_bound(
    pb: _Problem, target: int, deadline: float
) -> tuple[int, list[tuple[float, int, int]]] | None:
    """A bound on the scaled value of any schedule serving ``target`` youth, from the LP
    relaxation of the pair-slot model (GLOP), and the LP's (x, pair, slot) with x > 0. The bound
    is the Lagrangian value of GLOP's duals (clipped to >= 0), so it holds whatever the LP's
    tolerances. None when out of time."""
    row_of: dict[tuple, int] = {}
    rhs: list[float] = []
    ent_var: list[int] = []  # the constraint matrix, one entry per (variable, row)
    ent_row: list[int] = []
    ent_coef: list[float] = []
    cost: list[float] = []
    x_meta: list[tuple[int, int]] = []

    def row(key: tuple, bound: float) -> int:
        r = row_of.get(key)
        if r is None:
            r = row_of[key] = len(rhs)
            rhs.append(bound)
        return r

    for p in pb.live:
        y, j = pb.pair_y[p], pb.pair_e[p]
        linked = y not in pb.fixed_youth
        for s in pb.cand[p]:
            v = len(cost)
            cost.append(float(pb.pair_v[p]))
            x_meta.append((p, s))
            rows = [
                row(("p", p), 1),
                row(("ys", y, s), 1),
                row(("es", j, s), pb.e_tables[j][s]),
                row(("y", y), pb.y_left[y]),
                row(("e", j), pb.e_left[j]),
            ]
            ent_var.extend([v] * 5)
            ent_row.extend(rows)
            ent_coef.extend([1.0] * 5)
            if linked:
                ent_var.append(v)
                ent_row.append(row(("link", y), 0))
                ent_coef.append(-1.0)
    if time.monotonic() > deadline:
        return None
    need = target - len(pb.fixed_youth)
    if need > 0:
        cover = row(("cover",), -need)
        for key, r in list(row_of.items()):
            if key[0] == "link":
                v = len(cost)
                cost.append(0.0)
                ent_var.extend([v, v])
                ent_row.extend([r, cover])
                ent_coef.extend([1.0, -1.0])
    n_vars, n_rows = len(cost), len(rhs)
    e_var = np.asarray(ent_var, dtype=np.int64)
    e_row = np.asarray(ent_row, dtype=np.int64)
    e_coef = np.asarray(ent_coef, dtype=np.float64)
    order = np.argsort(e_row, kind="stable")
    starts = np.searchsorted(e_row[order], np.arange(n_rows + 1))
    sorted_var, sorted_coef = e_var[order].tolist(), e_coef[order].tolist()
    proto = linear_solver_pb2.MPModelProto(maximize=True)
    for c in cost:
        proto.variable.add(lower_bound=0.0, upper_bound=1.0, objective_coefficient=c)
    for r in range(n_rows):
        a, b = int(starts[r]), int(starts[r + 1])
        proto.constraint.add(
            lower_bound=-math.inf,
            upper_bound=rhs[r],
            var_index=sorted_var[a:b],
            coefficient=sorted_coef[a:b],
        )
    lp = pywraplp.Solver.CreateSolver("GLOP")
    if lp is None or lp.LoadModelFromProto(proto):  # pragma: no cover - GLOP ships with OR-Tools
        return None
    left = deadline - time.monotonic()
    if left < 0.05:
        return None
    lp.SetTimeLimit(int(left * 1000))
    if lp.Solve() != pywraplp.Solver.OPTIMAL:
        return None
    answer = linear_solver_pb2.MPSolutionResponse()
    lp.FillSolutionResponseProto(answer)
    duals = np.asarray(answer.dual_value, dtype=np.float64)
    values = np.asarray(answer.variable_value, dtype=np.float64)
    costs = np.asarray(cost, dtype=np.float64)
    b_vec = np.asarray(rhs, dtype=np.float64)
    best = math.inf
    for sign in (1.0, -1.0):
        u = np.maximum(0.0, sign * duals)
        used = np.bincount(e_var, weights=e_coef * u[e_row], minlength=n_vars)
        total = math.fsum((b_vec * u).tolist()) + math.fsum(np.maximum(0.0, costs - used).tolist())
        best = min(best, total)
    primal = [(float(values[v]), p, s) for v, (p, s) in enumerate(x_meta) if values[v] > 1e-6]
    return math.floor(best + 1e-6 * (1.0 + abs(best))), primal


def _lns(
    pb: _Problem,
    sch: _Schedule,
    bound: int,
    deadline: float,
    workers: int,
    wanted: Sequence[int] = (),
    seed: int = 0,
) -> int:
    """Large neighbourhood search for residual problems too big for one CP-SAT model: frees
    every interview of a few employers (a random one and employers sharing its youth, up to
    :data:`LNS_VARS` candidates), re-solves them with CP-SAT (youth served among those touched
    may not drop; the youth's other interviews stay), keeps strict improvements. Improves
    ``sch`` in place until the deadline or the bound; returns the number of improvements.
    Neighbourhoods start, two times in three, at the employer of a ``wanted`` pair (the value
    flow's) the schedule lacks."""
    rng = random.Random(seed)
    E = len(pb.inst.employers)
    by_emp: list[list[int]] = [[] for _ in range(E)]
    for p in pb.live:
        by_emp[pb.pair_e[p]].append(p)
    emp_of_youth: dict[int, set[int]] = {}
    for p in pb.live:
        emp_of_youth.setdefault(pb.pair_y[p], set()).add(pb.pair_e[p])
    improvements = 0
    while sch.value() < bound and deadline - time.monotonic() > 0.3:
        missing = [p for p in wanted if p not in sch.placed]
        if missing and rng.random() < 2 / 3:
            start = pb.pair_e[rng.choice(missing)]
        else:
            start = rng.randrange(E)
        chosen, size, frontier = {start}, sum(len(pb.cand[p]) for p in by_emp[start]), [start]
        while frontier and size < LNS_VARS:
            j = frontier.pop(rng.randrange(len(frontier)))
            for p in by_emp[j]:
                for k in emp_of_youth[pb.pair_y[p]]:
                    if k not in chosen and size < LNS_VARS:
                        chosen.add(k)
                        frontier.append(k)
                        size += sum(len(pb.cand[q]) for q in by_emp[k])
        freed = [p for p in sch.placed if pb.pair_e[p] in chosen]
        old_value = sum(pb.pair_v[p] for p in freed)
        touched = {pb.pair_y[p] for j in chosen for p in by_emp[j]}
        old_slots = {p: sch.placed[p] for p in freed}
        for p in freed:
            sch.take(p)
        others = {y: len(sch.busy[y]) for y in touched}  # interviews kept outside
        must_serve = sum(
            1
            for y in touched
            if y not in pb.fixed_youth and not others[y] and y in {pb.pair_y[p] for p in freed}
        )
        m = cp_model.CpModel()
        x: dict[tuple[int, int], Any] = {}
        groups: dict[tuple, list] = {}
        for j in chosen:
            for p in by_emp[j]:
                y = pb.pair_y[p]
                if sch.y_left[y] <= 0:
                    continue
                for s_ in pb.cand[p]:
                    if s_ in sch.busy[y] or sch.tables[j][s_] <= 0:
                        continue
                    v = m.new_bool_var("")
                    x[p, s_] = v
                    for key in (("p", p), ("ys", y, s_), ("es", j, s_), ("y", y), ("e", j)):
                        groups.setdefault(key, []).append(v)
        for key, vs in groups.items():
            cap = {
                "p": lambda k: 1,
                "ys": lambda k: 1,
                "es": lambda k: sch.tables[k[1]][k[2]],
                "y": lambda k: sch.y_left[k[1]],
                "e": lambda k: sch.e_left[k[1]],
            }[key[0]](key)
            if len(vs) > cap:
                m.add(sum(vs) <= cap)
        served = []
        for y in touched:
            vs = groups.get(("y", y), [])
            if vs and y not in pb.fixed_youth and not others[y]:
                z = m.new_bool_var("")
                m.add_bool_or(vs).only_enforce_if(z)
                served.append(z)
        if must_serve:
            m.add(sum(served) >= must_serve)
        obj = sum(pb.pair_v[p] * v for (p, _s), v in x.items())
        m.add(obj >= old_value + 1)
        m.maximize(obj)
        for (p, s_), v in x.items():
            m.add_hint(v, old_slots.get(p) == s_)
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.05, min(2.0, deadline - time.monotonic()))
        solver.parameters.num_workers = max(1, workers)
        status = solver.solve(m)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            for (p, s_), v in x.items():
                if solver.boolean_value(v):
                    sch.put(p, s_)
            improvements += 1
        else:
            for p, s_ in old_slots.items():
                sch.put(p, s_)
    return improvements


def _cp_sat(
    pb: _Problem,
    target: int,
    hint: _Schedule,
    bound: int,
    deadline: float,
    workers: int,
    on_improve: Callable[[int], None],
) -> tuple[str, dict[int, int] | None, int]:
    """CP-SAT on the residual problem: (CP-SAT status name, placed pairs or None, bound)."""
    m = cp_model.CpModel()
    Y, E = len(pb.inst.youth), len(pb.inst.employers)
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    by_pair: dict[int, list] = {}
    by_ys: dict[tuple[int, int], list] = {}
    by_es: dict[tuple[int, int], list] = {}
    by_y: list[list] = [[] for _ in range(Y)]
    by_e: list[list] = [[] for _ in range(E)]
    for p in pb.live:
        y, j = pb.pair_y[p], pb.pair_e[p]
        for s in pb.cand[p]:
            v = m.new_bool_var(f"x{p}_{s}")
            x[p, s] = v
            by_pair.setdefault(p, []).append(v)
            by_ys.setdefault((y, s), []).append(v)
            by_es.setdefault((j, s), []).append(v)
            by_y[y].append(v)
            by_e[j].append(v)
    for vs in by_pair.values():
        if len(vs) > 1:
            m.add_at_most_one(vs)
    for vs in by_ys.values():
        if len(vs) > 1:
            m.add_at_most_one(vs)
    for (j, s), vs in by_es.items():
        if len(vs) > pb.e_tables[j][s]:
            m.add(sum(vs) <= pb.e_tables[j][s])
    for y in range(Y):
        if len(by_y[y]) > pb.y_left[y]:
            m.add(sum(by_y[y]) <= pb.y_left[y])
    for j in range(E):
        if len(by_e[j]) > pb.e_left[j]:
            m.add(sum(by_e[j]) <= pb.e_left[j])
    served = []
    for y in range(Y):
        if y in pb.fixed_youth or not by_y[y]:
            continue
        z = m.new_bool_var(f"z{y}")
        m.add_bool_or(by_y[y]).only_enforce_if(z)
        served.append(z)
    need = target - len(pb.fixed_youth)
    if need > 0:
        m.add(sum(served) >= need)
    obj = sum(pb.pair_v[p] * v for (p, _s), v in x.items())
    m.add(obj <= bound)
    m.maximize(obj)
    for (p, s), v in x.items():
        m.add_hint(v, hint.placed.get(p) == s)
    solver = cp_model.CpSolver()
    left = deadline - time.monotonic() - 0.05
    if left < 0.05:
        return "NOT_RUN", None, bound
    solver.parameters.max_time_in_seconds = left
    solver.parameters.num_workers = max(1, workers)

    class _Cb(cp_model.CpSolverSolutionCallback):
        def on_solution_callback(self) -> None:
            on_improve(int(round(self.objective_value)))

    status = solver.solve(m, _Cb())
    name = solver.status_name(status)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return name, None, bound
    placed = {p: s for (p, s), v in x.items() if solver.boolean_value(v)}
    best_bound = min(bound, math.floor(solver.best_objective_bound + 1e-6))
    return name, placed, best_bound


def solve(inst: Instance, *, workers: int = 2) -> Result:
    """Plans the interviews (see the module docstring); the time limit is ``inst.time_limit_s``."""
    t0 = time.monotonic()
    deadline = t0 + inst.time_limit_s
    pb = _Problem(inst)
    fixed_value = math.fsum(p.value for p in (inst.pairs[p] for p, _ in pb.fixed_pairs))
    fixed_scaled = sum(pb.pair_v[p] for p, _ in pb.fixed_pairs)
    stats: dict[str, Any] = {
        "pairs": len(inst.pairs),
        "candidate_pair_slots": sum(len(c) for c in pb.cand),
        "value_scale": pb.k,
    }
    unserved = [y for y in range(len(inst.youth)) if y not in pb.fixed_youth]
    cover = pb.cover_flow(unserved, pb.e_tables, pb.e_left)
    target = len(pb.fixed_youth) + len(cover)
    bound, flow_pairs = pb.value_flow(len(cover))
    stats["flow_bound_s"] = round(time.monotonic() - t0, 3)
    best = _greedy(pb, flow_pairs, target)
    if best is None or best.value() < bound:
        cover = pb.cover_flow(unserved, pb.e_tables, pb.e_left, prefer=set(flow_pairs))
        alt = _cover_first(pb, target, cover, flow_pairs)
        stats["cover_first_value"] = alt.value()
        if best is None or alt.value() > best.value():
            best = alt
    first_t = time.monotonic() - t0
    stats["first_value"] = (best.value() + fixed_scaled) / pb.k
    stats["flow_bound"] = (bound + fixed_scaled) / pb.k
    placed = dict(best.placed)
    value = best.value()
    method = "flow+greedy"
    final_t = first_t
    if value < bound and deadline - time.monotonic() > 0.1:
        lp = _lp_bound(pb, target, deadline)
        stats["lp_bound_s"] = round(time.monotonic() - t0, 3)
        if lp is not None:
            lp_bound, lp_x = lp
            stats["lp_bound"] = (lp_bound + fixed_scaled) / pb.k
            bound = min(bound, max(lp_bound, value))
            rounded = _from_lp(pb, target, lp_x)
            if rounded is not None:
                stats["lp_rounding_value"] = rounded.value()
                if rounded.value() > value:
                    best, placed, value = rounded, dict(rounded.placed), rounded.value()
                    method = "flow+greedy+lp"
                    final_t = time.monotonic() - t0
    big = stats["candidate_pair_slots"] > CP_SAT_MAX_VARS
    if value < bound and not big and deadline - time.monotonic() > 0.1:
        times: list[float] = []

        def on_improve(v: int) -> None:
            if v > value:
                times.append(time.monotonic() - t0)

        name, sol, cp_bound = _cp_sat(pb, target, best, bound, deadline, workers, on_improve)
        stats["cp_sat_status"] = name
        method = "flow+greedy+cp-sat"
        if sol is not None:
            sol_value = sum(pb.pair_v[p] for p in sol)
            sol_served = {pb.pair_y[p] for p in sol} | pb.fixed_youth
            if sol_value > value and len(sol_served) >= target:
                placed, value = sol, sol_value
                final_t = times[-1] if times else time.monotonic() - t0
            if name == "OPTIMAL":
                cp_bound = sol_value if len(sol_served) >= target else cp_bound
            bound = min(bound, max(cp_bound, value))
    elif value < bound and big and deadline - time.monotonic() > 0.3:
        n = _lns(pb, best, bound, deadline, workers, wanted=flow_pairs)
        stats["lns_improvements"] = n
        method += "+lns"
        if n:
            placed, value = dict(best.placed), best.value()
            final_t = time.monotonic() - t0
    status = "optimal" if value >= bound else "feasible"
    interviews = [
        Interview(inst.pairs[p].youth, inst.pairs[p].employer, inst.slots[s])
        for p, s in list(pb.fixed_pairs) + sorted(placed.items())
    ]
    interviews.sort(key=lambda iv: (pb.s_ix[iv.slot], pb.e_ix[iv.employer], pb.y_ix[iv.youth]))
    served = len({iv.youth for iv in interviews})
    all_int = all(isinstance(p.value, int) for p in inst.pairs)
    total: float = fixed_value + math.fsum(inst.pairs[p].value for p in placed)
    if all_int:
        total = int(total)
    return Result(
        status=status,
        interviews=interviews,
        youth_with_interview=served,
        value=total,
        youth_bound=target,
        value_bound=(bound + fixed_scaled) / pb.k,
        time_to_first_s=round(first_t, 3),
        time_to_final_s=round(final_t, 3),
        method=method,
        stats=stats,
    )


def replan(
    inst: Instance,
    schedule: Iterable[Interview],
    *,
    from_slot: Id,
    employers_leaving: Mapping[Id, Id] | None = None,
    youth_absent: Iterable[Id] = (),
    time_limit_s: float | None = None,
) -> Result:
    """Re-plans a fair in progress. Interviews of ``schedule`` in slots before ``from_slot`` (in
    the order of ``inst.slots``) are held and kept (``fixed``), except those of youth in
    ``youth_absent``, who did not come and get no interview; an employer in
    ``employers_leaving`` (employer id -> the first slot it is gone) loses its slots from then on;
    nobody gets a new interview in a slot before ``from_slot``."""
    order = {s: k for k, s in enumerate(inst.slots)}
    if from_slot not in order:
        raise ValidationError(f"from_slot: unknown slot {from_slot!r}")
    now = order[from_slot]
    leaving = dict(employers_leaving or {})
    absent = set(youth_absent)
    for e, s in leaving.items():
        if s not in order:
            raise ValidationError(f"employers_leaving[{e!r}]: unknown slot {s!r}")
    held = tuple(iv for iv in schedule if order[iv.slot] < now and iv.youth not in absent)
    held_y = {(iv.youth, iv.slot) for iv in held}
    held_e = {(iv.employer, iv.slot) for iv in held}
    youth = tuple(
        replace(
            y,
            slots=()
            if y.id in absent
            else tuple(s for s in y.slots if order[s] >= now or (y.id, s) in held_y),
        )
        for y in inst.youth
    )
    employers = []
    for e in inst.employers:
        end = order[leaving[e.id]] if e.id in leaving else len(order)
        employers.append(
            replace(
                e,
                slots=tuple(s for s in e.slots if (now <= order[s] < end) or (e.id, s) in held_e),
            )
        )
    new = replace(
        inst,
        youth=youth,
        employers=tuple(employers),
        fixed=held,
        time_limit_s=inst.time_limit_s if time_limit_s is None else time_limit_s,
    )
    problems = check_schedule(new, held)
    if problems:
        raise ValidationError(f"held interviews: {problems[0]}")
    return solve(new)


# ---------------------------------------------------------------------------------------------
# Command line


def _no_constant(name: str) -> float:
    raise ValidationError(f"{name} is not a number (JSON has no NaN or Infinity)")


def main(argv: Sequence[str] | None = None) -> int:
    """CLI: ``python -m markaz.engine.jobfair INSTANCE.json`` -> RESULT JSON on stdout."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m markaz.engine.jobfair INSTANCE.json", file=sys.stderr)
        return 2
    try:
        with open(args[0], encoding="utf-8") as f:
            data = json.load(f, parse_constant=_no_constant)
        instance = parse_instance(data)
    except OSError as e:
        print(f"error: cannot read {args[0]}: {e.strerror or e}", file=sys.stderr)
        return 2
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as e:
        print(f"error: {args[0]} is not valid JSON: {e}", file=sys.stderr)
        return 2
    except ValidationError as e:
        print(f"error: invalid instance: {e}", file=sys.stderr)
        return 2
    result = solve(instance)
    text = json.dumps(result.to_dict(), ensure_ascii=False)
    sys.stdout.buffer.write(text.encode("utf-8") + b"\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
