"""The access right of law 09-08 (art. 7): a person's whole file, as a ZIP holding a readable
PDF (in French or Arabic) and the same records as JSON."""

import io
import json
import re
import zipfile

from django.template.loader import render_to_string
from django.utils import timezone, translation

from markaz.core.readlog import Kind, personal_data_read
from markaz.core.services import audit_record

from .models import Person
from .selectors import person_record_sections


def person_file_data(person: Person) -> dict:
    sections = person_record_sections(person)
    return {
        "person_id": person.pk,
        "centre": person.centre.name,
        "produced_at": timezone.now().isoformat(),
        "sections": [{"key": s.key, "title": s.title, "rows": list(s.rows)} for s in sections],
    }


ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")


def _cells(row: dict) -> list[tuple[str, str, str]]:
    """(field, value, direction): a value holding Arabic reads right to left, any other (a CIN,
    a phone, a date) left to right, whatever the page's direction."""
    cells = []
    for key, value in row.items():
        text = "—" if value is None else str(value)
        cells.append((key, text, "rtl" if ARABIC.search(text) else "ltr"))
    return cells


def person_file_pdf(person: Person, data: dict, *, lang: str) -> bytes:
    from weasyprint import HTML

    sections = [
        {"title": s["title"], "rows": [_cells(row) for row in s["rows"]]} for s in data["sections"]
    ]
    html = render_to_string(
        "registry/person_file_pdf.html",
        {"person": person, "data": data, "sections": sections, "lang": lang, "rtl": lang == "ar"},
    )
    return HTML(string=html).write_pdf()


def person_file_zip(*, person: Person, actor, lang: str = "fr", request=None) -> bytes:
    """The ZIP of `person`'s file (call after a permission-checked getter). Producing it is
    recorded first in the read log (so the file lists its own reading, and is not produced when
    the log cannot be written), then in the audit trail (who, when, from where): from a page
    (`request`) or from the command line (no request)."""
    lang = "ar" if lang.startswith("ar") else "fr"
    via = "page" if request is not None else "command"
    personal_data_read(
        user=actor,
        persons=[person],
        kind=Kind.FILE,
        request=request,
        view="" if request is not None else "command:person_export",
        path="" if request is not None else f"manage.py person_export --person {person.pk}",
        centre=person.centre,
    )
    with translation.override(lang):
        data = person_file_data(person)
        pdf = person_file_pdf(person, data, lang=lang)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"person-{person.pk}.json", json.dumps(data, ensure_ascii=False, indent=1))
        archive.writestr(f"person-{person.pk}.pdf", pdf)
    audit_record(
        actor=actor,
        action="person_export",
        centre=person.centre,
        obj=person,
        detail={"via": via, "language": lang},
    )
    return buffer.getvalue()
