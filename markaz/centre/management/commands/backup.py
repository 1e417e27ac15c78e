"""`python manage.py backup FILE`: the database and uploaded files, consistent and encrypted
with MARKAZ_BACKUP_KEY, taken while Markaz serves (see markaz/centre/backup.py)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from markaz.centre.backup import BackupError, backup_write


class Command(BaseCommand):
    help = "Write an encrypted backup of the database and uploaded files to FILE."

    def add_arguments(self, parser):
        parser.add_argument(
            "file", help="Where to write the backup (replaced whole or not at all)."
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, file, database, **options):
        try:
            manifest = backup_write(
                db=connections[database].settings_dict,
                media_root=Path(settings.MEDIA_ROOT),
                out=Path(file),
                key=settings.MARKAZ_BACKUP_KEY,
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(manifest["tables"].values())
        self.stdout.write(f"{file}: {len(manifest['tables'])} tables, {rows} rows")
