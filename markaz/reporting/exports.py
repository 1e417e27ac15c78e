"""Everything that leaves the centre: XLSX, CSV, the PDF report for the CPDH, open data.

Every export is built from a *protected* pack (small cells shown "<5"), whoever asks, and goes
through `present.guard_small_cells` once more; each names the indicator dictionary's version
and the window. Functions take the pack (and the comparison pack) and return bytes; the views
only choose the window and the language.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from markaz.core.spreadsheets import SafeDictWriter, workbook_neutralise

from . import present
from .present import DIMENSIONS, Labels, dimension_label

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def window_of(pack: dict) -> tuple[str, str]:
    w = pack.get("window") or {}
    return str(w.get("from", "")), str(w.get("to", ""))


def filename(stem: str, pack: dict, ext: str, lang: str | None = None) -> str:
    start, end = window_of(pack)
    version = str(pack.get("version", "")).replace(".", "-")
    parts = [stem, f"v{version}", start.replace("-", ""), end.replace("-", "")]
    if lang:
        parts.append(lang)
    return "-".join(p for p in parts if p) + f".{ext}"


def _number_or_display(value, display: str):
    """A figure as a spreadsheet cell: the number when it is shown, its display ("<5") when
    suppressed."""
    if value is None:
        return display or ""
    return value


def _header(pack: dict, title: str) -> list[list]:
    start, end = window_of(pack)
    lines = [
        [title],
        [_("Indicator dictionary version"), str(pack.get("version", ""))],
        [_("From"), start],
        [_("To"), end],
        [
            _("Small cells"),
            _("Figures resting on fewer than five people are hidden and shown “<5”."),
        ],
    ]
    if present.data_is_synthetic():
        lines.append([_("Data"), _("Synthetic demonstration data: no real person.")])
    lines.append([])
    return lines


# --- XLSX ---------------------------------------------------------------------------------------


def xlsx_bytes(pack: dict, *, centre, lang: str) -> bytes:
    """A workbook: "totals" (value, target, % of target, definition), one sheet per breakdown
    (indicators down, categories across) and "definitions"; right-to-left sheets in Arabic."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    pack = present.guard_small_cells(pack)
    with translation.override(lang):
        labels = Labels(centre)
        rows = present.rows(pack, labels=labels)
        wb = Workbook()
        ws = wb.active
        ws.title = "totals"
        for line in _header(pack, _("Indicators of %(centre)s") % {"centre": centre.name}):
            ws.append(line)
        head = ws.max_row + 1
        ws.append(
            [
                "code",
                _("Indicator"),
                _("Unit"),
                _("Value"),
                _("Target"),
                # xgettext:no-python-format
                _("% of target"),
                _("Definition"),
                _("Formula"),
            ]
        )
        for r in rows:
            ws.append(
                [
                    r.code,
                    r.name,
                    r.unit_label,
                    _number_or_display(r.value, r.display),
                    r.target,
                    None if r.pct_target is None else round(float(r.pct_target), 1),
                    r.definition,
                    r.formula,
                ]
            )
        for cell in ws[head]:
            cell.font = Font(bold=True)
        ws.column_dimensions["B"].width = 42
        ws.column_dimensions["G"].width = 70
        for row in ws.iter_rows(min_row=head + 1, min_col=7, max_col=7):
            row[0].alignment = Alignment(wrap_text=True, vertical="top")

        for dimension in DIMENSIONS:
            cats = present.categories(rows, dimension)
            if not cats:
                continue
            ws = wb.create_sheet(dimension)
            for line in _header(
                pack, _("Indicators by %(dimension)s") % {"dimension": dimension_label(dimension)}
            ):
                ws.append(line)
            head = ws.max_row + 1
            ws.append(["code", _("Indicator"), *(label for _code, label in cats)])
            ws.append(["category", "", *(code for code, _label in cats)])
            for r in rows:
                cells = {c.category: c for c in r.cells.get(dimension, [])}
                if not cells:
                    continue
                ws.append(
                    [
                        r.code,
                        r.name,
                        *(
                            _number_or_display(cells[code].value, cells[code].display)
                            if code in cells
                            else None
                            for code, _label in cats
                        ),
                    ]
                )
            for cell in ws[head]:
                cell.font = Font(bold=True)
            ws.column_dimensions["B"].width = 42

        ws = wb.create_sheet("definitions")
        for line in _header(pack, _("Indicator definitions")):
            ws.append(line)
        head = ws.max_row + 1
        ws.append(
            [
                "code",
                _("Name (French)"),
                _("Name (Arabic)"),
                _("Definition (French)"),
                _("Definition (Arabic)"),
                _("Formula"),
                _("Kind"),
                _("Unit"),
            ]
        )
        for ind in pack.get("indicators", []):
            ws.append(
                [
                    ind["code"],
                    ind.get("name_fr", ""),
                    ind.get("name_ar", ""),
                    ind.get("definition_fr", ""),
                    ind.get("definition_ar", ""),
                    ind.get("formula", ""),
                    ind.get("kind", ""),
                    ind.get("unit", ""),
                ]
            )
        for cell in ws[head]:
            cell.font = Font(bold=True)
        for col in "BC":
            ws.column_dimensions[col].width = 36
        for col in "DE":
            ws.column_dimensions[col].width = 70

        rtl = translation.get_language_bidi()
        for sheet in wb.worksheets:
            sheet.sheet_view.rightToLeft = rtl
            sheet.column_dimensions["A"].width = max(sheet.column_dimensions["A"].width or 0, 24)
    workbook_neutralise(wb)  # names typed by people (programmes, communes) stay text
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# --- CSV ----------------------------------------------------------------------------------------

CSV_COLUMNS = [
    "dictionary_version",
    "window_from",
    "window_to",
    "indicator",
    "indicator_name",
    "unit",
    "dimension",
    "category",
    "category_label",
    "value",
    "display",
    "suppressed",
    "target",
    "pct_target",
]


def csv_rows(pack: dict, *, centre, lang: str) -> list[dict]:
    """One row per indicator × dimension × category, and one per indicator with dimension
    "total" (category "all") carrying the target. Suppressed figures have an empty value."""
    pack = present.guard_small_cells(pack)
    start, end = window_of(pack)
    version = str(pack.get("version", ""))
    out = []
    with translation.override(lang):
        labels = Labels(centre)
        for r in present.rows(pack, labels=labels):
            common = {
                "dictionary_version": version,
                "window_from": start,
                "window_to": end,
                "indicator": r.code,
                "indicator_name": r.name,
                "unit": r.unit,
            }
            out.append(
                {
                    **common,
                    "dimension": "total",
                    "category": "all",
                    "category_label": _("All"),
                    "value": "" if r.value is None else r.value,
                    "display": r.display,
                    "suppressed": int(r.suppressed),
                    "target": "" if r.target is None else r.target,
                    "pct_target": "" if r.pct_target is None else r.pct_target,
                }
            )
            for dimension in DIMENSIONS:
                for c in r.cells.get(dimension, []):
                    out.append(
                        {
                            **common,
                            "dimension": dimension,
                            "category": c.category,
                            "category_label": c.label,
                            "value": "" if c.value is None else c.value,
                            "display": c.display,
                            "suppressed": int(c.suppressed),
                            "target": "",
                            "pct_target": "",
                        }
                    )
    return out


def _csv(rows: list[dict], columns: list[str]) -> bytes:
    buffer = io.StringIO()
    writer = SafeDictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    # A byte-order mark, so spreadsheet programs read the Arabic as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def csv_bytes(pack: dict, *, centre, lang: str) -> bytes:
    return _csv(csv_rows(pack, centre=centre, lang=lang), CSV_COLUMNS)


# --- Open data ----------------------------------------------------------------------------------

OPEN_COLUMNS = [
    "dictionary_version",
    "window_from",
    "window_to",
    "centre",
    "indicator",
    "indicator_name_fr",
    "indicator_name_ar",
    "unit",
    "dimension",
    "category",
    "category_label_fr",
    "category_label_ar",
    "value",
    "suppressed",
]


def open_data_zip(pack: dict, *, centre) -> bytes:
    """An anonymised open-data package: `indicators.csv` (the protected aggregate cells, never
    a person), `README.txt` (what it is, in French and Arabic) and `datapackage.json`
    (Frictionless Data Package metadata, with the licence left for the province to fill)."""
    fr = {
        (r["indicator"], r["dimension"], r["category"]): r
        for r in csv_rows(pack, centre=centre, lang="fr")
    }
    ar = {
        (r["indicator"], r["dimension"], r["category"]): r
        for r in csv_rows(pack, centre=centre, lang="ar")
    }
    rows = []
    for key, r in fr.items():
        rows.append(
            {
                "dictionary_version": r["dictionary_version"],
                "window_from": r["window_from"],
                "window_to": r["window_to"],
                "centre": centre.code,
                "indicator": r["indicator"],
                "indicator_name_fr": r["indicator_name"],
                "indicator_name_ar": ar[key]["indicator_name"],
                "unit": r["unit"],
                "dimension": r["dimension"],
                "category": r["category"],
                "category_label_fr": r["category_label"],
                "category_label_ar": ar[key]["category_label"],
                "value": r["value"],
                "suppressed": r["suppressed"],
            }
        )
    start, end = window_of(pack)
    version = str(pack.get("version", ""))
    readme = render_to_string(
        "reporting/open_data_readme.txt",
        {
            "centre": centre,
            "start": start,
            "end": end,
            "version": version,
            "columns": OPEN_COLUMNS,
            "synthetic": present.data_is_synthetic(),
            "generated": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
        },
    )
    package = {
        "profile": "tabular-data-package",
        "name": f"markaz-{centre.code}-indicators-{start}-{end}",
        "title": f"Markaz · {centre.name_fr} · {start} → {end}",
        "description": (
            "Aggregate indicators of a youth digital-innovation centre (INDH, Berkane), "
            "small cells (fewer than five people) suppressed. No person-level data."
        ),
        "version": version,
        "created": timezone.now().isoformat(timespec="seconds"),
        "licenses": [{"name": "", "title": "", "path": ""}],
        "x_licence_note": "To be filled by the province before publication.",
        "x_synthetic": present.data_is_synthetic(),
        "resources": [
            {
                "name": "indicators",
                "path": "indicators.csv",
                "format": "csv",
                "encoding": "utf-8-sig",
                "schema": {
                    "fields": [
                        {"name": c, "type": "number" if c == "value" else "string"}
                        for c in OPEN_COLUMNS
                    ]
                },
            }
        ],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("indicators.csv", _csv(rows, OPEN_COLUMNS))
        z.writestr("README.txt", readme)
        z.writestr("datapackage.json", json.dumps(package, ensure_ascii=False, indent=2))
    return buffer.getvalue()


# --- PDF ----------------------------------------------------------------------------------------


def _day(iso: str) -> str:
    try:
        return dt.date.fromisoformat(iso).strftime("%d/%m/%Y")
    except ValueError:
        return iso


def report_html(pack: dict, compare: dict | None, *, centre, lang: str) -> str:
    """The report's HTML in `lang` (the PDF's source; also handy to look at in a browser)."""
    pack = present.guard_small_cells(pack)
    compare = present.guard_small_cells(compare) if compare else None
    with translation.override(lang):
        labels = Labels(centre)
        rows = present.rows(pack, compare, labels=labels)
        start, end = window_of(pack)
        context = {
            "centre": centre,
            "pack": pack,
            "start_iso": start,
            "end_iso": end,
            "start": _day(start),
            "end": _day(end),
            "compare_window": [_day(d) for d in window_of(compare)] if compare else None,
            "sections": present.grouped(rows),
            "charts": present.build_charts(rows, labels, width=520, shaped=True),
            "synthetic": present.data_is_synthetic(),
            "generated": timezone.localtime(),
            "suppression": present.suppression_summary(pack),
            "lang": lang,
            "rtl": translation.get_language_bidi(),
        }
        return render_to_string("reporting/report_pdf.html", context)


def report_pdf(pack: dict, compare: dict | None, *, centre, lang: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=report_html(pack, compare, centre=centre, lang=lang)).write_pdf()
