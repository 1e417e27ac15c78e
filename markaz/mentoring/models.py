"""Accompaniment of each young person after intake, and what became of them.

A mentor holds a caseload (MentorAssignment), keeps an action plan per youth with dated steps
and referrals, meets youth in mentoring rooms (MentoringSession: it counts toward the building's
occupancy) and writes notes only they and the coordinators read. Outcomes are a baseline at
intake and follow-ups at exit, +3, +6 and +12 months; a youth who could not be reached is
counted as unreached, never as a success or a failure.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# A monthly income above this is taken for a typing mistake (law of the product, not of Morocco).
MAX_MONTHLY_INCOME_MAD = Decimal("1000000")


class Goal(models.TextChoices):
    WAGE_JOB = "wage_job", _("Wage job")
    SELF_EMPLOYMENT = "self_employment", _("Self-employment or auto-entrepreneur status")
    COOPERATIVE = "cooperative", _("Cooperative")
    FURTHER_TRAINING = "further_training", _("Further training")


class EmploymentStatus(models.TextChoices):
    UNEMPLOYED = "unemployed", _("Unemployed, looking for work")
    WAGE_EMPLOYED = "wage", _("Wage employed")
    SELF_EMPLOYED = "self", _("Self-employed, auto-entrepreneur or cooperative member")
    TRAINING = "training", _("In further training")
    INACTIVE = "inactive", _("Inactive, not looking for work")


# Employment statuses that count as "inserted" (a job or self-employment).
INSERTED_STATUSES = frozenset({EmploymentStatus.WAGE_EMPLOYED, EmploymentStatus.SELF_EMPLOYED})


class IncomeBand(models.TextChoices):
    NONE = "0", _("No income")
    UNDER_1500 = "lt1500", _("Under 1,500 MAD")
    FROM_1500 = "1500-2999", _("1,500 to 2,999 MAD")
    FROM_3000 = "3000-4999", _("3,000 to 4,999 MAD")
    FROM_5000 = "ge5000", _("5,000 MAD or more")


class MentorProfile(models.Model):
    """What a mentor offers: languages spoken and tracks followed, and a caseload ceiling."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentor_profile"
    )
    centre = models.ForeignKey("centre.Centre", on_delete=models.CASCADE, related_name="+")
    languages = models.JSONField(_("languages"), default=list, blank=True)
    tracks = models.JSONField(_("tracks"), default=list, blank=True)
    max_caseload = models.PositiveSmallIntegerField(_("largest caseload"), default=25)

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.get_username()


class MentorAssignment(models.Model):
    """A youth in a mentor's caseload. One open assignment per youth; ending it keeps history."""

    centre = models.ForeignKey("centre.Centre", on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(
        "registry.Person", on_delete=models.CASCADE, related_name="mentor_assignments"
    )
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="mentees"
    )
    assigned_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(ended_at__isnull=True),
                name="mentor_assignment_one_open",
            )
        ]
        indexes = [models.Index(fields=["mentor", "ended_at"])]

    def __str__(self) -> str:
        return f"{self.person} → {self.mentor}"


class ActionPlan(models.Model):
    """A youth's individual action plan: one goal, dated steps, referrals."""

    centre = models.ForeignKey("centre.Centre", on_delete=models.CASCADE, related_name="+")
    person = models.OneToOneField(
        "registry.Person", on_delete=models.CASCADE, related_name="action_plan"
    )
    goal = models.CharField(_("goal"), max_length=20, choices=Goal.choices)
    summary = models.TextField(_("summary"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.person}: {self.get_goal_display()}"


class ActionStep(models.Model):
    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="steps")
    title = models.CharField(_("step"), max_length=200)
    due_on = models.DateField(_("due on"))
    done_on = models.DateField(_("done on"), null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return self.title


class Referral(models.Model):
    class Kind(models.TextChoices):
        ANAPEC = "anapec", _("ANAPEC (job agency)")
        MICROCREDIT = "microcredit", _("Microcredit")
        INDH = "indh", _("INDH project financing")
        BANK = "bank", _("Bank")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        SENT = "sent", _("Sent")
        ACCEPTED = "accepted", _("Accepted")
        REFUSED = "refused", _("Refused")

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="referrals")
    kind = models.CharField(_("to"), max_length=12, choices=Kind.choices)
    organisation = models.CharField(_("organisation"), max_length=120, blank=True)
    referred_on = models.DateField(_("referred on"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default="sent")
    amount_mad = models.DecimalField(
        _("amount financed (MAD)"), max_digits=12, decimal_places=2, null=True, blank=True
    )

    class Meta:
        ordering = ["referred_on", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.referred_on}"


class MentoringSession(models.Model):
    """A mentoring meeting in a mentoring room, individual or group. Its participants count
    toward the building's occupancy while it lasts."""

    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", _("Individual")
        GROUP = "group", _("Group")

    centre = models.ForeignKey(
        "centre.Centre", on_delete=models.CASCADE, related_name="mentoring_sessions"
    )
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="mentoring_sessions"
    )
    room = models.ForeignKey("centre.Room", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    topic = models.CharField(_("topic"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    participants = models.ManyToManyField(
        "registry.Person", through="MentoringParticipant", related_name="mentoring_sessions"
    )

    class Meta:
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["centre", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="mentoring_ends_after_start",
            ),
            models.UniqueConstraint(fields=["room", "starts_at"], name="mentoring_room_once"),
            models.UniqueConstraint(fields=["mentor", "starts_at"], name="mentoring_mentor_once"),
        ]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d %H:%M} {self.get_kind_display()}"

    @property
    def hours(self) -> float:
        return (self.ends_at - self.starts_at).total_seconds() / 3600


class MentoringParticipant(models.Model):
    session = models.ForeignKey(
        MentoringSession, on_delete=models.CASCADE, related_name="attendance"
    )
    person = models.ForeignKey("registry.Person", on_delete=models.CASCADE, related_name="+")
    attended = models.BooleanField(_("attended"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="mentoring_participant_once")
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.session}"


class MentoringNote(models.Model):
    """A mentor's note on a youth: read by its author and the coordinators, edited by its
    author only."""

    centre = models.ForeignKey("centre.Centre", on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(
        "registry.Person", on_delete=models.CASCADE, related_name="mentoring_notes"
    )
    session = models.ForeignKey(
        MentoringSession, on_delete=models.SET_NULL, null=True, blank=True, related_name="notes"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("note"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.person} {self.created_at:%Y-%m-%d}"


class _Situation(models.Model):
    """What a youth does and earns at one moment: shared by the baseline and the follow-ups."""

    employment_status = models.CharField(
        _("employment status"), max_length=12, choices=EmploymentStatus.choices, blank=True
    )
    monthly_income_mad = models.DecimalField(
        _("monthly income (MAD)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    income_band = models.CharField(
        _("income band"), max_length=10, choices=IncomeBand.choices, blank=True
    )
    sector = models.CharField(_("sector"), max_length=80, blank=True)
    formal = models.BooleanField(_("formal (declared) work"), null=True, blank=True)

    class Meta:
        abstract = True


class Baseline(_Situation):
    """The youth's situation at intake."""

    centre = models.ForeignKey("centre.Centre", on_delete=models.CASCADE, related_name="+")
    person = models.OneToOneField(
        "registry.Person", on_delete=models.CASCADE, related_name="baseline"
    )
    recorded_on = models.DateField(_("recorded on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(monthly_income_mad__isnull=True)
                | models.Q(monthly_income_mad__gte=0, monthly_income_mad__lte=1000000),
                name="baseline_income_plausible",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.recorded_on}"


class FollowUp(_Situation):
    """One follow-up of one youth at one milestone after leaving a cohort."""

    class Milestone(models.TextChoices):
        EXIT = "exit", _("At exit")
        M3 = "m3", _("+3 months")
        M6 = "m6", _("+6 months")
        M12 = "m12", _("+12 months")

    class Status(models.TextChoices):
        PENDING = "pending", _("To do")
        REACHED = "reached", _("Reached")
        UNREACHED = "unreached", _("Could not be reached")

    centre = models.ForeignKey("centre.Centre", on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(
        "registry.Person", on_delete=models.CASCADE, related_name="followups"
    )
    enrolment = models.ForeignKey(
        "programmes.Enrolment", on_delete=models.CASCADE, related_name="followups"
    )
    milestone = models.CharField(_("milestone"), max_length=4, choices=Milestone.choices)
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts to reach"), default=0)
    contacted_on = models.DateField(_("contacted on"), null=True, blank=True)
    business_created = models.BooleanField(_("business created"), default=False)
    jobs_created = models.PositiveSmallIntegerField(_("jobs created"), default=0)
    further_training = models.BooleanField(_("in further training"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(null=True, blank=True)
    # When the SMS reminder to the youth was queued (one reminder per follow-up, never two).
    reminder_queued_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [
            models.Index(fields=["centre", "status", "due_on"]),
            models.Index(fields=["centre", "due_on"], name="followup_centre_due"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "milestone"], name="followup_once_per_milestone"
            ),
            models.CheckConstraint(
                condition=models.Q(monthly_income_mad__isnull=True)
                | models.Q(monthly_income_mad__gte=0, monthly_income_mad__lte=1000000),
                name="followup_income_plausible",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.get_milestone_display()}"
