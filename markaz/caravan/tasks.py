from django.urls import reverse
from django_tasks import task

from markaz.core.services import job_fail, job_finish, job_progress


@task()
def tour_plan_task(*, tour_id: int, job_id: str) -> dict:
    from .models import Tour
    from .services import tour_plan_execute

    job_progress(job_id=job_id, done=5, total=100)
    try:
        result = tour_plan_execute(tour_id=tour_id)
    except Exception as exc:
        Tour.objects.filter(pk=tour_id).update(status=Tour.Status.FAILED)
        job_fail(job_id=job_id, error=str(exc))
        raise
    job_finish(
        job_id=job_id, result=result, result_url=reverse("caravan:tour_detail", args=[tour_id])
    )
    return result
