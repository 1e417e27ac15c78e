from django.core.management.base import BaseCommand

from markaz.programmes.services import REMINDER_DAYS_BEFORE_DEADLINE, offer_reminders_queue


class Command(BaseCommand):
    help = (
        "Queue a reminder (SMS, and e-mail where known, in the applicant's language) for every "
        "open offer whose deadline is within two days; `send_outbox` then sends them. Run it "
        "from cron (hourly or daily): running it again queues nothing twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=REMINDER_DAYS_BEFORE_DEADLINE)

    def handle(self, *args, days=REMINDER_DAYS_BEFORE_DEADLINE, **options):
        n = offer_reminders_queue(days=days)
        self.stdout.write(f"Offer reminders queued: {n}.")
