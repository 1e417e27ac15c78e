"""How many people the building holds at a moment, and when the centre is open.

Everything that brings people into the building counts toward its maximum occupancy: the seats of
the youth class sessions under way, the pupils of the children's-space bookings under way and the
participants of the mentoring sessions under way. Whoever books one of them checks the building's
peak load here (one definition for every app), with the centre row locked.
"""

import datetime as dt
from collections.abc import Callable

from .models import Centre, Closure, Session
from .timetabling import DAYS, ramadan_days, weekly_slots

# (starts_at, ends_at, people)
Item = tuple[dt.datetime, dt.datetime, int]


def opening_intervals(centre: Centre, day: dt.date) -> list[tuple[dt.time, dt.time]]:
    """When the centre is open on `day`: its timetable grid's slots (Ramadan hours in a Ramadan
    period), consecutive slots joined; nothing on a closure day."""
    if Closure.objects.filter(centre=centre, date=day).exists():
        return []
    name = DAYS[day.weekday()]
    slots = [s for s in weekly_slots(ramadan=day in ramadan_days(centre)) if s["day"] == name]
    intervals: list[list[str]] = []
    for s in sorted(slots, key=lambda s: s["start"]):
        if intervals and intervals[-1][1] == s["start"]:
            intervals[-1][1] = s["end"]
        else:
            intervals.append([s["start"], s["end"]])
    return [(dt.time.fromisoformat(a), dt.time.fromisoformat(b)) for a, b in intervals]


def peak_load(items: list[Item], start: dt.datetime, end: dt.datetime) -> int:
    """The most people at once during [start, end) among (starts_at, ends_at, people) items."""
    moments = {start} | {s for s, _e, _n in items if start < s < end}
    return max(
        (sum(n for s, e, n in items if s <= t < e) for t in moments),
        default=0,
    )


def class_session_items(
    centre: Centre, start: dt.datetime, end: dt.datetime, *, exclude=None
) -> list[Item]:
    """Youth class sessions overlapping [start, end): each counts its cohort's seats."""
    qs = Session.objects.filter(centre=centre, starts_at__lt=end, ends_at__gt=start)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return list(qs.values_list("starts_at", "ends_at", "cohort__seats"))


# What else brings people into the building, by kind ("children", "mentoring", ...): the apps that
# book the building register, when Django starts (AppConfig.ready), how to list their uses under
# way, `fn(centre, start, end, *, exclude=None)` returning (starts_at, ends_at, people) items. The
# centre imports none of them; class sessions are its own.
_USES: dict[str, Callable] = {}


def register_building_use(kind: str, items: Callable) -> None:
    _USES[kind] = items


# A room taken by another app's use: `fn(room, starts_at, ends_at)` returns the message to show
# when the room is taken then (None when free). A class session moved there asks them all.
_ROOM_USES: list[Callable] = []


def register_room_use(fn: Callable) -> None:
    if fn not in _ROOM_USES:
        _ROOM_USES.append(fn)


def room_taken(room, starts_at: dt.datetime, ends_at: dt.datetime) -> list[str]:
    """Why `room` is not free during [starts_at, ends_at) for the other apps' uses."""
    return [m for fn in _ROOM_USES if (m := fn(room, starts_at, ends_at))]


# The week view's other rows: `key` (the template's name for them), the kind of room they use,
# and `fn(centre, start, end, *, room=None)` listing them (each with `starts_at`).
_WEEK_ENTRIES: dict[str, tuple[str, Callable]] = {}


def register_week_entries(key: str, room_kind: str, fn: Callable) -> None:
    _WEEK_ENTRIES[key] = (room_kind, fn)


def week_entries(centre: Centre, start: dt.datetime, end: dt.datetime, *, room=None) -> dict:
    """{key: [entries]} of the other apps' uses during [start, end) (only those of `room`'s kind
    when a room is chosen)."""
    return {
        key: list(fn(centre, start, end, room=room))
        if room is None or room.kind == room_kind
        else []
        for key, (room_kind, fn) in _WEEK_ENTRIES.items()
    }


def building_load(
    centre: Centre,
    start: dt.datetime,
    end: dt.datetime,
    *,
    exclude_booking=None,
    exclude_mentoring=None,
    exclude_session=None,
) -> int:
    """The building's highest load during [start, end): seats of the youth class sessions, pupils
    of the children's bookings and participants of the mentoring sessions under way at the same
    moment. `exclude_booking` / `exclude_mentoring` / `exclude_session` leave one booking,
    mentoring session or class session out (the one being changed)."""
    items = class_session_items(centre, start, end, exclude=exclude_session)
    exclude = {"children": exclude_booking, "mentoring": exclude_mentoring}
    for kind, uses in _USES.items():
        items += uses(centre, start, end, exclude=exclude.get(kind))
    return peak_load(items, start, end)


def over_the_maximum(
    centre: Centre, start: dt.datetime, end: dt.datetime, people: int, **exclude
) -> str | None:
    """The message to show when `people` more during [start, end) would take the building past
    its maximum occupancy (None when they fit). `exclude` as for `building_load`."""
    from django.utils.translation import gettext as _

    load = building_load(centre, start, end, **exclude) + people
    if load <= centre.max_occupancy:
        return None
    return _(
        "The building would hold %(load)s people at that time, over its maximum of %(max)s."
    ) % {"load": load, "max": centre.max_occupancy}


def opening_problem(
    centre: Centre, starts_at: dt.datetime, ends_at: dt.datetime
) -> tuple[str, str] | None:
    """Why [starts_at, ends_at) (ends after it starts) is not inside the centre's opening hours,
    as a code the caller words for its own kind of booking: ("days", "") when it spans two
    days, ("closed", "") on a closed day, ("hours", "09:00–13:00, …") outside the hours of that
    day; None when it fits."""
    from django.utils import timezone

    local_start, local_end = timezone.localtime(starts_at), timezone.localtime(ends_at)
    day = local_start.date()
    if local_end.date() != day and local_end.time() != dt.time(0):
        return "days", ""
    intervals = opening_intervals(centre, day)
    end_time = local_end.time() if local_end.date() == day else dt.time(23, 59, 59)
    if not intervals:
        return "closed", ""
    if not any(a <= local_start.time() and end_time <= b for a, b in intervals):
        return "hours", ", ".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in intervals)
    return None
