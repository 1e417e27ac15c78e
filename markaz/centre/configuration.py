"""Writes of the centre's settings screens: opening hours, closed days, Ramadan periods,
rooms and trainers' unavailability. Each is all-or-nothing and refuses, in words, what would
rewrite history (a closed day or a Ramadan period already past)."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from markaz.core.services import audit_record

from .models import (
    Centre,
    Closure,
    HoursPeriod,
    OpeningHours,
    Room,
    Session,
    TrainerUnavailability,
)

MAX_CLOSURE_DAYS = 62


def _today(today):
    return today or timezone.localdate()


@transaction.atomic
def opening_hours_save(*, centre: Centre, hours: list[dict], actor) -> list[OpeningHours]:
    """Replace the centre's weekly opening hours (one dict a day it opens). Sessions already in
    the calendar stay; the next timetables are built on the new hours."""
    if not hours:
        raise ValidationError(_("The centre must open on at least one day of the week."))
    OpeningHours.objects.filter(centre=centre).delete()
    rows = []
    for h in hours:
        row = OpeningHours(centre=centre, **h)
        row.full_clean()
        row.save()
        rows.append(row)
    audit_record(
        actor=actor,
        action="opening_hours_save",
        centre=centre,
        detail={"days": [h["weekday"] for h in hours]},
    )
    return rows


def _sessions_on(centre, days: list[dt.date]) -> int:
    tz = timezone.get_current_timezone()
    n = 0
    for day in days:
        start = dt.datetime.combine(day, dt.time(0), tzinfo=tz)
        n += Session.objects.filter(
            centre=centre, starts_at__gte=start, starts_at__lt=start + dt.timedelta(days=1)
        ).count()
    return n


@transaction.atomic
def closure_create(
    *,
    centre: Centre,
    date_from: dt.date,
    date_to: dt.date | None,
    reason_fr: str,
    reason_ar: str,
    actor,
    today=None,
) -> list[Closure]:
    """Close the centre from `date_from` to `date_to` (one day if None): one Closure a day.
    Refused (nothing written) for a past day, a day already closed, or a day with sessions in
    the calendar (move or cancel them first: their learners are told)."""
    today = _today(today)
    date_to = date_to or date_from
    problems = []
    if date_to < date_from:
        problems.append(_("The end date comes before the start date."))
    elif (date_to - date_from).days >= MAX_CLOSURE_DAYS:
        problems.append(_("Close at most %(n)s days at once.") % {"n": MAX_CLOSURE_DAYS})
    if date_from < today:
        problems.append(_("A closed day cannot be in the past: history is not rewritten."))
    if not reason_fr.strip() or not reason_ar.strip():
        problems.append(_("Give the reason in French and in Arabic."))
    if problems:
        raise ValidationError(problems)
    days = [date_from + dt.timedelta(days=i) for i in range((date_to - date_from).days + 1)]
    taken = sorted(
        Closure.objects.filter(centre=centre, date__in=days).values_list("date", flat=True)
    )
    if taken:
        raise ValidationError(
            _("The centre is already closed on %(days)s.")
            % {"days": ", ".join(d.strftime("%d/%m/%Y") for d in taken)}
        )
    n = _sessions_on(centre, days)
    if n:
        raise ValidationError(
            _(
                "%(n)s sessions are in the calendar on these days: move or cancel them first "
                "(their learners are told), then close the centre."
            )
            % {"n": n}
        )
    rows = []
    for day in days:
        row = Closure(
            centre=centre, date=day, reason_fr=reason_fr.strip(), reason_ar=reason_ar.strip()
        )
        row.full_clean()
        row.save()
        rows.append(row)
    audit_record(
        actor=actor,
        action="closure_create",
        centre=centre,
        detail={"from": date_from.isoformat(), "to": date_to.isoformat()},
    )
    return rows


def _refuse_past_closure(closure: Closure, today) -> None:
    if closure.date < today:
        raise ValidationError(
            _("This closed day is past: it stays as it was (history is not rewritten).")
        )


@transaction.atomic
def closure_update(
    *, closure: Closure, date: dt.date, reason_fr: str, reason_ar: str, actor, today=None
) -> Closure:
    today = _today(today)
    closure = Closure.objects.select_for_update().get(pk=closure.pk)
    _refuse_past_closure(closure, today)
    if date < today:
        raise ValidationError(_("A closed day cannot be in the past: history is not rewritten."))
    if not reason_fr.strip() or not reason_ar.strip():
        raise ValidationError(_("Give the reason in French and in Arabic."))
    if Closure.objects.filter(centre=closure.centre, date=date).exclude(pk=closure.pk).exists():
        raise ValidationError(
            _("The centre is already closed on %(days)s.") % {"days": date.strftime("%d/%m/%Y")}
        )
    if date != closure.date and _sessions_on(closure.centre, [date]):
        raise ValidationError(
            _(
                "%(n)s sessions are in the calendar on these days: move or cancel them first "
                "(their learners are told), then close the centre."
            )
            % {"n": _sessions_on(closure.centre, [date])}
        )
    closure.date, closure.reason_fr, closure.reason_ar = date, reason_fr.strip(), reason_ar.strip()
    closure.full_clean()
    closure.save(update_fields=["date", "reason_fr", "reason_ar"])
    audit_record(actor=actor, action="closure_update", centre=closure.centre, obj=closure)
    return closure


@transaction.atomic
def closure_delete(*, closure: Closure, actor, today=None) -> None:
    today = _today(today)
    closure = Closure.objects.select_for_update().get(pk=closure.pk)
    _refuse_past_closure(closure, today)
    audit_record(
        actor=actor,
        action="closure_delete",
        centre=closure.centre,
        obj=closure,
        detail={"date": closure.date.isoformat(), "reason": closure.reason_fr},
    )
    closure.delete()


def _check_period(centre, start: dt.date, end: dt.date, today, exclude_pk=None) -> None:
    problems = []
    if end < start:
        problems.append(_("The end date comes before the start date."))
    if start < today:
        problems.append(_("A Ramadan period must start in the future: history is not rewritten."))
    if (end - start).days > 31:
        problems.append(_("A Ramadan period lasts at most 31 days."))
    overlap = HoursPeriod.objects.filter(
        centre=centre, start_date__lte=end, end_date__gte=start
    ).exclude(pk=exclude_pk)
    if overlap.exists():
        problems.append(_("This period overlaps another Ramadan period."))
    if problems:
        raise ValidationError(problems)


def _refuse_started_period(period: HoursPeriod, today) -> None:
    if period.start_date <= today:
        raise ValidationError(
            _(
                "This Ramadan period has started or is past: it stays as it was (its timetables "
                "were built on it)."
            )
        )


@transaction.atomic
def hours_period_create(
    *, centre: Centre, start_date: dt.date, end_date: dt.date, actor, today=None
) -> HoursPeriod:
    today = _today(today)
    _check_period(centre, start_date, end_date, today)
    period = HoursPeriod(centre=centre, start_date=start_date, end_date=end_date)
    period.full_clean()
    period.save()
    audit_record(actor=actor, action="hours_period_create", centre=centre, obj=period)
    return period


@transaction.atomic
def hours_period_update(
    *, period: HoursPeriod, start_date: dt.date, end_date: dt.date, actor, today=None
) -> HoursPeriod:
    today = _today(today)
    period = HoursPeriod.objects.select_for_update().get(pk=period.pk)
    _refuse_started_period(period, today)
    _check_period(period.centre, start_date, end_date, today, exclude_pk=period.pk)
    period.start_date, period.end_date = start_date, end_date
    period.full_clean()
    period.save(update_fields=["start_date", "end_date"])
    audit_record(actor=actor, action="hours_period_update", centre=period.centre, obj=period)
    return period


@transaction.atomic
def hours_period_delete(*, period: HoursPeriod, actor, today=None) -> None:
    today = _today(today)
    period = HoursPeriod.objects.select_for_update().get(pk=period.pk)
    _refuse_started_period(period, today)
    audit_record(
        actor=actor,
        action="hours_period_delete",
        centre=period.centre,
        obj=period,
        detail={"from": period.start_date.isoformat(), "to": period.end_date.isoformat()},
    )
    period.delete()


@transaction.atomic
def room_save(
    *,
    centre: Centre,
    room: Room | None,
    name_fr: str,
    name_ar: str,
    kind: str,
    capacity: int,
    actor,
) -> Room:
    """Create or edit a room. A room never holds more than the building's maximum."""
    if capacity > centre.max_occupancy:
        raise ValidationError(
            _("%(room)s holds %(capacity)s people, more than the building's maximum (%(max)s).")
            % {"room": name_fr, "capacity": capacity, "max": centre.max_occupancy}
        )
    if (
        Room.objects.filter(centre=centre, name_fr__iexact=name_fr.strip())
        .exclude(pk=room.pk if room else None)
        .exists()
    ):
        raise ValidationError(_("Two rooms have the same French name."))
    room = room or Room(centre=centre)
    room.name_fr, room.name_ar, room.kind, room.capacity = (
        name_fr.strip(),
        name_ar.strip(),
        kind,
        capacity,
    )
    room.full_clean()
    room.save()
    audit_record(actor=actor, action="room_save", centre=centre, obj=room)
    return room


@transaction.atomic
def unavailability_create(
    *,
    centre: Centre,
    trainer,
    weekday: int | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
    start_time: dt.time | None,
    end_time: dt.time | None,
    reason: str,
    actor,
    today=None,
) -> TrainerUnavailability:
    """Record when a trainer cannot teach: every week on `weekday`, or from `date_from` to
    `date_to` (an absence; not in the past). Without times, the whole day."""
    today = _today(today)
    row = TrainerUnavailability(
        centre=centre,
        trainer=trainer,
        weekday=weekday,
        date_from=date_from,
        date_to=date_to or date_from,
        start_time=start_time,
        end_time=end_time,
        reason=(reason or "").strip(),
    )
    if date_from is not None and (date_to or date_from) < today:
        raise ValidationError(_("An absence cannot be entirely in the past."))
    row.full_clean()
    row.save()
    audit_record(
        actor=actor,
        action="unavailability_create",
        centre=centre,
        obj=row,
        detail={"trainer": trainer.pk},
    )
    return row


@transaction.atomic
def unavailability_delete(*, row: TrainerUnavailability, actor, today=None) -> None:
    today = _today(today)
    if row.date_to is not None and row.date_to < today:
        raise ValidationError(
            _("This absence is past: it stays as it was (history is not rewritten).")
        )
    audit_record(
        actor=actor,
        action="unavailability_delete",
        centre=row.centre,
        obj=row,
        detail={"trainer": row.trainer_id, "when": row.describe()},
    )
    row.delete()
