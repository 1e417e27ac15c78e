import csv
import io

import pytest
from openpyxl import Workbook, load_workbook

from markaz.core.spreadsheets import (
    SafeDictWriter,
    SafeWriter,
    neutralise,
    workbook_neutralise,
)

HOSTILE = [
    '=HYPERLINK("http://evil.example/","click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_text_a_spreadsheet_would_run_is_quoted(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", ["École Ahfir 1", "مدرسة", "", 12, -3, 2.5, None])
def test_everything_else_is_left_alone(value):
    assert neutralise(value) == value


def test_an_xlsx_export_holds_no_formula():
    wb = Workbook()
    ws = wb.active
    ws.append(["code", "name", "pupils"])
    for text in HOSTILE:
        ws.append(["s1", text, -4])
    workbook_neutralise(wb)
    buffer = io.BytesIO()
    wb.save(buffer)
    back = load_workbook(io.BytesIO(buffer.getvalue()))
    cells = [c for row in back.active.iter_rows() for c in row]
    assert not [c for c in cells if c.data_type == "f"]
    names = [row[1].value for row in back.active.iter_rows(min_row=2)]
    # (XML keeps a carriage return as a line feed: compare the text as Excel will show it)
    assert names == ["'" + t.replace("\r", "\n") for t in HOSTILE]
    assert [row[2].value for row in back.active.iter_rows(min_row=2)] == [-4] * len(HOSTILE)


def test_csv_writers_quote_formulas():
    out = io.StringIO()
    SafeWriter(out).writerows([["=1+1", 5, "ok"]])
    SafeDictWriter(out, fieldnames=["a", "b"]).writerow({"a": "@x", "b": -1})
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows == [["'=1+1", "5", "ok"], ["'@x", "-1"]]
