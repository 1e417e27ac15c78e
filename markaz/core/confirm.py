"""Irreversible actions ask first, with what will happen in numbers.

Every such action has one URL: GET shows the confirmation page (the consequences computed on
the server, e.g. "30 offers will be sent by SMS"); POST with `confirm=yes` performs it; a POST
without it is refused with HTTP 400, shows the same page and writes nothing. One template,
`templates/core/confirm.html`, serves them all.
"""

from django.shortcuts import render

CONFIRM_FIELD = "confirm"
CONFIRM_VALUE = "yes"


def confirmed(request) -> bool:
    """True for a POST that carries the confirmation field."""
    return request.method == "POST" and request.POST.get(CONFIRM_FIELD) == CONFIRM_VALUE


def confirm_page(
    request,
    *,
    title: str,
    consequences: list[str],
    action: str,
    button: str,
    back: str,
    fields: dict | None = None,
    danger: bool = True,
    refusal: str | None = None,
):
    """The confirmation page: 200 on GET; 400 on a POST that was not confirmed (nothing done).

    `fields` are carried as hidden inputs to the POST (the day to cancel, the reason...);
    `refusal`, when given, says why the action cannot be done and offers no button."""
    unconfirmed_post = request.method == "POST" and not confirmed(request)
    return render(
        request,
        "core/confirm.html",
        {
            "title": title,
            "consequences": consequences,
            "action": action,
            "button": button,
            "back": back,
            "fields": sorted((fields or {}).items()),
            "danger": danger,
            "refusal": refusal,
            "unconfirmed": unconfirmed_post,
            "confirm_field": CONFIRM_FIELD,
            "confirm_value": CONFIRM_VALUE,
        },
        status=400 if unconfirmed_post or refusal else 200,
    )
