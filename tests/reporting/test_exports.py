"""The exports that leave the centre (XLSX, CSV, the CPDH report in PDF, open data): always
protected, whoever asks; each names the dictionary version and the window; Arabic where asked.
Read back with openpyxl, csv, pypdf and zipfile. All people are synthetic."""

import csv
import io
import json
import re
import zipfile

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from markaz.engine import indicators as engine
from markaz.reporting.selectors import indicator_pack

from .world import END, START, WINDOW, build_world, small_cells

pytestmark = pytest.mark.django_db

SHEETS = ["totals", "sex", "age_band", "commune", "area", "programme", "period", "level"]


@pytest.fixture
def world(centre):
    return build_world(centre)


@pytest.fixture
def secrets(world):
    """The figures that rest on 1 to 4 people in the world's 2025."""
    pack = indicator_pack(centre=world.web.centre, start=START, end=END, protect=False)
    found = small_cells(pack)
    assert ("enrolled", "commune", "rislane") in found
    assert ("businesses_created", None, None) in found
    return found


def download(client, user, kind, lang="fr", **params):
    client.force_login(user)
    client.cookies["markaz_language"] = lang
    r = client.get(reverse("reporting:export", args=[kind]), {**WINDOW, **params})
    assert r.status_code == 200, r.content[:500]
    return r


# --- XLSX ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["provincial_viewer", "coordinator"])
def test_xlsx_has_its_sheets_and_no_small_cell(client, world, secrets, persona, request):
    r = download(client, request.getfixturevalue(persona), "xlsx")
    assert "20250101-20251231" in r["Content-Disposition"] and "v2026-1" in r["Content-Disposition"]
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == [*SHEETS, "definitions"]
    totals = wb["totals"]
    header = {row[0].value: row[1].value for row in totals.iter_rows(max_row=6) if row[0].value}
    assert engine.DICTIONARY_VERSION in header.values()
    assert "2025-01-01" in header.values() and "2025-12-31" in header.values()
    by_code = {
        row[0].value: [c.value for c in row]
        for row in totals.iter_rows()
        if row[0].value in {i.code for i in engine.DICTIONARY}
    }
    assert by_code["enrolled"][3:6] == [28, 40, 70.0]  # value, target, % of target
    assert by_code["businesses_created"][3] == "<5"
    assert by_code["enrolled"][6]  # its definition
    checked = 0
    for dimension in SHEETS[1:]:
        ws = wb[dimension]
        rows = list(ws.iter_rows(values_only=True))
        codes_row = next(i for i, row in enumerate(rows) if row[0] == "category")
        categories = rows[codes_row][2:]
        for row in rows[codes_row + 1 :]:
            for category, value in zip(categories, row[2:], strict=False):
                if (row[0], dimension, category) in secrets:
                    assert value in ("<5", "x"), (row[0], dimension, category, value)
                    checked += 1
    assert checked == len({s for s in secrets if s[1] is not None})  # every one was found
    commune = {row[0]: row for row in wb["commune"].iter_rows(values_only=True)}
    codes = next(row for row in wb["commune"].iter_rows(values_only=True) if row[0] == "category")
    assert commune["enrolled"][codes.index("rislane")] == "<5"
    assert wb["definitions"].max_row > len(engine.DICTIONARY)


def test_xlsx_in_arabic_reads_right_to_left(client, coordinator, world):
    wb = load_workbook(io.BytesIO(download(client, coordinator, "xlsx", lang="ar").content))
    assert all(ws.sheet_view.rightToLeft for ws in wb.worksheets)
    names = [row[1] for row in wb["totals"].iter_rows(values_only=True)]
    assert engine.indicator("enrolled").name_ar in names


# --- CSV ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["provincial_viewer", "coordinator"])
def test_csv_has_one_row_per_cell_and_no_small_cell(client, world, secrets, persona, request):
    r = download(client, request.getfixturevalue(persona), "csv")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert {row["dictionary_version"] for row in rows} == {engine.DICTIONARY_VERSION}
    assert {(row["window_from"], row["window_to"]) for row in rows} == {
        ("2025-01-01", "2025-12-31")
    }
    keys = [(row["indicator"], row["dimension"], row["category"]) for row in rows]
    assert len(keys) == len(set(keys))  # one row per indicator × dimension × category
    assert ("enrolled", "total", "all") in keys and ("enrolled", "sex", "F") in keys
    for row in rows:
        key = (row["indicator"], None if row["dimension"] == "total" else row["dimension"])
        key = (*key, None if row["dimension"] == "total" else row["category"])
        if key in secrets:
            assert row["value"] == "" and row["display"] in ("<5", "x"), row
    rislane = next(r for r in rows if r["indicator"] == "enrolled" and r["category"] == "rislane")
    assert rislane["display"] == "<5" and rislane["category_label"] == "Rislane"


# --- PDF ----------------------------------------------------------------------------------------


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_pdf_in_arabic_has_the_arabic_names(client, coordinator, world):
    r = download(client, coordinator, "pdf", lang="ar")
    assert r["Content-Type"] == "application/pdf" and "-ar.pdf" in r["Content-Disposition"]
    text = pdf_text(r.content)
    for code in ("enrolled", "completion_rate", "caravan_pupils"):
        assert engine.indicator(code).name_ar in text, code
    assert "2026.1" in text and "01/01/2025" in text and "31/12/2025" in text


def test_pdf_for_the_province_shows_no_small_cell(client, provincial_viewer, world, secrets):
    r = download(client, provincial_viewer, "pdf", lang="fr")
    text = pdf_text(r.content)
    assert "2026.1" in text and "01/01/2025" in text
    assert engine.indicator("enrolled").name_fr in text
    # The totals table: a business created by one person is hidden.
    assert re.search(re.escape(engine.indicator("businesses_created").name_fr) + r"\s+<5", text)
    # The charts write each figure on its own line, after its label: none is 1 to 4.
    lines = [line.strip() for line in text.splitlines()]
    assert "Rislane" in lines and lines[lines.index("Rislane") + 1] == "<5"
    figures = [line for line in lines if re.fullmatch(r"\d+", line)]
    assert figures and not any(line in {"1", "2", "3", "4"} for line in figures), figures


def test_pdf_says_the_data_are_synthetic(client, coordinator, world, settings):
    from django.utils import translation

    with translation.override("fr"):
        notice = translation.gettext(
            "Synthetic demonstration data: these figures describe invented people, not the "
            "centre's activity."
        )
    first_words = " ".join(notice.split()[:3])
    assert first_words in pdf_text(download(client, coordinator, "pdf").content)
    settings.MARKAZ_SYNTHETIC_DATA = False
    assert first_words not in pdf_text(download(client, coordinator, "pdf").content)


# --- Open data ----------------------------------------------------------------------------------


def test_open_data_has_no_person_and_no_small_cell(client, coordinator, world, secrets):
    r = download(client, coordinator, "opendata")
    z = zipfile.ZipFile(io.BytesIO(r.content))
    assert sorted(z.namelist()) == ["README.txt", "datapackage.json", "indicators.csv"]
    data = z.read("indicators.csv").decode("utf-8-sig")
    readme = z.read("README.txt").decode()
    package = json.loads(z.read("datapackage.json"))
    people = world.web_people + world.marketing_people + world.earlier
    everything = data + readme + json.dumps(package, ensure_ascii=False)
    for p in people:
        for secret in (p.cin, p.last_name_latin, p.full_name_ar):
            assert secret not in everything, secret
    rows = list(csv.DictReader(io.StringIO(data)))
    assert set(rows[0]) >= {"indicator", "dimension", "category", "value", "suppressed"}
    assert {r["dictionary_version"] for r in rows} == {engine.DICTIONARY_VERSION}
    for row in rows:
        key = (row["indicator"], None if row["dimension"] == "total" else row["dimension"])
        key = (*key, None if row["dimension"] == "total" else row["category"])
        if key in secrets:
            assert row["value"] == "" and row["suppressed"] == "1", row
    assert "Licence" in readme and "2025-01-01" in readme and engine.DICTIONARY_VERSION in readme
    assert package["licenses"][0]["name"] == ""  # for the province to fill
    assert package["version"] == engine.DICTIONARY_VERSION


def test_unknown_export_is_404(client, coordinator, world):
    client.force_login(coordinator)
    assert client.get(reverse("reporting:export", args=["docx"]), WINDOW).status_code == 404


def test_cpdh_report_says_how_many_figures_are_hidden_and_why(client, provincial_viewer, world):
    from markaz.reporting import present
    from markaz.reporting.selectors import indicator_pack

    from .world import END, START

    r = download(client, provincial_viewer, "pdf", lang="fr")
    text = " ".join(pdf_text(r.content).split())
    pack = present.guard_small_cells(
        indicator_pack(centre=world.web.centre, start=START, end=END, protect=True)
    )
    summary = present.suppression_summary(pack)
    assert summary.primary and summary.complementary
    assert f"{summary.hidden} chiffres sont masqués" in text
    assert f"{summary.primary} « <5 »" in text and f"{summary.complementary} « x »" in text
    # Caravan pupils are shown whole: the headline is the true count.
    pupils = engine.indicator("caravan_pupils").name_fr
    total = next(i for i in pack["indicators"] if i["code"] == "caravan_pupils")["display"]
    assert re.search(re.escape(pupils) + r"\s+" + re.escape(total), text)
