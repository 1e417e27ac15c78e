import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from .errors import UserInputError


class BootstrapMixin:
    """Give every widget Bootstrap's classes, so templates stay free of per-field markup."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.RadioSelect):
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()


# Dates a person may ask about: far enough back for any record, far enough ahead for any plan.
# Outside them, date arithmetic (a week after 9999-12-31) would overflow into a server error.
EARLIEST_DATE = dt.date(2000, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)


class BoundedDateField(forms.DateField):
    """A date field that refuses dates outside EARLIEST_DATE..LATEST_DATE with a clear message
    (in the user's language) instead of letting `9999-12-31 + 1 day` fail later."""

    def clean(self, value):
        day = super().clean(value)
        if day is not None and not EARLIEST_DATE <= day <= LATEST_DATE:
            raise forms.ValidationError(
                _("Enter a date between %(first)s and %(last)s.")
                % {"first": EARLIEST_DATE.isoformat(), "last": LATEST_DATE.isoformat()},
                code="out_of_range",
            )
        return day


def query_day(value: str | None, *, default: dt.date) -> dt.date:
    """A date from a query string (`?week=2026-12-07`), `default` when absent; anything else
    (not a date, out of range) is a UserInputError: a 400 page with the message."""
    if not value:
        return default
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise UserInputError(_("Enter a valid date (YYYY-MM-DD).")) from None
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise UserInputError(
            _("Enter a date between %(first)s and %(last)s.")
            % {"first": EARLIEST_DATE.isoformat(), "last": LATEST_DATE.isoformat()}
        )
    return day


def query_id(value: str | None) -> int | None:
    """A record id from a query string (`?room=3`): None when absent; not a whole positive
    number is a UserInputError (400)."""
    if value in (None, ""):
        return None
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise UserInputError(_("This link holds an id that is not a number."))
    return int(value)


class OptOutForm(BootstrapMixin, forms.Form):
    """A phone number that will get no more SMS (its owner asked staff)."""

    phone = forms.CharField(label=_("Phone number"), max_length=30)

    def clean_phone(self):
        from .outbox import normalize_phone

        return normalize_phone(self.cleaned_data["phone"])
