"""Writes to the youth registry: intake from every door, eligibility, duplicates, merges."""

import datetime as dt
import secrets
import unicodedata

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from markaz.core.enqueue import task_enqueue
from markaz.core.outbox import sms_opt_out
from markaz.core.services import audit_record
from markaz.engine.dedup import DedupIndex, PersonRecord, name_key
from markaz.engine.eligibility import Applicant, Decision, EligibilityRules, evaluate
from markaz.territory.models import Commune

from .consent import CONSENT_PURPOSE, CONSENT_VERSION
from .models import (
    Consent,
    DuplicateFlag,
    IntakeConflict,
    MergeRecord,
    Objection,
    Person,
    PersonSearchToken,
    Purpose,
    Source,
)

# The facts a merge may fill in on the kept record from the merged one, when they are empty.
MERGEABLE_FIELDS = [
    "first_name_ar",
    "last_name_ar",
    "phone",
    "commune_id",
    "disability",
    "rsu_index",
]
PERSON_FIELDS = [
    "first_name_latin",
    "last_name_latin",
    "first_name_ar",
    "last_name_ar",
    "cin",
    "birth_date",
    "sex",
    "phone",
    "commune_id",
    "activity_status",
    "education_level",
    "disability",
    "rsu_index",
    "preferred_language",
]


def _fold(text: str) -> str:
    """Lower case, no accents, no Arabic short vowels: what search compares."""
    text = unicodedata.normalize("NFKD", text or "")
    return "".join(ch for ch in text if not unicodedata.combining(ch)).lower()


def person_search_tokens(person: Person) -> set[str]:
    """The words a person can be found by (see PersonSearchToken)."""
    names = [
        person.first_name_latin,
        person.last_name_latin,
        person.first_name_ar,
        person.last_name_ar,
    ]
    tokens = set()
    for name in names:
        for word in _fold(name).replace("-", " ").split():
            tokens.add(word)
            tokens.add(name_key(word))
        tokens.add(name_key(name))
    for first, last in ((names[0], names[1]), (names[2], names[3])):
        tokens.add(name_key(f"{first} {last}"))
    tokens.add(person.cin.lower())
    if person.phone:
        tokens.add(person.phone.lstrip("+"))
        if person.phone.startswith("+212"):
            tokens.add("0" + person.phone[4:])
    return {t[:64] for t in tokens if t}


def person_tokens_build(people) -> list[PersonSearchToken]:
    return [
        PersonSearchToken(centre_id=p.centre_id, person_id=p.pk, token=token)
        for p in people
        for token in person_search_tokens(p)
    ]


def person_tokens_refresh(person: Person) -> None:
    PersonSearchToken.objects.filter(person=person).delete()
    PersonSearchToken.objects.bulk_create(person_tokens_build([person]))


def centre_eligibility_rules(centre) -> EligibilityRules:
    codes = Commune.objects.filter(province_id=centre.commune.province_id).values_list(
        "code", flat=True
    )
    return EligibilityRules(
        min_age=centre.min_age, max_age=centre.max_age, province_communes=frozenset(codes)
    )


def person_evaluate(person: Person, rules: EligibilityRules, on: dt.date) -> Decision:
    commune = person.commune if person.commune_id else None
    return evaluate(
        Applicant(
            birth_date=person.birth_date,
            activity_status=person.activity_status,
            commune=commune.code if commune else None,
            commune_name_fr=commune.name_fr if commune else None,
            commune_name_ar=commune.name_ar if commune else None,
        ),
        rules,
        on,
    )


def _apply_eligibility(person: Person, rules: EligibilityRules, on: dt.date) -> None:
    decision = person_evaluate(person, rules, on)
    person.eligible = decision.eligible
    person.eligibility = decision.to_dict()


def person_record(person: Person) -> PersonRecord:
    return PersonRecord(
        id=person.pk,
        first_latin=person.first_name_latin,
        last_latin=person.last_name_latin,
        first_ar=person.first_name_ar,
        last_ar=person.last_name_ar,
        birth_date=person.birth_date,
        phone=person.phone or None,
        cin=person.cin,
    )


def centre_dedup_index(centre, *, birth_dates=None, phones=None) -> DedupIndex:
    """The centre's live records, narrowed to those sharing a birth date or a phone if given
    (a likely duplicate always shares one of them)."""
    qs = Person.objects.filter(centre=centre, merged_into__isnull=True)
    if birth_dates is not None or phones is not None:
        cond = Q(birth_date__in=list(birth_dates or []))
        if phones:
            cond |= Q(phone__in=[p for p in phones if p])
        qs = qs.filter(cond)
    fields = (
        "pk",
        "first_name_latin",
        "last_name_latin",
        "first_name_ar",
        "last_name_ar",
        "birth_date",
        "phone",
        "cin",
    )
    return DedupIndex(
        PersonRecord(
            id=pk,
            first_latin=fl,
            last_latin=ll,
            first_ar=fa,
            last_ar=la,
            birth_date=bd,
            phone=ph or None,
            cin=cin,
        )
        for pk, fl, ll, fa, la, bd, ph, cin in qs.values_list(*fields).iterator(chunk_size=5000)
    )


def _flag_pair(centre, a_id: int, b_id: int, score: float, reasons) -> bool:
    low, high = sorted((a_id, b_id))
    _flag, created = DuplicateFlag.objects.get_or_create(
        person_id=low,
        other_id=high,
        defaults={"centre": centre, "score": score, "reasons": list(reasons)},
    )
    return created


def person_flag_duplicates(
    *, person: Person, index: DedupIndex | None = None, ignore: int | None = None
) -> int:
    """Flag the likely duplicates of `person` for review (but not `ignore`, a record the
    caller already knows about). Returns how many new flags."""
    if index is None:
        index = centre_dedup_index(
            person.centre, birth_dates=[person.birth_date], phones=[person.phone]
        )
    created = 0
    for match in index.candidates(person_record(person)):
        if match.existing_id in (person.pk, ignore):
            continue
        created += _flag_pair(
            person.centre, person.pk, match.existing_id, match.score, match.reasons
        )
    return created


def _commune_by_code(code: str | None) -> Commune | None:
    return Commune.objects.get(code=code) if code else None


def _person_from_data(*, centre, data: dict, source: str) -> Person:
    person = Person(centre=centre, source=source)
    for field in (
        "first_name_latin",
        "last_name_latin",
        "first_name_ar",
        "last_name_ar",
        "cin",
        "birth_date",
        "sex",
        "phone",
        "activity_status",
        "education_level",
        "preferred_language",
    ):
        setattr(person, field, data.get(field) or "")
    for field in ("first_name_latin", "last_name_latin", "first_name_ar", "last_name_ar"):
        setattr(person, field, " ".join(getattr(person, field).split()))
    person.preferred_language = data.get("preferred_language") or "ar"
    person.disability = data.get("disability") or ""
    person.rsu_index = data.get("rsu_index")
    commune = data.get("commune")
    person.commune = (
        commune if isinstance(commune, Commune) or commune is None else _commune_by_code(commune)
    )
    return person


def _cin_taken_error() -> ValidationError:
    return ValidationError(
        {"cin": _("A person with this CIN is already registered at this centre.")}
    )


@transaction.atomic
def person_create(
    *,
    centre,
    data: dict,
    source: str = Source.STAFF,
    consent_method: str = Consent.Method.DESK,
    consent_language: str = "fr",
    actor=None,
    rules: EligibilityRules | None = None,
    today: dt.date | None = None,
) -> Person:
    """Register a person with their consent, decide eligibility and flag likely duplicates.

    Raises ValidationError (and writes nothing) on bad data or a CIN already registered.
    """
    today = today or timezone.localdate()
    person = _person_from_data(centre=centre, data=data, source=source)
    _apply_eligibility(person, rules or centre_eligibility_rules(centre), today)
    person.full_clean(validate_unique=False, validate_constraints=False)
    if Person.objects.filter(centre=centre, cin=person.cin).exists():
        raise _cin_taken_error()
    try:
        _person_save(person)
    except IntegrityError as exc:  # a concurrent intake of the same CIN
        raise _cin_taken_error() from exc
    _person_register(
        person,
        consent_method=consent_method,
        consent_language=consent_language,
        actor=actor,
    )
    return person


def _person_save(person: Person) -> None:
    with transaction.atomic():  # a savepoint: a unique-CIN clash leaves the caller usable
        person.save()


def _person_register(
    person: Person, *, consent_method: str, consent_language: str, actor=None, ignore=None
) -> None:
    """What follows a new person's row: search tokens, the consent, duplicate flags."""
    person_tokens_refresh(person)
    Consent.objects.create(
        person=person,
        purpose=CONSENT_PURPOSE,
        text_version=CONSENT_VERSION,
        language=consent_language,
        method=consent_method,
        given_at=timezone.now(),
        recorded_by=actor if actor is not None and actor.is_authenticated else None,
    )
    person_flag_duplicates(person=person, ignore=ignore)


def _stand_in_cin() -> str:
    """A CIN for the rolled-back stand-in of a known applicant: valid for the database's
    check, random, and with a prefix no Moroccan card carries ("ZZ")."""
    return f"ZZ{secrets.randbelow(10**6):06d}"


def public_application_prepare(*, centre, data: dict) -> Person:
    """The public form's person, checked and with their eligibility, not saved: reads only, so
    a caller can do it before its transaction and hold the write lock for less time."""
    person = _person_from_data(centre=centre, data=data, source=Source.PUBLIC_FORM)
    _apply_eligibility(person, centre_eligibility_rules(centre), timezone.localdate())
    person.full_clean(validate_unique=False, validate_constraints=False)
    return person


def conflict_reasons(existing: Person, data: dict) -> list[str]:
    """What differs between a registered person and a new application with their CIN: the
    birth date, the phone (someone may have applied first with another person's CIN)."""
    reasons = []
    if str(data.get("birth_date") or "") != str(existing.birth_date):
        reasons.append("birth_date")
    if (data.get("phone") or "") != (existing.phone or ""):
        reasons.append("phone")
    return reasons


@transaction.atomic
def public_application_submit(
    *,
    centre,
    data: dict,
    language: str,
    then=None,
    person: Person | None = None,
    ranked_cohorts=(),
) -> tuple[Person | None, dict]:
    """An application from the public form, in one transaction. Returns (the new person or
    None, the decision). `then(person)` runs inside the same transaction once the person is
    written (the cohort ranking): if it raises, nothing at all is written. `person`: from
    public_application_prepare, when the caller prepared it before the transaction.

    A CIN already registered is not revealed to the applicant, neither by the answer (the
    eligibility decision on what they submitted, as for anyone) nor by its time (issue 13: a
    known CIN answered in 26 ms, a new one in 93 ms). Both cases do the same database work:

    1. in a savepoint, the person is written with their consent, search tokens, duplicate
       flags and `then` (for a known CIN, a stand-in with a placeholder CIN, the known record
       ignored by the duplicate check); kept for a new CIN, rolled back for a known one;
    2. in a second savepoint, the submission is written as an intake conflict (against the
       known record, or the new one); kept for a known CIN (staff see it and decide), rolled
       back for a new one. The conflict records what differs (`conflict_reasons`: another
       birth date or phone means someone may have applied first with this CIN) and the cohorts
       ranked (`ranked_cohorts`), so the real person's results page says their application is
       held for a check, not "no application".
    """
    person = person or public_application_prepare(centre=centre, data=data)
    existing = Person.objects.filter(centre=centre, cin=data["cin"]).first()
    written = transaction.savepoint()
    if existing is not None:
        person.cin = _stand_in_cin()
    for _attempt in range(3):
        try:
            _person_save(person)
            break
        except IntegrityError:
            # A concurrent application of the same CIN (PostgreSQL; SQLite writers queue), or a
            # stand-in CIN already taken: answer as for a known CIN, with a fresh stand-in.
            existing = existing or Person.objects.filter(centre=centre, cin=data["cin"]).first()
            if existing is None:
                raise
            person.pk = None
            person.cin = _stand_in_cin()
    else:
        raise _cin_taken_error()
    _person_register(
        person,
        consent_method=Consent.Method.ONLINE,
        consent_language=language,
        ignore=existing.pk if existing is not None else None,
    )
    if then is not None:
        then(person)
    submitted = {k: (str(v) if v is not None else None) for k, v in data.items() if k != "consent"}
    submitted["conflict"] = conflict_reasons(existing if existing is not None else person, data)
    submitted["cohorts"] = [int(getattr(c, "pk", c)) for c in ranked_cohorts]
    if existing is None:
        transaction.savepoint_commit(written)
    else:
        transaction.savepoint_rollback(written)
    conflict = transaction.savepoint()
    IntakeConflict.objects.create(
        centre=centre, existing=existing if existing is not None else person, submitted=submitted
    )
    if existing is None:
        transaction.savepoint_rollback(conflict)
        return person, person.eligibility
    transaction.savepoint_commit(conflict)
    return None, person.eligibility


@transaction.atomic
def intake_conflict_resolve(*, conflict: IntakeConflict, actor) -> IntakeConflict:
    """Staff decided about a held application (after correcting the registered record, or
    finding it was the same person applying again): it leaves the list. Recorded."""
    conflict = IntakeConflict.objects.select_for_update().get(pk=conflict.pk)
    if conflict.resolved:
        raise ValidationError(_("This application was already checked."))
    conflict.resolved = True
    conflict.save(update_fields=["resolved"])
    audit_record(
        actor=actor, action="intake_conflict_resolve", centre=conflict.centre, obj=conflict
    )
    return conflict


@transaction.atomic
def person_update(*, person: Person, data: dict, actor) -> Person:
    """Correct a person's facts (law 09-08 art. 8); eligibility is decided again. Every field
    that changed is recorded in the audit trail with its old and new value (the person's page
    shows it as the history of corrections)."""
    if person.anonymised_at is not None:
        raise ValidationError(_("This record was anonymised: it can no longer be corrected."))
    before = _snapshot(person)
    old_phone = person.phone
    changed = _person_from_data(centre=person.centre, data=data, source=person.source)
    if (
        changed.cin != person.cin
        and Person.objects.filter(centre=person.centre, cin=changed.cin)
        .exclude(pk=person.pk)
        .exists()
    ):
        raise _cin_taken_error()
    for field in PERSON_FIELDS:
        setattr(person, field, getattr(changed, field))
    _apply_eligibility(person, centre_eligibility_rules(person.centre), timezone.localdate())
    person.full_clean(validate_unique=False, validate_constraints=False)
    person.save()
    person_tokens_refresh(person)
    after = _snapshot(person)
    changes = [
        {"field": f, "old": before[f], "new": after[f]}
        for f in PERSON_FIELDS
        if before[f] != after[f]
    ]
    audit_record(
        actor=actor,
        action="person_update",
        centre=person.centre,
        obj=person,
        detail={"changes": changes},
    )
    if person.phone and person.phone != old_phone and person.objections.filter(purpose="sms"):
        # The objection to SMS follows the person to their new phone.
        sms_opt_out(phone=person.phone, source="staff", actor=actor, centre=person.centre)
    person_flag_duplicates(person=person)
    return person


# --- Law 09-08: objection, erasure ------------------------------------------------------------


@transaction.atomic
def objection_record(
    *, person: Person, purpose: str, channel: str, received_on: dt.date, actor, note: str = ""
) -> Objection:
    """Record a person's objection to `purpose` (or their withdrawal of consent to it). It takes
    effect at once: no more SMS to their phone (the outbox's opt-out list, queued SMS stopped),
    no more follow-up calls on the due-list, no more appearance in the indicators' lists of
    people (they still count in the figures)."""
    if person.anonymised_at is not None or person.is_merged:
        raise ValidationError(_("This record can no longer be changed."))
    if received_on > timezone.localdate():
        raise ValidationError({"received_on": _("The date cannot be in the future.")})
    if Objection.objects.filter(person=person, purpose=purpose).exists():
        raise ValidationError(_("This objection is already recorded."))
    objection = Objection(
        centre=person.centre,
        person=person,
        purpose=purpose,
        channel=channel,
        received_on=received_on,
        note=note,
        recorded_by=actor,
    )
    objection.full_clean(exclude=["centre", "person"])
    objection.save()
    if purpose == Purpose.SMS and person.phone:
        sms_opt_out(
            phone=person.phone,
            source="staff",
            actor=actor,
            centre=person.centre,
            text=f"objection {objection.pk}",
        )
    audit_record(
        actor=actor,
        action="objection_record",
        centre=person.centre,
        obj=person,
        detail={"purpose": purpose, "channel": channel, "received_on": received_on.isoformat()},
    )
    return objection


# Apps above the registry hold free text about a person (a mentor's notes...): each registers
# here, from its AppConfig.ready, a function `fn(person)` that blanks it when the person's
# identity is erased (retention or a request under law 09-08).
_PERSON_ERASERS: list = []


def register_person_eraser(fn) -> None:
    if fn not in _PERSON_ERASERS:
        _PERSON_ERASERS.append(fn)


def _anonymous_cin(person: Person) -> str:
    for prefix in ("ZZ", "ZY", "ZX", "ZW"):
        cin = f"{prefix}{person.pk % 1_000_000:06d}"
        if not Person.objects.filter(centre_id=person.centre_id, cin=cin).exclude(pk=person.pk):
            return cin
    raise ValidationError(_("No anonymous number is free for this record."))


def person_anonymise(*, person: Person, actor, reason: str) -> bool:
    """Replace `person`'s identity (names, CIN, phone, disability, household index), drop their
    search words, intake-conflict copies, SMS bodies and the old values of their corrections;
    keep every link (applications, enrolments, attendance, follow-ups) and what the indicators
    read (sex, birth date, commune, situation, eligibility), so past figures are unchanged.
    Returns False when the record was already anonymised. Call inside a transaction."""
    from markaz.core.models import AuditEvent, OutboxMessage

    if person.anonymised_at is not None:
        return False
    phone = person.phone
    person.first_name_latin = "Anonyme"
    person.last_name_latin = f"#{person.pk}"
    person.first_name_ar = person.last_name_ar = ""
    person.cin = _anonymous_cin(person)
    person.phone = ""
    person.disability = ""
    person.rsu_index = None
    person.anonymised_at = timezone.now()
    person.full_clean(validate_unique=False, validate_constraints=False)
    person.save()
    PersonSearchToken.objects.filter(person=person).delete()
    IntakeConflict.objects.filter(existing=person).delete()
    if phone:
        OutboxMessage.objects.filter(phone=phone, centre_id=person.centre_id).update(
            phone="", body="", subject=""
        )
    AuditEvent.objects.filter(
        object_type="Person", object_id=str(person.pk), action="person_update"
    ).update(detail={"changes": "erased"})
    for eraser in _PERSON_ERASERS:
        eraser(person)
    audit_record(
        actor=actor,
        action="person_anonymise",
        centre=person.centre,
        obj=person,
        detail={"reason": reason},
    )
    return True


@transaction.atomic
def person_erase(*, person: Person, actor) -> None:
    """Erasure on request (a coordinator's action after confirmation): the person's identity
    is replaced at once, as retention would do later."""
    if person.is_merged:
        raise ValidationError(_("This record was merged: erase the record it was merged into."))
    if not person_anonymise(person=person, actor=actor, reason="request"):
        raise ValidationError(_("This record is already anonymised."))


@transaction.atomic
def duplicate_dismiss(*, flag: DuplicateFlag, actor) -> None:
    flag.status = DuplicateFlag.Status.DISMISSED
    flag.reviewed_by = actor
    flag.reviewed_at = timezone.now()
    flag.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    audit_record(actor=actor, action="duplicate_dismiss", centre=flag.centre, obj=flag)


def _snapshot(person: Person) -> dict:
    snap = {}
    for field in PERSON_FIELDS + ["eligible", "eligibility"]:
        value = getattr(person, field)
        if isinstance(value, dt.date):
            value = value.isoformat()
        elif value is not None and field == "rsu_index":
            value = str(value)
        snap[field] = value
    return snap


def _restore(person: Person, snap: dict) -> None:
    for field, value in snap.items():
        if field == "birth_date":
            value = dt.date.fromisoformat(value)
        setattr(person, field, value)


@transaction.atomic
def person_merge(
    *, kept: Person, merged: Person, actor, flag: DuplicateFlag | None = None
) -> MergeRecord:
    """Merge `merged` into `kept`: every fact is kept, nothing is deleted, and it can be undone.

    Empty fields of the kept record are filled from the merged one; the merged record's consents
    move to the kept record; the merged record stays, marked as merged into the kept one.
    """
    kept = Person.objects.select_for_update().get(pk=kept.pk)
    merged = Person.objects.select_for_update().get(pk=merged.pk)
    if kept.pk == merged.pk or kept.centre_id != merged.centre_id:
        raise ValidationError(_("These two records cannot be merged."))
    if kept.is_merged or merged.is_merged:
        raise ValidationError(_("One of these records has already been merged."))
    before = _snapshot(kept)
    filled = []
    for field in MERGEABLE_FIELDS:
        if getattr(kept, field) in ("", None) and getattr(merged, field) not in ("", None):
            setattr(kept, field, getattr(merged, field))
            filled.append(field)
    if filled:
        _apply_eligibility(kept, centre_eligibility_rules(kept.centre), timezone.localdate())
        kept.save()
        person_tokens_refresh(kept)
    consent_ids = list(merged.consents.values_list("pk", flat=True))
    Consent.objects.filter(pk__in=consent_ids).update(person=kept)
    conflict_ids = list(merged.intake_conflicts.values_list("pk", flat=True))
    IntakeConflict.objects.filter(pk__in=conflict_ids).update(existing=kept)
    merged.merged_into = kept
    merged.save(update_fields=["merged_into", "updated_at"])
    if flag is None:
        low, high = sorted((kept.pk, merged.pk))
        flag = DuplicateFlag.objects.filter(person_id=low, other_id=high).first()
    if flag is not None:
        flag.status = DuplicateFlag.Status.MERGED
        flag.reviewed_by = actor
        flag.reviewed_at = timezone.now()
        flag.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    record = MergeRecord.objects.create(
        centre=kept.centre,
        kept=kept,
        merged=merged,
        flag=flag,
        kept_before=before,
        filled_fields=filled,
        moved={"consents": consent_ids, "intake_conflicts": conflict_ids},
        merged_by=actor,
    )
    audit_record(actor=actor, action="person_merge", centre=kept.centre, obj=record)
    return record


@transaction.atomic
def merge_undo(*, record: MergeRecord, actor) -> None:
    """Undo a merge: the kept record gets its earlier facts back, moved rows go back."""
    record = MergeRecord.objects.select_for_update().get(pk=record.pk)
    if record.undone_at is not None:
        raise ValidationError(_("This merge has already been undone."))
    if MergeRecord.objects.filter(
        kept=record.kept, merged_at__gt=record.merged_at, undone_at__isnull=True
    ).exists():
        raise ValidationError(_("Undo the later merges into this record first."))
    kept = Person.objects.select_for_update().get(pk=record.kept_id)
    merged = Person.objects.select_for_update().get(pk=record.merged_id)
    # Give back only what the merge filled in and nobody has changed since.
    for field in record.filled_fields:
        if getattr(kept, field) == getattr(merged, field):
            _restore(kept, {field: record.kept_before[field]})
    _apply_eligibility(kept, centre_eligibility_rules(kept.centre), timezone.localdate())
    kept.save()
    person_tokens_refresh(kept)
    Consent.objects.filter(pk__in=record.moved.get("consents", [])).update(person=merged)
    IntakeConflict.objects.filter(pk__in=record.moved.get("intake_conflicts", [])).update(
        existing=merged
    )
    merged.merged_into = None
    merged.save(update_fields=["merged_into", "updated_at"])
    if record.flag_id:
        DuplicateFlag.objects.filter(pk=record.flag_id).update(
            status=DuplicateFlag.Status.OPEN, reviewed_by=None, reviewed_at=None
        )
    record.undone_at = timezone.now()
    record.undone_by = actor
    record.save(update_fields=["undone_at", "undone_by"])
    audit_record(actor=actor, action="merge_undo", centre=kept.centre, obj=record)


# --- File import -------------------------------------------------------------------------------


def _import_counts(*, centre, checked) -> dict:
    """What the check of a file found: rows, new people, people already registered, errors."""
    cins = sorted(checked.cins)
    existing = 0
    for i in range(0, len(cins), 1000):
        existing += Person.objects.filter(centre=centre, cin__in=cins[i : i + 1000]).count()
    return {
        "total": checked.total,
        "new": len(cins) - existing,
        "existing": existing,
        "errors": checked.error_count,
    }


def _previous_import(*, centre, sha: str):
    from .models import ImportBatch

    return ImportBatch.objects.filter(
        centre=centre, sha256=sha, status=ImportBatch.Status.DONE
    ).first()


def import_preview(*, centre, file_name: str, content: bytes, actor):
    """Check a file at once and, when it has no error, keep it for the commit step (the web
    pages check in the background instead: `import_upload`).

    Returns (batch or None, checked file, summary). A file with errors writes nothing at all.
    Raises imports.FileRejected when the file cannot be read.
    """
    import hashlib

    from .imports import parse_and_check
    from .models import ImportBatch

    checked = parse_and_check(file_name=file_name, content=content, centre=centre)
    sha = hashlib.sha256(content).hexdigest()
    summary = _import_counts(centre=centre, checked=checked)
    summary["previous"] = _previous_import(centre=centre, sha=sha)
    if not checked.ok:
        return None, checked, summary
    batch = ImportBatch.objects.create(
        centre=centre,
        file_name=file_name[:200],
        sha256=sha,
        content=content,
        rows_total=checked.total,
        preview={k: v for k, v in summary.items() if k != "previous"},
        checked_at=timezone.now(),
        created_by=actor,
    )
    return batch, checked, summary


def _import_check_queue(*, batch, actor) -> None:
    """Give `batch` a new job and queue its check once the transaction commits."""
    from django.utils.translation import get_language

    from markaz.core.services import job_create

    job = job_create(kind="registry_import_check", centre=batch.centre, created_by=actor)
    batch.job = job
    batch.save(update_fields=["job"])
    language = get_language() or "fr"
    transaction.on_commit(
        lambda: task_enqueue(
            "markaz.registry.tasks.import_check_task",
            batch_id=batch.pk,
            job_id=str(job.pk),
            language=language,
        )
    )


def import_upload(*, centre, file_name: str, content: bytes, actor):
    """Keep an uploaded file and queue its check (every row read and checked) in the
    background; the batch's page shows the progress, then the preview. The same file uploaded
    again while it is being checked or imported gives that batch: no second job.
    Raises imports.FileRejected at once for a file that is neither CSV nor XLSX or is too big."""
    import hashlib

    from .imports import FileRejected, file_kind
    from .limits import MAX_FILE_BYTES
    from .models import ImportBatch

    if len(content) > MAX_FILE_BYTES:
        raise FileRejected(
            _("The file is larger than %(mb)s MB. Split it into smaller files.")
            % {"mb": MAX_FILE_BYTES // (1024 * 1024)}
        )
    file_kind(file_name, content[:4])
    sha = hashlib.sha256(content).hexdigest()
    working = (ImportBatch.Status.CHECKING, ImportBatch.Status.RUNNING)
    with transaction.atomic():
        current = ImportBatch.objects.filter(centre=centre, sha256=sha, status__in=working)
        if (batch := current.first()) is not None:
            return batch
        try:
            with transaction.atomic():
                batch = ImportBatch.objects.create(
                    centre=centre,
                    file_name=file_name[:200],
                    sha256=sha,
                    content=content,
                    status=ImportBatch.Status.CHECKING,
                    created_by=actor,
                )
        except IntegrityError:  # the same file, uploaded at the same moment
            return ImportBatch.objects.get(
                centre=centre, sha256=sha, status=ImportBatch.Status.CHECKING
            )
        _import_check_queue(batch=batch, actor=actor)
        audit_record(actor=actor, action="registry_import_upload", centre=centre, obj=batch)
    return batch


def import_check_again(*, batch, actor):
    """Check again a file whose check stopped (an error, or a worker that died and was reaped).
    Returns the batch being checked (another one when the same file is being checked)."""
    from .models import ImportBatch

    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if not batch.check_failed:
            raise ValidationError(_("This file is not waiting to be checked again."))
        batch.status = ImportBatch.Status.CHECKING
        batch.errors = []
        try:
            with transaction.atomic():
                batch.save(update_fields=["status", "errors"])
        except IntegrityError:
            return ImportBatch.objects.get(
                centre=batch.centre, sha256=batch.sha256, status=ImportBatch.Status.CHECKING
            )
        _import_check_queue(batch=batch, actor=actor)
    return batch


def import_check(*, batch_id: int, progress=None) -> dict:
    """The background check of an uploaded file: every row read (one at a time) and checked.
    A clean file becomes `previewed`, with its counts and its first rows; a file with errors
    becomes `invalid`, with its errors, and its content is dropped (nothing will be imported
    from it)."""
    from .imports import FileRejected, RowError, parse_and_check
    from .models import ImportBatch

    batch = ImportBatch.objects.select_related("centre__commune").get(pk=batch_id)
    if batch.status != ImportBatch.Status.CHECKING:
        return {"status": batch.status}
    centre = batch.centre
    try:
        checked = parse_and_check(
            file_name=batch.file_name,
            content=bytes(batch.content),
            centre=centre,
            progress=progress,
            keep_rows=False,
        )
    except FileRejected as exc:
        batch.status = ImportBatch.Status.INVALID
        batch.errors = [RowError(0, "", str(exc)).as_dict()]
        batch.preview = {"total": 0, "new": 0, "existing": 0, "errors": 1, "rejected": True}
    else:
        counts = _import_counts(centre=centre, checked=checked)
        batch.rows_total = checked.total
        if checked.ok:
            batch.status = ImportBatch.Status.PREVIEWED
            sample = [
                {"line": line, **{k: _json_value(v) for k, v in data.items() if k in SAMPLED}}
                for line, data in checked.sample
            ]
            batch.preview = dict(counts, sample=sample)
        else:
            batch.status = ImportBatch.Status.INVALID
            batch.errors = [e.as_dict() for e in checked.errors[:IMPORT_ERRORS_SHOWN]]
            batch.preview = counts
    batch.checked_at = timezone.now()
    fields = ["status", "errors", "preview", "rows_total", "checked_at"]
    if batch.status == ImportBatch.Status.INVALID:
        batch.content = b""  # nothing will come of it: keep no personal data
        fields.append("content")
    batch.save(update_fields=fields)
    return {"status": batch.status, **{k: v for k, v in batch.preview.items() if k != "sample"}}


# The errors a checked file keeps to show (the rest are counted), and the columns of its sample.
IMPORT_ERRORS_SHOWN = 300
SAMPLED = ("first_name_latin", "last_name_latin", "cin", "birth_date")


def _json_value(value):
    return value.isoformat() if isinstance(value, dt.date) else value


def import_commit(*, batch, actor):
    """Queue the import of a previewed file; the work runs in the background with progress."""
    from markaz.core.services import job_create

    from .models import ImportBatch

    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        # A failed import (an error, or a worker that died: core's `job_reap`) is started again:
        # what it had written is kept and counted, nobody is written twice.
        if batch.status in (ImportBatch.Status.RUNNING, ImportBatch.Status.DONE):
            raise ValidationError(_("This file has already been imported."))
        if batch.checked_at is None or batch.status not in (
            ImportBatch.Status.PREVIEWED,
            ImportBatch.Status.FAILED,
        ):
            raise ValidationError(
                _("This file has not been checked, or it has errors: it cannot be imported.")
            )
        job = job_create(
            kind="registry_import", centre=batch.centre, created_by=actor, total=batch.rows_total
        )
        batch.status = ImportBatch.Status.RUNNING
        batch.job = job
        batch.errors = []
        batch.save(update_fields=["status", "job", "errors"])
        transaction.on_commit(
            lambda: task_enqueue(
                "markaz.registry.tasks.import_run_task", batch_id=batch.pk, job_id=str(job.pk)
            )
        )
    return job


# Rows written per transaction by an import: progress shows between them, and a worker that
# dies loses at most one chunk (the import started again skips what was written).
IMPORT_CHUNK_ROWS = 500


def import_run(*, batch_id: int, job_id=None, progress=None) -> dict:
    """Import every row of a checked file. The file is checked again first, as a whole: a file
    with any error writes nothing. Then its rows are read again one at a time and written in
    chunks of IMPORT_CHUNK_ROWS, one transaction each, with progress. The same file twice adds
    nobody, and an import started again after a crash writes only what the first run had not:
    a row whose CIN is already registered is counted, not written again."""
    from .imports import checked_rows, parse_and_check
    from .models import ImportBatch

    batch = ImportBatch.objects.select_related("centre__commune").get(pk=batch_id)
    centre = batch.centre
    content = bytes(batch.content)
    total = batch.rows_total

    # Progress: the check is the first half of the work, the writing the second.
    def check_progress(done, of):
        if progress:
            progress(done // 2, of)

    checked = parse_and_check(
        file_name=batch.file_name,
        content=content,
        centre=centre,
        progress=check_progress,
        keep_rows=False,
    )
    total = checked.total
    if not checked.ok:
        batch.status = ImportBatch.Status.FAILED
        batch.errors = [e.as_dict() for e in checked.errors[:500]]
        batch.save(update_fields=["status", "errors"])
        return {"created": 0, "existing": 0, "errors": checked.error_count}
    del checked
    rules = centre_eligibility_rules(centre)
    today = timezone.localdate()
    communes = {c.code: c for c in Commune.objects.filter(province_id=centre.commune.province_id)}
    ours = set(Person.objects.filter(import_batch=batch).values_list("cin", flat=True))
    taken = set(Person.objects.filter(centre=centre).values_list("cin", flat=True))
    index = centre_dedup_index(centre)
    created = existing = done = 0
    chunk: list[dict] = []

    def write(chunk):
        nonlocal created
        with transaction.atomic():
            created += len(_import_write(batch, chunk, index, rules, today, communes))

    for _line, data, _errors in checked_rows(
        file_name=batch.file_name, content=content, centre=centre
    ):
        done += 1
        if data is None:  # checked clean a moment ago: the registry changed under the import
            continue
        cin = data["cin"]
        if cin in ours:
            pass  # written by an earlier run of this import, which stopped
        elif cin in taken:
            existing += 1
        else:
            taken.add(cin)
            data = dict(data, commune=communes.get(data["commune"]) if data["commune"] else None)
            chunk.append(data)
        if len(chunk) >= IMPORT_CHUNK_ROWS:
            write(chunk)
            chunk = []
            if progress:
                progress(total // 2 + done // 2, total)
    if chunk:
        write(chunk)
    rows_new = Person.objects.filter(import_batch=batch).count()
    flags = DuplicateFlag.objects.filter(
        Q(person__import_batch=batch) | Q(other__import_batch=batch)
    ).count()
    with transaction.atomic():
        batch.status = ImportBatch.Status.DONE
        batch.rows_new = rows_new
        batch.rows_existing = existing
        batch.duplicates_flagged = flags
        batch.preview = {k: v for k, v in batch.preview.items() if k != "sample"}
        batch.save(
            update_fields=["status", "rows_new", "rows_existing", "duplicates_flagged", "preview"]
        )
        audit_record(
            actor=batch.created_by,
            action="registry_import",
            centre=centre,
            obj=batch,
            detail={"new": rows_new, "existing": existing, "flags": flags},
        )
    if progress:
        progress(total, total)
    return {"created": created, "existing": existing, "flags": flags}


def _import_write(batch, rows: list[dict], index, rules, today, communes) -> list[Person]:
    """Write one chunk of an import: its people, their search tokens and paper consents, and the
    likely duplicates they make with the registry (`index`, which then holds them too)."""
    centre = batch.centre
    new_people = []
    for data in rows:
        person = _person_from_data(centre=centre, data=data, source=Source.IMPORT)
        person.import_batch = batch
        _apply_eligibility(person, rules, today)
        new_people.append(person)
    Person.objects.bulk_create(new_people, batch_size=1000)
    PersonSearchToken.objects.bulk_create(person_tokens_build(new_people), batch_size=5000)
    now = timezone.now()
    Consent.objects.bulk_create(
        [
            Consent(
                person=p,
                purpose=CONSENT_PURPOSE,
                text_version=CONSENT_VERSION,
                language=p.preferred_language,
                method=Consent.Method.PAPER,
                given_at=now,
                recorded_by=batch.created_by,
            )
            for p in new_people
        ],
        batch_size=1000,
    )
    flags = {}
    for person in new_people:
        record = person_record(person)
        for match in index.candidates(record):
            pair = tuple(sorted((person.pk, match.existing_id)))
            flags.setdefault(
                pair,
                DuplicateFlag(
                    centre=centre,
                    person_id=pair[0],
                    other_id=pair[1],
                    score=match.score,
                    reasons=list(match.reasons),
                ),
            )
        index.add(record)
    DuplicateFlag.objects.bulk_create(flags.values(), batch_size=1000, ignore_conflicts=True)
    return new_people
