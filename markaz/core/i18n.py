"""Language helpers shared by every app."""

from django.utils.translation import get_language


def is_arabic() -> bool:
    return (get_language() or "fr").startswith("ar")


def pick(fr: str, ar: str) -> str:
    """The Arabic text when the reader reads Arabic and it exists, else the French."""
    return ar if is_arabic() and ar else fr
