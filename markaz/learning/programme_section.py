"""The completion rule as a section of the programme form (programmes' registration point)."""

from django.utils.translation import gettext_lazy as _

from markaz.programmes.extensions import ProgrammeSection, programme_section_register

from .forms import CompletionRuleForm
from .models import CompletionRule


def _form(programme, data):
    rule = (
        CompletionRule.objects.filter(programme=programme).first()
        if programme is not None and programme.pk
        else None
    )
    initial = {
        "min_attendance_percent": rule.min_attendance_percent if rule else 80,
        "requires_evaluation": rule.requires_evaluation if rule else True,
    }
    return CompletionRuleForm(data, initial=initial, prefix="completion")


def _save(*, programme, form, actor) -> None:
    from .services import completion_rule_set

    completion_rule_set(programme=programme, actor=actor, **form.cleaned_data)


def register() -> None:
    programme_section_register(
        ProgrammeSection(key="completion", title=_("Completion rule"), form=_form, save=_save)
    )
