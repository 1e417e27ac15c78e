"""`manage.py indicators`: the same numbers as the dashboard, clear errors on bad input."""

import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command

from markaz.programmes.models import Cohort, Enrolment, Programme
from markaz.registry.models import Person
from markaz.reporting.selectors import indicator_pack

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("indicators", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def enrolled(centre):
    programme = Programme.objects.create(
        centre=centre,
        title_fr="Web",
        title_ar="الويب",
        track="web",
        hours=100,
        duration_weeks=10,
        goal="wage_job",
        teaching_language="fr",
        schedule_pattern="daytime",
    )
    cohort = Cohort.objects.create(
        centre=centre,
        programme=programme,
        code="C1",
        start_date=dt.date(2025, 3, 1),
        end_date=dt.date(2025, 6, 30),
        seats=20,
        schedule_pattern="daytime",
    )
    for n in range(7):
        person = Person.objects.create(
            centre=centre,
            first_name_latin=f"P{n}",
            last_name_latin="Synthetic",
            cin=f"X{n}",
            birth_date=dt.date(2000, 1, 1),
            sex="FM"[n % 2],
            activity_status="unemployed",
            education_level="bac",
            eligible=True,
        )
        Enrolment.objects.create(cohort=cohort, person=person)
    return cohort


def test_json_is_the_dashboards_pack(centre, enrolled):
    printed = json.loads(
        run("--centre", "berkane", "--from", "2025-01-01", "--to", "2025-12-31", "--json")
    )
    pack = indicator_pack(
        centre=centre, start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31), protect=False
    )
    assert printed == json.loads(json.dumps(pack))
    enrolled_figure = next(i for i in printed["indicators"] if i["code"] == "enrolled")
    assert enrolled_figure["value"] == 7
    by_sex = {c["category"]: c["value"] for c in enrolled_figure["by"]["sex"]}
    assert by_sex == {"F": 4, "M": 3}


def test_protected_hides_small_cells(centre, enrolled):
    printed = json.loads(
        run(
            "--centre",
            "berkane",
            "--from",
            "2025-01-01",
            "--to",
            "2025-12-31",
            "--json",
            "--protected",
        )
    )
    enrolled_figure = next(i for i in printed["indicators"] if i["code"] == "enrolled")
    assert enrolled_figure["value"] == 7
    for cell in enrolled_figure["by"]["sex"]:
        assert cell["value"] is None and cell["display"] in ("<5", "x")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--centre", "nowhere", "--from", "2025-01-01", "--to", "2025-12-31"), "unknown centre"),
        (("--centre", "berkane", "--from", "2025-13-01", "--to", "2025-12-31"), "--from"),
        (("--centre", "berkane", "--from", "2025-06-01", "--to", "2025-01-31"), "comes before"),
    ],
)
def test_bad_input_is_a_clear_error(centre, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)
