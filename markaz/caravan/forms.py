from django import forms
from django.utils.translation import gettext_lazy as _

from markaz.core.forms import BootstrapMixin

from .models import Vehicle, Workshop
from .services import DEFAULT_WEIGHTS, MAX_VISITS_PER_SCHOOL


class TourForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    workshop = forms.ModelChoiceField(label=_("Workshop"), queryset=Workshop.objects.all())
    vehicle = forms.ModelChoiceField(
        label=_("Vehicle"),
        queryset=Vehicle.objects.all(),
        required=False,
        empty_label=_("No vehicle (every crew member sees the visits)"),
        help_text=_("Its crew sees the tour's visits on the tablet."),
    )
    visits_per_school = forms.IntegerField(
        label=_("Visits per school at most (one a day)"),
        min_value=1,
        max_value=MAX_VISITS_PER_SCHOOL,
        initial=1,
    )
    repeat = forms.FloatField(
        label=_("Value of a repeat visit (0 to 1)"),
        min_value=0,
        max_value=1,
        initial=DEFAULT_WEIGHTS["repeat"],
        widget=forms.NumberInput(attrs={"step": "0.05"}),
        help_text=_(
            "A school's second visit in the school year is worth this share of its first, "
            "the third this share of the second, and so on."
        ),
    )
    time_limit_s = forms.IntegerField(
        label=_("Time limit for the search (seconds)"), min_value=5, max_value=600, initial=30
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        vehicles = list(Vehicle.objects.all()[:2])
        if len(vehicles) == 1:  # the usual case: one caravan
            self.fields["vehicle"].initial = vehicles[0].pk

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise forms.ValidationError(_("The end of the period comes before its start."))
        return data


class CancelDayForm(forms.Form):
    day = forms.DateField()
