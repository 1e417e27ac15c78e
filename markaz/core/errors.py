"""Errors a view raises for bad input: Django answers them with a 400 page.

`UserInputError` carries a message written for the person (translated): the 400 page shows it.
Any other bad request (a forged host header, a broken multipart body) gets the page's general
message, never its internals.
"""

from django.core.exceptions import BadRequest


class UserInputError(BadRequest):
    """Bad input from the request; `str(error)` is a translated message for the person."""
