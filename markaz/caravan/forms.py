from django import forms
from django.utils.translation import gettext_lazy as _

from markaz.core.forms import BootstrapMixin

from .models import Workshop


class TourForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    workshop = forms.ModelChoiceField(label=_("Workshop"), queryset=Workshop.objects.all())
    time_limit_s = forms.IntegerField(
        label=_("Time limit for the search (seconds)"), min_value=5, max_value=600, initial=30
    )

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise forms.ValidationError(_("The end of the period comes before its start."))
        return data


class CancelDayForm(forms.Form):
    day = forms.DateField()
