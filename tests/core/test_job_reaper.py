"""A worker killed in the middle of a job (issue 13 §1): the job, its task in the database queue
and the import batch it was working on stayed "running" forever and the file could not be
imported again. `reap_jobs` fails them once the worker has been silent for the timeout, and the
import can be started again."""

import datetime as dt
import time

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from markaz.core.models import AuditEvent, Job
from markaz.core.services import job_run
from markaz.registry import services
from markaz.registry.models import ImportBatch, Person
from tests.registry.test_import import ROW_OK, ROW_OK2, csv_bytes

pytestmark = pytest.mark.django_db


def crashed_import(centre, coordinator, minutes_silent: int):
    """An import whose worker claimed the task, started, then was killed."""
    batch, checked, _summary = services.import_preview(
        centre=centre, file_name="people.csv", content=csv_bytes(ROW_OK, ROW_OK2), actor=coordinator
    )
    assert checked.ok
    job = services.import_commit(batch=batch, actor=coordinator)  # the task is not run
    silent_since = timezone.now() - dt.timedelta(minutes=minutes_silent)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, heartbeat_at=silent_since)
    task = DBTaskResult.objects.create(
        status="RUNNING",
        args_kwargs={"args": [], "kwargs": {"batch_id": batch.pk, "job_id": str(job.pk)}},
        task_path="markaz.registry.tasks.import_run_task",
        backend_name="default",
        run_after=silent_since,
        started_at=silent_since,
        worker_ids=["killed-worker"],
    )
    return batch, job, task


def test_a_silent_job_is_failed_with_its_batch_and_task_and_the_file_imports_again(
    centre, coordinator, settings, django_capture_on_commit_callbacks
):
    settings.MARKAZ_JOB_TIMEOUT_MINUTES = 10
    batch, job, task = crashed_import(centre, coordinator, minutes_silent=25)

    call_command("reap_jobs", verbosity=0)

    job.refresh_from_db()
    batch.refresh_from_db()
    task.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.finished_at is not None
    assert "10 minutes" in job.error  # kept in English, shown in the reader's language
    assert "aucun signe de vie depuis 10 minutes" in job.error_message
    assert batch.status == ImportBatch.Status.FAILED
    assert task.status == "FAILED" and task.finished_at is not None
    assert AuditEvent.objects.filter(action="job_reaped", object_id=str(job.pk)).exists()
    assert Person.objects.count() == 0

    # Retried: the same batch runs again and imports everyone, once.
    with django_capture_on_commit_callbacks(execute=True):
        retry = services.import_commit(batch=batch, actor=coordinator)
    retry.refresh_from_db()
    batch.refresh_from_db()
    assert retry.pk != job.pk and retry.status == Job.Status.DONE
    assert batch.status == ImportBatch.Status.DONE and batch.rows_new == 2
    assert Person.objects.count() == 2


def test_the_import_page_offers_to_import_a_failed_batch_again(client, centre, coordinator):
    batch, _job, _task = crashed_import(centre, coordinator, minutes_silent=25)
    call_command("reap_jobs", verbosity=0)
    client.force_login(coordinator)
    page = client.get(f"/registry/import/{batch.pk}/").content.decode()
    assert "Importer à nouveau" in page and "/commit/" in page


def test_a_job_that_beats_is_left_running(centre, coordinator, settings):
    settings.MARKAZ_JOB_TIMEOUT_MINUTES = 10
    batch, job, task = crashed_import(centre, coordinator, minutes_silent=3)
    call_command("reap_jobs", verbosity=0)
    job.refresh_from_db()
    batch.refresh_from_db()
    task.refresh_from_db()
    assert job.status == Job.Status.RUNNING
    assert batch.status == ImportBatch.Status.RUNNING and task.status == "RUNNING"


def test_a_finished_job_is_never_reaped(centre, coordinator):
    done = Job.objects.create(kind="x", status=Job.Status.DONE)
    Job.objects.filter(pk=done.pk).update(created_at=timezone.now() - dt.timedelta(days=2))
    call_command("reap_jobs", "--minutes=1", verbosity=0)
    done.refresh_from_db()
    assert done.status == Job.Status.DONE


@pytest.mark.django_db(transaction=True)
def test_a_long_step_without_progress_still_beats(settings):
    settings.MARKAZ_JOB_HEARTBEAT_SECONDS = 0.05
    job = Job.objects.create(kind="x")
    beats = []

    def work():
        started = Job.objects.get(pk=job.pk).heartbeat_at
        time.sleep(0.6)
        beats.append((started, Job.objects.get(pk=job.pk).heartbeat_at))
        return {}

    job_run(job_id=job.pk, work=work)
    ((started, later),) = beats
    assert started is not None and later > started
    job.refresh_from_db()
    assert job.status == Job.Status.DONE
