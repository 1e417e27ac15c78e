"""The centre's children's space: school classes booked for a workshop at the centre.

A booking counts toward the building: at any moment the building holds the seats of the youth
sessions, the pupils of the children's bookings and the participants of the mentoring sessions
under way (markaz.centre.occupancy.building_load), and that load may never pass the centre's
maximum occupancy. Pupils are minors: a booking counts them (girls, boys), it names none of them.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from markaz.centre.models import Centre, Room

# The building's load and opening hours are shared with every booking (centre.occupancy).
from markaz.centre.occupancy import opening_problem, over_the_maximum, peak_load
from markaz.core.access import visible_centre
from markaz.core.roles import Role
from markaz.core.services import audit_record

from .models import ChildrenBooking, School, Workshop

BOOKING_ROLES = frozenset({Role.ADMIN, Role.COORDINATOR, Role.CARAVAN})


# --- Reads --------------------------------------------------------------------------------------


def children_booking_items(
    centre: Centre, start: dt.datetime, end: dt.datetime, *, exclude=None
) -> list[tuple[dt.datetime, dt.datetime, int]]:
    """Children's-space bookings overlapping [start, end): each counts its pupils (registered
    with centre.occupancy as the building's "children" use)."""
    qs = ChildrenBooking.objects.filter(centre=centre, starts_at__lt=end, ends_at__gt=start)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return [(s, e, g + b) for s, e, g, b in qs.values_list("starts_at", "ends_at", "girls", "boys")]


def booking_centre_for_user(user) -> Centre:
    """The centre whose children's space a staff member books for."""
    return visible_centre(user, BOOKING_ROLES)


def bookings_between(centre: Centre, start: dt.datetime, end: dt.datetime):
    """The centre's children's bookings overlapping [start, end), for the calendar."""
    return (
        ChildrenBooking.objects.filter(centre=centre, starts_at__lt=end, ends_at__gt=start)
        .select_related("school", "workshop")
        .order_by("starts_at")
    )


def week_bookings(centre: Centre, start: dt.datetime, end: dt.datetime, *, room=None):
    """The centre's week view: the children's bookings of [start, end) (centre.occupancy)."""
    return bookings_between(centre, start, end)


def bookings_upcoming(centre: Centre, *, days_back: int = 7):
    since = timezone.now() - dt.timedelta(days=days_back)
    return (
        ChildrenBooking.objects.filter(centre=centre, ends_at__gte=since)
        .select_related("school__commune", "workshop")
        .order_by("starts_at")
    )


def booking_get_for_user(user, pk: int) -> ChildrenBooking:
    centre = booking_centre_for_user(user)
    booking = ChildrenBooking.objects.filter(centre=centre, pk=pk).first()
    if booking is None:
        raise Http404
    return booking


def children_space_load(
    centre: Centre, start: dt.datetime, end: dt.datetime, *, exclude=None
) -> int:
    """The most pupils at once in the children's space during [start, end)."""
    return peak_load(children_booking_items(centre, start, end, exclude=exclude), start, end)


def booking_problems(
    *, centre: Centre, starts_at: dt.datetime, ends_at: dt.datetime, girls: int, boys: int
) -> list[str]:
    """Every rule a booking would break, in words (empty: it may be booked)."""
    problems = []
    pupils = (girls or 0) + (boys or 0)
    if girls < 0 or boys < 0:
        problems.append(_("The numbers of girls and boys cannot be negative."))
    if pupils < 1:
        problems.append(_("A booking needs at least one pupil."))
    if ends_at <= starts_at:
        problems.append(_("The end must come after the start."))
        return problems
    problem = opening_problem(centre, starts_at, ends_at)
    if problem is not None and problem[0] == "days":
        problems.append(_("A booking starts and ends on the same day."))
        return problems
    if problem is not None and problem[0] == "closed":
        problems.append(_("The centre is closed that day."))
    elif problem is not None:
        problems.append(
            _("The centre is open %(hours)s that day; the booking must fit in those hours.")
            % {"hours": problem[1]}
        )
    rooms = list(Room.objects.filter(centre=centre, kind=Room.Kind.CHILDREN))
    if not rooms:
        problems.append(_("This centre has no children's space."))
    else:
        capacity = sum(r.capacity for r in rooms)
        already = children_space_load(centre, starts_at, ends_at)
        if already + pupils > capacity:
            problems.append(
                _(
                    "The children's space holds %(capacity)s pupils; %(already)s are already "
                    "booked at that time, so %(pupils)s more do not fit."
                )
                % {"capacity": capacity, "already": already, "pupils": pupils}
            )
    full = over_the_maximum(centre, starts_at, ends_at, pupils)
    if full:
        problems.append(full)
    return problems


# --- Writes -------------------------------------------------------------------------------------


@transaction.atomic
def booking_create(
    *,
    centre: Centre,
    school: School,
    workshop: Workshop,
    class_label: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    girls: int,
    boys: int,
    actor=None,
) -> ChildrenBooking:
    """Book the children's space for a class. Raises ValidationError (every problem at once)
    and writes nothing if the booking breaks a rule: opening hours, at least one pupil, the
    space's capacity, the building's maximum with the youth sessions at that time."""
    # Lock the centre: two bookings made at once are checked one after the other.
    centre = Centre.objects.select_for_update().get(pk=centre.pk)
    problems = booking_problems(
        centre=centre, starts_at=starts_at, ends_at=ends_at, girls=girls, boys=boys
    )
    if problems:
        raise ValidationError(problems)
    booking = ChildrenBooking(
        centre=centre,
        school=school,
        workshop=workshop,
        class_label=class_label.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        girls=girls,
        boys=boys,
    )
    booking.full_clean()
    booking.save()
    audit_record(actor=actor, action="children_booking_create", centre=centre, obj=booking)
    return booking


@transaction.atomic
def booking_cancel(*, booking: ChildrenBooking, actor=None) -> None:
    """Cancel a booking that has not ended yet (a past one is a workshop held: it stays)."""
    booking = ChildrenBooking.objects.select_for_update().get(pk=booking.pk)
    if booking.ends_at <= timezone.now():
        raise ValidationError(_("This booking is over; it counts as a workshop held."))
    audit_record(
        actor=actor,
        action="children_booking_cancel",
        centre=booking.centre,
        obj=booking,
        detail={
            "school": booking.school_id,
            "starts_at": booking.starts_at.isoformat(),
            "pupils": booking.pupils,
        },
    )
    booking.delete()
