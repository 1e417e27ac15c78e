"""What this app holds about a person, for their file under law 09-08 (registered with the
registry in LearningConfig.ready)."""

from django.utils.translation import gettext as _

from markaz.registry.selectors import section

from .models import AbsenceAlert, AttendanceMark, Certificate, Completion, Evaluation


def person_records(person):
    mine = {"enrolment__person": person}
    return [
        section("attendance", _("Attendance"), AttendanceMark.objects.filter(**mine)),
        section("evaluations", _("Evaluations"), Evaluation.objects.filter(**mine)),
        section("completions", _("Completion"), Completion.objects.filter(**mine)),
        section("certificates", _("Certificates"), Certificate.objects.filter(**mine)),
        section("absence_alerts", _("Absence alerts"), AbsenceAlert.objects.filter(**mine)),
    ]


def person_erase_names(person):
    """The certificate keeps a copy of the name it was issued to: replaced with the anonymous
    name (the certificate, its code and its hours stay, for the figures)."""
    Certificate.objects.filter(enrolment__person=person).update(
        name_latin=person.full_name_latin, name_ar=""
    )
