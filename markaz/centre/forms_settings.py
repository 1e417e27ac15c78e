from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from markaz.core.forms import BootstrapMixin
from markaz.core.roles import Role
from markaz.core.validation import clean_phone

from .forms_setup import AccountFieldsMixin
from .models import Centre, OpeningHours, Room

DATE = {"type": "date"}
TIME = {"type": "time"}


def date_field(label, required=True):
    return forms.DateField(
        label=label, required=required, widget=forms.DateInput(DATE, format="%Y-%m-%d")
    )


def time_field(label, required=False):
    return forms.TimeField(
        label=label, required=required, widget=forms.TimeInput(TIME, format="%H:%M")
    )


class ClosureForm(BootstrapMixin, forms.Form):
    date_from = date_field(_("From"))
    date_to = date_field(_("To (empty: one day)"), required=False)
    reason_fr = forms.CharField(label=_("Reason (French)"), max_length=120)
    reason_ar = forms.CharField(
        label=_("Reason (Arabic)"), max_length=120, widget=forms.TextInput(attrs={"dir": "rtl"})
    )


class ClosureEditForm(BootstrapMixin, forms.Form):
    date = date_field(_("Date"))
    reason_fr = forms.CharField(label=_("Reason (French)"), max_length=120)
    reason_ar = forms.CharField(
        label=_("Reason (Arabic)"), max_length=120, widget=forms.TextInput(attrs={"dir": "rtl"})
    )


class HoursPeriodForm(BootstrapMixin, forms.Form):
    start_date = date_field(_("First day of Ramadan hours"))
    end_date = date_field(_("Last day of Ramadan hours"))


class RoomEditForm(BootstrapMixin, forms.Form):
    name_fr = forms.CharField(label=_("Name (French)"), max_length=80)
    name_ar = forms.CharField(
        label=_("Name (Arabic)"), max_length=80, widget=forms.TextInput(attrs={"dir": "rtl"})
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Room.Kind.choices)
    capacity = forms.IntegerField(label=_("Capacity"), min_value=1, max_value=1000)


class UnavailabilityForm(BootstrapMixin, forms.Form):
    KINDS = [("weekly", _("Every week")), ("dated", _("On dates (an absence)"))]
    kind = forms.ChoiceField(
        label=_("When"), choices=KINDS, widget=forms.RadioSelect, initial="weekly"
    )
    weekday = forms.TypedChoiceField(
        label=_("Weekday"),
        choices=[("", "—"), *OpeningHours.Weekday.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    date_from = date_field(_("From (date)"), required=False)
    date_to = date_field(_("To (date; empty: one day)"), required=False)
    start_time = time_field(_("From (time; empty: all day)"))
    end_time = time_field(_("To (time)"))
    reason = forms.CharField(label=_("Reason"), max_length=120, required=False)

    def clean(self):
        data = super().clean()
        if data.get("kind") == "weekly":
            if data.get("weekday") is None:
                self.add_error("weekday", _("Choose the weekday."))
            data["date_from"] = data["date_to"] = None
        elif data.get("kind") == "dated":
            if data.get("date_from") is None:
                self.add_error("date_from", _("Give the first day of the absence."))
            data["weekday"] = None
        if (data.get("start_time") is None) != (data.get("end_time") is None):
            raise forms.ValidationError(_("Give both times, or none for the whole day."))
        if (
            data.get("start_time")
            and data.get("end_time")
            and data["end_time"] <= data["start_time"]
        ):
            raise forms.ValidationError(_("The end time must come after the start time."))
        return data


class CentreChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class StaffForm(AccountFieldsMixin, BootstrapMixin, forms.Form):
    username = forms.CharField(
        label=_("User name (to log in)"),
        max_length=150,
        widget=forms.TextInput(attrs={"dir": "ltr"}),
    )
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    role = forms.ChoiceField(label=_("Role"))
    centre = CentreChoiceField(
        label=_("Centre"), queryset=Centre.objects.order_by("name_fr"), required=False
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "dir": "ltr"}),
    )
    email = forms.EmailField(label=_("E-mail"), required=False)

    def __init__(self, *args, roles, may_choose_centre: bool, instance_user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance_user = instance_user
        self.fields["role"].choices = roles
        if not may_choose_centre:
            del self.fields["centre"]
        if instance_user is not None:
            del self.fields["username"]

    def clean_phone(self):
        return clean_phone(self.cleaned_data.get("phone", ""))

    def clean(self):
        data = super().clean()
        needs_centre = data.get("role") not in (None, Role.PROVINCIAL)
        if "centre" in self.fields and needs_centre and data.get("centre") is None:
            self.add_error("centre", _("Choose the centre this person works in."))
        return data
