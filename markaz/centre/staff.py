"""Staff accounts, kept by coordinators and administrators through Markaz's own screens.

Coordinators create and edit trainers, mentors and caravan staff of their own centre; only
administrators create or change coordinators, administrators and provincial viewers. An account
is deactivated, never deleted (its history stays; a deactivated user cannot log in). A new
account has no password: the person sets it through a one-time link."""

from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from markaz.core.access import user_centre_id, user_role
from markaz.core.models import StaffProfile
from markaz.core.roles import Role
from markaz.core.services import audit_record

COORDINATOR_MAY_MANAGE = frozenset({Role.TRAINER, Role.MENTOR, Role.CARAVAN})
MANAGER_ROLES = frozenset({Role.ADMIN, Role.COORDINATOR})


def roles_for(actor) -> list[tuple[str, str]]:
    """The roles `actor` may give."""
    role = user_role(actor)
    if role == Role.ADMIN:
        return list(Role.choices)
    if role == Role.COORDINATOR:
        return [(v, label) for v, label in Role.choices if v in COORDINATOR_MAY_MANAGE]
    return []


def may_manage(actor, role: str, centre_id: int | None) -> bool:
    actor_role = user_role(actor)
    if actor_role == Role.ADMIN:
        return True
    return (
        actor_role == Role.COORDINATOR
        and role in COORDINATOR_MAY_MANAGE
        and centre_id is not None
        and centre_id == user_centre_id(actor)
    )


def staff_list_for_user(actor):
    """The accounts `actor` sees: every one for an administrator, their centre's for a
    coordinator."""
    qs = StaffProfile.objects.select_related("user", "centre").order_by(
        "-user__is_active", "role", "user__username"
    )
    role = user_role(actor)
    if role == Role.ADMIN:
        return qs
    if role == Role.COORDINATOR:
        return qs.filter(centre_id=user_centre_id(actor))
    raise PermissionDenied


def staff_get_for_user(actor, pk: int) -> StaffProfile:
    profile = staff_list_for_user(actor).filter(pk=pk).first()
    if profile is None:
        raise Http404
    return profile


def _check(actor, *, role: str, centre) -> None:
    if role not in Role.values:
        raise ValidationError(_("Choose a role."))
    if role != Role.PROVINCIAL and centre is None:
        raise ValidationError(_("Choose the centre this person works in."))
    if not may_manage(actor, role, centre.pk if centre is not None else None):
        raise ValidationError(
            _(
                "Only an administrator creates or changes coordinators, administrators and provincial viewers."
            )
            if role not in COORDINATOR_MAY_MANAGE
            else _("You manage the staff of your own centre only.")
        )


@transaction.atomic
def staff_create(
    *,
    actor,
    username: str,
    first_name: str,
    last_name: str,
    role: str,
    centre,
    language: str,
    phone: str,
    email: str,
) -> StaffProfile:
    """A new account without a usable password (see `staff_password_link`)."""
    if role == Role.PROVINCIAL:
        centre = None
    _check(actor, role=role, centre=centre)
    User = get_user_model()
    if User.objects.filter(username__iexact=username.strip()).exists():
        raise ValidationError(_("This user name is taken; choose another."))
    user = User(
        username=username.strip(),
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=email.strip(),
    )
    user.set_unusable_password()
    user.full_clean()
    user.save()
    profile = StaffProfile(
        user=user, role=role, centre=centre, language=language or "fr", phone=phone
    )
    profile.full_clean()
    profile.save()
    audit_record(
        actor=actor,
        action="staff_create",
        centre=centre,
        obj=user,
        detail={"role": role, "username": user.username},
    )
    return profile


@transaction.atomic
def staff_update(
    *,
    actor,
    profile: StaffProfile,
    first_name: str,
    last_name: str,
    role: str,
    centre,
    language: str,
    phone: str,
    email: str,
) -> StaffProfile:
    profile = StaffProfile.objects.select_for_update().select_related("user").get(pk=profile.pk)
    if not may_manage(actor, profile.role, profile.centre_id):
        raise PermissionDenied
    if role == Role.PROVINCIAL:
        centre = None
    _check(actor, role=role, centre=centre)
    if profile.user_id == actor.pk and role != profile.role:
        raise ValidationError(_("You cannot change your own role."))
    before = {"role": profile.role, "centre": profile.centre_id}
    user = profile.user
    user.first_name, user.last_name, user.email = (
        first_name.strip(),
        last_name.strip(),
        email.strip(),
    )
    user.full_clean()
    user.save(update_fields=["first_name", "last_name", "email"])
    profile.role, profile.centre, profile.language, profile.phone = (
        role,
        centre,
        language or "fr",
        phone,
    )
    profile.full_clean()
    profile.save(update_fields=["role", "centre", "language", "phone"])
    audit_record(
        actor=actor,
        action="staff_update",
        centre=centre,
        obj=user,
        detail={"before": before, "role": role, "centre": centre.pk if centre else None},
    )
    return profile


@transaction.atomic
def staff_set_active(*, actor, profile: StaffProfile, active: bool) -> StaffProfile:
    """Deactivate (cannot log in any more; sessions end; history kept) or reactivate."""
    profile = StaffProfile.objects.select_for_update().select_related("user").get(pk=profile.pk)
    if not may_manage(actor, profile.role, profile.centre_id):
        raise PermissionDenied
    if profile.user_id == actor.pk:
        raise ValidationError(_("You cannot deactivate your own account."))
    user = profile.user
    user.is_active = active
    user.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        action="staff_activate" if active else "staff_deactivate",
        centre=profile.centre,
        obj=user,
    )
    return profile


def staff_password_link(*, actor, profile: StaffProfile) -> tuple[str, str]:
    """(uidb64, token) of a one-time link to set the password: it works once (setting the
    password changes what the token signs) and for PASSWORD_RESET_TIMEOUT seconds."""
    if not may_manage(actor, profile.role, profile.centre_id):
        raise PermissionDenied
    user = profile.user
    if not user.is_active:
        raise ValidationError(_("This account is deactivated: reactivate it first."))
    audit_record(actor=actor, action="staff_password_link", centre=profile.centre, obj=user)
    return urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)
