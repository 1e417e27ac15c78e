"""The database, not the application, guarantees one record per CIN in a centre: concurrent
intakes of the same CIN (two desks, or a desk and the public form) register exactly one person."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from markaz.registry import services
from markaz.registry.models import Consent, Person
from tests.factories import person_data

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_intakes_of_one_cin_register_one_person(centre):
    workers = 6
    barrier = threading.Barrier(workers)
    outcomes: list[str] = []
    lock = threading.Lock()

    def intake(i: int) -> None:
        try:
            barrier.wait()
            services.person_create(centre=centre, data=person_data(first_name_latin=f"Desk{i}"))
            result = "created"
        except ValidationError as exc:
            result = "refused" if "cin" in exc.message_dict else f"error {exc}"
        except Exception as exc:  # noqa: BLE001 - reported below
            result = f"error {type(exc).__name__}: {exc}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=intake, args=(i,)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(outcomes) == ["created"] + ["refused"] * (workers - 1), outcomes
    assert Person.objects.filter(cin="FA123456").count() == 1
    assert Consent.objects.count() == 1


def test_the_same_file_uploaded_at_once_from_several_desks_makes_one_check(
    centre, coordinator, monkeypatch
):
    """Issue 13 §1: the uploads of one file racing each other share one batch and one job (a
    partial unique index on the file's hash while it is checked)."""
    from markaz.core.models import Job
    from markaz.registry import tasks
    from markaz.registry.models import ImportBatch
    from tests.registry.test_import import ROW_OK, ROW_OK2, csv_bytes

    class Queue:  # the worker is busy: checks wait in the queue
        @staticmethod
        def enqueue(**kwargs):
            pass

    monkeypatch.setattr(tasks, "import_check_task", Queue)
    content = csv_bytes(ROW_OK, ROW_OK2)
    workers = 4
    barrier = threading.Barrier(workers)
    outcomes: list = []
    lock = threading.Lock()

    def upload(i: int) -> None:
        try:
            barrier.wait()
            batch = services.import_upload(
                centre=centre, file_name=f"desk{i}.csv", content=content, actor=coordinator
            )
            result = batch.pk
        except Exception as exc:  # noqa: BLE001 - reported below
            result = f"error {type(exc).__name__}: {exc}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=upload, args=(i,)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    batch = ImportBatch.objects.get()
    assert outcomes == [batch.pk] * workers, outcomes
    assert batch.status == ImportBatch.Status.CHECKING
    assert Job.objects.filter(kind="registry_import_check").count() == 1
