import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from .roles import Role


class StaffProfile(models.Model):
    """A staff member's role, and the centre whose records they work with.

    Everyone but the provincial viewer belongs to exactly one centre; the provincial viewer
    sees aggregate figures of every centre in the province and never a person.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    centre = models.ForeignKey(
        "centre.Centre",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("centre"),
    )
    language = models.CharField(
        _("language"), max_length=5, choices=settings.LANGUAGES, default="fr", blank=True
    )
    # Where staff alerts reach them (E.164); their e-mail address is the user's.
    phone = models.CharField(_("phone"), max_length=16, blank=True)

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role="provincial") | models.Q(centre__isnull=False),
                name="staff_profile_centre_required",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


class AuditEvent(models.Model):
    """Who did what to which record, and when: merges, undos, imports, refused access."""

    centre = models.ForeignKey("centre.Centre", on_delete=models.CASCADE, null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    action = models.CharField(max_length=60)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=60, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}:{self.object_id}"


# Why `job_reap` failed a job, shown in the reader's language (Job.error_message).
JOB_REAPED = gettext_noop(
    "The worker running this job stopped: no sign of life for %(minutes)s minutes. "
    "Start the work again."
)


class Job(models.Model):
    """A piece of long work run in the background, with the progress a person watches."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    centre = models.ForeignKey("centre.Centre", on_delete=models.CASCADE, null=True, blank=True)
    kind = models.CharField(max_length=40)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    result_url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The last sign of life of the worker running it (start, progress, and a beat every
    # MARKAZ_JOB_HEARTBEAT_SECONDS); `reap_jobs` fails a running job whose worker went silent.
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.status} {self.done}/{self.total}"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def error_message(self) -> str:
        """The error, in the reader's language when Markaz wrote it (a reaped job)."""
        minutes = self.result.get("reaped_after_minutes") if isinstance(self.result, dict) else None
        if minutes is not None:
            return gettext(JOB_REAPED) % {"minutes": minutes}
        return self.error

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


# What each kind of message is, for the Messages page (the apps that queue them name them).
MESSAGE_KINDS = {
    "offer": _("Offer of a seat"),
    "waitlist_offer": _("Seat from the waiting list"),
    "offer_reminder": _("Reminder of an offer"),
    "session_cancelled": _("Session cancelled"),
    "followup_reminder": _("Follow-up call"),
    "followup_overdue": _("Overdue follow-ups (staff)"),
    "absence_streak": _("Absences (staff)"),
    "caravan_visit": _("Caravan visit"),
    "caravan_visit_cancelled": _("Caravan visit cancelled"),
    "otp": _("One-time code"),
    "jobfair_schedule": _("Job-fair schedule"),
}


class OutboxMessage(models.Model):
    """One message to one person on one channel (SMS or e-mail), and where it stands.

    Queued by `markaz.core.outbox.outbox_queue` in the transaction of the event it announces;
    sent by `outbox_deliver` (the `send_outbox` command), which claims it (queued → sending, with
    a lease), hands it to the provider under its `client_id` (the provider deduplicates on it, so
    a resend after a crash is not a second SMS), and records the provider's id (sent). The
    provider's delivery report marks it delivered or failed. A transient failure puts it back in
    the queue with exponential backoff; after `MARKAZ_SMS_MAX_ATTEMPTS` it fails. An SMS to a phone
    that answered STOP is stopped, never sent. `idempotency_key` (unique) makes queueing the same
    event twice a no-op."""

    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        EMAIL = "email", _("E-mail")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")
        STOPPED = "stopped", _("Stopped (STOP)")

    centre = models.ForeignKey("centre.Centre", on_delete=models.CASCADE, null=True, blank=True)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(max_length=5, choices=Channel.choices, default=Channel.SMS)
    phone = models.CharField(max_length=16, blank=True)
    email = models.EmailField(blank=True)
    language = models.CharField(max_length=3, blank=True)
    kind = models.CharField(max_length=40)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    idempotency_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    # The id we give the provider (Infobip's `messageId`): the same on every attempt.
    client_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    provider_id = models.CharField(max_length=100, blank=True, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    claim = models.CharField(max_length=32, blank=True, db_index=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    status_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due"),
            models.Index(fields=["centre", "status"], name="outbox_centre_status"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id or self.phone or self.email}"

    @property
    def address(self) -> str:
        return self.phone if self.channel == self.Channel.SMS else self.email

    @property
    def error_label(self) -> str:
        """The error in the reader's language when it is one of ours (stored in English)."""
        from django.utils.translation import gettext

        return gettext(self.last_error) if self.last_error else ""

    @property
    def kind_label(self) -> str:
        return str(MESSAGE_KINDS.get(self.kind, self.kind))


class SmsOptOut(models.Model):
    """A phone number that gets no more SMS: its owner answered STOP, or staff marked it."""

    class Source(models.TextChoices):
        REPLY = "reply", _("Answered STOP")
        STAFF = "staff", _("Marked by staff")

    phone = models.CharField(_("phone"), max_length=16, unique=True)
    centre = models.ForeignKey("centre.Centre", on_delete=models.CASCADE, null=True, blank=True)
    source = models.CharField(max_length=5, choices=Source.choices)
    text = models.CharField(max_length=160, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("SMS opt-out")

    def __str__(self) -> str:
        return self.phone


class OneTimeCode(models.Model):
    """A code sent by SMS to prove that a person holds the phone of their application
    (`markaz.core.otp`). Only a keyed hash of the code is stored; it is single-use (`used_at`)
    and short-lived (`expires_at`); wrong tries are counted in the shared cache."""

    purpose = models.CharField(max_length=40)
    subject = models.CharField(max_length=64, help_text="What the code unlocks, e.g. person:12.")
    phone = models.CharField(_("phone"), max_length=16)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["purpose", "subject", "created_at"], name="otp_subject")]

    def __str__(self) -> str:
        return f"{self.purpose} {self.subject}"


class ReadRefused(Exception):
    """The read log is append-only: a row is never changed nor deleted by the application."""


class _AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ReadRefused("the read log is append-only: rows are never updated")

    def delete(self):
        raise ReadRefused("the read log is append-only: rows are never deleted")

    def bulk_update(self, objs, fields, batch_size=None):
        raise ReadRefused("the read log is append-only: rows are never updated")

    def update_or_create(self, *args, **kwargs):
        raise ReadRefused("the read log is append-only: rows are never updated")


class _AppendOnly(models.Model):
    """Insert only: saving a stored row or deleting one raises (and the database's triggers,
    `markaz.core.db_triggers`, refuse any UPDATE or DELETE that bypasses Python)."""

    objects = _AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ReadRefused("the read log is append-only: rows are never updated")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ReadRefused("the read log is append-only: rows are never deleted")


class PersonalDataRead(_AppendOnly):
    """One access by a staff member (or the command line) to personal data: a person's page,
    their whole file, an export or a list that names people. Who, when, from which page, and
    which persons (`PersonalDataReadPerson`, one row per person shown). Written before the data
    is shown (`markaz.core.readlog.personal_data_read`); never changed, never deleted."""

    class Kind(models.TextChoices):
        PAGE = "page", _("Page")
        FILE = "file", _("Whole file")
        EXPORT = "export", _("Export")
        LIST = "list", _("List")

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("staff member"),
    )
    centre = models.ForeignKey(
        "centre.Centre", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=6, choices=Kind.choices)
    view = models.CharField(_("page"), max_length=100)
    path = models.CharField(_("address"), max_length=300, blank=True)
    count = models.PositiveIntegerField(_("persons"), default=0)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("personal data read")
        indexes = [models.Index(fields=["centre", "-at"], name="read_centre_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_id} {self.kind} {self.view}"


class PersonalDataReadPerson(_AppendOnly):
    """One person named by one read. `person_id` is the registry's Person id, kept as a plain
    number (core sits below the registry): erasure anonymises the person and keeps this row."""

    read = models.ForeignKey(PersonalDataRead, on_delete=models.PROTECT, related_name="persons")
    person_id = models.PositiveBigIntegerField()

    class Meta:
        ordering = ["read_id"]
        constraints = [
            models.UniqueConstraint(fields=["read", "person_id"], name="read_person_once")
        ]
        # "Who read this person's file": the person first, then the newest reads.
        indexes = [models.Index(fields=["person_id", "-read"], name="read_by_person")]

    def __str__(self) -> str:
        return f"{self.read_id}:{self.person_id}"
