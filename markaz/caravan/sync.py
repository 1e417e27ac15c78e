"""The caravan tablet's offline sync: what the tablet reads (selectors) and how its records are
stored (services).

The tablet records visit reports offline. Each report carries a `client_id` made on the device
and the `base_version`: the server version the device last saw (0 for a new report). Uploads are
idempotent: a replayed item with the same content changes nothing, and an item edited on the
server since the device last saw it is answered as a conflict with the server's copy, never
overwritten. Every item is validated and stored in its own transaction.
"""

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from markaz.core.access import require_role, user_role
from markaz.core.roles import Role

from .models import Kit, School, Vehicle, Visit, VisitReport, Workshop

# Who uses the tablet: the caravan crew, and the admins and coordinators who stand in for it.
TABLET_ROLES = frozenset({Role.CARAVAN, Role.ADMIN, Role.COORDINATOR})

# A plausible ceiling for one workshop's pupils of one sex (and for kits of one kind).
MAX_PER_SEX = 200
MAX_KITS = 200
MAX_NOTES = 2000
MAX_ITEMS = 100
# A tablet's clock may run a little ahead of the server's; a recording time further ahead is
# not a time the record was made.
CLOCK_SKEW = dt.timedelta(minutes=10)

# The grades of each school level (Moroccan system), in order.
GRADES: dict[str, list[str]] = {
    School.Level.PRIMARY: ["1AP", "2AP", "3AP", "4AP", "5AP", "6AP"],
    School.Level.COLLEGE: ["1AC", "2AC", "3AC"],
    School.Level.LYCEE: ["TC", "1BAC", "2BAC"],
}

# The fields that make a report's content: two copies with the same values are the same report.
CONTENT_FIELDS = (
    "visit",
    "school",
    "workshop",
    "date",
    "girls",
    "boys",
    "by_level",
    "kits_used",
    "kits_broken",
    "notes",
)


# ---------------------------------------------------------------------------------------------
# Selectors (reads, permission-checked)


def week_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    """Monday and Sunday of the week holding `day`."""
    monday = day - dt.timedelta(days=day.weekday())
    return monday, monday + dt.timedelta(days=6)


def report_payload(report: VisitReport) -> dict[str, Any]:
    """A report as the tablet sees it (also the server's copy in a conflict)."""
    return {
        "client_id": str(report.client_id),
        "version": report.version,
        "visit": report.visit_id,
        "school": report.school.code,
        "workshop": report.workshop.code,
        "date": report.date.isoformat(),
        "girls": report.girls,
        "boys": report.boys,
        "by_level": report.by_level,
        "kits_used": report.kits_used,
        "kits_broken": report.kits_broken,
        "notes": report.notes,
        "recorded_at": report.recorded_at.isoformat(),
    }


def _school_payload(school: School) -> dict[str, Any]:
    return {
        "code": school.code,
        "name": school.name,
        "level": school.level,
        "commune": str(school.commune),
    }


def _workshop_payload(workshop: Workshop) -> dict[str, Any]:
    return {"code": workshop.code, "title": str(workshop), "levels": workshop.levels}


def visits_for_crew(user) -> QuerySet[Visit]:
    """The visits a tablet user works on: a caravan crew member, those of the tours driven by
    a vehicle they crew, plus the visits of tours without a vehicle (and outside any tour);
    the admins and coordinators who stand in for any crew, all of them."""
    visits = Visit.objects.all()
    if user_role(user) == Role.CARAVAN:
        visits = visits.filter(
            Q(tour__vehicle__isnull=True) | Q(tour__vehicle__in=Vehicle.objects.filter(crew=user))
        )
    return visits


def tablet_week_for_user(user, day: dt.date) -> dict[str, Any]:
    """The week's visits (planned or held) that the user works on (`visits_for_crew`) and what
    the tablet needs to record any visit."""
    require_role(user, TABLET_ROLES)
    monday, sunday = week_bounds(day)
    visits = (
        visits_for_crew(user)
        .filter(date__range=(monday, sunday))
        .exclude(status=Visit.Status.CANCELLED)
        .select_related("school__commune", "workshop", "tour__vehicle")
        .prefetch_related("reports__school", "reports__workshop")
        .order_by("date", "start_time")
    )
    schools = School.objects.select_related("commune").order_by("name_fr")
    return {
        "week": monday.isoformat(),
        "today": timezone.localdate().isoformat(),
        "visits": [
            {
                "id": v.pk,
                "date": v.date.isoformat(),
                "start_time": v.start_time.strftime("%H:%M"),
                "end_time": v.end_time.strftime("%H:%M"),
                "status": v.status,
                "school": _school_payload(v.school),
                "workshop": _workshop_payload(v.workshop),
                "vehicle": str(v.tour.vehicle) if v.tour and v.tour.vehicle else None,
                "reports": [report_payload(r) for r in v.reports.all()],
            }
            for v in visits
        ],
        "schools": [_school_payload(s) for s in schools],
        "workshops": [_workshop_payload(w) for w in Workshop.objects.order_by("code")],
        "kit_kinds": [{"code": k.value, "label": str(k.label)} for k in Kit.Kind],
        "grades": {str(level): grades for level, grades in GRADES.items()},
        "max_per_sex": MAX_PER_SEX,
    }


# ---------------------------------------------------------------------------------------------
# Services (writes)


@dataclass
class SyncResult:
    """The answer for one uploaded item."""

    client_id: str
    status: str  # "ok", "conflict" or "error"
    action: str = ""  # for "ok": "created", "updated" or "unchanged"
    version: int | None = None
    server: dict[str, Any] | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        answer: dict[str, Any] = {"client_id": self.client_id, "status": self.status}
        if self.action:
            answer["action"] = self.action
        if self.version is not None:
            answer["version"] = self.version
        if self.server is not None:
            answer["server"] = self.server
        if self.errors:
            answer["errors"] = self.errors
        return answer


@dataclass
class CleanReport:
    client_id: uuid.UUID
    base_version: int
    visit: Visit | None
    school: School
    workshop: Workshop
    date: dt.date
    girls: int
    boys: int
    by_level: dict[str, dict[str, int]]
    kits_used: dict[str, int]
    kits_broken: dict[str, int]
    notes: str
    recorded_at: dt.datetime

    def content(self) -> dict[str, Any]:
        return {
            "visit": self.visit.pk if self.visit else None,
            "school": self.school.pk,
            "workshop": self.workshop.pk,
            "date": self.date,
            "girls": self.girls,
            "boys": self.boys,
            "by_level": self.by_level,
            "kits_used": self.kits_used,
            "kits_broken": self.kits_broken,
            "notes": self.notes,
        }


class ItemInvalid(Exception):
    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


def _count(value: Any, *, ceiling: int) -> int | None:
    """A whole count in 0..ceiling, or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or value < 0 or value > ceiling:
        return None
    return value


def report_clean(raw: Any, *, user=None) -> CleanReport:
    """Check one uploaded item; raise ItemInvalid with messages per field (in the user's
    language) when anything is wrong. With `user`, a visit must be one they work on
    (`visits_for_crew`): a crew member reports on their own vehicle's visits only."""
    if not isinstance(raw, dict):
        raise ItemInvalid({"__all__": [_("This record is not readable.")]})
    errors: dict[str, list[str]] = {}

    def fail(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    try:
        client_id = uuid.UUID(str(raw.get("client_id", "")))
    except ValueError:
        raise ItemInvalid({"client_id": [_("The record has no valid identifier.")]}) from None

    base_version = raw.get("base_version", 0)
    if isinstance(base_version, bool) or not isinstance(base_version, int) or base_version < 0:
        fail("base_version", _("The record's version is not valid."))

    school = School.objects.filter(code=str(raw.get("school") or "")).first()
    if school is None:
        fail("school", _("Unknown school."))
    workshop = Workshop.objects.filter(code=str(raw.get("workshop") or "")).first()
    if workshop is None:
        fail("workshop", _("Unknown workshop."))

    visit = None
    visit_id = raw.get("visit")
    if visit_id not in (None, ""):
        visit = Visit.objects.filter(pk=visit_id).first() if str(visit_id).isdigit() else None
        if visit is None:
            fail("visit", _("Unknown visit."))
        elif user is not None and not visits_for_crew(user).filter(pk=visit.pk).exists():
            fail("visit", _("This visit belongs to another vehicle's crew."))
        elif school is not None and visit.school_id != school.pk:
            fail("visit", _("This visit is not planned at this school."))

    try:
        day = parse_date(str(raw.get("date") or "")) if raw.get("date") else None
    except ValueError:  # well-formed but impossible, e.g. 2026-02-30
        day = None
    today = timezone.localdate()
    if day is None:
        fail("date", _("Enter a valid date."))
    elif day > today + dt.timedelta(days=1):
        fail("date", _("The date is in the future."))
    elif day < _school_year_start(today):
        fail("date", _("The date is before this school year: a visit is reported in its year."))

    totals = {}
    for sex in ("girls", "boys"):
        totals[sex] = _count(raw.get(sex, 0), ceiling=MAX_PER_SEX)
        if totals[sex] is None:
            fail(sex, _("Enter a whole number from 0 to %(max)s.") % {"max": MAX_PER_SEX})

    by_level: dict[str, dict[str, int]] = {}
    raw_levels = raw.get("by_level") or {}
    if not isinstance(raw_levels, dict):
        fail("by_level", _("The counts by grade are not readable."))
    elif school is not None:
        grades = GRADES.get(school.level, [])
        sums = {"girls": 0, "boys": 0}
        for grade, counts in raw_levels.items():
            if grade not in grades:
                fail("by_level", _("%(grade)s is not a grade of this school.") % {"grade": grade})
                continue
            if not isinstance(counts, dict):
                fail("by_level", _("The counts by grade are not readable."))
                continue
            row = {}
            for sex in ("girls", "boys"):
                n = _count(counts.get(sex, 0), ceiling=MAX_PER_SEX)
                if n is None:
                    fail(
                        "by_level",
                        _("Enter a whole number from 0 to %(max)s.") % {"max": MAX_PER_SEX},
                    )
                    continue
                row[sex] = n
                sums[sex] += n
            if row.get("girls") or row.get("boys"):
                by_level[grade] = row
        checkable = by_level and "by_level" not in errors and None not in totals.values()
        if checkable and (sums["girls"], sums["boys"]) != (totals["girls"], totals["boys"]):
            fail("by_level", _("The counts by grade do not add up to the totals."))

    kit_kinds = set(Kit.Kind.values)
    kits: dict[str, dict[str, int]] = {}
    for name in ("kits_used", "kits_broken"):
        raw_kits = raw.get(name) or {}
        kits[name] = {}
        if not isinstance(raw_kits, dict):
            fail(name, _("The kit counts are not readable."))
            continue
        for kind, value in raw_kits.items():
            if kind not in kit_kinds:
                fail(name, _("Unknown kit kind: %(kind)s.") % {"kind": kind})
                continue
            n = _count(value, ceiling=MAX_KITS)
            if n is None:
                fail(name, _("Enter a whole number from 0 to %(max)s.") % {"max": MAX_KITS})
            elif n:
                kits[name][kind] = n
    for kind, broken in kits["kits_broken"].items():
        if broken > kits["kits_used"].get(kind, 0):
            fail("kits_broken", _("More kits broken than used."))
            break

    notes = raw.get("notes") or ""
    if not isinstance(notes, str) or len(notes) > MAX_NOTES:
        fail("notes", _("The notes are too long."))
        notes = ""

    recorded_at = timezone.now()
    if raw.get("recorded_at"):
        try:
            parsed = parse_datetime(str(raw["recorded_at"]))
        except ValueError:
            parsed = None
        if parsed is None or timezone.is_naive(parsed):
            fail("recorded_at", _("The recording time is not valid."))
        elif parsed > recorded_at + CLOCK_SKEW:
            fail("recorded_at", _("The recording time is in the future."))
        else:
            recorded_at = parsed

    if errors:
        raise ItemInvalid(errors)
    return CleanReport(
        client_id=client_id,
        base_version=base_version,
        visit=visit,
        school=school,
        workshop=workshop,
        date=day,
        girls=totals["girls"],
        boys=totals["boys"],
        by_level=by_level,
        kits_used=kits["kits_used"],
        kits_broken=kits["kits_broken"],
        notes=notes.strip(),
        recorded_at=recorded_at,
    )


def _school_year_start(today: dt.date) -> dt.date:
    """1 September of the school year holding `today`; in September a tablet that was offline
    over the summer may still send the past year's last reports, so then the year before's."""
    first = today.year if today.month >= 9 else today.year - 1
    if today.month == 9:
        first -= 1
    return dt.date(first, 9, 1)


def _report_content(report: VisitReport) -> dict[str, Any]:
    return {
        "visit": report.visit_id,
        "school": report.school_id,
        "workshop": report.workshop_id,
        "date": report.date,
        "girls": report.girls,
        "boys": report.boys,
        "by_level": report.by_level,
        "kits_used": report.kits_used,
        "kits_broken": report.kits_broken,
        "notes": report.notes,
    }


def _visit_mark_done(visit: Visit | None) -> None:
    if visit is not None and visit.status != Visit.Status.DONE:
        visit.status = Visit.Status.DONE
        visit.save(update_fields=["status"])


def visit_report_sync(*, user, item: Any) -> SyncResult:
    """Store one uploaded report in its own transaction; never raises for a bad item.

    New client_id: created (version 1). Known client_id with the same content: unchanged.
    Different content and base_version equal to the server's version: updated (version + 1).
    Otherwise the server's copy is answered as a conflict and nothing is written.
    """
    require_role(user, TABLET_ROLES)
    client_id = str(item.get("client_id", "")) if isinstance(item, dict) else ""
    try:
        clean = report_clean(item, user=user)
    except ItemInvalid as invalid:
        return SyncResult(client_id=client_id, status="error", errors=invalid.errors)
    client_id = str(clean.client_id)
    try:
        return _report_store(user=user, clean=clean)
    except IntegrityError:
        # Two uploads of one new record at once: the other one created it; answer as a replay.
        return _report_store(user=user, clean=clean)


@transaction.atomic
def _report_store(*, user, clean: CleanReport) -> SyncResult:
    client_id = str(clean.client_id)
    report = (
        VisitReport.objects.select_for_update()
        .select_related("school", "workshop")
        .filter(client_id=clean.client_id)
        .first()
    )
    if report is None:
        report = VisitReport(client_id=clean.client_id, recorded_by=user, version=1)
        _report_fill(report, clean)
        report.full_clean()
        with transaction.atomic():  # a savepoint: a concurrent twin raises IntegrityError here
            report.save()
        _visit_mark_done(clean.visit)
        return SyncResult(
            client_id=client_id, status="ok", action="created", version=report.version
        )

    if report.visit_id and not visits_for_crew(user).filter(pk=report.visit_id).exists():
        # The stored report is on another crew's visit: not theirs to change, even by moving it.
        return SyncResult(
            client_id=client_id,
            status="error",
            errors={"visit": [_("This visit belongs to another vehicle's crew.")]},
        )
    if _report_content(report) == clean.content():
        return SyncResult(
            client_id=client_id, status="ok", action="unchanged", version=report.version
        )
    if clean.base_version != report.version:
        return SyncResult(
            client_id=client_id,
            status="conflict",
            version=report.version,
            server=report_payload(report),
        )
    _report_fill(report, clean)
    report.version += 1
    report.recorded_by = user
    report.full_clean()
    report.save()
    _visit_mark_done(clean.visit)
    return SyncResult(client_id=client_id, status="ok", action="updated", version=report.version)


def _report_fill(report: VisitReport, clean: CleanReport) -> None:
    report.visit = clean.visit
    report.school = clean.school
    report.workshop = clean.workshop
    report.date = clean.date
    report.girls = clean.girls
    report.boys = clean.boys
    report.by_level = clean.by_level
    report.kits_used = clean.kits_used
    report.kits_broken = clean.kits_broken
    report.notes = clean.notes
    report.recorded_at = clean.recorded_at


def visit_reports_sync(*, user, items: list[Any]) -> list[SyncResult]:
    """Store an upload item by item: each item commits (or fails) on its own, so a broken
    connection half-way leaves the first items stored and a replay finishes the rest."""
    require_role(user, TABLET_ROLES)
    return [visit_report_sync(user=user, item=item) for item in items]
