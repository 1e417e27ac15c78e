"""Jobs and businesses: employers, opportunities, the pipeline per youth and opportunity,
placements, and business projects from an idea to a business active after 12 months.

Every row carries its centre (many centres can share one database without seeing each other's
data). Amounts are in dirhams (MAD).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from markaz.programmes.models import SchedulePattern


class Sector(models.TextChoices):
    AGRIFOOD = "agrifood", _("Agriculture and agri-food")
    TOURISM = "tourism", _("Tourism and hospitality")
    COMMERCE = "commerce", _("Retail and commerce")
    SERVICES = "services", _("Services to businesses")
    DIGITAL = "digital", _("Digital and IT")
    CRAFTS = "crafts", _("Crafts and textiles")
    CONSTRUCTION = "construction", _("Construction and public works")
    TRANSPORT = "transport", _("Transport and logistics")
    HEALTH = "health", _("Health and social care")
    PUBLIC = "public", _("Public administration")
    OTHER = "other", _("Other")


class Employer(models.Model):
    class Kind(models.TextChoices):
        COMPANY = "company", _("Company")
        COOPERATIVE = "cooperative", _("Cooperative")
        ASSOCIATION = "association", _("Association")
        PUBLIC = "public", _("Public body")

    centre = models.ForeignKey("centre.Centre", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=160)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    sector = models.CharField(_("sector"), max_length=14, choices=Sector.choices)
    commune = models.ForeignKey(
        "territory.Commune", on_delete=models.PROTECT, verbose_name=_("commune")
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["centre", "name"], name="jobs_employer_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class EmployerContact(models.Model):
    """A contact person at an employer. Their phone and e-mail are kept only with their
    recorded consent (law 09-08): when, and how it was given."""

    class ConsentMethod(models.TextChoices):
        ORAL = "oral", _("Oral, by phone or in person")
        WRITTEN = "written", _("Written (e-mail or signed form)")

    employer = models.ForeignKey(Employer, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=120)
    position = models.CharField(_("position"), max_length=120, blank=True)
    phone = models.CharField(_("phone"), max_length=16, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    consent_on = models.DateField(_("consent given on"))
    consent_method = models.CharField(
        _("consent given"), max_length=8, choices=ConsentMethod.choices
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Opportunity(models.Model):
    class Kind(models.TextChoices):
        CDI = "cdi", _("Job: permanent contract (CDI)")
        CDD = "cdd", _("Job: fixed-term contract (CDD)")
        SEASONAL = "seasonal", _("Job: seasonal")
        INTERNSHIP = "internship", _("Internship (with a convention)")
        APPRENTICESHIP = "apprenticeship", _("Apprenticeship")
        IDMAJ = "idmaj", _("ANAPEC Idmaj (first-job contract)")
        TAHFIZ = "tahfiz", _("ANAPEC Tahfiz (new firm hiring)")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    centre = models.ForeignKey("centre.Centre", on_delete=models.PROTECT, related_name="+")
    employer = models.ForeignKey(
        Employer, on_delete=models.PROTECT, related_name="opportunities", verbose_name=_("employer")
    )
    title = models.CharField(_("title"), max_length=160)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    description = models.TextField(_("description"), blank=True)
    skills = models.JSONField(_("skills wanted"), default=list, blank=True)
    min_education = models.CharField(_("education level asked"), max_length=12, blank=True)
    commune = models.ForeignKey(
        "territory.Commune", on_delete=models.PROTECT, verbose_name=_("commune")
    )
    pattern = models.CharField(
        _("time of day"),
        max_length=8,
        choices=SchedulePattern.choices,
        default=SchedulePattern.DAYTIME,
    )
    hours_per_week = models.PositiveSmallIntegerField(_("hours per week"))
    pay_mad = models.DecimalField(
        _("monthly wage or stipend (MAD)"), max_digits=10, decimal_places=2
    )
    places = models.PositiveSmallIntegerField(_("places"))
    closes_on = models.DateField(_("closing date"))
    starts_on = models.DateField(_("start date"), null=True, blank=True)
    duration_weeks = models.PositiveSmallIntegerField(_("duration (weeks)"), null=True, blank=True)
    tutor = models.CharField(_("tutor at the employer"), max_length=120, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["closes_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pay_mad__gte=0), name="jobs_pay_not_negative"
            ),
            models.CheckConstraint(condition=models.Q(places__gte=1), name="jobs_places_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.title} · {self.employer}"

    @property
    def is_internship(self) -> bool:
        return self.kind == self.Kind.INTERNSHIP


class JobWish(models.Model):
    """What a youth said they want: kinds of contract, sectors, how far they can travel."""

    centre = models.ForeignKey("centre.Centre", on_delete=models.CASCADE, related_name="+")
    person = models.OneToOneField(
        "registry.Person", on_delete=models.CASCADE, related_name="job_wish"
    )
    kinds = models.JSONField(_("kinds of contract wanted"), default=list, blank=True)
    sectors = models.JSONField(_("sectors wanted"), default=list, blank=True)
    max_km = models.PositiveSmallIntegerField(
        _("farthest acceptable (km by road)"), null=True, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return str(self.person)


class Candidacy(models.Model):
    """One youth for one opportunity, from proposed to hired (or not) and beyond."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        SENT = "sent", _("Sent to the employer")
        INTERVIEW = "interview", _("Interview")
        HIRED = "hired", _("Hired")
        NOT_RETAINED = "not_retained", _("Not retained")
        STARTED = "started", _("Started")
        LEFT = "left", _("Left")

    centre = models.ForeignKey("centre.Centre", on_delete=models.CASCADE, related_name="+")
    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, related_name="candidacies"
    )
    person = models.ForeignKey(
        "registry.Person", on_delete=models.CASCADE, related_name="candidacies"
    )
    status = models.CharField(_("status"), max_length=14, choices=Status.choices)
    score = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    reasons = models.JSONField(default=list, blank=True)
    sent_on = models.DateField(null=True, blank=True)
    interview_on = models.DateField(_("interview date"), null=True, blank=True)
    decided_on = models.DateField(_("decision date"), null=True, blank=True)
    not_retained_reason = models.CharField(_("reason"), max_length=200, blank=True)
    left_on = models.DateField(_("date of leaving"), null=True, blank=True)
    left_reason = models.CharField(_("reason for leaving"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["opportunity", "person"], name="jobs_candidacy_unique")
        ]

    def __str__(self) -> str:
        return f"{self.person} → {self.opportunity}"


class Placement(models.Model):
    """A youth in a job, internship or apprenticeship: counted once, with its source."""

    class Contract(models.TextChoices):
        CDI = "cdi", _("Permanent contract (CDI)")
        CDD = "cdd", _("Fixed-term contract (CDD)")
        SEASONAL = "seasonal", _("Seasonal")
        INTERNSHIP = "internship", _("Internship")
        APPRENTICESHIP = "apprenticeship", _("Apprenticeship")
        IDMAJ = "idmaj", _("ANAPEC Idmaj contract")
        TAHFIZ = "tahfiz", _("ANAPEC Tahfiz")

    centre = models.ForeignKey("centre.Centre", on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(
        "registry.Person", on_delete=models.CASCADE, related_name="placements"
    )
    candidacy = models.OneToOneField(
        Candidacy, on_delete=models.SET_NULL, null=True, blank=True, related_name="placement"
    )
    employer = models.ForeignKey(
        Employer, on_delete=models.PROTECT, null=True, blank=True, related_name="placements"
    )
    employer_name = models.CharField(_("employer"), max_length=160, blank=True)
    contract = models.CharField(_("contract type"), max_length=16, choices=Contract.choices)
    start_date = models.DateField(_("start date"))
    wage_mad = models.DecimalField(
        _("monthly wage or stipend (MAD)"), max_digits=10, decimal_places=2
    )
    via_centre = models.BooleanField(_("through the centre"), default=True)
    ended_on = models.DateField(_("end date"), null=True, blank=True)
    end_reason = models.CharField(_("reason for leaving"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(wage_mad__gte=0), name="jobs_placement_wage_not_negative"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_contract_display()}"

    @property
    def where(self) -> str:
        return self.employer.name if self.employer_id else self.employer_name


class BusinessProject(models.Model):
    class Stage(models.TextChoices):
        IDEA = "idea", _("Idea")
        PLAN = "plan", _("Business plan")
        COMMITTEE = "committee", _("Before the committee")
        FINANCED = "financed", _("Financed")
        CREATED = "created", _("Business created")
        ACTIVE_12 = "active12", _("Active at 12 months")
        CLOSED = "closed", _("Closed")

    centre = models.ForeignKey("centre.Centre", on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("project name"), max_length=160)
    idea = models.TextField(_("idea"))
    sector = models.CharField(_("sector"), max_length=14, choices=Sector.choices)
    commune = models.ForeignKey(
        "territory.Commune", on_delete=models.PROTECT, verbose_name=_("commune")
    )
    members = models.ManyToManyField(
        "registry.Person", related_name="business_projects", verbose_name=_("youth")
    )
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices, default="idea")
    investment_mad = models.DecimalField(
        _("investment (MAD)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    own_contribution_mad = models.DecimalField(
        _("own contribution (MAD)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    expected_turnover_mad = models.DecimalField(
        _("expected yearly turnover (MAD)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    expected_jobs = models.PositiveSmallIntegerField(_("expected jobs"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "pk"]

    def __str__(self) -> str:
        return self.title


class FinancingApplication(models.Model):
    class Source(models.TextChoices):
        INDH = "indh", _("INDH programme 3 committee")
        INTELAKA = "intelaka", _("Intelaka loan")
        FORSA = "forsa", _("Forsa programme")
        MICROCREDIT = "microcredit", _("Microcredit association")
        BANK = "bank", _("Bank")

    class Decision(models.TextChoices):
        PENDING = "pending", _("Waiting for the decision")
        GRANTED = "granted", _("Granted")
        REFUSED = "refused", _("Refused")

    project = models.ForeignKey(BusinessProject, on_delete=models.CASCADE, related_name="financing")
    source = models.CharField(_("financed by"), max_length=12, choices=Source.choices)
    organisation = models.CharField(_("organisation"), max_length=120, blank=True)
    applied_on = models.DateField(_("applied on"))
    requested_mad = models.DecimalField(
        _("amount requested (MAD)"), max_digits=12, decimal_places=2
    )
    decision = models.CharField(
        _("decision"), max_length=8, choices=Decision.choices, default="pending"
    )
    decided_on = models.DateField(_("decision date"), null=True, blank=True)
    granted_mad = models.DecimalField(
        _("amount granted (MAD)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    indh_share_mad = models.DecimalField(
        _("INDH share (MAD)"), max_digits=12, decimal_places=2, null=True, blank=True
    )

    class Meta:
        ordering = ["applied_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(granted_mad__isnull=True)
                | models.Q(granted_mad__lte=models.F("requested_mad")),
                name="jobs_granted_not_above_requested",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.requested_mad}"


class BusinessCreation(models.Model):
    class LegalForm(models.TextChoices):
        AUTO = "auto", _("Auto-entrepreneur")
        SARL = "sarl", _("SARL (or SARL AU)")
        COOPERATIVE = "cooperative", _("Cooperative")

    project = models.OneToOneField(
        BusinessProject, on_delete=models.CASCADE, related_name="creation"
    )
    legal_form = models.CharField(_("legal form"), max_length=12, choices=LegalForm.choices)
    created_on = models.DateField(_("date of creation"))
    ice = models.CharField(_("ICE number"), max_length=20, blank=True)
    registration = models.CharField(
        _("registration number (RC, auto-entrepreneur or cooperative register)"),
        max_length=40,
        blank=True,
    )

    def __str__(self) -> str:
        return f"{self.project} ({self.get_legal_form_display()})"


class PostCreationVisit(models.Model):
    """A coaching visit 3, 6 or 12 months after the business was created."""

    class TurnoverBand(models.TextChoices):
        NONE = "0", _("No turnover yet")
        UNDER_3000 = "lt3000", _("Under 3,000 MAD a month")
        FROM_3000 = "3000-9999", _("3,000 to 9,999 MAD a month")
        FROM_10000 = "ge10000", _("10,000 MAD a month or more")

    project = models.ForeignKey(BusinessProject, on_delete=models.CASCADE, related_name="visits")
    months = models.PositiveSmallIntegerField()
    due_on = models.DateField(_("due on"))
    done_on = models.DateField(_("visited on"), null=True, blank=True)
    turnover_band = models.CharField(
        _("turnover"), max_length=10, choices=TurnoverBand.choices, blank=True
    )
    jobs = models.PositiveSmallIntegerField(_("jobs"), null=True, blank=True)
    still_active = models.BooleanField(_("still active"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["months"]
        constraints = [
            models.UniqueConstraint(fields=["project", "months"], name="jobs_visit_unique")
        ]

    def __str__(self) -> str:
        return f"{self.project} +{self.months}"


# --- Job fairs and recruitment days (issue 15 §2) ---------------------------------------------


class JobFair(models.Model):
    """A job fair or recruitment day: employers at tables, youth who registered, interview
    slots of `slot_minutes` from `start_time` to `end_time`, and the schedule the engine made
    (`markaz/engine/jobfair.py`). Held at the centre (one room, or the whole building) or
    elsewhere (an address in a commune)."""

    class Place(models.TextChoices):
        CENTRE = "centre", _("At the centre")
        ELSEWHERE = "elsewhere", _("Elsewhere")

    class Status(models.TextChoices):
        OPEN = "open", _("Registrations open")
        SCHEDULING = "scheduling", _("Schedule being made")
        SCHEDULED = "scheduled", _("Schedule ready")
        FAILED = "failed", _("Scheduling failed")

    centre = models.ForeignKey("centre.Centre", on_delete=models.CASCADE, related_name="+")
    name_fr = models.CharField(_("name (French)"), max_length=160)
    name_ar = models.CharField(_("name (Arabic)"), max_length=160)
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("start time"))
    end_time = models.TimeField(_("end time"))
    slot_minutes = models.PositiveSmallIntegerField(_("length of an interview (minutes)"))
    place = models.CharField(_("place"), max_length=10, choices=Place.choices)
    room = models.ForeignKey(
        "centre.Room",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("room (empty: the whole centre)"),
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    commune = models.ForeignKey(
        "territory.Commune",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("commune"),
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    job = models.ForeignKey(
        "core.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # What the last run of the engine said: status, youth with an interview, value, bound.
    result = models.JSONField(default=dict, blank=True)
    # Re-planning from this slot (late changes), kept for the next run.
    replan_from = models.PositiveSmallIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_time__gt=models.F("start_time")),
                name="jobs_fair_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(slot_minutes__gte=5), name="jobs_fair_slot_length"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        from django.utils.translation import get_language

        if (get_language() or "fr").startswith("ar") and self.name_ar:
            return self.name_ar
        return self.name_fr


class FairEmployer(models.Model):
    """An employer registered at a fair: its tables (interviews at once), the slots it is there
    (indices into the fair's slots), the most interviews it holds, and from which slot it left
    early (a late change)."""

    fair = models.ForeignKey(JobFair, on_delete=models.CASCADE, related_name="employers")
    employer = models.ForeignKey(
        Employer, on_delete=models.PROTECT, related_name="+", verbose_name=_("employer")
    )
    tables = models.PositiveSmallIntegerField(_("tables"))
    slots = models.JSONField(_("available slots"), default=list)
    max_interviews = models.PositiveSmallIntegerField(_("most interviews"))
    leaves_from = models.PositiveSmallIntegerField(_("leaves from slot"), null=True, blank=True)

    class Meta:
        ordering = ["employer__name"]
        constraints = [
            models.UniqueConstraint(fields=["fair", "employer"], name="jobs_fair_employer_unique")
        ]

    def __str__(self) -> str:
        return str(self.employer)


class FairYouth(models.Model):
    """A youth registered at a fair: the slots they can come, the most interviews they want,
    whether they did not come (a late change)."""

    fair = models.ForeignKey(JobFair, on_delete=models.CASCADE, related_name="youth")
    person = models.ForeignKey(
        "registry.Person", on_delete=models.CASCADE, related_name="fair_registrations"
    )
    slots = models.JSONField(_("available slots"), default=list)
    max_interviews = models.PositiveSmallIntegerField(_("most interviews"))
    absent = models.BooleanField(_("did not come"), default=False)

    class Meta:
        ordering = ["person__last_name_latin", "person__first_name_latin"]
        constraints = [
            models.UniqueConstraint(fields=["fair", "person"], name="jobs_fair_youth_unique")
        ]

    def __str__(self) -> str:
        return str(self.person)


class FairWish(models.Model):
    """A youth wants to meet an employer at the fair; `value` (the match score) weighs it."""

    youth = models.ForeignKey(FairYouth, on_delete=models.CASCADE, related_name="wishes")
    employer = models.ForeignKey(FairEmployer, on_delete=models.CASCADE, related_name="wishes")
    value = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["youth", "employer"], name="jobs_fair_wish_unique")
        ]

    def __str__(self) -> str:
        return f"{self.youth} → {self.employer}"


class FairInterview(models.Model):
    """One interview: a youth meets an employer in a slot (an index into the fair's slots)."""

    fair = models.ForeignKey(JobFair, on_delete=models.CASCADE, related_name="interviews")
    youth = models.ForeignKey(FairYouth, on_delete=models.CASCADE, related_name="interviews")
    employer = models.ForeignKey(FairEmployer, on_delete=models.CASCADE, related_name="interviews")
    slot = models.PositiveSmallIntegerField(_("slot"))
    manual = models.BooleanField(default=False)

    class Meta:
        ordering = ["slot", "employer_id", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["youth", "slot"], name="jobs_fair_youth_once_a_slot"),
            models.UniqueConstraint(fields=["youth", "employer"], name="jobs_fair_pair_meets_once"),
        ]

    def __str__(self) -> str:
        return f"{self.youth} · {self.employer} · {self.slot}"
