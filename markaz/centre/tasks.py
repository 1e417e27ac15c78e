from django.urls import reverse
from django_tasks import task

from markaz.core.services import job_progress, job_run


@task()
def timetable_solve_task(*, timetable_id: int, job_id: str) -> dict:
    from django.db import connection

    from .models import Timetable
    from .timetabling import timetable_solve

    # The solver calls back from its own thread. Report from there only when this task is not
    # inside a transaction (the worker's case); a caller's open transaction would hold SQLite's
    # write lock against that thread.
    report = not connection.in_atomic_block

    def progress(fraction, best) -> None:
        if not report:
            return
        try:
            job_progress(job_id=job_id, done=int(100 * (fraction or 0)), total=100)
        finally:
            connection.close()  # this thread's own connection

    return job_run(
        job_id=job_id,
        work=lambda: timetable_solve(timetable_id=timetable_id, progress=progress),
        result_url=reverse("centre:timetable_detail", args=[timetable_id]),
        on_failure=lambda: Timetable.objects.filter(pk=timetable_id).update(
            status=Timetable.Status.FAILED
        ),
    )
