from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CentreConfig(AppConfig):
    name = "markaz.centre"
    verbose_name = _("Centres and rooms")

    def ready(self):
        # Law 09-08: the registry asks this app what it holds about a person.
        from markaz.registry.selectors import register_person_records

        from .rights import person_records

        register_person_records(person_records)
        # The front page names the centre; the staff dashboard lists its rooms.
        from markaz.core.dashboard import register_dashboard_context, register_home_context

        from .selectors import dashboard_rooms, home_centre

        register_home_context(home_centre)
        register_dashboard_context(dashboard_rooms)
