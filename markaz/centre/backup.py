"""Backups that restore (issue 13 §4): the whole install's database and uploaded files in one
encrypted file, taken while Markaz serves, and restored into an empty install.

- SQLite: the online backup API (`sqlite3.Connection.backup`), one step, so the copy is one
  consistent state of the database even while the door writes check-ins.
- PostgreSQL: `pg_dump` in its custom format, under a snapshot exported by the transaction that
  also counts every table's rows, so the counts kept in the backup are those of the dump.
- The files under MEDIA_ROOT, if any.

The archive (a tar of manifest.json, the database and media/) is encrypted with GnuPG's
symmetric encryption (AES-256, integrity-protected) under the passphrase in MARKAZ_BACKUP_KEY:
no cryptography library is installed in Markaz's environment and a cipher is not something to
write ourselves. A wrong key or an altered file is refused before anything is written.

Restore refuses a database that holds data, puts the database back (with the occupancy triggers
of db_triggers.py, which travel with the schema), recounts each centre's occupancy from its
open presences, and checks every table's row count against the backup's manifest.
"""

import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

from django.utils.translation import gettext as _

from markaz.centre import db_triggers

FORMAT = 1
DATABASE_MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
# Tables an install fills by itself (migrate and its reference data, sessions, the shared
# cache): a database with rows only there is still empty for a restore, which replaces them.
FRAMEWORK_TABLES = {
    "django_migrations",
    "django_content_type",
    "auth_permission",
    "django_session",
    "markaz_cache",
    "sqlite_sequence",
    "territory_province",  # territory/0002_berkane_communes
    "territory_commune",
}


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, for the person running it."""


# --- Database access ---------------------------------------------------------------------------


def vendor_of(db: dict) -> str:
    engine = db["ENGINE"]
    if engine.endswith("sqlite3"):
        return "sqlite"
    if "postgresql" in engine:
        return "postgresql"
    raise BackupError(_("Backups support SQLite and PostgreSQL only."))


def _pg_env(db: dict) -> dict:
    env = dict(os.environ)
    for var, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER")):
        if db.get(key):
            env[var] = str(db[key])
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    env["PGDATABASE"] = str(db["NAME"])
    return env


def _pg_connect(db: dict):
    import psycopg

    return psycopg.connect(
        dbname=db["NAME"],
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
    )


def _tables(cursor, vendor: str) -> list[str]:
    if vendor == "sqlite":
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    else:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    return sorted(row[0] for row in cursor.fetchall())


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _counts(cursor, vendor: str) -> dict[str, int]:
    counts = {}
    for table in _tables(cursor, vendor):
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")  # noqa: S608 - catalogue names
        counts[table] = cursor.fetchone()[0]
    return counts


def table_counts(db: dict) -> dict[str, int]:
    """Every table's row count (the restore's check, and the tests')."""
    vendor = vendor_of(db)
    if vendor == "sqlite":
        conn = sqlite3.connect(str(db["NAME"]))
        try:
            return _counts(conn.cursor(), vendor)
        finally:
            conn.close()
    with _pg_connect(db) as conn, conn.cursor() as cursor:
        return _counts(cursor, vendor)


def database_holds_data(db: dict) -> list[str]:
    """The tables (besides those an install fills by itself) that hold rows."""
    if vendor_of(db) == "sqlite" and (
        not Path(db["NAME"]).exists() or Path(db["NAME"]).stat().st_size == 0
    ):
        return []
    return sorted(t for t, n in table_counts(db).items() if n and t not in FRAMEWORK_TABLES)


# --- Encryption (GnuPG, symmetric) -------------------------------------------------------------


def _gpg(args: list[str], key: str) -> subprocess.CompletedProcess:
    if not shutil.which("gpg"):
        raise BackupError(_("GnuPG (gpg) is needed to encrypt backups; install it."))
    home = tempfile.mkdtemp(prefix="markaz-gpg-")
    read, write = os.pipe()
    try:
        os.write(write, key.encode())
        os.close(write)
        return subprocess.run(  # noqa: S603 - fixed program, our arguments
            [
                "gpg",
                "--homedir",
                home,
                "--batch",
                "--yes",
                "--quiet",
                "--no-symkey-cache",
                "--pinentry-mode",
                "loopback",
                "--passphrase-fd",
                str(read),
                *args,
            ],
            pass_fds=(read,),
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        os.close(read)
        shutil.rmtree(home, ignore_errors=True)


def _encrypt(plain: Path, out: Path, key: str) -> None:
    done = _gpg(
        [
            "--symmetric",
            "--cipher-algo",
            "AES256",
            "--s2k-digest-algo",
            "SHA512",
            "--s2k-mode",
            "3",
            "--s2k-count",
            "65011712",
            "--force-mdc",
            "--compress-algo",
            "zlib",
            "--output",
            str(out),
            str(plain),
        ],
        key,
    )
    if done.returncode != 0:
        raise BackupError(
            _("The backup could not be encrypted: %(error)s") % {"error": done.stderr}
        )


def _decrypt(encrypted: Path, out: Path, key: str) -> None:
    done = _gpg(["--decrypt", "--output", str(out), str(encrypted)], key)
    if done.returncode != 0:
        out.unlink(missing_ok=True)  # gpg may have written some of it before failing its check
        if "Bad session key" in done.stderr:
            raise BackupError(
                _("This backup cannot be opened with this key: check MARKAZ_BACKUP_KEY.")
            )
        raise BackupError(
            _("This backup is damaged or was altered: it cannot be trusted and is not restored.")
        )


def _key(key: str | None) -> str:
    if not key:
        raise BackupError(_("Set MARKAZ_BACKUP_KEY: backups are encrypted with it."))
    if len(key) < 16:
        raise BackupError(_("MARKAZ_BACKUP_KEY is too short: use at least 16 characters."))
    return key


# --- Backup ------------------------------------------------------------------------------------


def _dump_sqlite(db: dict, out: Path) -> dict[str, int]:
    source = sqlite3.connect(str(db["NAME"]), timeout=30)
    target = sqlite3.connect(str(out))
    try:
        source.backup(target)  # one step: one consistent state, writers wait or go on (WAL)
        return _counts(target.cursor(), "sqlite")
    finally:
        target.close()
        source.close()


def _dump_postgresql(db: dict, out: Path) -> dict[str, int]:
    with _pg_connect(db) as conn:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        with conn.cursor() as cursor:
            counts = _counts(cursor, "postgresql")
        done = subprocess.run(  # noqa: S603 - fixed program, our arguments
            ["pg_dump", "--format=custom", f"--snapshot={snapshot}", "--file", str(out)],
            env=_pg_env(db),
            capture_output=True,
            text=True,
            check=False,
        )
        conn.rollback()
    if done.returncode != 0:
        raise BackupError(_("pg_dump failed: %(error)s") % {"error": done.stderr.strip()})
    return counts


def backup_write(*, db: dict, media_root: Path | None, out: Path, key: str | None) -> dict:
    """Write the encrypted backup to `out` (whole or not at all). Returns its manifest."""
    key = _key(key)
    vendor = vendor_of(db)
    out = Path(out)
    with tempfile.TemporaryDirectory(prefix="markaz-backup-") as tmp:
        tmp = Path(tmp)
        database = tmp / DATABASE_MEMBERS[vendor]
        counts = (_dump_sqlite if vendor == "sqlite" else _dump_postgresql)(db, database)
        manifest = {
            "format": FORMAT,
            "vendor": vendor,
            "created_at": dt.datetime.now(dt.UTC).isoformat(),
            "tables": counts,
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1))
        archive = tmp / "backup.tar"
        with tarfile.open(archive, "w") as tar:
            tar.add(tmp / "manifest.json", arcname="manifest.json")
            tar.add(database, arcname=database.name)
            if media_root and Path(media_root).is_dir():
                tar.add(media_root, arcname="media")
        partial = out.with_name(out.name + ".partial")
        try:
            _encrypt(archive, partial, key)
            os.chmod(partial, 0o600)
            partial.replace(out)
        finally:
            partial.unlink(missing_ok=True)
    return manifest


# --- Restore -----------------------------------------------------------------------------------


def _recount_sqlite(path: Path) -> None:
    conn = sqlite3.connect(str(path))
    try:
        with conn:
            conn.execute(db_triggers.RECOUNT)
    finally:
        conn.close()


def _restore_sqlite(db: dict, dump: Path) -> None:
    Path(db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(str(dump))
    target = sqlite3.connect(str(db["NAME"]), timeout=30)
    try:
        source.backup(target)  # replaces the target's pages: schema, triggers and rows
    finally:
        target.close()
        source.close()
    _recount_sqlite(Path(db["NAME"]))


def _restore_postgresql(db: dict, dump: Path) -> None:
    done = subprocess.run(  # noqa: S603 - fixed program, our arguments
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            "--dbname",
            str(db["NAME"]),
            str(dump),
        ],
        env=_pg_env(db),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise BackupError(_("pg_restore failed: %(error)s") % {"error": done.stderr.strip()})
    with _pg_connect(db) as conn:
        conn.execute(db_triggers.RECOUNT)


def _extract(archive: Path, into: Path) -> dict:
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    try:
        manifest = json.loads((into / "manifest.json").read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(_("This file is not a Markaz backup.")) from exc
    if manifest.get("format") != FORMAT or manifest.get("vendor") not in DATABASE_MEMBERS:
        raise BackupError(_("This file is not a Markaz backup."))
    return manifest


def backup_restore(*, db: dict, media_root: Path | None, path: Path, key: str | None) -> dict:
    """Restore the backup at `path` into the empty install described by `db` and `media_root`.
    Nothing is written unless the key opens an unaltered backup and the install is empty."""
    key = _key(key)
    vendor = vendor_of(db)
    path = Path(path)
    if not path.is_file():
        raise BackupError(_("No backup at %(path)s.") % {"path": path})
    holding = database_holds_data(db)
    if holding:
        raise BackupError(
            _(
                "The database already holds data (%(tables)s): a backup is restored only into "
                "an empty install. Create a new empty database and run the restore again."
            )
            % {"tables": ", ".join(holding[:5]) + ("…" if len(holding) > 5 else "")}
        )
    if media_root and Path(media_root).is_dir() and any(Path(media_root).iterdir()):
        raise BackupError(
            _("The uploaded-files folder %(path)s is not empty: restore into an empty install.")
            % {"path": media_root}
        )
    with tempfile.TemporaryDirectory(prefix="markaz-restore-") as tmp:
        tmp = Path(tmp)
        archive = tmp / "backup.tar"
        _decrypt(path, archive, key)
        unpacked = tmp / "unpacked"
        unpacked.mkdir()
        manifest = _extract(archive, unpacked)
        if manifest["vendor"] != vendor:
            raise BackupError(
                _("This backup is of a %(theirs)s database; this install uses %(ours)s.")
                % {"theirs": manifest["vendor"], "ours": vendor}
            )
        dump = unpacked / DATABASE_MEMBERS[vendor]
        (_restore_sqlite if vendor == "sqlite" else _restore_postgresql)(db, dump)
        if media_root and (unpacked / "media").is_dir():
            shutil.copytree(unpacked / "media", media_root, dirs_exist_ok=True)
    restored = table_counts(db)
    expected = manifest["tables"]
    wrong = sorted(t for t in expected if restored.get(t) != expected[t])
    if wrong:
        raise BackupError(
            _("The restored database differs from the backup in: %(tables)s")
            % {"tables": ", ".join(wrong)}
        )
    return manifest
