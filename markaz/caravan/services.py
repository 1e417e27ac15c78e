"""Caravan planning: school hours, the published priority weights, and tours planned with the
routing engine (background job), re-planned when a day is cancelled."""

import datetime as dt
from collections import Counter, defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from markaz.core.enqueue import task_enqueue
from markaz.core.i18n import pick
from markaz.core.outbox import Outgoing, key_of, outbox_queue_many, outbox_was_queued
from markaz.core.services import audit_record, job_create
from markaz.engine import routing as engine

from . import equipment
from .coverage import school_year
from .models import CalendarBlock, School, Tour, Vehicle, Visit

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
# Published, configurable weights of a school's priority (its "prize" in the plan):
# prize = pupils × (1 + rural) × (1 + never visited) × (1 + far × distance share) × (1 + girls × share of girls)
# and a school's k-th visit of the school year (held visits included) is worth
# prize × repeat^(k-1): the plan reaches every school it can before it goes back to one.
# A tour planned before "repeat" existed keeps 1 (every visit at its full prize) when re-planned.
DEFAULT_WEIGHTS = {"rural": 1.0, "never_visited": 0.5, "far": 0.5, "girls": 0.5, "repeat": 0.35}
MAX_VISITS_PER_SCHOOL = 20
CREW_DAY = ("08:00", "17:30")
DEFAULT_PUPILS = {"primaire": 300, "college": 700, "lycee": 800}


def school_windows(school: School, weekday: str) -> list[list[str]]:
    """The hours a school can host a workshop that weekday (DOMAIN.md defaults, editable)."""
    if school.hours:
        return [list(w) for w in school.hours.get(weekday, [])]
    if weekday in ("sat", "sun"):
        return []
    if school.level == School.Level.PRIMARY:
        if school.area == School.Area.RURAL:
            return [["09:00", "15:00"]]
        if weekday == "wed":
            return [["09:00", "13:00"]]  # no classes on Wednesday afternoon
        return [["09:00", "13:00"], ["15:00", "17:00"]]
    return [["09:00", "12:00"], ["14:00", "18:00"]]


def working_days(start: dt.date, end: dt.date) -> list[dt.date]:
    blocks = list(CalendarBlock.objects.filter(start_date__lte=end, end_date__gte=start))
    days = []
    day = start
    while day <= end:
        if day.weekday() < 5 and not any(b.start_date <= day <= b.end_date for b in blocks):
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def school_prize(
    school: School,
    *,
    base_lat: float,
    base_lon: float,
    max_km: float,
    visited: set[int],
    weights: dict,
) -> float:
    pupils = school.pupils or DEFAULT_PUPILS.get(school.level, 300)
    km = engine.haversine_km(base_lat, base_lon, float(school.latitude), float(school.longitude))
    girls_share = (
        (school.girls / school.pupils) if school.pupils and school.girls is not None else 0.5
    )
    prize = pupils
    prize *= 1 + weights["rural"] * (school.area == School.Area.RURAL)
    prize *= 1 + weights["never_visited"] * (school.pk not in visited)
    prize *= 1 + weights["far"] * (km / max_km if max_km else 0)
    prize *= 1 + weights["girls"] * girls_share
    return round(prize, 1)


def _held_before(days: list[dt.date]) -> dict[int, list[dt.date]]:
    """School -> dates of the visits held in the school year of `days`, before its first day
    (any tour): they count as the first visits of the year for the repeat factor."""
    if not days:
        return {}
    held: dict[int, list[dt.date]] = defaultdict(list)
    for school_id, date in Visit.objects.filter(
        status=Visit.Status.DONE, date__gte=school_year(days[0]).start, date__lt=days[0]
    ).values_list("school_id", "date"):
        held[school_id].append(date)
    return held


def tour_instance(
    *,
    centre,
    workshop,
    days: list[dt.date],
    weights: dict,
    done=(),
    time_limit_s: int = 30,
    visits_per_school: int = 1,
    tour: Tour | None = None,
) -> dict:
    """The routing engine's input (JSON, as `python -m markaz.engine.routing tour` takes it).

    A school may get `visits_per_school` visits in the tour, less those of `tour` already held
    (a school with none left is not in the instance). The visits held earlier in the school
    year are passed as `done` history, so that `weights["repeat"]` (the engine's
    `repeat_factor`) values a school's next visit by all of them."""
    base_lat, base_lon = float(centre.commune.latitude), float(centre.commune.longitude)
    schools = list(School.objects.select_related("commune"))
    visited = set(
        Visit.objects.filter(status=Visit.Status.DONE).values_list("school_id", flat=True)
    )
    max_km = max(
        (
            engine.haversine_km(base_lat, base_lon, float(s.latitude), float(s.longitude))
            for s in schools
        ),
        default=1,
    )
    day_ids = [d.isoformat() for d in days]
    held = _held_before(days)
    in_tour = Counter(
        Visit.objects.filter(tour=tour, status=Visit.Status.DONE).values_list(
            "school_id", flat=True
        )
        if tour is not None
        else ()
    )
    history = {(v["school"], v["day"]): dict(v) for v in done}
    rows = []
    for s in schools:
        left = visits_per_school - in_tour[s.pk]
        if s.level not in workshop.levels or left <= 0:
            continue
        for date in held.get(s.pk, ()):
            history.setdefault(
                (s.code, date.isoformat()), {"school": s.code, "day": date.isoformat()}
            )
        had = sum(1 for code, _ in history if code == s.code)
        per_day = {d.isoformat(): school_windows(s, WEEKDAYS[d.weekday()]) for d in days}
        rows.append(
            {
                "id": s.code,
                "lat": float(s.latitude),
                "lon": float(s.longitude),
                "windows": [["09:00", "12:00"]],
                "day_windows": per_day,
                "service_min": workshop.duration_min,
                "prize": school_prize(
                    s,
                    base_lat=base_lat,
                    base_lon=base_lon,
                    max_km=max_km,
                    visited=visited,
                    weights=weights,
                ),
                "max_visits": had + left,
            }
        )
    codes = {row["id"] for row in rows}
    return {
        "base": {"lat": base_lat, "lon": base_lon},
        "days": [{"id": d, "start": CREW_DAY[0], "end": CREW_DAY[1]} for d in day_ids],
        "schools": rows,
        "speed_kmh": 45,
        "road_factor": 1.3,
        "time_limit_s": time_limit_s,
        "repeat_factor": float(weights.get("repeat", 1.0)),
        "done": [v for v in history.values() if v["school"] in codes],
    }


def tour_start(
    *,
    centre,
    name: str,
    start: dt.date,
    end: dt.date,
    workshop,
    actor,
    weights=None,
    time_limit_s: int = 30,
    vehicle: Vehicle | None = None,
    visits_per_school: int = 1,
) -> Tour:
    """Plan a period in the background (progress bar, by days planned): one route a working
    day, driven by `vehicle` (its crew sees the visits on the tablet; None: every crew)."""
    if end < start:
        raise ValidationError(_("The end of the period comes before its start."))
    if not 1 <= visits_per_school <= MAX_VISITS_PER_SCHOOL:
        raise ValidationError(
            _("A school can get from 1 to %(max)s visits in a tour.")
            % {"max": MAX_VISITS_PER_SCHOOL}
        )
    days = working_days(start, end)
    if not days:
        raise ValidationError(
            _("There is no school day in this period (weekends, breaks and holidays are excluded).")
        )
    weights = {**DEFAULT_WEIGHTS, **(weights or {})}
    if not 0 <= weights["repeat"] <= 1:
        raise ValidationError(_("The value of a repeat visit must be from 0 to 1."))
    instance = tour_instance(
        centre=centre,
        workshop=workshop,
        days=days,
        weights=weights,
        time_limit_s=time_limit_s,
        visits_per_school=visits_per_school,
    )
    with transaction.atomic():
        # Never more kits than the caravan has: this tour's days beside the other tours'.
        equipment.lock_kits()
        shortages = equipment.kit_shortages(workshop=workshop, days=days)
        if shortages:
            raise ValidationError(shortages)
        job = job_create(kind="tour", centre=centre, created_by=actor, total=len(days))
        tour = Tour(
            name=name,
            start_date=start,
            end_date=end,
            workshop=workshop,
            vehicle=vehicle,
            visits_per_school=visits_per_school,
            weights=weights,
            instance=instance,
            job=job,
            created_by=actor,
        )
        tour.full_clean()
        tour.save()
        audit_record(
            actor=actor,
            action="tour_start",
            centre=centre,
            obj=tour,
            detail={"vehicle": vehicle.pk if vehicle else None},
        )
        transaction.on_commit(
            lambda: task_enqueue(
                "markaz.caravan.tasks.tour_plan_task", tour_id=tour.pk, job_id=str(job.pk)
            )
        )
    return tour


def tour_plan_execute(*, tour_id: int, progress=None) -> dict:
    """Plan the tour's instance and store its visits (visits held stay as they are).

    The search runs outside any transaction of ours, so that `progress(done, total)` (days
    planned, from the engine) reaches the database while it runs; the visits are written in
    one transaction. If the instance changed meanwhile (a decision or a cancelled day planned
    it again), this older plan is dropped."""
    instance = Tour.objects.values_list("instance", flat=True).get(pk=tour_id)
    result = engine.solve(engine.parse_instance(instance), progress=progress).to_dict()
    with transaction.atomic():
        tour = Tour.objects.select_for_update().get(pk=tour_id)
        if tour.instance != instance:
            return {"visits": 0, "prize": 0, "stale": True}
        return _tour_plan_store(tour, result)


def _tour_plan_store(tour: Tour, result: dict) -> dict:
    schools = {
        s.code: s
        for s in School.objects.filter(code__in=[s["id"] for s in tour.instance["schools"]])
    }
    announced = list(
        Visit.objects.filter(tour=tour, status=Visit.Status.PLANNED).select_related(
            "school", "workshop"
        )
    )
    Visit.objects.filter(tour=tour, status=Visit.Status.PLANNED).delete()
    done_days = set(
        Visit.objects.filter(tour=tour)
        .exclude(status=Visit.Status.PLANNED)
        .values_list("school_id", "date")
    )
    for day in result["days"]:
        date = dt.date.fromisoformat(day["id"])
        for v in day["visits"]:
            school = schools[v["school"]]
            if (school.pk, date) in done_days:
                continue
            Visit.objects.create(
                tour=tour,
                school=school,
                workshop=tour.workshop,
                date=date,
                start_time=dt.time.fromisoformat(v["start"]),
                end_time=dt.time.fromisoformat(v["end"]),
            )
    tour.result = result
    tour.status = Tour.Status.READY
    tour.save(update_fields=["result", "status"])
    directors_notify(tour=tour, before=announced)
    return {"visits": sum(len(d["visits"]) for d in result["days"]), "prize": result["prize"]}


def tour_cancel_day_refusal(tour: Tour, day: dt.date, today: dt.date | None = None) -> str | None:
    """Why this day of the tour cannot be cancelled, or None if it can: a tour that is over, a
    day outside its period, or a day already past (its visits were held or missed)."""
    today = today or timezone.localdate()
    if tour.end_date < today:
        return _("This tour is over: its days can no longer be cancelled.")
    if not (tour.start_date <= day <= tour.end_date):
        return _("This day is not in the tour's period.")
    if day < today:
        return _("This day is past: it can no longer be cancelled.")
    return None


def tour_cancel_day_preview(tour: Tour, day: dt.date, today: dt.date | None = None) -> dict:
    """What cancelling the day would do, in numbers."""
    today = today or timezone.localdate()
    cancelled = Visit.objects.filter(tour=tour, date=day, status=Visit.Status.PLANNED)
    return {
        "cancelled": cancelled.count(),
        "schools": [v.school.name for v in cancelled.select_related("school")],
        "replanned": Visit.objects.filter(
            tour=tour, status=Visit.Status.PLANNED, date__gt=day
        ).count(),
        "days": len(working_days(max(day + dt.timedelta(days=1), today), tour.end_date)),
    }


def tour_cancel_day(*, tour: Tour, day: dt.date, actor, today: dt.date | None = None) -> Tour:
    """A day is lost (weather, a holiday, a broken vehicle): its visits are cancelled and the
    remaining days are planned again, keeping what was already done. A past day, or a day of a
    tour that is over, is refused."""
    today = today or timezone.localdate()
    with transaction.atomic():
        tour = Tour.objects.select_for_update().get(pk=tour.pk)
        refusal = tour_cancel_day_refusal(tour, day, today)
        if refusal:
            raise ValidationError(refusal, code="refused")
        dropped = list(
            Visit.objects.filter(
                tour=tour, date__gte=day, status=Visit.Status.PLANNED
            ).select_related("school", "workshop")
        )
        Visit.objects.filter(tour=tour, date=day, status=Visit.Status.PLANNED).update(
            status=Visit.Status.CANCELLED
        )
        remaining = working_days(max(day + dt.timedelta(days=1), today), tour.end_date)
        # The visits already held in this tour count: a school that had its visits is not
        # planned again, and the repeat factor values the others' next visit.
        instance = tour_instance(
            centre=_centre(),
            workshop=tour.workshop,
            days=remaining,
            weights=tour.weights,
            time_limit_s=tour.instance.get("time_limit_s", 30),
            visits_per_school=tour.visits_per_school,
            tour=tour,
        )
        Visit.objects.filter(tour=tour, status=Visit.Status.PLANNED, date__gt=day).delete()
        tour.instance = instance
        tour.save(update_fields=["instance"])
        audit_record(
            actor=actor, action="tour_cancel_day", obj=tour, detail={"day": day.isoformat()}
        )
    if remaining:
        tour_plan_execute(tour_id=tour.pk)
    # The directors whose visit the new plan does not keep are told it is cancelled.
    with transaction.atomic():
        directors_notify(tour=tour, before=dropped)
    tour.refresh_from_db()
    return tour


# --- Notices to school directors --------------------------------------------------------------

# School directors have no language of their own in Markaz: they are written to in Arabic.
DIRECTOR_LANGUAGE = "ar"


def _visit_key(kind: str, visit: Visit) -> str:
    return key_of(kind, visit.school_id, visit.date.isoformat(), visit.start_time.isoformat())


def _director_text(visit: Visit, kind: str, centre) -> str:
    values = {
        "centre": pick(centre.name_fr, centre.name_ar) if centre else "Markaz",
        "school": pick(visit.school.name_fr, visit.school.name_ar),
        "date": visit.date.strftime("%d/%m/%Y"),
        "start": visit.start_time.strftime("%H:%M"),
        "end": visit.end_time.strftime("%H:%M"),
        "workshop": pick(visit.workshop.title_fr, visit.workshop.title_ar),
    }
    if kind == "caravan_visit":
        text = _(
            "%(centre)s: the Code pour tous caravan will visit %(school)s on %(date)s from "
            "%(start)s to %(end)s (workshop: %(workshop)s). Thank you for welcoming us."
        )
    else:
        text = _(
            "%(centre)s: the Code pour tous caravan's visit to %(school)s on %(date)s at "
            "%(start)s is cancelled. We will tell you the new date."
        )
    return text % values


def directors_notify(*, tour: Tour, before: list[Visit] = ()) -> int:
    """Tell each school's director (by SMS, in Arabic) the date and time of each planned visit,
    once per visit; and of a visit announced before that the new plan no longer holds, that it
    is cancelled. Returns how many notices were queued."""
    centre = _centre()
    planned = list(
        Visit.objects.filter(tour=tour, status=Visit.Status.PLANNED).select_related(
            "school", "workshop"
        )
    )
    kept = {_visit_key("caravan_visit", v) for v in planned}
    items = []
    for kind, visits in (
        ("caravan_visit", planned),
        (
            "caravan_visit_cancelled",
            [
                v
                for v in before
                if _visit_key("caravan_visit", v) not in kept
                and outbox_was_queued(_visit_key("caravan_visit", v))
            ],
        ),
    ):
        for visit in visits:
            if not visit.school.director_phone:
                continue
            with translation.override(DIRECTOR_LANGUAGE):
                text = _director_text(visit, kind, centre)
            items.append(
                Outgoing(
                    kind=kind,
                    body=text,
                    centre=centre,
                    phone=visit.school.director_phone,
                    language=DIRECTOR_LANGUAGE,
                    key=_visit_key(kind, visit),
                )
            )
    return outbox_queue_many(items)


def _centre():
    from markaz.centre.models import Centre

    return Centre.objects.select_related("commune").order_by("pk").first()


def directors_to_notify(tour: Tour):
    """The planned visits still to come, to announce to the school directors (who comes: the
    tour's vehicle and crew, see `tour_crew`). A past day's visits have nobody left to tell."""
    return (
        Visit.objects.filter(tour=tour, status=Visit.Status.PLANNED, date__gte=timezone.localdate())
        .select_related("school", "tour__vehicle")
        .order_by("date", "start_time")
    )


def directors_none_reason(tour: Tour) -> str:
    """Why a tour has no director to notify, in words for the tour page."""
    if tour.status != Tour.Status.READY:
        return str(_("The tour is not planned yet: the directors are listed once it is."))
    if tour.is_over:
        return str(_("The tour is over: no visit is left to announce."))
    if not Visit.objects.filter(tour=tour, status=Visit.Status.PLANNED).exists():
        return str(_("No visit is planned in this tour."))
    return str(_("Every visit of this tour has already taken place."))


def tour_crew(tour: Tour) -> list[str]:
    """The names of the crew of the tour's vehicle (empty without a vehicle)."""
    return tour.vehicle.crew_names() if tour.vehicle_id else []


def km_total(tour: Tour) -> float:
    return round(sum(d.get("km", 0) for d in tour.result.get("days", [])), 1)


def tour_set_decision(
    *, tour: Tour, school: School, decision: str, day: dt.date | None, actor
) -> Tour:
    """Staff pin a school to a day (it must be visited then) or forbid it (that day, or the
    whole period), then the tour is planned again; visits already held stay as they are."""
    if decision not in ("pin", "forbid"):
        raise ValidationError(_("Choose to pin or to forbid."))
    if decision == "pin" and day is None:
        raise ValidationError(_("Choose the day of the pinned visit."))
    if day is not None and not (tour.start_date <= day <= tour.end_date):
        raise ValidationError(_("This day is not in the tour's period."))
    with transaction.atomic():
        tour = Tour.objects.select_for_update().get(pk=tour.pk)
        instance = dict(tour.instance)
        day_ids = {d["id"] for d in instance["days"]}
        key = day.isoformat() if day else None
        if key is not None and key not in day_ids:
            raise ValidationError(_("There is no school day on that date in this tour."))
        if school.code not in {s["id"] for s in instance["schools"]}:
            raise ValidationError(
                _("This school is not in the tour (its level does not take the workshop).")
            )
        if decision == "pin":
            instance["pinned"] = {**instance.get("pinned", {}), school.code: key}
            forbidden = dict(instance.get("forbidden", {}))
            forbidden.pop(school.code, None)
            instance["forbidden"] = forbidden
        else:
            forbidden = dict(instance.get("forbidden", {}))
            forbidden[school.code] = [key] if key else "all"
            instance["forbidden"] = forbidden
            pinned = dict(instance.get("pinned", {}))
            pinned.pop(school.code, None)
            instance["pinned"] = pinned
        # Visits already held stay: the engine keeps them on their days.
        instance["fixed"] = [
            {"school": v.school.code, "day": v.date.isoformat()}
            for v in Visit.objects.filter(tour=tour, status=Visit.Status.DONE).select_related(
                "school"
            )
            if v.date.isoformat() in day_ids
        ]
        engine.parse_instance(instance)  # refuse a malformed decision before writing it
        tour.instance = instance
        tour.save(update_fields=["instance"])
        audit_record(
            actor=actor,
            action=f"tour_{decision}",
            obj=tour,
            detail={"school": school.code, "day": key},
        )
        try:
            tour_plan_execute(tour_id=tour.pk)
        except engine.InfeasibleError as exc:  # the whole decision is undone
            raise ValidationError(
                _("This cannot be planned: %(reason)s") % {"reason": exc}
            ) from exc
    tour.refresh_from_db()
    return tour


def tour_ical(tour: Tour) -> bytes:
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//Markaz//Caravane//FR")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"Caravane — {tour.name}")
    tz = timezone.get_current_timezone()
    for v in (
        Visit.objects.filter(tour=tour)
        .exclude(status=Visit.Status.CANCELLED)
        .select_related("school__commune")
    ):
        event = Event()
        event.add("uid", f"visit-{v.pk}@markaz")
        event.add("summary", f"{tour.workshop.title_fr} — {v.school.name_fr}")
        event.add("location", f"{v.school.name_fr}, {v.school.commune.name_fr}")
        event.add("dtstart", dt.datetime.combine(v.date, v.start_time, tzinfo=tz))
        event.add("dtend", dt.datetime.combine(v.date, v.end_time, tzinfo=tz))
        event.add("dtstamp", timezone.now())
        cal.add_component(event)
    return cal.to_ical()
