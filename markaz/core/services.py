"""Writes shared by every app: audit events and background-job progress."""

import datetime as dt
import logging
import threading

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .models import JOB_REAPED, AuditEvent, Job


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
    fields = {"done": done, "status": Job.Status.RUNNING, "heartbeat_at": timezone.now()}
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


def job_beat(*, job_id) -> None:
    """A sign of life of the worker running the job."""
    Job.objects.filter(pk=job_id, status=Job.Status.RUNNING).update(heartbeat_at=timezone.now())


class _Heartbeat(threading.Thread):
    """Beats for a running job every MARKAZ_JOB_HEARTBEAT_SECONDS, on its own connection, so a
    long step without progress (one big transaction) still shows the worker alive. A killed
    worker stops beating; `job_reap` then fails the job."""

    def __init__(self, job_id, interval: float):
        super().__init__(daemon=True, name=f"job-heartbeat-{job_id}")
        self.job_id, self.interval, self.stopped = job_id, interval, threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.wait(self.interval):
                try:
                    job_beat(job_id=self.job_id)
                except Exception:  # a busy database: the next beat tries again
                    logging.getLogger(__name__).warning("job %s: heartbeat missed", self.job_id)
        finally:
            connection.close()


def job_run(*, job_id, work, result_url: str = "", on_failure=None) -> dict:
    """Run a background job's work: finished with its result, or failed with the error (after
    `on_failure` marks the object it was working on). The error is raised again for the worker's
    log. The job beats while the work runs (see `job_reap`)."""
    Job.objects.filter(pk=job_id).update(status=Job.Status.RUNNING, heartbeat_at=timezone.now())
    interval = float(getattr(settings, "MARKAZ_JOB_HEARTBEAT_SECONDS", 30))
    heartbeat = _Heartbeat(job_id, interval) if interval > 0 else None
    if heartbeat is not None:
        heartbeat.start()
    try:
        result = work()
    except Exception as exc:
        if on_failure is not None:
            on_failure()
        job_fail(job_id=job_id, error=str(exc))
        raise
    finally:
        if heartbeat is not None:
            heartbeat.stopped.set()
            heartbeat.join()
    job_finish(job_id=job_id, result=result, result_url=result_url)
    return result


# What a job's object (an import batch, an allocation run, a tour) is in while its job runs
# ("checking": a registry file whose preview is being made).
_WORKING_STATES = {"queued", "running", "planning", "checking"}


def job_reap(*, timeout_minutes: float | None = None, now=None) -> list:
    """Fail every running job whose worker gave no sign of life for `timeout_minutes`
    (MARKAZ_JOB_TIMEOUT_MINUTES), with the objects it was working on (any model with a foreign
    key to Job and a "failed" status: import batches, allocation runs, tours) and its task in the
    database queue, so the work can be started again. Returns the ids of the jobs failed."""
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    if timeout_minutes is None:
        timeout_minutes = float(getattr(settings, "MARKAZ_JOB_TIMEOUT_MINUTES", 10))
    now = now or timezone.now()
    cutoff = now - dt.timedelta(minutes=timeout_minutes)
    minutes = f"{timeout_minutes:g}"
    error = JOB_REAPED % {"minutes": minutes}  # stored in English, shown translated
    with transaction.atomic():
        stale = Job.objects.select_for_update().filter(status=Job.Status.RUNNING)
        stale = stale.filter(heartbeat_at__lt=cutoff) | stale.filter(
            heartbeat_at__isnull=True, created_at__lt=cutoff
        )
        ids = list(stale.values_list("pk", flat=True))
        if not ids:
            return []
        Job.objects.filter(pk__in=ids).update(
            status=Job.Status.FAILED,
            error=error,
            result={"reaped_after_minutes": minutes},
            finished_at=now,
        )
        for rel in Job._meta.related_objects:
            model = rel.related_model
            try:
                status = model._meta.get_field("status")
            except Exception:
                continue
            values = {value for value, _label in status.choices or ()}
            if "failed" not in values:
                continue
            model._default_manager.filter(
                **{f"{rel.field.name}__in": ids, "status__in": values & _WORKING_STATES}
            ).update(status="failed")
        DBTaskResult.objects.filter(
            status=TaskResultStatus.RUNNING,
            args_kwargs__kwargs__job_id__in=[str(pk) for pk in ids],
        ).update(
            status=TaskResultStatus.FAILED,
            finished_at=now,
            exception_class_path="markaz.core.services.WorkerLost",
            traceback=error,
        )
        for pk in ids:
            audit_record(actor=None, action="job_reaped", obj=Job(pk=pk), detail={"error": error})
    return ids
