from django import forms
from django.utils.translation import gettext_lazy as _


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


class OptOutForm(BootstrapMixin, forms.Form):
    """A phone number that will get no more SMS (its owner asked staff)."""

    phone = forms.CharField(label=_("Phone number"), max_length=30)

    def clean_phone(self):
        from .outbox import normalize_phone

        return normalize_phone(self.cleaned_data["phone"])
