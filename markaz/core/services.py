"""Writes shared by every app: audit events and background-job progress."""

from django.db import transaction
from django.utils import timezone

from .models import AuditEvent, Job


def audit_record(*, actor, action: str, centre=None, obj=None, detail: dict | None = None) -> None:
    AuditEvent.objects.create(
        centre=centre,
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        detail=detail or {},
    )


def job_create(*, kind: str, centre=None, created_by=None, total: int = 0) -> Job:
    return Job.objects.create(kind=kind, centre=centre, created_by=created_by, total=total)


def job_progress(*, job_id, done: int, total: int | None = None) -> None:
    """Record progress from inside a running task (its own short write, outside the work's
    transaction is not needed: the worker's transaction is the whole task)."""
    fields = {"done": done, "status": Job.Status.RUNNING}
    if total is not None:
        fields["total"] = total
    Job.objects.filter(pk=job_id).update(**fields)


def job_finish(*, job_id, result: dict, result_url: str = "") -> None:
    Job.objects.filter(pk=job_id).update(
        status=Job.Status.DONE, result=result, result_url=result_url, finished_at=timezone.now()
    )


def job_fail(*, job_id, error: str) -> None:
    with transaction.atomic():
        Job.objects.filter(pk=job_id).update(
            status=Job.Status.FAILED, error=error, finished_at=timezone.now()
        )


def job_run(*, job_id, work, result_url: str = "", on_failure=None) -> dict:
    """Run a background job's work: finished with its result, or failed with the error (after
    `on_failure` marks the object it was working on). The error is raised again for the worker's
    log."""
    try:
        result = work()
    except Exception as exc:
        if on_failure is not None:
            on_failure()
        job_fail(job_id=job_id, error=str(exc))
        raise
    job_finish(job_id=job_id, result=result, result_url=result_url)
    return result
