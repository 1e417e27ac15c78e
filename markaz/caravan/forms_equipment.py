from django import forms
from django.utils.translation import gettext_lazy as _

from markaz.core.forms import BootstrapMixin

from .models import Kit, School, Workshop


class WorkshopForm(BootstrapMixin, forms.Form):
    code = forms.SlugField(
        label=_("Code"), max_length=50, widget=forms.TextInput(attrs={"dir": "ltr"})
    )
    title_fr = forms.CharField(label=_("Title (French)"), max_length=120)
    title_ar = forms.CharField(
        label=_("Title (Arabic)"), max_length=120, widget=forms.TextInput(attrs={"dir": "rtl"})
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Workshop.Kind.choices)
    duration_min = forms.IntegerField(
        label=_("Duration (minutes)"), min_value=15, max_value=480, initial=120
    )
    pupils_per_session = forms.IntegerField(
        label=_("Pupils per session"), min_value=1, max_value=200, initial=30
    )
    levels = forms.MultipleChoiceField(
        label=_("School levels"), choices=School.Level.choices, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["levels"].widget.attrs.pop("class", None)
        for kind, label in Kit.Kind.choices:
            self.fields[f"kits_{kind}"] = forms.IntegerField(
                label=_("%(kit)s needed per visit") % {"kit": label},
                min_value=0,
                max_value=500,
                initial=0,
                required=False,
                widget=forms.NumberInput(attrs={"class": "form-control", "inputmode": "numeric"}),
            )

    def kits_needed(self) -> dict[str, int]:
        return {
            kind: self.cleaned_data.get(f"kits_{kind}") or 0
            for kind in Kit.Kind.values
            if self.cleaned_data.get(f"kits_{kind}")
        }

    def values(self) -> dict:
        d = self.cleaned_data
        return {
            "code": d["code"],
            "title_fr": d["title_fr"],
            "title_ar": d["title_ar"],
            "kind": d["kind"],
            "duration_min": d["duration_min"],
            "pupils_per_session": d["pupils_per_session"],
            "levels": d["levels"],
            "kits_needed": self.kits_needed(),
        }


class KitStockForm(forms.Form):
    """One count per kit kind and condition."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = {(k.kind, k.condition): k.count for k in Kit.objects.all()}
        self.grid = []
        for kind, kind_label in Kit.Kind.choices:
            row = []
            for condition, condition_label in Kit.Condition.choices:
                name = f"{kind}__{condition}"
                self.fields[name] = forms.IntegerField(
                    label=f"{kind_label} · {condition_label}",
                    min_value=0,
                    max_value=10000,
                    initial=current.get((kind, condition), 0),
                    widget=forms.NumberInput(
                        attrs={"class": "form-control", "inputmode": "numeric"}
                    ),
                )
                row.append(name)
            self.grid.append((kind_label, [self[n] for n in row]))

    def counts(self) -> dict[tuple[str, str], int]:
        return {tuple(name.split("__")): value for name, value in self.cleaned_data.items()}
