"""Who may do what. Selectors and views ask here; nothing else decides access."""

from collections.abc import Iterable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from .roles import Role

_MISSING = object()


def staff_profile(user):
    """The user's staff profile with its centre, fetched once per request (one query)."""
    if not user.is_authenticated:
        return None
    profile = getattr(user, "_markaz_profile", _MISSING)
    if profile is _MISSING:
        from .models import StaffProfile

        profile = StaffProfile.objects.select_related("centre").filter(user_id=user.pk).first()
        user._markaz_profile = profile
    return profile


def user_role(user) -> str | None:
    if not user.is_authenticated:
        return None
    profile = staff_profile(user)
    if profile is not None:
        return profile.role
    return Role.ADMIN if user.is_superuser else None


def user_centre(user):
    """The centre a staff member works in (None for the provincial viewer and outsiders)."""
    profile = staff_profile(user)
    return profile.centre if profile is not None else None


def user_centre_id(user) -> int | None:
    profile = staff_profile(user)
    return profile.centre_id if profile is not None else None


def visible_centre(user, roles: Iterable[str]):
    """The centre `user` may see as one of `roles`: the one they work in. PermissionDenied if
    they hold none of `roles` or work in no centre (the provincial viewer, outsiders). Every app
    asks here ("which centre may this user see"), none writes its own."""
    if not has_role(user, roles):
        raise PermissionDenied
    centre = user_centre(user)
    if centre is None:
        raise PermissionDenied
    return centre


def visible_centre_id(user, roles: Iterable[str]) -> int:
    """The id of `visible_centre(user, roles)`, without loading the centre."""
    if not has_role(user, roles):
        raise PermissionDenied
    centre_id = user_centre_id(user)
    if centre_id is None:
        raise PermissionDenied
    return centre_id


def has_role(user, roles: Iterable[str]) -> bool:
    return user_role(user) in set(roles)


def require_role(user, roles: Iterable[str]) -> None:
    if not has_role(user, roles):
        raise PermissionDenied


def role_required(*roles: str):
    """View decorator: log in first, then hold one of `roles` and belong to a centre if needed."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            require_role(request.user, roles)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
