from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "markaz.jobs"
    verbose_name = _("Jobs and businesses")

    def ready(self):
        # Law 09-08: what this app holds about a person, and what erasure blanks here.
        from markaz.registry.selectors import register_person_records
        from markaz.registry.services import register_person_eraser

        from .rights import person_erase_text, person_records

        register_person_records(person_records)
        register_person_eraser(person_erase_text)
