"""Writes for programmes: rankings, allocation runs, offers, waitlists and enrolment."""

import datetime as dt
import hashlib
import json
import secrets

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _

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

from .models import (
    AllocationRun,
    Application,
    Campaign,
    Choice,
    Cohort,
    Enrolment,
    Offer,
    Outcome,
    SchedulePattern,
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


# --- Allocation runs --------------------------------------------------------------------------


def _rule(campaign: Campaign) -> ScoringRule:
    r = campaign.scoring_rule
    return ScoringRule(
        version=r.version, weights=dict(r.weights), rsu_threshold=float(r.rsu_threshold)
    )


def campaign_instance(campaign: Campaign, seed: int) -> tuple[dict, dict]:
    """The engine's input for a campaign (JSON, as the CLI takes it) and the cohort labels."""
    rule = _rule(campaign)
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


def allocation_run_start(*, campaign: Campaign, actor, seed: int | None = None) -> AllocationRun:
    """Queue an allocation run (background job with progress)."""
    from .tasks import allocation_run_task

    if campaign.is_open():
        raise ValidationError(_("Wait until the campaign closes before allocating its seats."))
    if campaign.runs.filter(status=AllocationRun.Status.PUBLISHED).exists():
        raise ValidationError(_("This campaign's results are already published."))
    seed = seed if seed is not None else secrets.randbelow(2**31)
    with transaction.atomic():
        job = job_create(kind="allocation", centre=campaign.centre, created_by=actor, total=100)
        run = AllocationRun.objects.create(
            centre=campaign.centre,
            campaign=campaign,
            seed=seed,
            scoring_version=campaign.scoring_rule.version,
            job=job,
            created_by=actor,
        )
        transaction.on_commit(
            lambda: allocation_run_task.enqueue(run_id=run.pk, job_id=str(job.pk))
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
    run = AllocationRun.objects.select_related("campaign__scoring_rule").get(pk=run_id)
    instance_json, labels = campaign_instance(run.campaign, run.seed)
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


@transaction.atomic
def allocation_publish(*, run: AllocationRun, actor) -> int:
    """Publish a reviewed run: every placed applicant gets an offer with a deadline."""
    run = AllocationRun.objects.select_for_update().select_related("campaign").get(pk=run.pk)
    if run.status != AllocationRun.Status.READY:
        raise ValidationError(_("Only a run ready for review can be published."))
    if run.campaign.runs.filter(status=AllocationRun.Status.PUBLISHED).exists():
        raise ValidationError(_("This campaign's results are already published."))
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


def enrolment_withdraw(*, enrolment: Enrolment, actor, now=None) -> None:
    """A learner leaves before the start: the seat goes to the next applicant in line."""
    now = now or timezone.now()
    with transaction.atomic():
        enrolment = (
            Enrolment.objects.select_for_update().select_related("offer").get(pk=enrolment.pk)
        )
        if enrolment.withdrawn_at is not None:
            raise ValidationError(_("This enrolment was already withdrawn."))
        enrolment.withdrawn_at = now
        enrolment.save(update_fields=["withdrawn_at"])
        Cohort.objects.filter(pk=enrolment.cohort_id).update(enrolled=F("enrolled") - 1)
        if enrolment.offer is not None:
            Offer.objects.filter(pk=enrolment.offer_id).update(
                status=Offer.Status.WITHDRAWN, responded_at=now
            )
            _refill(enrolment.offer.run, enrolment.cohort_id, now)
        audit_record(actor=actor, action="enrolment_withdraw", obj=enrolment)


def _refill(run: AllocationRun, cohort_id: int, now) -> list[Offer]:
    """Offer each free seat of a cohort to exactly one next applicant in its own order.

    The cohort row is locked, so two seats freed at once never go to the same person and a seat
    is never offered twice. Free = seats − enrolled − offers still open.
    """
    cohort = Cohort.objects.select_for_update().get(pk=cohort_id)
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
