from django import forms
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from markaz.core.forms import BootstrapMixin, BoundedDateField

from . import validation
from .limits import LIMITS_TEXT, MAX_FILE_BYTES
from .models import ActivityStatus, EducationLevel, Language, Objection, Purpose, Sex

OUTSIDE_PROVINCE = "outside"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class PersonFieldsForm(BootstrapMixin, forms.Form):
    """The facts about a person, validated the same way whichever way they come in."""

    first_name_latin = forms.CharField(label=_("First name (Latin script)"), max_length=80)
    last_name_latin = forms.CharField(label=_("Last name (Latin script)"), max_length=80)
    first_name_ar = forms.CharField(
        label=_("First name (Arabic script)"), max_length=80, required=False
    )
    last_name_ar = forms.CharField(
        label=_("Last name (Arabic script)"), max_length=80, required=False
    )
    cin = forms.CharField(
        label=_("CIN"), max_length=12, help_text=_("National identity card, e.g. AB123456.")
    )
    birth_date = forms.DateField(
        label=_("Date of birth"), widget=DateInput(), input_formats=["%Y-%m-%d", "%d/%m/%Y"]
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, widget=forms.RadioSelect)
    phone = forms.CharField(
        label=_("Phone"), max_length=20, required=False, help_text=_("e.g. 0612345678")
    )
    commune = forms.ChoiceField(label=_("Commune of residence"))
    activity_status = forms.ChoiceField(
        label=_("Current situation"), choices=ActivityStatus.choices
    )
    education_level = forms.ChoiceField(label=_("Education level"), choices=EducationLevel.choices)
    preferred_language = forms.ChoiceField(
        label=_("Preferred language"), choices=Language.choices, initial=Language.ARABIC
    )

    def __init__(self, *args, communes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].choices = (
            [("", "---------")]
            + [(c.code, c.name) for c in communes]
            + [(OUTSIDE_PROVINCE, _("Outside the province"))]
        )
        for name in ("first_name_ar", "last_name_ar"):
            self.fields[name].widget.attrs.update({"dir": "rtl", "lang": "ar"})
        for name in ("first_name_latin", "last_name_latin", "cin", "phone"):
            self.fields[name].widget.attrs.update({"dir": "ltr"})
        self.fields["phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "tel"})
        self.fields["cin"].widget.attrs.update({"autocapitalize": "characters"})

    def clean_cin(self):
        return validation.clean_cin(self.cleaned_data["cin"])

    def clean_phone(self):
        return validation.clean_phone(self.cleaned_data.get("phone", ""))

    def clean_birth_date(self):
        return validation.clean_birth_date(self.cleaned_data["birth_date"], timezone.localdate())

    def clean_commune(self):
        value = self.cleaned_data["commune"]
        return None if value == OUTSIDE_PROVINCE else value


class StaffPersonForm(PersonFieldsForm):
    disability = forms.CharField(
        label=_("Disability (sensitive, optional)"), max_length=200, required=False
    )
    rsu_index = forms.DecimalField(
        label=_("Household RSU index (optional)"),
        required=False,
        min_value=0,
        max_value=100,
        decimal_places=3,
    )


class StaffIntakeForm(StaffPersonForm):
    consent = forms.BooleanField(
        label=_("The applicant read (or was read) the information notice and agrees."),
        required=True,
    )


class PublicApplicationForm(PersonFieldsForm):
    consent = forms.BooleanField(
        label=_(
            "I have read the information notice above and I agree that the centre processes my data for this purpose."
        ),
        required=True,
        error_messages={"required": _("We cannot register your application without your consent.")},
    )


class ImportUploadForm(BootstrapMixin, forms.Form):
    file = forms.FileField(
        label=_("File (CSV or XLSX)"),
        help_text=format_lazy(
            "{} {}", _("One row per person, with the columns of the template."), LIMITS_TEXT
        ),
    )

    def clean_file(self):
        """Refuse a file over the cap before anything reads it into memory."""
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                format_lazy("{} {}", _("This file is too large to import."), LIMITS_TEXT),
                code="too_large",
            )
        return upload


class RegistrySearchForm(BootstrapMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    eligible = forms.ChoiceField(
        label=_("Eligibility"),
        required=False,
        choices=[("", _("All")), ("yes", _("Eligible")), ("no", _("Not eligible"))],
    )


class ObjectionForm(BootstrapMixin, forms.Form):
    """A person's objection to one purpose, or their withdrawal of consent to it."""

    purpose = forms.ChoiceField(label=_("What they object to"), choices=Purpose.choices)
    channel = forms.ChoiceField(label=_("Received"), choices=Objection.Channel.choices)
    received_on = forms.DateField(
        label=_("Received on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    note = forms.CharField(label=_("Note (optional)"), max_length=200, required=False)

    def clean_received_on(self):
        day = self.cleaned_data["received_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return day


class ReadLogSearchForm(BootstrapMixin, forms.Form):
    """The read log's filters: a person, a staff member, a date range, a kind."""

    person = forms.CharField(
        label=_("Person"),
        required=False,
        max_length=100,
        help_text=_("Number, name (Latin or Arabic script), CIN or phone."),
    )
    staff = forms.ModelChoiceField(
        label=_("Staff member"), required=False, queryset=None, empty_label=_("Everyone")
    )
    date_from = BoundedDateField(label=_("From"), required=False, widget=DateInput())
    date_to = BoundedDateField(label=_("To"), required=False, widget=DateInput())
    kind = forms.ChoiceField(label=_("Kind"), required=False)

    def __init__(self, *args, staff_queryset, **kwargs):
        from markaz.core.models import PersonalDataRead

        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = staff_queryset
        self.fields["staff"].label_from_instance = lambda u: (
            f"{u.get_full_name()} ({u.get_username()})" if u.get_full_name() else u.get_username()
        )
        self.fields["kind"].choices = [("", _("All")), *PersonalDataRead.Kind.choices]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned
