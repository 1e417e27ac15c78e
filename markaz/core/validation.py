"""Field validation shared by every app (the registry's intake forms and imports use it too)."""

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def clean_phone(raw: str) -> str:
    """A Moroccan (or international) number in E.164, checked with libphonenumber; "" stays ""."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, "MA")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("This is not a valid phone number, for example 0612345678 or +212612345678."),
            code="invalid_phone",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
