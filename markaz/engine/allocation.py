"""Seat allocation: applicant-proposing deferred acceptance (DA) with soft reserves.

Contract: :func:`allocate` returns the applicant-optimal stable matching of an
:class:`Instance` under the cohorts' slot-based choice rules, deterministically from the
instance and its ``seed`` (input order never matters). Details in
``docs/algorithms/allocation.md``.

- **Priority.** Applicants are ranked once, globally: higher ``score`` first; equal scores by
  a lottery number, lower first. Lottery numbers: sort the applicant ids by code point; the
  applicant at position ``i`` gets ``numpy.random.default_rng(seed).permutation(n)[i]``
  (so ``0 .. n-1``, a function of the seed and the set of ids only).
- **Slots.** A cohort's seats are slots filled one at a time in precedence order. An open slot
  takes the best remaining candidate; a slot reserved for group ``g`` takes the best remaining
  member of ``g``, or, when none is left, the best remaining candidate (reserves are soft).
  ``open_first`` (the default) fills ``seats - sum(reserves)`` open slots, then each reserve in
  the listed order; ``reserved_first`` fills the reserves in the listed order, then the open
  slots. This choice rule is substitutable and size-monotone, so DA is stable, wastes no seat
  and is strategy-proof for applicants.
- **Validation.** A malformed instance raises :class:`ValidationError` (a ``ValueError``) with
  a message naming the applicant, cohort or key at fault. Cohorts and reserves check
  themselves when built; applicants are checked in bulk by :func:`allocate` and
  :func:`parse_instance` (a per-object check would cost seconds at a million applicants).
- **Result.** :class:`Result` keeps the outcome as arrays; its dict views (``assignment``,
  ``slot_of``, ``cutoffs``, ``reserve_fill``, ``waitlists``, ``lottery``, ``explanations``) are
  built on first access. Use :meth:`Result.explain` for one applicant's reasons (French and
  Arabic) and :meth:`Result.waitlist` for one cohort's refill order.

Command line: ``python -m markaz.engine.allocation INSTANCE.json`` prints the result JSON
(:meth:`Result.to_dict`) on stdout; a malformed instance exits with status 2 and one line on
stderr, nothing on stdout.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import chain
from typing import Any

import numpy as np

from markaz.engine._input import check_keys

__all__ = [
    "OPEN",
    "PRECEDENCES",
    "Applicant",
    "ApplicantArrays",
    "Cohort",
    "Instance",
    "Reserve",
    "Result",
    "ValidationError",
    "allocate",
    "allocate_arrays",
    "lottery_numbers",
    "main",
    "parse_instance",
]

OPEN = "open"
PRECEDENCES = ("open_first", "reserved_first")

Labels = Mapping[str, Mapping[str, str]]


class ValidationError(ValueError):
    """A malformed instance; the message says what is wrong and where."""


def _is_int(x: object) -> bool:
    return isinstance(x, int | np.integer) and not isinstance(x, bool | np.bool_)


def _is_number(x: object) -> bool:
    return isinstance(x, int | float | np.integer | np.floating) and not isinstance(
        x, bool | np.bool_
    )


@dataclass(frozen=True)
class Reserve:
    """``seats`` seats of a cohort reserved (softly) for members of ``group``.

    ``group`` is a non-empty string other than ``"open"``; ``seats`` a non-negative int.
    """

    group: str
    seats: int

    def __post_init__(self) -> None:
        if not isinstance(self.group, str) or not self.group:
            raise ValidationError(f"reserve group must be a non-empty string, got {self.group!r}")
        if self.group == OPEN:
            raise ValidationError(f"reserve group may not be named {OPEN!r}")
        if not _is_int(self.seats):
            raise ValidationError(f"reserve {self.group!r}: seats must be an integer")
        if self.seats < 0:
            raise ValidationError(f"reserve {self.group!r}: negative seats ({self.seats})")


@dataclass(frozen=True)
class Cohort:
    """A cohort with ``seats`` seats, of which ``reserves`` are reserved for groups.

    ``precedence`` is ``"open_first"`` or ``"reserved_first"``; reserves must name distinct
    groups and sum to at most ``seats``. Raises :class:`ValidationError` otherwise.
    """

    id: str
    seats: int
    reserves: tuple[Reserve, ...] = ()
    precedence: str = "open_first"

    def __post_init__(self) -> None:
        if not isinstance(self.id, str):
            raise ValidationError(f"cohort id must be a string, got {self.id!r}")
        if not _is_int(self.seats):
            raise ValidationError(f"cohort {self.id!r}: seats must be an integer")
        if self.seats < 0:
            raise ValidationError(f"cohort {self.id!r}: negative seats ({self.seats})")
        if not isinstance(self.reserves, tuple) or not all(
            isinstance(r, Reserve) for r in self.reserves
        ):
            raise ValidationError(f"cohort {self.id!r}: reserves must be a tuple of Reserve")
        groups = [r.group for r in self.reserves]
        if len(set(groups)) != len(groups):
            raise ValidationError(f"cohort {self.id!r}: the same group is reserved twice")
        reserved = sum(r.seats for r in self.reserves)
        if reserved > self.seats:
            raise ValidationError(
                f"cohort {self.id!r}: reserves sum to {reserved}, above its {self.seats} seats"
            )
        if self.precedence not in PRECEDENCES:
            raise ValidationError(
                f"cohort {self.id!r}: unknown precedence {self.precedence!r} "
                f"(expected one of {', '.join(PRECEDENCES)})"
            )

    @property
    def open_seats(self) -> int:
        """The seats not reserved for any group."""
        return self.seats - sum(r.seats for r in self.reserves)

    def slot_blocks(self) -> tuple[tuple[str, int], ...]:
        """The slots in precedence order as ``(slot type, count)`` runs; ``"open"`` always appears."""
        reserved = tuple((r.group, r.seats) for r in self.reserves)
        if self.precedence == "open_first":
            return ((OPEN, self.open_seats), *reserved)
        return (*reserved, (OPEN, self.open_seats))


@dataclass(frozen=True)
class Applicant:
    """An applicant: ``score`` (higher is better), cohorts in preference order, groups.

    Checked in bulk by :func:`allocate` / :func:`parse_instance`: ``id`` a string, ``score`` a
    finite number, ``preferences`` distinct known cohort ids (any length, possibly empty).
    """

    id: str
    score: float
    preferences: tuple[str, ...]
    groups: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Instance:
    """Applicants, cohorts and the lottery seed (a non-negative int, recorded in the result)."""

    applicants: tuple[Applicant, ...]
    cohorts: tuple[Cohort, ...]
    seed: int = 0


@dataclass(frozen=True, eq=False)
class ApplicantArrays:
    """The applicants in column form (what :func:`allocate_arrays` runs on).

    - ``ids``: ``n`` distinct strings; ``scores``: float64 ``(n,)``, finite.
    - ``pref_ptr``: int64 ``(n + 1,)``, ``pref_ptr[0] == 0``, non-decreasing; applicant ``i``'s
      preferences are ``pref_cohort[pref_ptr[i]:pref_ptr[i + 1]]``, positions in the cohorts
      sequence given to :func:`allocate_arrays` (int32, distinct per applicant).
    - ``groups``: group names; ``group_mask``: uint64 ``(n, W)`` with bit ``k % 64`` of word
      ``k // 64`` set when the applicant belongs to ``groups[k]``.
    """

    ids: Sequence[str]
    scores: np.ndarray
    pref_ptr: np.ndarray
    pref_cohort: np.ndarray
    groups: tuple[str, ...] = ()
    group_mask: np.ndarray | None = None

    @classmethod
    def from_applicants(
        cls, applicants: Sequence[Applicant], cohort_ids: Sequence[str]
    ) -> ApplicantArrays:
        """Column form of ``applicants``; raises :class:`ValidationError` for bad fields."""
        n = len(applicants)
        ids = [a.id for a in applicants]
        if not set(map(type, ids)) <= {str}:
            bad = next(i for i in ids if not isinstance(i, str))
            raise ValidationError(f"applicant id must be a string, got {bad!r}")
        raw_scores = [a.score for a in applicants]
        bad_types = {t for t in map(type, raw_scores) if t not in (int, float)}
        if bad_types and not all(map(_is_number, raw_scores)):
            bad_a = next(a for a in applicants if not _is_number(a.score))
            raise ValidationError(
                f"applicant {bad_a.id!r}: score must be a number, got {bad_a.score!r}"
            )
        scores = np.fromiter(raw_scores, dtype=np.float64, count=n)
        prefs = [a.preferences for a in applicants]
        if not set(map(type, prefs)) <= {tuple, list}:
            bad_a = next(a for a in applicants if not isinstance(a.preferences, tuple | list))
            raise ValidationError(f"applicant {bad_a.id!r}: preferences must be a tuple of ids")
        lengths = np.fromiter(map(len, prefs), dtype=np.int64, count=n)
        pref_ptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(lengths, out=pref_ptr[1:])
        index = {c: i for i, c in enumerate(cohort_ids)}
        try:
            pref_cohort = np.fromiter(
                map(index.__getitem__, chain.from_iterable(prefs)),
                dtype=np.int32,
                count=int(pref_ptr[-1]),
            )
        except (KeyError, TypeError):
            for a in applicants:
                for c in a.preferences:
                    if not isinstance(c, str) or c not in index:
                        raise ValidationError(
                            f"applicant {a.id!r}: preferences name unknown cohort {c!r}"
                        ) from None
            raise
        # Group sets repeat a lot: map each distinct set once.
        codes: dict[frozenset[str], int] = {}

        def code(g: frozenset[str]) -> int:
            c = codes.get(g)
            if c is None:
                c = codes[g] = len(codes)
            return c

        set_code = np.fromiter(map(code, (a.groups for a in applicants)), np.int64, count=n)
        names: set[str] = set()
        for g in codes:
            if not isinstance(g, frozenset | set) or not all(isinstance(x, str) for x in g):
                raise ValidationError(f"applicant groups must be sets of strings, got {g!r}")
            names |= g
        groups = tuple(sorted(names))
        gindex = {g: k for k, g in enumerate(groups)}
        table = np.zeros((max(len(codes), 1), _words(len(groups))), dtype=np.uint64)
        for g, c in codes.items():
            for name in g:
                k = gindex[name]
                table[c, k >> 6] |= np.uint64(1) << np.uint64(k & 63)
        return cls(ids, scores, pref_ptr, pref_cohort, groups, table[set_code])


def _words(n_groups: int) -> int:
    return max(1, (n_groups + 63) // 64)


def lottery_numbers(ids: Sequence[str], seed: int) -> np.ndarray:
    """Lottery number per applicant (aligned with ``ids``): see the module docstring."""
    n = len(ids)
    by_id = np.fromiter(sorted(range(n), key=ids.__getitem__), dtype=np.int64, count=n)
    lottery = np.empty(n, dtype=np.int64)
    lottery[by_id] = np.random.default_rng(seed).permutation(n)
    return lottery


# ---------------------------------------------------------------------------------------------
# Deferred acceptance on arrays


def _segment_count(x: np.ndarray, starts: np.ndarray, lens: np.ndarray) -> np.ndarray:
    """Running count of true values of ``x`` within each segment (1 at the first true)."""
    cs = np.cumsum(x, dtype=np.int64)
    base = cs[starts] - x[starts]
    return cs - np.repeat(base, lens)


def _choose(
    cand: np.ndarray,
    seg_cohort: np.ndarray,
    starts: np.ndarray,
    lens: np.ndarray,
    mask: np.ndarray,
    block_group: np.ndarray,
    block_size: np.ndarray,
) -> np.ndarray:
    """The choice function of every segment's cohort over its candidates, vectorised.

    ``cand`` is sorted by (cohort, global rank) in segments. Returns, per candidate, the index
    of the slot block it takes, or -1 when rejected. Closed form of the slot-by-slot rule: an
    open block of ``k`` takes the ``k`` best remaining; a block reserved for ``g`` with ``r``
    slots takes the best ``min(r, m)`` of the ``m`` remaining members, then the best
    remaining candidates for the shortfall (by then no member remains).
    """
    n_cand = cand.shape[0]
    block = np.full(n_cand, -1, dtype=np.int16)
    remaining = np.ones(n_cand, dtype=bool)
    for j in range(block_size.shape[1]):
        size = block_size[seg_cohort, j]
        if not size.any():
            continue
        group = block_group[seg_cohort, j]
        eligible = remaining.copy()
        if (group >= 0).any():
            g = np.repeat(group, lens)
            res = np.flatnonzero(g >= 0)
            gi = g[res]
            bits = (mask[cand[res], gi >> 6] >> (gi & 63).astype(np.uint64)) & np.uint64(1)
            eligible[res] &= bits.astype(bool)
        count = _segment_count(eligible, starts, lens)
        size_rep = np.repeat(size, lens)
        take = eligible & (count <= size_rep)
        block[take] = j
        remaining &= ~take
        short = size - np.minimum(size, _segment_totals(eligible, starts, lens))
        if (short > 0).any():
            count = _segment_count(remaining, starts, lens)
            take = remaining & (count <= np.repeat(short, lens))
            block[take] = j
            remaining &= ~take
    return block


def _segment_totals(x: np.ndarray, starts: np.ndarray, lens: np.ndarray) -> np.ndarray:
    cs = np.concatenate(([0], np.cumsum(x, dtype=np.int64)))
    return cs[starts + lens] - cs[starts]


def _deferred_acceptance(
    rank: np.ndarray,
    pref_ptr: np.ndarray,
    pref_cohort: np.ndarray,
    mask: np.ndarray,
    block_group: np.ndarray,
    block_size: np.ndarray,
    progress: Callable[[float], None] | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Round-based applicant-proposing DA.

    Each round every free applicant proposes to her next choice; each cohort that received
    proposals re-runs its choice function over (held ∪ new) and rejects the rest. Held
    applicants live in a fixed-capacity buffer (``seats`` entries per cohort). Returns
    ``(assigned cohort or -1, slot block or -1, position in pref_cohort reached)``; the last
    is the assigned choice's position, or ``pref_ptr[i + 1]`` when unplaced.
    """
    n = rank.shape[0]
    n_cohorts = block_size.shape[0]
    capacity = block_size.sum(axis=1)
    cap_start = np.zeros(n_cohorts + 1, dtype=np.int64)
    np.cumsum(capacity, out=cap_start[1:])
    held_app = np.zeros(int(cap_start[-1]), dtype=np.int64)
    held_blk = np.zeros(int(cap_start[-1]), dtype=np.int16)
    held_n = np.zeros(n_cohorts, dtype=np.int64)
    pos = pref_ptr[:-1].copy()
    end = pref_ptr[1:]
    free = np.flatnonzero(pos < end)
    done = 0.0
    while free.size:
        proposed = pref_cohort[pos[free]].astype(np.int64)
        touched = np.flatnonzero(np.bincount(proposed, minlength=n_cohorts))
        held_lens = held_n[touched]
        total = int(held_lens.sum())
        if total:
            first = np.cumsum(held_lens) - held_lens
            gather = np.repeat(cap_start[touched] - first, held_lens) + np.arange(total)
            cand = np.concatenate((held_app[gather], free))
            cand_c = np.concatenate((np.repeat(touched, held_lens), proposed))
        else:
            cand, cand_c = free, proposed
        order = np.argsort(cand_c * n + rank[cand])
        cand = cand[order]
        cand_c = cand_c[order]
        starts = np.searchsorted(cand_c, touched)
        lens = np.diff(np.append(starts, cand.shape[0]))
        block = _choose(cand, touched, starts, lens, mask, block_group, block_size)
        chosen = block >= 0
        kept = _segment_totals(chosen, starts, lens)
        held_n[touched] = kept
        n_kept = int(kept.sum())
        dest = np.repeat(cap_start[touched] - (np.cumsum(kept) - kept), kept) + np.arange(n_kept)
        held_app[dest] = cand[chosen]
        held_blk[dest] = block[chosen]
        rejected = cand[~chosen]
        pos[rejected] += 1
        free = rejected[pos[rejected] < end[rejected]]
        if progress is not None and n:
            done = max(done, min(0.99, 1.0 - free.size / n))
            progress(done)
    assigned = np.full(n, -1, dtype=np.int64)
    slot_block = np.full(n, -1, dtype=np.int16)
    total = int(held_n.sum())
    first = np.cumsum(held_n) - held_n
    gather = np.repeat(cap_start[:-1] - first, held_n) + np.arange(total)
    placed = held_app[gather]
    assigned[placed] = np.repeat(np.arange(n_cohorts), held_n)
    slot_block[placed] = held_blk[gather]
    if progress is not None:
        progress(1.0)
    return assigned, slot_block, pos


# ---------------------------------------------------------------------------------------------
# Entry points


def allocate(
    instance: Instance,
    progress: Callable[[float], None] | None = None,
    *,
    labels: Labels | None = None,
) -> Result:
    """Run DA on ``instance``; see the module docstring for the rules.

    ``progress`` is called with a non-decreasing fraction in ``[0, 1]`` after each round and
    with ``1.0`` at the end. ``labels`` (cohort id -> ``{"fr": ..., "ar": ...}``) name the
    cohorts in explanations (the id otherwise). Raises :class:`ValidationError`.
    """
    cohorts = _check_cohorts(instance.cohorts)
    arrays = ApplicantArrays.from_applicants(instance.applicants, [c.id for c in cohorts])
    return allocate_arrays(arrays, cohorts, instance.seed, progress, labels=labels)


def allocate_arrays(
    arrays: ApplicantArrays,
    cohorts: Sequence[Cohort],
    seed: int = 0,
    progress: Callable[[float], None] | None = None,
    *,
    labels: Labels | None = None,
) -> Result:
    """:func:`allocate` on the column form (the fast path for large instances)."""
    cohorts = _check_cohorts(cohorts)
    if not _is_int(seed) or seed < 0:
        raise ValidationError(f"seed must be a non-negative integer, got {seed!r}")
    seed = int(seed)
    ids = arrays.ids if isinstance(arrays.ids, list | tuple) else list(arrays.ids)
    n = len(ids)
    scores = np.asarray(arrays.scores, dtype=np.float64)
    pref_ptr = np.asarray(arrays.pref_ptr, dtype=np.int64)
    pref_cohort = np.asarray(arrays.pref_cohort, dtype=np.int32)
    if scores.shape != (n,) or pref_ptr.shape != (n + 1,):
        raise ValidationError("scores must have one entry per applicant, pref_ptr one more")
    if len(set(ids)) != n:
        seen: set[str] = set()
        dup = next(i for i in ids if i in seen or seen.add(i))
        raise ValidationError(f"duplicate applicant id {dup!r}")
    if not np.isfinite(scores).all():
        bad = int(np.flatnonzero(~np.isfinite(scores))[0])
        raise ValidationError(f"applicant {ids[bad]!r}: score must be a finite number")
    lens = np.diff(pref_ptr)
    if n and (pref_ptr[0] != 0 or (lens < 0).any() or pref_ptr[-1] != pref_cohort.shape[0]):
        raise ValidationError("pref_ptr must be non-decreasing offsets into pref_cohort")
    if pref_cohort.size and (pref_cohort.min() < 0 or pref_cohort.max() >= len(cohorts)):
        raise ValidationError("pref_cohort holds a cohort position out of range")
    _check_distinct_preferences(ids, pref_ptr, pref_cohort, len(cohorts))

    groups = list(arrays.groups)
    known = set(groups)
    for c in cohorts:
        for r in c.reserves:
            if r.group not in known:
                known.add(r.group)
                groups.append(r.group)
    mask = arrays.group_mask
    if mask is None:
        mask = np.zeros((n, 1), dtype=np.uint64)
    mask = np.asarray(mask, dtype=np.uint64)
    if mask.ndim == 1:
        mask = mask[:, None]
    if mask.ndim != 2 or mask.shape[0] != n:
        raise ValidationError("group_mask must have one row per applicant")
    if mask.shape[1] < _words(len(groups)):
        pad = np.zeros((n, _words(len(groups)) - mask.shape[1]), dtype=np.uint64)
        mask = np.hstack((mask, pad))

    lottery = lottery_numbers(ids, seed)
    rank = np.empty(n, dtype=np.int64)
    rank[np.lexsort((lottery, -scores))] = np.arange(n)

    gindex = {g: k for k, g in enumerate(groups)}
    width = 1 + max((len(c.reserves) for c in cohorts), default=0)
    block_group = np.full((len(cohorts), width), -2, dtype=np.int64)
    block_size = np.zeros((len(cohorts), width), dtype=np.int64)
    for i, c in enumerate(cohorts):
        for j, (kind, count) in enumerate(c.slot_blocks()):
            block_group[i, j] = -1 if kind == OPEN else gindex[kind]
            block_size[i, j] = count

    assigned, slot_block, reached = _deferred_acceptance(
        rank, pref_ptr, pref_cohort, mask, block_group, block_size, progress
    )
    state = _State(
        ids=ids,
        cohorts=cohorts,
        groups=tuple(groups),
        scores=scores,
        lottery=lottery,
        rank=rank,
        pref_ptr=pref_ptr,
        pref_cohort=pref_cohort,
        mask=mask,
        block_group=block_group,
        block_size=block_size,
        assigned=assigned,
        slot_block=slot_block,
        reached=reached,
    )
    return Result(seed=seed, labels=dict(labels or {}), state=state)


def _check_cohorts(cohorts: Iterable[Cohort]) -> tuple[Cohort, ...]:
    cohorts = tuple(cohorts)
    seen: set[str] = set()
    for c in cohorts:
        if not isinstance(c, Cohort):
            raise ValidationError(f"cohorts must be Cohort objects, got {c!r}")
        if c.id in seen:
            raise ValidationError(f"duplicate cohort id {c.id!r}")
        seen.add(c.id)
    return cohorts


def _check_distinct_preferences(
    ids: Sequence[str], pref_ptr: np.ndarray, pref_cohort: np.ndarray, n_cohorts: int
) -> None:
    n = len(ids)
    lens = np.diff(pref_ptr)
    longest = int(lens.max()) if n else 0
    if longest < 2:
        return
    owner = np.repeat(np.arange(n, dtype=np.int64), lens)
    if longest <= 8:  # compare the columns of a padded table pairwise: no sort needed
        table = np.full((n, longest), -1, dtype=np.int64)
        table[owner, np.arange(owner.shape[0]) - pref_ptr[owner]] = pref_cohort
        dup = np.zeros(n, dtype=bool)
        for i in range(longest):
            for j in range(i + 1, longest):
                dup |= (table[:, i] == table[:, j]) & (table[:, j] >= 0)
        bad = np.flatnonzero(dup)
    else:
        key = np.sort(owner * n_cohorts + pref_cohort)
        bad = key[1:][key[1:] == key[:-1]] // max(n_cohorts, 1)
    if bad.size:
        raise ValidationError(
            f"applicant {ids[int(bad[0])]!r}: a cohort appears twice in preferences"
        )


# ---------------------------------------------------------------------------------------------
# Result


@dataclass(frozen=True, eq=False)
class _State:
    """The outcome in array form (internal). Row ``i`` is applicant ``ids[i]``."""

    ids: Sequence[str]
    cohorts: tuple[Cohort, ...]
    groups: tuple[str, ...]
    scores: np.ndarray
    lottery: np.ndarray
    rank: np.ndarray
    pref_ptr: np.ndarray
    pref_cohort: np.ndarray
    mask: np.ndarray
    block_group: np.ndarray
    block_size: np.ndarray
    assigned: np.ndarray
    slot_block: np.ndarray
    reached: np.ndarray

    def slot_name(self, cohort: int, block: int) -> str:
        g = int(self.block_group[cohort, block])
        return OPEN if g == -1 else self.groups[g]

    def member(self, applicants: np.ndarray, groups: np.ndarray) -> np.ndarray:
        words = self.mask[applicants, groups >> 6]
        return ((words >> (groups & 63).astype(np.uint64)) & np.uint64(1)).astype(bool)

    def groups_of(self, i: int) -> set[str]:
        return {g for k, g in enumerate(self.groups) if (int(self.mask[i, k >> 6]) >> (k & 63)) & 1}


@dataclass(frozen=True, eq=False)
class Result:
    """The allocation. Dict views are computed on first access, then cached.

    - ``assignment``: applicant id -> cohort id, or ``None`` when unplaced.
    - ``slot_of``: placed applicant id -> slot type held (``"open"`` or a reserve group).
    - ``cutoffs``: cohort id -> slot type (``"open"`` and each reserve group) -> lowest score
      admitted in that slot type, ``None`` when it holds nobody.
    - ``reserve_fill``: cohort id -> group -> ``{"reserved": r, "members": k, "others": m}``,
      counts of the group's members and of non-members (shortfall) in its reserved slots.
    - ``waitlists``: cohort id -> ids of the applicants who ranked it above their outcome, in
      the order an extra open seat would be offered (best rank first); see :meth:`waitlist`.
    - ``lottery``: applicant id -> lottery number (lower wins a tie); ``seed`` reproduces it.
    - ``explanations``: applicant id -> ``{"fr": ..., "ar": ...}`` (slow for a million
      applicants: prefer :meth:`explain`).
    """

    seed: int
    labels: dict[str, Mapping[str, str]] = field(repr=False)
    state: _State = field(repr=False)

    @cached_property
    def _index(self) -> dict[str, int]:
        return {a: i for i, a in enumerate(self.state.ids)}

    @cached_property
    def _cohort_index(self) -> dict[str, int]:
        return {c.id: i for i, c in enumerate(self.state.cohorts)}

    @cached_property
    def assignment(self) -> dict[str, str | None]:
        names = np.array([c.id for c in self.state.cohorts] + [None], dtype=object)
        return dict(zip(self.state.ids, names[self.state.assigned].tolist(), strict=True))

    @cached_property
    def slot_of(self) -> dict[str, str]:
        s = self.state
        placed = np.flatnonzero(s.assigned >= 0)
        g = s.block_group[s.assigned[placed], s.slot_block[placed]]
        names = np.array([*s.groups, OPEN], dtype=object)
        return dict(zip((s.ids[i] for i in placed), names[g].tolist(), strict=True))

    @cached_property
    def _cutoff_table(self) -> np.ndarray:
        """Lowest admitted score per (cohort, slot block); +inf when empty."""
        s = self.state
        table = np.full(s.block_size.shape, np.inf)
        placed = np.flatnonzero(s.assigned >= 0)
        np.minimum.at(table, (s.assigned[placed], s.slot_block[placed]), s.scores[placed])
        return table

    @cached_property
    def cutoffs(self) -> dict[str, dict[str, float | None]]:
        s, table = self.state, self._cutoff_table
        out: dict[str, dict[str, float | None]] = {}
        for i, c in enumerate(s.cohorts):
            row: dict[str, float | None] = {}
            for j, _ in enumerate(c.slot_blocks()):
                value = table[i, j]
                row[s.slot_name(i, j)] = None if math.isinf(value) else float(value)
            out[c.id] = {OPEN: row.pop(OPEN), **row}
        return out

    @cached_property
    def reserve_fill(self) -> dict[str, dict[str, dict[str, int]]]:
        s = self.state
        placed = np.flatnonzero(s.assigned >= 0)
        coh, blk = s.assigned[placed], s.slot_block[placed].astype(np.int64)
        g = s.block_group[coh, blk]
        reserved = g >= 0
        members = np.zeros(s.block_size.shape, dtype=np.int64)
        held = np.zeros(s.block_size.shape, dtype=np.int64)
        np.add.at(held, (coh[reserved], blk[reserved]), 1)
        is_member = s.member(placed[reserved], g[reserved])
        np.add.at(members, (coh[reserved][is_member], blk[reserved][is_member]), 1)
        out: dict[str, dict[str, dict[str, int]]] = {}
        for i, c in enumerate(s.cohorts):
            row = {}
            for j, (kind, count) in enumerate(c.slot_blocks()):
                if kind != OPEN:
                    m = int(members[i, j])
                    row[kind] = {"reserved": count, "members": m, "others": int(held[i, j]) - m}
            out[c.id] = row
        return out

    @cached_property
    def _waitlist_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """(applicant rows sorted by (cohort, rank), offsets per cohort)."""
        s = self.state
        n = len(s.ids)
        lens = np.diff(s.pref_ptr)
        owner = np.repeat(np.arange(n, dtype=np.int64), lens)
        above = np.arange(owner.shape[0]) < s.reached[owner]
        cohort, who = s.pref_cohort[above].astype(np.int64), owner[above]
        order = np.lexsort((s.rank[who], cohort))
        offsets = np.zeros(len(s.cohorts) + 1, dtype=np.int64)
        np.cumsum(np.bincount(cohort, minlength=len(s.cohorts)), out=offsets[1:])
        return who[order], offsets

    def waitlist(self, cohort_id: str, slot: str = OPEN) -> list[str]:
        """Who to offer a freed seat of ``cohort_id``, in order (those who ranked it above their
        outcome). ``slot="open"`` orders by score and lottery; a reserve group's name orders
        that group's members first (a freed reserved seat), then the others."""
        s = self.state
        i = self._cohort_index[cohort_id]
        who, offsets = self._waitlist_arrays
        rows = who[offsets[i] : offsets[i + 1]]
        if slot != OPEN:
            if slot not in s.groups:
                raise KeyError(slot)
            k = s.groups.index(slot)
            member = s.member(rows, np.full(rows.shape[0], k, dtype=np.int64))
            rows = np.concatenate((rows[member], rows[~member]))
        return [s.ids[r] for r in rows.tolist()]

    @cached_property
    def waitlists(self) -> dict[str, list[str]]:
        s = self.state
        who, offsets = self._waitlist_arrays
        names = who.tolist()
        ids = s.ids
        return {
            c.id: [ids[r] for r in names[offsets[i] : offsets[i + 1]]]
            for i, c in enumerate(s.cohorts)
        }

    @cached_property
    def lottery(self) -> dict[str, int]:
        return dict(zip(self.state.ids, self.state.lottery.tolist(), strict=True))

    @cached_property
    def explanations(self) -> dict[str, dict[str, str]]:
        return {a: self.explain(a) for a in self.state.ids}

    def explain(self, applicant_id: str, labels: Labels | None = None) -> dict[str, str]:
        """Why ``applicant_id`` got her outcome: ``{"fr": ..., "ar": ...}``.

        ``labels`` (cohort id -> ``{"fr", "ar"}``) override those given to :func:`allocate`.
        Raises ``KeyError`` for an unknown applicant.
        """
        return _explain(self, self._index[applicant_id], labels or self.labels)

    def to_dict(self, labels: Labels | None = None) -> dict[str, Any]:
        """The RESULT JSON: assignment, slots, cutoffs, reserve_fill, waitlists, explanations,
        seed, lottery."""
        labels = labels or self.labels
        return {
            "assignment": self.assignment,
            "slots": self.slot_of,
            "cutoffs": self.cutoffs,
            "reserve_fill": self.reserve_fill,
            "waitlists": self.waitlists,
            "explanations": {a: _explain(self, i, labels) for i, a in enumerate(self.state.ids)},
            "seed": self.seed,
            "lottery": self.lottery,
        }


# ---------------------------------------------------------------------------------------------
# Explanations (French and Arabic)

_AR_ORDINALS = ("الأول", "الثاني", "الثالث", "الرابع", "الخامس", "السادس", "السابع", "الثامن",
                "التاسع", "العاشر")  # fmt: skip
_TIE_FR = "à score égal, départagé·e par le tirage au sort"
_TIE_AR = "عند تساوي المعدل، تم الحسم بالقرعة"


def _fmt(x: float) -> str:
    if float(x).is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(float(x))


def _ord_fr(k: int) -> str:
    return "1er" if k == 1 else f"{k}e"


def _ord_ar(k: int) -> str:
    return _AR_ORDINALS[k - 1] if k <= len(_AR_ORDINALS) else f"رقم {k}"


def _join(parts: list[str], last: str, sep: str = ", ") -> str:
    return parts[0] if len(parts) == 1 else sep.join(parts[:-1]) + last + parts[-1]


def _slot_fr(kind: str) -> str:
    return "places ouvertes" if kind == OPEN else f"places réservées « {kind} »"


def _slot_ar(kind: str) -> str:
    return "المقاعد المفتوحة" if kind == OPEN else f"المقاعد المخصصة «{kind}»"


def _explain(result: Result, i: int, labels: Labels) -> dict[str, str]:
    s = result.state
    score = float(s.scores[i])
    mine = _fmt(score)
    prefs = s.pref_cohort[s.pref_ptr[i] : s.pref_ptr[i + 1]].tolist()
    if not prefs:
        return {
            "fr": "Aucun choix indiqué : sans cohorte demandée, aucune place ne pouvait vous "
            "être attribuée.",
            "ar": "لم تحدد أي اختيار: بدون فوج مطلوب، لا يمكن منحك أي مقعد.",
        }

    def name(c: int, lang: str) -> str:
        cid = s.cohorts[c].id
        return labels.get(cid, {}).get(lang, cid)

    my_groups = s.groups_of(i)
    table = result._cutoff_table

    def lost(c: int) -> tuple[list[tuple[str, float]], bool]:
        """The cutoffs of the slot types open to her at cohort c, and whether one is a tie."""
        cut = []
        for j, (kind, count) in enumerate(s.cohorts[c].slot_blocks()):
            if count and (kind == OPEN or kind in my_groups) and not math.isinf(table[c, j]):
                cut.append((kind, float(table[c, j])))
        return cut, any(v == score for _, v in cut)

    def none_fr(c: int) -> str:
        if s.cohorts[c].seats == 0:
            return "aucune place n'était offerte"
        return "toutes les places étaient réservées à des groupes dont vous ne faites pas partie"

    def none_ar(c: int) -> str:
        if s.cohorts[c].seats == 0:
            return "لم يكن هناك أي مقعد"
        return "كانت كل المقاعد مخصصة لفئات لا تنتمي إليها"

    c_final = int(s.assigned[i])
    if c_final >= 0:
        k = prefs.index(c_final) + 1
        kind = s.slot_name(c_final, int(s.slot_block[i]))
        where_fr = "sur une place ouverte" if kind == OPEN else f"sur une place réservée « {kind} »"
        where_ar = "في مقعد مفتوح" if kind == OPEN else f"في مقعد مخصص «{kind}»"
        if kind != OPEN and kind not in my_groups:
            # A reserved seat the group left empty goes to the next best: say so, rather than
            # tell a man he holds a seat "reserved for women".
            where_fr += ", qu'aucun membre de ce groupe n'a demandée"
            where_ar += " لم يطلبه أي فرد من هذه الفئة"
        fr = [f"Placé·e dans votre {_ord_fr(k)} choix ({name(c_final, 'fr')}), {where_fr}."]
        ar = [f"تم قبولك في اختيارك {_ord_ar(k)} ({name(c_final, 'ar')})، {where_ar}."]
        for rank_above, c in enumerate(prefs[: k - 1], start=1):
            cut, tie = lost(c)
            head_fr = f"Dans votre {_ord_fr(rank_above)} choix ({name(c, 'fr')}), "
            head_ar = f"في اختيارك {_ord_ar(rank_above)} ({name(c, 'ar')}) "
            if not cut:
                fr.append(f"{head_fr}{none_fr(c)}.")
                ar.append(f"{head_ar}{none_ar(c)}.")
                continue
            fr_parts = [f"{_fmt(v)} sur les {_slot_fr(kd)}" for kd, v in cut]
            ar_parts = [f"{_fmt(v)} في {_slot_ar(kd)}" for kd, v in cut]
            tie_fr = f" ({_TIE_FR})" if tie else ""
            tie_ar = f" ({_TIE_AR})" if tie else ""
            fr.append(
                f"{head_fr}le dernier score admis était {_join(fr_parts, ' et ')} ; "
                f"le vôtre est {mine}{tie_fr}."
            )
            ar.append(
                f"{head_ar}كان آخر معدل مقبول {_join(ar_parts, ' و', '، ')}؛ معدلك {mine}{tie_ar}."
            )
        return {"fr": " ".join(fr), "ar": " ".join(ar)}

    items_fr, items_ar, any_tie = [], [], False
    for c in prefs:
        cut, tie = lost(c)
        any_tie |= tie
        if not cut:
            items_fr.append(f"{name(c, 'fr')} ({none_fr(c)})")
            items_ar.append(f"{name(c, 'ar')} ({none_ar(c)})")
            continue
        fr_item = _join([f"{_fmt(v)} ({_slot_fr(kd)})" for kd, v in cut], " et ")
        ar_item = _join([f"{_fmt(v)} ({_slot_ar(kd)})" for kd, v in cut], " و", "، ")
        items_fr.append(f"{name(c, 'fr')} {fr_item}" + (f" — {_TIE_FR}" if tie else ""))
        items_ar.append(f"{name(c, 'ar')} {ar_item}" + (f" — {_TIE_AR}" if tie else ""))
    above_fr = "supérieur ou égal au vôtre" if any_tie else "supérieur au vôtre"
    above_ar = "أعلى من معدلك أو مساويا له" if any_tie else "أعلى من معدلك"
    return {
        "fr": f"Non placé·e : dans chacun de vos choix, le dernier score admis était {above_fr} "
        f"({mine}) : {', '.join(items_fr)}.",
        "ar": f"لم يتم قبولك: في كل اختياراتك كان آخر معدل مقبول {above_ar} ({mine}): "
        f"{'، '.join(items_ar)}.",
    }


# ---------------------------------------------------------------------------------------------
# Parsing and the command line

_APPLICANT_KEYS = {"id", "score", "preferences", "groups"}
_COHORT_KEYS = {"id", "seats", "reserves", "precedence"}
_RESERVE_KEYS = {"group", "seats"}
_INSTANCE_KEYS = {"applicants", "cohorts", "seed"}


def _keys(obj: object, where: str, required: set[str], allowed: set[str]) -> dict[str, Any]:
    return check_keys(obj, where, required, allowed, ValidationError)


def _string_list(value: object, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise ValidationError(f"{where}: expected a list of strings")
    return value


def parse_instance(data: Any) -> Instance:
    """Build and validate an :class:`Instance` from the INSTANCE JSON (already decoded).

    Raises :class:`ValidationError` naming the first problem: missing or unknown keys,
    non-string ids, non-numeric or non-finite scores, negative seats, reserves above seats,
    unknown precedence, duplicate ids, unknown or repeated cohorts in preferences.
    """
    data = _keys(data, "instance", {"applicants", "cohorts"}, _INSTANCE_KEYS)
    seed = data.get("seed", 0)
    if not _is_int(seed) or seed < 0:
        raise ValidationError(f"seed must be a non-negative integer, got {seed!r}")
    if not isinstance(data["cohorts"], list) or not isinstance(data["applicants"], list):
        raise ValidationError("instance: 'applicants' and 'cohorts' must be lists")
    cohorts = []
    for k, raw in enumerate(data["cohorts"]):
        c = _keys(raw, f"cohorts[{k}]", {"id", "seats"}, _COHORT_KEYS)
        if not isinstance(c["id"], str):
            raise ValidationError(f"cohorts[{k}]: id must be a string, got {c['id']!r}")
        reserves_raw = c.get("reserves", [])
        if not isinstance(reserves_raw, list):
            raise ValidationError(f"cohort {c['id']!r}: reserves must be a list")
        reserves = []
        for m, r in enumerate(reserves_raw):
            r = _keys(r, f"cohort {c['id']!r} reserves[{m}]", _RESERVE_KEYS, _RESERVE_KEYS)
            try:
                reserves.append(Reserve(r["group"], r["seats"]))
            except ValidationError as e:
                raise ValidationError(f"cohort {c['id']!r}: {e}") from None
        cohorts.append(
            Cohort(c["id"], c["seats"], tuple(reserves), c.get("precedence", "open_first"))
        )
    cohorts_t = _check_cohorts(cohorts)
    known = {c.id for c in cohorts_t}
    applicants = []
    seen: set[str] = set()
    for k, raw in enumerate(data["applicants"]):
        a = _keys(raw, f"applicants[{k}]", {"id", "score", "preferences"}, _APPLICANT_KEYS)
        aid = a["id"]
        if not isinstance(aid, str):
            raise ValidationError(f"applicants[{k}]: id must be a string, got {aid!r}")
        if aid in seen:
            raise ValidationError(f"duplicate applicant id {aid!r}")
        seen.add(aid)
        score = a["score"]
        try:
            finite = _is_number(score) and math.isfinite(score)
        except OverflowError:
            finite = False
        if not finite:
            raise ValidationError(
                f"applicant {aid!r}: score must be a finite number, got {score!r}"
            )
        prefs = _string_list(a["preferences"], f"applicant {aid!r}: preferences")
        for c in prefs:
            if c not in known:
                raise ValidationError(f"applicant {aid!r}: preferences name unknown cohort {c!r}")
        if len(set(prefs)) != len(prefs):
            raise ValidationError(f"applicant {aid!r}: a cohort appears twice in preferences")
        groups = _string_list(a.get("groups", []), f"applicant {aid!r}: groups")
        applicants.append(Applicant(aid, score, tuple(prefs), frozenset(groups)))
    return Instance(tuple(applicants), cohorts_t, int(seed))


def main(argv: Sequence[str] | None = None) -> int:
    """CLI: ``python -m markaz.engine.allocation INSTANCE.json`` -> RESULT JSON on stdout."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m markaz.engine.allocation INSTANCE.json", file=sys.stderr)
        return 2
    try:
        with open(args[0], encoding="utf-8") as f:
            data = json.load(f)
        result = allocate(parse_instance(data))
    except OSError as e:
        print(f"error: cannot read {args[0]}: {e.strerror or e}", file=sys.stderr)
        return 2
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        print(f"error: {args[0]} is not valid JSON: {e}", file=sys.stderr)
        return 2
    except ValidationError as e:
        print(f"error: invalid instance: {e}", file=sys.stderr)
        return 2
    text = json.dumps(result.to_dict(), ensure_ascii=False, indent=1)
    sys.stdout.buffer.write(text.encode("utf-8") + b"\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
