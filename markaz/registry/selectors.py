"""Reads of the registry. Every function that returns people checks who is asking."""

import contextlib
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from markaz.core.access import has_role, user_role, visible_centre_id
from markaz.core.roles import PEOPLE_ROLES, REGISTRY_WRITE_ROLES, SENSITIVE_ROLES, Role
from markaz.engine.dedup import name_key
from markaz.engine.identity import is_valid_cin, normalise_cin

from .models import (
    DuplicateFlag,
    ImportBatch,
    IntakeConflict,
    MergeRecord,
    Person,
    PersonSearchToken,
)
from .services import _fold
from .validation import clean_phone

PHONE_LIKE = re.compile(r"^[+\d][\d\s.\-]{6,}$")


def _people_centre_id(user) -> int:
    """The centre whose people `user` may see; refuses anyone who may not see people."""
    return visible_centre_id(user, PEOPLE_ROLES)


# --- Need to know -----------------------------------------------------------------------------
# Coordinators and administrators see every person of their centre. Anyone else who may see
# people (a trainer, a mentor) sees only the people their work links them to: a trainer the
# learners of their own cohorts, a mentor their own mentees. The registry sits below the apps
# that know those links, so they register them here when Django starts (AppConfig.ready), as
# Django's admin does with its models: `register_person_scope(Role.TRAINER, fn)` with `fn(user)`
# returning the ids of the people `user` may open (a queryset of ``person_id`` values). A role
# with no scope registered sees nobody.

_PERSON_SCOPES: dict[str, list[Callable]] = {}


def register_person_scope(role: str, scope: Callable) -> None:
    scopes = _PERSON_SCOPES.setdefault(str(role), [])
    if scope not in scopes:
        scopes.append(scope)


# What else a trainer's or a mentor's work needs to see of one of their people, offered by the
# app that holds it (learning: the learner's attendance in the trainer's own cohorts):
# `register_person_panel(Role.TRAINER, fn)`, `fn(user, person)` returning a list of
# `PersonPanel`.
_PERSON_PANELS: dict[str, list[Callable]] = {}


@dataclass(frozen=True)
class PersonPanel:
    title: str
    lines: tuple[str, ...] = ()
    url: str = ""


def register_person_panel(role: str, panel: Callable) -> None:
    panels = _PERSON_PANELS.setdefault(str(role), [])
    if panel not in panels:
        panels.append(panel)


def sees_whole_registry(user) -> bool:
    """Coordinators and administrators: every person of their centre, every field."""
    return has_role(user, REGISTRY_WRITE_ROLES)


def person_list_for_user(user) -> QuerySet[Person]:
    """The people `user` may open: the whole centre for coordinators and administrators, the
    people their work links them to for trainers and mentors (need to know)."""
    qs = Person.objects.filter(centre_id=_people_centre_id(user), merged_into__isnull=True)
    if sees_whole_registry(user):
        return qs
    linked = Q(pk__in=[])
    for scope in _PERSON_SCOPES.get(str(user_role(user)), []):
        linked |= Q(pk__in=scope(user))
    return qs.filter(linked)


def person_get_for_user(user, pk) -> Person:
    """One person, only for staff of the person's own centre who may see them (404 otherwise,
    so another centre's records, or a person outside a trainer's cohorts or a mentor's caseload,
    are not even confirmed to exist). Trainers and mentors: use :func:`person_card_for_user`
    for what they may read of the person."""
    centre_id = _people_centre_id(user)
    qs = Person.objects.select_related("commune", "centre", "merged_into")
    if not sees_whole_registry(user):
        qs = qs.filter(pk__in=person_list_for_user(user).values("pk"))
    try:
        return qs.get(pk=pk, centre_id=centre_id)
    except (Person.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


@dataclass(frozen=True)
class PersonCard:
    """What a trainer or a mentor may read of a person: what their work needs, never the CIN,
    the date of birth, the RSU index or a disability (those stay with coordinators).

    A trainer: the name (attendance is on the session's sheet). A mentor: the name, the phone to
    call them, the language to speak and the commune (the programme and the action plan are in
    the mentoring file)."""

    pk: int
    full_name_latin: str
    full_name_ar: str
    phone: str = ""
    preferred_language: str = ""
    commune: str = ""
    is_mentee: bool = False
    is_merged: bool = False
    panels: tuple[PersonPanel, ...] = ()


def person_card(user, person: Person) -> PersonCard:
    """The need-to-know view of `person` (already fetched through a permission-checked getter)
    for `user`, a trainer or a mentor."""
    mentor = user_role(user) == Role.MENTOR
    return PersonCard(
        pk=person.pk,
        full_name_latin=person.full_name_latin,
        full_name_ar=person.full_name_ar,
        phone=person.phone if mentor else "",
        preferred_language=str(person.get_preferred_language_display()) if mentor else "",
        commune=(person.commune.name if person.commune_id else "") if mentor else "",
        is_mentee=mentor,
    )


def person_card_for_user(user, pk) -> PersonCard:
    """A trainer's or a mentor's page of one of their people: the card and what their app
    adds (a trainer: the learner's attendance in their own cohorts)."""
    person = person_get_for_user(user, pk)
    card = person_card(user, person)
    panels = [
        panel for fn in _PERSON_PANELS.get(str(user_role(user)), []) for panel in fn(user, person)
    ]
    return replace(card, panels=tuple(panels))


def person_search(user, query: str = "", eligible: str = "") -> QuerySet[Person]:
    """Search by name in either script (tolerant to transliteration), CIN or phone."""
    qs = person_list_for_user(user).select_related("commune")
    query = (query or "").strip()
    if not sees_whole_registry(user):
        eligible = ""  # eligibility is the coordinators' business, not teaching's
    if eligible == "yes":
        qs = qs.filter(eligible=True)
    elif eligible == "no":
        qs = qs.filter(eligible=False)
    if not query:
        return qs
    centre_id = _people_centre_id(user)
    if not sees_whole_registry(user):
        # Trainers and mentors never see a CIN or (trainers) a phone: searching by them would
        # reveal them a character at a time. They find their own few people by name only,
        # matched here without the search index (which holds CINs and phones too).
        return qs.filter(pk__in=_names_matching(qs, query))
    cin = normalise_cin(query)
    if is_valid_cin(cin) and any(ch.isdigit() for ch in cin):
        return qs.filter(prefix_q("cin", cin))
    if PHONE_LIKE.match(query):
        digits = re.sub(r"\D", "", query)
        with contextlib.suppress(ValidationError):
            digits = clean_phone(query).lstrip("+")
        return qs.filter(pk__in=_token_matches(centre_id, [digits]))
    return qs.filter(_name_query(centre_id, query))


def _names_matching(qs: QuerySet[Person], query: str) -> list[int]:
    """Ids of the people of `qs` (a trainer's or a mentor's few) whose names match `query`:
    every word of it starts a word of their names, as typed or by its transliteration key."""
    words = [(w, name_key(w)) for w in _fold(query).replace("-", " ").split() if name_key(w)]
    found = []
    fields = ("pk", "first_name_latin", "last_name_latin", "first_name_ar", "last_name_ar")
    for pk, *names in qs.values_list(*fields):
        own = set()
        for name in names:
            for word in _fold(name or "").replace("-", " ").split():
                own |= {word, name_key(word)}
        if words and all(
            any(o.startswith(w) or (len(k) >= 3 and o.startswith(k)) for o in own if o)
            for w, k in words
        ):
            found.append(pk)
    return found


def _name_query(centre_id: int, query: str) -> Q:
    # Every word must start a word of the person's names, as typed or by its transliteration key
    # ("Mohammed" finds "Mohamed" and "محمد"); articles alone ("el", "ال") are skipped. Or the
    # whole query's key starts a full name's key ("Al Idrissi" finds "El Idrissi").
    words = Q()
    for token in _fold(query).replace("-", " ").split():
        key = name_key(token)
        if not key:
            continue
        words &= Q(pk__in=_token_matches(centre_id, [token] + ([key] if len(key) >= 3 else [])))
    whole_key = name_key(query)
    if len(whole_key) >= 3:
        words |= Q(pk__in=_token_matches(centre_id, [whole_key]))
    return words


def prefix_q(field: str, prefix: str) -> Q:
    """`field` starts with `prefix`, answered by an index on SQLite (binary collation: a range)
    and on PostgreSQL (LIKE 'prefix%' on a C-collated or pattern-ops index, else a scan)."""
    if connection.vendor == "sqlite":
        return Q(**{f"{field}__gte": prefix, f"{field}__lt": prefix + "\U0010ffff"})
    return Q(**{f"{field}__startswith": prefix})


def _token_matches(centre_id: int, prefixes: list[str]):
    cond = Q()
    for prefix in prefixes:
        cond |= prefix_q("token", prefix)
    return PersonSearchToken.objects.filter(cond, centre_id=centre_id).values("person_id")


def can_see_sensitive(user) -> bool:
    return has_role(user, SENSITIVE_ROLES)


def can_write_registry(user) -> bool:
    return has_role(user, REGISTRY_WRITE_ROLES)


def _registry_writer_centre_id(user) -> int:
    if not can_write_registry(user):
        raise PermissionDenied
    return _people_centre_id(user)


def person_duplicates(person: Person) -> list[tuple[DuplicateFlag, Person]]:
    flags = DuplicateFlag.objects.filter(
        Q(person=person) | Q(other=person), status=DuplicateFlag.Status.OPEN
    ).select_related("person", "other")
    return [(f, f.other if f.person_id == person.pk else f.person) for f in flags]


def duplicate_flags_for_user(user, status: str = DuplicateFlag.Status.OPEN):
    centre_id = _registry_writer_centre_id(user)
    return DuplicateFlag.objects.filter(centre_id=centre_id, status=status).select_related(
        "person__commune", "other__commune"
    )


def duplicate_flag_get_for_user(user, pk) -> DuplicateFlag:
    centre_id = _registry_writer_centre_id(user)
    try:
        return DuplicateFlag.objects.select_related("person__commune", "other__commune").get(
            pk=pk, centre_id=centre_id
        )
    except (DuplicateFlag.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def merge_records_for_user(user):
    return MergeRecord.objects.filter(centre_id=_registry_writer_centre_id(user)).select_related(
        "kept", "merged", "merged_by", "undone_by"
    )


def merge_record_get_for_user(user, pk) -> MergeRecord:
    try:
        return merge_records_for_user(user).get(pk=pk)
    except (MergeRecord.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def import_batch_get_for_user(user, pk) -> ImportBatch:
    try:
        return ImportBatch.objects.defer("content").get(
            pk=pk, centre_id=_registry_writer_centre_id(user)
        )
    except (ImportBatch.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def import_batch_view(batch: ImportBatch) -> dict:
    """What a file's page shows: its job's progress while it is checked or imported, then its
    preview (counts, first rows, an earlier import of the same file) or its errors."""
    import datetime as dt

    from markaz.core.models import Job

    job = Job.objects.filter(pk=batch.job_id).first() if batch.job_id else None
    preview = batch.preview or {}
    sample = []
    for row in preview.get("sample", []):
        row = dict(row)
        if row.get("birth_date"):
            row["birth_date"] = dt.date.fromisoformat(row["birth_date"])
        sample.append(row)
    previous = (
        ImportBatch.objects.filter(
            centre_id=batch.centre_id, sha256=batch.sha256, status=ImportBatch.Status.DONE
        )
        .exclude(pk=batch.pk)
        .defer("content")
        .first()
        if batch.status == ImportBatch.Status.PREVIEWED
        else None
    )
    shown = len(batch.errors)
    return {
        "batch": batch,
        "job": job,
        "working": batch.status in (ImportBatch.Status.CHECKING, ImportBatch.Status.RUNNING),
        "summary": preview,
        "sample": sample,
        "previous": previous,
        "errors": batch.errors,
        "more_errors": max(0, preview.get("errors", shown) - shown),
    }


def import_batches_for_user(user):
    return ImportBatch.objects.filter(centre_id=_registry_writer_centre_id(user)).defer("content")


def intake_conflicts_for_user(user):
    return IntakeConflict.objects.filter(
        centre_id=_registry_writer_centre_id(user), resolved=False
    ).select_related("existing")


def intake_conflict_get_for_user(user, pk) -> IntakeConflict:
    try:
        return intake_conflicts_for_user(user).get(pk=pk)
    except (IntakeConflict.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def held_application(*, cin: str, birth_date) -> IntakeConflict | None:
    """A public application with this CIN and birth date held as an intake conflict (its CIN
    was already registered with another birth date or phone) and not decided yet: what the
    results page finds for the real person when someone applied first with their CIN."""
    return (
        IntakeConflict.objects.filter(
            existing__cin=cin, resolved=False, submitted__birth_date=str(birth_date)
        )
        .order_by("-received_at", "-pk")
        .first()
    )


def dashboard_counts(request, centre) -> dict:
    """The staff dashboard's counts for the user's centre (markaz.core.dashboard)."""
    return {"counts": registry_counts([centre.pk] if centre is not None else [])}


def registry_counts(centre_ids) -> dict:
    """Aggregate figures only (what a provincial viewer may see): never a person."""
    qs = Person.objects.filter(centre_id__in=centre_ids, merged_into__isnull=True)
    totals = qs.aggregate(
        total=Count("pk"),
        eligible=Count("pk", filter=Q(eligible=True)),
        women=Count("pk", filter=Q(sex="F")),
        men=Count("pk", filter=Q(sex="M")),
    )
    by_commune = list(
        qs.values("commune__name_fr", "commune__name_ar", "commune__kind")
        .annotate(total=Count("pk"), eligible=Count("pk", filter=Q(eligible=True)))
        .order_by("commune__name_fr")
    )
    return {"totals": totals, "by_commune": by_commune}


def merge_preview(*, kept, merged) -> dict:
    """What merging `merged` into `kept` would do, in numbers (for the confirmation page)."""
    from .services import MERGEABLE_FIELDS

    filled = [
        f
        for f in MERGEABLE_FIELDS
        if getattr(kept, f) in ("", None) and getattr(merged, f) not in ("", None)
    ]
    return {
        "filled": len(filled),
        "consents": merged.consents.count(),
        "conflicts": merged.intake_conflicts.count(),
    }


# --- Law 09-08: the person's file, their history, their objections -----------------------------
# Every app above the registry that holds records naming a person registers, from its
# AppConfig.ready, a function `fn(person)` returning a list of `RecordSection` (a title and rows
# of plain values): the access right's export reads them all without the registry importing
# those apps.
_PERSON_RECORDS: list[Callable] = []


@dataclass(frozen=True)
class RecordSection:
    key: str
    title: str
    rows: tuple[dict, ...] = ()


def register_person_records(fn: Callable) -> None:
    if fn not in _PERSON_RECORDS:
        _PERSON_RECORDS.append(fn)


def plain(value):
    """A value as JSON holds it (dates in ISO, decimals and ids as text)."""
    import datetime as dt
    import decimal
    import uuid

    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return f"<{len(value)} bytes>"
    return value


def rows_of(queryset, exclude: tuple[str, ...] = ()) -> tuple[dict, ...]:
    """Each row of `queryset` as {field: plain value} (foreign keys as their id)."""
    rows = []
    for obj in queryset:
        row = {}
        for field in obj._meta.concrete_fields:
            if field.attname in exclude or field.name in exclude:
                continue
            row[field.attname] = plain(getattr(obj, field.attname))
        rows.append(row)
    return tuple(rows)


def section(key: str, title, queryset, exclude: tuple[str, ...] = ()) -> RecordSection:
    return RecordSection(key=key, title=str(title), rows=rows_of(queryset, exclude))


def person_record_sections(person: Person) -> list[RecordSection]:
    """Every record that names `person`, in every app (call after a permission-checked getter
    such as :func:`person_get_for_coordinator`)."""
    from django.utils.translation import gettext as _

    from markaz.core.models import AuditEvent, OutboxMessage

    sections = [
        section("person", _("Registry record"), Person.objects.filter(pk=person.pk)),
        section("consents", _("Consents"), person.consents.all()),
        section("objections", _("Objections and withdrawn consents"), person.objections.all()),
        section(
            "duplicate_flags",
            _("Possible duplicates"),
            DuplicateFlag.objects.filter(Q(person=person) | Q(other=person)),
        ),
        section(
            "merges",
            _("Merges"),
            MergeRecord.objects.filter(Q(kept=person) | Q(merged=person)),
        ),
        section(
            "intake_conflicts", _("Applications received again"), person.intake_conflicts.all()
        ),
    ]
    for fn in _PERSON_RECORDS:
        sections.extend(fn(person))
    messages_q = Q(pk__in=[])
    if person.phone:
        messages_q = Q(phone=person.phone, centre_id=person.centre_id)
    sections.append(
        section(
            "messages",
            _("Messages sent to their phone"),
            OutboxMessage.objects.filter(messages_q),
            exclude=("claim", "lease_until", "client_id"),
        )
    )
    sections.append(
        RecordSection(
            key="reads",
            title=_("Who read their record"),
            rows=tuple(
                {
                    "at": plain(read.at),
                    "staff": read.user.get_username() if read.user_id else "",
                    "kind": str(read.get_kind_display()),
                    "page": read.view,
                    "path": read.path,
                    "persons_shown": read.count,
                }
                for read in person_reads(person).order_by("at", "pk")
            ),
        )
    )
    sections.append(
        section(
            "audit",
            _("Who did what with their record"),
            AuditEvent.objects.filter(object_type="Person", object_id=str(person.pk)).order_by(
                "at"
            ),
        )
    )
    return sections


def person_get_for_coordinator(user, pk) -> Person:
    """A person for the rights of law 09-08 (access, objection, erasure): coordinators and
    administrators of the person's centre only (403 for other roles, 404 for other centres)."""
    if not can_write_registry(user):
        raise PermissionDenied
    return person_get_for_user(user, pk)


@dataclass(frozen=True)
class Correction:
    at: object
    actor: str
    field: str
    label: str
    old: object
    new: object


def person_corrections(person: Person) -> list[Correction]:
    """The history of corrections of `person`: who, when, which field, old and new value."""
    from markaz.core.models import AuditEvent
    from markaz.territory.models import Commune

    fields = {f.attname: f for f in Person._meta.concrete_fields}
    labels = {name: str(f.verbose_name) for name, f in fields.items()}

    def shown(field: str, value):
        if value in (None, ""):
            return value
        if field == "commune_id":
            commune = Commune.objects.filter(pk=value).first()
            return commune.name if commune else value
        choices = dict(fields[field].choices or []) if field in fields else {}
        return str(choices.get(value, value))

    events = AuditEvent.objects.filter(
        object_type="Person", object_id=str(person.pk), action="person_update"
    ).select_related("actor")
    found = []
    for event in events:
        changes = event.detail.get("changes")
        if not isinstance(changes, list):
            continue
        for change in changes:
            field = change.get("field", "")
            found.append(
                Correction(
                    at=event.at,
                    actor=event.actor.get_username() if event.actor else "",
                    field=field,
                    label=labels.get(field, field),
                    old=shown(field, change.get("old")),
                    new=shown(field, change.get("new")),
                )
            )
    return found


def objected_person_ids(purpose: str):
    """Ids of the people who objected to `purpose` (a subquery)."""
    from .models import Objection

    return Objection.objects.filter(purpose=purpose).values("person_id")


def has_objected(person: Person, purpose: str) -> bool:
    return person.objections.filter(purpose=purpose).exists()


# --- Law 09-08: who read what ------------------------------------------------------------------


def person_reads(person: Person | int):
    """The reads that named `person` (newest first): who, when, from which page (for the
    person's page, their file and the read log). Uses the (person_id, read) index."""
    from markaz.core.models import PersonalDataRead, PersonalDataReadPerson

    pk = person if isinstance(person, int) else person.pk
    read_ids = PersonalDataReadPerson.objects.filter(person_id=pk).values("read_id")
    return PersonalDataRead.objects.filter(pk__in=read_ids).select_related("user")


def read_log_for_user(
    user, *, person_ids=None, staff=None, date_from=None, date_to=None, kind: str = ""
):
    """The read log of the coordinator's (administrator's) centre, newest first, filtered by
    persons (`read_log_person_ids`; None: anyone), a staff member, a date range (local days,
    both ends included) and a kind. 403 for any other role."""
    import datetime as dt

    from django.utils import timezone

    from markaz.core.models import PersonalDataRead, PersonalDataReadPerson

    centre_id = _registry_writer_centre_id(user)
    reads = PersonalDataRead.objects.filter(centre_id=centre_id).select_related("user")
    if person_ids is not None:
        reads = reads.filter(
            pk__in=PersonalDataReadPerson.objects.filter(person_id__in=person_ids).values("read_id")
        )
    if staff is not None:
        reads = reads.filter(user=staff)
    if date_from is not None:
        reads = reads.filter(at__gte=timezone.make_aware(dt.datetime.combine(date_from, dt.time())))
    if date_to is not None:
        end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time())
        reads = reads.filter(at__lt=timezone.make_aware(end))
    if kind:
        reads = reads.filter(kind=kind)
    return reads.order_by("-at", "-pk")


def read_log_person_ids(user, query: str) -> list[int]:
    """The persons a read-log search names: a short number is a person's id (as the log and
    the person's page show it); anything else is searched as the registry does (names in either
    script, CIN, phone)."""
    query = query.strip()
    if query.isdigit() and len(query) < 7:
        return list(
            Person.objects.filter(
                pk=int(query), centre_id=_registry_writer_centre_id(user)
            ).values_list("pk", flat=True)
        )
    return list(person_search(user, query).values_list("pk", flat=True))


def read_log_staff(user):
    """The staff members of the coordinator's centre (the read log's "who" filter)."""
    from django.contrib.auth import get_user_model

    centre_id = _registry_writer_centre_id(user)
    return get_user_model().objects.filter(staff_profile__centre_id=centre_id).order_by("username")


def read_persons(reads, *, per_read: int = 3, person_ids=()) -> dict[int, list]:
    """For each read, the persons it names to show on the log (the searched ones first, then up
    to `per_read`): {read id: [Person, …]}."""
    from markaz.core.models import PersonalDataReadPerson

    wanted = set(person_ids)
    links: dict[int, list[int]] = {}
    rows = PersonalDataReadPerson.objects.filter(read__in=[r.pk for r in reads]).order_by("pk")
    for read_id, person_id in rows.values_list("read_id", "person_id"):
        links.setdefault(read_id, []).append(person_id)
    chosen: dict[int, list[int]] = {}
    for read_id, ids in links.items():
        first = [pk for pk in ids if pk in wanted]
        rest = [pk for pk in ids if pk not in wanted]
        chosen[read_id] = (first + rest)[: max(per_read, len(first))]
    all_ids = {pk for ids in chosen.values() for pk in ids}
    people = Person.objects.in_bulk(all_ids)
    return {read_id: [people[pk] for pk in ids if pk in people] for read_id, ids in chosen.items()}
