"""Reading and checking a registry file (CSV or XLSX) before anything is written.

The result of `parse_and_check` is a list of clean rows and a list of errors, each with its row,
its column and a message in the user's language. A file with any error is never committed.
"""

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from markaz.territory.models import Commune

from .forms import OUTSIDE_PROVINCE, StaffPersonForm
from .limits import (
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_FILE_BYTES,
    MAX_PACKING_RATIO,
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


@dataclass
class CheckedFile:
    rows: list[tuple[int, dict]] = field(default_factory=list)  # (line, cleaned data)
    errors: list[RowError] = field(default_factory=list)
    total: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


class FileRejected(Exception):
    """The file as a whole cannot be read; the message says why, in the user's language."""


def read_table(file_name: str, content: bytes) -> list[list]:
    """The file's non-empty rows, first row first. Raises FileRejected, with the reason in the
    user's language, for a file too big, too long, too wide, packed suspiciously tight, holding
    XML entities, or not readable as UTF-8 CSV or XLSX."""
    if len(content) > MAX_FILE_BYTES:
        raise FileRejected(
            _("The file is larger than %(mb)s MB. Split it into smaller files.")
            % {"mb": MAX_FILE_BYTES // (1024 * 1024)}
        )
    name = file_name.lower()
    if name.endswith(".xlsx") or content[:4] == b"PK\x03\x04":
        return _read_xlsx(content)
    if name.endswith((".csv", ".txt")):
        return _read_csv(content)
    raise FileRejected(_("Only CSV (.csv) and Excel (.xlsx) files can be imported."))


def _too_long() -> FileRejected:
    return FileRejected(
        _("The file has more than %(rows)s rows. Split it into smaller files.") % {"rows": MAX_ROWS}
    )


def _too_wide() -> FileRejected:
    return FileRejected(
        _("The file has more than %(columns)s columns. Keep only the template's columns.")
        % {"columns": MAX_COLUMNS}
    )


def _kept(rows, line_of=None) -> list[list]:
    """The non-empty rows of `rows`, refusing (FileRejected) more than MAX_ROWS of them, a row
    wider than MAX_COLUMNS filled cells, or a cell longer than MAX_CELL_CHARS."""
    kept = []
    for row in rows:
        cells = ["" if v is None else v for v in row]
        while cells and not str(cells[-1]).strip():
            cells.pop()
        if not cells or not any(str(c).strip() for c in cells):
            continue
        if len(cells) > MAX_COLUMNS:
            raise _too_wide()
        for c in cells:
            if isinstance(c, str) and len(c) > MAX_CELL_CHARS:
                raise FileRejected(
                    _("Row %(row)s has a cell longer than %(chars)s characters.")
                    % {"row": len(kept) + 1, "chars": MAX_CELL_CHARS}
                )
        kept.append(cells)
        if len(kept) > MAX_ROWS + 1:  # the header row comes on top
            raise _too_long()
    return kept


def _read_csv(content: bytes) -> list[list]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileRejected(
            _(
                "The file is not encoded in UTF-8 (its line %(line)s has characters that cannot be "
                'read). In Excel or LibreOffice, save it as "CSV UTF-8" and import it again.'
            )
            % {"line": content[: exc.start].count(b"\n") + 1}
        ) from exc
    if "\x00" in text:
        raise FileRejected(_("This file is not a text CSV file."))
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        return _kept(csv.reader(io.StringIO(text), dialect))
    except csv.Error as exc:  # e.g. a field over the csv module's limit (128 KB)
        raise FileRejected(
            _("The file cannot be read as CSV: a cell is too long or a quote is not closed.")
        ) from exc


def _xlsx_check_package(content: bytes) -> None:
    """Refuse, before parsing, an XLSX whose parts unpack to too much (a zip bomb) or whose XML
    declares entities (entity expansion): openpyxl would read either into memory."""
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
                        head = part.read(4096)
                    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                        raise FileRejected(_("This Excel file holds XML declarations we refuse."))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
        raise FileRejected(_("This Excel file cannot be opened; it may be damaged.")) from exc


def _read_xlsx(content: bytes) -> list[list]:
    from openpyxl import load_workbook

    _xlsx_check_package(content)
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise FileRejected(_("This Excel file cannot be opened; it may be damaged.")) from exc
    try:
        ws = wb.worksheets[0]
        # One column past the cap is read, so a filled cell there is seen and refused; cells
        # further right (column XFD...) are never built.
        return _kept(ws.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1))
    except (KeyError, ValueError, TypeError, zipfile.BadZipFile) as exc:
        raise FileRejected(_("This Excel file cannot be opened; it may be damaged.")) from exc
    finally:
        wb.close()


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


def parse_and_check(*, file_name: str, content: bytes, centre, progress=None) -> CheckedFile:
    """Read the file and check every row. Raises FileRejected when the file cannot be read."""
    table = read_table(file_name, content)
    if not table:
        raise FileRejected(_("The file is empty."))
    mapping = _map_header(table[0])
    communes = list(Commune.objects.filter(province_id=centre.commune.province_id))
    by_name = {}
    for c in communes:
        for n in (c.code, c.name_fr, c.name_ar):
            by_name[fold(n)] = c.code
    by_name[fold(OUTSIDE_PROVINCE)] = OUTSIDE_PROVINCE
    for word in ("hors province", "autre", "خارج الإقليم"):
        by_name[fold(word)] = OUTSIDE_PROVINCE
    choices = {
        "education_level": {fold(v): v for v in EducationLevel.values}
        | {fold(label): v for v, label in EducationLevel.choices},
    }
    checked = CheckedFile(total=len(table) - 1)
    today = timezone.localdate()
    seen_cins: dict[str, int] = {}
    # One bound form, re-bound for every row: building a form deep-copies its fields, which
    # dominated the time of a 10,000-row import.
    form = StaffPersonForm(data={}, communes=communes)
    labels = {name: str(f.label) for name, f in form.fields.items()}
    labels["consent"] = _("Consent")
    for offset, raw in enumerate(table[1:], start=2):
        values = {canonical: raw[i] if i < len(raw) else "" for i, canonical in mapping.items()}
        errors = _check_row(offset, values, by_name, choices, today)
        data = None
        if not errors:
            form.data = _form_data(values, by_name, choices)
            form._errors = None
            if form.is_valid():
                data = dict(form.cleaned_data)
            else:
                for name, messages in form.errors.items():
                    errors.extend(RowError(offset, labels.get(name, name), m) for m in messages)
        if data is not None:
            first = seen_cins.setdefault(data["cin"], offset)
            if first != offset:
                errors.append(
                    RowError(
                        offset,
                        labels["cin"],
                        _("This CIN is already on row %(row)s of the file.") % {"row": first},
                    )
                )
        for err in errors:
            if err.column in mapping.values():
                err.column = labels.get(err.column, err.column)
        checked.errors.extend(errors)
        if data is not None and not errors:
            checked.rows.append((offset, data))
        if progress and offset % 500 == 0:
            progress(offset - 1, checked.total)
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
