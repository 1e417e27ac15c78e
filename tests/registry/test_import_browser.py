"""On a phone, in French then Arabic: the upload leads to the file's page, which shows the check's
progress and, once the worker has checked every row, swaps itself for the preview without a
reload (htmx polling); importing from there (issue 13 §1)."""

import pytest

from markaz.core.roles import Role
from markaz.registry import tasks
from markaz.registry.models import ImportBatch, Person
from tests.factories import CentreFactory, staff
from tests.registry.test_import import ROW_OK, ROW_OK2, csv_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_check_shows_progress_then_the_preview_on_a_phone(
    live_server, territory, phone, screenshot, monkeypatch
):
    centre = CentreFactory(code="berkane", name_fr="Centre de Berkane", name_ar="مركز بركان")
    staff("coordinator", Role.COORDINATOR, centre)
    queued = []  # the worker is late: the check waits in the queue
    check_task = tasks.import_check_task

    class Late:
        @staticmethod
        def enqueue(**kwargs):
            queued.append(kwargs)

    monkeypatch.setattr(tasks, "import_check_task", Late)

    page = phone
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", "coordinator")
    page.fill("#id_password", "pw-test-12345")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/dashboard/")
    page.goto(live_server.url + "/registry/import/")
    assert "20" in page.locator("main form").inner_text()  # the caps, said on the page
    page.set_input_files(
        "#id_file",
        {"name": "inscrits.csv", "mimeType": "text/csv", "buffer": csv_bytes(ROW_OK, ROW_OK2)},
    )
    page.locator("main form button[type=submit]").click()
    page.wait_for_selector("#import-batch .progress")
    batch = ImportBatch.objects.get()
    assert page.url.endswith(f"/registry/import/{batch.pk}/")
    assert "Vérification de chaque ligne" in page.locator("#import-batch").inner_text()
    screenshot(page, "import-checking-fr-phone")

    check_task.call(**queued.pop())  # the worker checks the file
    page.wait_for_selector("#import-sample", timeout=10_000)  # swapped in by the polling
    assert "FA100002" in page.locator("#import-sample").inner_text()
    screenshot(page, "import-preview-fr-phone")

    page.locator("#language-switcher button[value=ar]").first.click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("dir") == "rtl"
    screenshot(page, "import-preview-ar-phone")
    page.locator("#import-batch form button[type=submit]").click()
    page.wait_for_load_state()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE and Person.objects.count() == 2
    screenshot(page, "import-done-ar-phone")
