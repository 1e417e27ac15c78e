import datetime as dt

from django.core.management.base import BaseCommand

from markaz.mentoring.services import (
    REMINDER_DAYS,
    followup_reminders_queue,
    followups_overdue_alert,
)


class Command(BaseCommand):
    help = (
        "Queue an SMS reminder (in the youth's language) for each follow-up due in the next days "
        "that was not reminded yet; `send_outbox` then sends them. Running it again queues nothing "
        "twice. Also alerts each mentor (or the coordinators) of the calls that are overdue, once a "
        "day."
    )

    def add_arguments(self, parser):
        parser.add_argument("--today", type=dt.date.fromisoformat, default=None)
        parser.add_argument("--days", type=int, default=REMINDER_DAYS)

    def handle(self, *args, today=None, days=REMINDER_DAYS, **options):
        n = followup_reminders_queue(today=today, days=days)
        self.stdout.write(f"Follow-up reminders queued: {n}.")
        alerts = followups_overdue_alert(today=today)
        self.stdout.write(f"Overdue follow-up alerts to staff queued: {alerts}.")
