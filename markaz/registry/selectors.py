"""Reads of the registry. Every function that returns people checks who is asking."""

import contextlib
import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from markaz.core.access import has_role, user_centre_id
from markaz.core.roles import PEOPLE_ROLES, REGISTRY_WRITE_ROLES, SENSITIVE_ROLES
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
    if not has_role(user, PEOPLE_ROLES):
        raise PermissionDenied
    centre_id = user_centre_id(user)
    if centre_id is None:
        raise PermissionDenied
    return centre_id


def person_list_for_user(user) -> QuerySet[Person]:
    return Person.objects.filter(centre_id=_people_centre_id(user), merged_into__isnull=True)


def person_get_for_user(user, pk) -> Person:
    """One person, only for staff of the person's own centre who may see people (404 otherwise,
    so another centre's records are not even confirmed to exist)."""
    centre_id = _people_centre_id(user)
    try:
        return Person.objects.select_related("commune", "centre", "merged_into").get(
            pk=pk, centre_id=centre_id
        )
    except (Person.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def person_search(user, query: str = "", eligible: str = "") -> QuerySet[Person]:
    """Search by name in either script (tolerant to transliteration), CIN or phone."""
    qs = person_list_for_user(user).select_related("commune")
    query = (query or "").strip()
    if eligible == "yes":
        qs = qs.filter(eligible=True)
    elif eligible == "no":
        qs = qs.filter(eligible=False)
    if not query:
        return qs
    centre_id = _people_centre_id(user)
    cin = normalise_cin(query)
    if is_valid_cin(cin) and any(ch.isdigit() for ch in cin):
        return qs.filter(prefix_q("cin", cin))
    if PHONE_LIKE.match(query):
        digits = re.sub(r"\D", "", query)
        with contextlib.suppress(ValidationError):
            digits = clean_phone(query).lstrip("+")
        return qs.filter(pk__in=_token_matches(centre_id, [digits]))
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
    return qs.filter(words)


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
        return ImportBatch.objects.get(pk=pk, centre_id=_registry_writer_centre_id(user))
    except (ImportBatch.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def import_batches_for_user(user):
    return ImportBatch.objects.filter(centre_id=_registry_writer_centre_id(user)).defer("content")


def intake_conflicts_for_user(user):
    return IntakeConflict.objects.filter(
        centre_id=_registry_writer_centre_id(user), resolved=False
    ).select_related("existing")


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
