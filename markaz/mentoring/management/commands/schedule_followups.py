import datetime as dt

from django.core.management.base import BaseCommand

from markaz.mentoring.services import followups_schedule_ended


class Command(BaseCommand):
    help = (
        "Schedule the outcome follow-ups (exit, +3, +6, +12 months) of every enrolment of every "
        "ended cohort. Running it again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--today", type=dt.date.fromisoformat, default=None)

    def handle(self, *args, today=None, **options):
        result = followups_schedule_ended(today=today)
        self.stdout.write(
            f"Follow-ups scheduled: {result['created']} new, for {result['cohorts']} ended cohorts."
        )
