from django.urls import reverse
from django_tasks import task

from markaz.core.services import job_progress, job_run


@task()
def tour_plan_task(*, tour_id: int, job_id: str) -> dict:
    from .models import Tour
    from .services import tour_plan_execute

    job_progress(job_id=job_id, done=5, total=100)
    return job_run(
        job_id=job_id,
        work=lambda: tour_plan_execute(tour_id=tour_id),
        result_url=reverse("caravan:tour_detail", args=[tour_id]),
        on_failure=lambda: Tour.objects.filter(pk=tour_id).update(status=Tour.Status.FAILED),
    )
