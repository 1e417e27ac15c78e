"""Settings for `make run`: one machine, embedded SQLite, served by gunicorn on 127.0.0.1."""

import os

from .base import *  # noqa: F403
from .base import database_from_env

DEBUG = os.environ.get("MARKAZ_DEBUG", "0") == "1"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "local-only-not-secret-markaz-demo-key-change-me")
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
DATABASES = {"default": database_from_env(os.environ)}
