"""`python manage.py restore FILE`: a backup of `backup` put back into an EMPTY install (a new
database, migrated or not), the building's occupancy recounted, every table's row count checked
against the backup. Stop Markaz (web and worker) while it runs, then run `migrate`."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from markaz.centre.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "Restore a backup written by `backup` into an empty install."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The backup file.")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, file, database, **options):
        connections.close_all()
        try:
            manifest = backup_restore(
                db=connections[database].settings_dict,
                media_root=Path(settings.MEDIA_ROOT),
                path=Path(file),
                key=settings.MARKAZ_BACKUP_KEY,
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(manifest["tables"].values())
        self.stdout.write(
            f"{file} ({manifest['created_at']}): {len(manifest['tables'])} tables, {rows} rows"
        )
