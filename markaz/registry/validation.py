"""Field-level normalisation and validation shared by every way in (forms and file import)."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from markaz.core.validation import clean_phone  # noqa: F401 (one phone rule for every app)
from markaz.engine.identity import is_valid_cin, normalise_cin

EARLIEST_BIRTH_DATE = dt.date(1900, 1, 1)


def clean_cin(raw: str) -> str:
    cin = normalise_cin(raw or "")
    if not is_valid_cin(cin):
        raise ValidationError(
            _(
                "This is not a valid CIN: it must be one or two letters followed by up to six "
                "digits, for example AB123456 or F45678."
            ),
            code="invalid_cin",
        )
    return cin


def clean_birth_date(value: dt.date, today: dt.date) -> dt.date:
    if value > today:
        raise ValidationError(_("The date of birth cannot be in the future."), code="future")
    if value < EARLIEST_BIRTH_DATE:
        raise ValidationError(_("This date of birth is not plausible."), code="implausible")
    return value


def parse_date(raw) -> dt.date:
    """Accept a date object, ISO 2001-03-31 or the usual Moroccan 31/03/2001."""
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    text = str(raw or "").strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007 (a calendar date)
        except ValueError:
            continue
    raise ValidationError(
        _("This is not a valid date: write it as 31/03/2001 or 2001-03-31."), code="invalid_date"
    )
