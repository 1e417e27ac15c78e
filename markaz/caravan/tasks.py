from django.urls import reverse
from django_tasks import task

from markaz.core.services import job_progress, job_run


@task()
def tour_plan_task(*, tour_id: int, job_id: str) -> dict:
    """Plan a tour; the job's progress is the days planned so far out of the period's days."""
    from .models import Tour
    from .services import tour_plan_execute

    def progress(done: int, total: int) -> None:
        job_progress(job_id=job_id, done=done, total=total)

    return job_run(
        job_id=job_id,
        work=lambda: tour_plan_execute(tour_id=tour_id, progress=progress),
        result_url=reverse("caravan:tour_detail", args=[tour_id]),
        on_failure=lambda: Tour.objects.filter(pk=tour_id).update(status=Tour.Status.FAILED),
    )
