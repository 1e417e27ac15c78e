"""Reading and checking a registry file (CSV or XLSX) before anything is written.

The result of `parse_and_check` is a list of clean rows and a list of errors, each with its row,
its column and a message in the user's language. A file with any error is never committed.
"""

import codecs
import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from xml.etree.ElementTree import iterparse

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils.cell import column_index_from_string
from openpyxl.worksheet._reader import VALUE_TAG, WorkSheetParser
from openpyxl.xml.constants import SHARED_STRINGS, SHEET_MAIN_NS

from markaz.territory.models import Commune

from .forms import OUTSIDE_PROVINCE, StaffPersonForm
from .limits import (
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_FILE_BYTES,
    MAX_PACKING_RATIO,
    MAX_PART_BYTES,
    MAX_ROWS,
    MAX_UNPACKED_BYTES,
)
from .models import ActivityStatus, EducationLevel, Language, Sex
from .validation import parse_date

# Canonical column -> accepted header spellings (compared folded: lower case, no accents/spaces).
COLUMNS: dict[str, tuple[str, ...]] = {
    "cin": ("cin", "cnie", "carte nationale", "رقم البطاقة الوطنية", "البطاقة الوطنية"),
    "first_name_latin": ("first_name_latin", "prenom", "prénom", "first name", "firstname"),
    "last_name_latin": ("last_name_latin", "nom", "last name", "lastname", "nom de famille"),
    "first_name_ar": ("first_name_ar", "prenom_ar", "prénom arabe", "الاسم الشخصي", "الاسم"),
    "last_name_ar": ("last_name_ar", "nom_ar", "nom arabe", "الاسم العائلي", "النسب"),
    "birth_date": (
        "birth_date",
        "date_naissance",
        "date de naissance",
        "تاريخ الازدياد",
        "تاريخ الميلاد",
    ),
    "sex": ("sex", "sexe", "الجنس"),
    "phone": ("phone", "telephone", "téléphone", "tel", "gsm", "الهاتف"),
    "commune": ("commune", "الجماعة"),
    "activity_status": ("activity_status", "situation", "statut", "الوضعية"),
    "education_level": ("education_level", "niveau", "niveau scolaire", "المستوى الدراسي"),
    "disability": ("disability", "handicap", "الإعاقة"),
    "rsu_index": ("rsu_index", "rsu", "indice rsu", "مؤشر السجل الاجتماعي"),
    "preferred_language": ("preferred_language", "langue", "اللغة"),
    "consent": ("consent", "consentement", "الموافقة"),
}
REQUIRED = (
    "cin",
    "first_name_latin",
    "last_name_latin",
    "birth_date",
    "sex",
    "commune",
    "activity_status",
    "education_level",
    "consent",
)
YES = {"1", "yes", "oui", "o", "y", "true", "vrai", "نعم", "x"}

VALUE_ALIASES = {
    "sex": {
        "f": Sex.FEMALE,
        "femme": Sex.FEMALE,
        "feminin": Sex.FEMALE,
        "female": Sex.FEMALE,
        "أنثى": Sex.FEMALE,
        "انثى": Sex.FEMALE,
        "m": Sex.MALE,
        "h": Sex.MALE,
        "homme": Sex.MALE,
        "masculin": Sex.MALE,
        "male": Sex.MALE,
        "ذكر": Sex.MALE,
    },
    "activity_status": {
        "chomeur": ActivityStatus.UNEMPLOYED,
        "chomeuse": ActivityStatus.UNEMPLOYED,
        "neet": ActivityStatus.UNEMPLOYED,
        "sans emploi": ActivityStatus.UNEMPLOYED,
        "عاطل": ActivityStatus.UNEMPLOYED,
        "بدون عمل": ActivityStatus.UNEMPLOYED,
        "stagiaire": ActivityStatus.TRAINEE,
        "متدرب": ActivityStatus.TRAINEE,
        "salarie": ActivityStatus.WORKER,
        "travailleur": ActivityStatus.WORKER,
        "employe": ActivityStatus.WORKER,
        "عامل": ActivityStatus.WORKER,
        "etudiant": ActivityStatus.STUDENT,
        "etudiante": ActivityStatus.STUDENT,
        "طالب": ActivityStatus.STUDENT,
    },
    "preferred_language": {
        "arabe": Language.ARABIC,
        "francais": Language.FRENCH,
        "amazigh": Language.AMAZIGH,
        "العربية": Language.ARABIC,
    },
}


def fold(text) -> str:
    import unicodedata

    text = unicodedata.normalize("NFKD", str(text or "")).strip().lower()
    return " ".join(
        "".join(c for c in text if not unicodedata.combining(c)).replace("_", " ").split()
    )


HEADER_LOOKUP = {
    fold(alias): canonical for canonical, aliases in COLUMNS.items() for alias in aliases
}


@dataclass
class RowError:
    row: int  # 1-based line in the file, header = 1
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


# Errors kept in memory (and shown) per file; the rest are only counted.
MAX_ERRORS_KEPT = 1000


@dataclass
class CheckedFile:
    rows: list[tuple[int, dict]] = field(default_factory=list)  # (line, cleaned data)
    errors: list[RowError] = field(default_factory=list)  # the first MAX_ERRORS_KEPT
    error_count: int = 0
    total: int = 0
    cins: set[str] = field(default_factory=set)  # of the clean rows
    sample: list[tuple[int, dict]] = field(default_factory=list)  # the first clean rows

    @property
    def ok(self) -> bool:
        return not self.error_count

    def add_errors(self, errors: list[RowError]) -> None:
        self.error_count += len(errors)
        room = MAX_ERRORS_KEPT - len(self.errors)
        if room > 0:
            self.errors.extend(errors[:room])


class FileRejected(Exception):
    """The file as a whole cannot be read; the message says why, in the user's language."""


def file_kind(file_name: str, head: bytes) -> str:
    """ "xlsx" or "csv", from the name and the first bytes; FileRejected for anything else."""
    name = file_name.lower()
    if name.endswith(".xlsx") or head[:4] == b"PK\x03\x04":
        return "xlsx"
    if name.endswith((".csv", ".txt")):
        return "csv"
    raise FileRejected(_("Only CSV (.csv) and Excel (.xlsx) files can be imported."))


def iter_table(file_name: str, content: bytes) -> Iterator[list]:
    """The file's non-empty rows, first row first, read one at a time: a CSV line by line, an
    XLSX's first sheet row by row as its XML is parsed, so memory holds one row, not the sheet.
    Raises FileRejected, with the reason in the user's language, for a file too big, too long
    (the reading stops at the first row past the cap), too wide, packed suspiciously tight,
    holding XML declarations, or not readable as UTF-8 CSV or XLSX."""
    if len(content) > MAX_FILE_BYTES:
        raise FileRejected(
            _("The file is larger than %(mb)s MB. Split it into smaller files.")
            % {"mb": MAX_FILE_BYTES // (1024 * 1024)}
        )
    if file_kind(file_name, content[:4]) == "xlsx":
        return _kept(_xlsx_rows(content))
    return _kept(_csv_rows(content))


def read_table(file_name: str, content: bytes) -> list[list]:
    """`iter_table` as a list (at most MAX_ROWS + 1 rows of MAX_COLUMNS cells)."""
    return list(iter_table(file_name, content))


def _too_long() -> FileRejected:
    return FileRejected(
        _("The file has more than %(rows)s rows. Split it into smaller files.") % {"rows": MAX_ROWS}
    )


def _too_wide() -> FileRejected:
    return FileRejected(
        _("The file has more than %(columns)s columns. Keep only the template's columns.")
        % {"columns": MAX_COLUMNS}
    )


# Rows read in all, empty ones included (a sheet of formatted blank rows, a CSV of empty lines):
# past this the file is refused without reading further.
MAX_LINES_READ = 2 * (MAX_ROWS + 1)


def _kept(rows: Iterable) -> Iterator[list]:
    """The non-empty rows of `rows`, refusing (FileRejected) more than MAX_ROWS of them below
    the header, a row wider than MAX_COLUMNS filled cells, or a cell longer than MAX_CELL_CHARS.
    Stops reading at the first row past a cap."""
    kept = 0
    for read, row in enumerate(rows, start=1):
        if read > MAX_LINES_READ:
            raise FileRejected(
                _(
                    "The file goes on past row %(rows)s (empty or formatted rows count too). "
                    "Copy the rows you need into a new file and import that."
                )
                % {"rows": MAX_LINES_READ}
            )
        cells = ["" if v is None else v for v in row]
        while cells and not str(cells[-1]).strip():
            cells.pop()
        if not cells:
            continue
        if len(cells) > MAX_COLUMNS:
            raise _too_wide()
        for c in cells:
            if isinstance(c, str) and len(c) > MAX_CELL_CHARS:
                raise FileRejected(
                    _("Row %(row)s has a cell longer than %(chars)s characters.")
                    % {"row": kept + 1, "chars": MAX_CELL_CHARS}
                )
        kept += 1
        if kept > MAX_ROWS + 1:  # the header row comes on top
            raise _too_long()
        yield cells


def _csv_lines(content: bytes) -> Iterator[str]:
    """The file's lines as text, one at a time (each line's bytes decoded alone)."""
    for number, raw in enumerate(io.BytesIO(content), start=1):
        if number == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8) :]
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise FileRejected(
                _(
                    "The file is not encoded in UTF-8 (its line %(line)s has characters that "
                    'cannot be read). In Excel or LibreOffice, save it as "CSV UTF-8" and import '
                    "it again."
                )
                % {"line": number}
            ) from exc
        if "\x00" in line:
            raise FileRejected(_("This file is not a text CSV file."))
        yield line


def _csv_rows(content: bytes) -> Iterator[list]:
    sample = content[:4096].decode("utf-8", errors="ignore").lstrip("\ufeff")
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    # The csv module refuses a field longer than csv.field_size_limit() (128 KB: under the file
    # cap, so one line holds at most that much); MAX_CELL_CHARS is checked on each cell after.
    try:
        yield from csv.reader(_csv_lines(content), dialect)
    except csv.Error as exc:
        raise FileRejected(
            _("The file cannot be read as CSV: a cell is too long or a quote is not closed.")
        ) from exc


def _xlsx_refused_entities() -> FileRejected:
    return FileRejected(_("This Excel file holds XML declarations we refuse."))


def _xlsx_damaged() -> FileRejected:
    return FileRejected(_("This Excel file cannot be opened; it may be damaged."))


_PROLOG_MAX = 64 * 1024


def _xml_prolog_is_plain(part) -> bool:
    """True when an XML part starts, after its declaration and any comments, with an element:
    no DOCTYPE (which is where entities are declared), and UTF-8 (a UTF-16 part would hide
    `<!DOCTYPE` from a byte search). Reads at most the first 64 KB."""
    head = part.read(_PROLOG_MAX)
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in head[:64]:
        return False
    pos = 3 if head.startswith(codecs.BOM_UTF8) else 0
    while True:
        while pos < len(head) and head[pos : pos + 1] in (b" ", b"\t", b"\r", b"\n"):
            pos += 1
        if head.startswith(b"<?", pos):
            closer = b"?>"
        elif head.startswith(b"<!--", pos):
            closer = b"-->"
        elif head.startswith(b"<!", pos):
            return False  # <!DOCTYPE, <!ENTITY
        else:
            # The root element (or an empty part) ends the prolog; text before the root, or a
            # prolog longer than Excel ever writes, is refused.
            return head.startswith(b"<", pos) or pos == len(head) < _PROLOG_MAX
        end = head.find(closer, pos)
        if end < 0:
            return False
        pos = end + len(closer)


def _xlsx_check_package(content: bytes) -> None:
    """Refuse, before parsing, an XLSX whose parts unpack to too much (a zip bomb: the sizes the
    zip's directory declares, which zipfile then enforces as it unpacks) or whose XML declares
    entities (entity expansion)."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            infos = package.infolist()
            unpacked = sum(i.file_size for i in infos)
            packed = sum(i.compress_size for i in infos) or 1
            if (
                unpacked > MAX_UNPACKED_BYTES
                or unpacked / packed > MAX_PACKING_RATIO * 5
                or any(
                    i.file_size > 1024 * 1024
                    and i.file_size / max(i.compress_size, 1) > MAX_PACKING_RATIO
                    for i in infos
                )
                or any(
                    i.file_size > MAX_PART_BYTES and "/worksheets/" not in i.filename for i in infos
                )
            ):
                raise FileRejected(
                    _(
                        "This Excel file unpacks to far more than it holds (empty cells by the "
                        "million?). Copy the rows you need into a new file and import that."
                    )
                )
            for info in infos:
                if info.filename.endswith((".xml", ".rels")):
                    with package.open(info) as part:
                        if not _xml_prolog_is_plain(part):
                            raise _xlsx_refused_entities()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
        raise _xlsx_damaged() from exc


class _CappedSheetParser(WorkSheetParser):
    """openpyxl's worksheet parser, whose rows hold only the cells of the first MAX_COLUMNS + 1
    columns: a cell further right (column XFD…) is not parsed, only looked at to refuse the
    file when it holds a value."""

    def parse_row(self, row):
        r = row.get("r")
        if r is not None:
            try:
                self.row_counter = int(float(r))
            except (ValueError, OverflowError) as exc:
                raise ValueError(f"{r} is not a valid row number") from exc
        else:
            self.row_counter += 1
        self.col_counter = 0
        cells = []
        for element in row:
            ref = element.get("r")
            column = (
                column_index_from_string(ref.rstrip("0123456789")) if ref else self.col_counter + 1
            )
            if column > MAX_COLUMNS + 1:
                self.col_counter = column
                if self._holds_value(element):
                    raise _too_wide()
                continue
            cells.append(self.parse_cell(element))
        return self.row_counter, cells

    def _holds_value(self, element) -> bool:
        if element.get("t") == "s":
            index = element.findtext(VALUE_TAG)
            try:
                return bool(str(self.shared_strings[int(index)]).strip())
            except (TypeError, ValueError, IndexError):
                return True
        text = element.findtext(VALUE_TAG) or "".join(element.itertext())
        return bool(text.strip())


_SI, _T, _R = (f"{{{SHEET_MAIN_NS}}}{tag}" for tag in ("si", "t", "r"))


def _shared_strings(archive, path: str) -> list[str]:
    """The workbook's shared strings, as openpyxl reads them (plain text, rich text runs joined,
    phonetic runs left out), parsed one at a time and let go of as they are read: openpyxl's own
    reader takes 40 s and 100 MB for a part of 16 MB of tiny strings."""
    strings = []
    with archive.open(path) as source:
        root = None
        for event, node in iterparse(source, events=("start", "end")):
            if root is None:
                root = node
            if event == "end" and node.tag == _SI:
                plain = node.find(_T)
                if plain is not None:
                    text = plain.text or ""
                else:
                    text = "".join(run.findtext(_T) or "" for run in node.iterfind(_R))
                strings.append(text.replace("x005F_", ""))
                root.clear()
    return strings


def _xlsx_rows(content: bytes) -> Iterator[tuple]:
    """The first worksheet's rows as tuples of values (MAX_COLUMNS + 1 wide at most), parsed as
    they are read. Only what a sheet needs is loaded (content types, shared strings, workbook,
    styles for dates): not openpyxl's `load_workbook`, which walks through every sheet without a
    dimension element from start to end while opening the file."""
    _xlsx_check_package(content)
    try:
        reader = ExcelReader(io.BytesIO(content), read_only=True, data_only=True)
        try:
            reader.read_manifest()
            strings = reader.package.find(SHARED_STRINGS)
            if strings is not None:
                reader.shared_strings = _shared_strings(reader.archive, strings.PartName[1:])
            reader.read_workbook()
            apply_stylesheet(reader.archive, reader.wb)
            wb = reader.wb
            sheet_path = next(
                (
                    rel.target
                    for _sheet, rel in reader.parser.find_sheets()
                    if rel.target in reader.valid_files and "chartsheet" not in rel.Type
                ),
                None,
            )
            if sheet_path is None:
                raise _xlsx_damaged()
            with reader.archive.open(sheet_path) as source:
                parser = _CappedSheetParser(
                    source,
                    reader.shared_strings,
                    data_only=True,
                    epoch=wb.epoch,
                    date_formats=wb._date_formats,
                    timedelta_formats=wb._timedelta_formats,
                )
                for _index, cells in parser.parse():
                    values = [None] * (max((c["column"] for c in cells), default=0))
                    for cell in cells:
                        values[cell["column"] - 1] = cell["value"]
                    yield tuple(values)
        finally:
            reader.archive.close()
    except FileRejected:
        raise
    except (Exception, SyntaxError) as exc:  # a malformed part: xml.etree's ParseError, a bad
        raise _xlsx_damaged() from exc  # number, a missing part or shared string


def _map_header(header: list) -> dict[int, str]:
    mapping: dict[int, str] = {}
    unknown, repeated = [], []
    for i, cell in enumerate(header):
        canonical = HEADER_LOOKUP.get(fold(cell))
        if canonical is None:
            if str(cell).strip():
                unknown.append(str(cell).strip())
            continue
        if canonical in mapping.values():
            repeated.append(str(cell).strip())
        mapping[i] = canonical
    if unknown:
        raise FileRejected(
            _("Unknown columns: %(columns)s. Use the column names of the template.")
            % {"columns": ", ".join(unknown)}
        )
    if repeated:
        raise FileRejected(_("Repeated columns: %(columns)s.") % {"columns": ", ".join(repeated)})
    missing = [c for c in REQUIRED if c not in mapping.values()]
    if missing:
        raise FileRejected(
            _("Missing columns: %(columns)s. Use the column names of the template.")
            % {"columns": ", ".join(missing)}
        )
    return mapping


def _commune_code(value, communes_by_name: dict[str, str]) -> str:
    folded = fold(value)
    if not folded:
        return ""
    return communes_by_name.get(folded, "?" + str(value))


class _RowChecker:
    """Checks one row at a time against the registry's rules (the staff intake form's)."""

    def __init__(self, centre, mapping: dict[int, str]):
        self.mapping = mapping
        communes = list(Commune.objects.filter(province_id=centre.commune.province_id))
        by_name = {}
        for c in communes:
            for n in (c.code, c.name_fr, c.name_ar):
                by_name[fold(n)] = c.code
        by_name[fold(OUTSIDE_PROVINCE)] = OUTSIDE_PROVINCE
        for word in ("hors province", "autre", "خارج الإقليم"):
            by_name[fold(word)] = OUTSIDE_PROVINCE
        self.by_name = by_name
        self.choices = {
            "education_level": {fold(v): v for v in EducationLevel.values}
            | {fold(label): v for v, label in EducationLevel.choices},
        }
        self.today = timezone.localdate()
        self.seen_cins: dict[str, int] = {}
        # One bound form, re-bound for every row: building a form deep-copies its fields, which
        # dominated the time of a 10,000-row import.
        self.form = StaffPersonForm(data={}, communes=communes)
        self.labels = {name: str(f.label) for name, f in self.form.fields.items()}
        self.labels["consent"] = _("Consent")

    def check(self, line: int, raw: list) -> tuple[dict | None, list[RowError]]:
        """The row's cleaned data (None when it has errors) and its errors."""
        mapping, labels = self.mapping, self.labels
        values = {canonical: raw[i] if i < len(raw) else "" for i, canonical in mapping.items()}
        errors = _check_row(line, values, self.by_name, self.choices, self.today)
        data = None
        if not errors:
            form = self.form
            form.data = _form_data(values, self.by_name, self.choices)
            form._errors = None
            if form.is_valid():
                data = dict(form.cleaned_data)
            else:
                for name, messages in form.errors.items():
                    errors.extend(RowError(line, labels.get(name, name), m) for m in messages)
        if data is not None:
            first = self.seen_cins.setdefault(data["cin"], line)
            if first != line:
                errors.append(
                    RowError(
                        line,
                        labels["cin"],
                        _("This CIN is already on row %(row)s of the file.") % {"row": first},
                    )
                )
        for err in errors:
            if err.column in mapping.values():
                err.column = labels.get(err.column, err.column)
        return (None if errors else data), errors


def count_rows(*, file_name: str, content: bytes) -> int:
    """The rows below the header, reading the whole file once without checking them (cheap; it
    refuses a file over a cap before any row is checked)."""
    return max(0, sum(1 for _row in iter_table(file_name, content)) - 1)


def checked_rows(
    *, file_name: str, content: bytes, centre
) -> Iterator[tuple[int, dict | None, list[RowError]]]:
    """(line, cleaned data or None, errors) for every row below the header, read and checked one
    at a time. Raises FileRejected when the file cannot be read."""
    rows = iter_table(file_name, content)
    header = next(rows, None)
    if header is None:
        raise FileRejected(_("The file is empty."))
    checker = _RowChecker(centre, _map_header(header))
    for line, raw in enumerate(rows, start=2):
        data, errors = checker.check(line, raw)
        yield line, data, errors


PROGRESS_EVERY = 500


def parse_and_check(
    *, file_name: str, content: bytes, centre, progress=None, keep_rows: bool = True
) -> CheckedFile:
    """Read the file and check every row. Raises FileRejected when the file cannot be read.

    The file is read twice, one row at a time: once to count its rows (and refuse it over a cap
    before any work), once to check them; `progress(done, total)` is called every 500 rows.
    With `keep_rows=False` the clean rows are not kept (only their CINs and the first ten)."""
    total = count_rows(file_name=file_name, content=content)
    checked = CheckedFile(total=total)
    if progress:
        progress(0, total)
    for line, data, errors in checked_rows(file_name=file_name, content=content, centre=centre):
        checked.add_errors(errors)
        if data is not None:
            checked.cins.add(data["cin"])
            if keep_rows:
                checked.rows.append((line, data))
            if len(checked.sample) < 10:
                checked.sample.append((line, data))
        if progress and (line - 1) % PROGRESS_EVERY == 0:
            progress(line - 1, total)
    if progress:
        progress(total, total)
    return checked


def _check_row(line, values, by_name, choices, today) -> list[RowError]:
    errors = []
    if fold(values.get("consent")) not in YES:
        errors.append(
            RowError(
                line,
                "consent",
                _('No recorded consent: write "yes" once the person has signed the notice.'),
            )
        )
    if str(values.get("commune", "")).strip() and _commune_code(
        values["commune"], by_name
    ).startswith("?"):
        errors.append(
            RowError(
                line, "commune", _('Unknown commune "%(value)s".') % {"value": values["commune"]}
            )
        )
    raw_date = values.get("birth_date")
    if raw_date not in ("", None):
        try:
            parse_date(raw_date)
        except Exception as exc:  # a ValidationError with a translated message
            errors.append(RowError(line, "birth_date", exc.messages[0]))
    return errors


def _form_data(values, by_name, choices) -> dict:
    data = {k: ("" if v is None else v) for k, v in values.items()}
    for key, aliases in VALUE_ALIASES.items():
        folded = fold(data.get(key, ""))
        if folded in aliases:
            data[key] = aliases[folded]
        elif key == "sex":
            data[key] = str(data.get(key, "")).strip().upper()
        else:
            data[key] = folded
    folded_level = fold(data.get("education_level", ""))
    data["education_level"] = choices["education_level"].get(folded_level, folded_level)
    data["commune"] = _commune_code(data.get("commune", ""), by_name)
    if data.get("birth_date") not in ("", None):
        data["birth_date"] = parse_date(data["birth_date"]).isoformat()
    for key in ("cin", "phone", "rsu_index"):
        value = data.get(key, "")
        if isinstance(value, float) and value.is_integer() and key != "rsu_index":
            value = int(value)
        data[key] = str(value).strip()
    if data["phone"] and data["phone"].isdigit() and len(data["phone"]) == 9:
        data["phone"] = "0" + data["phone"]  # Excel drops the leading zero of 0612345678
    if not data.get("preferred_language"):
        data["preferred_language"] = Language.ARABIC
    return data


def template_rows() -> list[list[str]]:
    """A header and two example rows (synthetic people) for the downloadable template."""
    return [
        list(COLUMNS),
        [
            "AB123456",
            "Fatima Zahra",
            "El Idrissi",
            "فاطمة الزهراء",
            "الإدريسي",
            "2001-03-31",
            "F",
            "0612345678",
            "berkane",
            "unemployed",
            "bac",
            "",
            "",
            "ar",
            "yes",
        ],
        [
            "F45678",
            "Youssef",
            "Benali",
            "يوسف",
            "بنعلي",
            "1998-11-02",
            "M",
            "0671234567",
            "rislane",
            "worker",
            "vocational",
            "",
            "8.2",
            "fr",
            "yes",
        ],
    ]


def as_date(value) -> dt.date:
    return parse_date(value)
