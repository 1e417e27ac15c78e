from django import forms
from django.utils.translation import gettext_lazy as _

from markaz.core.forms import BootstrapMixin

from .models import SchedulePattern
from .services import DAYTIME_EXCLUDED

ORDINALS = [_("1st choice"), _("2nd choice"), _("3rd choice"), _("4th choice"), _("5th choice")]


class CohortChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.programme.title} · {obj.get_schedule_pattern_display()} · {obj.start_date:%d/%m/%Y}"


class RankingForm(BootstrapMixin, forms.Form):
    """Up to five cohorts of an open campaign, in order of preference."""

    def __init__(
        self, *args, campaign, activity_status: str | None = None, required: bool = False, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        self.activity_status = activity_status
        cohorts = campaign.cohorts.select_related("programme").order_by("start_date", "code")
        for i in range(campaign.max_choices):
            self.fields[f"choice_{i + 1}"] = CohortChoiceField(
                queryset=cohorts,
                required=required and i == 0,
                label=ORDINALS[i] if i < len(ORDINALS) else str(i + 1),
                empty_label="---------",
            )

    def clean(self):
        data = super().clean()
        chosen = [data.get(f"choice_{i + 1}") for i in range(self.campaign.max_choices)]
        chosen = [c for c in chosen if c is not None]
        if len({c.pk for c in chosen}) != len(chosen):
            raise forms.ValidationError(_("The same cohort is ranked twice."), code="duplicate")
        if self.activity_status in DAYTIME_EXCLUDED and any(
            c.schedule_pattern == SchedulePattern.DAYTIME for c in chosen
        ):
            raise forms.ValidationError(
                _("Workers and trainees can only rank evening or weekend cohorts."), code="daytime"
            )
        data["cohorts"] = chosen
        return data


class RunForm(BootstrapMixin, forms.Form):
    seed = forms.IntegerField(
        label=_("Lottery seed (optional)"),
        required=False,
        min_value=0,
        max_value=2**31 - 1,
        help_text=_(
            "Leave empty for a new random seed; give an earlier run's seed to reproduce it."
        ),
    )


class ResultsLookupForm(BootstrapMixin, forms.Form):
    cin = forms.CharField(label=_("CIN"), max_length=12)
    birth_date = forms.DateField(
        label=_("Date of birth"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
