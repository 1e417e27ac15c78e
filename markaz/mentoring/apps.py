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
        # The building's load counts the mentoring sessions (centre.occupancy).
        from markaz.centre.occupancy import register_building_use

        from .selectors import mentoring_items

        register_building_use("mentoring", mentoring_items)
        # A class session may not move into a room booked for mentoring; the week view shows
        # the mentoring sessions.
        from markaz.centre.occupancy import register_room_use, register_week_entries

        from .selectors import mentoring_room_taken, week_sessions

        register_room_use(mentoring_room_taken)
        register_week_entries("mentoring", "mentoring", week_sessions)
        # Learning's absence alerts reach a person's own mentors; deciding a cohort's
        # completions schedules its outcome follow-ups.
        from markaz.learning.services import (
            register_completions_decided,
            register_person_mentors,
        )

        from .selectors import person_mentor_ids
        from .services import followups_schedule_cohort

        register_person_mentors(person_mentor_ids)
        register_completions_decided(followups_schedule_cohort)
