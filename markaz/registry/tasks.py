"""Background work of the registry (django-tasks; the database backend's worker runs it)."""

from django.urls import reverse
from django_tasks import task

from markaz.core.services import job_fail, job_finish, job_progress


@task()
def import_run_task(*, batch_id: int, job_id: str) -> dict:
    from .services import import_run

    def progress(done: int, total: int) -> None:
        job_progress(job_id=job_id, done=done, total=total)

    try:
        result = import_run(batch_id=batch_id, job_id=job_id, progress=progress)
    except Exception as exc:
        from .models import ImportBatch

        ImportBatch.objects.filter(pk=batch_id).update(status=ImportBatch.Status.FAILED)
        job_fail(job_id=job_id, error=str(exc))
        raise
    job_finish(
        job_id=job_id, result=result, result_url=reverse("registry:import_detail", args=[batch_id])
    )
    return result
