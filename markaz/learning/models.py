from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AttendanceMark(models.Model):
    """A learner's attendance at one session, as the trainer confirmed it (pre-filled from the
    door's check-ins)."""

    class Status(models.TextChoices):
        PRESENT = "present", _("Present")
        LATE = "late", _("Late")
        ABSENT = "absent", _("Absent")
        EXCUSED = "excused", _("Excused")

    session = models.ForeignKey("centre.Session", on_delete=models.CASCADE, related_name="marks")
    enrolment = models.ForeignKey(
        "programmes.Enrolment", on_delete=models.CASCADE, related_name="marks"
    )
    status = models.CharField(max_length=8, choices=Status.choices)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    marked_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "enrolment"], name="mark_unique")]
        # The reports read attendance per enrolment and per session in one pass over an index
        # each, never the table (tens of millions of marks on a province's database).
        indexes = [
            models.Index(fields=["enrolment", "status"], name="mark_enrolment_status"),
            models.Index(fields=["session", "status"], name="mark_session_status"),
        ]

    def __str__(self) -> str:
        return f"{self.session_id}/{self.enrolment_id} {self.status}"


class CompletionRule(models.Model):
    """What completing a programme takes (e.g. 80% attendance and a passed final evaluation)."""

    programme = models.OneToOneField(
        "programmes.Programme", on_delete=models.CASCADE, related_name="completion_rule"
    )
    min_attendance_percent = models.PositiveSmallIntegerField(
        _("minimum attendance (%)"), default=80
    )
    requires_evaluation = models.BooleanField(
        _("a passed final evaluation is required"), default=True
    )

    def __str__(self) -> str:
        return f"{self.programme_id}: {self.min_attendance_percent}%"


class Evaluation(models.Model):
    enrolment = models.OneToOneField(
        "programmes.Enrolment", on_delete=models.CASCADE, related_name="evaluation"
    )
    passed = models.BooleanField(_("passed"))
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True, blank=True)
    evaluated_on = models.DateField(_("date"))
    evaluated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.enrolment_id}: {'passed' if self.passed else 'failed'}"


class Completion(models.Model):
    """The decision, with its reasons, on whether a learner completed their programme."""

    enrolment = models.OneToOneField(
        "programmes.Enrolment", on_delete=models.CASCADE, related_name="completion"
    )
    completed = models.BooleanField()
    attendance_percent = models.DecimalField(max_digits=5, decimal_places=1)
    reasons = models.JSONField(default=list)
    decided_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.enrolment_id}: {self.completed}"


class Certificate(models.Model):
    """A certificate an employer can verify by its code. Names and dates are kept as printed."""

    enrolment = models.OneToOneField(
        "programmes.Enrolment", on_delete=models.PROTECT, related_name="certificate"
    )
    code = models.CharField(max_length=20, unique=True)
    name_latin = models.CharField(max_length=170)
    name_ar = models.CharField(max_length=170, blank=True)
    programme_fr = models.CharField(max_length=120)
    programme_ar = models.CharField(max_length=120)
    start_date = models.DateField()
    end_date = models.DateField()
    hours = models.PositiveSmallIntegerField()
    issued_at = models.DateTimeField(auto_now_add=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_reason = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return self.code

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None


class AbsenceAlert(models.Model):
    """A run of consecutive absences that was notified: named by the run's first absent session,
    so saving a sheet again, or a third absence, never notifies twice."""

    centre = models.ForeignKey("centre.Centre", on_delete=models.CASCADE, related_name="+")
    enrolment = models.ForeignKey(
        "programmes.Enrolment", on_delete=models.CASCADE, related_name="absence_alerts"
    )
    first_session = models.ForeignKey("centre.Session", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "first_session"], name="absence_alert_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id} from {self.first_session_id}"
