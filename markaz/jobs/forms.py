"""Forms parse what a page sends; the rules (and their messages) live in services.py."""

from django import forms
from django.utils.translation import gettext_lazy as _

from markaz.core.forms import BootstrapMixin, BoundedDateField
from markaz.programmes.models import Programme, SchedulePattern
from markaz.registry.models import EducationLevel
from markaz.territory.models import Commune

from .models import (
    BusinessCreation,
    BusinessProject,
    Employer,
    EmployerContact,
    FinancingApplication,
    Opportunity,
    Placement,
    PostCreationVisit,
    Sector,
)

DATE = {"type": "date"}


def _date(label, required=True):
    return BoundedDateField(
        label=label, required=required, widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d")
    )


class MoneyField(forms.DecimalField):
    """An amount in dirhams as people type it ("2 500", "2500,50"). No bounds here: the service
    says in words what is wrong with the figure (below zero, larger than requested)."""

    def to_python(self, value):
        if isinstance(value, str):
            value = "".join(value.split()).replace("\u202f", "").replace(",", ".")
        return super().to_python(value)


def _money(label, required=False):
    return MoneyField(
        label=label,
        required=required,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "dir": "ltr"}),
    )


def _communes():
    return Commune.objects.order_by("name_fr")


class EmployerForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=160)
    kind = forms.ChoiceField(label=_("Kind"), choices=Employer.Kind.choices)
    sector = forms.ChoiceField(label=_("Sector"), choices=Sector.choices)
    commune = forms.ModelChoiceField(label=_("Commune"), queryset=_communes())
    address = forms.CharField(label=_("Address"), max_length=200, required=False)


class ContactForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    position = forms.CharField(label=_("Position"), max_length=120, required=False)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "dir": "ltr"}),
    )
    email = forms.EmailField(label=_("E-mail"), required=False)
    consent_on = _date(_("Consent given on"), required=False)
    consent_method = forms.ChoiceField(
        label=_("Consent given"),
        choices=[("", "—"), *EmployerContact.ConsentMethod.choices],
        required=False,
    )


class OpportunityForm(BootstrapMixin, forms.Form):
    employer = forms.ModelChoiceField(label=_("Employer"), queryset=Employer.objects.none())
    title = forms.CharField(label=_("Title"), max_length=160)
    kind = forms.ChoiceField(label=_("Kind"), choices=Opportunity.Kind.choices)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    skills = forms.MultipleChoiceField(
        label=_("Skills wanted"),
        choices=Programme.Track.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    min_education = forms.ChoiceField(
        label=_("Education level asked"),
        choices=[("", _("None in particular")), *EducationLevel.choices],
        required=False,
    )
    commune = forms.ModelChoiceField(label=_("Commune"), queryset=_communes())
    pattern = forms.ChoiceField(label=_("Time of day"), choices=SchedulePattern.choices)
    hours_per_week = forms.IntegerField(label=_("Hours per week"))
    pay_mad = _money(_("Monthly wage or stipend (MAD)"), required=True)
    places = forms.IntegerField(label=_("Places"))
    closes_on = _date(_("Closing date"))
    starts_on = _date(_("Start date"), required=False)
    duration_weeks = forms.IntegerField(label=_("Duration (weeks)"), required=False, min_value=1)
    tutor = forms.CharField(label=_("Tutor at the employer"), max_length=120, required=False)
    status = forms.ChoiceField(label=_("Status"), choices=Opportunity.Status.choices)

    def __init__(self, *args, centre=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["employer"].queryset = Employer.objects.filter(centre=centre)


class WishForm(BootstrapMixin, forms.Form):
    kinds = forms.MultipleChoiceField(
        label=_("Kinds of contract wanted"),
        choices=Opportunity.Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    sectors = forms.MultipleChoiceField(
        label=_("Sectors wanted"),
        choices=Sector.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    max_km = forms.IntegerField(label=_("Farthest acceptable (km by road)"), required=False)


class SendForm(forms.Form):
    people = forms.TypedMultipleChoiceField(coerce=int, choices=())
    status = forms.ChoiceField(choices=[("sent", "sent"), ("proposed", "proposed")], required=False)

    def __init__(self, *args, person_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["people"].choices = [(pk, pk) for pk in person_ids]
        self.fields["people"].error_messages["invalid_choice"] = _("Choose youth from the list.")
        self.fields["people"].error_messages["required"] = _("Choose at least one youth.")


class MoveForm(BootstrapMixin, forms.Form):
    status = forms.ChoiceField(
        label=_("Next step"),
        choices=[
            ("sent", _("Sent to the employer")),
            ("interview", _("Interview")),
            ("not_retained", _("Not retained")),
            ("started", _("Started")),
        ],
    )
    on = _date(_("Date"), required=False)
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class HireForm(BootstrapMixin, forms.Form):
    contract = forms.ChoiceField(label=_("Contract type"), choices=Placement.Contract.choices)
    start_date = _date(_("Start date"))
    wage_mad = _money(_("Monthly wage or stipend (MAD)"), required=True)


class LeaveForm(BootstrapMixin, forms.Form):
    left_on = _date(_("Date of leaving"))
    reason = forms.CharField(label=_("Reason for leaving"), max_length=200)


class PlacementForm(BootstrapMixin, forms.Form):
    employer = forms.ModelChoiceField(
        label=_("Employer"), queryset=Employer.objects.none(), required=False
    )
    employer_name = forms.CharField(
        label=_("Or the employer's name"), max_length=160, required=False
    )
    contract = forms.ChoiceField(label=_("Contract type"), choices=Placement.Contract.choices)
    start_date = _date(_("Start date"))
    wage_mad = _money(_("Monthly wage or stipend (MAD)"), required=True)
    via_centre = forms.BooleanField(label=_("Found through the centre"), required=False)

    def __init__(self, *args, centre=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["employer"].queryset = Employer.objects.filter(centre=centre)


class ProjectForm(BootstrapMixin, forms.Form):
    title = forms.CharField(label=_("Project name"), max_length=160)
    idea = forms.CharField(label=_("Idea"), widget=forms.Textarea(attrs={"rows": 3}))
    sector = forms.ChoiceField(label=_("Sector"), choices=Sector.choices)
    commune = forms.ModelChoiceField(label=_("Commune"), queryset=_communes())
    members = forms.ModelMultipleChoiceField(
        label=_("Youth"), queryset=None, widget=forms.CheckboxSelectMultiple
    )
    investment_mad = _money(_("Investment (MAD)"))
    own_contribution_mad = _money(_("Own contribution (MAD)"))
    expected_turnover_mad = _money(_("Expected yearly turnover (MAD)"))
    expected_jobs = forms.IntegerField(label=_("Expected jobs"), required=False, min_value=0)

    def __init__(self, *args, youth=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = youth


class StageForm(BootstrapMixin, forms.Form):
    stage = forms.ChoiceField(label=_("Stage"), choices=BusinessProject.Stage.choices)


class FinancingForm(BootstrapMixin, forms.Form):
    source = forms.ChoiceField(label=_("Financed by"), choices=FinancingApplication.Source.choices)
    organisation = forms.CharField(label=_("Organisation"), max_length=120, required=False)
    applied_on = _date(_("Applied on"))
    requested_mad = _money(_("Amount requested (MAD)"), required=True)
    decision = forms.ChoiceField(label=_("Decision"), choices=FinancingApplication.Decision.choices)
    decided_on = _date(_("Decision date"), required=False)
    granted_mad = _money(_("Amount granted (MAD)"))
    indh_share_mad = _money(_("INDH share (MAD)"))


class CreationForm(BootstrapMixin, forms.Form):
    legal_form = forms.ChoiceField(
        label=_("Legal form"), choices=BusinessCreation.LegalForm.choices
    )
    created_on = _date(_("Date of creation"))
    ice = forms.CharField(
        label=_("ICE number"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "dir": "ltr"}),
    )
    registration = forms.CharField(label=_("Registration number"), max_length=40, required=False)


class VisitForm(BootstrapMixin, forms.Form):
    done_on = _date(_("Visited on"))
    turnover_band = forms.ChoiceField(
        label=_("Turnover"), choices=PostCreationVisit.TurnoverBand.choices
    )
    jobs = forms.IntegerField(label=_("Jobs"), required=False)
    still_active = forms.BooleanField(label=_("Still active"), required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
