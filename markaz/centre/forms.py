from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from markaz.core.forms import BootstrapMixin
from markaz.core.i18n import pick

from .models import Room


class CohortsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} · {obj.programme.title} · {obj.get_schedule_pattern_display()}"


class TimetableForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    first_week = forms.DateField(
        label=_("First week"), widget=forms.DateInput(attrs={"type": "date"})
    )
    weeks = forms.IntegerField(label=_("Number of weeks"), min_value=1, max_value=52, initial=12)
    time_limit_s = forms.IntegerField(
        label=_("Time limit for the search (seconds)"), min_value=5, max_value=600, initial=30
    )
    cohorts = CohortsField(label=_("Cohorts"), queryset=None, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, centre, **kwargs):
        from markaz.programmes.models import Cohort

        super().__init__(*args, **kwargs)
        self.fields["cohorts"].queryset = Cohort.objects.filter(
            centre=centre, end_date__gte=timezone.localdate()
        ).select_related("programme")


class SessionMoveForm(BootstrapMixin, forms.Form):
    date = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    time = forms.TimeField(
        label=_("Start time"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    room = forms.ModelChoiceField(label=_("Room"), queryset=None)

    def __init__(self, *args, centre, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room"].queryset = Room.objects.filter(centre=centre).exclude(
            kind=Room.Kind.CHILDREN
        )


class YearPlanForm(BootstrapMixin, forms.Form):
    """A year's running budget, the investment and a target per indicator (blank: none)."""

    running_budget_mad = forms.DecimalField(
        label=_("Running budget for the year (MAD)"), min_value=0, max_digits=14, decimal_places=2
    )
    investment_mad = forms.DecimalField(
        label=_("Investment (MAD)"), min_value=0, max_digits=14, decimal_places=2
    )

    def __init__(self, *args, indicators, **kwargs):
        from markaz.core.units import UNIT_LABELS

        super().__init__(*args, **kwargs)
        self.target_fields = []
        for ind in indicators:
            name = f"target_{ind.code}"
            self.fields[name] = forms.DecimalField(
                label=pick(ind.name_fr, ind.name_ar),
                required=False,
                min_value=0,
                max_value=100 if ind.unit == "percent" else None,
                max_digits=14,
                decimal_places=2,
                help_text=str(UNIT_LABELS.get(ind.unit, ind.unit)),
            )
            self.target_fields.append(name)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control"
            field.widget.attrs["inputmode"] = "decimal"

    def targets(self) -> dict[str, float]:
        return {
            name.removeprefix("target_"): float(self.cleaned_data[name])
            for name in self.target_fields
            if self.cleaned_data.get(name) is not None
        }


class KioskDeviceForm(BootstrapMixin, forms.Form):
    name = forms.CharField(
        label=_("Name of the tablet"),
        max_length=80,
        help_text=_("Where it stands, e.g. “Entrance tablet, ground floor”."),
    )


class KioskPairForm(BootstrapMixin, forms.Form):
    code = forms.CharField(label=_("Pairing code"), max_length=40)
