"""Hostile files built here, in the test, are refused with a message naming the cap, after
reading no more than the cap allows, within a bounded peak of memory (issue 13 §1: a 1 MB XLSX
of blanks took 2.3 GB; a cell at column XFD, 250 MB; 200,000 rows, minutes).

Speed is not timed (the machine's speed varies); what makes it fast is asserted instead: the
reader stops early (rows counted as they are parsed) and never builds what lies past a cap."""

import io
import struct
import tracemalloc
import zipfile
import zlib

import pytest
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from markaz.registry import imports, limits
from markaz.registry.imports import FileRejected, read_table

MB = 1024 * 1024
PEAK_BOUND = 50 * MB


def _template_parts() -> dict[str, bytes]:
    """The parts of a small XLSX made by openpyxl, by name."""
    wb = Workbook()
    wb.active.append(["cin", "first_name_latin"])
    buffer = io.BytesIO()
    wb.save(buffer)
    with zipfile.ZipFile(buffer) as package:
        return {name: package.read(name) for name in package.namelist()}


def _deflate(data: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def _zip(members: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip written by hand from (name, raw deflate stream, crc32, unpacked size): the size can
    be any, without deflating that much here."""
    out, central = io.BytesIO(), io.BytesIO()
    for name, data, crc, size in members:
        offset = out.tell()
        encoded = name.encode()
        out.write(
            struct.pack(
                "<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(data), size, len(encoded), 0
            )
        )
        out.write(encoded + data)
        central.write(
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                20,
                20,
                0,
                8,
                0,
                0x21,
                crc,
                len(data),
                size,
                len(encoded),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + encoded
        )
    directory = central.getvalue()
    start = out.tell()
    out.write(directory)
    out.write(
        struct.pack(
            "<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(directory), start, 0
        )
    )
    return out.getvalue()


def _xlsx_with_sheet(sheet: bytes | list[bytes], *, declared_size: int | None = None) -> bytes:
    """The template XLSX whose first sheet is `sheet` (a list of byte pieces: a piece repeated
    many times is deflated once, with a full flush, and its output repeated)."""
    members = []
    for name, data in _template_parts().items():
        if name == "xl/worksheets/sheet1.xml":
            continue
        members.append((name, _deflate(data), zlib.crc32(data), len(data)))
    pieces = [sheet] if isinstance(sheet, bytes) else sheet
    stream, crc, size, cache = [], 0, 0, {}
    for piece in pieces:
        if id(piece) not in cache:
            c = zlib.compressobj(9, zlib.DEFLATED, -15)
            cache[id(piece)] = c.compress(piece) + c.flush(zlib.Z_FULL_FLUSH)
        stream.append(cache[id(piece)])
        crc = zlib.crc32(piece, crc)
        size += len(piece)
    stream.append(zlib.compressobj(9, zlib.DEFLATED, -15).flush())  # the final, empty block
    members.append(
        (
            "xl/worksheets/sheet1.xml",
            b"".join(stream),
            crc,
            size if declared_size is None else declared_size,
        )
    )
    return _zip(members)


SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_TAIL = b"</sheetData></worksheet>"


def _row(r: int, *values: str) -> bytes:
    cells = "".join(
        f'<c r="{chr(65 + i)}{r}" t="inlineStr"><is><t>{v}</t></is></c>'
        for i, v in enumerate(values)
    )
    return f'<row r="{r}">{cells}</row>'.encode()


def _measured(read):
    """What `read()` raised (or returned) and the peak of memory it took."""
    tracemalloc.start()
    try:
        try:
            outcome = read()
        except FileRejected as exc:
            outcome = exc
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return outcome, peak


@pytest.fixture
def rows_parsed(monkeypatch):
    """How many rows the readers took from the file: `<row>` elements parsed in an XLSX, lines
    decoded in a CSV."""
    counts = {"xlsx": 0, "csv": 0, "cells": 0}
    parse_row = imports._CappedSheetParser.parse_row
    parse_cell = imports._CappedSheetParser.parse_cell
    csv_lines = imports._csv_lines

    def counting_row(self, row):
        counts["xlsx"] += 1
        return parse_row(self, row)

    def counting_cell(self, element):
        counts["cells"] += 1
        return parse_cell(self, element)

    def counting_lines(content):
        for line in csv_lines(content):
            counts["csv"] += 1
            yield line

    monkeypatch.setattr(imports._CappedSheetParser, "parse_row", counting_row)
    monkeypatch.setattr(imports._CappedSheetParser, "parse_cell", counting_cell)
    monkeypatch.setattr(imports, "_csv_lines", counting_lines)
    return counts


def test_a_gigabyte_of_whitespace_in_a_small_xlsx_is_refused_before_parsing(rows_parsed):
    blanks = b" " * MB
    bomb = _xlsx_with_sheet([SHEET_HEAD, _row(1, "cin", "nom"), *[blanks] * 1024, SHEET_TAIL])
    assert len(bomb) < 2 * MB  # 1 GB of blanks inside
    outcome, peak = _measured(lambda: read_table("bomb.xlsx", bomb))
    assert isinstance(outcome, FileRejected) and "décompresse" in str(outcome)
    assert rows_parsed["xlsx"] == 0  # refused from the zip's directory, nothing parsed
    assert peak < PEAK_BOUND


def test_a_zip_that_understates_a_part_is_refused_as_damaged_without_unpacking_it(rows_parsed):
    """The directory says 1 KB, the data inflates to 64 MB: zipfile stops at the size declared,
    the checksum then fails, and the file is refused."""
    blanks = b" " * MB
    liar = _xlsx_with_sheet(
        [SHEET_HEAD, _row(1, "cin", "nom"), *[blanks] * 64, SHEET_TAIL], declared_size=1024
    )
    outcome, peak = _measured(lambda: read_table("liar.xlsx", liar))
    assert isinstance(outcome, FileRejected) and "endommagé" in str(outcome)
    assert peak < PEAK_BOUND


def test_entities_hidden_behind_a_long_prolog_or_in_utf16_are_refused(rows_parsed):
    laughs = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    padded = SHEET_HEAD.replace(
        b"<worksheet", b"<!--" + b"x" * 8192 + b"-->" + laughs + b"<worksheet"
    )
    for sheet in (
        [padded, _row(1, "cin"), SHEET_TAIL],
        [
            (SHEET_HEAD.replace(b"UTF-8", b"UTF-16") + _row(1, "cin") + SHEET_TAIL)
            .decode()
            .encode("utf-16")
        ],
    ):
        outcome, _peak = _measured(
            lambda sheet=sheet: read_table("laughs.xlsx", _xlsx_with_sheet(sheet))
        )
        assert isinstance(outcome, FileRejected) and "déclarations XML" in str(outcome)
    assert rows_parsed["xlsx"] == 0


def test_a_value_at_column_xfd_is_refused_and_no_cell_past_the_cap_is_built(rows_parsed):
    sheet = [
        SHEET_HEAD,
        _row(1, "cin", "nom"),
        _row(2, "AB123456", "Salma"),
        b'<row r="3"><c r="A3" t="inlineStr"><is><t>AB654321</t></is></c>'
        b'<c r="XFD3" t="inlineStr"><is><t>far away</t></is></c></row>',
        SHEET_TAIL,
    ]
    outcome, peak = _measured(lambda: read_table("xfd.xlsx", _xlsx_with_sheet(sheet)))
    assert isinstance(outcome, FileRejected) and str(limits.MAX_COLUMNS) in str(outcome)
    assert rows_parsed["cells"] == 5  # A1, B1, A2, B2, A3: XFD3 was only looked at
    assert peak < PEAK_BOUND


def test_a_row_of_16384_formatted_empty_cells_builds_only_the_capped_columns(rows_parsed):
    wide = (
        b'<row r="2">'
        + b"".join(f'<c r="{get_column_letter(i)}2" s="0"/>'.encode() for i in range(1, 16385))
        + b"</row>"
    )
    sheet = [SHEET_HEAD, _row(1, "cin", "nom"), wide, _row(3, "AB123456", "Salma"), SHEET_TAIL]
    rows, peak = _measured(lambda: read_table("wide.xlsx", _xlsx_with_sheet(sheet)))
    assert rows == [["cin", "nom"], ["AB123456", "Salma"]]
    assert rows_parsed["cells"] == 2 + (limits.MAX_COLUMNS + 1) + 2
    assert peak < PEAK_BOUND


def test_a_200000_row_xlsx_is_refused_after_reading_just_past_the_cap(rows_parsed):
    body = b"".join(_row(r, f"AB{r:06d}", "Ali") for r in range(2, 200_002))
    content = _xlsx_with_sheet([SHEET_HEAD, _row(1, "cin", "nom"), body, SHEET_TAIL])
    assert len(content) < limits.MAX_FILE_BYTES
    outcome, peak = _measured(lambda: read_table("long.xlsx", content))
    assert isinstance(outcome, FileRejected)
    assert f"plus de {limits.MAX_ROWS} lignes" in str(outcome)
    assert rows_parsed["xlsx"] == limits.MAX_ROWS + 2  # the header, the cap, one more: stop
    assert peak < PEAK_BOUND


def test_a_200000_row_csv_is_refused_after_reading_just_past_the_cap(rows_parsed):
    content = ("cin,nom\n" + "".join(f"AB{r:06d},Ali\n" for r in range(200_000))).encode()
    assert len(content) < limits.MAX_FILE_BYTES
    outcome, peak = _measured(lambda: read_table("long.csv", content))
    assert isinstance(outcome, FileRejected)
    assert f"plus de {limits.MAX_ROWS} lignes" in str(outcome)
    assert rows_parsed["csv"] <= limits.MAX_ROWS + 3  # csv reads one line ahead at most
    assert peak < PEAK_BOUND


def test_a_sheet_of_blank_lines_is_refused_where_reading_stops(rows_parsed):
    content = ("cin,nom\n" + "\n" * 1_000_000 + "AB123456,Ali\n").encode()
    outcome, peak = _measured(lambda: read_table("blank.csv", content))
    assert isinstance(outcome, FileRejected) and str(imports.MAX_LINES_READ) in str(outcome)
    assert rows_parsed["csv"] <= imports.MAX_LINES_READ + 2
    assert peak < PEAK_BOUND


def test_a_cell_over_the_csv_field_limit_is_refused_clearly(rows_parsed):
    content = ("cin,nom\nAB123456," + "x" * (200 * 1024) + "\n").encode()
    outcome, _peak = _measured(lambda: read_table("cell.csv", content))
    assert isinstance(outcome, FileRejected) and "CSV" in str(outcome)


SST_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def _xlsx_with_strings(strings: bytes, sheet: bytes) -> bytes:
    members = []
    for name, data in _template_parts().items():
        if name == "xl/worksheets/sheet1.xml":
            data = sheet
        elif name == "[Content_Types].xml":
            data = data.replace(
                b"</Types>",
                b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
            )
        members.append((name, _deflate(data), zlib.crc32(data), len(data)))
    members.append(("xl/sharedStrings.xml", _deflate(strings), zlib.crc32(strings), len(strings)))
    return _zip(members)


def test_shared_strings_are_read_plain_and_rich_without_their_phonetic_runs():
    strings = (
        SST_HEAD + b"<si><t>cin</t></si><si><r><t>Fat</t></r><r><rPr/><t>ima</t></r>"
        b"<rPh><t>ignored</t></rPh></si><si><t>AB123456</t></si></sst>"
    )
    sheet = (
        SHEET_HEAD + b'<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
        b'<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" t="s"><v>1</v></c></row>' + SHEET_TAIL
    )
    rows = read_table("strings.xlsx", _xlsx_with_strings(strings, sheet))
    assert rows == [["cin", "Fatima"], ["AB123456", "Fatima"]]


def test_shared_strings_over_the_part_cap_are_refused_before_parsing(monkeypatch):
    seen = []
    monkeypatch.setattr(imports, "_shared_strings", lambda *a: seen.append(a) or [])
    strings = SST_HEAD + b"".join(b"<si><t>%d</t></si>" % i for i in range(800_000)) + b"</sst>"
    assert len(strings) > limits.MAX_PART_BYTES
    content = _xlsx_with_strings(strings, SHEET_HEAD + _row(1, "cin") + SHEET_TAIL)
    assert len(content) < limits.MAX_FILE_BYTES
    with pytest.raises(FileRejected, match="décompresse"):
        read_table("strings.xlsx", content)
    assert seen == []
