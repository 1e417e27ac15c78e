"""Forms of the job-fair pages (parsing only: the rules and their messages are in
services_fairs.py)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from markaz.centre.models import Room
from markaz.core.forms import BootstrapMixin

from .forms import _communes, _date
from .models import JobFair

TIME = {"type": "time"}


class FairForm(BootstrapMixin, forms.Form):
    name_fr = forms.CharField(label=_("Name (French)"), max_length=160)
    name_ar = forms.CharField(
        label=_("Name (Arabic)"), max_length=160, widget=forms.TextInput(attrs={"dir": "rtl"})
    )
    date = _date(_("Date"))
    start_time = forms.TimeField(label=_("Start time"), widget=forms.TimeInput(attrs=TIME))
    end_time = forms.TimeField(label=_("End time"), widget=forms.TimeInput(attrs=TIME))
    slot_minutes = forms.IntegerField(label=_("Length of an interview (minutes)"), initial=20)
    place = forms.ChoiceField(
        label=_("Place"), choices=JobFair.Place.choices, initial=JobFair.Place.CENTRE
    )
    room = forms.ModelChoiceField(
        label=_("Room (empty: the whole centre)"), queryset=Room.objects.none(), required=False
    )
    address = forms.CharField(label=_("Address (elsewhere)"), max_length=200, required=False)
    commune = forms.ModelChoiceField(
        label=_("Commune (elsewhere)"), queryset=_communes(), required=False
    )

    def __init__(self, *args, centre=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room"].queryset = Room.objects.filter(centre=centre).order_by("name_fr")


def _slot_choices(slots):
    return [(s.index, s.label) for s in slots]


class FairEmployerForm(BootstrapMixin, forms.Form):
    employer = forms.ChoiceField(label=_("Employer"))
    tables = forms.IntegerField(label=_("Tables"), initial=1)
    max_interviews = forms.IntegerField(label=_("Most interviews"), initial=12)
    slots = forms.MultipleChoiceField(
        label=_("Slots when it is there (none ticked: all)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, employers=(), slots=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["employer"].choices = [(e.pk, e.name) for e in employers]
        self.fields["slots"].choices = _slot_choices(slots)


class FairYouthForm(BootstrapMixin, forms.Form):
    person = forms.ChoiceField(label=_("Youth"))
    max_interviews = forms.IntegerField(label=_("Most interviews"), initial=3)
    slots = forms.MultipleChoiceField(
        label=_("Slots when they can come (none ticked: all)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    employers = forms.MultipleChoiceField(
        label=_("Employers to meet (none ticked: those the matching finds)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, people=(), slots=(), employers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [(p.pk, p.full_name) for p in people]
        self.fields["slots"].choices = _slot_choices(slots)
        self.fields["employers"].choices = [(fe.pk, fe.employer.name) for fe in employers]


class InterviewForm(BootstrapMixin, forms.Form):
    youth = forms.ChoiceField(label=_("Youth"))
    employer = forms.ChoiceField(label=_("Employer"))
    slot = forms.ChoiceField(label=_("Slot"))
    interview = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, youth=(), employers=(), slots=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["youth"].choices = [(fy.pk, fy.person.full_name) for fy in youth]
        self.fields["employer"].choices = [(fe.pk, fe.employer.name) for fe in employers]
        self.fields["slot"].choices = _slot_choices(slots)


class LeaveForm(BootstrapMixin, forms.Form):
    employer = forms.ChoiceField(label=_("Employer"))
    from_slot = forms.ChoiceField(label=_("Gone from"))

    def __init__(self, *args, employers=(), slots=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["employer"].choices = [(fe.pk, fe.employer.name) for fe in employers]
        self.fields["from_slot"].choices = _slot_choices(slots)


class AbsentForm(BootstrapMixin, forms.Form):
    youth = forms.ChoiceField(label=_("Youth"))

    def __init__(self, *args, youth=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["youth"].choices = [(fy.pk, fy.person.full_name) for fy in youth]


class ReplanForm(BootstrapMixin, forms.Form):
    from_slot = forms.ChoiceField(label=_("Re-plan from"))

    def __init__(self, *args, slots=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from_slot"].choices = _slot_choices(slots)
