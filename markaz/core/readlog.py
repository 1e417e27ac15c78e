"""Who read what (law 09-08, art. 23: the controller must be able to say who accessed personal
data). Every view that shows a person's page, their whole file, an export or a list naming
people calls :func:`personal_data_read` BEFORE it renders: if the log cannot be written, the
exception propagates and the personal data is not shown.

The log is append-only for the application (the models refuse update and delete, and database
triggers refuse any UPDATE or DELETE, `markaz.core.db_triggers`). It names persons by id only:
erasing a person anonymises the person's row and keeps these rows, which then point to an
anonymous record."""

from collections.abc import Iterable

from django.db import transaction

from .access import user_centre_id
from .models import PersonalDataRead, PersonalDataReadPerson

Kind = PersonalDataRead.Kind


def _ids(persons: Iterable) -> list[int]:
    """Distinct person ids in the order shown (persons may be models, cards or ids)."""
    seen: dict[int, None] = {}
    for person in persons:
        if person is None:
            continue
        pk = person if isinstance(person, int) else getattr(person, "pk", None)
        if pk is None:
            pk = getattr(person, "id", None)
        if pk is not None:
            seen.setdefault(int(pk), None)
    return list(seen)


def personal_data_read(
    *,
    user,
    persons: Iterable,
    kind: str,
    request=None,
    view: str = "",
    path: str = "",
    centre=None,
) -> PersonalDataRead | None:
    """Record that `user` is shown `persons` (models with a pk, or ids) as `kind` (page, file,
    export, list), from `request` (its view name and path) or the `view`/`path` given (the
    command line). The read belongs to the reader's centre (`centre` when there is no staff
    member: the command line). One INSERT for the read and one bulk INSERT for the persons, in one
    transaction. Nothing is recorded when no person is shown (an empty list)."""
    ids = _ids(persons)
    if not ids:
        return None
    if kind not in Kind.values:
        raise ValueError(f"unknown read kind {kind!r}")
    if request is not None:
        match = getattr(request, "resolver_match", None)
        view = view or (match.view_name if match is not None else "")
        path = path or request.path
    authenticated = user is not None and user.is_authenticated
    centre_id = user_centre_id(user) if authenticated else None
    if centre_id is None and centre is not None:
        centre_id = centre.pk
    with transaction.atomic():
        read = PersonalDataRead.objects.create(
            user=user if authenticated else None,
            centre_id=centre_id,
            kind=kind,
            view=view[:100],
            path=path[:300],
            count=len(ids),
        )
        PersonalDataReadPerson.objects.bulk_create(
            [PersonalDataReadPerson(read=read, person_id=pk) for pk in ids]
        )
    return read
