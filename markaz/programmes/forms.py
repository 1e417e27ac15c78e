from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from markaz.core.forms import BootstrapMixin

from .models import Campaign, Cohort, CohortReserve, Programme, SchedulePattern
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


class OneTimeCodeForm(BootstrapMixin, forms.Form):
    code = forms.CharField(
        label=_("Code received by SMS"),
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "pattern": "[0-9 ]*",
                "dir": "ltr",
            }
        ),
    )


# --- Setting up a season ----------------------------------------------------------------------

DATE_WIDGET = {"widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


def _date_field(label):
    return forms.DateField(label=capfirst(label), **DATE_WIDGET)


class ProgrammeForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Programme
        fields = [
            "title_fr",
            "title_ar",
            "track",
            "hours",
            "duration_weeks",
            "goal",
            "schedule_pattern",
            "teaching_language",
            "prerequisites",
        ]
        widgets = {
            "title_fr": forms.TextInput(attrs={"dir": "ltr", "lang": "fr"}),
            "title_ar": forms.TextInput(attrs={"dir": "rtl", "lang": "ar"}),
            "teaching_language": forms.TextInput(attrs={"dir": "auto"}),
            "prerequisites": forms.TextInput(attrs={"dir": "auto"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hours"].min_value = 1
        self.fields["hours"].widget.attrs["min"] = 1
        self.fields["duration_weeks"].widget.attrs["min"] = 1

    def clean_hours(self):
        hours = self.cleaned_data["hours"]
        if hours < 1:
            raise forms.ValidationError(_("A programme has at least one hour."))
        return hours

    def clean_duration_weeks(self):
        weeks = self.cleaned_data["duration_weeks"]
        if weeks < 1:
            raise forms.ValidationError(_("A programme lasts at least one week."))
        return weeks


class TrainerChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.get_username()


class ProgrammeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.title


class CohortForm(BootstrapMixin, forms.ModelForm):
    """A cohort with its reserved seats (one number per group) and its trainers."""

    programme = ProgrammeChoiceField(queryset=Programme.objects.none(), label=_("Programme"))
    start_date = _date_field(_("start date"))
    end_date = _date_field(_("end date"))
    reserve_women = forms.IntegerField(label=_("Seats reserved for women"), min_value=0, initial=0)
    reserve_rural = forms.IntegerField(
        label=_("Seats reserved for rural communes"), min_value=0, initial=0
    )
    reserve_disability = forms.IntegerField(
        label=_("Seats reserved for people with a disability"), min_value=0, initial=0
    )
    trainers = TrainerChoiceField(
        queryset=None, required=False, label=_("Trainers"), widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Cohort
        fields = ["programme", "code", "schedule_pattern", "start_date", "end_date", "seats"]
        labels = {"code": _("Code")}
        help_texts = {"code": _("Letters, digits and dashes, e.g. WEB-E27.")}
        widgets = {"code": forms.TextInput(attrs={"dir": "ltr"})}

    field_order = [
        "programme",
        "code",
        "schedule_pattern",
        "start_date",
        "end_date",
        "seats",
        "reserve_women",
        "reserve_rural",
        "reserve_disability",
        "precedence",
        "trainers",
    ]

    def __init__(self, *args, centre, trainers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = Programme.objects.filter(centre=centre)
        self.fields["trainers"].queryset = trainers
        self.fields["precedence"] = forms.ChoiceField(
            label=_("Reserve precedence"),
            choices=Cohort.Precedence.choices,
            initial=self.instance.precedence if self.instance.pk else Cohort.Precedence.OPEN_FIRST,
            help_text=_("Which seats are filled first when an applicant could take either."),
        )
        self.order_fields(self.field_order)
        if self.instance.pk:
            reserves = {r.group: r.seats for r in self.instance.reserves.all()}
            for group in CohortReserve.Group.values:
                self.fields[f"reserve_{group}"].initial = reserves.get(group, 0)
            self.fields["trainers"].initial = list(self.instance.trainers.all())

    def clean(self):
        data = super().clean()
        start, end, seats = data.get("start_date"), data.get("end_date"), data.get("seats")
        if start and end and end <= start:
            self.add_error("end_date", _("The end date must come after the start date."))
        if seats is not None and seats < 1:
            self.add_error("seats", _("A cohort has at least one seat."))
            return data
        reserved = sum(data.get(f"reserve_{g}") or 0 for g in CohortReserve.Group.values)
        if seats is not None and reserved > seats:
            raise forms.ValidationError(
                _("%(reserved)s seats are reserved but the cohort has only %(seats)s.")
                % {"reserved": reserved, "seats": seats},
                code="reserves",
            )
        return data

    def reserves(self) -> dict[str, int]:
        return {g: self.cleaned_data.get(f"reserve_{g}") or 0 for g in CohortReserve.Group.values}

    def service_data(self) -> dict:
        data = {f: self.cleaned_data[f] for f in self.Meta.fields}
        data["precedence"] = self.cleaned_data["precedence"]
        return data


class CampaignCohortField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        # The programme's title first, so the line reads in the page's direction.
        return (
            f"{obj.programme.title} · {obj.code} · {obj.get_schedule_pattern_display()} · "
            f"{obj.start_date:%d/%m/%Y}"
        )


class RuleChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return _("Version %(v)s (published %(date)s)") % {
            "v": obj.version,
            "date": f"{obj.published_at:%d/%m/%Y}",
        }


class CampaignForm(BootstrapMixin, forms.ModelForm):
    opens_on = _date_field(_("opens on"))
    closes_on = _date_field(_("closes on"))
    cohorts = CampaignCohortField(
        queryset=Cohort.objects.none(),
        label=_("Cohorts offered"),
        widget=forms.CheckboxSelectMultiple,
    )
    scoring_rule = RuleChoiceField(queryset=None, label=_("Priority rule"), empty_label=None)

    class Meta:
        model = Campaign
        fields = [
            "name_fr",
            "name_ar",
            "opens_on",
            "closes_on",
            "offer_days",
            "max_choices",
            "scoring_rule",
        ]
        labels = {"max_choices": _("Cohorts an applicant may rank")}
        widgets = {
            "name_fr": forms.TextInput(attrs={"dir": "ltr", "lang": "fr"}),
            "name_ar": forms.TextInput(attrs={"dir": "rtl", "lang": "ar"}),
        }

    def __init__(self, *args, centre, rules, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        cohorts = Cohort.objects.filter(centre=centre).select_related("programme")
        if self.instance.pk:
            cohorts = cohorts.filter(
                Q(start_date__gt=today) | Q(pk__in=self.instance.cohorts.values("pk"))
            )
            self.fields["cohorts"].initial = list(
                self.instance.cohorts.values_list("pk", flat=True)
            )
        else:
            cohorts = cohorts.filter(start_date__gt=today)
        self.fields["cohorts"].queryset = cohorts.order_by("start_date", "code")
        self.fields["scoring_rule"].queryset = rules
        if not self.instance.pk and rules.exists():
            self.fields["scoring_rule"].initial = rules.first().pk
        self.fields["max_choices"].widget.attrs.update({"min": 1, "max": len(ORDINALS)})
        self.fields["offer_days"].widget.attrs.update({"min": 1, "max": 60})

    def clean_max_choices(self):
        n = self.cleaned_data["max_choices"]
        if not 1 <= n <= len(ORDINALS):
            raise forms.ValidationError(
                _("An applicant ranks from 1 to %(n)s cohorts.") % {"n": len(ORDINALS)}
            )
        return n

    def clean_offer_days(self):
        n = self.cleaned_data["offer_days"]
        if not 1 <= n <= 60:
            raise forms.ValidationError(_("Give between 1 and 60 days to answer an offer."))
        return n

    def clean(self):
        data = super().clean()
        opens, closes = data.get("opens_on"), data.get("closes_on")
        if opens and closes and closes < opens:
            self.add_error("closes_on", _("The campaign must close on or after the day it opens."))
        return data

    def service_data(self) -> dict:
        return {f: self.cleaned_data[f] for f in self.Meta.fields}


class ScoringRuleForm(BootstrapMixin, forms.Form):
    """A new version of the priority rule: its name, the points of each criterion, the RSU
    threshold, and a sentence saying what changed."""

    version = forms.CharField(
        label=_("Version"),
        max_length=20,
        widget=forms.TextInput(attrs={"dir": "ltr"}),
        help_text=_("A new name, e.g. 2027-1."),
    )
    rsu_threshold = forms.DecimalField(
        label=_("RSU threshold"), min_value=0, max_value=100, max_digits=5, decimal_places=2
    )
    note = forms.CharField(
        label=_("What changed"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"dir": "auto"}),
    )

    def __init__(self, *args, current=None, **kwargs):
        from django.utils.translation import get_language

        from markaz.engine.scoring import CRITERIA, DEFAULT_RULE, ScoringRule, criterion_label

        super().__init__(*args, **kwargs)
        lang = "ar" if (get_language() or "fr").startswith("ar") else "fr"
        # The current version is the starting point; on an empty install (no version yet) the
        # published default rule is proposed, so the first version is not all zeros.
        weights = current.weights if current else DEFAULT_RULE.weights
        threshold = float(current.rsu_threshold) if current else DEFAULT_RULE.rsu_threshold
        rule = ScoringRule(version="-", weights={}, rsu_threshold=threshold)
        for criterion in CRITERIA:
            self.fields[f"w_{criterion}"] = forms.DecimalField(
                label=criterion_label(criterion, rule, lang),
                min_value=0,
                max_value=100,
                max_digits=5,
                decimal_places=2,
                initial=weights.get(criterion, 0),
            )
        self.fields["rsu_threshold"].initial = current.rsu_threshold if current else threshold
        if current is None:
            self.fields["version"].initial = DEFAULT_RULE.version
        self.order_fields(["version"] + [f"w_{c}" for c in CRITERIA] + ["rsu_threshold", "note"])

    def weights(self) -> dict[str, float]:
        return {
            name.removeprefix("w_"): float(value)
            for name, value in self.cleaned_data.items()
            if name.startswith("w_")
        }


class WithdrawForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason for leaving"), max_length=200, widget=forms.TextInput(attrs={"dir": "auto"})
    )
    on = forms.DateField(label=_("Date of leaving"), **DATE_WIDGET)

    def clean_on(self):
        on = self.cleaned_data["on"]
        if on > timezone.localdate():
            raise forms.ValidationError(_("The date of leaving cannot be in the future."))
        return on
