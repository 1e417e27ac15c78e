from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from markaz.core.i18n import pick


class SchedulePattern(models.TextChoices):
    DAYTIME = "daytime", _("Daytime")
    EVENING = "evening", _("Evenings")
    WEEKEND = "weekend", _("Weekends")


class Programme(models.Model):
    class Track(models.TextChoices):
        WEB = "web", _("Web development")
        MARKETING = "marketing", _("Digital marketing")
        OFFICE = "office", _("Office and IT basics")
        ECOMMERCE = "ecommerce", _("E-commerce and freelancing")
        AI = "ai", _("AI literacy")
        ROBOTICS = "robotics", _("Robotics")

    class Goal(models.TextChoices):
        WAGE_JOB = "wage_job", _("Wage job")
        SELF_EMPLOYMENT = "self_employment", _("Self-employment")
        FURTHER_TRAINING = "further_training", _("Further training")

    centre = models.ForeignKey("centre.Centre", on_delete=models.PROTECT, related_name="programmes")
    title_fr = models.CharField(_("title (French)"), max_length=120)
    title_ar = models.CharField(_("title (Arabic)"), max_length=120)
    track = models.CharField(_("track"), max_length=12, choices=Track.choices)
    hours = models.PositiveSmallIntegerField(_("hours"))
    duration_weeks = models.PositiveSmallIntegerField(_("duration (weeks)"))
    goal = models.CharField(_("goal"), max_length=20, choices=Goal.choices)
    teaching_language = models.CharField(_("language of teaching"), max_length=40)
    prerequisites = models.CharField(_("prerequisites"), max_length=200, blank=True)
    schedule_pattern = models.CharField(
        _("schedule"), max_length=8, choices=SchedulePattern.choices
    )

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["title_fr"]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return pick(self.title_fr, self.title_ar)


class Cohort(models.Model):
    """A group of learners following a programme. `enrolled` counts enrolments; the database
    refuses to let it pass `seats` (a check constraint), whatever arrives at once."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        RUNNING = "running", _("Running")
        FINISHED = "finished", _("Finished")

    class Precedence(models.TextChoices):
        OPEN_FIRST = "open_first", _("Open seats first, then reserved seats")
        RESERVED_FIRST = "reserved_first", _("Reserved seats first, then open seats")

    centre = models.ForeignKey("centre.Centre", on_delete=models.PROTECT, related_name="cohorts")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="cohorts")
    code = models.SlugField(max_length=30)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    seats = models.PositiveSmallIntegerField(_("seats"))
    enrolled = models.PositiveSmallIntegerField(default=0, editable=False)
    trainers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="cohorts")
    schedule_pattern = models.CharField(
        _("schedule"), max_length=8, choices=SchedulePattern.choices
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    precedence = models.CharField(
        _("reserve precedence"),
        max_length=16,
        choices=Precedence.choices,
        default=Precedence.OPEN_FIRST,
    )

    class Meta:
        verbose_name = _("cohort")
        verbose_name_plural = _("cohorts")
        ordering = ["start_date", "code"]
        constraints = [
            models.UniqueConstraint(fields=["centre", "code"], name="cohort_unique_code"),
            models.CheckConstraint(
                condition=models.Q(enrolled__lte=models.F("seats")),
                name="cohort_enrolled_within_seats",
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")), name="cohort_dates"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme.title} · {self.code}"

    @property
    def label(self) -> str:
        return str(self)


class CohortReserve(models.Model):
    """Seats of a cohort reserved (softly) for a group; unfilled ones go to others."""

    class Group(models.TextChoices):
        WOMEN = "women", _("Women")
        RURAL = "rural", _("Rural communes")
        DISABILITY = "disability", _("People with a disability")

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="reserves")
    group = models.CharField(max_length=12, choices=Group.choices)
    seats = models.PositiveSmallIntegerField()
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["cohort", "group"], name="reserve_unique_group")
        ]

    def __str__(self) -> str:
        return f"{self.cohort.code}: {self.seats} × {self.group}"


class ScoringRuleVersion(models.Model):
    """A published priority rule. Its weights are shown to the public; a run records the version.

    A version is never edited once published: a coordinator publishes a new one, which new
    campaigns (and campaigns not yet allocated) use; an allocated campaign keeps its own."""

    centre = models.ForeignKey("centre.Centre", on_delete=models.PROTECT)
    version = models.CharField(_("version"), max_length=20)
    weights = models.JSONField()
    rsu_threshold = models.DecimalField(
        _("RSU threshold"), max_digits=5, decimal_places=2, default=9.74
    )
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("what changed"), max_length=300, blank=True)

    class Meta:
        ordering = ["-published_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["centre", "version"], name="scoring_unique_version")
        ]

    def __str__(self) -> str:
        return self.version


class Campaign(models.Model):
    centre = models.ForeignKey("centre.Centre", on_delete=models.PROTECT, related_name="campaigns")
    name_fr = models.CharField(_("name (French)"), max_length=120)
    name_ar = models.CharField(_("name (Arabic)"), max_length=120)
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))
    cohorts = models.ManyToManyField(Cohort, related_name="campaigns")
    scoring_rule = models.ForeignKey(ScoringRuleVersion, on_delete=models.PROTECT)
    offer_days = models.PositiveSmallIntegerField(_("days to answer an offer"), default=7)
    max_choices = models.PositiveSmallIntegerField(default=5)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-opens_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_on__gte=models.F("opens_on")), name="campaign_dates"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return pick(self.name_fr, self.name_ar)

    def is_open(self, on=None) -> bool:
        on = on or timezone.localdate()
        return self.opens_on <= on <= self.closes_on


class Application(models.Model):
    """An eligible person's ranking of up to `max_choices` cohorts in one campaign."""

    centre = models.ForeignKey("centre.Centre", on_delete=models.PROTECT)
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="applications")
    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="applications"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "person"], name="application_unique_person")
        ]

    def __str__(self) -> str:
        return f"{self.person} → {self.campaign}"


class Choice(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="choices")
    rank = models.PositiveSmallIntegerField()
    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, related_name="choices")

    class Meta:
        ordering = ["rank"]
        constraints = [
            models.UniqueConstraint(fields=["application", "rank"], name="choice_unique_rank"),
            models.UniqueConstraint(fields=["application", "cohort"], name="choice_unique_cohort"),
            models.CheckConstraint(
                condition=models.Q(rank__gte=1, rank__lte=10), name="choice_rank_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rank}. {self.cohort}"


class AllocationRun(models.Model):
    """One allocation, kept with everything needed to reproduce it."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        READY = "ready", _("Ready for review")
        PUBLISHED = "published", _("Published")
        FAILED = "failed", _("Failed")

    centre = models.ForeignKey("centre.Centre", on_delete=models.PROTECT)
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="runs")
    seed = models.BigIntegerField()
    scoring_version = models.CharField(max_length=20)
    # The rule this run scored with: explanations and reproductions use it, whatever the
    # campaign's rule became later.
    scoring_rule = models.ForeignKey(
        ScoringRuleVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="runs"
    )
    inputs_hash = models.CharField(max_length=64, blank=True)
    instance = models.JSONField(default=dict, help_text="The engine's input, as given.")
    summary = models.JSONField(default=dict, help_text="Cut-offs and reserve fill per cohort.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    job = models.ForeignKey("core.Job", on_delete=models.SET_NULL, null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign"],
                condition=models.Q(status="published"),
                name="one_published_run_per_campaign",
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign} #{self.pk} (seed {self.seed})"


class Outcome(models.Model):
    """What a run decided for one application, with its explanation in both languages."""

    run = models.ForeignKey(AllocationRun, on_delete=models.CASCADE, related_name="outcomes")
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="outcomes")
    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, null=True, blank=True)
    slot = models.CharField(max_length=12, blank=True)
    score = models.FloatField()
    lottery = models.BigIntegerField()
    explanation_fr = models.TextField()
    explanation_ar = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "application"], name="outcome_unique")
        ]

    def __str__(self) -> str:
        return f"{self.application_id} → {self.cohort_id}"

    @property
    def explanation(self) -> str:
        return pick(self.explanation_fr, self.explanation_ar)


class WaitlistEntry(models.Model):
    """An applicant waiting for a seat in a cohort they preferred, in that cohort's own order."""

    run = models.ForeignKey(AllocationRun, on_delete=models.CASCADE, related_name="waitlist")
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="waitlist")
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="waitlist")
    position = models.PositiveIntegerField()
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["cohort", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "cohort", "application"], name="waitlist_unique"
            ),
            models.UniqueConstraint(
                fields=["run", "cohort", "position"], name="waitlist_unique_position"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cohort_id} #{self.position}"


class Offer(models.Model):
    class Status(models.TextChoices):
        OFFERED = "offered", _("Offered")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("Expired")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    run = models.ForeignKey(AllocationRun, on_delete=models.CASCADE, related_name="offers")
    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, related_name="offers")
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="offers")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OFFERED)
    from_waitlist = models.BooleanField(default=False)
    offered_at = models.DateTimeField(default=timezone.now)
    deadline = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-offered_at"]
        constraints = [
            models.UniqueConstraint(fields=["run", "cohort", "application"], name="offer_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} @ {self.cohort_id} ({self.status})"

    @property
    def is_expired(self) -> bool:
        return self.status == self.Status.OFFERED and timezone.now() > self.deadline


class Enrolment(models.Model):
    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, related_name="enrolments")
    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="enrolments"
    )
    offer = models.OneToOneField(Offer, on_delete=models.PROTECT, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_on = models.DateField(_("date of leaving"), null=True, blank=True)
    withdrawal_reason = models.CharField(_("reason for leaving"), max_length=200, blank=True)
    # Kept by learning.services.attendance_record (and attendance_counters_refresh), so that the
    # reports never scan the attendance marks: present or late marks, and all marks.
    marks_present = models.PositiveIntegerField(default=0, editable=False)
    marks_total = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "person"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="enrolment_unique_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} in {self.cohort}"


class PendingApplication(models.Model):
    """A public application waiting for the confirmation of its phone (issue 13 §1 C): the form
    as posted and nothing else, so it is not a person, not ranked, not allocated and not counted
    anywhere. The code sent by SMS to its phone completes it (the application as before, in one
    transaction, with this row deleted); unconfirmed, it expires after
    MARKAZ_APPLY_CONFIRM_HOURS and `expire_offers` purges it. Several may name one CIN (someone
    else may have typed it): none blocks the real person."""

    centre = models.ForeignKey("centre.Centre", on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    form = models.JSONField()
    language = models.CharField(max_length=8)
    phone = models.CharField(max_length=20)
    cin = models.CharField(max_length=12)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.centre_id}:{self.pk}"
