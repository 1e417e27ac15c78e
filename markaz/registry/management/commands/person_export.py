"""python manage.py person_export --person ID --out FILE [--language ar]: a person's whole file
(law 09-08, right of access) as a ZIP with a PDF and JSON."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from markaz.registry.models import Person
from markaz.registry.person_file import person_file_zip


class Command(BaseCommand):
    help = "Write a person's whole file (PDF and JSON in a ZIP) under law 09-08."

    def add_arguments(self, parser):
        parser.add_argument("--person", type=int, required=True)
        parser.add_argument("--out", required=True)
        parser.add_argument("--language", choices=["fr", "ar"], default="fr")

    def handle(self, *args, person, out, language, **options):
        found = Person.objects.select_related("centre").filter(pk=person).first()
        if found is None:
            raise CommandError(f"No person with id {person}.")
        content = person_file_zip(person=found, actor=None, lang=language)
        Path(out).write_bytes(content)
        self.stdout.write(f"{out}: {len(content)} bytes")
