from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from markaz.territory.models import BilingualName


class Centre(BilingualName):
    """A Centre d'innovation numérique. Every record about people or activity belongs to one."""

    code = models.SlugField(unique=True)
    commune = models.ForeignKey(
        "territory.Commune", on_delete=models.PROTECT, related_name="centres"
    )
    floor_area_m2 = models.PositiveIntegerField(_("floor area (m²)"))
    max_occupancy = models.PositiveIntegerField(
        _("maximum occupancy"), help_text=_("Most youth in the building at once.")
    )
    min_age = models.PositiveSmallIntegerField(
        _("minimum age"), default=18, validators=[MinValueValidator(10), MaxValueValidator(60)]
    )
    max_age = models.PositiveSmallIntegerField(
        _("maximum age"), default=35, validators=[MinValueValidator(10), MaxValueValidator(80)]
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=16, blank=True)
    occupancy = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text="Youth in the building now: its open presences, counted by the database.",
    )

    class Meta:
        verbose_name = _("centre")
        verbose_name_plural = _("centres")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(max_age__gte=models.F("min_age")), name="centre_age_range"
            ),
            models.CheckConstraint(
                condition=models.Q(max_occupancy__gt=0), name="centre_occupancy"
            ),
            # The building cap, enforced by the database whatever arrives at the door at once.
            models.CheckConstraint(
                condition=models.Q(occupancy__lte=models.F("max_occupancy")),
                name="centre_building_cap",
            ),
        ]

    @property
    def province_id(self) -> int:
        return self.commune.province_id


class Installation(models.Model):
    """The first-run record: one row, written in the same transaction as the first centre by
    /setup/. Its fixed primary key makes a second, concurrent set-up fail on the database's
    uniqueness instead of creating a second centre."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    centre = models.ForeignKey("Centre", on_delete=models.PROTECT, related_name="+")
    set_up_at = models.DateTimeField(auto_now_add=True)
    set_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="installation_once")]

    def __str__(self) -> str:
        return f"{self.centre} ({self.set_up_at:%Y-%m-%d})"


class OpeningHours(models.Model):
    """When the centre is open on a weekday: from `opens` to `closes`, with an optional break
    (Friday's midday prayer, lunch). A weekday without a row is closed. A centre with no rows at
    all uses the built-in grid (markaz/centre/timetabling.py). The timetable's two-hour slots
    are laid from the opening, then again from the end of the break."""

    class Weekday(models.IntegerChoices):
        MON = 0, _("Monday")
        TUE = 1, _("Tuesday")
        WED = 2, _("Wednesday")
        THU = 3, _("Thursday")
        FRI = 4, _("Friday")
        SAT = 5, _("Saturday")
        SUN = 6, _("Sunday")

    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices)
    opens = models.TimeField(_("opens at"))
    closes = models.TimeField(_("closes at"))
    break_start = models.TimeField(_("break from"), null=True, blank=True)
    break_end = models.TimeField(_("break until"), null=True, blank=True)

    class Meta:
        ordering = ["centre", "weekday"]
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        constraints = [
            models.UniqueConstraint(fields=["centre", "weekday"], name="opening_hours_once"),
            models.CheckConstraint(
                condition=models.Q(closes__gt=models.F("opens")), name="opening_hours_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.opens and self.closes and self.closes <= self.opens:
            raise ValidationError(
                _("%(day)s: the centre must close after it opens.")
                % {"day": self.get_weekday_display()}
            )
        if (self.break_start is None) != (self.break_end is None):
            raise ValidationError(
                _("%(day)s: give both ends of the break, or neither.")
                % {"day": self.get_weekday_display()}
            )
        if self.break_start is not None and not (
            self.opens < self.break_start < self.break_end < self.closes
        ):
            raise ValidationError(
                _("%(day)s: the break must start and end while the centre is open.")
                % {"day": self.get_weekday_display()}
            )


class TrainerUnavailability(models.Model):
    """When a trainer cannot teach: every week on a weekday (recurring), or on dates (an
    absence). Without hours, the whole day. The timetable solver never puts the trainer in a
    slot that overlaps one of these (markaz/centre/timetabling.py)."""

    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="unavailabilities")
    trainer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="unavailabilities",
        verbose_name=_("trainer"),
    )
    weekday = models.PositiveSmallIntegerField(
        _("every week on"), choices=OpeningHours.Weekday.choices, null=True, blank=True
    )
    date_from = models.DateField(_("from (date)"), null=True, blank=True)
    date_to = models.DateField(_("to (date)"), null=True, blank=True)
    start_time = models.TimeField(_("from (time)"), null=True, blank=True)
    end_time = models.TimeField(_("to (time)"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=120, blank=True)

    class Meta:
        ordering = ["trainer", "weekday", "date_from", "start_time"]
        verbose_name = _("trainer unavailability")
        verbose_name_plural = _("trainer unavailabilities")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(weekday__isnull=False, date_from__isnull=True, date_to__isnull=True)
                    | models.Q(weekday__isnull=True, date_from__isnull=False, date_to__isnull=False)
                ),
                name="unavailability_weekly_or_dated",
            ),
            models.CheckConstraint(
                condition=models.Q(date_to__isnull=True)
                | models.Q(date_to__gte=models.F("date_from")),
                name="unavailability_dates_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.trainer} {self.describe()}"

    @property
    def whole_day(self) -> bool:
        return self.start_time is None

    def describe(self) -> str:
        # Dates and hours read left to right inside Arabic text: isolated (U+2066 … U+2069).
        if self.weekday is not None:
            when = _("every %(day)s") % {"day": self.get_weekday_display()}
        elif self.date_from == self.date_to:
            when = f"\u2066{self.date_from:%d/%m/%Y}\u2069"
        else:
            when = f"\u2066{self.date_from:%d/%m/%Y} – {self.date_to:%d/%m/%Y}\u2069"
        if self.whole_day:
            return f"{when} ({_('all day')})"
        return f"{when} \u2066{self.start_time:%H:%M}–{self.end_time:%H:%M}\u2069"

    def clean(self):
        from django.core.exceptions import ValidationError

        errors = []
        if (self.weekday is None) == (self.date_from is None):
            errors.append(_("Choose either a weekday (every week) or dates (an absence)."))
        if self.date_from is not None and self.date_to is None:
            self.date_to = self.date_from
        if self.date_from and self.date_to and self.date_to < self.date_from:
            errors.append(_("The end date comes before the start date."))
        if (self.start_time is None) != (self.end_time is None):
            errors.append(_("Give both times, or none for the whole day."))
        elif self.start_time is not None and self.end_time <= self.start_time:
            errors.append(_("The end time must come after the start time."))
        if errors:
            raise ValidationError(errors)

    def covers(self, day_index: int, date, start, end) -> bool:
        """Whether this unavailability overlaps `start`–`end` (times) on `date` (a date, or
        None for "every week"), weekday `day_index` (0 Monday)."""
        if self.weekday is not None:
            if self.weekday != day_index:
                return False
        elif date is None or not (self.date_from <= date <= self.date_to):
            return False
        if self.whole_day:
            return True
        return self.start_time < end and start < self.end_time


class Room(models.Model):
    class Kind(models.TextChoices):
        TRAINING = "training", _("Training room")
        MENTORING = "mentoring", _("Mentoring room")
        APPLIED = "applied", _("Applied-work room")
        CHILDREN = "children", _("Children's space")

    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="rooms")
    name_fr = models.CharField(_("name (French)"), max_length=80)
    name_ar = models.CharField(_("name (Arabic)"), max_length=80)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    capacity = models.PositiveSmallIntegerField(_("capacity"))

    class Meta:
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        ordering = ["centre", "kind", "name_fr"]
        constraints = [
            models.UniqueConstraint(fields=["centre", "name_fr"], name="room_unique_name"),
            models.CheckConstraint(condition=models.Q(capacity__gt=0), name="room_capacity"),
        ]

    name = BilingualName.name

    def __str__(self) -> str:
        return self.name


class Closure(models.Model):
    """A day the centre is closed (public holiday, Eid entered by staff): no session that day."""

    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="closures")
    date = models.DateField(_("date"))
    reason_fr = models.CharField(_("reason (French)"), max_length=120)
    reason_ar = models.CharField(_("reason (Arabic)"), max_length=120)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["centre", "date"], name="closure_unique_day")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.reason_fr}"


class Timetable(models.Model):
    """A weekly timetable solved for a set of cohorts, then laid out as dated sessions."""

    class Status(models.TextChoices):
        SOLVING = "solving", _("Solving")
        READY = "ready", _("Ready for review")
        PUBLISHED = "published", _("Published")
        INFEASIBLE = "infeasible", _("No timetable possible")
        FAILED = "failed", _("Failed")

    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="timetables")
    name = models.CharField(_("name"), max_length=120)
    first_week = models.DateField(_("first week (Monday)"))
    weeks = models.PositiveSmallIntegerField(_("number of weeks"), default=12)
    ramadan = models.BooleanField(_("Ramadan hours"), default=False)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SOLVING)
    instance = models.JSONField(default=dict)
    result = models.JSONField(default=dict)
    job = models.ForeignKey("core.Job", on_delete=models.SET_NULL, null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class Session(models.Model):
    """One dated session of a cohort: a room, a trainer, a start and an end."""

    timetable = models.ForeignKey(
        Timetable, on_delete=models.CASCADE, null=True, blank=True, related_name="sessions"
    )
    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="sessions")
    cohort = models.ForeignKey(
        "programmes.Cohort", on_delete=models.CASCADE, related_name="sessions"
    )
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="sessions")
    trainer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sessions"
    )
    lesson = models.CharField(max_length=60, blank=True)
    slot = models.CharField(max_length=30, blank=True, help_text="The weekly slot id it came from.")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    # Learners marked present or late, kept by learning.services.attendance_record.
    present_count = models.PositiveSmallIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["starts_at", "room"]
        indexes = [
            models.Index(fields=["centre", "starts_at"]),
            models.Index(fields=["trainer", "starts_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="session_ends_after_start",
            ),
            models.UniqueConstraint(fields=["room", "starts_at"], name="session_room_once"),
            models.UniqueConstraint(fields=["trainer", "starts_at"], name="session_trainer_once"),
            models.UniqueConstraint(fields=["cohort", "starts_at"], name="session_cohort_once"),
        ]

    def __str__(self) -> str:
        return f"{self.cohort.code} {self.starts_at:%Y-%m-%d %H:%M} {self.room}"


class Badge(models.Model):
    """A learner's entry badge. The QR code holds a signed token naming the badge, never the
    CIN; the short code is for typing when the camera fails. Reissuing revokes the old one."""

    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="badges")
    person = models.ForeignKey("registry.Person", on_delete=models.CASCADE, related_name="badges")
    code = models.CharField(max_length=12, unique=True)
    issued_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(revoked_at__isnull=True),
                name="badge_one_active",
            )
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def typed(self) -> str:
        """The form printed for typing at the door: the code and its check group."""
        from .badge_codes import typed_form

        return typed_form(self.code)


class Presence(models.Model):
    """Someone in the building: from entry to exit. At most one open presence per person.

    Triggers (migration centre/0007) keep Centre.occupancy equal to the centre's open
    presences, whoever writes them; SQLite drops them when Django rebuilds this table, so a
    migration that alters its fields must drop and re-create them around the change."""

    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="presences")
    # (person, entered_at) instead of the plain person index: the door looks up a person's
    # latest presence at every scan, which must not read a year of visits to find it.
    person = models.ForeignKey(
        "registry.Person", on_delete=models.CASCADE, related_name="presences", db_index=False
    )
    entered_at = models.DateTimeField()
    exited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-entered_at"]
        indexes = [models.Index(fields=["person", "entered_at"], name="presence_person_entered")]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(exited_at__isnull=True),
                name="presence_one_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.entered_at:%H:%M}"


class DoorEvent(models.Model):
    """The door log: every scan that changed nothing — a repeat, a full building, a refused,
    unknown or forged badge. Entries and exits are their Presence rows (older databases also
    hold entry and exit events, from before that rule)."""

    class Kind(models.TextChoices):
        ENTRY = "entry", _("Entry")
        EXIT = "exit", _("Exit")
        REPEAT = "repeat", _("Repeated scan")
        FULL = "full", _("Refused: building full")
        REFUSED = "refused", _("Refused")

    # One (centre, time) index serves the day's log and the centre's cascade; each index is one
    # more page written by every scan at the door.
    centre = models.ForeignKey(
        Centre, on_delete=models.CASCADE, related_name="door_events", db_index=False
    )
    person = models.ForeignKey(
        "registry.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="door_events",
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    at = models.DateTimeField()
    occupancy = models.PositiveIntegerField(default=0)
    detail = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["centre", "at"], name="doorevent_centre_at")]

    def __str__(self) -> str:
        return f"{self.at:%H:%M} {self.kind}"


class HoursPeriod(models.Model):
    """A stretch of the calendar with its own opening hours (Ramadan). A timetable is built on
    the grid of its period, and is laid out only on the days of that period."""

    class Kind(models.TextChoices):
        RAMADAN = "ramadan", _("Ramadan hours")

    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="hours_periods")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.RAMADAN)
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("to"))

    class Meta:
        ordering = ["start_date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")), name="hours_period_dates"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.start_date}–{self.end_date}"


class YearPlan(models.Model):
    """What a centre's year costs and aims at, entered by staff for the funder's report: the
    running budget (the investment is the building's, counted once) and the year's targets."""

    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="year_plans")
    year = models.PositiveSmallIntegerField(_("year"))
    investment_mad = models.DecimalField(
        _("investment (MAD)"), max_digits=14, decimal_places=2, default=5300000
    )
    running_budget_mad = models.DecimalField(
        _("running budget for the year (MAD)"), max_digits=14, decimal_places=2, default=0
    )
    targets = models.JSONField(
        _("targets"), default=dict, blank=True, help_text="Indicator code → the year's target."
    )

    class Meta:
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["centre", "year"], name="year_plan_once"),
            models.CheckConstraint(
                condition=models.Q(running_budget_mad__gte=0, investment_mad__gte=0),
                name="year_plan_amounts_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.centre} {self.year}"


class KioskDevice(models.Model):
    """A tablet paired once by a coordinator to run the entrance: it may scan badges and show
    the count, nothing else, without any staff session. Only hashes are stored: the device's
    secret (sent with every scan) and the one-time pairing code shown on the coordinator's
    screen. Revoking it stops the next scan."""

    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="kiosk_devices")
    name = models.CharField(_("name"), max_length=80)
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    pairing_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    pairing_expires_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Who issued the pending pairing code, then who issued the one the tablet used: the tablet
    # works on that staff member's authority and stops when their account is deactivated.
    pairing_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    paired_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    paired_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.token_hash is not None
