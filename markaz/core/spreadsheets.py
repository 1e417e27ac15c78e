"""Spreadsheet exports that cannot carry a formula.

A cell whose text begins with `=`, `+`, `-`, `@`, a tab or a carriage return is read as a formula
by Excel and LibreOffice: a school named `=HYPERLINK("http://…","click")` in an export becomes a
live link, or worse (OWASP "CSV injection"). Every XLSX and CSV that Markaz writes passes its
text through `neutralise`, which puts a single quote before such text (the cell then shows the
text as typed). Numbers are left as numbers: a negative figure is not text.
"""

from __future__ import annotations

import csv
from typing import Any

DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """`value` itself, or for text a spreadsheet would read as a formula, that text behind a
    single quote."""
    if isinstance(value, str) and value.startswith(DANGEROUS_FIRST):
        return "'" + value
    return value


def workbook_neutralise(workbook) -> None:
    """Neutralise every text cell of an openpyxl workbook in place (call just before saving)."""
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type in ("s", "f") and isinstance(cell.value, str):
                    safe = neutralise(cell.value)
                    if safe is not cell.value:
                        cell.value = safe
                        cell.data_type = "s"


class SafeDictWriter(csv.DictWriter):
    """`csv.DictWriter` whose text cells are neutralised."""

    def writerow(self, rowdict):
        return super().writerow({k: neutralise(v) for k, v in rowdict.items()})

    def writerows(self, rowdicts):
        for row in rowdicts:
            self.writerow(row)


class SafeWriter:
    """`csv.writer` whose text cells are neutralised."""

    def __init__(self, stream, **kwargs):
        self._writer = csv.writer(stream, **kwargs)

    def writerow(self, row):
        return self._writer.writerow([neutralise(v) for v in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)
