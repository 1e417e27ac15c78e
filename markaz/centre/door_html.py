"""The door's two small pieces of markup, built in Python: the kiosk answers a queue of scans
with them, and a template render cost as much as the check-in itself. Templates use the same
functions through the `door` template tags, so the markup lives here only."""

from django.utils.html import format_html
from django.utils.translation import gettext as _

KIND_CLASS = {"entry": "alert-success", "exit": "alert-info", "repeat": "alert-secondary"}


def occupancy_badge(occupancy: int, maximum: int) -> str:
    if occupancy >= maximum:
        tone = "text-bg-danger"
    elif occupancy >= maximum - 10:
        tone = "text-bg-warning"
    else:
        tone = "text-bg-success"
    text = _("%(n)s / %(max)s inside") % {"n": occupancy, "max": maximum}
    return format_html('<span class="badge fs-5 {}" id="occupancy-count">{}</span>', tone, text)


def scan_result(kind: str, message: str, occupancy: int, maximum: int) -> str:
    return format_html(
        '<div class="alert fs-4 {}" role="alert" data-kind="{}">\n  <div dir="auto">{}</div>\n</div>\n'
        '<div hx-swap-oob="innerHTML:#occupancy">{}</div>',
        KIND_CLASS.get(kind, "alert-danger"),
        kind,
        message,
        occupancy_badge(occupancy, maximum),
    )
