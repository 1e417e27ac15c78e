"""A registry import whose worker died, on a phone in French and Arabic: the page says why it
failed and offers to import the file again; doing so imports everyone (issue 13 §1)."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from markaz.core.models import Job
from markaz.core.roles import Role
from markaz.core.services import job_create
from markaz.registry import services
from markaz.registry.models import ImportBatch, Person
from tests.factories import CentreFactory, staff
from tests.registry.test_import import ROW_OK, ROW_OK2, csv_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_reaped_import_is_imported_again_on_a_phone(live_server, territory, phone, screenshot):
    centre = CentreFactory(code="berkane", name_fr="Centre de Berkane", name_ar="مركز بركان")
    coordinator = staff("coordinator", Role.COORDINATOR, centre)
    batch, checked, _ = services.import_preview(
        centre=centre,
        file_name="inscrits.csv",
        content=csv_bytes(ROW_OK, ROW_OK2),
        actor=coordinator,
    )
    # Committed, and its worker killed an hour ago (as import_commit leaves it, without the run).
    job = job_create(kind="registry_import", centre=centre, created_by=coordinator, total=2)
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.RUNNING, heartbeat_at=timezone.now() - dt.timedelta(hours=1)
    )
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.RUNNING, job=job)
    call_command("reap_jobs", verbosity=0)

    page = phone
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", "coordinator")
    page.fill("#id_password", "pw-test-12345")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/dashboard/")
    page.goto(live_server.url + f"/registry/import/{batch.pk}/")
    assert "signe de vie" in page.locator("main .alert-warning").inner_text()
    screenshot(page, "import-reaped-fr-phone")
    page.locator("#language-switcher button[value=ar]").first.click()
    page.wait_for_load_state()
    page.goto(live_server.url + f"/registry/import/{batch.pk}/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    screenshot(page, "import-reaped-ar-phone")
    page.get_by_role("button", name="إعادة الاستيراد").click()
    page.wait_for_load_state()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE and Person.objects.count() == 2
