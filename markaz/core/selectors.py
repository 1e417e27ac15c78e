from django.http import Http404

from .access import user_centre_id, user_role
from .models import Job
from .roles import Role


def job_get_for_user(user, job_id) -> Job:
    """A job is visible to whoever started it and to the administrators of its centre."""
    try:
        job = Job.objects.get(pk=job_id)
    except (Job.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
    if job.created_by_id == user.pk:
        return job
    if user_role(user) == Role.ADMIN and job.centre_id == user_centre_id(user):
        return job
    raise Http404


# --- Outbox -----------------------------------------------------------------------------------


def _outbox_scope(user):
    """Coordinators and administrators see their centre's messages (and those of no centre);
    an administrator without a centre sees all."""
    from django.db.models import Q

    from .models import OutboxMessage

    if user_role(user) not in (Role.ADMIN, Role.COORDINATOR):
        raise Http404
    centre_id = user_centre_id(user)
    qs = OutboxMessage.objects.all()
    if centre_id is not None:
        qs = qs.filter(Q(centre_id=centre_id) | Q(centre__isnull=True))
    return qs


def outbox_for_user(user, *, status: str = "", channel: str = "", query: str = ""):
    qs = _outbox_scope(user).select_related("recipient").order_by("-created_at", "-pk")
    if status:
        qs = qs.filter(status=status)
    if channel:
        qs = qs.filter(channel=channel)
    if query:
        from django.db.models import Q

        qs = qs.filter(Q(phone__icontains=query) | Q(email__icontains=query) | Q(kind=query))
    return qs


def outbox_counts_for_user(user) -> dict[str, int]:
    from django.db.models import Count

    rows = _outbox_scope(user).values("status").annotate(n=Count("pk"))
    return {row["status"]: row["n"] for row in rows}


def outbox_message_get_for_user(user, pk):
    message = _outbox_scope(user).filter(pk=pk).first()
    if message is None:
        raise Http404
    return message


def sms_opt_outs_for_user(user):
    from django.db.models import Q

    from .models import SmsOptOut

    if user_role(user) not in (Role.ADMIN, Role.COORDINATOR):
        raise Http404
    qs = SmsOptOut.objects.order_by("-created_at")
    centre_id = user_centre_id(user)
    if centre_id is not None:
        qs = qs.filter(Q(centre_id=centre_id) | Q(centre__isnull=True))
    return qs
