from django.core.management.base import BaseCommand

from markaz.programmes.services import offers_expire, pending_applications_purge


class Command(BaseCommand):
    help = (
        "Expire unanswered offers past their deadline and pass each seat to the next in line; "
        "purge public applications never confirmed by their SMS code (run from cron)."
    )

    def handle(self, *args, **options):
        n = offers_expire()
        self.stdout.write(f"{n} offer(s) expired.")
        purged = pending_applications_purge()
        self.stdout.write(f"{purged} unconfirmed application(s) purged.")
