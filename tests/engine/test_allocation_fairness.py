"""Fairness of the allocation, checked against the definitions by an independent referee.

The referee below (slot-by-slot choice function, proposal-by-proposal deferred acceptance,
lottery) is written from the spec only; it imports nothing of the engine but its public
dataclasses and ``allocate``.
"""

import itertools
import random

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from markaz.engine.allocation import (
    PRECEDENCES,
    Applicant,
    Cohort,
    Instance,
    Reserve,
    Result,
    allocate,
)

GROUPS = ("women", "rural")

# ------------------------------------------------------------------------------ the referee


def referee_lottery(instance: Instance) -> dict[str, int]:
    """Documented lottery: ids sorted by code point get default_rng(seed).permutation(n)."""
    ids = sorted(a.id for a in instance.applicants)
    perm = np.random.default_rng(instance.seed).permutation(len(ids))
    return {a: int(p) for a, p in zip(ids, perm, strict=True)}


def priority_key(instance: Instance):
    lottery = referee_lottery(instance)
    return lambda a: (-a.score, lottery[a.id])


def slots(cohort: Cohort) -> list[str]:
    """The cohort's slots, one entry per seat, in precedence order."""
    open_n = cohort.seats - sum(r.seats for r in cohort.reserves)
    reserved = [r.group for r in cohort.reserves for _ in range(r.seats)]
    if cohort.precedence == "open_first":
        return ["open"] * open_n + reserved
    return reserved + ["open"] * open_n


def choose(cohort: Cohort, candidates, key) -> dict[str, str]:
    """Ch_c: slot by slot, each takes its highest-priority remaining candidate.

    Returns chosen applicant id -> slot type."""
    remaining = sorted(candidates, key=key)
    chosen: dict[str, str] = {}
    for slot in slots(cohort):
        if not remaining:
            break
        pick = None
        if slot != "open":
            pick = next((a for a in remaining if slot in a.groups), None)
        if pick is None:
            pick = remaining[0]
        remaining.remove(pick)
        chosen[pick.id] = slot
    return chosen


def naive_da(instance: Instance, order_seed: int = 0) -> tuple[dict, dict]:
    """One proposal at a time, in a shuffled order (the outcome must not depend on it)."""
    key = priority_key(instance)
    cohorts = {c.id: c for c in instance.cohorts}
    held: dict[str, list[Applicant]] = {c: [] for c in cohorts}
    nxt = {a.id: 0 for a in instance.applicants}
    free = list(instance.applicants)
    random.Random(order_seed).shuffle(free)
    while free:
        a = free.pop()
        if nxt[a.id] >= len(a.preferences):
            continue
        c = a.preferences[nxt[a.id]]
        pool = [*held[c], a]
        chosen = choose(cohorts[c], pool, key)
        held[c] = [x for x in pool if x.id in chosen]
        for x in pool:
            if x.id not in chosen:
                nxt[x.id] += 1
                free.append(x)
    assignment: dict[str, str | None] = {a.id: None for a in instance.applicants}
    slot_of: dict[str, str] = {}
    for c, members in held.items():
        for x, s in choose(cohorts[c], members, key).items():
            assignment[x] = c
            slot_of[x] = s
    return assignment, slot_of


def prefers(a: Applicant, c: str, current: str | None) -> bool:
    """Does a strictly prefer cohort c to her current assignment?"""
    if c not in a.preferences:
        return False
    return current is None or a.preferences.index(c) < a.preferences.index(current)


def check_fair(instance: Instance, result: Result) -> None:
    """Every property of the spec that a single outcome must have."""
    key = priority_key(instance)
    apps = {a.id: a for a in instance.applicants}
    assignment, slot_of = result.assignment, result.slot_of
    assert set(assignment) == set(apps)
    holders = {
        c.id: [apps[a] for a, x in assignment.items() if x == c.id] for c in instance.cohorts
    }
    for c in instance.cohorts:
        held = holders[c.id]
        assert len(held) <= c.seats
        # The slot types recorded are those of the slot-by-slot rule on the final set.
        assert {a.id: slot_of[a.id] for a in held} == choose(c, held, key)
        for r in c.reserves:
            in_slots = [a for a in held if slot_of[a.id] == r.group]
            assert len(in_slots) <= r.seats
            members = [a for a in in_slots if r.group in a.groups]
            # Reserves honoured: a shortfall only when no member of g wanted c more.
            if len(members) < r.seats:
                assert not any(
                    r.group in a.groups and prefers(a, c.id, assignment[a.id])
                    for a in instance.applicants
                ), (c.id, r.group)
            fill = result.reserve_fill[c.id][r.group]
            assert fill == {
                "reserved": r.seats,
                "members": len(members),
                "others": len(in_slots) - len(members),
            }
        # No wasted seat.
        if len(held) < c.seats:
            assert not any(prefers(a, c.id, assignment[a.id]) for a in instance.applicants)
        # Cutoffs: lowest score per slot type.
        for kind, cut in result.cutoffs[c.id].items():
            scores = [a.score for a in held if slot_of[a.id] == kind]
            assert cut == (min(scores) if scores else None)
    for a in instance.applicants:
        got = assignment[a.id]
        assert got is None or got in a.preferences  # individual rationality
        assert (got is None) == (a.id not in slot_of)
        for c in a.preferences:
            if not prefers(a, c, got):
                break
            # No blocking pair: c would not choose a over what it holds.
            cohort = next(x for x in instance.cohorts if x.id == c)
            assert a.id not in choose(cohort, [*holders[c], a], key), (a.id, c)
            # The explanation's claim: every cutoff open to her there is at least her score.
            for kind, cut in result.cutoffs[c].items():
                if kind == "open" or kind in a.groups:
                    assert cut is None or cut >= a.score
    # Waitlists: those who ranked c above their outcome, best priority first.
    for c in instance.cohorts:
        expected = sorted(
            (a for a in instance.applicants if prefers(a, c.id, assignment[a.id])), key=key
        )
        assert result.waitlists[c.id] == [a.id for a in expected]
    assert result.lottery == referee_lottery(instance)


# ------------------------------------------------------------------------------ instances


@st.composite
def instances(draw, max_applicants=12, max_cohorts=4, max_seats=4):
    m = draw(st.integers(1, max_cohorts))
    cohorts = []
    for j in range(m):
        seats = draw(st.integers(0, max_seats))
        left, reserves = seats, []
        for g in draw(st.permutations(GROUPS))[: draw(st.integers(0, 2))]:
            r = draw(st.integers(0, left))
            left -= r
            reserves.append(Reserve(g, r))
        cohorts.append(Cohort(f"c{j}", seats, tuple(reserves), draw(st.sampled_from(PRECEDENCES))))
    ids = [c.id for c in cohorts]
    applicants = []
    for i in range(draw(st.integers(0, max_applicants))):
        prefs = draw(st.permutations(ids))[: draw(st.integers(0, m))]
        applicants.append(
            Applicant(
                f"a{i}",
                draw(st.sampled_from([10.0, 12.5, 13, 14])),  # few values: many ties
                tuple(prefs),
                frozenset(draw(st.sets(st.sampled_from(GROUPS)))),
            )
        )
    return Instance(tuple(applicants), tuple(cohorts), draw(st.integers(0, 2**32)))


def shuffled(instance: Instance, seed: int) -> Instance:
    rng = random.Random(seed)
    applicants, cohorts = list(instance.applicants), list(instance.cohorts)
    rng.shuffle(applicants)
    rng.shuffle(cohorts)
    return Instance(tuple(applicants), tuple(cohorts), instance.seed)


# ------------------------------------------------------------------------------ properties


@settings(max_examples=300, deadline=None)
@given(instances(), st.integers(0, 1000))
def test_stable_no_waste_reserves_honoured_and_reproducible(instance: Instance, order: int) -> None:
    result = allocate(instance)
    check_fair(instance, result)
    again = allocate(shuffled(instance, order))
    assert again.assignment == result.assignment
    assert again.slot_of == result.slot_of
    assert again.lottery == result.lottery
    assert again.waitlists == result.waitlists
    assert again.to_dict() == result.to_dict()


@settings(max_examples=300, deadline=None)
@given(instances(), st.integers(0, 1000))
def test_same_matching_as_naive_deferred_acceptance(instance: Instance, order: int) -> None:
    result = allocate(instance)
    assignment, slot_of = naive_da(instance, order)
    assert result.assignment == assignment
    assert result.slot_of == slot_of


@settings(max_examples=200, deadline=None)
@given(instances(max_applicants=15, max_cohorts=1, max_seats=8))
def test_closed_form_choice_equals_slot_by_slot(instance: Instance) -> None:
    # One cohort that everybody ranks: the held set is Ch_c(everybody).
    c = instance.cohorts[0]
    everybody = tuple(Applicant(a.id, a.score, (c.id,), a.groups) for a in instance.applicants)
    instance = Instance(everybody, instance.cohorts, instance.seed)
    result = allocate(instance)
    assert result.slot_of == choose(c, everybody, priority_key(instance))


def true_utility(a: Applicant, got: str | None) -> int:
    if got is None:
        return -len(a.preferences)
    if got not in a.preferences:
        return -len(a.preferences) - 1  # unacceptable: worse than no seat
    return -a.preferences.index(got)


@settings(max_examples=80, deadline=None)
@given(instances(max_applicants=5, max_cohorts=3, max_seats=3))
def test_no_applicant_gains_by_misreporting(instance: Instance) -> None:
    truth = allocate(instance).assignment
    ids = [c.id for c in instance.cohorts]
    reports = [p for k in range(4) for p in itertools.permutations(ids, k)]
    for i, a in enumerate(instance.applicants):
        honest = true_utility(a, truth[a.id])
        for report in reports:
            lied = list(instance.applicants)
            lied[i] = Applicant(a.id, a.score, report, a.groups)
            got = allocate(Instance(tuple(lied), instance.cohorts, instance.seed)).assignment
            assert true_utility(a, got[a.id]) <= honest, (a.id, report)
