from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LearningConfig(AppConfig):
    name = "markaz.learning"
    verbose_name = _("Attendance, completion and certificates")

    def ready(self):
        # Need to know: the registry asks this app whom a trainer may open.
        from markaz.core.roles import Role
        from markaz.registry.selectors import register_person_panel, register_person_scope

        from .selectors import trainer_person_ids, trainer_person_panels

        register_person_scope(Role.TRAINER, trainer_person_ids)
        register_person_panel(Role.TRAINER, trainer_person_panels)

        from .programme_section import register

        register()

        from markaz.registry.selectors import register_person_records
        from markaz.registry.services import register_person_eraser

        from .rights import person_erase_names, person_records

        register_person_records(person_records)
        register_person_eraser(person_erase_names)
        # A session whose attendance was taken may not be cancelled (centre.timetabling).
        from markaz.centre.timetabling import register_session_cancel_refusal

        from .selectors import session_cancel_refusal

        register_session_cancel_refusal(session_cancel_refusal)
