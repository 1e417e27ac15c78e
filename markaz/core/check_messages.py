"""`python -m markaz.core.check_messages`: every .po complete, nothing fuzzy, every .mo current.

Run by `make lint`. A string missing from a .po (new in the code) is caught by the test
tests/test_i18n.py, which extracts the messages afresh.
"""

import sys
from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parent.parent.parent / "locale"
LANGUAGES = ("fr", "ar")


def problems() -> list[str]:
    found = []
    for lang in LANGUAGES:
        po_path = LOCALE / lang / "LC_MESSAGES" / "django.po"
        mo_path = po_path.with_suffix(".mo")
        if not po_path.exists() or not mo_path.exists():
            found.append(f"{lang}: missing {po_path.name} or {mo_path.name}")
            continue
        po = polib.pofile(str(po_path))
        for entry in po.untranslated_entries():
            found.append(f"{lang}: untranslated {entry.msgid!r}")
        for entry in po.fuzzy_entries():
            found.append(f"{lang}: fuzzy {entry.msgid!r}")
        compiled = {
            (e.msgctxt, e.msgid): (e.msgstr, dict(e.msgstr_plural))
            for e in polib.mofile(str(mo_path))
        }
        for entry in po.translated_entries():
            got = compiled.get((entry.msgctxt, entry.msgid))
            want = (entry.msgstr, {int(k): v for k, v in entry.msgstr_plural.items()})
            if got is None or (got[0], {int(k): v for k, v in got[1].items()}) != want:
                found.append(f"{lang}: {mo_path.name} is out of date (run `make messages`)")
                break
    return found


def main() -> int:
    found = problems()
    for line in found[:50]:
        print(line)
    if found:
        print(f"{len(found)} translation problem(s).")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
