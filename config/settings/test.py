"""Settings for the test suite: SQLite by default, PostgreSQL when DATABASE_URL is set."""

import os
import warnings

from .base import *  # noqa: F403
from .base import BASE_DIR, database_from_env

DEBUG = False
SECRET_KEY = "test-only-not-secret"
ALLOWED_HOSTS = ["*"]
DATABASES = {"default": database_from_env(os.environ)}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # One file per test process, so two suites on one machine never share a database.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / f"test-{os.getpid()}.sqlite3")}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
AXES_ENABLED = True
# A naive datetime reaching the ORM is a bug: fail the test.
warnings.filterwarnings("error", r"DateTimeField .* received a naive datetime", RuntimeWarning)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Each test process its own in-memory cache (fast; the autouse fixture empties it per test).
# The shared database cache of base.py is tested on its own (tests/core/test_throttle.py).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Tests that need two factors compulsory turn it on themselves.
MARKAZ_REQUIRE_2FA = False
MARKAZ_SESSION_IDLE_MINUTES = 30
