"""The indicators' units as people read them (the reports and the year plan's targets share them)."""

from django.utils.translation import gettext_lazy

UNIT_LABELS = {
    "people": gettext_lazy("people"),
    "percent": "%",
    "MAD": gettext_lazy("MAD"),
    "hours": gettext_lazy("hours"),
    "jobs": gettext_lazy("jobs"),
    "businesses": gettext_lazy("businesses"),
    "pupils": gettext_lazy("pupils"),
    "schools": gettext_lazy("schools"),
    "communes": gettext_lazy("communes"),
}
