"""Fail the background jobs whose worker died (killed, out of memory, machine restarted), with
the import batch, allocation run or tour they were working on, so the work can be started
again. Run at every worker start (`make run`) and every few minutes from cron in production."""

from django.core.management.base import BaseCommand

from markaz.core.services import job_reap


class Command(BaseCommand):
    help = "Mark failed the running jobs with no sign of life for MARKAZ_JOB_TIMEOUT_MINUTES."

    def add_arguments(self, parser):
        parser.add_argument(
            "--minutes",
            type=float,
            default=None,
            help="Silence after which a running job is failed (default: the setting).",
        )

    def handle(self, *args, minutes=None, **options):
        ids = job_reap(timeout_minutes=minutes)
        if (ids and options["verbosity"] > 0) or options["verbosity"] > 1:
            self.stdout.write(f"{len(ids)} job(s) failed: " + ", ".join(str(i) for i in ids))
