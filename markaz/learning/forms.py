from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from markaz.core.forms import BootstrapMixin


class EvaluationForm(BootstrapMixin, forms.Form):
    passed = forms.TypedChoiceField(
        label=_("Result of the final evaluation"),
        choices=[("yes", _("Passed")), ("no", _("Not passed"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    score = forms.DecimalField(
        label=_("Score (out of 100)"),
        required=False,
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
    )
    evaluated_on = forms.DateField(
        label=_("Date of the evaluation"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean_evaluated_on(self):
        day = self.cleaned_data["evaluated_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The evaluation date cannot be in the future."))
        return day


class CompletionRuleForm(BootstrapMixin, forms.Form):
    min_attendance_percent = forms.IntegerField(
        label=_("Minimum attendance (%)"), min_value=0, max_value=100
    )
    requires_evaluation = forms.BooleanField(
        label=_("A passed final evaluation is required"), required=False
    )


class RevokeForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("Reason for revoking"), max_length=200)


class VerifyForm(BootstrapMixin, forms.Form):
    code = forms.CharField(
        label=_("Certificate code"),
        max_length=30,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "dir": "ltr",
                "placeholder": "MKZ-XXXXXXXX",
            }
        ),
    )
