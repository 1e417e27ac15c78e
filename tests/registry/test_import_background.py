"""The import's check and commit run in the background, not in the web request (issue 13 §1):
the upload keeps the file and queues its check; its page shows the progress, then the preview;
the same file uploaded again while it is checked shows that check; a check whose worker died is
reaped and checked again; a large commit writes in chunks, with progress, and an import started
again after a crash writes nobody twice."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from markaz.core.models import Job
from markaz.registry import limits, services
from markaz.registry.models import Consent, ImportBatch, Person
from tests.registry.test_import import ROW_OK, ROW_OK2, csv_bytes

pytestmark = pytest.mark.django_db


def _row(i: int) -> str:
    return f"FB{i:06d},Amine{i},Tahiri,,,2000-01-15,M,,berkane,unemployed,bac,,,ar,yes"


def _upload(client, content: bytes, name: str = "inscrits.csv", callbacks=None):
    return client.post(
        reverse("registry:import_upload"), {"file": SimpleUploadedFile(name, content)}
    )


def _run(callbacks) -> None:
    """What the worker does once the request's transaction has committed."""
    for callback in callbacks:
        callback()


def test_the_upload_queues_the_check_and_the_page_shows_progress_then_the_preview(
    client, centre, coordinator, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks() as callbacks:
        response = _upload(client, csv_bytes(ROW_OK, ROW_OK2))
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:import_detail", args=[batch.pk])
    # Not checked in the request: the batch waits for the worker, with its job.
    assert batch.status == ImportBatch.Status.CHECKING and batch.checked_at is None
    assert batch.job.kind == "registry_import_check" and batch.job.status == Job.Status.QUEUED
    page = client.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 1s"' in page and "Vérification de chaque ligne" in page
    assert Person.objects.count() == 0

    _run(callbacks)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED and batch.job.status == Job.Status.DONE
    assert batch.preview["new"] == 2 and batch.rows_total == 2
    # The page polls itself; the answer once the check is over is the preview, with no polling.
    partial = client.get(response["Location"], HTTP_HX_REQUEST="true")
    html = partial.content.decode()
    assert partial.templates[0].name == "registry/_import_batch.html"
    assert "every 1s" not in html and "Importer 2 nouvelles personnes" in html
    assert "FA100002" in html and "14/02/1999" in html
    assert Person.objects.count() == 0

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("registry:import_commit", args=[batch.pk]))
    assert response["Location"] == reverse("registry:import_detail", args=[batch.pk])
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE and Person.objects.count() == 2
    assert "sample" not in batch.preview  # the first rows shown are not kept once imported


def test_the_same_file_uploaded_while_it_is_checked_shows_that_check(
    client, centre, coordinator, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    content = csv_bytes(ROW_OK, ROW_OK2)
    with django_capture_on_commit_callbacks() as first:
        one = _upload(client, content)
    with django_capture_on_commit_callbacks() as second:
        two = _upload(client, content, name="inscrits (1).csv")
    assert one["Location"] == two["Location"]
    assert ImportBatch.objects.count() == 1 and len(second) == 0
    assert Job.objects.filter(kind="registry_import_check").count() == 1
    _run(first)
    # Once checked, the same file uploaded again is checked again (its preview may change).
    _upload(client, content)
    assert ImportBatch.objects.count() == 2


def test_one_check_per_file_is_enforced_by_the_database(centre, coordinator):
    from django.db import IntegrityError, transaction

    content = csv_bytes(ROW_OK)
    batch = services.import_upload(
        centre=centre, file_name="a.csv", content=content, actor=coordinator
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        ImportBatch.objects.create(
            centre=centre,
            file_name="a.csv",
            sha256=batch.sha256,
            content=content,
            status=ImportBatch.Status.CHECKING,
        )


def test_a_check_whose_worker_died_is_reaped_and_checked_again(
    client, centre, coordinator, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks():  # queued; the worker takes it, then is killed
        _upload(client, csv_bytes(ROW_OK, ROW_OK2))
    batch = ImportBatch.objects.get()
    Job.objects.filter(pk=batch.job_id).update(
        status=Job.Status.RUNNING, heartbeat_at=timezone.now() - dt.timedelta(minutes=30)
    )
    call_command("reap_jobs", verbosity=0)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED and batch.check_failed
    page = client.get(reverse("registry:import_detail", args=[batch.pk])).content.decode()
    assert "signe de vie" in page and "Vérifier à nouveau" in page
    assert "Importer à nouveau" not in page  # a file never checked cannot be imported
    with pytest.raises(Exception, match="vérifié"):
        services.import_commit(batch=batch, actor=coordinator)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("registry:import_check_again", args=[batch.pk]))
    assert response["Location"] == reverse("registry:import_detail", args=[batch.pk])
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED and batch.preview["new"] == 2
    assert Job.objects.filter(kind="registry_import_check").count() == 2
    assert Person.objects.count() == 0


def test_a_file_with_errors_shows_them_in_the_uploaders_language_and_keeps_no_content(
    client, centre, coordinator, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    client.cookies["markaz_language"] = "ar"
    bad = "XX,Ali,Bad,,,2000-01-01,M,,berkane,unemployed,bac,,,ar,yes"
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, csv_bytes(ROW_OK, bad))
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.INVALID and bytes(batch.content) == b""
    assert batch.errors[0]["row"] == 3
    assert any("\u0600" <= ch <= "\u06ff" for ch in batch.errors[0]["message"])
    page = client.get(response["Location"]).content.decode()
    assert 'id="import-errors"' in page and batch.errors[0]["message"] in page
    assert "commit" not in page
    assert Person.objects.count() == 0


def test_a_file_over_the_row_cap_is_refused_by_the_check_naming_the_cap(
    client, centre, coordinator, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    header = csv_bytes().decode()
    body = "".join(_row(i) + "\n" for i in range(limits.MAX_ROWS + 1))
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, (header + body).encode())
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.INVALID and batch.preview["rejected"]
    page = client.get(response["Location"]).content.decode()
    assert f"plus de {limits.MAX_ROWS} lignes" in page
    assert Person.objects.count() == 0 and bytes(batch.content) == b""


def test_a_file_neither_csv_nor_xlsx_is_refused_at_the_upload(client, centre, coordinator):
    client.force_login(coordinator)
    response = _upload(client, b"%PDF-1.4", name="inscrits.pdf")
    assert response.status_code == 200 and "CSV" in response.content.decode()
    assert not ImportBatch.objects.exists() and not Job.objects.exists()


def test_a_large_commit_writes_in_chunks_with_progress(centre, coordinator, monkeypatch):
    monkeypatch.setattr(services, "IMPORT_CHUNK_ROWS", 2)
    batch, checked, _ = services.import_preview(
        centre=centre,
        file_name="grand.csv",
        content=csv_bytes(*[_row(i) for i in range(5)]),
        actor=coordinator,
    )
    seen, writes = [], []
    write = services._import_write

    def watched(batch, rows, *args):
        writes.append((len(rows), Person.objects.count()))
        return write(batch, rows, *args)

    monkeypatch.setattr(services, "_import_write", watched)
    result = services.import_run(batch_id=batch.pk, progress=lambda d, t: seen.append((d, t)))
    assert result["created"] == 5 and Person.objects.count() == 5
    # Three chunks (2, 2, 1), each written after the one before was.
    assert writes == [(2, 0), (2, 2), (1, 4)]
    done = [d for d, _t in seen]
    assert done == sorted(done) and seen[-1] == (5, 5) and len(set(done)) >= 4


def test_an_import_started_again_after_a_crash_writes_nobody_twice(
    centre, coordinator, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    monkeypatch.setattr(services, "IMPORT_CHUNK_ROWS", 2)
    batch, _checked, _ = services.import_preview(
        centre=centre,
        file_name="grand.csv",
        content=csv_bytes(*[_row(i) for i in range(5)]),
        actor=coordinator,
    )
    write = services._import_write
    calls = []

    def dies_on_the_second_chunk(*args):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("worker killed")
        return write(*args)

    monkeypatch.setattr(services, "_import_write", dies_on_the_second_chunk)
    with django_capture_on_commit_callbacks(execute=True):  # the worker logs the error
        services.import_commit(batch=batch, actor=coordinator)
    assert "worker killed" in caplog.text
    caplog.clear()  # the worker's log of the crash, expected here
    batch.refresh_from_db()
    job = batch.job
    assert batch.status == ImportBatch.Status.FAILED and not batch.check_failed
    assert job.status == Job.Status.FAILED
    assert Person.objects.count() == 2  # the first chunk stays written

    monkeypatch.setattr(services, "_import_write", write)
    with django_capture_on_commit_callbacks(execute=True):
        services.import_commit(batch=batch, actor=coordinator)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE
    assert Person.objects.count() == 5
    assert sorted(Person.objects.values_list("cin", flat=True)) == [f"FB{i:06d}" for i in range(5)]
    assert Consent.objects.count() == 5
    assert (batch.rows_new, batch.rows_existing) == (5, 0)
    assert batch.job.result["created"] == 3  # the second run wrote only what was missing
