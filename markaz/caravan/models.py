"""Schools, the caravan's resources, tours and visits. Pupils are minors: they are counted (by
sex and level), never registered as persons."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext

from markaz.core.i18n import pick


class School(models.Model):
    class Level(models.TextChoices):
        PRIMARY = "primaire", _("Primary school")
        COLLEGE = "college", _("Middle school (collège)")
        LYCEE = "lycee", _("Secondary school (lycée)")

    class Area(models.TextChoices):
        URBAN = "urban", _("Urban")
        RURAL = "rural", _("Rural")

    code = models.SlugField(unique=True)
    name_fr = models.CharField(_("name (French)"), max_length=150)
    name_ar = models.CharField(_("name (Arabic)"), max_length=150)
    commune = models.ForeignKey(
        "territory.Commune", on_delete=models.PROTECT, related_name="schools"
    )
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    public = models.BooleanField(_("public"), default=True)
    area = models.CharField(_("area"), max_length=5, choices=Area.choices)
    latitude = models.DecimalField(max_digits=8, decimal_places=5)
    longitude = models.DecimalField(max_digits=8, decimal_places=5)
    girls = models.PositiveIntegerField(_("girls"), null=True, blank=True)
    boys = models.PositiveIntegerField(_("boys"), null=True, blank=True)
    pupils_by_level = models.JSONField(
        default=dict, blank=True, help_text="Grade → pupils, where known."
    )
    director_name = models.CharField(_("director"), max_length=120, blank=True)
    director_phone = models.CharField(_("director's phone"), max_length=16, blank=True)
    hours = models.JSONField(
        default=dict,
        blank=True,
        help_text="Weekday (mon…sat) → list of [start, end]; empty: the defaults.",
    )
    synthetic = models.BooleanField(
        default=False, help_text="Demo data: name and position invented."
    )

    class Meta:
        ordering = ["commune__name_fr", "name_fr"]
        verbose_name = _("school")
        verbose_name_plural = _("schools")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return pick(self.name_fr, self.name_ar)

    @property
    def pupils(self) -> int:
        return (self.girls or 0) + (self.boys or 0)


class Workshop(models.Model):
    class Kind(models.TextChoices):
        ROBOTICS = "robotics", _("Robotics")
        AI = "ai", _("Artificial intelligence")
        CODING = "coding", _("Coding")

    code = models.SlugField(unique=True)
    title_fr = models.CharField(_("title (French)"), max_length=120)
    title_ar = models.CharField(_("title (Arabic)"), max_length=120)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    duration_min = models.PositiveSmallIntegerField(_("duration (minutes)"), default=120)
    pupils_per_session = models.PositiveSmallIntegerField(_("pupils per session"), default=30)
    levels = models.JSONField(default=list, help_text="School levels it suits.")
    kits_needed = models.JSONField(default=dict, help_text="Kit kind → how many.")

    def __str__(self) -> str:
        return pick(self.title_fr, self.title_ar)


class Kit(models.Model):
    class Kind(models.TextChoices):
        ROBOTICS = "robotics", _("Robotics kit")
        LAPTOP = "laptop", _("Laptop")
        TABLET = "tablet", _("Tablet")

    class Condition(models.TextChoices):
        GOOD = "good", _("Good")
        WORN = "worn", _("Worn")
        BROKEN = "broken", _("Broken")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    condition = models.CharField(
        _("condition"), max_length=8, choices=Condition.choices, default=Condition.GOOD
    )
    count = models.PositiveSmallIntegerField(_("count"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "condition"], name="kit_unique_kind_condition")
        ]

    def __str__(self) -> str:
        return f"{self.count} × {self.get_kind_display()} ({self.get_condition_display()})"


class Vehicle(models.Model):
    """A caravan vehicle and its crew: the crew members see the visits of its tours on the
    tablet."""

    name = models.CharField(_("name"), max_length=80)
    plate = models.CharField(_("plate"), max_length=20, blank=True)
    crew = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="vehicles")

    class Meta:
        ordering = ["name"]
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")

    def __str__(self) -> str:
        return f"{self.name} ({self.plate})" if self.plate else self.name

    def crew_names(self) -> list[str]:
        """The crew's names (full name, else user name), in alphabetical order."""
        return sorted(
            (u.get_full_name() or u.get_username() for u in self.crew.all()), key=str.casefold
        )


class CalendarBlock(models.Model):
    """Days without school visits: school breaks, holidays, the Eids (entered by staff)."""

    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("to"))
    reason_fr = models.CharField(_("reason (French)"), max_length=120)
    reason_ar = models.CharField(_("reason (Arabic)"), max_length=120)

    class Meta:
        ordering = ["start_date"]

    def __str__(self) -> str:
        return f"{self.start_date}–{self.end_date} {self.reason_fr}"


class Tour(models.Model):
    """A planned period of the caravan (a term, a month): a route a working day."""

    class Status(models.TextChoices):
        PLANNING = "planning", _("Planning")
        READY = "ready", _("Planned")
        FAILED = "failed", _("Failed")

    name = models.CharField(_("name"), max_length=120)
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("to"))
    workshop = models.ForeignKey(Workshop, on_delete=models.PROTECT)
    vehicle = models.ForeignKey(
        Vehicle,
        verbose_name=_("vehicle"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tours",
        help_text=_("Its crew sees the tour's visits on the tablet; none: every crew member."),
    )
    visits_per_school = models.PositiveSmallIntegerField(_("visits per school at most"), default=1)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNING)
    weights = models.JSONField(default=dict)
    instance = models.JSONField(default=dict)
    result = models.JSONField(default=dict, blank=True)  # empty until planned
    job = models.ForeignKey("core.Job", on_delete=models.SET_NULL, null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_over(self) -> bool:
        return self.end_date < timezone.localdate()

    @property
    def unreported(self) -> int:
        """Past visits still "planned": the crew has not sent their report."""
        return self.visits.filter(
            status=Visit.Status.PLANNED, date__lt=timezone.localdate()
        ).count()

    @property
    def status_label(self) -> str:
        """What the tour lists and page show: a planned tour whose days are all past is done
        (or done but waiting for visit reports), never "Planned"."""
        if self.status == self.Status.READY and self.is_over:
            missing = self.unreported
            if missing:
                return ngettext(
                    "Done · %(n)d visit not reported",
                    "Done · %(n)d visits not reported",
                    missing,
                ) % {"n": missing}
            return pgettext("tour status", "Done")
        if self.status == self.Status.READY and self.start_date <= timezone.localdate():
            return str(_("Under way"))
        return self.get_status_display()


class Visit(models.Model):
    """A planned (then held, or cancelled) caravan visit to a school."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        DONE = "done", _("Held")
        CANCELLED = "cancelled", _("Cancelled")

    tour = models.ForeignKey(
        Tour, on_delete=models.CASCADE, null=True, blank=True, related_name="visits"
    )
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="visits")
    workshop = models.ForeignKey(Workshop, on_delete=models.PROTECT)
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("start"))
    end_time = models.TimeField(_("end"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    pinned = models.BooleanField(_("pinned by staff"), default=False)

    class Meta:
        ordering = ["date", "start_time"]
        constraints = [
            models.UniqueConstraint(fields=["school", "date"], name="visit_one_per_school_day")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.school}"


class VisitReport(models.Model):
    """What the crew recorded on the tablet (offline first). `client_id` is made on the device,
    so a replayed upload finds the same record; `version` detects a change on both sides."""

    client_id = models.UUIDField(unique=True, default=uuid.uuid4)
    visit = models.ForeignKey(
        Visit, on_delete=models.SET_NULL, null=True, blank=True, related_name="reports"
    )
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="reports")
    workshop = models.ForeignKey(Workshop, on_delete=models.PROTECT)
    date = models.DateField(_("date"))
    girls = models.PositiveSmallIntegerField(_("girls"), default=0)
    boys = models.PositiveSmallIntegerField(_("boys"), default=0)
    by_level = models.JSONField(default=dict, blank=True, help_text="Grade → {girls, boys}.")
    kits_used = models.JSONField(default=dict, blank=True)
    kits_broken = models.JSONField(default=dict, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    recorded_at = models.DateTimeField(help_text="On the device.")
    received_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.date} {self.school} ({self.girls + self.boys})"


class ChildrenBooking(models.Model):
    """A school group's visit to the centre's children's space: counts toward the building."""

    centre = models.ForeignKey(
        "centre.Centre", on_delete=models.CASCADE, related_name="children_bookings"
    )
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="children_bookings")
    workshop = models.ForeignKey(Workshop, on_delete=models.PROTECT)
    class_label = models.CharField(_("class"), max_length=40)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    girls = models.PositiveSmallIntegerField(_("girls"))
    boys = models.PositiveSmallIntegerField(_("boys"))

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="booking_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d %H:%M} {self.school}"

    @property
    def pupils(self) -> int:
        return self.girls + self.boys
