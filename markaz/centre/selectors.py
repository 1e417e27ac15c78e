import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.http import Http404
from django.utils import timezone

from markaz.core.access import has_role, visible_centre
from markaz.core.roles import PEOPLE_ROLES, REGISTRY_WRITE_ROLES, Role

from .models import Badge, Centre, KioskDevice, Presence, Room

DOOR_ROLES = frozenset({Role.ADMIN, Role.COORDINATOR, Role.TRAINER, Role.MENTOR})


def centre_rooms(centre: Centre):
    return Room.objects.filter(centre=centre).order_by("kind", "name_fr")


def centre_room_capacity(centre: Centre) -> int:
    return Room.objects.filter(centre=centre).aggregate(total=Sum("capacity"))["total"] or 0


def home_centre(request) -> dict:
    """The front page's centre (core's home page asks: markaz.core.dashboard)."""
    return {"centre": Centre.objects.order_by("pk").first()}


def dashboard_rooms(request, centre) -> dict:
    """The staff dashboard's rooms of the user's centre (markaz.core.dashboard)."""
    if centre is None:
        return {}
    return {"rooms": centre_rooms(centre), "room_capacity": centre_room_capacity(centre)}


def centre_get_by_code(code: str) -> Centre:
    return Centre.objects.select_related("commune__province").get(code=code)


def kiosk_devices_for_user(user):
    """The entrance tablets of the user's centre: coordinators and administrators only."""
    centre = visible_centre(user, REGISTRY_WRITE_ROLES)
    return KioskDevice.objects.filter(centre=centre).select_related("created_by", "revoked_by")


def kiosk_device_get_for_user(user, pk) -> KioskDevice:
    try:
        return kiosk_devices_for_user(user).get(pk=pk)
    except (KioskDevice.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def kiosk_centre_for_token(token: str) -> Centre | None:
    """The centre a paired tablet runs the entrance of (None: not paired, or revoked)."""
    from .services import kiosk_centre_id

    centre_id = kiosk_centre_id(token)
    return Centre.objects.get(pk=centre_id) if centre_id is not None else None


def door_centre_for_user(user) -> Centre:
    """The centre whose door (roll-call, closing the day) a staff member may see."""
    return visible_centre(user, DOOR_ROLES)


def people_in_building(centre: Centre):
    return (
        Presence.objects.filter(centre=centre, exited_at__isnull=True)
        .select_related("person")
        .order_by("person__last_name_latin")
    )


def occupancy_by_hour(centre: Centre, day: dt.date) -> list[tuple[int, int]]:
    """The highest number of people inside in each hour of a day, from the presences (entries
    and exits) that overlap it.

    An hour starts with the people already inside, so a building full from 9 to 12 reads full at
    10 even if nobody came or went in that hour; today's hours still to come stay empty.
    """
    from django.db.models import Q

    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time(0), tzinfo=tz)
    end = start + dt.timedelta(days=1)
    level, changes = 0, []
    for entered, exited in Presence.objects.filter(
        Q(exited_at__isnull=True) | Q(exited_at__gt=start), centre=centre, entered_at__lt=end
    ).values_list("entered_at", "exited_at"):
        if entered <= start:
            level += 1
        else:
            changes.append((entered, 1))
        if exited is not None and exited < end:
            changes.append((exited, -1))
    changes.sort()  # at one instant, exits (-1) before entries: no phantom peak
    peak = [0] * 24
    hour_seen = 0
    for when, delta in changes:
        hour = timezone.localtime(when, tz).hour
        for h in range(hour_seen, hour + 1):  # the hours up to this change held the level
            peak[h] = max(peak[h], level)
        hour_seen = hour
        level += delta
        peak[hour] = max(peak[hour], level)
    last_hour = 23
    if day == timezone.localdate():
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
    """A cohort whose badges `user` may print (and so issue): coordinators and administrators
    of its centre (403 for anyone else)."""
    from markaz.programmes.selectors import cohort_get_for_user

    if not has_role(user, REGISTRY_WRITE_ROLES):
        raise PermissionDenied
    return cohort_get_for_user(user, cohort_pk)


def cohort_badge_learners(cohort) -> tuple[list, int]:
    """The cohort's learners (not withdrawn) in print order, and how many have no badge yet."""
    people = [
        e.person
        for e in cohort.enrolments.filter(withdrawn_at__isnull=True)
        .select_related("person")
        .order_by("person__last_name_latin", "person__pk")
    ]
    with_badge = Badge.objects.filter(person__in=people, revoked_at__isnull=True).count()
    return people, len(people) - with_badge


def session_cancel_preview(session) -> dict:
    """How many of the session's learners cancelling it would text, and how many have no phone
    (the same learners timetabling.session_cancel writes to)."""
    learners = session.cohort.enrolments.filter(withdrawn_at__isnull=True)
    no_phone = learners.filter(person__phone="").count()
    return {"sms": learners.count() - no_phone, "no_phone": no_phone}
