"""Settings shared by every environment. Environment-specific files import from here."""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "bootstrap",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "markaz.core",
    "markaz.territory",
    "markaz.centre",
    "markaz.registry",
    "markaz.programmes",
    "markaz.learning",
    "markaz.caravan",
    "markaz.mentoring",
    "markaz.jobs",
    "markaz.reporting",
    # The demo on top: it imports every app, none imports it.
    "markaz.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below WhiteNoise: every response Markaz builds (not the static files) gets no-store, the
    # Permissions-Policy and the Content-Security-Policy.
    "markaz.core.security.ResponseHeadersMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # An empty install (no centre yet) leads every page to the first-run page, /setup/.
    "markaz.centre.setup.FirstRunMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A session unused for MARKAZ_SESSION_IDLE_MINUTES is signed out; then the second factor.
    "markaz.core.security.SessionIdleMiddleware",
    "markaz.core.twofactor.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "markaz.core.context_processors.markaz",
            ],
        },
    },
]


def database_from_env(env: dict) -> dict:
    """DATABASE_URL (PostgreSQL for production and CI) or the embedded SQLite under var/."""
    url = env.get("DATABASE_URL")
    if url:
        return dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    VAR_DIR.mkdir(exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": env.get("MARKAZ_SQLITE_PATH") or VAR_DIR / "markaz.sqlite3",
        "OPTIONS": {
            # WAL lets readers go on while one writer writes; IMMEDIATE takes the write lock
            # at the start of a transaction so two writers never deadlock mid-way. A checkpoint
            # every 10,000 WAL pages (40 MB) rather than 1,000: each one syncs the files to disk,
            # and at the default a door check-in paid a third of its write in those syncs.
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;"
                " PRAGMA wal_autocheckpoint=10000;"
            ),
            "transaction_mode": "IMMEDIATE",
        },
        # Keep each thread's connection: opening one (and its PRAGMAs) costs more than a check-in.
        "CONN_MAX_AGE": 600,
    }


DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Sessions in the database: signing out in one web process ends the session in all of them (a
# per-process cache kept it valid in the other worker).
SESSION_ENGINE = "django.contrib.sessions.backends.db"


def cache_from_env(env: dict) -> dict:
    """One cache shared by every web process (throttle counters, the indicator pack): Redis
    when MARKAZ_REDIS_URL is set, otherwise a table of the database (made by core's migration
    0005). Never a process's own memory."""
    url = env.get("MARKAZ_REDIS_URL")
    if url:
        return {
            "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
        }
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "markaz_cache",
            "OPTIONS": {"MAX_ENTRIES": 20000},
        }
    }


CACHES = cache_from_env(os.environ)
# The reverse proxies whose X-Forwarded-For is believed (addresses or networks, comma-separated);
# none by default: REMOTE_ADDR is the client. See markaz/core/throttle.py.
MARKAZ_TRUSTED_PROXIES = [
    p.strip() for p in os.environ.get("MARKAZ_TRUSTED_PROXIES", "").split(",") if p.strip()
]
AXES_CLIENT_IP_CALLABLE = "markaz.core.throttle.client_ip"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:home"

# Login throttling (django-axes): 5 failures for a username from one address lock it for 15 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True

# Staff sign-in (issue 13 §3). Two factors (an authenticator app, recovery codes) are offered to
# everyone; MARKAZ_REQUIRE_2FA makes them compulsory for every role that can see a person and
# for the provincial viewer (production turns it on). A signed-in session unused for
# MARKAZ_SESSION_IDLE_MINUTES is signed out.
MARKAZ_REQUIRE_2FA = os.environ.get("MARKAZ_REQUIRE_2FA", "0") == "1"
MARKAZ_SESSION_IDLE_MINUTES = float(os.environ.get("MARKAZ_SESSION_IDLE_MINUTES", "30"))
OTP_TOTP_ISSUER = "Markaz"
# django-otp's own back-off per device after a wrong code (1 s, 2 s, 4 s…), on top of
# markaz.core.twofactor's count per user and address.
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

# Headers (docs/adr/0007-staff-2fa-and-headers.md): no inline script anywhere (every script is a
# static file), nothing from another origin, no framing. Styles allow 'unsafe-inline': the
# SVG charts and progress bars carry computed style="width: …" attributes and PDF-like pages
# their own <style>; a style cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "media-src": ["'self'"],
        "worker-src": ["'self'"],
        "manifest-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("ar", _("Arabic"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "markaz_language"
TIME_ZONE = "Africa/Casablanca"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

TASKS = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"markaz": {"handlers": ["console"], "level": "INFO", "propagate": False}},
}

# Text messages to youth (markaz.core.sms): which backend sends them. The default appends them to
# var/sms-outbox.log; a provider's backend is set here (or through the environment) in production.
MARKAZ_SMS_BACKEND = os.environ.get("MARKAZ_SMS_BACKEND", "markaz.core.sms.FileBackend")
MARKAZ_SMS_FILE = VAR_DIR / "sms-outbox.log"
# A provider (markaz/core/sms/providers.py): Infobip, or a generic HTTP/JSON gateway.
MARKAZ_INFOBIP_BASE_URL = os.environ.get("MARKAZ_INFOBIP_BASE_URL", "")
MARKAZ_INFOBIP_API_KEY = os.environ.get("MARKAZ_INFOBIP_API_KEY", "")
MARKAZ_INFOBIP_BATCH = int(os.environ.get("MARKAZ_INFOBIP_BATCH", "100"))
MARKAZ_SMS_HTTP_URL = os.environ.get("MARKAZ_SMS_HTTP_URL", "")
MARKAZ_SMS_HTTP_HEADER = os.environ.get("MARKAZ_SMS_HTTP_HEADER", "")
MARKAZ_SMS_HTTP_TEMPLATE = os.environ.get("MARKAZ_SMS_HTTP_TEMPLATE", "")
MARKAZ_SMS_HTTP_ID_FIELD = os.environ.get("MARKAZ_SMS_HTTP_ID_FIELD", "id")
MARKAZ_SMS_SENDER = os.environ.get("MARKAZ_SMS_SENDER", "Markaz")
# Where the provider pushes delivery reports (with the secret), and the secret its webhooks
# (/sms/webhooks/reports/ and /sms/webhooks/inbound/) must present; empty: webhooks off.
MARKAZ_SMS_NOTIFY_URL = os.environ.get("MARKAZ_SMS_NOTIFY_URL", "")
MARKAZ_SMS_WEBHOOK_SECRET = os.environ.get("MARKAZ_SMS_WEBHOOK_SECRET", "")
# Retries: base × 2^(attempt − 1) seconds, at most MAX_SECONDS; failed after MAX_ATTEMPTS. A
# claimed message is held LEASE seconds (longer than one batch takes) before a next run may
# send it again.
MARKAZ_SMS_MAX_ATTEMPTS = int(os.environ.get("MARKAZ_SMS_MAX_ATTEMPTS", "8"))
MARKAZ_SMS_RETRY_BASE_SECONDS = float(os.environ.get("MARKAZ_SMS_RETRY_BASE_SECONDS", "60"))
MARKAZ_SMS_RETRY_MAX_SECONDS = float(os.environ.get("MARKAZ_SMS_RETRY_MAX_SECONDS", "21600"))
MARKAZ_SMS_LEASE_SECONDS = float(os.environ.get("MARKAZ_SMS_LEASE_SECONDS", "300"))
# This Markaz's public address, for the links in messages (offers: where to answer).
MARKAZ_PUBLIC_URL = os.environ.get("MARKAZ_PUBLIC_URL", "http://127.0.0.1:8000")
MARKAZ_OUTBOX_BATCH = int(os.environ.get("MARKAZ_OUTBOX_BATCH", "100"))

# E-mail (the outbox's second channel). Without a server, messages are written under var/mail.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "1") == "1"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "markaz@localhost")

# Imports larger than this many rows are committed by a background worker with a progress bar.
MARKAZ_IMPORT_BACKGROUND_ROWS = 500

# Law 09-08 retention periods (`python manage.py retention --dry-run | --apply`): people never
# enrolled, years after their last campaign closed; learners, years after their last follow-up;
# door presences and raw import files (with intake-conflict copies), days.
# The door: a badge's QR token and typed code stop this many days after the badge was issued (a
# new badge is printed for the next cohort); a paired entrance tablet stops when unused for
# MARKAZ_KIOSK_IDLE_DAYS or paired longer than MARKAZ_KIOSK_MAX_AGE_DAYS ago (pair it again).
MARKAZ_BADGE_MAX_AGE_DAYS = int(os.environ.get("MARKAZ_BADGE_MAX_AGE_DAYS", "365"))
MARKAZ_KIOSK_IDLE_DAYS = int(os.environ.get("MARKAZ_KIOSK_IDLE_DAYS", "60"))
MARKAZ_KIOSK_MAX_AGE_DAYS = int(os.environ.get("MARKAZ_KIOSK_MAX_AGE_DAYS", "365"))

# The public application is complete once the code sent by SMS to its phone is typed: an
# unconfirmed one is purged after MARKAZ_APPLY_CONFIRM_HOURS (expire_offers, hourly), and a
# code takes MARKAZ_APPLY_OTP_MAX_ATTEMPTS wrong tries.
MARKAZ_APPLY_CONFIRM_HOURS = int(os.environ.get("MARKAZ_APPLY_CONFIRM_HOURS", "24"))
MARKAZ_APPLY_OTP_MAX_ATTEMPTS = int(os.environ.get("MARKAZ_APPLY_OTP_MAX_ATTEMPTS", "3"))
# Codes for applications sent an hour per client address (a centre's own network, an intake
# day: many youth apply from one address; per phone and per CIN the limit stays 5 an hour).
MARKAZ_APPLY_SENDS_PER_ADDRESS = int(os.environ.get("MARKAZ_APPLY_SENDS_PER_ADDRESS", "200"))

MARKAZ_RETENTION = {
    "applicants_years": int(os.environ.get("MARKAZ_RETENTION_APPLICANTS_YEARS", "3")),
    "learners_years": int(os.environ.get("MARKAZ_RETENTION_LEARNERS_YEARS", "3")),
    "presences_days": int(os.environ.get("MARKAZ_RETENTION_PRESENCES_DAYS", "365")),
    "imports_days": int(os.environ.get("MARKAZ_RETENTION_IMPORTS_DAYS", "90")),
}

# Reports say "synthetic demonstration data" while the data are the demo's; production turns it
# off (a centre's real figures), or sets MARKAZ_SYNTHETIC_DATA=1 for a training server.
MARKAZ_SYNTHETIC_DATA = os.environ.get("MARKAZ_SYNTHETIC_DATA", "1") == "1"

# Background jobs: a running job beats every MARKAZ_JOB_HEARTBEAT_SECONDS; `reap_jobs` (run at
# each worker start and every minute by `make run`) fails one silent for MARKAZ_JOB_TIMEOUT_MINUTES.
MARKAZ_JOB_HEARTBEAT_SECONDS = float(os.environ.get("MARKAZ_JOB_HEARTBEAT_SECONDS", "30"))
MARKAZ_JOB_TIMEOUT_MINUTES = float(os.environ.get("MARKAZ_JOB_TIMEOUT_MINUTES", "10"))

# Backups (`manage.py backup` / `restore`): the passphrase they are encrypted with.
MARKAZ_BACKUP_KEY = os.environ.get("MARKAZ_BACKUP_KEY", "")
