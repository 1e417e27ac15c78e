from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CentreConfig(AppConfig):
    name = "markaz.centre"
    verbose_name = _("Centres and rooms")
