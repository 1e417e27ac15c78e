"""The door's two small pieces of markup, built in Python: the kiosk answers a queue of scans
with them, and a template render cost as much as the check-in itself. Templates use the same
functions through the `door` template tags, so the markup lives here only."""

from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

KIND_CLASS = {"entry": "alert-success", "exit": "alert-info", "repeat": "alert-secondary"}


def occupancy_badge(occupancy: int, maximum: int) -> str:
    if occupancy >= maximum:
        tone = "text-bg-danger"
    elif occupancy >= maximum - 10:
        tone = "text-bg-warning"
    else:
        tone = "text-bg-success"
    text = escape(_("%(n)s / %(max)s inside") % {"n": int(occupancy), "max": int(maximum)})
    # Plain formatting, every piece either one of the constants above or escaped: the door
    # answers a queue of scans, and format_html's generic escaping showed in its profile.
    return mark_safe(f'<span class="badge fs-5 {tone}" id="occupancy-count">{text}</span>')


def _alert(css: str, kind: str, message: str) -> str:
    return (
        f'<div class="alert fs-4 {css}" role="alert" data-kind="{escape(kind)}">\n'
        f'  <div dir="auto">{escape(message)}</div>\n</div>\n'
    )


def scan_result(kind: str, message: str, occupancy: int, maximum: int) -> str:
    return mark_safe(
        _alert(KIND_CLASS.get(kind, "alert-danger"), kind, message)
        + f'<div hx-swap-oob="innerHTML:#occupancy">{occupancy_badge(occupancy, maximum)}</div>'
    )


def kiosk_expired(message: str) -> str:
    return mark_safe(_alert("alert-warning", "kiosk-expired", message))
