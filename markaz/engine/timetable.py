"""Weekly timetable of a centre under a building cap: OR-Tools CP-SAT with explanations.

Contract: :func:`solve` places every lesson (one session of a cohort with its trainer, in a
room of the kind it needs) in one time slot and one room so that every hard rule holds, and
minimises the weighted soft penalty within ``Instance.time_limit_s``. Details in
``docs/algorithms/timetable.md``.

- **Hard rules.** No room, trainer or cohort in two places at once; room kind fits; room
  capacity >= cohort size; a lesson only in its cohort's allowed slots and its trainer's
  available slots; in every slot, ``other_load`` + sizes of the cohorts in session <=
  ``building_capacity``. :func:`validate_assignments` checks them all independently of the solver.
- **Soft goals** (weights in :class:`Weights`, each reported on its own in
  :attr:`Result.penalties`): ``cohort_gaps`` (idle allowed slots between a cohort's first and
  last session of a day), ``trainer_gaps`` (idem for trainers, over their available slots),
  ``cohort_rooms`` (distinct rooms a cohort uses beyond one per room kind it needs),
  ``late_evening`` (lessons in slots ending after 21:00). :func:`evaluate` computes them from
  any assignment.
- **Method.** A slot model without room variables (rooms of a kind differ only by capacity,
  so a slot's lessons fit iff, per kind and size threshold, the lessons needing at least that
  many seats are no more than the rooms seating that many: Hall's condition, exact here)
  minimises the slot-based goals; rooms are then assigned for those slots; when room changes
  keep the total above the slot model's bound, the joint ``x[lesson, slot, room]`` model looks
  for a better timetable or proves there is none. See :func:`solve`.
- **Status.** ``optimal`` (proven), ``feasible`` (time ran out, ``bound`` says how far from
  optimal it can be), ``infeasible`` (proven: no timetable exists; ``explanation`` /
  ``explanation_ar`` say why, naming cohorts, trainers, rooms and slots), or ``unknown`` (time
  ran out before any timetable was found; impossibility not proven).
- **Explanations.** Cheap necessary conditions first (rooms by kind and capacity, slots per
  cohort, trainer and room kind, building load per slot); when they all pass and CP-SAT proves
  infeasibility, a minimal set of cohorts and constraint families that cannot hold together is
  extracted with assumption literals (``sufficient_assumptions_for_infeasibility``, then
  deletion), and each cohort of it whose removal makes the rest schedulable is named.
- **Validation.** A malformed instance raises :class:`ValidationError` (a ``ValueError``)
  naming the object and key at fault, from :func:`parse_instance` or when an
  :class:`Instance` is built.

Command line: ``python -m markaz.engine.timetable INSTANCE.json`` prints the RESULT JSON
(:meth:`Result.to_dict`) on stdout; a malformed instance or unreadable file exits with status 2
and one ``error: ...`` line on stderr, nothing on stdout.
"""

from __future__ import annotations

import json
import math
import re
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ortools.sat.python import cp_model

from markaz.engine._input import check_keys, hhmm_minutes

__all__ = [
    "DAYS",
    "GOALS",
    "LATE_END",
    "Assignment",
    "Cohort",
    "Conflict",
    "Instance",
    "Lesson",
    "Reason",
    "Result",
    "Room",
    "TimeSlot",
    "Trainer",
    "ValidationError",
    "Weights",
    "check_move",
    "evaluate",
    "main",
    "parse_assignments",
    "parse_instance",
    "solve",
    "validate_assignments",
]

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
_DAY_AR = ("الإثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد")
#: A lesson in a slot ending after this minute of the day (21:00) is a late-evening lesson.
LATE_END = 21 * 60
GOALS = ("cohort_gaps", "trainer_gaps", "cohort_rooms", "late_evening")
STATUSES = ("optimal", "feasible", "infeasible", "unknown")

Progress = Callable[[float | None, float], None]


class ValidationError(ValueError):
    """A malformed instance; the message says what is wrong and where."""


def _is_int(x: object) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _check_id(x: object, what: str) -> None:
    if not isinstance(x, str) or not x:
        raise ValidationError(f"{what} id must be a non-empty string, got {x!r}")


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


# ---------------------------------------------------------------------------------------------
# Input


@dataclass(frozen=True)
class TimeSlot:
    """A slot of the weekly grid: ``day`` in :data:`DAYS`, ``start`` < ``end`` in minutes since
    midnight (``0 <= start < end <= 1440``). Slots of one day must not overlap."""

    id: str
    day: str
    start: int
    end: int

    def __post_init__(self) -> None:
        _check_id(self.id, "timeslot")
        if self.day not in DAYS:
            raise ValidationError(
                f"timeslot {self.id!r}: unknown day {self.day!r} (expected one of {', '.join(DAYS)})"
            )
        if not (_is_int(self.start) and _is_int(self.end)):
            raise ValidationError(f"timeslot {self.id!r}: start and end must be minutes (int)")
        if not 0 <= self.start < 1440 or not 0 < self.end <= 1440:
            raise ValidationError(f"timeslot {self.id!r}: time outside the day")
        if self.end <= self.start:
            raise ValidationError(
                f"timeslot {self.id!r}: end {_hhmm(self.end)} is not after start {_hhmm(self.start)}"
            )

    def label(self, lang: str = "fr") -> str:
        """``"mon-1 (lundi 09:00–11:00)"`` in French, the Arabic day name for ``"ar"``."""
        names = _DAY_AR if lang == "ar" else _DAY_FR
        day = names[DAYS.index(self.day)]
        return f"{self.id} ({day} {_hhmm(self.start)}–{_hhmm(self.end)})"


@dataclass(frozen=True)
class Room:
    """A room of ``kind`` (e.g. training, applied, mentoring) seating ``capacity`` (int >= 0)."""

    id: str
    kind: str
    capacity: int

    def __post_init__(self) -> None:
        _check_id(self.id, "room")
        if not isinstance(self.kind, str) or not self.kind:
            raise ValidationError(f"room {self.id!r}: kind must be a non-empty string")
        if not _is_int(self.capacity) or self.capacity < 0:
            raise ValidationError(
                f"room {self.id!r}: capacity must be a non-negative integer, got {self.capacity!r}"
            )


@dataclass(frozen=True)
class Trainer:
    """A trainer, unavailable in the slots listed (ids of known slots)."""

    id: str
    unavailable: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        _check_id(self.id, "trainer")


@dataclass(frozen=True)
class Cohort:
    """A cohort of ``size`` learners (int >= 0) who may meet only in ``allowed`` slots
    (their schedule pattern: daytime, evening, weekend...); ``None`` means every slot."""

    id: str
    size: int
    allowed: frozenset[str] | None = None

    def __post_init__(self) -> None:
        _check_id(self.id, "cohort")
        if not _is_int(self.size) or self.size < 0:
            raise ValidationError(
                f"cohort {self.id!r}: size must be a non-negative integer, got {self.size!r}"
            )


@dataclass(frozen=True)
class Lesson:
    """One session of ``cohort`` given by ``trainer`` in a room of kind ``room_kind``; it takes
    exactly one slot of the grid."""

    id: str
    cohort: str
    trainer: str
    room_kind: str

    def __post_init__(self) -> None:
        _check_id(self.id, "lesson")
        if not isinstance(self.room_kind, str) or not self.room_kind:
            raise ValidationError(f"lesson {self.id!r}: room_kind must be a non-empty string")


@dataclass(frozen=True)
class Weights:
    """Weight of each soft goal (non-negative ints); the soft penalty is the weighted sum."""

    cohort_gaps: int = 3
    trainer_gaps: int = 2
    cohort_rooms: int = 1
    late_evening: int = 4

    def __post_init__(self) -> None:
        for g in GOALS:
            w = getattr(self, g)
            if not _is_int(w) or w < 0:
                raise ValidationError(f"weight {g!r} must be a non-negative integer, got {w!r}")


@dataclass(frozen=True)
class Instance:
    """The term's week: slots, rooms, trainers, cohorts, lessons and the building.

    ``other_load`` maps slot ids to people planned besides the lessons (children's workshops,
    open applied-work hours, mentoring), default 0. ``time_limit_s`` (> 0) bounds the solve;
    ``workers`` (>= 1) is CP-SAT's ``num_workers``. Checks on construction: distinct ids per
    kind of object, known references, non-overlapping slots within a day; raises
    :class:`ValidationError` otherwise.
    """

    building_capacity: int
    timeslots: tuple[TimeSlot, ...]
    rooms: tuple[Room, ...]
    trainers: tuple[Trainer, ...]
    cohorts: tuple[Cohort, ...]
    lessons: tuple[Lesson, ...]
    other_load: Mapping[str, int] = field(default_factory=dict)
    weights: Weights = Weights()
    time_limit_s: float = 30.0
    workers: int = 2

    def __post_init__(self) -> None:
        if not _is_int(self.building_capacity) or self.building_capacity < 0:
            raise ValidationError(
                f"building_capacity must be a non-negative integer, got {self.building_capacity!r}"
            )
        for name, items in (
            ("timeslot", self.timeslots),
            ("room", self.rooms),
            ("trainer", self.trainers),
            ("cohort", self.cohorts),
            ("lesson", self.lessons),
        ):
            seen: set[str] = set()
            for it in items:
                if it.id in seen:
                    raise ValidationError(f"duplicate {name} id {it.id!r}")
                seen.add(it.id)
        slots = {s.id for s in self.timeslots}
        by_day: dict[str, list[TimeSlot]] = defaultdict(list)
        for s in self.timeslots:
            by_day[s.day].append(s)
        for day_slots in by_day.values():
            day_slots.sort(key=lambda s: (s.start, s.end))
            for a, b in zip(day_slots, day_slots[1:], strict=False):
                if b.start < a.end:
                    raise ValidationError(f"timeslots {a.id!r} and {b.id!r} overlap")
        for t in self.trainers:
            for s in t.unavailable:
                if s not in slots:
                    raise ValidationError(f"trainer {t.id!r}: unavailable names unknown slot {s!r}")
        for c in self.cohorts:
            for s in c.allowed or ():
                if s not in slots:
                    raise ValidationError(f"cohort {c.id!r}: allowed names unknown slot {s!r}")
        cohorts = {c.id for c in self.cohorts}
        trainers = {t.id for t in self.trainers}
        for le in self.lessons:
            if le.cohort not in cohorts:
                raise ValidationError(f"lesson {le.id!r}: unknown cohort {le.cohort!r}")
            if le.trainer not in trainers:
                raise ValidationError(f"lesson {le.id!r}: unknown trainer {le.trainer!r}")
        for s, n in self.other_load.items():
            if s not in slots:
                raise ValidationError(f"other_load names unknown slot {s!r}")
            if not _is_int(n) or n < 0:
                raise ValidationError(
                    f"other_load[{s!r}] must be a non-negative integer, got {n!r}"
                )
        tl = self.time_limit_s
        if not (_is_int(tl) or isinstance(tl, float)) or not math.isfinite(tl) or tl <= 0:
            raise ValidationError(f"time_limit_s must be a positive number, got {tl!r}")
        if not _is_int(self.workers) or self.workers < 1:
            raise ValidationError(f"workers must be a positive integer, got {self.workers!r}")
        if not isinstance(self.weights, Weights):
            raise ValidationError("weights must be a Weights")

    @cached_property
    def ordered_slots(self) -> tuple[TimeSlot, ...]:
        """The slots in week order (day, then start): the order gaps are counted in."""
        return tuple(sorted(self.timeslots, key=lambda s: (DAYS.index(s.day), s.start)))

    @cached_property
    def slot(self) -> dict[str, TimeSlot]:
        return {s.id: s for s in self.timeslots}

    @cached_property
    def room(self) -> dict[str, Room]:
        return {r.id: r for r in self.rooms}

    @cached_property
    def trainer(self) -> dict[str, Trainer]:
        return {t.id: t for t in self.trainers}

    @cached_property
    def cohort(self) -> dict[str, Cohort]:
        return {c.id: c for c in self.cohorts}

    @cached_property
    def lesson(self) -> dict[str, Lesson]:
        return {le.id: le for le in self.lessons}

    def load(self, slot_id: str) -> int:
        """People planned in ``slot_id`` besides the lessons."""
        return self.other_load.get(slot_id, 0)

    def allows(self, cohort: Cohort, slot_id: str) -> bool:
        return cohort.allowed is None or slot_id in cohort.allowed


# ---------------------------------------------------------------------------------------------
# Output


@dataclass(frozen=True)
class Assignment:
    """Lesson ``lesson`` takes place in slot ``timeslot``, room ``room``."""

    lesson: str
    timeslot: str
    room: str

    def to_dict(self) -> dict[str, str]:
        return {"lesson": self.lesson, "timeslot": self.timeslot, "room": self.room}


@dataclass(frozen=True)
class Conflict:
    """A broken hard rule. ``kind`` is one of ``room_double_booked``, ``trainer_double_booked``,
    ``cohort_double_booked``, ``room_capacity``, ``room_kind``, ``cohort_pattern``,
    ``trainer_unavailable``, ``building_capacity``, ``lesson_unassigned``, ``lesson_repeated``,
    ``unknown_reference``; ``lessons`` the lessons involved; ``fr`` / ``ar`` the message."""

    kind: str
    lessons: tuple[str, ...]
    timeslot: str | None
    room: str | None
    fr: str
    ar: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "lessons": list(self.lessons),
            "timeslot": self.timeslot,
            "room": self.room,
            "fr": self.fr,
            "ar": self.ar,
        }


@dataclass(frozen=True)
class Reason:
    """One reason why no timetable exists. ``kind``: ``building_overload``, ``no_room``,
    ``cohort_slots``, ``trainer_slots``, ``room_kind_slots``, ``building_week``, ``core``
    (found by the solver) or ``timeout``; ``cohorts`` / ``trainers`` / ``rooms`` / ``slots``
    name the culprits."""

    kind: str
    fr: str
    ar: str
    cohorts: tuple[str, ...] = ()
    trainers: tuple[str, ...] = ()
    rooms: tuple[str, ...] = ()
    slots: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "fr": self.fr,
            "ar": self.ar,
            "cohorts": list(self.cohorts),
            "trainers": list(self.trainers),
            "rooms": list(self.rooms),
            "slots": list(self.slots),
        }


@dataclass(frozen=True)
class Result:
    """The outcome of :func:`solve`.

    ``assignments`` (one per lesson, in the instance's lesson order) is empty unless the status
    is ``optimal`` or ``feasible``. ``soft_penalty`` is the weighted sum of ``penalties``
    (weighted, per goal); ``counts`` are the unweighted counts. ``bound`` is a proven lower
    bound on any timetable's penalty (the slot model's, raised by the joint model when it ran;
    equal to ``soft_penalty`` exactly when the status is ``optimal``). Times are seconds from
    the call to :func:`solve`; ``time_to_first_feasible_s`` is the slot model's first
    solution (its rooms follow greedily), ``time_to_best_s`` when the returned timetable was
    complete.
    """

    status: str
    assignments: tuple[Assignment, ...] = ()
    soft_penalty: int | None = None
    penalties: Mapping[str, int] = field(default_factory=dict)
    counts: Mapping[str, int] = field(default_factory=dict)
    bound: float | None = None
    time_to_first_feasible_s: float | None = None
    time_to_best_s: float | None = None
    wall_time_s: float = 0.0
    reasons: tuple[Reason, ...] = ()
    explanation: str = ""
    explanation_ar: str = ""

    @property
    def gap(self) -> float | None:
        """Relative distance to the bound, ``(penalty - bound) / max(1, penalty)``."""
        if self.soft_penalty is None or self.bound is None:
            return None
        return max(0.0, (self.soft_penalty - self.bound) / max(1, self.soft_penalty))

    def to_dict(self) -> dict[str, Any]:
        """The RESULT JSON."""

        def r3(x: float | None) -> float | None:
            return None if x is None else round(x, 3)

        return {
            "status": self.status,
            "assignments": [a.to_dict() for a in self.assignments],
            "soft_penalty": self.soft_penalty,
            "penalties": dict(self.penalties),
            "counts": dict(self.counts),
            "bound": self.bound,
            "gap": r3(self.gap),
            "time_to_first_feasible_s": r3(self.time_to_first_feasible_s),
            "time_to_best_s": r3(self.time_to_best_s),
            "wall_time_s": r3(self.wall_time_s),
            "explanation": self.explanation,
            "explanation_ar": self.explanation_ar,
            "reasons": [r.to_dict() for r in self.reasons],
        }


# ---------------------------------------------------------------------------------------------
# Independent checks: hard rules and soft penalties


def parse_assignments(data: Any) -> list[Assignment]:
    """``[{"lesson", "timeslot", "room"}, ...]`` (or :class:`Assignment` objects) as a list of
    :class:`Assignment`; raises :class:`ValidationError` on a malformed entry."""
    if not isinstance(data, list | tuple):
        raise ValidationError("assignments must be a list")
    out = []
    for k, a in enumerate(data):
        if isinstance(a, Assignment):
            out.append(a)
            continue
        a = _keys(
            a, f"assignments[{k}]", {"lesson", "timeslot", "room"}, {"lesson", "timeslot", "room"}
        )
        if not all(isinstance(a[key], str) for key in ("lesson", "timeslot", "room")):
            raise ValidationError(f"assignments[{k}]: lesson, timeslot and room must be strings")
        out.append(Assignment(a["lesson"], a["timeslot"], a["room"]))
    return out


def _lessons_fr(ids: Sequence[str]) -> str:
    return ", ".join(ids)


def _lessons_ar(ids: Sequence[str]) -> str:
    return "، ".join(ids)


def validate_assignments(
    instance: Instance, assignments: Iterable[Assignment | Mapping[str, str]]
) -> list[Conflict]:
    """Every hard-rule violation of ``assignments`` (empty list: a valid timetable).

    Independent of the solver: each lesson placed exactly once, known ids, room kind and
    capacity, the cohort's allowed slots, trainer availability, no double booking of room,
    trainer or cohort, and the building cap per slot (``other_load`` + sizes of the distinct
    cohorts in session).
    """
    inst = instance
    placed: list[Assignment] = []
    conflicts: list[Conflict] = []
    count: dict[str, int] = defaultdict(int)
    for a in parse_assignments(list(assignments)):
        missing = [
            (what, v)
            for what, v, known in (
                ("lesson", a.lesson, inst.lesson),
                ("timeslot", a.timeslot, inst.slot),
                ("room", a.room, inst.room),
            )
            if v not in known
        ]
        if missing:
            what, v = missing[0]
            fr_what = {"lesson": "séance", "timeslot": "créneau", "room": "salle"}[what]
            ar_what = {"lesson": "الحصة", "timeslot": "الفترة", "room": "القاعة"}[what]
            conflicts.append(
                Conflict(
                    "unknown_reference",
                    (a.lesson,),
                    a.timeslot,
                    a.room,
                    f"Référence inconnue : la {fr_what} « {v} » n'existe pas.",
                    f"مرجع غير معروف: {ar_what} «{v}» غير موجودة.",
                )
            )
            continue
        count[a.lesson] += 1
        placed.append(a)
    for le in inst.lessons:
        n = count.get(le.id, 0)
        if n == 0:
            conflicts.append(
                Conflict(
                    "lesson_unassigned",
                    (le.id,),
                    None,
                    None,
                    f"La séance {le.id} (cohorte {le.cohort}) n'est pas placée.",
                    f"الحصة {le.id} (الفوج {le.cohort}) غير مبرمجة.",
                )
            )
        elif n > 1:
            conflicts.append(
                Conflict(
                    "lesson_repeated",
                    (le.id,),
                    None,
                    None,
                    f"La séance {le.id} est placée {n} fois.",
                    f"الحصة {le.id} مبرمجة {n} مرات.",
                )
            )
    for a in placed:
        le = inst.lesson[a.lesson]
        c, r, s = inst.cohort[le.cohort], inst.room[a.room], inst.slot[a.timeslot]
        if r.kind != le.room_kind:
            conflicts.append(
                Conflict(
                    "room_kind",
                    (le.id,),
                    s.id,
                    r.id,
                    f"La séance {le.id} demande une salle de type {le.room_kind} ; "
                    f"la salle {r.id} est de type {r.kind}.",
                    f"الحصة {le.id} تتطلب قاعة من نوع {le.room_kind}؛ "
                    f"القاعة {r.id} من نوع {r.kind}.",
                )
            )
        if r.capacity < c.size:
            conflicts.append(
                Conflict(
                    "room_capacity",
                    (le.id,),
                    s.id,
                    r.id,
                    f"La salle {r.id} ({r.capacity} places) est trop petite pour la cohorte "
                    f"{c.id} ({c.size} jeunes) — séance {le.id}.",
                    f"القاعة {r.id} ({r.capacity} مقعدا) لا تتسع للفوج {c.id} "
                    f"({c.size} شابا) — الحصة {le.id}.",
                )
            )
        if not inst.allows(c, s.id):
            conflicts.append(
                Conflict(
                    "cohort_pattern",
                    (le.id,),
                    s.id,
                    r.id,
                    f"Le créneau {s.label('fr')} n'est pas permis par l'horaire de la cohorte "
                    f"{c.id} (séance {le.id}).",
                    f"الفترة {s.label('ar')} غير مسموح بها في توقيت الفوج {c.id} (الحصة {le.id}).",
                )
            )
        if s.id in inst.trainer[le.trainer].unavailable:
            conflicts.append(
                Conflict(
                    "trainer_unavailable",
                    (le.id,),
                    s.id,
                    r.id,
                    f"Le formateur {le.trainer} est indisponible au créneau {s.label('fr')} "
                    f"(séance {le.id}).",
                    f"المكوّن {le.trainer} غير متاح في الفترة {s.label('ar')} (الحصة {le.id}).",
                )
            )
    by_room: dict[tuple[str, str], list[str]] = defaultdict(list)
    by_trainer: dict[tuple[str, str], list[str]] = defaultdict(list)
    by_cohort: dict[tuple[str, str], list[str]] = defaultdict(list)
    in_slot: dict[str, list[str]] = defaultdict(list)
    for a in placed:
        le = inst.lesson[a.lesson]
        by_room[a.timeslot, a.room].append(le.id)
        by_trainer[a.timeslot, le.trainer].append(le.id)
        by_cohort[a.timeslot, le.cohort].append(le.id)
        in_slot[a.timeslot].append(le.id)
    for (s_id, r_id), ids in by_room.items():
        if len(ids) > 1:
            s = inst.slot[s_id]
            conflicts.append(
                Conflict(
                    "room_double_booked",
                    tuple(ids),
                    s_id,
                    r_id,
                    f"La salle {r_id} serait occupée deux fois au créneau {s.label('fr')} "
                    f"(séances {_lessons_fr(ids)}).",
                    f"القاعة {r_id} ستكون محجوزة مرتين في الفترة {s.label('ar')} "
                    f"(الحصص {_lessons_ar(ids)}).",
                )
            )
    for (s_id, t_id), ids in by_trainer.items():
        if len(ids) > 1:
            s = inst.slot[s_id]
            conflicts.append(
                Conflict(
                    "trainer_double_booked",
                    tuple(ids),
                    s_id,
                    None,
                    f"Le formateur {t_id} aurait plusieurs séances au créneau {s.label('fr')} "
                    f"({_lessons_fr(ids)}).",
                    f"المكوّن {t_id} ستكون لديه أكثر من حصة في الفترة {s.label('ar')} "
                    f"({_lessons_ar(ids)}).",
                )
            )
    for (s_id, c_id), ids in by_cohort.items():
        if len(ids) > 1:
            s = inst.slot[s_id]
            conflicts.append(
                Conflict(
                    "cohort_double_booked",
                    tuple(ids),
                    s_id,
                    None,
                    f"La cohorte {c_id} aurait plusieurs séances au créneau {s.label('fr')} "
                    f"({_lessons_fr(ids)}).",
                    f"الفوج {c_id} ستكون لديه أكثر من حصة في الفترة {s.label('ar')} "
                    f"({_lessons_ar(ids)}).",
                )
            )
    cap = inst.building_capacity
    for s in inst.ordered_slots:
        ids = in_slot.get(s.id, [])
        cohorts = sorted({inst.lesson[i].cohort for i in ids})
        people = sum(inst.cohort[c].size for c in cohorts)
        total = people + inst.load(s.id)
        if ids and total > cap:
            conflicts.append(
                Conflict(
                    "building_capacity",
                    tuple(ids),
                    s.id,
                    None,
                    f"Créneau {s.label('fr')} : {total} personnes prévues pour un bâtiment de "
                    f"{cap} (cohortes {', '.join(cohorts)} : {people} ; autres activités : "
                    f"{inst.load(s.id)}).",
                    f"الفترة {s.label('ar')}: {total} شخصا مبرمجا لمبنى يتسع لـ {cap} "
                    f"(الأفواج {'، '.join(cohorts)}: {people}؛ أنشطة أخرى: {inst.load(s.id)}).",
                )
            )
    return conflicts


def check_move(
    instance: Instance,
    assignments: Iterable[Assignment | Mapping[str, str]],
    lesson_id: str,
    timeslot_id: str,
    room_id: str,
) -> list[Conflict]:
    """The hard-rule conflicts that moving ``lesson_id`` to (``timeslot_id``, ``room_id``)
    would leave, each involving that lesson (double-booked room, trainer or cohort, room
    capacity and kind, cohort pattern, trainer availability, building cap of the target slot).

    ``assignments`` is the current timetable (the lesson may be absent: then it is placed).
    Conflicts elsewhere in the timetable are not listed. Raises :class:`ValidationError` for an
    unknown lesson, slot or room id.
    """
    for what, v, known in (
        ("lesson", lesson_id, instance.lesson),
        ("timeslot", timeslot_id, instance.slot),
        ("room", room_id, instance.room),
    ):
        if v not in known:
            raise ValidationError(f"check_move: unknown {what} {v!r}")
    moved = [a for a in parse_assignments(list(assignments)) if a.lesson != lesson_id]
    moved.append(Assignment(lesson_id, timeslot_id, room_id))
    return [
        c
        for c in validate_assignments(instance, moved)
        if lesson_id in c.lessons and c.kind not in ("lesson_unassigned", "lesson_repeated")
    ]


def _day_runs(instance: Instance, usable: Callable[[TimeSlot], bool]) -> list[list[int]]:
    """Per day, the positions (in ``ordered_slots``) of the usable slots, in order."""
    runs: dict[str, list[int]] = defaultdict(list)
    for i, s in enumerate(instance.ordered_slots):
        if usable(s):
            runs[s.day].append(i)
    return list(runs.values())


def _gaps(runs: list[list[int]], busy: set[int]) -> int:
    total = 0
    for run in runs:
        used = [k for k, i in enumerate(run) if i in busy]
        if used:
            total += used[-1] - used[0] + 1 - len(used)
    return total


def evaluate(
    instance: Instance, assignments: Iterable[Assignment | Mapping[str, str]]
) -> dict[str, int]:
    """Unweighted count per soft goal of a complete timetable (see the module docstring):
    ``{"cohort_gaps", "trainer_gaps", "cohort_rooms", "late_evening"}``."""
    inst = instance
    pos = {s.id: i for i, s in enumerate(inst.ordered_slots)}
    c_busy: dict[str, set[int]] = defaultdict(set)
    t_busy: dict[str, set[int]] = defaultdict(set)
    c_rooms: dict[str, set[str]] = defaultdict(set)
    late = 0
    for a in parse_assignments(list(assignments)):
        le = inst.lesson[a.lesson]
        c_busy[le.cohort].add(pos[a.timeslot])
        t_busy[le.trainer].add(pos[a.timeslot])
        c_rooms[le.cohort].add(a.room)
        late += inst.slot[a.timeslot].end > LATE_END
    kinds: dict[str, set[str]] = defaultdict(set)
    for le in inst.lessons:
        kinds[le.cohort].add(le.room_kind)
    cohort_gaps = sum(
        _gaps(_day_runs(inst, lambda s, c=c: inst.allows(c, s.id)), c_busy[c.id])
        for c in inst.cohorts
        if c.id in c_busy
    )
    trainer_gaps = sum(
        _gaps(_day_runs(inst, lambda s, t=t: s.id not in t.unavailable), t_busy[t.id])
        for t in inst.trainers
        if t.id in t_busy
    )
    rooms = sum(max(0, len(c_rooms[c]) - len(kinds[c])) for c in c_rooms)
    return {
        "cohort_gaps": cohort_gaps,
        "trainer_gaps": trainer_gaps,
        "cohort_rooms": rooms,
        "late_evening": late,
    }


# ---------------------------------------------------------------------------------------------
# Domains and cheap necessary conditions


@dataclass(frozen=True)
class _Prep:
    """Per lesson, the slot positions and room positions it may use (pre-filtered)."""

    inst: Instance
    slots_of: tuple[tuple[int, ...], ...]
    rooms_of: tuple[tuple[int, ...], ...]


def _prepare(inst: Instance) -> _Prep:
    slots = inst.ordered_slots
    cap = inst.building_capacity
    slots_of, rooms_of = [], []
    for le in inst.lessons:
        c, t = inst.cohort[le.cohort], inst.trainer[le.trainer]
        slots_of.append(
            tuple(
                i
                for i, s in enumerate(slots)
                if inst.allows(c, s.id)
                and s.id not in t.unavailable
                and inst.load(s.id) + c.size <= cap
            )
        )
        rooms_of.append(
            tuple(
                j
                for j, r in enumerate(inst.rooms)
                if r.kind == le.room_kind and r.capacity >= c.size
            )
        )
    return _Prep(inst, tuple(slots_of), tuple(rooms_of))


def _and_fr(items: Sequence[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " et " + items[-1]


def _and_ar(items: Sequence[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else "، ".join(items[:-1]) + " و" + items[-1]


def _cheap_reasons(p: _Prep) -> list[Reason]:
    """Necessary conditions, each a proof of infeasibility when it fails."""
    inst = p.inst
    slots = inst.ordered_slots
    cap = inst.building_capacity
    reasons: list[Reason] = []
    for s in slots:
        if inst.load(s.id) > cap:
            reasons.append(
                Reason(
                    "building_overload",
                    f"Créneau {s.label('fr')} : {inst.load(s.id)} personnes prévues (ateliers, "
                    f"accès libre, mentorat) pour un bâtiment de {cap}.",
                    f"الفترة {s.label('ar')}: {inst.load(s.id)} شخصا مبرمجا (ورشات، ولوج حر، "
                    f"مواكبة) لمبنى يتسع لـ {cap}.",
                    slots=(s.id,),
                )
            )
    # Lessons grouped by (cohort, trainer, kind): identical lessons, identical domains.
    groups: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for li, le in enumerate(inst.lessons):
        groups[le.cohort, le.trainer, le.room_kind].append(li)
    blocked: set[str] = set()
    for (c_id, t_id, kind), lis in groups.items():
        c, t = inst.cohort[c_id], inst.trainer[t_id]
        n = len(lis)
        if not p.rooms_of[lis[0]]:
            blocked.add(c_id)
            of_kind = [r for r in inst.rooms if r.kind == kind]
            if not of_kind:
                fr = (
                    f"Aucune salle de type {kind} n'existe, or la cohorte {c_id} en a besoin "
                    f"pour {n} séance(s)."
                )
                ar = f"لا توجد أي قاعة من نوع {kind}، والفوج {c_id} يحتاجها لـ {n} حصة."
            else:
                big = max(r.capacity for r in of_kind)
                fr = (
                    f"Aucune salle de type {kind} n'a la capacité pour la cohorte {c_id} "
                    f"(effectif {c.size} ; la plus grande en a {big})."
                )
                ar = (
                    f"لا توجد قاعة من نوع {kind} تتسع للفوج {c_id} "
                    f"(عدده {c.size}؛ أكبر قاعة تتسع لـ {big})."
                )
            reasons.append(
                Reason("no_room", fr, ar, cohorts=(c_id,), rooms=tuple(r.id for r in of_kind))
            )
            continue
        usable = p.slots_of[lis[0]]
        if n > len(usable):
            blocked.add(c_id)
            allowed = [s for s in slots if inst.allows(c, s.id)]
            off = sum(s.id in t.unavailable for s in allowed)
            full = sum(
                s.id not in t.unavailable and inst.load(s.id) + c.size > cap for s in allowed
            )
            fr = (
                f"La cohorte {c_id} a besoin de {n} séance(s) avec le formateur {t_id} en salle "
                f"de type {kind} (au moins {c.size} places) mais n'a que {len(usable)} "
                f"créneau(x) où c'est possible : {len(allowed)} créneau(x) permis par son "
                f"horaire, dont {off} où {t_id} est indisponible et {full} où le bâtiment "
                f"(capacité {cap}) est déjà trop plein pour elle."
            )
            ar = (
                f"الفوج {c_id} يحتاج إلى {n} حصة مع المكوّن {t_id} في قاعة من نوع {kind} "
                f"(تتسع لـ {c.size} على الأقل)، لكن لديه {len(usable)} فترة ممكنة فقط: "
                f"{len(allowed)} فترة مسموح بها في توقيته، منها {off} يكون فيها {t_id} غير "
                f"متاح و{full} يكون فيها المبنى (طاقته {cap}) ممتلئا."
            )
            reasons.append(Reason("cohort_slots", fr, ar, cohorts=(c_id,), trainers=(t_id,)))
    by_cohort: dict[str, list[int]] = defaultdict(list)
    by_trainer: dict[str, list[int]] = defaultdict(list)
    for li, le in enumerate(inst.lessons):
        by_cohort[le.cohort].append(li)
        by_trainer[le.trainer].append(li)
    forced: dict[str, set[int]] = {}
    for c_id, lis in by_cohort.items():
        union = set().union(*(p.slots_of[li] for li in lis if p.rooms_of[li]))
        if len(lis) == len(union):
            forced[c_id] = union
        if c_id in blocked or len(lis) <= len(union):
            continue
        fr = (
            f"La cohorte {c_id} a besoin de {len(lis)} séances mais n'a que {len(union)} "
            f"créneau(x) permis où un formateur et une salle adaptée sont libres."
        )
        ar = (
            f"الفوج {c_id} يحتاج إلى {len(lis)} حصة لكن لديه {len(union)} فترة مسموح بها "
            f"فقط يتوفر فيها مكوّن وقاعة مناسبة."
        )
        reasons.append(Reason("cohort_slots", fr, ar, cohorts=(c_id,)))
    for t_id, lis in by_trainer.items():
        union = set().union(*(p.slots_of[li] for li in lis if p.rooms_of[li]))
        if len(lis) > len(union) and not any(inst.lessons[li].cohort in blocked for li in lis):
            fr = (
                f"Le formateur {t_id} doit assurer {len(lis)} séances mais n'a que "
                f"{len(union)} créneau(x) où il est disponible et où ses cohortes peuvent venir."
            )
            ar = (
                f"المكوّن {t_id} عليه تأطير {len(lis)} حصة لكن لديه {len(union)} فترة فقط "
                f"يكون فيها متاحا ويمكن لأفواجه الحضور فيها."
            )
            reasons.append(Reason("trainer_slots", fr, ar, trainers=(t_id,)))
    # Room kinds: lessons needing a room of kind k with capacity >= q vs room-slots offered.
    kinds = sorted({le.room_kind for le in inst.lessons})
    for kind in kinds:
        lis_k = [
            li for li, le in enumerate(inst.lessons) if le.room_kind == kind and p.rooms_of[li]
        ]
        sizes = sorted({inst.cohort[inst.lessons[li].cohort].size for li in lis_k}, reverse=True)
        for q in sizes:
            need = [li for li in lis_k if inst.cohort[inst.lessons[li].cohort].size >= q]
            rooms_q = [r for r in inst.rooms if r.kind == kind and r.capacity >= q]
            union = set().union(*(p.slots_of[li] for li in need))
            offer = len(union) * len(rooms_q)
            if len(need) > offer:
                fr = (
                    f"{len(need)} séances ont besoin d'une salle de type {kind} d'au moins {q} "
                    f"places, mais les {len(rooms_q)} salle(s) de ce type n'offrent que {offer} "
                    f"place(s) salle-créneau sur les créneaux permis."
                )
                ar = (
                    f"{len(need)} حصة تحتاج إلى قاعة من نوع {kind} تتسع لـ {q} على الأقل، لكن "
                    f"{len(rooms_q)} قاعة من هذا النوع لا توفر إلا {offer} فترة-قاعة في الفترات "
                    f"المسموح بها."
                )
                reasons.append(
                    Reason("room_kind_slots", fr, ar, rooms=tuple(r.id for r in rooms_q))
                )
                break
    # Building: cohorts that need every one of their usable slots are there for sure.
    for i, s in enumerate(slots):
        present = sorted(c for c, u in forced.items() if i in u)
        people = sum(inst.cohort[c].size for c in present)
        total = people + inst.load(s.id)
        if present and total > cap:
            reasons.append(
                Reason(
                    "building_overload",
                    f"Créneau {s.label('fr')} : {total} personnes prévues pour un bâtiment de "
                    f"{cap} (les cohortes {_and_fr(present)} n'ont pas d'autre créneau possible "
                    f"et {inst.load(s.id)} personnes sont déjà prévues par d'autres activités).",
                    f"الفترة {s.label('ar')}: {total} شخصا مبرمجا لمبنى يتسع لـ {cap} "
                    f"(الأفواج {_and_ar(present)} ليست لها فترة ممكنة أخرى و{inst.load(s.id)} "
                    f"شخصا مبرمجون في أنشطة أخرى).",
                    cohorts=tuple(present),
                    slots=(s.id,),
                )
            )
    if not reasons:
        demand = sum(inst.cohort[le.cohort].size for le in inst.lessons)
        union = set().union(*p.slots_of) if p.slots_of else set()
        offer = sum(max(0, cap - inst.load(slots[i].id)) for i in union)
        if demand > offer:
            reasons.append(
                Reason(
                    "building_week",
                    f"Sur la semaine, les séances demandent {demand} places-personnes, mais le "
                    f"bâtiment (capacité {cap}, moins les autres activités) n'en offre que "
                    f"{offer} sur les créneaux utilisables.",
                    f"خلال الأسبوع تتطلب الحصص {demand} مقعدا-فترة، لكن المبنى (طاقته {cap} "
                    f"ناقص الأنشطة الأخرى) لا يوفر إلا {offer} في الفترات الممكنة.",
                )
            )
    return reasons


# ---------------------------------------------------------------------------------------------
# The CP-SAT models
#
# Two formulations share one builder. The *slot model* (``rooms=False``) has one boolean
# ``y[l,s]`` per lesson and usable slot and no room variables: rooms of one kind differ only by
# capacity, so the lessons of a slot fit its rooms iff, for every kind k and size threshold t,
# the lessons of kind k in the slot whose cohort has >= t learners are at most the rooms of kind
# k seating >= t (Hall's condition; the sets of rooms a lesson may use are nested, so these
# conditions are exact, not a relaxation). It carries the slot-based goals and is what
# :func:`solve` optimises first. The *joint model* (``rooms=True``) has ``x[l,s,r]``; it carries
# every goal, including ``cohort_rooms``, and serves to close the gap when rooms cost something,
# and (relaxed) for explanations.


@dataclass
class _Model:
    model: cp_model.CpModel
    # Decision literals: (lesson, slot, room) -> literal (joint model) or (lesson, slot, -1).
    x: dict[tuple[int, int, int], cp_model.IntVar]
    with_rooms: bool = True
    # Relaxation literals (explanation model only): key -> literal.
    lits: dict[tuple[str, str], cp_model.IntVar] = field(default_factory=dict)
    terms: dict[str, list[tuple[int, Any]]] = field(default_factory=dict)
    objective: Any = 0
    objective_terms: list[str] = field(default_factory=list)


def _room_fit(p: _Prep) -> list[tuple[int, str, list[int], int]]:
    """Hall's condition for the rooms, per slot: ``(slot, kind, lessons, n)`` meaning at most
    ``n`` of ``lessons`` may take place in ``slot``. Only the conditions that can bind (more
    distinct cohorts than ``n``: a cohort has one lesson at a time) and are not implied by a
    larger threshold with the same lessons."""
    inst = p.inst
    usable = [set(ss) for ss in p.slots_of]
    by_kind: dict[str, list[int]] = defaultdict(list)
    for li, le in enumerate(inst.lessons):
        if p.rooms_of[li]:
            by_kind[le.room_kind].append(li)
    out = []
    for kind, lis in sorted(by_kind.items()):
        caps = [r.capacity for r in inst.rooms if r.kind == kind]
        size = {li: inst.cohort[inst.lessons[li].cohort].size for li in lis}
        thresholds = sorted(set(size.values()), reverse=True)
        for s in range(len(inst.ordered_slots)):
            here = [li for li in lis if s in usable[li]]
            prev = -1
            for t in thresholds:
                n = sum(c >= t for c in caps)
                big = [li for li in here if size[li] >= t]
                if len(big) == prev:
                    continue  # same lessons as a larger threshold, with at least as many rooms
                prev = len(big)
                if len({inst.lessons[li].cohort for li in big}) > n:
                    out.append((s, kind, big, n))
    return out


def _build(p: _Prep, *, relax: bool, rooms: bool = True) -> _Model:
    """A model. ``rooms=True``: the joint model ``x[l,s,r]``; ``rooms=False``: the slot model
    (see above). ``relax=False``: hard rules and the weighted objective. ``relax=True`` (joint
    model only): no objective; every cohort's "all lessons placed", each trainer's and each room
    kind's one-at-a-time rule and each slot's building cap hold only if their literal is true."""
    assert rooms or not relax
    inst = p.inst
    slots = inst.ordered_slots
    m = cp_model.CpModel()
    x: dict[tuple[int, int, int], cp_model.IntVar] = {}
    mm = _Model(m, x, rooms)
    by_lesson: dict[int, list] = defaultdict(list)
    by_lesson_slot: dict[tuple[int, int], list] = defaultdict(list)
    by_room_slot: dict[tuple[int, int], list] = defaultdict(list)
    by_trainer_slot: dict[tuple[str, int], list] = defaultdict(list)
    by_cohort_slot: dict[tuple[str, int], list] = defaultdict(list)
    load_terms: dict[int, list] = defaultdict(list)
    for li, le in enumerate(inst.lessons):
        size = inst.cohort[le.cohort].size
        if not p.rooms_of[li]:
            continue
        for s in p.slots_of[li]:
            for r in p.rooms_of[li] if rooms else (-1,):
                v = m.new_bool_var(f"x{li}_{s}_{r}")
                x[li, s, r] = v
                by_lesson[li].append(v)
                by_lesson_slot[li, s].append(v)
                if rooms:
                    by_room_slot[s, r].append(v)
                by_trainer_slot[le.trainer, s].append(v)
                by_cohort_slot[le.cohort, s].append(v)
                if size:
                    load_terms[s].append((size, v))

    def lit(key: tuple[str, str]) -> cp_model.IntVar:
        if key not in mm.lits:
            mm.lits[key] = m.new_bool_var(f"{key[0]}:{key[1]}")
        return mm.lits[key]

    for li, le in enumerate(inst.lessons):
        vs = by_lesson[li]
        if relax:
            m.add_at_most_one(vs)
            m.add_bool_or(vs).only_enforce_if(lit(("cohort", le.cohort)))
        else:
            m.add_exactly_one(vs)
    for (_s, r), vs in by_room_slot.items():
        if len(vs) > 1:
            if relax:
                m.add(sum(vs) <= 1).only_enforce_if(lit(("rooms", inst.rooms[r].kind)))
            else:
                m.add_at_most_one(vs)
    if not relax:
        # Rooms by kind and capacity (exact in the slot model, redundant in the joint one).
        for s, _kind, lis, n in _room_fit(p):
            m.add(sum(v for li in lis for v in by_lesson_slot[li, s]) <= n)
    for (t, _s), vs in by_trainer_slot.items():
        if len(vs) > 1:
            if relax:
                m.add(sum(vs) <= 1).only_enforce_if(lit(("trainer", t)))
            else:
                m.add_at_most_one(vs)
    for vs in by_cohort_slot.values():
        if len(vs) > 1:
            m.add_at_most_one(vs)
    cap = inst.building_capacity
    for s, terms in load_terms.items():
        room = cap - inst.load(slots[s].id)
        # Only binding when the cohorts that could meet here exceed what is left.
        by_c: dict[str, int] = {}
        for li in range(len(inst.lessons)):
            if s in p.slots_of[li] and p.rooms_of[li]:
                c = inst.lessons[li].cohort
                by_c[c] = inst.cohort[c].size
        if sum(by_c.values()) <= room:
            continue
        ct = m.add(sum(k * v for k, v in terms) <= room)
        if relax:
            ct.only_enforce_if(lit(("slot", slots[s].id)))
    # Symmetry: identical lessons (same cohort, trainer, room kind) in increasing slot order.
    groups: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for li, le in enumerate(inst.lessons):
        groups[le.cohort, le.trainer, le.room_kind].append(li)
    slot_expr = defaultdict(list)
    for (li, s, _r), v in x.items():
        slot_expr[li].append((s, v))
    for (c_id, _, _), lis in groups.items():
        for a, b in zip(lis, lis[1:], strict=False):
            ea = sum(s * v for s, v in slot_expr[a])
            eb = sum(s * v for s, v in slot_expr[b])
            ct = m.add(ea < eb)
            if relax:
                ct.only_enforce_if(lit(("cohort", c_id)))
    if not relax:
        _objective(p, mm, by_cohort_slot, by_trainer_slot)
    return mm


def _gap_terms(
    m: cp_model.CpModel, runs: list[list[int]], busy_vars: Mapping[int, list], name: str
) -> list:
    """Bool gap indicators whose sum is the idle count of one entity, when minimised."""
    gaps = []
    for d, run in enumerate(runs):
        idx = [k for k, i in enumerate(run) if busy_vars.get(i)]
        if len(idx) < 2:
            continue
        run = run[idx[0] : idx[-1] + 1]
        busy: list[Any] = []
        for i in run:
            vs = busy_vars.get(i)
            if not vs:
                busy.append(None)
            elif len(vs) == 1:
                busy.append(vs[0])
            else:
                b = m.new_bool_var(f"busy_{name}_{i}")
                m.add(b == sum(vs))
                busy.append(b)
        n = len(run)
        before: list[Any] = [None] * n  # before[k]: busy somewhere in run[0..k]
        after: list[Any] = [None] * n  # after[k]: busy somewhere in run[k..n-1]
        for order, out in ((range(n), before), (range(n - 1, -1, -1), after)):
            prev = None
            for k in order:
                b = busy[k]
                if b is None:
                    out[k] = prev
                elif prev is None:
                    out[k] = b
                else:
                    v = m.new_bool_var(f"span_{name}_{d}_{k}")
                    m.add_implication(prev, v)
                    m.add_implication(b, v)
                    m.add_bool_or([prev, b]).only_enforce_if(v)
                    out[k] = v
                prev = out[k]
        for k in range(1, n - 1):
            a, z = before[k - 1], after[k + 1]
            if a is None or z is None:
                continue
            g = m.new_bool_var(f"gap_{name}_{d}_{k}")
            if busy[k] is None:
                m.add(g >= a + z - 1)
            else:
                m.add(g >= a + z - 1 - busy[k])
            gaps.append(g)
    return gaps


def _objective(p: _Prep, mm: _Model, by_cohort_slot: Mapping, by_trainer_slot: Mapping) -> None:
    inst, m, x = p.inst, mm.model, mm.x
    w = inst.weights
    terms: dict[str, list[tuple[int, Any]]] = {g: [] for g in GOALS}
    if w.cohort_gaps:
        for c in inst.cohorts:
            busy = {s: vs for (cid, s), vs in by_cohort_slot.items() if cid == c.id}
            runs = _day_runs(inst, lambda s, c=c: inst.allows(c, s.id))
            terms["cohort_gaps"] += [(1, g) for g in _gap_terms(m, runs, busy, f"c{c.id}")]
    if w.trainer_gaps:
        for t in inst.trainers:
            busy = {s: vs for (tid, s), vs in by_trainer_slot.items() if tid == t.id}
            runs = _day_runs(inst, lambda s, t=t: s.id not in t.unavailable)
            terms["trainer_gaps"] += [(1, g) for g in _gap_terms(m, runs, busy, f"t{t.id}")]
    if w.cohort_rooms and mm.with_rooms:
        by_cohort: dict[str, dict[int, list]] = defaultdict(lambda: defaultdict(list))
        for (li, _s, r), v in x.items():
            by_cohort[inst.lessons[li].cohort][r].append(v)
        kinds = _cohort_kinds(inst)
        for c_id, rooms in by_cohort.items():
            if len(rooms) <= len(kinds[c_id]):
                continue
            used = {}
            for r, vs in rooms.items():
                u = m.new_bool_var(f"uses_{c_id}_{r}")
                for v in vs:
                    m.add_implication(v, u)
                used[r] = u
            for k in kinds[c_id]:
                of_k = [u for r, u in used.items() if inst.rooms[r].kind == k]
                if of_k:
                    m.add_bool_or(of_k)
            terms["cohort_rooms"] += [(1, u) for u in used.values()]
            terms["cohort_rooms"].append((-len(kinds[c_id]), 1))
    if w.late_evening:
        slots = inst.ordered_slots
        terms["late_evening"] = [(1, v) for (_l, s, _r), v in x.items() if slots[s].end > LATE_END]
    mm.terms = terms
    mm.objective_terms = [g for g in GOALS if getattr(w, g) and terms[g]]
    mm.objective = sum(getattr(w, g) * k * v for g in GOALS for k, v in terms[g])
    m.minimize(mm.objective)


def _cohort_kinds(inst: Instance) -> dict[str, set[str]]:
    kinds: dict[str, set[str]] = defaultdict(set)
    for le in inst.lessons:
        kinds[le.cohort].add(le.room_kind)
    return kinds


class _Callback(cp_model.CpSolverSolutionCallback):
    """Times and progress over the successive solves of :func:`solve`. ``offset`` is added to
    the objective of the solve at hand; ``progress`` only hears of values below the last one
    reported."""

    def __init__(self, t0: float, limit: float, progress: Progress | None) -> None:
        super().__init__()
        self.t0, self.limit, self.progress = t0, limit, progress
        self.first: float | None = None
        self.last: float | None = None
        self.offset = 0
        self.reported = math.inf

    def on_solution_callback(self) -> None:
        now = time.perf_counter() - self.t0
        if self.first is None:
            self.first = now
        self.last = now
        value = self.offset + float(self.objective_value)
        if self.progress is not None and value < self.reported:
            self.reported = value
            self.progress(min(1.0, now / self.limit), value)


#: Share of the time limit spent looking for slots with no penalty at all.
PROBE_SHARE = 0.2
#: Share of the time left the slot model may use when it cannot prove optimality (the rest is
#: for the rooms; they usually take milliseconds, and any time left over goes to the joint model).
SLOT_SHARE = 0.9


def _run(
    model: cp_model.CpModel, seconds: float, workers: int, cb: _Callback | None
) -> tuple[int, cp_model.CpSolver]:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.01, seconds)
    solver.parameters.num_workers = workers
    status = solver.solve(model, cb) if cb is not None else solver.solve(model)
    return status, solver


def _bound(solver: cp_model.CpSolver) -> int:
    b = solver.best_objective_bound
    return int(math.ceil(b - 1e-6)) if math.isfinite(b) else 0


def _greedy_rooms(p: _Prep, slot_of: Sequence[int]) -> list[int]:
    """A room per lesson for slots that satisfy the room-fit conditions: per slot, lessons by
    decreasing cohort size, each in a free room of its kind that seats it (always exists, by
    Hall's condition: a room that fits a larger cohort fits every smaller one), preferring a room
    its cohort already uses, then one no other cohort uses, then the smallest."""
    inst = p.inst
    size = [inst.cohort[le.cohort].size for le in inst.lessons]
    mine: dict[str, set[int]] = defaultdict(set)
    taken_by: dict[int, set[str]] = defaultdict(set)
    room_of = [-1] * len(inst.lessons)
    by_slot: dict[int, list[int]] = defaultdict(list)
    for li, s in enumerate(slot_of):
        by_slot[s].append(li)
    for s in sorted(by_slot):
        free = set(range(len(inst.rooms)))
        for li in sorted(by_slot[s], key=lambda li: (-size[li], li)):
            c = inst.lessons[li].cohort
            fits = [r for r in p.rooms_of[li] if r in free]
            r = min(
                fits,
                key=lambda r: (
                    r not in mine[c],
                    bool(taken_by[r] - {c}),
                    inst.rooms[r].capacity,
                    r,
                ),
            )
            room_of[li] = r
            free.discard(r)
            mine[c].add(r)
            taken_by[r].add(c)
    return room_of


def _room_penalty(inst: Instance, room_of: Sequence[int]) -> int:
    used: dict[str, set[int]] = defaultdict(set)
    for li, r in enumerate(room_of):
        used[inst.lessons[li].cohort].add(r)
    kinds = _cohort_kinds(inst)
    return sum(len(rs) - len(kinds[c]) for c, rs in used.items())


def _assign_rooms(
    p: _Prep,
    slot_of: Sequence[int],
    greedy: list[int],
    seconds: float,
    workers: int,
    cb: _Callback,
) -> list[int]:
    """Rooms for fixed slots, with as few ``cohort_rooms`` as CP-SAT finds in ``seconds``
    (starting from, and never worse than, ``greedy``: :func:`_greedy_rooms`)."""
    inst = p.inst
    if not inst.weights.cohort_rooms or _room_penalty(inst, greedy) == 0 or seconds <= 0.01:
        return greedy
    m = cp_model.CpModel()
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    by_room_slot: dict[tuple[int, int], list] = defaultdict(list)
    used: dict[tuple[str, int], cp_model.IntVar] = {}
    for li, le in enumerate(inst.lessons):
        vs = []
        for r in p.rooms_of[li]:
            v = m.new_bool_var(f"x{li}_{r}")
            x[li, r] = v
            vs.append(v)
            by_room_slot[slot_of[li], r].append(v)
            if (le.cohort, r) not in used:
                used[le.cohort, r] = m.new_bool_var(f"uses_{le.cohort}_{r}")
            m.add_implication(v, used[le.cohort, r])
            m.add_hint(v, greedy[li] == r)
        m.add_exactly_one(vs)
    for vs in by_room_slot.values():
        if len(vs) > 1:
            m.add_at_most_one(vs)
    kinds = _cohort_kinds(inst)
    for c, ks in kinds.items():
        for k in ks:
            m.add_bool_or([u for (c2, r), u in used.items() if c2 == c and inst.rooms[r].kind == k])
    n_kinds = sum(len(ks) for ks in kinds.values())
    m.minimize(inst.weights.cohort_rooms * (sum(used.values()) - n_kinds))
    status, solver = _run(m, seconds, workers, cb)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return greedy
    found = [
        next(r for r in p.rooms_of[li] if solver.boolean_value(x[li, r]))
        for li in range(len(inst.lessons))
    ]
    return found if _room_penalty(inst, found) <= _room_penalty(inst, greedy) else greedy


def _read(solver: cp_model.CpSolver, mm: _Model, n: int) -> tuple[list[int], list[int]]:
    """(slot position, room position or -1) per lesson in the solver's solution."""
    slot_of, room_of = [-1] * n, [-1] * n
    for (li, s, r), v in mm.x.items():
        if solver.boolean_value(v):
            slot_of[li], room_of[li] = s, r
    return slot_of, room_of


def _assignments(inst: Instance, slot_of: Sequence[int], room_of: Sequence[int]) -> tuple:
    return tuple(
        Assignment(le.id, inst.ordered_slots[slot_of[li]].id, inst.rooms[room_of[li]].id)
        for li, le in enumerate(inst.lessons)
    )


def _success(
    inst: Instance,
    assignments: tuple[Assignment, ...],
    bound: int,
    first: float,
    best: float,
    t0: float,
    progress: Progress | None,
) -> Result:
    counts = evaluate(inst, assignments)
    penalties = {g: counts[g] * getattr(inst.weights, g) for g in GOALS}
    total = sum(penalties.values())
    status = "optimal" if total <= bound else "feasible"
    bound = min(bound, total)
    wall = time.perf_counter() - t0
    if progress is not None:
        progress(1.0, float(total))
    fr, ar = _summary(status, len(assignments), total, counts, inst.weights, bound)
    return Result(
        status, assignments, total, penalties, counts, bound, first, best, wall, (), fr, ar
    )


def _total(inst: Instance, assignments: Iterable[Assignment]) -> int:
    counts = evaluate(inst, assignments)
    return sum(counts[g] * getattr(inst.weights, g) for g in GOALS)


def solve(instance: Instance, progress: Progress | None = None) -> Result:
    """Solve ``instance`` within ``instance.time_limit_s`` with ``instance.workers`` workers.

    1. The slot model (no room variables; exact room-fit conditions) looks for slots with no
       penalty (at most ``PROBE_SHARE`` of the limit), else minimises the slot-based goals; its
       bound is a lower bound on the whole penalty (``cohort_rooms`` >= 0).
    2. Rooms for those slots: greedy, then a small CP-SAT model minimising ``cohort_rooms``.
    3. If the total is still above the bound and time is left, the joint model ``x[l,s,r]``
       looks for a better timetable (between the bound and the total, hinted with the one at
       hand); proving there is none makes it optimal.
    ``optimal`` only when the total reaches a proven lower bound; otherwise ``feasible`` with
    the best bound proven. The time limit is shared by the three steps.

    ``progress(fraction, best_objective)`` is called (from the solver's thread; keep it quick)
    at each improving solution, ``fraction`` being the share of the time limit used so far
    (``None`` never occurs today but callers must accept it) and ``best_objective`` the
    penalty so far, only when it decreases (while the slots are chosen, without the room
    changes), and once at the end with 1.0 and the final penalty when a timetable exists.
    Never raises for an infeasible instance: the :class:`Result` says why in French and Arabic.
    """
    t0 = time.perf_counter()
    inst = instance
    p = _prepare(inst)
    reasons = _cheap_reasons(p)
    if reasons:
        return _infeasible(reasons, t0)
    limit = float(inst.time_limit_s)
    deadline = t0 + limit
    n = len(inst.lessons)
    cb = _Callback(t0, limit, progress)

    def left() -> float:
        return deadline - time.perf_counter()

    # 1. Slots. First a timetable with no slot penalty at all: often there is one, and the
    # search for it with the objective as a constraint is much faster than the optimisation.
    sm = _build(p, relax=False, rooms=False)
    floor, found = 0, False
    if sm.objective_terms and PROBE_SHARE > 0:
        sm.model.add(sm.objective <= 0)
        sm.model.clear_objective()
        status, solver = _run(sm.model, limit * PROBE_SHARE, inst.workers, cb)
        found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
        if status == cp_model.INFEASIBLE:
            floor = min(getattr(inst.weights, g) for g in sm.objective_terms)
        if not found:
            sm = _build(p, relax=False, rooms=False)
            sm.model.add(sm.objective >= floor)
    if found:
        bound = 0
    else:
        status, solver = _run(sm.model, left() * SLOT_SHARE, inst.workers, cb)
        if status == cp_model.INFEASIBLE:
            return _infeasible(_core_reasons(p, max(1.0, left())), t0)
        if status == cp_model.MODEL_INVALID:  # pragma: no cover - a bug in _build
            raise RuntimeError(f"invalid CP-SAT model: {sm.model.validate()}")
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return _unknown(inst, t0)
        optimal = status == cp_model.OPTIMAL
        bound = int(round(solver.objective_value)) if optimal else max(floor, _bound(solver))
    first = cb.first if cb.first is not None else time.perf_counter() - t0
    slot_of, _ = _read(solver, sm, n)
    # 2. Rooms.
    greedy = _greedy_rooms(p, slot_of)
    w_rooms = inst.weights.cohort_rooms
    cb.offset = _total(inst, _assignments(inst, slot_of, greedy))
    cb.offset -= w_rooms * _room_penalty(inst, greedy)
    room_of = _assign_rooms(p, slot_of, greedy, left(), inst.workers, cb)
    cb.offset = 0
    best_at = time.perf_counter() - t0
    assignments = _assignments(inst, slot_of, room_of)
    total = _total(inst, assignments)
    # 3. Slots and rooms together, when rooms cost something.
    if total > bound and left() > 0.05:
        cb.last = None
        better, bound = _improve(p, slot_of, room_of, total, bound, left(), cb)
        if better is not None:
            assignments, total = better, _total(inst, better)
            best_at = cb.last if cb.last is not None else time.perf_counter() - t0
    return _success(inst, assignments, bound, first, best_at, t0, progress)


def _improve(
    p: _Prep,
    slot_of: Sequence[int],
    room_of: Sequence[int],
    total: int,
    bound: int,
    seconds: float,
    cb: _Callback,
) -> tuple[tuple[Assignment, ...] | None, int]:
    """Step 3 of :func:`solve`: the joint model looks for a timetable with a penalty between
    ``bound`` and ``total - 1``, hinted with the one at hand. Returns the better timetable found
    (or ``None``) and the new lower bound (``total`` when proven that none is better)."""
    inst = p.inst
    jm = _build(p, relax=False, rooms=True)
    jm.model.add(jm.objective >= bound)
    jm.model.add(jm.objective <= total - 1)
    for (li, s, r), v in jm.x.items():
        jm.model.add_hint(v, slot_of[li] == s and room_of[li] == r)
    status, solver = _run(jm.model, seconds, inst.workers, cb)
    if status == cp_model.INFEASIBLE:
        return None, total
    better = None
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        found = _assignments(inst, *_read(solver, jm, len(inst.lessons)))
        if _total(inst, found) < total:
            better, total = found, _total(inst, found)
    # The optimum is either the best timetable at hand or one the joint search bounds.
    joint = int(round(solver.objective_value)) if status == cp_model.OPTIMAL else _bound(solver)
    return better, max(bound, min(total, joint))


def _unknown(inst: Instance, t0: float) -> Result:
    lim = inst.time_limit_s
    fr = (
        f"Aucun emploi du temps trouvé en {lim:g} s, sans preuve qu'il n'en existe "
        f"aucun : relancez avec plus de temps."
    )
    ar = (
        f"لم يتم العثور على أي جدول زمني خلال {lim:g} ثانية، دون إثبات استحالته: "
        f"أعد المحاولة بوقت أطول."
    )
    return Result(
        "unknown",
        wall_time_s=time.perf_counter() - t0,
        reasons=(Reason("timeout", fr, ar),),
        explanation=fr,
        explanation_ar=ar,
    )


_GOAL_FR = {
    "cohort_gaps": "trous des cohortes",
    "trainer_gaps": "trous des formateurs",
    "cohort_rooms": "changements de salle",
    "late_evening": "séances après 21:00",
}
_GOAL_AR = {
    "cohort_gaps": "فراغات الأفواج",
    "trainer_gaps": "فراغات المكوّنين",
    "cohort_rooms": "تغييرات القاعة",
    "late_evening": "حصص بعد 21:00",
}


def _summary(
    status: str, n: int, total: int, counts: Mapping[str, int], w: Weights, bound: int | None
) -> tuple[str, str]:
    parts_fr = [f"{_GOAL_FR[g]} {counts[g]}×{getattr(w, g)}" for g in GOALS if counts[g]]
    parts_ar = [f"{_GOAL_AR[g]} {counts[g]}×{getattr(w, g)}" for g in GOALS if counts[g]]
    head_fr = "Emploi du temps optimal" if status == "optimal" else "Emploi du temps valide"
    head_ar = "جدول زمني أمثل" if status == "optimal" else "جدول زمني صالح"
    fr = f"{head_fr} : {n} séances placées, pénalité {total}"
    ar = f"{head_ar}: {n} حصة مبرمجة، مجموع النقاط السلبية {total}"
    if parts_fr:
        fr += f" ({', '.join(parts_fr)})"
        ar += f" ({'، '.join(parts_ar)})"
    if status == "feasible" and bound is not None:
        fr += f" ; aucun emploi du temps ne peut descendre sous {bound}"
        ar += f"؛ لا يمكن لأي جدول أن ينزل تحت {bound}"
    return fr + ".", ar + "."


def _infeasible(reasons: list[Reason], t0: float) -> Result:
    fr = "Aucun emploi du temps possible. " + " ".join(r.fr for r in reasons)
    ar = "لا يوجد أي جدول زمني ممكن. " + " ".join(r.ar for r in reasons)
    return Result(
        "infeasible",
        wall_time_s=time.perf_counter() - t0,
        reasons=tuple(reasons),
        explanation=fr,
        explanation_ar=ar,
    )


# ---------------------------------------------------------------------------------------------
# Explaining a proven infeasibility: a minimal set of cohorts and rule families


def _core_reasons(p: _Prep, budget: float) -> list[Reason]:
    deadline = time.perf_counter() + budget
    mm = _build(p, relax=True)
    m = mm.model
    keys = list(mm.lits)
    index = {mm.lits[k].index: k for k in keys}

    def run(assumed: list[tuple[str, str]]) -> tuple[int, list[tuple[str, str]]]:
        left = deadline - time.perf_counter()
        if left <= 0.05:
            return cp_model.UNKNOWN, []
        m.clear_assumptions()
        m.add_assumptions([mm.lits[k] for k in assumed])
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = left
        solver.parameters.num_workers = 1
        st = solver.solve(m)
        core = []
        if st == cp_model.INFEASIBLE:
            core = [index[i] for i in solver.sufficient_assumptions_for_infeasibility()]
        return st, core

    st, core = run(keys)
    if st != cp_model.INFEASIBLE:
        return [_generic_reason()]
    # Deletion filter, cohorts first: the smallest set of cohorts, then of rule families.
    order = {"cohort": 0, "trainer": 1, "rooms": 2, "slot": 3}
    core = sorted(set(core), key=lambda k: (order[k[0]], k[1]))
    kept: list[tuple[str, str]] = []
    todo = list(core)
    while todo:
        k = todo.pop(0)
        st, smaller = run(kept + todo)
        if st == cp_model.INFEASIBLE:
            if smaller:
                todo = [t for t in todo if t in smaller]
            continue
        kept.append(k)
    kept.sort(key=lambda k: (order[k[0]], k[1]))
    cohorts = [k[1] for k in kept if k[0] == "cohort"]
    # Which single cohort, removed, lets every other lesson be placed.
    fixes = []
    if len(cohorts) <= 6:
        for c in cohorts:
            st, _ = run([k for k in keys if k != ("cohort", c)])
            if st in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                fixes.append(c)
    return [_describe_core(p, kept, fixes)]


def _generic_reason() -> Reason:
    return Reason(
        "core",
        "Le solveur a prouvé qu'aucun emploi du temps n'existe, sans isoler la cause dans le "
        "temps imparti : vérifiez les créneaux permis, les disponibilités et les salles.",
        "أثبت البرنامج أنه لا يوجد أي جدول زمني، دون تحديد السبب في الوقت المتاح: راجع الفترات "
        "المسموح بها والتوفر والقاعات.",
    )


def _describe_core(p: _Prep, kept: list[tuple[str, str]], fixes: list[str]) -> Reason:
    inst = p.inst
    cohorts = [k for f, k in kept if f == "cohort"]
    trainers = [k for f, k in kept if f == "trainer"]
    kinds = [k for f, k in kept if f == "rooms"]
    slot_ids = [k for f, k in kept if f == "slot"]
    detail_fr, detail_ar = [], []
    for c in cohorts:
        lis = [li for li, le in enumerate(inst.lessons) if le.cohort == c]
        union = set().union(*(p.slots_of[li] for li in lis if p.rooms_of[li]))
        detail_fr.append(f"{c} : {len(lis)} séance(s), {len(union)} créneau(x) possible(s)")
        detail_ar.append(f"{c}: {len(lis)} حصة، {len(union)} فترة ممكنة")
    res_fr, res_ar = [], []
    for t in trainers:
        res_fr.append(f"le formateur {t} ne peut assurer qu'une séance à la fois")
        res_ar.append(f"المكوّن {t} لا يمكنه تأطير أكثر من حصة واحدة في الوقت نفسه")
    for k in kinds:
        n = sum(r.kind == k for r in inst.rooms)
        res_fr.append(f"il n'y a que {n} salle(s) de type {k}")
        res_ar.append(f"لا توجد إلا {n} قاعة من نوع {k}")
    if slot_ids:
        cap = inst.building_capacity
        labels_fr = [inst.slot[s].label("fr") for s in slot_ids]
        labels_ar = [inst.slot[s].label("ar") for s in slot_ids]
        res_fr.append(f"le bâtiment est limité à {cap} personnes aux créneaux {_and_fr(labels_fr)}")
        res_ar.append(f"طاقة المبنى محدودة في {cap} شخصا في الفترات {_and_ar(labels_ar)}")
    if not res_fr:
        res_fr.append(
            "leurs créneaux permis, les disponibilités et les salles adaptées ne suffisent pas"
        )
        res_ar.append("الفترات المسموح بها والتوفر والقاعات المناسبة غير كافية")
    if len(cohorts) == 1:
        head_fr = f"Impossible de planifier toutes les séances de la cohorte {cohorts[0]}"
        head_ar = f"يستحيل برمجة كل حصص الفوج {cohorts[0]}"
    else:
        head_fr = f"Impossible de planifier ensemble les cohortes {_and_fr(cohorts)}"
        head_ar = f"يستحيل برمجة الأفواج {_and_ar(cohorts)} معا"
    fr = f"{head_fr} ({' ; '.join(detail_fr)}) : {_and_fr(res_fr)}."
    ar = f"{head_ar} ({'؛ '.join(detail_ar)}): {_and_ar(res_ar)}."
    if fixes:
        fr += " " + " ".join(
            f"Sans la cohorte {c}, les autres peuvent être planifiées." for c in fixes
        )
        ar += " " + " ".join(f"بدون الفوج {c} يمكن برمجة باقي الأفواج." for c in fixes)
    return Reason(
        "core",
        fr,
        ar,
        cohorts=tuple(cohorts),
        trainers=tuple(trainers),
        rooms=tuple(r.id for r in inst.rooms if r.kind in kinds),
        slots=tuple(slot_ids),
    )


# ---------------------------------------------------------------------------------------------
# Parsing and the command line

_TIME = re.compile(r"^(\d{2}):(\d{2})$")
_INSTANCE_KEYS = {
    "building_capacity",
    "timeslots",
    "rooms",
    "trainers",
    "cohorts",
    "lessons",
    "other_load",
    "time_limit_s",
    "weights",
    "workers",
}
_REQUIRED = {"building_capacity", "timeslots", "rooms", "trainers", "cohorts", "lessons"}


def _keys(obj: object, where: str, required: set[str], allowed: set[str]) -> dict[str, Any]:
    return check_keys(obj, where, required, allowed, ValidationError)


def _time(value: object, where: str) -> int:
    return hhmm_minutes(value, where, _TIME, ValidationError)


def _ids(value: object, where: str) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise ValidationError(f"{where}: expected a list of slot ids")
    return frozenset(value)


def _list(data: dict[str, Any], key: str) -> list[Any]:
    if not isinstance(data[key], list):
        raise ValidationError(f"instance: {key!r} must be a list")
    return data[key]


def parse_instance(data: Any) -> Instance:
    """Build and validate an :class:`Instance` from the INSTANCE JSON (already decoded).

    Raises :class:`ValidationError` naming the first problem: missing or unknown keys, bad ids,
    duplicate ids, unknown references, negative sizes or capacities, bad times (``"25:00"``),
    end <= start, unknown day, overlapping slots, bad weights, time limit or workers.
    """
    data = _keys(data, "instance", _REQUIRED, _INSTANCE_KEYS)
    slots = []
    for k, raw in enumerate(_list(data, "timeslots")):
        s = _keys(
            raw, f"timeslots[{k}]", {"id", "day", "start", "end"}, {"id", "day", "start", "end"}
        )
        _check_id(s["id"], f"timeslots[{k}]")
        where = f"timeslot {s['id']!r}"
        slots.append(TimeSlot(s["id"], s["day"], _time(s["start"], where), _time(s["end"], where)))
    rooms = []
    for k, raw in enumerate(_list(data, "rooms")):
        r = _keys(raw, f"rooms[{k}]", {"id", "kind", "capacity"}, {"id", "kind", "capacity"})
        rooms.append(Room(r["id"], r["kind"], r["capacity"]))
    trainers = []
    for k, raw in enumerate(_list(data, "trainers")):
        t = _keys(raw, f"trainers[{k}]", {"id"}, {"id", "unavailable"})
        _check_id(t["id"], f"trainers[{k}]")
        trainers.append(
            Trainer(t["id"], _ids(t.get("unavailable", []), f"trainer {t['id']!r}: unavailable"))
        )
    cohorts = []
    for k, raw in enumerate(_list(data, "cohorts")):
        c = _keys(raw, f"cohorts[{k}]", {"id", "size"}, {"id", "size", "allowed"})
        _check_id(c["id"], f"cohorts[{k}]")
        allowed = c.get("allowed")
        cohorts.append(
            Cohort(
                c["id"],
                c["size"],
                None if allowed is None else _ids(allowed, f"cohort {c['id']!r}: allowed"),
            )
        )
    lessons = []
    lesson_keys = {"id", "cohort", "trainer", "room_kind"}
    for k, raw in enumerate(_list(data, "lessons")):
        le = _keys(raw, f"lessons[{k}]", lesson_keys, lesson_keys)
        lessons.append(Lesson(le["id"], le["cohort"], le["trainer"], le["room_kind"]))
    other = data.get("other_load", {})
    if not isinstance(other, dict):
        raise ValidationError("other_load must be an object {slot id: people}")
    weights_raw = data.get("weights", {})
    weights_raw = _keys(weights_raw, "weights", set(), set(GOALS))
    return Instance(
        building_capacity=data["building_capacity"],
        timeslots=tuple(slots),
        rooms=tuple(rooms),
        trainers=tuple(trainers),
        cohorts=tuple(cohorts),
        lessons=tuple(lessons),
        other_load=dict(other),
        weights=Weights(**weights_raw),
        time_limit_s=data.get("time_limit_s", 30.0),
        workers=data.get("workers", 2),
    )


def main(argv: Sequence[str] | None = None) -> int:
    """CLI: ``python -m markaz.engine.timetable INSTANCE.json`` -> RESULT JSON on stdout."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m markaz.engine.timetable INSTANCE.json", file=sys.stderr)
        return 2
    try:
        with open(args[0], encoding="utf-8") as f:
            data = json.load(f)
        instance = parse_instance(data)
    except OSError as e:
        print(f"error: cannot read {args[0]}: {e.strerror or e}", file=sys.stderr)
        return 2
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        print(f"error: {args[0]} is not valid JSON: {e}", file=sys.stderr)
        return 2
    except ValidationError as e:
        print(f"error: invalid instance: {e}", file=sys.stderr)
        return 2
    result = solve(instance)
    text = json.dumps(result.to_dict(), ensure_ascii=False, indent=1)
    sys.stdout.buffer.write(text.encode("utf-8") + b"\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
