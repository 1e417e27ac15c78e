from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MentoringConfig(AppConfig):
    name = "markaz.mentoring"
    verbose_name = _("Mentoring and outcomes")

    def ready(self):
        # Need to know: the registry asks this app whom a mentor may open.
        from markaz.core.roles import Role
        from markaz.registry.selectors import register_person_scope

        from .selectors import mentor_person_ids

        register_person_scope(Role.MENTOR, mentor_person_ids)

        # Law 09-08: what this app holds about a person, and what erasure blanks here.
        from markaz.registry.selectors import register_person_records
        from markaz.registry.services import register_person_eraser

        from .rights import person_erase_text, person_records

        register_person_records(person_records)
        register_person_eraser(person_erase_text)
