from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CaravanConfig(AppConfig):
    name = "markaz.caravan"
    verbose_name = _("Code pour tous caravan and children's space")

    def ready(self):
        # The building's load counts the children's-space bookings (centre.occupancy).
        from markaz.centre.occupancy import register_building_use

        from .children import children_booking_items

        register_building_use("children", children_booking_items)
        # The centre's week view shows them in the children's space.
        from markaz.centre.occupancy import register_week_entries

        from .children import week_bookings

        register_week_entries("bookings", "children", week_bookings)
