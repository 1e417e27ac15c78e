"""Forms parse what a page sends; the rules (and their messages) live in services.py."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from markaz.core.forms import BootstrapMixin
from markaz.programmes.models import Programme
from markaz.registry.models import Language

from .models import EmploymentStatus, Goal, IncomeBand, MentoringSession, Referral

DATE = {"type": "date"}


def _date_field(label, **kwargs):
    return forms.DateField(
        label=label, widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"), **kwargs
    )


class MoneyField(forms.DecimalField):
    """An amount in dirhams as people type it: "2 500", "2500,50". No bounds here: the service
    says what is wrong with the figure, in words."""

    def to_python(self, value):
        if isinstance(value, str):
            value = "".join(value.split()).replace("\u202f", "").replace(",", ".")
        return super().to_python(value)


def _money_field(label, **kwargs):
    return MoneyField(
        label=label,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "dir": "ltr"}),
        **kwargs,
    )


class FormalField(forms.TypedChoiceField):
    def __init__(self, **kwargs):
        super().__init__(
            label=_("Declared (formal) work?"),
            choices=[("", _("Unknown")), ("yes", _("Yes")), ("no", _("No"))],
            coerce=lambda v: {"yes": True, "no": False}.get(v),
            empty_value=None,
            required=False,
            **kwargs,
        )


class MentorProfileForm(BootstrapMixin, forms.Form):
    languages = forms.MultipleChoiceField(
        label=_("Languages spoken"),
        choices=Language.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    tracks = forms.MultipleChoiceField(
        label=_("Tracks followed"),
        choices=Programme.Track.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    max_caseload = forms.IntegerField(label=_("Largest caseload (youth)"))


class AssignForm(forms.Form):
    person = forms.IntegerField(widget=forms.HiddenInput)
    mentor = forms.IntegerField()


class ActionPlanForm(BootstrapMixin, forms.Form):
    goal = forms.ChoiceField(label=_("Goal"), choices=[("", "—"), *Goal.choices])
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
    )


class ActionStepForm(BootstrapMixin, forms.Form):
    title = forms.CharField(
        label=_("Step"), max_length=200, widget=forms.TextInput(attrs={"dir": "auto"})
    )
    due_on = _date_field(_("Due on"))


class ReferralForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Referred to"), choices=Referral.Kind.choices)
    organisation = forms.CharField(
        label=_("Organisation"),
        max_length=120,
        required=False,
        widget=forms.TextInput(attrs={"dir": "auto"}),
    )
    referred_on = _date_field(_("Referred on"))
    status = forms.ChoiceField(label=_("Status"), choices=Referral.Status.choices)
    amount_mad = _money_field(_("Amount financed (MAD)"))


class ReferralStatusForm(BootstrapMixin, forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Referral.Status.choices)
    amount_mad = _money_field(_("Amount financed (MAD)"))


class SessionForm(BootstrapMixin, forms.Form):
    mentor = forms.ModelChoiceField(label=_("Mentor"), queryset=None)
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=MentoringSession.Kind.choices,
        widget=forms.RadioSelect,
        initial=MentoringSession.Kind.INDIVIDUAL,
    )
    room = forms.ModelChoiceField(label=_("Mentoring room"), queryset=None)
    date = _date_field(_("Date"))
    start_time = forms.TimeField(
        label=_("Start time"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    end_time = forms.TimeField(
        label=_("End time"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    topic = forms.CharField(
        label=_("Topic"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"dir": "auto"}),
    )
    people = forms.ModelMultipleChoiceField(
        label=_("Youth"), queryset=None, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, mentors, rooms, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mentor"].queryset = mentors
        self.fields["mentor"].label_from_instance = lambda u: u.get_full_name() or u.username
        self.fields["room"].queryset = rooms
        self.fields["people"].queryset = people
        self.fields["people"].label_from_instance = lambda p: p.full_name

    def times(self) -> tuple[dt.datetime, dt.datetime]:
        tz = timezone.get_current_timezone()
        day = self.cleaned_data["date"]
        return (
            dt.datetime.combine(day, self.cleaned_data["start_time"], tzinfo=tz),
            dt.datetime.combine(day, self.cleaned_data["end_time"], tzinfo=tz),
        )


class NoteForm(BootstrapMixin, forms.Form):
    text = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 6, "dir": "auto"}), max_length=5000
    )
    session = forms.ModelChoiceField(
        label=_("About the session (optional)"), queryset=None, required=False
    )

    def __init__(self, *args, sessions=None, **kwargs):
        super().__init__(*args, **kwargs)
        if sessions is None:
            del self.fields["session"]
        else:
            self.fields["session"].queryset = sessions
            self.fields["session"].label_from_instance = lambda s: (
                f"{timezone.localtime(s.starts_at):%d/%m/%Y %H:%M} · {s.get_kind_display()}"
                + (f" · {s.topic}" if s.topic else "")
            )


class _SituationForm(BootstrapMixin, forms.Form):
    employment_status = forms.ChoiceField(
        label=_("What the youth does now"),
        choices=[("", "—"), *EmploymentStatus.choices],
        required=False,
    )
    monthly_income_mad = _money_field(
        _("Monthly income (MAD)"),
        help_text=_("Leave empty if the youth prefers not to say; then give the band."),
    )
    income_band = forms.ChoiceField(
        label=_("Or the income band"), choices=[("", "—"), *IncomeBand.choices], required=False
    )
    sector = forms.CharField(
        label=_("Sector of activity"),
        max_length=80,
        required=False,
        widget=forms.TextInput(attrs={"dir": "auto"}),
    )
    formal = FormalField()


class BaselineForm(_SituationForm):
    recorded_on = _date_field(_("Date of the intake interview"))

    field_order = ["recorded_on"]


class FollowUpForm(_SituationForm):
    REACHED, UNREACHED = "reached", "unreached"
    outcome = forms.ChoiceField(
        label=_("Result of the call"),
        choices=[(REACHED, _("Reached")), (UNREACHED, _("Could not be reached"))],
        widget=forms.RadioSelect,
    )
    contacted_on = _date_field(_("Reached on"), required=False)
    business_created = forms.BooleanField(label=_("Created a business"), required=False)
    jobs_created = forms.IntegerField(
        label=_("Jobs created in that business (besides the youth)"),
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    further_training = forms.BooleanField(label=_("In further training"), required=False)

    field_order = ["outcome", "contacted_on", "employment_status"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("outcome") == self.UNREACHED:
            # Not reached: what was typed in the hidden fields does not matter.
            for name in list(self._errors):
                if name not in ("outcome", "__all__"):
                    del self._errors[name]
        return cleaned

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        reached = data.pop("outcome") == self.REACHED
        if not reached:
            return {"reached": False}
        data["jobs_created"] = data.get("jobs_created") or 0
        return {"reached": True, **data}
