"""What the front page and the staff dashboard show, contributed by the apps above core.

Core owns the two pages but sits below the apps whose figures they show, so those apps register
what they add when Django starts (AppConfig.ready), as Django's admin does with its models:
`register_home_context(fn)` with `fn(request)` and `register_dashboard_context(fn)` with
`fn(request, centre)` (centre: the user's, or None), each returning a dict merged into the page's
context.
"""

from collections.abc import Callable

_HOME: list[Callable] = []
_DASHBOARD: list[Callable] = []


def register_home_context(fn: Callable) -> None:
    if fn not in _HOME:
        _HOME.append(fn)


def register_dashboard_context(fn: Callable) -> None:
    if fn not in _DASHBOARD:
        _DASHBOARD.append(fn)


def home_context(request) -> dict:
    context = {}
    for fn in _HOME:
        context.update(fn(request))
    return context


def dashboard_context(request, centre) -> dict:
    context = {}
    for fn in _DASHBOARD:
        context.update(fn(request, centre))
    return context
