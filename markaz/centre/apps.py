from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CentreConfig(AppConfig):
    name = "markaz.centre"
    verbose_name = _("Centres and rooms")

    def ready(self):
        # Law 09-08: the registry asks this app what it holds about a person.
        from markaz.registry.selectors import register_person_records
        from markaz.registry.services import register_person_eraser

        from .rights import person_records
        from .services import badges_revoke_for_person

        register_person_records(person_records)
        # The front page names the centre; the staff dashboard lists its rooms.
        from markaz.core.dashboard import register_dashboard_context, register_home_context

        from .selectors import dashboard_rooms, home_centre

        register_home_context(home_centre)
        register_dashboard_context(dashboard_rooms)

        # An erased person's badges stop at once (the door also refuses an anonymised holder).
        register_person_eraser(badges_revoke_for_person)
