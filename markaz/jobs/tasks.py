from django.urls import reverse
from django_tasks import task

from markaz.core.services import job_progress, job_run


@task()
def fair_schedule_task(*, fair_id: int, job_id: str) -> dict:
    """Make (or re-plan) a job fair's interview schedule with the engine."""
    from .services_fairs import fair_schedule_execute, fair_schedule_failed

    def progress(done: int, total: int) -> None:
        job_progress(job_id=job_id, done=done, total=total)

    return job_run(
        job_id=job_id,
        work=lambda: fair_schedule_execute(fair_id=fair_id, progress=progress),
        result_url=reverse("jobs:fair_detail", args=[fair_id]),
        on_failure=lambda: fair_schedule_failed(fair_id=fair_id),
    )
