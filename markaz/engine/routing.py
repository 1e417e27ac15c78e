"""Caravan tour planning with PyVRP: prize-collecting VRPTW (team orienteering with windows).

Contract: :func:`solve` plans a period for the "Code pour tous" caravan. Each working day
(:class:`Day`) is one route from the base (the centre in Berkane) and back, inside the crew's
day (``start``..``end``) and, optionally, a maximum driving time. Schools (:class:`School`) are
visited inside their opening windows (several per day allowed, e.g. 09:00-13:00 and
15:00-17:00) for the workshop's ``service_min``; the whole service must end inside the window.
Not every school fits, so the plan maximises the total ``prize`` of the visits (weighted pupils,
computed by the caller), then minimises driving time. Details: ``docs/algorithms/routing.md``.

- **Model.** Time runs on one axis over the period (day ``k`` starts at ``k * 86400`` s). Each
  day is a PyVRP vehicle type (one vehicle) whose shift is that day's ``start``..``end``; each
  (school, day, window) is an optional PyVRP client at the school's location with that time
  window (latest start = close - service), so a client can only be served on its own day. The
  copies of one school form a mutually exclusive client group ("at most one of"); pins make a
  group required. Prizes are scaled so that one prize unit outweighs any possible driving
  (lexicographic objective). Driving time (seconds) is PyVRP's "distance", so
  ``max_drive_min`` is PyVRP's ``max_distance``; timetables use travel times rounded up to
  whole minutes, so every reported time is an exact minute.
- **Staff decisions.** ``pinned`` (school -> day(s): must be visited that day), ``forbidden``
  (school -> day ids, or ``"all"``), per-school ``days`` (allowed days) and ``day_windows``
  (windows of one day, e.g. no Wednesday afternoon; ``[]`` = closed), ``done`` (visits
  already made: they count towards ``max_visits``; one on a planned day is kept there) and
  ``fixed`` (visits on planned days kept as they are, optionally at a given ``start``). A school
  is visited at most ``max_visits`` times (default 1) and at most once a day.
- **Repeat visits are worth less.** ``repeat_factor`` (0..1, default 1.0: every visit is worth
  the full prize) makes a school's k-th visit of the period, ``done`` visits included, worth
  ``prize x repeat_factor ** (k - 1)``, so a plan reaches new schools before it returns to
  others. The reported ``prize`` sums these values (history visits take the first ranks).
- **Large periods** (a school year) are planned block by block of consecutive days (at most
  :data:`BLOCK_CLIENTS` PyVRP clients each), in order, each block seeing what earlier blocks
  planned; the time limit is shared in proportion to block sizes. A block values a school's
  next visit by the visits already done, required or planned by earlier blocks; inside a block,
  a school's copies form one client group over all the block's days, worth exactly that, when
  the block cannot hold more visits than it has schools to visit (a school year's blocks);
  otherwise one group per run of days, the first run's worth that and the next ones one more
  ``repeat_factor`` each (an approximation: PyVRP prizes belong to clients, and a group only
  says "at most one of").
- **Progress.** ``solve(..., progress=callback)`` calls ``callback(done, total)`` with the days
  planned so far out of the period's days: at the start (0), while a block is searched (by the
  time spent), after each block, and at the end (``total``); values only increase.
- **Distances** come from a :class:`DistanceMatrix`; :class:`HaversineMatrix` (great circle x
  road factor at a constant speed) is the default, a road matrix (OSRM) can replace it.
- :func:`solve_vrptw` solves Solomon VRPTW instances (benchmark of the solver).
- **Validation.** A malformed instance raises :class:`ValidationError` (a ``ValueError``) from
  :func:`parse_instance` / :func:`parse_solomon`; pins or fixed visits that cannot be honoured
  raise :class:`InfeasibleError`.

Command line (JSON on stdout)::

    python -m markaz.engine.routing tour INSTANCE.json
    python -m markaz.engine.routing vrptw FILE.txt [--time-limit S] [--seed N]

Malformed input exits 2 and an infeasible tour exits 1, with one ``error: ...`` line on stderr
and nothing on stdout.
"""

from __future__ import annotations

import json
import math
import re
import sys
import time
import warnings
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np
import pyvrp
from pyvrp import Client, ClientGroup, Depot, Location, ProblemData, VehicleType
from pyvrp.exceptions import PenaltyBoundWarning
from pyvrp.PenaltyManager import PenaltyParams
from pyvrp.stop import MaxRuntime, MultipleCriteria, NoImprovement

from markaz.engine._input import check_keys, hhmm_minutes

__all__ = [
    "BLOCK_CLIENTS",
    "Progress",
    "EARTH_RADIUS_KM",
    "Day",
    "DayPlan",
    "DistanceMatrix",
    "DoneVisit",
    "HaversineMatrix",
    "InfeasibleError",
    "Instance",
    "Point",
    "Result",
    "School",
    "SolomonInstance",
    "ValidationError",
    "Visit",
    "VrptwResult",
    "haversine_km",
    "main",
    "parse_instance",
    "parse_solomon",
    "read_solomon",
    "solve",
    "solve_vrptw",
]

#: Mean Earth radius (IUGG), km.
EARTH_RADIUS_KM = 6371.0088
#: Largest number of PyVRP clients (school x day x window copies) solved in one block.
BLOCK_CLIENTS = 1200
_DAY_S = 86_400
_PRIZE_SCALE = 100  # prizes are kept to 0.01
_SOLOMON_SCALE = 1000  # Solomon distances to 0.001 in PyVRP's integer matrices
_TOUR_PATIENCE = 20_000  # stop a tour block after this many iterations without improvement

#: ``progress(done, total)``: days planned so far out of the period's days.
Progress = Callable[[int, int], None]


class ValidationError(ValueError):
    """A malformed instance; the message says what is wrong and where."""


class InfeasibleError(ValueError):
    """Pinned or fixed visits that no plan can honour; the message names them."""


def _is_int(x: object) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _is_num(x: object) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def _check_id(x: object, what: str) -> None:
    if not isinstance(x, str) or not x:
        raise ValidationError(f"{what} id must be a non-empty string, got {x!r}")


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


# ---------------------------------------------------------------------------------------------
# Distances


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km between two points given in degrees."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class Point:
    """A place in degrees: ``-90 <= lat <= 90``, ``-180 <= lon <= 180``."""

    lat: float
    lon: float

    def __post_init__(self) -> None:
        if not (_is_num(self.lat) and _is_num(self.lon)):
            raise ValidationError(
                f"coordinates must be numbers, got lat={self.lat!r}, lon={self.lon!r}"
            )
        if not (-90 <= self.lat <= 90 and -180 <= self.lon <= 180):
            raise ValidationError(f"coordinates out of range: lat={self.lat}, lon={self.lon}")


@runtime_checkable
class DistanceMatrix(Protocol):
    """Road distances and driving times between points (index order of ``points``).

    ``table(points)`` returns ``(metres, seconds)``: two square matrices (sequences of
    sequences of non-negative floats), entry ``[i][j]`` for driving from ``points[i]`` to
    ``points[j]``. A road router (OSRM ``/table`` with ``annotations=distance,duration``) fits
    this interface directly.
    """

    def table(
        self, points: Sequence[Point]
    ) -> tuple[Sequence[Sequence[float]], Sequence[Sequence[float]]]: ...


@dataclass(frozen=True)
class HaversineMatrix:
    """Great-circle distance x ``road_factor`` (>= 1 on real roads), driven at ``speed_kmh``."""

    speed_kmh: float = 45.0
    road_factor: float = 1.3

    def __post_init__(self) -> None:
        if not _is_num(self.speed_kmh) or self.speed_kmh <= 0:
            raise ValidationError(f"speed_kmh must be a positive number, got {self.speed_kmh!r}")
        if not _is_num(self.road_factor) or self.road_factor <= 0:
            raise ValidationError(
                f"road_factor must be a positive number, got {self.road_factor!r}"
            )

    def table(self, points: Sequence[Point]) -> tuple[list[list[float]], list[list[float]]]:
        metres = [
            [1000.0 * self.road_factor * haversine_km(a.lat, a.lon, b.lat, b.lon) for b in points]
            for a in points
        ]
        per_metre = 3.6 / self.speed_kmh  # seconds per metre
        seconds = [[m * per_metre for m in row] for row in metres]
        return metres, seconds


# ---------------------------------------------------------------------------------------------
# Tour input


@dataclass(frozen=True)
class Day:
    """A working day of the caravan: crew from ``start`` to ``end`` (minutes since midnight,
    ``0 <= start < end <= 1440``), driving at most ``max_drive_min`` minutes (``None``: no
    limit beyond the day)."""

    id: str
    start: int
    end: int
    max_drive_min: float | None = None

    def __post_init__(self) -> None:
        _check_id(self.id, "day")
        if not (_is_int(self.start) and _is_int(self.end)):
            raise ValidationError(f"day {self.id!r}: start and end must be minutes (int)")
        if not (0 <= self.start <= 1440 and 0 <= self.end <= 1440):
            raise ValidationError(f"day {self.id!r}: time outside 00:00-24:00")
        if self.end <= self.start:
            raise ValidationError(
                f"day {self.id!r}: end {_hhmm(self.end)} is not after start {_hhmm(self.start)}"
            )
        if self.max_drive_min is not None and (
            not _is_num(self.max_drive_min) or self.max_drive_min < 0
        ):
            raise ValidationError(
                f"day {self.id!r}: max_drive_min must be a non-negative number, "
                f"got {self.max_drive_min!r}"
            )


Window = tuple[int, int]


def _check_windows(windows: object, where: str) -> None:
    if not isinstance(windows, tuple):
        raise ValidationError(f"{where}: windows must be a tuple of (start, end)")
    prev_end = -1
    for w in sorted(windows):
        if not (isinstance(w, tuple) and len(w) == 2 and all(_is_int(x) for x in w)):
            raise ValidationError(f"{where}: a window must be (start, end) in minutes")
        o, c = w
        if not (0 <= o <= 1440 and 0 <= c <= 1440):
            raise ValidationError(f"{where}: window time outside 00:00-24:00")
        if c <= o:
            raise ValidationError(
                f"{where}: window end {_hhmm(c)} is not after its start {_hhmm(o)}"
            )
        if o < prev_end:
            raise ValidationError(f"{where}: windows overlap")
        prev_end = c


@dataclass(frozen=True)
class School:
    """A school at (``lat``, ``lon``) open in ``windows`` (minutes, every planned day unless
    ``day_windows[day]`` says otherwise, ``()`` = closed that day); a workshop takes
    ``service_min`` minutes and is worth ``prize`` (>= 0). ``days``: the only days it may be
    visited (``None`` = any). ``max_visits`` (>= 1) over the period, done visits included."""

    id: str
    lat: float
    lon: float
    windows: tuple[Window, ...]
    service_min: int
    prize: float
    days: frozenset[str] | None = None
    day_windows: Mapping[str, tuple[Window, ...]] = field(default_factory=dict)
    max_visits: int = 1

    def __post_init__(self) -> None:
        _check_id(self.id, "school")
        where = f"school {self.id!r}"
        try:
            Point(self.lat, self.lon)
        except ValidationError as e:
            raise ValidationError(f"{where}: {e}") from None
        _check_windows(self.windows, where)
        for d, ws in self.day_windows.items():
            _check_windows(ws, f"{where}, day {d!r}")
        if not _is_int(self.service_min) or self.service_min < 0:
            raise ValidationError(
                f"{where}: service_min must be a non-negative integer, got {self.service_min!r}"
            )
        if not _is_num(self.prize) or self.prize < 0:
            raise ValidationError(f"{where}: prize must be a non-negative number")
        if not _is_int(self.max_visits) or self.max_visits < 1:
            raise ValidationError(f"{where}: max_visits must be an integer >= 1")

    def windows_on(self, day: str) -> tuple[Window, ...]:
        return self.day_windows.get(day, self.windows)


@dataclass(frozen=True)
class DoneVisit:
    """A visit of ``school`` on ``day``: done (history) or fixed (kept as planned). ``start``
    (minutes) pins its start time; ``None`` lets the planner choose it."""

    school: str
    day: str
    start: int | None = None


@dataclass(frozen=True)
class Instance:
    """A period to plan. ``days`` in chronological order. ``pinned``: school -> days it must be
    visited on; ``forbidden``: school -> days it must not be visited on (``None`` = never);
    ``done``: visits already made (days outside ``days`` are history, days inside are kept);
    ``fixed``: visits on planned days to keep. ``repeat_factor`` (0..1): a school's k-th
    visit in the period (done visits included) is worth ``prize x repeat_factor ** (k - 1)``;
    1.0 (the default) leaves every visit at its full prize. Raises :class:`ValidationError`
    on bad references, duplicates and contradictions."""

    base: Point
    days: tuple[Day, ...]
    schools: tuple[School, ...]
    speed_kmh: float = 45.0
    road_factor: float = 1.3
    time_limit_s: float = 30.0
    pinned: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    forbidden: Mapping[str, frozenset[str] | None] = field(default_factory=dict)
    done: tuple[DoneVisit, ...] = ()
    fixed: tuple[DoneVisit, ...] = ()
    seed: int = 0
    repeat_factor: float = 1.0

    def __post_init__(self) -> None:
        HaversineMatrix(self.speed_kmh, self.road_factor)
        if not _is_num(self.time_limit_s) or self.time_limit_s <= 0:
            raise ValidationError(
                f"time_limit_s must be a positive number, got {self.time_limit_s!r}"
            )
        if not _is_int(self.seed) or self.seed < 0:
            raise ValidationError(f"seed must be a non-negative integer, got {self.seed!r}")
        if not _is_num(self.repeat_factor) or not 0 <= self.repeat_factor <= 1:
            raise ValidationError(
                f"repeat_factor must be a number from 0 to 1, got {self.repeat_factor!r}"
            )
        day_ids = [d.id for d in self.days]
        school_ids = [s.id for s in self.schools]
        for what, ids in (("day", day_ids), ("school", school_ids)):
            dup = sorted({i for i in ids if ids.count(i) > 1})
            if dup:
                raise ValidationError(f"duplicate {what} id {dup[0]!r}")
        days, schools = set(day_ids), {s.id: s for s in self.schools}
        by_day = {d.id: d for d in self.days}
        for s in self.schools:
            for d in sorted((s.days or frozenset()) - days):
                raise ValidationError(f"school {s.id!r}: unknown day {d!r} in days")
            for d in sorted(set(s.day_windows) - days):
                raise ValidationError(f"school {s.id!r}: unknown day {d!r} in day_windows")
            if self.days:
                for o, c in s.windows:
                    if not any(o < d.end and c > d.start for d in self.days):
                        raise ValidationError(
                            f"school {s.id!r}: window {_hhmm(o)}-{_hhmm(c)} is outside every "
                            "day's hours"
                        )
            for d, ws in s.day_windows.items():
                day = by_day[d]
                for o, c in ws:
                    if not (o < day.end and c > day.start):
                        raise ValidationError(
                            f"school {s.id!r}: window {_hhmm(o)}-{_hhmm(c)} on day {d!r} is "
                            f"outside that day's hours {_hhmm(day.start)}-{_hhmm(day.end)}"
                        )
        for sid, ds in self.forbidden.items():
            if sid not in schools:
                raise ValidationError(f"forbidden: unknown school {sid!r}")
            for d in sorted((ds or frozenset()) - days):
                raise ValidationError(f"forbidden: school {sid!r}: unknown day {d!r}")
        seen: set[tuple[str, str]] = set()
        counts: dict[str, int] = defaultdict(int)
        for kind, visits in (("done", self.done), ("fixed", self.fixed)):
            for v in visits:
                if v.school not in schools:
                    raise ValidationError(f"{kind}: unknown school {v.school!r}")
                if not isinstance(v.day, str) or not v.day:
                    raise ValidationError(f"{kind}: school {v.school!r}: day must be a string")
                if kind == "fixed" and v.day not in days:
                    raise ValidationError(f"fixed: school {v.school!r}: unknown day {v.day!r}")
                if v.start is not None and v.day in days:
                    day = by_day[v.day]
                    svc = schools[v.school].service_min
                    if not (day.start <= v.start and v.start + svc <= day.end):
                        raise ValidationError(
                            f"{kind}: school {v.school!r} at {_hhmm(v.start)} on {v.day!r} is "
                            "outside that day's hours"
                        )
                if (v.school, v.day) in seen:
                    raise ValidationError(
                        f"{kind}: school {v.school!r} has two visits on day {v.day!r}"
                    )
                seen.add((v.school, v.day))
                counts[v.school] += 1
        for sid, ds in self.pinned.items():
            if sid not in schools:
                raise ValidationError(f"pinned: unknown school {sid!r}")
            s = schools[sid]
            for d in ds:
                if d not in days:
                    raise ValidationError(f"pinned: school {sid!r}: unknown day {d!r}")
                if s.days is not None and d not in s.days:
                    raise ValidationError(
                        f"pinned: school {sid!r} on {d!r}, a day it may not be visited"
                    )
                if sid in self.forbidden and (
                    self.forbidden[sid] is None or d in (self.forbidden[sid] or ())
                ):
                    raise ValidationError(f"pinned: school {sid!r} is forbidden on {d!r}")
                if (sid, d) not in seen:
                    counts[sid] += 1
        for s in self.schools:
            if counts[s.id] > s.max_visits:
                raise ValidationError(
                    f"school {s.id!r}: {counts[s.id]} done, fixed or pinned visits exceed "
                    f"max_visits {s.max_visits}"
                )


# ---------------------------------------------------------------------------------------------
# Tour output


@dataclass(frozen=True)
class Visit:
    """A workshop at ``school`` from ``start`` to ``end`` (minutes since midnight)."""

    school: str
    start: int
    end: int

    def to_dict(self) -> dict[str, str]:
        return {"school": self.school, "start": _hhmm(self.start), "end": _hhmm(self.end)}


@dataclass(frozen=True)
class DayPlan:
    """One day's route: visits in order, road ``km`` and driving minutes (base to base)."""

    id: str
    visits: tuple[Visit, ...]
    km: float
    drive_min: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "visits": [v.to_dict() for v in self.visits],
            "km": self.km,
            "drive_min": self.drive_min,
        }


@dataclass(frozen=True)
class Result:
    """The plan: one :class:`DayPlan` per planned day, the total ``prize`` of its visits (each
    after ``repeat_factor``), ``unvisited`` schools (no visit planned, fixed or done), and
    solver wall time."""

    days: tuple[DayPlan, ...]
    prize: float
    unvisited: tuple[str, ...]
    seconds: float = 0.0

    @property
    def visits(self) -> int:
        return sum(len(d.visits) for d in self.days)

    @property
    def km(self) -> float:
        return round(sum(d.km for d in self.days), 1)

    def to_dict(self) -> dict[str, Any]:
        return {
            "days": [d.to_dict() for d in self.days],
            "prize": self.prize,
            "unvisited": list(self.unvisited),
        }


# ---------------------------------------------------------------------------------------------
# Tour solver


@dataclass(frozen=True)
class _Copy:
    """One PyVRP client: ``school`` (index) on ``day`` (index) in the window [open, latest]."""

    school: int
    day: int
    open: int  # minutes
    latest: int  # latest start, minutes
    required_key: tuple[str, int, int] | None  # (kind, school, day) of a required visit


def _day_windows(s: School, d: Day) -> list[tuple[int, int]]:
    """Windows of ``s`` on ``d`` clipped to the crew's day, as (open, latest start)."""
    out = []
    for o, c in s.windows_on(d.id):
        o, c = max(o, d.start), min(c, d.end)
        if c - o >= s.service_min:
            out.append((o, c - s.service_min))
    return out


def _fits_alone(
    s: School, si: int, d: Day, windows: list[tuple[int, int]], tmin: np.ndarray, tsec: np.ndarray
) -> bool:
    """Can ``s`` be visited alone on ``d`` (base -> school -> base)?"""
    go, back = int(tmin[0, si + 1]), int(tmin[si + 1, 0])
    if d.max_drive_min is not None and tsec[0, si + 1] + tsec[si + 1, 0] > d.max_drive_min * 60:
        return False
    for o, latest in windows:
        start = max(o, d.start + go)
        if start <= latest and start + s.service_min + back <= d.end:
            return True
    return False


def _matrices(inst: Instance, matrix: DistanceMatrix) -> tuple[np.ndarray, np.ndarray]:
    points = [inst.base] + [Point(s.lat, s.lon) for s in inst.schools]
    metres, seconds = matrix.table(points)
    n = len(points)
    m, t = np.asarray(metres, dtype=float), np.asarray(seconds, dtype=float)
    for name, a in (("metres", m), ("seconds", t)):
        if a.shape != (n, n) or not np.all(np.isfinite(a)) or np.any(a < 0):
            raise ValidationError(
                f"distance matrix: {name} must be a {n}x{n} table of numbers >= 0"
            )
    return m, t


class _Reporter:
    """Calls ``progress(done, total)`` only when ``done`` grows (at most ``total``)."""

    def __init__(self, progress: Progress | None, total: int) -> None:
        self.progress, self.total, self.last = progress, total, -1

    def __call__(self, done: int) -> None:
        done = min(done, self.total)
        if self.progress is not None and done > self.last:
            self.last = done
            self.progress(done, self.total)


class _StopWithProgress:
    """PyVRP stopping criterion that also reports the block's share of days by time spent."""

    def __init__(self, stop: Any, limit: float, lo: int, hi: int, report: _Reporter) -> None:
        self.stop, self.limit, self.lo, self.hi, self.report = stop, limit, lo, hi, report
        self.t0 = time.monotonic()

    def __call__(self, best_cost: float) -> bool:
        if self.stop(best_cost):
            return True
        spent = min(1.0, (time.monotonic() - self.t0) / self.limit)
        self.report(self.lo + int(spent * (self.hi - self.lo)))
        return False


def solve(
    instance: Instance, matrix: DistanceMatrix | None = None, progress: Progress | None = None
) -> Result:
    """Plan the period (see the module docstring). ``matrix`` defaults to
    ``HaversineMatrix(instance.speed_kmh, instance.road_factor)``. ``progress(done, total)``,
    if given, is called with the days planned so far (increasing, from 0 to ``total`` = the
    number of days). Raises :class:`InfeasibleError` when pinned or fixed visits cannot all be
    honoured."""
    t0 = time.monotonic()
    inst = instance
    if matrix is None:
        matrix = HaversineMatrix(inst.speed_kmh, inst.road_factor)
    metres, tsec = _matrices(inst, matrix)
    tmin = np.ceil(tsec / 60 - 1e-9).astype(np.int64)  # timetable travel, whole minutes
    drive = np.rint(tsec).astype(np.int64)  # objective and max_drive, seconds
    sidx = {s.id: k for k, s in enumerate(inst.schools)}
    didx = {d.id: k for k, d in enumerate(inst.days)}

    # Required visits on planned days: fixed, done on a planned day, pinned.
    required: dict[tuple[int, int], DoneVisit | None] = {}
    history: dict[int, int] = defaultdict(int)
    for v in (*inst.done, *inst.fixed):
        if v.day in didx:
            required[(sidx[v.school], didx[v.day])] = v
        else:
            history[sidx[v.school]] += 1
    for sid, ds in inst.pinned.items():
        for d in ds:
            required.setdefault((sidx[sid], didx[d]), None)
    for (si, di), v in required.items():
        s, d = inst.schools[si], inst.days[di]
        ws = _day_windows(s, d) if v is None or v.start is None else [(v.start, v.start)]
        if not ws or not _fits_alone(s, si, d, ws, tmin, tsec):
            kind = "pinned" if v is None else "fixed"
            raise InfeasibleError(
                f"{kind} visit of school {s.id!r} on {d.id!r} cannot fit: no window of "
                f"{s.service_min} min reachable from the base within the day"
            )

    n_required = [0] * len(inst.schools)
    for si, _ in required:
        n_required[si] += 1
    remaining = [s.max_visits - history[k] - n_required[k] for k, s in enumerate(inst.schools)]
    # Visits a school already has or will have (done, required, planned by earlier blocks):
    # its next visit is worth prize x repeat_factor ** counted.
    counted = [history[k] + n_required[k] for k in range(len(inst.schools))]
    banned: dict[int, frozenset[str] | None] = {sidx[sid]: ds for sid, ds in inst.forbidden.items()}

    def allowed(si: int, d: Day) -> bool:
        s = inst.schools[si]
        if s.days is not None and d.id not in s.days:
            return False
        if si in banned and (banned[si] is None or d.id in (banned[si] or ())):
            return False
        return (si, didx[d.id]) not in required

    # Blocks of consecutive days, each with at most BLOCK_CLIENTS free copies (estimate).
    per_day = [
        sum(len(_day_windows(s, d)) for si, s in enumerate(inst.schools) if allowed(si, d))
        for d in inst.days
    ]
    blocks: list[list[int]] = []
    size = 0
    for di in range(len(inst.days)):
        if not blocks or size + per_day[di] > BLOCK_CLIENTS:
            blocks.append([])
            size = 0
        blocks[-1].append(di)
        size += per_day[di]
    total = max(1, sum(per_day) + len(required))
    report = _Reporter(progress, len(inst.days))
    report(0)
    routes: dict[int, list[tuple[int, _Copy]]] = {}
    days_done = 0
    for b, block in enumerate(blocks):
        share = (sum(per_day[di] for di in block) + 1) / total
        limit = max(0.05, inst.time_limit_s * share)
        span = (days_done, days_done + len(block), report) if progress is not None else None
        planned = _solve_block(
            inst, block, required, remaining, counted, allowed, tmin, drive, limit, inst.seed + b,
            span=span,
        )  # fmt: skip
        for di, seq in planned.items():
            routes[di] = seq
            for _, c in seq:
                if c.required_key is None:
                    remaining[c.school] -= 1
                    counted[c.school] += 1
        days_done += len(block)
        report(days_done)

    plans, prize = [], 0.0
    visited = {sidx[v.school] for v in inst.done}
    rank = dict(history)  # visits before this one (history first, then in day order)
    for di, d in enumerate(inst.days):
        seq = routes.get(di, [])
        visits, t, prev, km, drv = [], d.start, 0, 0.0, 0.0
        for _, c in seq:
            loc = c.school + 1
            start = max(t + int(tmin[prev, loc]), c.open)
            s = inst.schools[c.school]
            visits.append(Visit(s.id, start, start + s.service_min))
            km += metres[prev, loc]
            drv += tsec[prev, loc]
            t, prev = start + s.service_min, loc
            prize += s.prize * inst.repeat_factor ** rank.get(c.school, 0)
            rank[c.school] = rank.get(c.school, 0) + 1
            visited.add(c.school)
        if seq:
            km += metres[prev, 0]
            drv += tsec[prev, 0]
        plans.append(DayPlan(d.id, tuple(visits), round(km / 1000, 1), round(drv / 60, 1)))
    unvisited = tuple(s.id for k, s in enumerate(inst.schools) if k not in visited)
    report(len(inst.days))
    return Result(tuple(plans), round(prize, 2), unvisited, round(time.monotonic() - t0, 3))


def _solve_block(
    inst: Instance,
    block: list[int],
    required: Mapping[tuple[int, int], DoneVisit | None],
    remaining: list[int],
    counted: list[int],
    allowed: Any,
    tmin: np.ndarray,
    drive: np.ndarray,
    limit: float,
    seed: int,
    span: tuple[int, int, _Reporter] | None = None,
) -> dict[int, list[tuple[int, _Copy]]]:
    """Solve one block of days with PyVRP; returns day index -> [(client, copy)] in order.

    A free copy in the school's ``g``-th group of the block is worth prize x repeat_factor **
    (counted + g); ``span = (lo, hi, report)`` reports days lo..hi by the time spent."""
    copies: list[_Copy] = []
    worth: list[float] = []  # prize factor of each copy
    groups: list[tuple[list[int], bool]] = []

    def add(cs: list[_Copy], must: bool, factor: float = 1.0) -> None:
        ids = list(range(len(copies), len(copies) + len(cs)))
        copies.extend(cs)
        worth.extend([factor] * len(cs))
        if len(ids) > 1 or must:
            groups.append((ids, must))

    for (si, di), v in required.items():
        if di in block:
            s, d = inst.schools[si], inst.days[di]
            if v is not None and v.start is not None:
                ws = [(v.start, v.start)]
            else:
                ws = _day_windows(s, d)
            key = ("required", si, di)
            add([_Copy(si, di, o, la, key) for o, la in ws], True)
    free: list[tuple[int, list[int], dict[int, list[tuple[int, int]]]]] = []
    for si, s in enumerate(inst.schools):
        days = [di for di in block if allowed(si, inst.days[di])]
        per_day = {di: _day_windows(s, inst.days[di]) for di in days}
        days = [di for di in days if per_day[di]]
        if remaining[si] > 0 and days:
            free.append((si, days, per_day))
    # With repeat visits worth less, a group's copies carry one value whichever day is chosen.
    # When the block cannot hold more visits than there are schools to visit (at most one
    # workshop of the shortest service after another, all day long), one group a school is
    # enough and values its next visit exactly; otherwise the g-th group of a school is worth
    # one more repeat_factor (an underestimate when an earlier group is left out).
    one_each = False
    if inst.repeat_factor < 1 and free:
        shortest = max(1, min(inst.schools[si].service_min for si, _, _ in free))
        room = sum((inst.days[di].end - inst.days[di].start) // shortest for di in block)
        one_each = len(free) >= room
    for si, days, per_day in free:
        # At most one visit a day, at most r in the block: r groups of consecutive days.
        k = 1 if one_each else min(remaining[si], len(days))
        for g in range(k):
            part = days[g * len(days) // k : (g + 1) * len(days) // k]
            factor = inst.repeat_factor ** (counted[si] + g)
            add([_Copy(si, di, o, la, None) for di in part for o, la in per_day[di]], False, factor)
    if not copies:
        return {}

    # Lexicographic objective: one prize unit (0.01) outweighs all driving in the block.
    big = 1 + sum(
        min(
            (inst.days[di].end - inst.days[di].start) * 60,
            (1e9 if inst.days[di].max_drive_min is None else inst.days[di].max_drive_min) * 60,
        )
        for di in block
    )
    big = int(big)
    locations = [Location(inst.base.lon, inst.base.lat)] + [
        Location(s.lon, s.lat) for s in inst.schools
    ]
    clients = []
    gidx = {c: g for g, (ids, _) in enumerate(groups) for c in ids}
    max_prize = 1
    for k, c in enumerate(copies):
        s, off = inst.schools[c.school], _offset(c.day)
        p = round(s.prize * worth[k] * _PRIZE_SCALE) * big
        max_prize = max(max_prize, p)
        clients.append(
            Client(
                location=c.school + 1,
                service_duration=s.service_min * 60,
                tw_early=off + c.open * 60,
                tw_late=off + c.latest * 60,
                prize=p,
                required=c.required_key is not None and k not in gidx,
                group=gidx.get(k),
            )
        )
    vehicles = []
    for di in block:
        d, off = inst.days[di], _offset(di)
        kw: dict[str, Any] = {}
        if d.max_drive_min is not None:
            kw["max_distance"] = int(math.floor(d.max_drive_min * 60))
        vehicles.append(
            VehicleType(
                num_available=1,
                tw_early=off + d.start * 60,
                tw_late=off + d.end * 60,
                start_late=off + d.end * 60,
                name=d.id,
                **kw,
            )
        )
    data = ProblemData(
        locations=locations,
        clients=clients,
        depots=[Depot(0)],
        vehicle_types=vehicles,
        distance_matrices=[drive],
        duration_matrices=[tmin * 60],
        groups=[ClientGroup(ids, required=must) for ids, must in groups],
    )
    max_penalty = float(max(100_000, 4 * max_prize))
    params = pyvrp.SolveParams(penalty=PenaltyParams(max_penalty=max_penalty))
    stop: Any = MultipleCriteria([MaxRuntime(limit), NoImprovement(_TOUR_PATIENCE)])
    if span is not None:
        stop = _StopWithProgress(stop, limit, *span)
    with warnings.catch_warnings():
        # Raised when pins cannot all be honoured; reported below as InfeasibleError.
        warnings.simplefilter("ignore", PenaltyBoundWarning)
        res = pyvrp.solve(data, stop, seed=seed, display=False, params=params)
    best = res.best
    if not best.is_feasible():
        names = ", ".join(inst.days[di].id for di in block)
        raise InfeasibleError(
            f"no plan honours every pinned and fixed visit on days {names} "
            "(too many for the time available)"
        )
    out: dict[int, list[tuple[int, _Copy]]] = {}
    for route in best.routes():
        di = block[route.vehicle_type()]
        seq = [(a.idx, copies[a.idx]) for a in route.schedule() if a.is_client()]
        out[di] = seq
    return out


def _offset(day_index: int) -> int:
    """Start of day ``day_index`` on the period's time axis, in seconds."""
    return day_index * _DAY_S


# ---------------------------------------------------------------------------------------------
# Tour parsing

_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
_INSTANCE_KEYS = {
    "base", "days", "schools", "speed_kmh", "road_factor", "time_limit_s", "pinned",
    "forbidden", "done", "fixed", "seed", "repeat_factor",
}  # fmt: skip
_SCHOOL_KEYS = {
    "id", "lat", "lon", "windows", "service_min", "prize", "days", "day_windows", "max_visits",
}  # fmt: skip


def _keys(obj: object, where: str, required: set[str], allowed: set[str]) -> dict[str, Any]:
    return check_keys(obj, where, required, allowed, ValidationError)


def _time(value: object, where: str) -> int:
    return hhmm_minutes(value, where, _TIME, ValidationError)


def _windows(value: object, where: str) -> tuple[Window, ...]:
    if not isinstance(value, list):
        raise ValidationError(f"{where}: windows must be a list of [start, end]")
    out = []
    for w in value:
        if not (isinstance(w, list) and len(w) == 2):
            raise ValidationError(f"{where}: a window must be [start, end], got {w!r}")
        out.append((_time(w[0], where), _time(w[1], where)))
    return tuple(out)


def _minutes(value: object, where: str) -> int:
    if not _is_num(value):
        raise ValidationError(f"{where}: expected a number of minutes, got {value!r}")
    if value < 0:
        raise ValidationError(f"{where}: must not be negative, got {value!r}")
    if value != int(value):
        raise ValidationError(f"{where}: must be whole minutes, got {value!r}")
    return int(value)


def _day_list(value: object, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(x, str) and x for x in value):
        raise ValidationError(f"{where}: expected a day id or a list of day ids")
    if len(set(value)) != len(value):
        raise ValidationError(f"{where}: duplicate day id")
    return tuple(value)


def _visits(value: object, kind: str) -> tuple[DoneVisit, ...]:
    if not isinstance(value, list):
        raise ValidationError(f"{kind} must be a list of visits")
    out = []
    for k, raw in enumerate(value):
        v = _keys(raw, f"{kind}[{k}]", {"school", "day"}, {"school", "day", "start", "end"})
        _check_id(v["school"], f"{kind}[{k}] school")
        _check_id(v["day"], f"{kind}[{k}] day")
        start = _time(v["start"], f"{kind}[{k}] start") if "start" in v else None
        if "end" in v:
            _time(v["end"], f"{kind}[{k}] end")
        out.append(DoneVisit(v["school"], v["day"], start))
    return tuple(out)


def parse_instance(data: Any) -> Instance:
    """Build and validate an :class:`Instance` from the INSTANCE JSON (already decoded).

    Raises :class:`ValidationError` naming the first problem: missing or unknown keys, bad or
    duplicate ids, bad times, end <= start, negative service, non-numeric coordinates, windows
    outside the day, unknown day or school references, contradictory pins.
    """
    data = _keys(data, "instance", {"base", "days", "schools"}, _INSTANCE_KEYS)
    b = _keys(data["base"], "base", {"lat", "lon"}, {"lat", "lon"})
    try:
        base = Point(b["lat"], b["lon"])
    except ValidationError as e:
        raise ValidationError(f"base: {e}") from None
    for key in ("days", "schools"):
        if not isinstance(data[key], list):
            raise ValidationError(f"instance: {key!r} must be a list")
    days = []
    for k, raw in enumerate(data["days"]):
        d = _keys(
            raw, f"days[{k}]", {"id", "start", "end"}, {"id", "start", "end", "max_drive_min"}
        )
        _check_id(d["id"], f"days[{k}]")
        where = f"day {d['id']!r}"
        days.append(
            Day(d["id"], _time(d["start"], where), _time(d["end"], where), d.get("max_drive_min"))
        )
    schools = []
    for k, raw in enumerate(data["schools"]):
        s = _keys(
            raw, f"schools[{k}]", {"id", "lat", "lon", "windows", "service_min"}, _SCHOOL_KEYS
        )
        _check_id(s["id"], f"schools[{k}]")
        where = f"school {s['id']!r}"
        windows = _windows(s["windows"], where)
        dw = s.get("day_windows", {})
        if not isinstance(dw, dict):
            raise ValidationError(f"{where}: day_windows must be an object {{day id: windows}}")
        allowed = s.get("days")
        schools.append(
            School(
                s["id"],
                s["lat"],
                s["lon"],
                windows,
                _minutes(s["service_min"], f"{where}: service_min"),
                s.get("prize", 1),
                None if allowed is None else frozenset(_day_list(allowed, f"{where}: days")),
                {day: _windows(ws, f"{where}, day {day!r}") for day, ws in dw.items()},
                s.get("max_visits", 1),
            )
        )
    pinned_raw = data.get("pinned", {})
    if not isinstance(pinned_raw, dict):
        raise ValidationError("pinned must be an object {school id: day id or [day ids]}")
    pinned = {sid: _day_list(v, f"pinned {sid!r}") for sid, v in pinned_raw.items()}
    forbidden_raw = data.get("forbidden", {})
    if not isinstance(forbidden_raw, dict):
        raise ValidationError('forbidden must be an object {school id: [day ids] or "all"}')
    forbidden = {
        sid: None if v == "all" else frozenset(_day_list(v, f"forbidden {sid!r}"))
        for sid, v in forbidden_raw.items()
    }
    return Instance(
        base=base,
        days=tuple(days),
        schools=tuple(schools),
        speed_kmh=data.get("speed_kmh", 45.0),
        road_factor=data.get("road_factor", 1.3),
        time_limit_s=data.get("time_limit_s", 30.0),
        pinned=pinned,
        forbidden=forbidden,
        done=_visits(data.get("done", []), "done"),
        fixed=_visits(data.get("fixed", []), "fixed"),
        seed=data.get("seed", 0),
        repeat_factor=data.get("repeat_factor", 1.0),
    )


# ---------------------------------------------------------------------------------------------
# Solomon VRPTW


@dataclass(frozen=True)
class SolomonInstance:
    """A Solomon VRPTW instance: ``nodes[0]`` is the depot; each node is
    ``(number, x, y, demand, ready, due, service)``."""

    name: str
    vehicles: int
    capacity: int
    nodes: tuple[tuple[int, float, float, int, float, float, float], ...]

    def distance(self, i: int, j: int) -> float:
        a, b = self.nodes[i], self.nodes[j]
        return math.hypot(a[1] - b[1], a[2] - b[2])


@dataclass(frozen=True)
class VrptwResult:
    """Routes as customer numbers of the file, total Euclidean ``distance`` (double precision,
    rounded to 0.01), routes used, and whether the routes pass a double-precision check."""

    distance: float
    vehicles: int
    routes: tuple[tuple[int, ...], ...]
    feasible: bool
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "distance": self.distance,
            "vehicles": self.vehicles,
            "routes": [list(r) for r in self.routes],
            "feasible": self.feasible,
        }


def parse_solomon(text: str) -> SolomonInstance:
    """Parse a Solomon-format text (name, VEHICLE NUMBER/CAPACITY, CUSTOMER rows)."""
    lines = [ln.strip() for ln in text.splitlines()]
    lines = [ln for ln in lines if ln]
    if not lines:
        raise ValidationError("solomon: empty file")
    name = lines[0]
    try:
        k = next(
            i for i, ln in enumerate(lines) if "NUMBER" in ln.upper() and "CAPACITY" in ln.upper()
        )
    except StopIteration:
        raise ValidationError("solomon: no 'NUMBER CAPACITY' header") from None
    fleet = lines[k + 1].split() if k + 1 < len(lines) else []
    if len(fleet) != 2 or not all(x.isdigit() for x in fleet):
        raise ValidationError(
            "solomon: expected two integers (vehicles, capacity) after the header"
        )
    vehicles, capacity = int(fleet[0]), int(fleet[1])
    if vehicles < 1 or capacity < 0:
        raise ValidationError("solomon: needs at least one vehicle and a capacity >= 0")
    heads = [i for i, ln in enumerate(lines) if ln.upper().startswith("CUST")]
    if not heads:
        raise ValidationError("solomon: no 'CUST NO.' header")
    c = heads[-1]
    nodes = []
    for ln in lines[c + 1 :]:
        parts = ln.split()
        if len(parts) != 7:
            raise ValidationError(f"solomon: expected 7 columns, got {len(parts)} in {ln!r}")
        try:
            num, demand = int(parts[0]), int(parts[3])
            x, y, ready, due, service = (float(parts[i]) for i in (1, 2, 4, 5, 6))
        except ValueError:
            raise ValidationError(f"solomon: non-numeric value in {ln!r}") from None
        if num != len(nodes):
            raise ValidationError(f"solomon: node {num} out of order (expected {len(nodes)})")
        if not all(math.isfinite(v) for v in (x, y, ready, due, service)):
            raise ValidationError(f"solomon: bad number in {ln!r}")
        if demand < 0 or service < 0 or due < ready:
            raise ValidationError(f"solomon: node {num}: negative demand/service or due < ready")
        if demand > capacity:
            raise ValidationError(f"solomon: node {num}: demand {demand} exceeds the capacity")
        nodes.append((num, x, y, demand, ready, due, service))
    if len(nodes) < 2:
        raise ValidationError("solomon: needs a depot (node 0) and at least one customer")
    return SolomonInstance(name, vehicles, capacity, tuple(nodes))


def read_solomon(path: str) -> SolomonInstance:
    """Read and parse a Solomon file; ``OSError`` when unreadable."""
    with open(path, encoding="utf-8") as f:
        return parse_solomon(f.read())


def _vrptw_check(inst: SolomonInstance, routes: Sequence[Sequence[int]]) -> bool:
    """Double-precision check: every customer once, capacity, windows, back by depot due."""
    seen = sorted(c for r in routes for c in r)
    if seen != list(range(1, len(inst.nodes))) or len(routes) > inst.vehicles:
        return False
    depot = inst.nodes[0]
    for r in routes:
        if sum(inst.nodes[c][3] for c in r) > inst.capacity:
            return False
        t, prev = depot[4], 0
        for c in r:
            t = max(t + inst.distance(prev, c), inst.nodes[c][4])
            if t > inst.nodes[c][5] + 1e-9:
                return False
            t += inst.nodes[c][6]
            prev = c
        if t + inst.distance(prev, 0) > depot[5] + 1e-9:
            return False
    return True


def solve_vrptw(inst: SolomonInstance, time_limit_s: float = 30.0, seed: int = 0) -> VrptwResult:
    """Minimise total distance with every customer served, fleet and capacity from the file.

    Distances go to PyVRP scaled by 1000 (rounded); travel times are rounded up so a route
    feasible in integers is feasible in double precision. The reported distance is recomputed
    from the routes in double precision."""
    t0 = time.monotonic()
    n = len(inst.nodes)
    xy = np.array([(nd[1], nd[2]) for nd in inst.nodes])
    exact = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2))
    dist = np.rint(exact * _SOLOMON_SCALE).astype(np.int64)
    dur = np.ceil(exact * _SOLOMON_SCALE - 1e-6).astype(np.int64)
    np.fill_diagonal(dur, 0)

    def sc(v: float) -> int:
        return int(round(v * _SOLOMON_SCALE))

    depot = inst.nodes[0]
    data = ProblemData(
        locations=[Location(nd[1], nd[2]) for nd in inst.nodes],
        clients=[
            Client(
                location=k,
                delivery=[inst.nodes[k][3]],
                service_duration=sc(inst.nodes[k][6]),
                tw_early=sc(inst.nodes[k][4]),
                tw_late=sc(inst.nodes[k][5]),
            )
            for k in range(1, n)
        ],
        depots=[Depot(0, tw_early=sc(depot[4]), tw_late=sc(depot[5]))],
        vehicle_types=[
            VehicleType(
                num_available=inst.vehicles,
                capacity=[inst.capacity],
                tw_early=sc(depot[4]),
                tw_late=sc(depot[5]),
            )
        ],
        distance_matrices=[dist],
        duration_matrices=[dur],
    )
    res = pyvrp.solve(data, MaxRuntime(time_limit_s), seed=seed, display=False)
    routes = tuple(
        tuple(inst.nodes[a.idx + 1][0] for a in r.schedule() if a.is_client())
        for r in res.best.routes()
    )
    routes = tuple(r for r in routes if r)
    total = sum(
        sum(inst.distance(a, b) for a, b in zip((0, *r), (*r, 0), strict=True)) for r in routes
    )
    feasible = res.best.is_feasible() and _vrptw_check(inst, routes)
    return VrptwResult(
        round(total, 2), len(routes), routes, feasible, round(time.monotonic() - t0, 3)
    )


# ---------------------------------------------------------------------------------------------
# Command line

_USAGE = (
    "usage: python -m markaz.engine.routing tour INSTANCE.json\n"
    "       python -m markaz.engine.routing vrptw FILE.txt [--time-limit S] [--seed N]"
)


def _write(obj: Any) -> None:
    text = json.dumps(obj, ensure_ascii=False, indent=1)
    sys.stdout.buffer.write(text.encode("utf-8") + b"\n")
    sys.stdout.flush()


def _err(msg: str, code: int = 2) -> int:
    print(f"error: {msg}", file=sys.stderr)
    return code


def _vrptw_cli(args: list[str]) -> int:
    path, limit, seed = None, 30.0, 0
    it = iter(args)
    for a in it:
        if a in ("--time-limit", "--seed"):
            v = next(it, None)
            try:
                if a == "--seed":
                    seed = int(v)  # type: ignore[arg-type]
                    if seed < 0:
                        raise ValueError
                else:
                    limit = float(v)  # type: ignore[arg-type]
                    if not (math.isfinite(limit) and limit > 0):
                        raise ValueError
            except (TypeError, ValueError):
                return _err(f"{a} needs a positive number, got {v!r}")
        elif a.startswith("-") or path is not None:
            return _err(f"unexpected argument {a!r} (see --help)")
        else:
            path = a
    if path is None:
        return _err("vrptw: missing FILE.txt")
    try:
        inst = read_solomon(path)
    except OSError as e:
        return _err(f"cannot read {path}: {e.strerror or e}")
    except UnicodeDecodeError:
        return _err(f"{path} is not a text file")
    except ValidationError as e:
        return _err(f"invalid Solomon file {path}: {e}")
    _write(solve_vrptw(inst, limit, seed).to_dict())
    return 0


def _tour_cli(args: list[str]) -> int:
    if len(args) != 1:
        return _err("tour: expected one INSTANCE.json")
    try:
        with open(args[0], encoding="utf-8") as f:
            data = json.load(f)
        instance = parse_instance(data)
    except OSError as e:
        return _err(f"cannot read {args[0]}: {e.strerror or e}")
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        return _err(f"{args[0]} is not valid JSON: {e}")
    except ValidationError as e:
        return _err(f"invalid instance: {e}")
    try:
        result = solve(instance)
    except InfeasibleError as e:
        return _err(f"infeasible: {e}", 1)
    _write(result.to_dict())
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """CLI entry point; returns the exit status (0 ok, 1 infeasible tour, 2 bad input)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in ("tour", "vrptw"):
        print(_USAGE, file=sys.stderr)
        return 2
    return _tour_cli(args[1:]) if args[0] == "tour" else _vrptw_cli(args[1:])


if __name__ == "__main__":
    sys.exit(main())
