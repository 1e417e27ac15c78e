"""Law 09-08: a youth's whole file holds their jobs records; erasure blanks the free text."""

import pytest
from django.utils import timezone

from markaz.jobs import services
from markaz.registry.person_file import person_file_data
from markaz.registry.services import person_erase

pytestmark = pytest.mark.django_db


def test_file_holds_jobs_records_and_erasure_blanks_reasons(internship, youth, coordinator):
    salma = youth[0]
    services.job_wish_save(
        person=salma, kinds=["internship"], sectors=[], max_km=20, actor=coordinator
    )
    (c,) = services.candidacies_send(opportunity=internship, people=[salma], actor=coordinator)
    services.candidacy_move(
        candidacy=c,
        status="not_retained",
        on=timezone.localdate(),
        reason="Trop loin",
        actor=coordinator,
    )
    by_key = {s["key"]: s["rows"] for s in person_file_data(salma)["sections"]}
    assert by_key["job_wishes"][0]["max_km"] == 20
    assert by_key["candidacies"][0]["not_retained_reason"] == "Trop loin"
    assert "placements" in by_key and "business_projects" in by_key
    person_erase(person=salma, actor=coordinator)
    c.refresh_from_db()
    assert c.not_retained_reason == "" and c.reasons == [] and c.status == "not_retained"
