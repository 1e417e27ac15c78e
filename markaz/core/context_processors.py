from django.conf import settings
from django.utils.translation import get_language_bidi

from .access import has_role, user_centre, user_role
from .roles import PEOPLE_ROLES, REGISTRY_WRITE_ROLES, Role


def markaz(request):
    user = request.user
    return {
        "is_rtl": get_language_bidi(),
        "require_2fa": bool(getattr(settings, "MARKAZ_REQUIRE_2FA", False)),
        # The demo's invented people are said to be so; a real centre's pages do not say it.
        "synthetic_data": bool(getattr(settings, "MARKAZ_SYNTHETIC_DATA", True)),
        "user_role": user_role(user),
        "user_centre": user_centre(user),
        "can_view_people": has_role(user, PEOPLE_ROLES),
        "can_write_registry": has_role(user, REGISTRY_WRITE_ROLES),
        "is_provincial": user_role(user) == Role.PROVINCIAL,
        "can_use_caravan": has_role(user, {Role.ADMIN, Role.COORDINATOR, Role.CARAVAN}),
        "can_use_door": has_role(user, {Role.ADMIN, Role.COORDINATOR, Role.TRAINER, Role.MENTOR}),
    }
