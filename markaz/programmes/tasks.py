from django.urls import reverse
from django_tasks import task

from markaz.core.services import job_progress, job_run


@task()
def allocation_run_task(*, run_id: int, job_id: str) -> dict:
    from .models import AllocationRun
    from .services import allocation_run_execute

    def progress(fraction: float) -> None:
        job_progress(job_id=job_id, done=int(100 * fraction), total=100)

    return job_run(
        job_id=job_id,
        work=lambda: allocation_run_execute(run_id=run_id, progress=progress),
        result_url=reverse("programmes:run_detail", args=[run_id]),
        on_failure=lambda: AllocationRun.objects.filter(pk=run_id).update(
            status=AllocationRun.Status.FAILED
        ),
    )
