"""Importing schools from CSV or XLSX: every row checked first, errors by row and column in the
user's language, all or nothing, and importing the same file again changes nothing (a school is
found again by its code)."""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from markaz.registry.imports import FileRejected, RowError, fold, read_table
from markaz.registry.validation import clean_phone
from markaz.territory.models import Commune

from .models import School

COLUMNS = {
    "code": ("code",),
    "name_fr": ("name_fr", "nom", "nom fr", "nom de l'ecole"),
    "name_ar": ("name_ar", "nom ar", "الاسم", "اسم المؤسسة"),
    "commune": ("commune", "الجماعة"),
    "level": ("level", "cycle", "niveau", "السلك"),
    "area": ("area", "milieu", "الوسط"),
    "public": ("public", "secteur"),
    "latitude": ("latitude", "lat"),
    "longitude": ("longitude", "lon", "lng"),
    "girls": ("girls", "filles", "الإناث"),
    "boys": ("boys", "garcons", "الذكور"),
    "director_name": ("director_name", "directeur", "المدير"),
    "director_phone": ("director_phone", "telephone directeur", "telephone", "هاتف المدير"),
}
REQUIRED = ("code", "name_fr", "name_ar", "commune", "level", "latitude", "longitude")
LOOKUP = {fold(a): c for c, aliases in COLUMNS.items() for a in aliases}
LEVELS = {
    "primaire": "primaire",
    "primary": "primaire",
    "ecole primaire": "primaire",
    "ابتدائي": "primaire",
    "college": "college",
    "إعدادي": "college",
    "lycee": "lycee",
    "تأهيلي": "lycee",
}
AREAS = {"urban": "urban", "urbain": "urban", "حضري": "urban", "rural": "rural", "قروي": "rural"}
NO = {"0", "non", "no", "prive", "privé", "false", "خاص"}
# Berkane province and its surroundings: a position outside is a typing error.
LAT_RANGE, LON_RANGE = (34.4, 35.3), (-2.9, -1.7)


@dataclass
class CheckedSchools:
    rows: list[dict] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    total: int = 0


def check_file(*, file_name: str, content: bytes) -> CheckedSchools:
    table = read_table(file_name, content)
    if not table:
        raise FileRejected(_("The file is empty."))
    header = {}
    unknown = []
    for i, cell in enumerate(table[0]):
        col = LOOKUP.get(fold(cell))
        if col:
            header[i] = col
        elif str(cell).strip():
            unknown.append(str(cell).strip())
    if unknown:
        raise FileRejected(
            _("Unknown columns: %(columns)s. Use the column names of the template.")
            % {"columns": ", ".join(unknown)}
        )
    missing = [c for c in REQUIRED if c not in header.values()]
    if missing:
        raise FileRejected(
            _("Missing columns: %(columns)s. Use the column names of the template.")
            % {"columns": ", ".join(missing)}
        )
    communes = {}
    for c in Commune.objects.all():
        for n in (c.code, c.name_fr, c.name_ar):
            communes[fold(n)] = c
    checked = CheckedSchools(total=len(table) - 1)
    seen = {}
    for line, raw in enumerate(table[1:], start=2):
        values = {
            col: ("" if i >= len(raw) or raw[i] is None else str(raw[i]).strip())
            for i, col in header.items()
        }
        errors, row = _check_row(line, values, communes)
        if row and row["code"] in seen:
            errors.append(
                RowError(
                    line,
                    "code",
                    _("This code is already on row %(row)s of the file.")
                    % {"row": seen[row["code"]]},
                )
            )
        if row:
            seen.setdefault(row["code"], line)
        checked.errors.extend(errors)
        if not errors:
            checked.rows.append(row)
    return checked


def _number(value, line, column, errors, *, integer=False):
    try:
        number = Decimal(value.replace(",", "."))
    except (InvalidOperation, AttributeError):
        errors.append(RowError(line, column, _("This is not a number.")))
        return None
    if integer:
        if number != number.to_integral_value() or number < 0:
            errors.append(RowError(line, column, _("A whole number of 0 or more is expected.")))
            return None
        return int(number)
    return number


def _check_row(line, v, communes):
    errors = []
    for col in REQUIRED:
        if not v.get(col):
            errors.append(RowError(line, col, _("This field is required.")))
    if errors:
        return errors, None
    commune = communes.get(fold(v["commune"]))
    if commune is None:
        errors.append(
            RowError(line, "commune", _('Unknown commune "%(value)s".') % {"value": v["commune"]})
        )
    level = LEVELS.get(fold(v["level"]))
    if level is None:
        errors.append(RowError(line, "level", _("The level must be primaire, collège or lycée.")))
    area = (
        AREAS.get(fold(v.get("area", ""))) if v.get("area") else (commune.kind if commune else None)
    )
    if v.get("area") and area is None:
        errors.append(RowError(line, "area", _("The area must be urban or rural.")))
    lat = _number(v["latitude"], line, "latitude", errors)
    lon = _number(v["longitude"], line, "longitude", errors)
    if lat is not None and not (LAT_RANGE[0] <= lat <= LAT_RANGE[1]):
        errors.append(RowError(line, "latitude", _("This position is outside the province.")))
    if lon is not None and not (LON_RANGE[0] <= lon <= LON_RANGE[1]):
        errors.append(RowError(line, "longitude", _("This position is outside the province.")))
    girls = _number(v["girls"], line, "girls", errors, integer=True) if v.get("girls") else None
    boys = _number(v["boys"], line, "boys", errors, integer=True) if v.get("boys") else None
    phone = ""
    if v.get("director_phone"):
        try:
            phone = clean_phone(v["director_phone"])
        except ValidationError as exc:
            errors.append(RowError(line, "director_phone", exc.messages[0]))
    if errors:
        return errors, {"code": v["code"]}
    return [], {
        "code": v["code"],
        "name_fr": v["name_fr"],
        "name_ar": v["name_ar"],
        "commune": commune,
        "level": level,
        "area": area,
        "public": fold(v.get("public", "")) not in NO,
        "latitude": round(lat, 5),
        "longitude": round(lon, 5),
        "girls": girls,
        "boys": boys,
        "director_name": v.get("director_name", ""),
        "director_phone": phone,
    }


@transaction.atomic
def schools_import(*, rows: list[dict]) -> dict:
    """Write every checked row (create, or update the school with that code). All or nothing."""
    created = updated = unchanged = 0
    for row in rows:
        school = School.objects.filter(code=row["code"]).first()
        if school is None:
            School.objects.create(**row)
            created += 1
            continue
        changed = [k for k, value in row.items() if getattr(school, k) != value]
        if changed:
            for k in changed:
                setattr(school, k, row[k])
            school.save(update_fields=changed)
            updated += 1
        else:
            unchanged += 1
    return {"created": created, "updated": updated, "unchanged": unchanged}


def template_rows() -> list[list[str]]:
    return [
        list(COLUMNS),
        [
            "ep-rislane-01",
            "École primaire Al Amal",
            "مدرسة الأمل",
            "Rislane",
            "primaire",
            "rural",
            "1",
            "34.7712",
            "-2.4601",
            "120",
            "131",
            "Mme Exemple (fictive)",
            "0536613456",
        ],
    ]
