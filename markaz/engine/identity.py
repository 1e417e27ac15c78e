"""National identity card (CIN / CNIE) numbers: normalisation and validation.

A CIN is one or two Latin letters followed by one to six digits (``AB123456``, ``F45678``).
Values are stored normalised: upper case, without whitespace, hyphens or dots.
"""

from __future__ import annotations

import re

__all__ = ["CIN_PATTERN", "is_valid_cin", "normalise_cin"]

CIN_PATTERN = re.compile(r"[A-Z]{1,2}[0-9]{1,6}")

# Whitespace (any Unicode space), ASCII hyphen, Unicode hyphens/dashes, minus sign and dots.
_SEPARATORS = re.compile(r"[\s.\-\u2010-\u2015\u2212]+")
# Arabic-Indic and extended Arabic-Indic digits typed on Arabic keyboards -> ASCII digits.
_DIGITS = str.maketrans(
    {**{chr(0x0660 + i): str(i) for i in range(10)}, **{chr(0x06F0 + i): str(i) for i in range(10)}}
)


def normalise_cin(raw: str) -> str:
    """Return ``raw`` in upper case without whitespace, hyphens or dots.

    Arabic-Indic digits are also mapped to ASCII digits. The result is not validated:
    use :func:`is_valid_cin` for that. ``normalise_cin(" ab-123.456 ") == "AB123456"``.
    """
    return _SEPARATORS.sub("", raw).translate(_DIGITS).upper()


def is_valid_cin(cin: str) -> bool:
    """Whether ``cin``, once normalised, matches ``^[A-Z]{1,2}[0-9]{1,6}$``."""
    return CIN_PATTERN.fullmatch(normalise_cin(cin)) is not None
