"""python manage.py retention --dry-run | --apply: law 09-08 retention periods
(settings.MARKAZ_RETENTION). --dry-run lists what would go, per rule; --apply anonymises people
and deletes old presences, import files and intake copies in one transaction, and logs it."""

import json

from django.core.management.base import BaseCommand, CommandError

from markaz.reporting.retention import retention_apply, retention_config, retention_plan


class Command(BaseCommand):
    help = "Apply the retention periods of law 09-08 (dry run by default)."

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--dry-run", action="store_true", help="List what would go (default).")
        group.add_argument("--apply", action="store_true", help="Anonymise and delete it.")

    def handle(self, *args, dry_run=False, apply=False, **options):
        if apply and dry_run:
            raise CommandError("Choose --dry-run or --apply.")
        plan = retention_apply() if apply else retention_plan()
        self.stdout.write(
            json.dumps(
                {"applied": bool(apply), "rules": retention_config(), "counts": plan.counts()}
            )
        )
