"""Writes for programmes: rankings, allocation runs, offers, waitlists and enrolment."""

import datetime as dt
import hashlib
import json
import secrets
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from markaz.core.enqueue import task_enqueue
from markaz.core.i18n import pick
from markaz.core.outbox import (
    Outgoing,
    key_of,
    message_language,
    outbox_queue_many,
    person_contacts,
    public_url,
)
from markaz.core.services import audit_record, job_create
from markaz.engine import allocation as engine
from markaz.engine.scoring import Facts, ScoringRule, score
from markaz.registry.services import public_application_prepare, public_application_submit

from .models import (
    AllocationRun,
    Application,
    Campaign,
    Choice,
    Cohort,
    CohortReserve,
    Enrolment,
    Offer,
    Outcome,
    PendingApplication,
    Programme,
    SchedulePattern,
    ScoringRuleVersion,
    WaitlistEntry,
)

# Who can only come outside working hours (DOMAIN.md: workers and trainees come evenings and
# weekends).
DAYTIME_EXCLUDED = {"worker", "trainee"}


def _reasons_text(person) -> str:
    key = "reason_ar" if (get_language() or "fr").startswith("ar") else "reason_fr"
    return " ".join(r[key] for r in person.eligibility.get("rules", []) if not r["passed"])


def application_check(
    *, person, campaign: Campaign, cohorts: list[Cohort], today: dt.date | None = None
) -> None:
    """Raise ValidationError (with a message for the applicant) if this ranking cannot be taken."""
    today = today or timezone.localdate()
    if not person.eligible:
        raise ValidationError(
            _("Only eligible applicants can rank cohorts. %(reasons)s")
            % {"reasons": _reasons_text(person)},
            code="ineligible",
        )
    if not campaign.is_open(today):
        raise ValidationError(_("This application campaign is closed."), code="closed")
    if not cohorts:
        raise ValidationError(_("Choose at least one cohort."), code="empty")
    if len(cohorts) > campaign.max_choices:
        raise ValidationError(
            _("You can rank at most %(n)s cohorts.") % {"n": campaign.max_choices}, code="too_many"
        )
    if len({c.pk for c in cohorts}) != len(cohorts):
        raise ValidationError(_("The same cohort is ranked twice."), code="duplicate")
    allowed = set(campaign.cohorts.values_list("pk", flat=True))
    if any(c.pk not in allowed for c in cohorts):
        raise ValidationError(_("This cohort is not part of the campaign."), code="not_in_campaign")
    if person.activity_status in DAYTIME_EXCLUDED and any(
        c.schedule_pattern == SchedulePattern.DAYTIME for c in cohorts
    ):
        raise ValidationError(
            _("Workers and trainees can only rank evening or weekend cohorts."), code="daytime"
        )


@transaction.atomic
def application_submit(
    *, person, campaign: Campaign, cohorts: list[Cohort], today: dt.date | None = None
) -> Application:
    """Record (or replace) a person's ranking in a campaign. Writes nothing on bad input."""
    application_check(person=person, campaign=campaign, cohorts=cohorts, today=today)
    application, _created = Application.objects.get_or_create(
        campaign=campaign, person=person, defaults={"centre": campaign.centre}
    )
    application.choices.all().delete()
    Choice.objects.bulk_create(
        Choice(application=application, rank=i, cohort=c) for i, c in enumerate(cohorts, start=1)
    )
    application.save(update_fields=["updated_at"])
    return application


BUSY_ATTEMPTS = 3


def public_application_apply(
    *,
    centre,
    data: dict,
    language: str,
    campaign: Campaign | None,
    cohorts: list[Cohort],
    first=None,
) -> dict:
    """The whole public application in one transaction (issue 13: under load a person was
    saved and their ranking lost): the person, their consent, duplicate flags, the application
    and its ranked cohorts (when a campaign is open and the person is eligible), or for a known
    CIN the intake conflict. Either everything is written or nothing (a ValidationError, or the
    database's error under contention).

    `first()`, when given, runs first inside the same transaction (the check of the code sent
    by SMS, which marks it used, and the removal of the pending application): if it raises,
    nothing is written.

    Returns what the thanks page shows: the eligibility decision and the ranked cohorts, the
    same for a known CIN as for a new one.
    """
    rank = bool(campaign and cohorts)

    def ranking(person) -> None:
        if rank and person.eligible:
            application_submit(person=person, campaign=campaign, cohorts=cohorts)

    # SQLite's busy timeout can run out for a writer that keeps losing the race for the lock
    # (its busy handler polls); the transaction wrote nothing then, so it is tried again, a few
    # times, before the caller answers "try again later". Not inside a caller's transaction.
    attempts = 1 if transaction.get_connection().in_atomic_block else BUSY_ATTEMPTS
    for attempt in range(1, attempts + 1):
        # Reads and checks first, outside the transaction: the write lock is held less long.
        prepared = public_application_prepare(centre=centre, data=data)
        try:
            with transaction.atomic():
                if first is not None:
                    first()
                _person, decision = public_application_submit(
                    centre=centre,
                    data=data,
                    language=language,
                    then=ranking,
                    person=prepared,
                    ranked_cohorts=cohorts if rank else (),
                )
            break
        except OperationalError:
            if attempt == attempts:
                raise
    return {
        "decision": decision,
        "ranked": [str(c) for c in cohorts] if rank and decision["eligible"] else [],
    }


# --- Confirming the phone of a public application (issue 13 §1 C) ----------------------------

APPLY_OTP_PURPOSE = "apply"


def apply_confirm_age() -> dt.timedelta:
    from django.conf import settings

    return dt.timedelta(hours=settings.MARKAZ_APPLY_CONFIRM_HOURS)


def apply_otp_attempts() -> int:
    from django.conf import settings

    return settings.MARKAZ_APPLY_OTP_MAX_ATTEMPTS


def apply_sends_per_address() -> int:
    from django.conf import settings

    return settings.MARKAZ_APPLY_SENDS_PER_ADDRESS


def _pending_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _otp_subject(pending: PendingApplication) -> str:
    return f"apply:{pending.pk}"


def public_application_start(
    *, centre, form: dict, cin: str, phone: str, language: str, request
) -> str:
    """A valid public form, not yet an application: the posted form is kept as a pending
    application and a code is sent by SMS to its phone (through the outbox), in one transaction.
    Nothing else is read or written, so a known CIN and a new one do the same work here. Returns
    the pending application's secret (for the applicant's browser; only its hash is kept).
    Raises OtpRefused, writing nothing, when too many codes went to this phone, CIN or address."""
    from markaz.core.otp import otp_issue

    token = secrets.token_urlsafe(24)
    now = timezone.now()
    with transaction.atomic():
        pending = PendingApplication(
            centre=centre,
            token_hash=_pending_digest(token),
            form=form,
            language=language,
            phone=phone,
            cin=cin,
            created_at=now,
            expires_at=now + apply_confirm_age(),
        )
        pending.full_clean()
        pending.save()
        otp_issue(
            purpose=APPLY_OTP_PURPOSE,
            subject=_otp_subject(pending),
            phone=phone,
            identity=cin,
            request=request,
            language=language,
            centre=centre,
            per_address=apply_sends_per_address(),
        )
    return token


def pending_application_get(token: str) -> PendingApplication | None:
    """The pending application a browser holds the secret of, while it has not expired."""
    if not token or len(token) > 64:
        return None
    return (
        PendingApplication.objects.select_related("centre")
        .filter(token_hash=_pending_digest(token), expires_at__gt=timezone.now())
        .first()
    )


def public_application_resend(*, pending: PendingApplication, request) -> None:
    """A new code for a pending application (the older one stops). Raises OtpRefused."""
    from markaz.core.otp import otp_issue

    otp_issue(
        purpose=APPLY_OTP_PURPOSE,
        subject=_otp_subject(pending),
        phone=pending.phone,
        identity=pending.cin,
        request=request,
        language=pending.language,
        centre=pending.centre,
        per_address=apply_sends_per_address(),
    )


def public_application_confirm(
    *,
    pending: PendingApplication,
    code: str,
    request,
    data: dict,
    campaign: Campaign | None,
    cohorts: list[Cohort],
) -> dict:
    """The right code completes the application as the form did before (ranked when a
    campaign is open, or held for staff when the CIN is known): the code is used, the pending
    application removed and the application written in one transaction. A wrong, used or
    expired code raises OtpRefused and writes nothing (its wrong tries are counted: at most
    MARKAZ_APPLY_OTP_MAX_ATTEMPTS per code, and per client address)."""
    from markaz.core.otp import otp_verify

    def first() -> None:
        otp_verify(
            purpose=APPLY_OTP_PURPOSE,
            subject=_otp_subject(pending),
            code=code,
            request=request,
            max_tries=apply_otp_attempts(),
        )
        if not PendingApplication.objects.filter(pk=pending.pk).delete()[0]:
            raise ValidationError(_("This application was already completed."), code="used")

    return public_application_apply(
        centre=pending.centre,
        data=data,
        language=pending.language,
        campaign=campaign,
        cohorts=cohorts,
        first=first,
    )


def pending_applications_purge(*, now=None) -> int:
    """Delete the pending applications past their time (never confirmed): their CIN may apply
    again, and nothing of them stays. Returns how many."""
    now = now or timezone.now()
    return PendingApplication.objects.filter(expires_at__lte=now).delete()[0]


# --- Allocation runs --------------------------------------------------------------------------


def _rule(record: ScoringRuleVersion) -> ScoringRule:
    return ScoringRule(
        version=record.version,
        weights=dict(record.weights),
        rsu_threshold=float(record.rsu_threshold),
    )


def campaign_instance(
    campaign: Campaign, seed: int, rule: ScoringRuleVersion | None = None
) -> tuple[dict, dict]:
    """The engine's input for a campaign (JSON, as the CLI takes it) and the cohort labels,
    scored with `rule` (by default the campaign's current rule)."""
    rule = _rule(rule or campaign.scoring_rule)
    cohorts = list(
        campaign.cohorts.select_related("programme").prefetch_related("reserves").order_by("pk")
    )
    campaign_cohort_ids = {c.pk for c in cohorts}
    applications = (
        Application.objects.filter(
            campaign=campaign, person__merged_into__isnull=True, person__eligible=True
        )
        .select_related("person__commune")
        .prefetch_related("choices")
        .order_by("pk")
    )
    trained = set(
        Enrolment.objects.filter(withdrawn_at__isnull=True)
        .exclude(cohort_id__in=campaign_cohort_ids)
        .values_list("person_id", flat=True)
    )
    applicants = []
    for app in applications:
        p = app.person
        groups = []
        if p.sex == "F":
            groups.append("women")
        if p.commune_id and p.commune.is_rural:
            groups.append("rural")
        if p.disability:
            groups.append("disability")
        s = score(
            Facts(
                rsu_index=float(p.rsu_index) if p.rsu_index is not None else None,
                activity_status=p.activity_status,
                has_disability=bool(p.disability),
                rural=bool(p.commune_id and p.commune.is_rural),
                earlier_training=p.pk in trained,
            ),
            rule,
        )
        applicants.append(
            {
                "id": str(app.pk),
                "score": s.total,
                "groups": groups,
                "preferences": [
                    str(c.cohort_id) for c in sorted(app.choices.all(), key=lambda c: c.rank)
                ],
            }
        )
    instance = {
        "seed": seed,
        "applicants": applicants,
        "cohorts": [
            {
                "id": str(c.pk),
                "seats": c.seats,
                "precedence": c.precedence,
                "reserves": [{"group": r.group, "seats": r.seats} for r in c.reserves.all()],
            }
            for c in cohorts
        ],
    }
    labels = {
        str(c.pk): {
            "fr": f"{c.programme.title_fr} ({c.code})",
            "ar": f"{c.programme.title_ar} ({c.code})",
        }
        for c in cohorts
    }
    return instance, labels


def campaign_started_cohorts(campaign: Campaign, today: dt.date | None = None) -> list[Cohort]:
    """The campaign's cohorts that have started (or ended) by `today`."""
    today = today or timezone.localdate()
    return list(campaign.cohorts.filter(start_date__lte=today).order_by("start_date", "code"))


def campaign_allocation_refusal(campaign: Campaign, today: dt.date | None = None) -> str | None:
    """Why the campaign's seats can no longer be allocated or published, or None if they can.

    Once a cohort has started, its learners are there: a new allocation would send offers for
    seats already taken, so neither a new run nor publishing one is allowed."""
    today = today or timezone.localdate()
    if campaign.is_open(today):
        return _("Wait until the campaign closes before allocating its seats.")
    if campaign.runs.filter(status=AllocationRun.Status.PUBLISHED).exists():
        return _("This campaign's results are already published.")
    started = campaign_started_cohorts(campaign, today)
    if started:
        return _(
            "Its cohorts have already started (%(cohort)s on %(date)s): the campaign can no "
            "longer be allocated or published."
        ) % {"cohort": started[0].code, "date": started[0].start_date.strftime("%d/%m/%Y")}
    return None


def allocation_run_start(
    *, campaign: Campaign, actor, seed: int | None = None, today: dt.date | None = None
) -> AllocationRun:
    """Queue an allocation run (background job with progress)."""
    refusal = campaign_allocation_refusal(campaign, today)
    if refusal:
        raise ValidationError(refusal, code="locked")
    seed = seed if seed is not None else secrets.randbelow(2**31)
    with transaction.atomic():
        job = job_create(kind="allocation", centre=campaign.centre, created_by=actor, total=100)
        run = AllocationRun.objects.create(
            centre=campaign.centre,
            campaign=campaign,
            seed=seed,
            scoring_version=campaign.scoring_rule.version,
            scoring_rule=campaign.scoring_rule,
            job=job,
            created_by=actor,
        )
        transaction.on_commit(
            lambda: task_enqueue(
                "markaz.programmes.tasks.allocation_run_task", run_id=run.pk, job_id=str(job.pk)
            )
        )
    return run


GROUP_NAMES = {
    "women": ("femmes", "النساء"),
    "rural": ("communes rurales", "الجماعات القروية"),
    "disability": ("personnes en situation de handicap", "الأشخاص في وضعية إعاقة"),
}


def _localise_groups(text: dict) -> dict:
    """The engine names reserve groups by their code; say them in the reader's language."""
    fr, ar = text["fr"], text["ar"]
    for code, (name_fr, name_ar) in GROUP_NAMES.items():
        fr = fr.replace(f"« {code} »", f"« {name_fr} »")
        ar = ar.replace(f"«{code}»", f"«{name_ar}»")
    return {"fr": fr, "ar": ar}


def allocation_run_execute(*, run_id: int, progress=None) -> dict:
    run = AllocationRun.objects.select_related("campaign__scoring_rule", "scoring_rule").get(
        pk=run_id
    )
    instance_json, labels = campaign_instance(run.campaign, run.seed, rule=run.scoring_rule)
    inputs_hash = hashlib.sha256(json.dumps(instance_json, sort_keys=True).encode()).hexdigest()
    instance = engine.parse_instance(instance_json)
    result = engine.allocate(instance, progress=progress)
    scores = {a["id"]: a["score"] for a in instance_json["applicants"]}
    with transaction.atomic():
        outcomes = []
        for app_id, cohort_id in result.assignment.items():
            text = _localise_groups(result.explain(app_id, labels))
            outcomes.append(
                Outcome(
                    run=run,
                    application_id=int(app_id),
                    cohort_id=int(cohort_id) if cohort_id else None,
                    slot=result.slot_of.get(app_id, ""),
                    score=scores[app_id],
                    lottery=result.lottery[app_id],
                    explanation_fr=text["fr"],
                    explanation_ar=text["ar"],
                )
            )
        Outcome.objects.bulk_create(outcomes, batch_size=1000)
        WaitlistEntry.objects.bulk_create(
            [
                WaitlistEntry(run=run, cohort_id=int(cid), application_id=int(aid), position=i)
                for cid, ids in result.waitlists.items()
                for i, aid in enumerate(ids, start=1)
            ],
            batch_size=1000,
        )
        run.instance = instance_json
        run.inputs_hash = inputs_hash
        run.summary = {"cutoffs": result.cutoffs, "reserve_fill": result.reserve_fill}
        run.status = AllocationRun.Status.READY
        run.save(update_fields=["instance", "inputs_hash", "summary", "status"])
    placed = sum(1 for c in result.assignment.values() if c)
    return {"applicants": len(result.assignment), "placed": placed}


def allocation_publish_refusal(run: AllocationRun, today: dt.date | None = None) -> str | None:
    """Why this run cannot be published, or None if it can."""
    if run.status != AllocationRun.Status.READY:
        return _("Only a run ready for review can be published.")
    return campaign_allocation_refusal(run.campaign, today)


def allocation_publish_preview(run: AllocationRun) -> int:
    """How many offers publishing this run would send."""
    return run.outcomes.filter(cohort__isnull=False).count()


@transaction.atomic
def allocation_publish(*, run: AllocationRun, actor, today: dt.date | None = None) -> int:
    """Publish a reviewed run: every placed applicant gets an offer with a deadline."""
    run = AllocationRun.objects.select_for_update().select_related("campaign").get(pk=run.pk)
    refusal = allocation_publish_refusal(run, today)
    if refusal:
        raise ValidationError(refusal, code="locked")
    now = timezone.now()
    deadline = now + dt.timedelta(days=run.campaign.offer_days)
    offers = [
        Offer(
            run=run,
            cohort_id=o.cohort_id,
            application_id=o.application_id,
            offered_at=now,
            deadline=deadline,
        )
        for o in run.outcomes.filter(cohort__isnull=False)
    ]
    Offer.objects.bulk_create(offers)
    offers_notify(offers=Offer.objects.filter(run=run), kind=OFFER_MADE)
    run.status = AllocationRun.Status.PUBLISHED
    run.published_at = now
    run.published_by = actor
    run.save(update_fields=["status", "published_at", "published_by"])
    audit_record(
        actor=actor,
        action="allocation_publish",
        centre=run.centre,
        obj=run,
        detail={"offers": len(offers)},
    )
    return len(offers)


# --- Messages to applicants ------------------------------------------------------------------

OFFER_MADE = "offer"
WAITLIST_OFFER = "waitlist_offer"
OFFER_REMINDER = "offer_reminder"
REMINDER_DAYS_BEFORE_DEADLINE = 2


def _offer_text(offer: Offer, kind: str) -> tuple[str, str]:
    cohort = offer.cohort
    values = {
        "centre": pick(cohort.centre.name_fr, cohort.centre.name_ar),
        "programme": pick(cohort.programme.title_fr, cohort.programme.title_ar),
        "cohort": cohort.code,
        "start": cohort.start_date.strftime("%d/%m/%Y"),
        "deadline": timezone.localtime(offer.deadline).strftime("%d/%m/%Y %H:%M"),
        "url": public_url(reverse("programmes:results")),
    }
    if kind == OFFER_MADE:
        subject = _("You have a seat")
        body = _(
            "%(centre)s: you have a seat in %(programme)s (cohort %(cohort)s, from %(start)s). "
            "Accept or decline before %(deadline)s: %(url)s"
        )
    elif kind == WAITLIST_OFFER:
        subject = _("A seat has opened for you")
        body = _(
            "%(centre)s: a seat has opened for you in %(programme)s (cohort %(cohort)s, from "
            "%(start)s). Accept or decline before %(deadline)s: %(url)s"
        )
    else:
        subject = _("Reminder: answer your offer")
        body = _(
            "%(centre)s: reminder, your seat in %(programme)s (cohort %(cohort)s) is kept for you "
            "until %(deadline)s. Accept or decline: %(url)s"
        )
    return subject, body % values


def offers_notify(*, offers, kind: str) -> int:
    """Queue one message per offer to its applicant, in their language, by SMS (and e-mail
    where an address is known), in the caller's transaction. Once per offer and kind."""
    if not isinstance(offers, QuerySet):
        offers = Offer.objects.filter(pk__in=[o.pk for o in offers])
    offers = offers.select_related("application__person", "cohort__programme", "cohort__centre")
    items = []
    for offer in offers:
        person = offer.application.person
        phone, email = person_contacts(person)
        if not (phone or email):
            continue
        language = message_language(person.preferred_language)
        with translation.override(language):
            subject, body = _offer_text(offer, kind)
        items.append(
            Outgoing(
                kind=kind,
                body=body,
                subject=subject,
                centre=offer.cohort.centre,
                phone=phone,
                email=email,
                language=language,
                key=key_of(kind, offer.pk),
            )
        )
    return outbox_queue_many(items)


@transaction.atomic
def offer_reminders_queue(*, now=None, days: int = REMINDER_DAYS_BEFORE_DEADLINE) -> int:
    """Remind every applicant whose open offer ends within `days` days (made at least a day
    ago, so a short offer is not announced twice at once). Idempotent: one reminder per offer.
    Returns how many messages were queued."""
    now = now or timezone.now()
    offers = Offer.objects.filter(
        status=Offer.Status.OFFERED,
        deadline__gt=now,
        deadline__lte=now + dt.timedelta(days=days),
        offered_at__lte=now - dt.timedelta(days=1),
    )
    return offers_notify(offers=offers, kind=OFFER_REMINDER)


# --- Offers, waitlists and enrolment ----------------------------------------------------------


def _lock_offer(offer: Offer) -> Offer:
    return (
        Offer.objects.select_for_update()
        .select_related("run__campaign", "application__person", "cohort")
        .get(pk=offer.pk)
    )


def _answerable(offer: Offer, now) -> None:
    if offer.status == Offer.Status.ACCEPTED:
        raise ValidationError(_("You have already accepted this offer."), code="accepted")
    if offer.status != Offer.Status.OFFERED:
        raise ValidationError(_("This offer is no longer open."), code="closed")
    if now > offer.deadline:
        raise ValidationError(
            _("This offer expired on %(date)s.")
            % {"date": timezone.localtime(offer.deadline).strftime("%d/%m/%Y %H:%M")},
            code="expired",
        )


def _rank_of(application: Application, cohort_id: int) -> int | None:
    for choice in application.choices.all():
        if choice.cohort_id == cohort_id:
            return choice.rank
    return None


def offer_accept(*, offer: Offer, now=None) -> Enrolment:
    """Accept an offer: enrol, within the cohort's seats (the database refuses a seat too many).

    Offers and enrolments the applicant held in cohorts they ranked lower are released, and
    each freed seat goes to the next applicant in that cohort's order. An open offer for a cohort
    they ranked higher stays open: they may still move up.
    """
    now = now or timezone.now()
    with transaction.atomic():
        offer = _lock_offer(offer)
        _answerable(offer, now)
        try:
            with transaction.atomic():
                Cohort.objects.filter(pk=offer.cohort_id).update(enrolled=F("enrolled") + 1)
        except IntegrityError as exc:
            raise ValidationError(_("This cohort is full."), code="full") from exc
        enrolment = Enrolment.objects.create(
            cohort_id=offer.cohort_id, person=offer.application.person, offer=offer
        )
        offer.status = Offer.Status.ACCEPTED
        offer.responded_at = now
        offer.save(update_fields=["status", "responded_at"])
        my_rank = _rank_of(offer.application, offer.cohort_id) or 0
        freed = []
        for other in (
            Offer.objects.select_for_update()
            .filter(
                run=offer.run,
                application=offer.application,
                status__in=[Offer.Status.OFFERED, Offer.Status.ACCEPTED],
            )
            .exclude(pk=offer.pk)
        ):
            if (_rank_of(offer.application, other.cohort_id) or 99) < my_rank:
                continue  # a cohort they prefer: that offer stays open, they may still take it
            if other.status == Offer.Status.ACCEPTED:
                Enrolment.objects.filter(offer=other, withdrawn_at__isnull=True).update(
                    withdrawn_at=now
                )
                Cohort.objects.filter(pk=other.cohort_id).update(enrolled=F("enrolled") - 1)
            other.status = Offer.Status.WITHDRAWN
            other.responded_at = now
            other.save(update_fields=["status", "responded_at"])
            freed.append(other.cohort_id)
        # They will not want a cohort they ranked lower than the one they accepted.
        lower = [c.cohort_id for c in offer.application.choices.all() if c.rank > my_rank]
        WaitlistEntry.objects.filter(
            run=offer.run, application=offer.application, cohort_id__in=lower + [offer.cohort_id]
        ).update(active=False)
        for cohort_id in freed:
            _refill(offer.run, cohort_id, now)
    return enrolment


def offer_decline(*, offer: Offer, now=None) -> None:
    now = now or timezone.now()
    with transaction.atomic():
        offer = _lock_offer(offer)
        _answerable(offer, now)
        offer.status = Offer.Status.DECLINED
        offer.responded_at = now
        offer.save(update_fields=["status", "responded_at"])
        WaitlistEntry.objects.filter(
            run=offer.run, application=offer.application, cohort=offer.cohort
        ).update(active=False)
        _refill(offer.run, offer.cohort_id, now)


def offers_expire(*, now=None) -> int:
    """Expire unanswered offers past their deadline; each freed seat is offered once more."""
    now = now or timezone.now()
    count = 0
    for offer_id in Offer.objects.filter(status=Offer.Status.OFFERED, deadline__lt=now).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            offer = Offer.objects.select_for_update().get(pk=offer_id)
            if offer.status != Offer.Status.OFFERED:
                continue
            offer.status = Offer.Status.EXPIRED
            offer.save(update_fields=["status"])
            WaitlistEntry.objects.filter(
                run=offer.run, application=offer.application, cohort=offer.cohort
            ).update(active=False)
            _refill(offer.run, offer.cohort_id, now)
            count += 1
    return count


def enrolment_withdraw(
    *, enrolment: Enrolment, actor, reason: str, on: dt.date | None = None, now=None
) -> Offer | None:
    """A learner leaves a cohort (reason and date recorded). Before the cohort starts, the seat
    goes to the next applicant on its waiting list (the offer made is returned); after the start
    the seat stays empty and the learner leaves the attendance lists."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    on = on or today
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for leaving.")}, code="reason")
    if on > today:
        raise ValidationError(
            {"on": _("The date of leaving cannot be in the future.")}, code="future"
        )
    with transaction.atomic():
        # Only the enrolment row is locked (its offer is a nullable join PostgreSQL won't lock);
        # the cohort's row is locked by _refill before a seat is offered.
        enrolment = (
            Enrolment.objects.select_for_update(of=("self",))
            .select_related("offer__run__campaign", "cohort")
            .get(pk=enrolment.pk)
        )
        if enrolment.withdrawn_at is not None:
            raise ValidationError(_("This learner has already left the cohort."), code="withdrawn")
        if on < timezone.localdate(enrolment.created_at):
            raise ValidationError(
                {"on": _("The date of leaving cannot be before the enrolment.")}, code="early"
            )
        enrolment.withdrawn_at = now
        enrolment.withdrawn_on = on
        enrolment.withdrawal_reason = reason
        enrolment.full_clean(exclude=["cohort", "person", "offer"])
        enrolment.save(update_fields=["withdrawn_at", "withdrawn_on", "withdrawal_reason"])
        Cohort.objects.filter(pk=enrolment.cohort_id).update(enrolled=F("enrolled") - 1)
        made: list[Offer] = []
        if enrolment.offer is not None:
            Offer.objects.filter(pk=enrolment.offer_id).update(
                status=Offer.Status.WITHDRAWN, responded_at=now
            )
            made = _refill(enrolment.offer.run, enrolment.cohort_id, now)
        audit_record(
            actor=actor,
            action="enrolment_withdraw",
            centre=enrolment.cohort.centre,
            obj=enrolment,
            detail={"reason": reason, "on": on.isoformat(), "seat_offered": bool(made)},
        )
    return made[0] if made else None


def _refill(run: AllocationRun, cohort_id: int, now) -> list[Offer]:
    """Offer each free seat of a cohort to exactly one next applicant in its own order.

    The cohort row is locked, so two seats freed at once never go to the same person and a seat
    is never offered twice. Free = seats − enrolled − offers still open.
    """
    cohort = Cohort.objects.select_for_update().get(pk=cohort_id)
    if cohort.start_date <= timezone.localdate(now):
        return []  # once the cohort has started, a freed seat stays empty
    pending = Offer.objects.filter(run=run, cohort=cohort, status=Offer.Status.OFFERED).count()
    free = cohort.seats - cohort.enrolled - pending
    made = []
    if free <= 0:
        return made
    deadline = now + dt.timedelta(days=run.campaign.offer_days)
    entries = WaitlistEntry.objects.filter(run=run, cohort=cohort, active=True).order_by("position")
    for entry in entries:
        if free <= 0:
            break
        entry.active = False
        entry.save(update_fields=["active"])
        if Offer.objects.filter(
            run=run, cohort=cohort, application_id=entry.application_id
        ).exists():
            continue
        made.append(
            Offer.objects.create(
                run=run,
                cohort=cohort,
                application_id=entry.application_id,
                from_waitlist=True,
                offered_at=now,
                deadline=deadline,
            )
        )
        free -= 1
    offers_notify(offers=made, kind=WAITLIST_OFFER)
    return made


def waitlist_position(entry: WaitlistEntry) -> int:
    """The true position: active entries ahead of this one, plus one."""
    return (
        WaitlistEntry.objects.filter(
            run=entry.run_id, cohort=entry.cohort_id, active=True, position__lt=entry.position
        ).count()
        + 1
    )


# --- Setting up a season: programmes, cohorts, campaigns, the scoring rule ----------------------
#
# Each takes the cleaned values of its form, checks what a form cannot (what is already in use),
# and writes nothing when it refuses: a ValidationError keyed by field, in the reader's language.

PROGRAMME_FIELDS = (
    "title_fr",
    "title_ar",
    "track",
    "hours",
    "duration_weeks",
    "goal",
    "teaching_language",
    "prerequisites",
    "schedule_pattern",
)
COHORT_FIELDS = ("programme", "code", "schedule_pattern", "start_date", "end_date", "seats")
CAMPAIGN_FIELDS = (
    "name_fr",
    "name_ar",
    "opens_on",
    "closes_on",
    "offer_days",
    "max_choices",
    "scoring_rule",
)
RESERVE_GROUPS = tuple(CohortReserve.Group.values)


def _changed(instance, data: dict, fields) -> set[str]:
    return {f for f in fields if f in data and getattr(instance, f) != data[f]}


@transaction.atomic
def programme_save(*, centre, data: dict, actor, programme: Programme | None = None) -> Programme:
    """Create a programme, or edit one. Its hours cannot change once one of its cohorts has
    started: its learners' certificates and reports state them."""
    if programme is not None:
        programme = Programme.objects.select_for_update().get(pk=programme.pk, centre=centre)
        started = programme.cohorts.filter(start_date__lte=timezone.localdate()).exists()
        if started and _changed(programme, data, ("hours", "duration_weeks", "track")):
            raise ValidationError(
                {
                    "hours": _(
                        "A cohort of this programme has started: its track, hours and duration "
                        "can no longer change. Create a new programme instead."
                    )
                },
                code="in_use",
            )
    else:
        programme = Programme(centre=centre)
    for f in PROGRAMME_FIELDS:
        if f in data:
            setattr(programme, f, data[f])
    programme.full_clean()
    programme.save()
    audit_record(actor=actor, action="programme_save", centre=centre, obj=programme)
    return programme


def _teaches_here(user, centre) -> bool:
    from markaz.core.access import staff_profile

    profile = staff_profile(user)
    return (
        profile is not None
        and user.is_active
        and profile.centre_id == centre.pk
        and profile.role in ("trainer", "coordinator", "admin")
    )


def _cohort_allocated(cohort: Cohort) -> bool:
    return (
        AllocationRun.objects.filter(campaign__cohorts=cohort)
        .exclude(status=AllocationRun.Status.FAILED)
        .exists()
    )


@transaction.atomic
def cohort_save(
    *,
    centre,
    data: dict,
    reserves: dict[str, int],
    trainers,
    actor,
    cohort: Cohort | None = None,
    today: dt.date | None = None,
) -> Cohort:
    """Create a cohort, or edit one, with its reserved seats (by group, in the given order) and
    its trainers. Refuses what would corrupt what already happened: fewer seats than learners
    enrolled; new reserves, precedence or programme once its campaign is allocated; new dates
    or schedule once it has started; a start before its campaigns close."""
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    reserves = {g: int(n or 0) for g, n in reserves.items() if g in RESERVE_GROUPS}
    if cohort is not None:
        cohort = Cohort.objects.select_for_update().prefetch_related("reserves").get(pk=cohort.pk)
        if cohort.centre_id != centre.pk:
            raise ValidationError(_("This cohort belongs to another centre."))
        seats = data.get("seats", cohort.seats)
        if seats < cohort.enrolled:
            errors.setdefault("seats", []).append(
                _("%(n)s learners are already enrolled: the cohort needs at least %(n)s seats.")
                % {"n": cohort.enrolled}
            )
        old_reserves = {r.group: r.seats for r in cohort.reserves.all()}
        new_reserves = {g: n for g, n in reserves.items() if n}
        reshaped = old_reserves != new_reserves or _changed(
            cohort, data, ("precedence", "programme", "code")
        )
        if reshaped and _cohort_allocated(cohort):
            errors.setdefault("__all__", []).append(
                _(
                    "Seats of this cohort were already allocated: its programme, code, "
                    "reserved seats and precedence can no longer change (the published "
                    "explanations rely on them)."
                )
            )
        if cohort.start_date <= today and _changed(
            cohort, data, ("start_date", "schedule_pattern", "programme")
        ):
            errors.setdefault("start_date", []).append(
                _("This cohort has started: its start date and schedule can no longer change.")
            )
    else:
        cohort = Cohort(centre=centre)
    for f in COHORT_FIELDS:
        if f in data:
            setattr(cohort, f, data[f])
    if "precedence" in data:
        cohort.precedence = data["precedence"]
    if cohort.programme_id and cohort.programme.centre_id != centre.pk:
        errors.setdefault("programme", []).append(_("Choose a programme of this centre."))
    if cohort.start_date and cohort.end_date and cohort.end_date <= cohort.start_date:
        errors.setdefault("end_date", []).append(_("The end date must come after the start date."))
    if any(n < 0 for n in reserves.values()):
        errors.setdefault("__all__", []).append(_("Reserved seats cannot be negative."))
    if cohort.seats is not None and sum(reserves.values()) > cohort.seats:
        errors.setdefault("__all__", []).append(
            _("%(reserved)s seats are reserved but the cohort has only %(seats)s.")
            % {"reserved": sum(reserves.values()), "seats": cohort.seats}
        )
    if cohort.pk and cohort.start_date:
        late = (
            Campaign.objects.filter(cohorts=cohort, closes_on__gte=cohort.start_date)
            .order_by("closes_on")
            .first()
        )
        if late is not None:
            errors.setdefault("start_date", []).append(
                _(
                    "The campaign “%(campaign)s” offering this cohort closes on %(date)s: the "
                    "cohort must start after that."
                )
                % {"campaign": late.name, "date": late.closes_on.strftime("%d/%m/%Y")}
            )
    if any(not _teaches_here(t, centre) for t in trainers):
        errors.setdefault("trainers", []).append(_("Choose trainers of this centre."))
    try:
        cohort.full_clean(exclude=["trainers"])
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    cohort.save()
    cohort.trainers.set(trainers)
    cohort.reserves.all().delete()
    for order, group in enumerate(g for g in RESERVE_GROUPS if reserves.get(g)):
        CohortReserve.objects.create(cohort=cohort, group=group, seats=reserves[group], order=order)
    audit_record(actor=actor, action="cohort_save", centre=centre, obj=cohort)
    return cohort


def campaign_is_allocated(campaign: Campaign) -> bool:
    """True once a run has been made (or is being made) for the campaign."""
    return (
        campaign.pk is not None
        and campaign.runs.exclude(status=AllocationRun.Status.FAILED).exists()
    )


@transaction.atomic
def campaign_save(
    *,
    centre,
    data: dict,
    cohorts: list[Cohort],
    actor,
    campaign: Campaign | None = None,
    today: dt.date | None = None,
) -> Campaign:
    """Create a campaign, or edit one. The application window closes before every cohort it
    offers starts; once its seats are allocated, only its names and the days given to answer
    an offer can change; a cohort somebody ranked cannot be taken out."""
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    if campaign is not None:
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk, centre=centre)
        old_cohorts = set(campaign.cohorts.values_list("pk", flat=True))
        frozen = _changed(
            campaign, data, ("opens_on", "closes_on", "max_choices", "scoring_rule")
        ) or old_cohorts != {c.pk for c in cohorts}
        if frozen and campaign_is_allocated(campaign):
            errors.setdefault("__all__", []).append(
                _(
                    "This campaign's seats were already allocated: its window, cohorts, "
                    "number of choices and scoring rule can no longer change."
                )
            )
        elif frozen and campaign_started_cohorts(campaign, today):
            errors.setdefault("__all__", []).append(
                _(
                    "This campaign's cohorts have started: its window, cohorts, number of "
                    "choices and scoring rule can no longer change."
                )
            )
        ranked = set(
            Choice.objects.filter(application__campaign=campaign).values_list(
                "cohort_id", flat=True
            )
        )
        removed = ranked - {c.pk for c in cohorts}
        if removed:
            codes = ", ".join(
                sorted(Cohort.objects.filter(pk__in=removed).values_list("code", flat=True))
            )
            errors.setdefault("cohorts", []).append(
                _("Applicants already ranked %(codes)s: it cannot be taken out of the campaign.")
                % {"codes": codes}
            )
    else:
        campaign = Campaign(centre=centre)
        old_cohorts = set()
    for f in CAMPAIGN_FIELDS:
        if f in data:
            setattr(campaign, f, data[f])
    if campaign.opens_on and campaign.closes_on and campaign.closes_on < campaign.opens_on:
        errors.setdefault("closes_on", []).append(
            _("The campaign must close on or after the day it opens.")
        )
    if not cohorts:
        errors.setdefault("cohorts", []).append(_("Choose at least one cohort to offer."))
    if any(c.centre_id != centre.pk for c in cohorts):
        errors.setdefault("cohorts", []).append(_("Choose cohorts of this centre."))
    if campaign.closes_on:
        early = [c for c in cohorts if c.start_date <= campaign.closes_on]
        if early:
            errors.setdefault("cohorts", []).append(
                _(
                    "%(codes)s start before the campaign closes (%(date)s): close the "
                    "applications before the cohorts start."
                )
                % {
                    "codes": ", ".join(c.code for c in early),
                    "date": campaign.closes_on.strftime("%d/%m/%Y"),
                }
            )
    new_started = [c for c in cohorts if c.pk not in old_cohorts and c.start_date <= today]
    if new_started:
        errors.setdefault("cohorts", []).append(
            _("%(codes)s have already started and cannot be offered.")
            % {"codes": ", ".join(c.code for c in new_started)}
        )
    if campaign.scoring_rule_id and campaign.scoring_rule.centre_id != centre.pk:
        errors.setdefault("scoring_rule", []).append(_("Choose a rule of this centre."))
    try:
        campaign.full_clean()
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    campaign.save()
    campaign.cohorts.set(cohorts)
    audit_record(actor=actor, action="campaign_save", centre=centre, obj=campaign)
    return campaign


def scoring_rule_current(centre) -> ScoringRuleVersion | None:
    return ScoringRuleVersion.objects.filter(centre=centre).order_by("-published_at", "-pk").first()


@transaction.atomic
def scoring_rule_publish(
    *,
    centre,
    version: str,
    weights: dict[str, float],
    rsu_threshold,
    note: str,
    actor,
) -> tuple[ScoringRuleVersion, int]:
    """Publish a new version of the priority rule (versions are never edited). Campaigns that
    can still be allocated (no run yet, no cohort started) move to it; the others keep theirs.
    Returns the version and how many campaigns moved to it."""
    version = (version or "").strip()
    try:
        ScoringRule(version=version, weights=dict(weights), rsu_threshold=float(rsu_threshold))
    except (ValueError, TypeError) as exc:
        raise ValidationError(
            _("The points must be numbers, zero or more."), code="weights"
        ) from exc
    if ScoringRuleVersion.objects.filter(centre=centre, version=version).exists():
        raise ValidationError(
            {
                "version": _("Version %(v)s is already published: name the new one differently.")
                % {"v": version}
            },
            code="duplicate",
        )
    record = ScoringRuleVersion(
        centre=centre,
        version=version,
        weights={k: float(v) for k, v in weights.items()},
        rsu_threshold=Decimal(str(rsu_threshold)),
        note=note,
        published_by=actor,
    )
    record.full_clean()
    record.save()
    movable = [
        c.pk
        for c in Campaign.objects.filter(centre=centre).exclude(scoring_rule=record)
        if not campaign_is_allocated(c) and not campaign_started_cohorts(c)
    ]
    Campaign.objects.filter(pk__in=movable).update(scoring_rule=record)
    audit_record(
        actor=actor,
        action="scoring_rule_publish",
        centre=centre,
        obj=record,
        detail={"version": version, "campaigns_moved": len(movable)},
    )
    return record, len(movable)
