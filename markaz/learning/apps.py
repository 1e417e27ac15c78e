from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LearningConfig(AppConfig):
    name = "markaz.learning"
    verbose_name = _("Attendance, completion and certificates")

    def ready(self) -> None:
        from .programme_section import register

        register()
