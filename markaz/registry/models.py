from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class ActivityStatus(models.TextChoices):
    UNEMPLOYED = "unemployed", _("Unemployed / not in education, employment or training")
    TRAINEE = "trainee", _("Trainee (vocational training or internship)")
    WORKER = "worker", _("Worker (employed or self-employed)")
    STUDENT = "student", _("Student")


class EducationLevel(models.TextChoices):
    NONE = "none", _("No schooling")
    PRIMARY = "primary", _("Primary school")
    COLLEGE = "college", _("Middle school (collège)")
    LYCEE = "lycee", _("Secondary school (lycée), no baccalaureate")
    BAC = "bac", _("Baccalaureate")
    VOCATIONAL = "vocational", _("Vocational training diploma")
    UNIVERSITY = "university", _("University degree (licence)")
    MASTER = "master", _("Master's degree or higher")


class Sex(models.TextChoices):
    FEMALE = "F", _("Female")
    MALE = "M", _("Male")


class Language(models.TextChoices):
    ARABIC = "ar", _("Arabic")
    FRENCH = "fr", _("French")
    AMAZIGH = "zgh", _("Amazigh")


class Source(models.TextChoices):
    PUBLIC_FORM = "public", _("Public application form")
    STAFF = "staff", _("Staff intake desk")
    IMPORT = "import", _("File import")


class Person(models.Model):
    """A young person known to a centre: an applicant, a learner, an alumnus.

    The CIN is unique within a centre (each centre keeps its own registry, for the purpose its
    consent names). A merged record stays, pointing at the record it was merged into, so a merge
    can be undone.
    """

    centre = models.ForeignKey("centre.Centre", on_delete=models.PROTECT, related_name="people")
    first_name_latin = models.CharField(_("first name (Latin script)"), max_length=80)
    last_name_latin = models.CharField(_("last name (Latin script)"), max_length=80)
    first_name_ar = models.CharField(_("first name (Arabic script)"), max_length=80, blank=True)
    last_name_ar = models.CharField(_("last name (Arabic script)"), max_length=80, blank=True)
    cin = models.CharField(_("CIN"), max_length=8, help_text=_("National identity card number."))
    birth_date = models.DateField(_("date of birth"))
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    phone = models.CharField(_("phone"), max_length=16, blank=True, db_index=True)
    commune = models.ForeignKey(
        "territory.Commune",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("commune of residence"),
        help_text=_("Empty when the person lives outside the province."),
    )
    activity_status = models.CharField(
        _("activity status"), max_length=12, choices=ActivityStatus.choices
    )
    education_level = models.CharField(
        _("education level"), max_length=12, choices=EducationLevel.choices
    )
    disability = models.CharField(
        _("disability"),
        max_length=200,
        blank=True,
        help_text=_("Sensitive health data: visible to coordinators only."),
    )
    rsu_index = models.DecimalField(
        _("household RSU index"), max_digits=6, decimal_places=3, null=True, blank=True
    )
    preferred_language = models.CharField(
        _("preferred language"), max_length=3, choices=Language.choices, default=Language.ARABIC
    )
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.STAFF)
    eligible = models.BooleanField(default=False, db_index=True)
    eligibility = models.JSONField(default=dict, blank=True)
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_records"
    )
    import_batch = models.ForeignKey(
        "registry.ImportBatch", on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Set when the identity was replaced (retention or erasure on request, law 09-08 art. 3):
    # the record stays, with its links, so past figures still count it.
    anonymised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["last_name_latin", "first_name_latin"]
        constraints = [
            models.UniqueConstraint(fields=["centre", "cin"], name="person_unique_cin_per_centre"),
            models.CheckConstraint(
                condition=models.Q(cin__regex=r"^[A-Z]{1,2}[0-9]{1,6}$"), name="person_cin_format"
            ),
        ]
        indexes = [models.Index(fields=["centre", "birth_date"])]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name_latin(self) -> str:
        return f"{self.first_name_latin} {self.last_name_latin}".strip()

    @property
    def full_name_ar(self) -> str:
        return f"{self.first_name_ar} {self.last_name_ar}".strip()

    @property
    def full_name(self) -> str:
        if (get_language() or "fr").startswith("ar") and self.full_name_ar:
            return self.full_name_ar
        return self.full_name_latin

    @property
    def is_merged(self) -> bool:
        return self.merged_into_id is not None


class Consent(models.Model):
    """Consent under law 09-08: which purpose text and version, when, how, taken by whom."""

    class Method(models.TextChoices):
        ONLINE = "online", _("Ticked on the public form")
        DESK = "desk", _("Given at the intake desk")
        PAPER = "paper", _("Signed paper form (imported)")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(max_length=40)
    text_version = models.CharField(max_length=20)
    language = models.CharField(max_length=3)
    method = models.CharField(max_length=8, choices=Method.choices)
    given_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-given_at"]

    def __str__(self) -> str:
        return f"{self.purpose} v{self.text_version} ({self.method})"


class DuplicateFlag(models.Model):
    """A pair of records that look like the same person, waiting for staff to review."""

    class Status(models.TextChoices):
        OPEN = "open", _("To review")
        DISMISSED = "dismissed", _("Not the same person")
        MERGED = "merged", _("Merged")

    centre = models.ForeignKey("centre.Centre", on_delete=models.CASCADE)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    reasons = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-score", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["person", "other"], name="duplicate_flag_unique_pair"),
            models.CheckConstraint(
                condition=models.Q(person__lt=models.F("other")), name="duplicate_flag_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} ~ {self.other_id} ({self.score:.0f})"


class MergeRecord(models.Model):
    """One merge of `merged` into `kept`: enough to show what happened and to undo it."""

    centre = models.ForeignKey("centre.Centre", on_delete=models.CASCADE)
    kept = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="merges_kept")
    merged = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="merges_absorbed")
    flag = models.ForeignKey(DuplicateFlag, on_delete=models.SET_NULL, null=True, blank=True)
    kept_before = models.JSONField(help_text="Field values of the kept record before the merge.")
    filled_fields = models.JSONField(default=list)
    moved = models.JSONField(default=dict, help_text="Related rows moved to the kept record.")
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    merged_at = models.DateTimeField(auto_now_add=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-merged_at"]

    def __str__(self) -> str:
        return f"{self.merged_id} → {self.kept_id}"


class ImportBatch(models.Model):
    """One file imported into the registry. The file's hash makes a re-import add nobody.

    An uploaded file is checked in the background (`checking`), then either shows its preview
    (`previewed`) or its errors (`invalid`, the file itself dropped); a previewed file is imported
    in the background (`running`, then `done`). `failed`: the check or the import stopped (an
    error, or a worker that died and was reaped); `checked_at` tells which, and either can be
    started again."""

    class Status(models.TextChoices):
        CHECKING = "checking", _("Checking")
        INVALID = "invalid", _("Has errors")
        PREVIEWED = "previewed", _("Previewed")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    centre = models.ForeignKey("centre.Centre", on_delete=models.CASCADE)
    file_name = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    content = models.BinaryField(editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PREVIEWED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_new = models.PositiveIntegerField(default=0)
    rows_existing = models.PositiveIntegerField(default=0)
    duplicates_flagged = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    # What the check found: {"total", "new", "existing", "errors", "sample": first clean rows}
    # (the sample is dropped once the file is imported).
    preview = models.JSONField(default=dict, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    job = models.ForeignKey("core.Job", on_delete=models.SET_NULL, null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One check at a time per file and centre: the same file uploaded twice while it is
            # being checked shows the check under way.
            models.UniqueConstraint(
                fields=["centre", "sha256"],
                condition=models.Q(status="checking"),
                name="import_batch_one_check_per_file",
            )
        ]

    def __str__(self) -> str:
        return self.file_name

    @property
    def check_failed(self) -> bool:
        """The check stopped before it finished (nothing to import yet: check it again)."""
        return self.status == self.Status.FAILED and self.checked_at is None


class IntakeConflict(models.Model):
    """A public application whose CIN is already registered.

    The public form answers exactly as for a new application (it never reveals whether a CIN is
    known); staff see the conflict here and decide.
    """

    centre = models.ForeignKey("centre.Centre", on_delete=models.CASCADE)
    existing = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="intake_conflicts")
    submitted = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    resolved = models.BooleanField(default=False)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.existing_id} @ {self.received_at:%Y-%m-%d}"

    @property
    def submitted_birth_date(self):
        import datetime as dt

        try:
            return dt.date.fromisoformat(str(self.submitted.get("birth_date") or ""))
        except ValueError:
            return None

    @property
    def reason_labels(self) -> list[str]:
        """What differs from the registered record (older conflicts recorded none)."""
        labels = {"birth_date": _("Different date of birth"), "phone": _("Different phone")}
        reasons = self.submitted.get("conflict")
        if reasons == []:
            return [str(_("Same date of birth and phone: applied again"))]
        return [str(labels.get(r, r)) for r in reasons or []]


class PersonSearchToken(models.Model):
    """One searchable word of a person: a name word in either script, its transliteration key,
    the CIN, the phone. Prefix look-ups on the (centre, token) index keep the registry search fast
    at 100,000 people, whatever the database."""

    centre = models.ForeignKey("centre.Centre", on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="search_tokens")
    token = models.CharField(max_length=64)

    class Meta:
        # The operator classes make PostgreSQL answer LIKE 'prefix%' from the index; SQLite
        # ignores them and answers a range on its binary collation.
        indexes = [
            models.Index(
                fields=["centre", "token"],
                name="person_token_prefix",
                opclasses=["int8_ops", "varchar_pattern_ops"],
            )
        ]

    def __str__(self) -> str:
        return self.token


class Purpose(models.TextChoices):
    """What a person may object to (law 09-08 art. 9) or withdraw their consent from."""

    SMS = "sms", _("Contact by SMS")
    FOLLOWUP = "followup", _("Follow-up calls after the training")
    RECORDS_LIST = "records_list", _("Appearing in the lists behind the indicators")


class Objection(models.Model):
    """A person's objection to one purpose, or their withdrawal of consent to it: when it was
    received, by which channel, recorded by whom. It takes effect at once wherever the purpose
    is served (the outbox, the follow-up due-list, the indicators' drill-down lists)."""

    class Channel(models.TextChoices):
        DESK = "desk", _("At the reception desk")
        PHONE = "phone", _("By phone")
        LETTER = "letter", _("By letter")
        EMAIL = "email", _("By e-mail")
        SMS = "sms", _("By SMS (STOP)")

    centre = models.ForeignKey("centre.Centre", on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="objections")
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    received_on = models.DateField(_("received on"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "purpose"], name="objection_unique_person_purpose"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.purpose}"
