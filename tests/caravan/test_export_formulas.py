"""A school named like a spreadsheet formula stays text in the coverage export (issue 13)."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from markaz.caravan.models import School
from markaz.territory.models import Commune

pytestmark = pytest.mark.django_db
HOSTILE = '=HYPERLINK("http://evil.example/","Cliquez ici")'


@pytest.mark.urls("tests.caravan")
def test_a_school_named_like_a_formula_is_text_in_the_xlsx(client, centre, coordinator):
    School.objects.create(
        code="evil",
        name_fr=HOSTILE,
        name_ar=HOSTILE,
        commune=Commune.objects.get(code="berkane"),
        level="primaire",
        area="urban",
        latitude="34.92000",
        longitude="-2.32000",
    )
    client.force_login(coordinator)
    response = client.get(reverse("caravan:coverage_xlsx"))
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert "'" + HOSTILE in [c.value for c in cells]
