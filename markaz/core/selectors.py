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
