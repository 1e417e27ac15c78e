"""Forms of the first-run page and of the settings screens (opening hours, rooms)."""

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.utils.translation import gettext_lazy as _

from markaz.core.forms import BootstrapMixin
from markaz.core.validation import clean_phone
from markaz.territory.models import Commune

from .models import OpeningHours, Room

TIME = {"type": "time"}


class CommuneField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class CentreSetupForm(BootstrapMixin, forms.Form):
    name_fr = forms.CharField(label=_("Name of the centre (French)"), max_length=120)
    name_ar = forms.CharField(
        label=_("Name of the centre (Arabic)"),
        max_length=120,
        widget=forms.TextInput(attrs={"dir": "rtl", "lang": "ar"}),
    )
    commune = CommuneField(label=_("Commune"), queryset=Commune.objects.order_by("name_fr"))
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "dir": "ltr"}),
    )
    floor_area_m2 = forms.IntegerField(
        label=_("Floor area (m²)"), min_value=1, max_value=100000, initial=600
    )
    max_occupancy = forms.IntegerField(
        label=_("Maximum occupancy (youth in the building at once)"),
        min_value=1,
        max_value=5000,
        initial=100,
    )
    min_age = forms.IntegerField(
        label=_("Youngest age served"), min_value=10, max_value=60, initial=18
    )
    max_age = forms.IntegerField(
        label=_("Oldest age served"), min_value=10, max_value=80, initial=35
    )

    def clean_phone(self):
        return clean_phone(self.cleaned_data["phone"])

    def clean(self):
        data = super().clean()
        if data.get("min_age") and data.get("max_age") and data["max_age"] < data["min_age"]:
            self.add_error("max_age", _("The oldest age must not be below the youngest."))
        return data


class OpeningDayForm(forms.Form):
    """One weekday's hours (a fixed formset of seven)."""

    weekday = forms.TypedChoiceField(
        choices=OpeningHours.Weekday.choices, coerce=int, widget=forms.HiddenInput
    )
    open = forms.BooleanField(label=_("Open"), required=False)
    opens = forms.TimeField(
        label=_("Opens at"), required=False, widget=forms.TimeInput(TIME, format="%H:%M")
    )
    closes = forms.TimeField(
        label=_("Closes at"), required=False, widget=forms.TimeInput(TIME, format="%H:%M")
    )
    break_start = forms.TimeField(
        label=_("Break from"), required=False, widget=forms.TimeInput(TIME, format="%H:%M")
    )
    break_end = forms.TimeField(
        label=_("Break until"), required=False, widget=forms.TimeInput(TIME, format="%H:%M")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("opens", "closes", "break_start", "break_end"):
            self.fields[name].widget.attrs["class"] = "form-control form-control-sm"
        self.fields["open"].widget.attrs["class"] = "form-check-input"

    @property
    def day_label(self):
        value = self.initial.get("weekday", self.data.get(self.add_prefix("weekday")))
        try:
            return OpeningHours.Weekday(int(value)).label
        except (TypeError, ValueError):
            return ""

    def clean(self):
        data = super().clean()
        if not data.get("open"):
            return data
        day = self.day_label
        opens, closes = data.get("opens"), data.get("closes")
        if opens is None or closes is None:
            raise forms.ValidationError(
                _("%(day)s: give the opening and closing times, or untick Open.") % {"day": day}
            )
        if closes <= opens:
            raise forms.ValidationError(
                _("%(day)s: the centre must close after it opens.") % {"day": day}
            )
        bs, be = data.get("break_start"), data.get("break_end")
        if (bs is None) != (be is None):
            raise forms.ValidationError(
                _("%(day)s: give both ends of the break, or neither.") % {"day": day}
            )
        if bs is not None and not (opens < bs < be < closes):
            raise forms.ValidationError(
                _("%(day)s: the break must start and end while the centre is open.") % {"day": day}
            )
        return data

    def hours(self) -> dict | None:
        d = self.cleaned_data
        if not d.get("open"):
            return None
        return {
            "weekday": d["weekday"],
            "opens": d["opens"],
            "closes": d["closes"],
            "break_start": d.get("break_start"),
            "break_end": d.get("break_end"),
        }


OpeningHoursFormSet = forms.formset_factory(OpeningDayForm, extra=0, min_num=7, max_num=7)


class RoomForm(BootstrapMixin, forms.Form):
    """A room on the first-run page; a row left empty is ignored."""

    name_fr = forms.CharField(label=_("Name (French)"), max_length=80, required=False)
    name_ar = forms.CharField(
        label=_("Name (Arabic)"),
        max_length=80,
        required=False,
        widget=forms.TextInput(attrs={"dir": "rtl", "lang": "ar"}),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Room.Kind.choices)
    capacity = forms.IntegerField(label=_("Capacity"), min_value=1, max_value=1000, required=False)

    def is_blank(self) -> bool:
        d = getattr(self, "cleaned_data", {})
        return not (d.get("name_fr") or d.get("name_ar") or d.get("capacity"))

    def clean(self):
        data = super().clean()
        if self.is_blank():
            return data
        missing = [
            str(self.fields[n].label) for n in ("name_fr", "name_ar", "capacity") if not data.get(n)
        ]
        if missing:
            raise forms.ValidationError(
                _("A room needs its %(fields)s.") % {"fields": ", ".join(missing)}
            )
        return data


RoomFormSet = forms.formset_factory(RoomForm, extra=6, max_num=30)


class AccountFieldsMixin:
    def clean_phone(self):
        return clean_phone(self.cleaned_data.get("phone", ""))

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        User = get_user_model()
        qs = User.objects.filter(username__iexact=username)
        if getattr(self, "instance_user", None) is not None:
            qs = qs.exclude(pk=self.instance_user.pk)
        if qs.exists():
            raise forms.ValidationError(_("This user name is taken; choose another."))
        return username


class CoordinatorSetupForm(AccountFieldsMixin, BootstrapMixin, forms.Form):
    username = forms.CharField(
        label=_("User name (to log in)"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "dir": "ltr"}),
    )
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "dir": "ltr"}),
    )
    email = forms.EmailField(label=_("E-mail"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[
            "password1"
        ].help_text = password_validation.password_validators_help_text_html()

    def clean(self):
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        elif p1 and data.get("username"):
            user = get_user_model()(
                username=data["username"],
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
                email=data.get("email", ""),
            )
            try:
                password_validation.validate_password(p1, user=user)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data

    def account(self) -> dict:
        d = self.cleaned_data
        return {
            "username": d["username"],
            "first_name": d["first_name"],
            "last_name": d["last_name"],
            "password": d["password1"],
            "language": d["language"],
            "phone": d["phone"],
            "email": d["email"],
        }
