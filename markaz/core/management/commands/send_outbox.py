from django.core.management.base import BaseCommand

from markaz.core.outbox import outbox_deliver, outbox_reports_pull
from markaz.core.sms import get_backend


class Command(BaseCommand):
    help = (
        "Deliver the queued messages (SMS through MARKAZ_SMS_BACKEND, e-mail through Django's "
        "mail backend) and record each one's status. Safe to run from cron every minute, in "
        "several processes at once, or again after being killed: a message is never sent twice "
        "and never lost; a failed one is retried with backoff."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=None, help="Send at most this many.")
        parser.add_argument(
            "--backend", default=None, help="Dotted path of an SMS backend (default: settings)."
        )
        parser.add_argument("--batch-size", type=int, default=None)
        parser.add_argument(
            "--lease-seconds",
            type=float,
            default=None,
            help="How long a claimed message is held before another run may send it again.",
        )
        parser.add_argument("--workers", type=int, default=1)
        parser.add_argument(
            "--reports",
            action="store_true",
            help="Also pull the provider's delivery reports (when it offers them).",
        )

    def handle(self, *args, limit=None, backend=None, **options):
        sms_backend = get_backend(backend)
        result = outbox_deliver(
            backend=sms_backend,
            limit=limit,
            batch_size=options["batch_size"],
            lease_seconds=options["lease_seconds"],
            workers=options["workers"],
        )
        self.stdout.write(
            f"SMS sent: {result.sent}, failed: {result.failed}. "
            f"To retry later: {result.retried}; stopped (STOP): {result.stopped}."
        )
        for pk, error in result.errors.items():
            self.stderr.write(f"  outbox message {pk}: {error}")
        if options["reports"]:
            self.stdout.write(
                f"Delivery reports recorded: {outbox_reports_pull(backend=sms_backend)}."
            )
