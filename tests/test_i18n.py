"""Every screen in French and Arabic: the catalogues are complete for what the code says today."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

from markaz.core import check_messages

ROOT = Path(__file__).resolve().parent.parent


def test_catalogues_are_complete_and_compiled():
    assert check_messages.problems() == []


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext is installed by .ci/run")
def test_no_string_in_the_code_is_missing_from_the_catalogues(tmp_path):
    for name in ("manage.py", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    for name in ("config", "markaz", "templates", "locale"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "fr", "-l", "ar", "--no-obsolete"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "PYTHONPATH": str(tmp_path),
        },
    )
    for lang in ("fr", "ar"):
        fresh = polib.pofile(str(tmp_path / "locale" / lang / "LC_MESSAGES" / "django.po"))
        missing = [
            e.msgid for e in fresh if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)
        ]
        assert missing == [], f"{lang}: run `make messages` and translate {missing[:10]}"
