from django.core.management.base import BaseCommand

from markaz.programmes.services import offers_expire


class Command(BaseCommand):
    help = "Expire unanswered offers past their deadline and pass each seat to the next in line (run from cron)."

    def handle(self, *args, **options):
        n = offers_expire()
        self.stdout.write(f"{n} offer(s) expired.")
