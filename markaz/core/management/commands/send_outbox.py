from django.core.management.base import BaseCommand

from markaz.core.sms import get_backend, outbox_deliver


class Command(BaseCommand):
    help = (
        "Send the queued text messages (outbox messages with a phone number, not sent yet) "
        "through the MARKAZ_SMS_BACKEND and mark them sent. Running it again sends nothing twice; "
        "a failed message stays queued for the next run."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=None, help="Send at most this many.")
        parser.add_argument(
            "--backend", default=None, help="Dotted path of an SMS backend (default: settings)."
        )

    def handle(self, *args, limit=None, backend=None, **options):
        result = outbox_deliver(backend=get_backend(backend), limit=limit)
        self.stdout.write(f"SMS sent: {result.sent}, failed: {result.failed}.")
        for pk, error in result.errors.items():
            self.stderr.write(f"  outbox message {pk}: {error}")
