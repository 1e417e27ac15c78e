"""Settings for `make run`: one machine, embedded SQLite, served by gunicorn on 127.0.0.1."""

import os
import secrets
from pathlib import Path

from .base import *  # noqa: F403
from .base import VAR_DIR, database_from_env


def install_secret_key(path: Path) -> str:
    """This install's own secret key, made on first run and kept in `path` (under var/, never
    committed). Badges, the kiosk and the iCalendar feeds are signed with it: a key everyone
    can read in the repository would let anyone forge them. Safe when several processes start
    at once: the file appears whole (a hard link of a finished file) or not at all."""
    try:
        key = path.read_text().strip()
        if key:
            return key
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key + "\n")
    try:
        os.link(draft, path)
    except FileExistsError:
        key = path.read_text().strip()  # another process made it first: use theirs
    finally:
        draft.unlink()
    return key


DEBUG = os.environ.get("MARKAZ_DEBUG", "0") == "1"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or install_secret_key(
    Path(os.environ.get("MARKAZ_SECRET_KEY_FILE") or VAR_DIR / "secret_key")
)
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
DATABASES = {"default": database_from_env(os.environ)}
# The demo offers two factors without requiring them (its login page says so).
MARKAZ_REQUIRE_2FA = os.environ.get("MARKAZ_REQUIRE_2FA", "0") == "1"
