from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "markaz.registry"
    verbose_name = _("Youth registry")

    def ready(self):
        # The staff dashboard shows the registry's counts of the user's centre.
        from markaz.core.dashboard import register_dashboard_context

        from .selectors import dashboard_counts

        register_dashboard_context(dashboard_counts)
