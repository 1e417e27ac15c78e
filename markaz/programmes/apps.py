from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgrammesConfig(AppConfig):
    name = "markaz.programmes"
    verbose_name = _("Programmes and allocation")

    def ready(self):
        # Law 09-08: the registry asks this app what it holds about a person.
        from markaz.registry.selectors import register_person_records

        from .rights import person_records

        register_person_records(person_records)
