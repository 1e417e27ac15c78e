from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from markaz.demo.load import DEMO_PASSWORD, DEMO_USERS, demo_load


class Command(BaseCommand):
    help = "Load the Berkane demo (synthetic people). Running it twice changes nothing."

    def handle(self, *args, **options):
        if not getattr(settings, "MARKAZ_DEMO_ALLOWED", True):
            # A production database holds real people: synthetic ones must never join them.
            raise CommandError(
                "The Berkane demo (synthetic people) is never loaded with production settings."
            )
        result = demo_load()
        self.stdout.write(
            self.style.SUCCESS(
                f"Berkane demo ready: {result['applicants_created']} applicants added "
                "(all people in the demo are synthetic)."
            )
        )
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, role, *_ in DEMO_USERS:
            self.stdout.write(f"  {username:<12} {role.label}")
        code = result["kiosk_pairing_code"]
        self.stdout.write(
            "Entrance tablet (kiosk): open "
            f"http://127.0.0.1:8000/kiosk/pair/?code={code} on the tablet and press Pair "
            "(one use, valid 30 days; a new code at each load_demo). The coordinator pairs and "
            "revokes tablets at /kiosk/devices/."
        )
