"""Background work of the registry (django-tasks; the database backend's worker runs it)."""

from django.urls import reverse
from django_tasks import task

from markaz.core.services import job_progress, job_run


@task()
def import_run_task(*, batch_id: int, job_id: str) -> dict:
    from .models import ImportBatch
    from .services import import_run

    def progress(done: int, total: int) -> None:
        job_progress(job_id=job_id, done=done, total=total)

    return job_run(
        job_id=job_id,
        work=lambda: import_run(batch_id=batch_id, job_id=job_id, progress=progress),
        result_url=reverse("registry:import_detail", args=[batch_id]),
        on_failure=lambda: ImportBatch.objects.filter(pk=batch_id).update(
            status=ImportBatch.Status.FAILED
        ),
    )
