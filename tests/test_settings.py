import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_production_settings_pass_the_deployment_check():
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "a-long-random-secret-for-the-check-" + "x" * 40,
        "DJANGO_ALLOWED_HOSTS": "markaz.example.org",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret():
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0 and "DJANGO_SECRET_KEY" in result.stderr


def test_the_demo_loader_refuses_production_settings(tmp_path):
    db = tmp_path / "production.sqlite3"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "a-long-random-secret-for-the-check-" + "x" * 40,
        "DJANGO_ALLOWED_HOSTS": "markaz.example.org",
        "MARKAZ_SQLITE_PATH": str(db),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "load_demo"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "never loaded with production settings" in result.stderr
    # Nothing was written: the database was not even created.
    assert not db.exists() or db.stat().st_size == 0


def test_each_local_install_makes_its_own_secret_key(tmp_path):
    """The local settings' key is not a public default: made on first run, kept, private."""
    from config.settings.local import install_secret_key

    path = tmp_path / "var" / "secret_key"
    first = install_secret_key(path)
    assert len(first) >= 50 and "not-secret" not in first
    assert install_secret_key(path) == first  # kept across restarts
    assert path.stat().st_mode & 0o077 == 0  # readable by its owner only
    assert install_secret_key(tmp_path / "other" / "secret_key") != first  # one per install
    assert list(path.parent.iterdir()) == [path]  # no draft left behind


def test_local_settings_never_use_a_committed_secret(tmp_path):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "MARKAZ_SECRET_KEY_FILE": str(tmp_path / "secret_key"),
        "MARKAZ_SQLITE_PATH": str(tmp_path / "db.sqlite3"),
    }
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    key = result.stdout.strip()
    assert key == (tmp_path / "secret_key").read_text().strip()
    for committed in ROOT.glob("config/settings/*.py"):
        assert key not in committed.read_text()


def _setting_values(module: str, names: list[str], tmp_path) -> list[str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": module,
        "DJANGO_SECRET_KEY": "a-long-random-secret-for-the-check-" + "x" * 40,
        "DJANGO_ALLOWED_HOSTS": "markaz.example.org",
        "MARKAZ_SECRET_KEY_FILE": str(tmp_path / "secret_key"),
        "MARKAZ_SQLITE_PATH": str(tmp_path / "db.sqlite3"),
    }
    code = "from django.conf import settings; " + "; ".join(
        f"print(repr(settings.{name}))" for name in names
    )
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split("\n")


def test_production_requires_two_factors_and_the_demo_only_offers_them(tmp_path):
    names = ["MARKAZ_REQUIRE_2FA", "MARKAZ_SESSION_IDLE_MINUTES", "MIDDLEWARE"]
    production = _setting_values("config.settings.production", names, tmp_path)
    assert production[0] == "True" and production[1] == "30.0"
    for middleware in (
        "csp.middleware.CSPMiddleware",
        "django_otp.middleware.OTPMiddleware",
        "markaz.core.security.SessionIdleMiddleware",
        "markaz.core.twofactor.TwoFactorMiddleware",
        "markaz.core.security.ResponseHeadersMiddleware",
    ):
        assert middleware in production[2]
    local = _setting_values("config.settings.local", names[:1], tmp_path)
    assert local[0] == "False"
