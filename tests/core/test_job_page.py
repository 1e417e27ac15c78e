"""The page that follows a background job says what state the work is in, in its heading too:
the heading is part of what the page refreshes, so it reads "finished" once the work is done."""

import pytest
from django.urls import reverse

from markaz.core.services import job_create, job_fail, job_finish

pytestmark = pytest.mark.django_db


def test_job_heading_follows_the_work(client, centre, coordinator):
    client.force_login(coordinator)
    job = job_create(kind="allocation", centre=centre, created_by=coordinator, total=100)
    url = reverse("core:job_detail", args=[job.pk])
    assert "Traitement en cours" in client.get(url).content.decode().split('id="job-heading"')[1]
    job_finish(job_id=job.pk, result={}, result_url="/programmes/")
    # What the page's periodic refresh receives (htmx) carries the heading.
    partial = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="job-heading"' in partial and "Traitement terminé" in partial
    other = job_create(kind="allocation", centre=centre, created_by=coordinator, total=100)
    job_fail(job_id=other.pk, error="boom")
    page = client.get(reverse("core:job_detail", args=[other.pk])).content.decode()
    assert "Traitement échoué" in page.split('id="job-heading"')[1]
