from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CaravanConfig(AppConfig):
    name = "markaz.caravan"
    verbose_name = _("Code pour tous caravan and children's space")
