"""Coverage of the "Code pour tous" caravan over a period: reads only, writes nothing.

Definitions (one place, so the page, the XLSX and the tests agree):

- A school is *reached* in a period if it has a VisitReport dated in it, a Visit marked done
  dated in it, or a ChildrenBooking (a class at the centre's children's space) starting in it.
- Pupils reached are counted from VisitReports and ChildrenBookings (a done visit without a
  report has no count). Pupils are minors: they are only ever counted, never listed.
  Breakdowns: by commune (the school's), by level (the school's level), by sex, and by
  urban/rural (the school's own area, which can differ from its commune's kind).
- Workshops held: one per distinct (school, date) among reports and done visits, plus one per
  children's-space booking.
- Kits: the inventory (Kit rows by kind and condition) and the kits reported broken in the
  period; usable = good + worn - reported broken (never below zero).
"""

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from markaz.core.access import has_role
from markaz.core.roles import Role

from .models import ChildrenBooking, Kit, School, Visit, VisitReport

# Figures only: the provincial viewer sees them too (no pupil is a person here).
COVERAGE_ROLES = frozenset({Role.ADMIN, Role.COORDINATOR, Role.CARAVAN, Role.PROVINCIAL})
LEVELS = [c for c, _label in School.Level.choices]
AREAS = [c for c, _label in School.Area.choices]
KIT_KINDS = [c for c, _label in Kit.Kind.choices]


@dataclass(frozen=True)
class Period:
    """Both ends included."""

    start: dt.date
    end: dt.date


def school_year(today: dt.date | None = None) -> Period:
    """The school year (1 September → 31 August) that contains `today`."""
    today = today or timezone.localdate()
    first = today.year if today.month >= 9 else today.year - 1
    return Period(dt.date(first, 9, 1), dt.date(first + 1, 8, 31))


@dataclass
class Counts:
    girls: int = 0
    boys: int = 0

    @property
    def total(self) -> int:
        return self.girls + self.boys

    def add(self, girls: int, boys: int) -> None:
        self.girls += girls
        self.boys += boys


@dataclass
class CommuneRow:
    code: str
    name: str
    kind: str
    schools_total: int = 0
    schools_reached: int = 0
    pupils: Counts = field(default_factory=Counts)


@dataclass
class KitRow:
    kind: str
    label: str
    good: int = 0
    worn: int = 0
    broken: int = 0
    broken_reported: int = 0

    @property
    def usable(self) -> int:
        return max(0, self.good + self.worn - self.broken_reported)


@dataclass
class Coverage:
    period: Period
    schools_total: int
    reached_ids: set[int]
    pupils: Counts
    by_commune: list[CommuneRow]
    by_level: dict[str, Counts]
    by_area: dict[str, Counts]
    workshops_held: int
    workshops_by_kind: dict[str, int]
    kits: list[KitRow]
    never_reached: list[School]
    schools: list[School]

    @property
    def schools_reached(self) -> int:
        return len(self.reached_ids)

    @property
    def share_reached(self) -> float:
        """Share of the province's schools reached, 0 to 1 (0 when there is no school)."""
        return self.schools_reached / self.schools_total if self.schools_total else 0.0

    @property
    def percent_reached(self) -> int:
        return round(100 * self.share_reached)

    def commune_values(self) -> dict[str, int]:
        """Pupils reached by commune code (what the map shades)."""
        return {row.code: row.pupils.total for row in self.by_commune}


def _bounds(period: Period) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(period.start, dt.time(0), tzinfo=tz)
    end = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
    return start, end


def coverage_compute(period: Period) -> Coverage:
    """The caravan's coverage in `period` (see the module's docstring for the definitions).

    No permission check: call `coverage_for_user` from a view."""
    start, end = _bounds(period)
    schools = list(School.objects.select_related("commune").order_by("commune__name_fr", "name_fr"))
    by_id = {s.pk: s for s in schools}
    reports = list(
        VisitReport.objects.filter(date__gte=period.start, date__lte=period.end).values(
            "school_id", "date", "girls", "boys", "kits_broken", "workshop__kind"
        )
    )
    done = list(
        Visit.objects.filter(
            status=Visit.Status.DONE, date__gte=period.start, date__lte=period.end
        ).values("school_id", "date", "workshop__kind")
    )
    bookings = list(
        ChildrenBooking.objects.filter(starts_at__gte=start, starts_at__lt=end).values(
            "school_id", "girls", "boys", "workshop__kind"
        )
    )

    reached = {r["school_id"] for r in reports} | {v["school_id"] for v in done}
    reached |= {b["school_id"] for b in bookings}

    pupils = Counts()
    by_level = {level: Counts() for level in LEVELS}
    by_area = {area: Counts() for area in AREAS}
    communes: dict[int, CommuneRow] = {}
    for s in schools:
        row = communes.setdefault(
            s.commune_id, CommuneRow(code=s.commune.code, name=s.commune.name, kind=s.commune.kind)
        )
        row.schools_total += 1
        row.schools_reached += s.pk in reached
    for item in [*reports, *bookings]:
        school = by_id[item["school_id"]]
        pupils.add(item["girls"], item["boys"])
        by_level[school.level].add(item["girls"], item["boys"])
        by_area[school.area].add(item["girls"], item["boys"])
        communes[school.commune_id].pupils.add(item["girls"], item["boys"])

    held: dict[tuple[int, dt.date], str] = {}
    for item in [*reports, *done]:
        held.setdefault((item["school_id"], item["date"]), item["workshop__kind"])
    kinds = Counter(held.values()) + Counter(b["workshop__kind"] for b in bookings)

    kits = {kind: KitRow(kind=kind, label=str(Kit.Kind(kind).label)) for kind in KIT_KINDS}
    for kit in Kit.objects.all():
        row = kits.setdefault(kit.kind, KitRow(kind=kit.kind, label=kit.kind))
        setattr(row, kit.condition, getattr(row, kit.condition) + kit.count)
    broken_reported: defaultdict[str, int] = defaultdict(int)
    for r in reports:
        for kind, n in (r["kits_broken"] or {}).items():
            broken_reported[kind] += int(n or 0)
    for kind, n in broken_reported.items():
        kits.setdefault(kind, KitRow(kind=kind, label=kind)).broken_reported += n

    return Coverage(
        period=period,
        schools_total=len(schools),
        reached_ids=reached,
        pupils=pupils,
        by_commune=sorted(communes.values(), key=lambda r: r.name),
        by_level=by_level,
        by_area=by_area,
        workshops_held=len(held) + len(bookings),
        workshops_by_kind=dict(kinds),
        kits=list(kits.values()),
        never_reached=[s for s in schools if s.pk not in reached],
        schools=schools,
    )


def coverage_for_user(user, period: Period) -> Coverage:
    """The coverage figures, for caravan staff, coordinators, admins and the provincial viewer."""
    if not has_role(user, COVERAGE_ROLES):
        raise PermissionDenied
    return coverage_compute(period)


def coverage_map_points(coverage: Coverage) -> list[dict]:
    """One map point per school: visited (reached in the period) or unvisited."""
    return [
        {
            "lat": float(s.latitude),
            "lon": float(s.longitude),
            "label": s.name,
            "kind": "visited" if s.pk in coverage.reached_ids else "unvisited",
        }
        for s in coverage.schools
    ]
