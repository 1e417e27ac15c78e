import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.http import Http404
from django.utils import timezone

from markaz.core.access import has_role, user_centre
from markaz.core.roles import PEOPLE_ROLES, REGISTRY_WRITE_ROLES, Role

from .models import Centre, DoorEvent, Presence, Room

DOOR_ROLES = frozenset({Role.ADMIN, Role.COORDINATOR, Role.TRAINER, Role.MENTOR})


def centre_rooms(centre: Centre):
    return Room.objects.filter(centre=centre).order_by("kind", "name_fr")


def centre_room_capacity(centre: Centre) -> int:
    return Room.objects.filter(centre=centre).aggregate(total=Sum("capacity"))["total"] or 0


def centre_get_by_code(code: str) -> Centre:
    return Centre.objects.select_related("commune__province").get(code=code)


def door_centre_for_user(user) -> Centre:
    """The centre whose door a staff member may operate (the kiosk runs under a staff login)."""
    if not has_role(user, DOOR_ROLES):
        raise PermissionDenied
    centre = user_centre(user)
    if centre is None:
        raise PermissionDenied
    return centre


def people_in_building(centre: Centre):
    return (
        Presence.objects.filter(centre=centre, exited_at__isnull=True)
        .select_related("person")
        .order_by("person__last_name_latin")
    )


def occupancy_by_hour(centre: Centre, day: dt.date) -> list[tuple[int, int]]:
    """The highest occupancy reached in each hour of a day, from the door's log.

    An hour starts at the count the last scan before it left (the day starts at zero), so a
    building full from 9 to 12 reads full at 10 even if nobody came or went in that hour; today's
    hours still to come stay empty.
    """
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time(0), tzinfo=tz)
    events = DoorEvent.objects.filter(
        centre=centre, at__gte=start, at__lt=start + dt.timedelta(days=1)
    ).order_by("at", "pk")
    peak = [0] * 24
    level, hour_seen = 0, 0
    for at, occupancy in events.values_list("at", "occupancy"):
        hour = timezone.localtime(at, tz).hour
        for h in range(hour_seen, hour + 1):  # the hours before this scan held the last level
            peak[h] = max(peak[h], level)
        hour_seen = hour
        level = occupancy
        peak[hour] = max(peak[hour], level)
    last_hour = 23
    if day == timezone.localdate():  # today: the hours still to come are not drawn yet
        last_hour = max(hour_seen, timezone.localtime(timezone.now(), tz).hour)
    for h in range(hour_seen, last_hour + 1):
        peak[h] = max(peak[h], level)
    return [(h, peak[h]) for h in range(8, 23)]


def person_for_badge(user, person_pk):
    from markaz.registry.selectors import person_get_for_user

    if not has_role(user, PEOPLE_ROLES | REGISTRY_WRITE_ROLES):
        raise PermissionDenied
    return person_get_for_user(user, person_pk)


def cohort_for_badges(user, cohort_pk):
    from markaz.programmes.selectors import cohort_get_for_user

    try:
        return cohort_get_for_user(user, cohort_pk)
    except Http404:
        raise
