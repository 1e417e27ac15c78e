"""Background work of the registry (django-tasks; the database backend's worker runs it)."""

from django.urls import reverse
from django.utils import translation
from django_tasks import task

from markaz.core.services import job_progress, job_run


def _progress(job_id: str):
    def progress(done: int, total: int) -> None:
        job_progress(job_id=job_id, done=done, total=total)

    return progress


def _batch_failed(batch_id: int):
    def on_failure() -> None:
        from .models import ImportBatch

        ImportBatch.objects.filter(pk=batch_id).update(status=ImportBatch.Status.FAILED)

    return on_failure


@task()
def import_check_task(*, batch_id: int, job_id: str, language: str = "fr") -> dict:
    """Read and check an uploaded file (the preview), its messages in the uploader's language."""
    from .services import import_check

    with translation.override(language):
        return job_run(
            job_id=job_id,
            work=lambda: import_check(batch_id=batch_id, progress=_progress(job_id)),
            result_url=reverse("registry:import_detail", args=[batch_id]),
            on_failure=_batch_failed(batch_id),
        )


@task()
def import_run_task(*, batch_id: int, job_id: str) -> dict:
    from .services import import_run

    return job_run(
        job_id=job_id,
        work=lambda: import_run(batch_id=batch_id, job_id=job_id, progress=_progress(job_id)),
        result_url=reverse("registry:import_detail", args=[batch_id]),
        on_failure=_batch_failed(batch_id),
    )
