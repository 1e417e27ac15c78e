"""First run: an empty install (no centre yet) sends every page to /setup/, which creates the
centre, its opening hours, its rooms and the first coordinator in one transaction. Once a
centre exists, /setup/ is gone and the check costs one module attribute per request."""

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.shortcuts import redirect
from django.utils.text import slugify
from django.utils.translation import gettext as _

from markaz.core.models import StaffProfile
from markaz.core.roles import Role
from markaz.core.services import audit_record

from .models import Centre, Installation, OpeningHours, Room

SETUP_PATH = "/setup/"

# Once a centre exists the install stays set up (centres are never deleted): cached for the
# life of the process, so the middleware reads one module attribute per request.
_set_up = False


def is_set_up() -> bool:
    global _set_up
    if not _set_up:
        _set_up = Centre.objects.exists()
    return _set_up


def forget_set_up() -> None:
    """Tests start from an empty database: ask the database again."""
    global _set_up
    _set_up = False


class FirstRunMiddleware:
    """Before the first centre exists, every page but /setup/, the static files, /healthz and
    the language switch redirects to /setup/."""

    def __init__(self, get_response):
        self.get_response = get_response
        static = "/" + settings.STATIC_URL.lstrip("/")
        self.exempt = (SETUP_PATH, "/healthz", "/i18n/", static)

    def __call__(self, request):
        if not _set_up and not request.path_info.startswith(self.exempt) and not is_set_up():
            return redirect(SETUP_PATH)
        return self.get_response(request)


def _centre_code(commune, name_fr: str) -> str:
    return (slugify(commune.code) or slugify(name_fr) or "centre")[:50]


def centre_setup(
    *,
    centre: dict,
    hours: list[dict],
    rooms: list[dict],
    coordinator: dict,
) -> tuple[Centre, object]:
    """Create the install's first centre with its opening hours (one dict a weekday it opens:
    weekday, opens, closes, break_start, break_end), its rooms (name_fr, name_ar, kind,
    capacity) and its first coordinator (username, first_name, last_name, password, language,
    phone, email). All or nothing: any problem raises ValidationError (every message) and
    nothing is written. A second set-up, even at the same moment, is refused."""
    try:
        with transaction.atomic():
            return _centre_setup(centre=centre, hours=hours, rooms=rooms, coordinator=coordinator)
    except IntegrityError as exc:
        # Another set-up committed first: the Installation row's fixed key is taken.
        if Installation.objects.exists() or Centre.objects.exists():
            raise ValidationError(_("Markaz is already set up.")) from exc
        raise


def _centre_setup(*, centre, hours, rooms, coordinator):
    if Centre.objects.exists():
        raise ValidationError(_("Markaz is already set up."))
    problems: list[str] = []
    if not rooms:
        problems.append(_("Give at least one room."))
    if not hours:
        problems.append(_("The centre must open on at least one day of the week."))
    max_occupancy = centre.get("max_occupancy") or 0
    for room in rooms:
        if max_occupancy and room["capacity"] > max_occupancy:
            problems.append(
                _("%(room)s holds %(capacity)s people, more than the building's maximum (%(max)s).")
                % {"room": room["name_fr"], "capacity": room["capacity"], "max": max_occupancy}
            )
    names = [r["name_fr"].strip().casefold() for r in rooms]
    if len(set(names)) != len(names):
        problems.append(_("Two rooms have the same French name."))
    if problems:
        raise ValidationError(problems)

    c = Centre(code=_centre_code(centre["commune"], centre["name_fr"]), **centre)
    c.full_clean()
    c.save()
    Installation.objects.create(id=1, centre=c)
    for h in hours:
        row = OpeningHours(centre=c, **h)
        row.full_clean()
        row.save()
    for r in rooms:
        room = Room(centre=c, **r)
        room.full_clean()
        room.save()

    User = get_user_model()
    user = User(
        username=coordinator["username"],
        first_name=coordinator.get("first_name", ""),
        last_name=coordinator.get("last_name", ""),
        email=coordinator.get("email", ""),
        is_active=True,
    )
    password_validation.validate_password(coordinator["password"], user=user)
    user.set_password(coordinator["password"])
    user.full_clean()
    user.save()
    profile = StaffProfile(
        user=user,
        role=Role.COORDINATOR,
        centre=c,
        language=coordinator.get("language") or "fr",
        phone=coordinator.get("phone", ""),
    )
    profile.full_clean()
    profile.save()
    Installation.objects.filter(pk=1).update(set_up_by=user)
    audit_record(
        actor=user,
        action="centre_setup",
        centre=c,
        obj=c,
        detail={"rooms": len(rooms), "coordinator": user.username},
    )
    return c, user


# Opening hours proposed on the first-run page: weekdays with a lunch break, Friday with the
# midday prayer (from noon to three), Saturday and Sunday shorter.
DEFAULT_HOURS = {
    0: ("09:00", "22:00", "13:00", "14:00"),
    1: ("09:00", "22:00", "13:00", "14:00"),
    2: ("09:00", "22:00", "13:00", "14:00"),
    3: ("09:00", "22:00", "13:00", "14:00"),
    4: ("09:00", "21:00", "12:00", "15:00"),
    5: ("09:00", "18:00", "13:00", "14:00"),
    6: ("09:00", "13:00", None, None),
}


def default_hours_initial() -> list[dict]:
    def t(v):
        return dt.time.fromisoformat(v) if v else None

    return [
        {
            "weekday": day,
            "open": True,
            "opens": t(o),
            "closes": t(c),
            "break_start": t(bs),
            "break_end": t(be),
        }
        for day, (o, c, bs, be) in DEFAULT_HOURS.items()
    ]
