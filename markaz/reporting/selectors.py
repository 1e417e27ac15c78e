"""Reads for the indicator pack: who may see what, the pack itself, the records behind a figure.

The numbers come from one place — :func:`indicator_pack`, which feeds the database's facts
(``facts.py``) to the pure engine (``markaz/engine/indicators.py``) — so the dashboard, the
exports and ``manage.py indicators`` always agree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404

from markaz.centre.models import Centre
from markaz.core.access import user_centre, user_role
from markaz.core.roles import Role
from markaz.engine import indicators as engine
from markaz.registry.models import Person, Purpose

from . import facts as facts_module
from . import periods

# Who reads the figures: the centre's management in full, the province with small cells hidden.
FULL_ROLES = frozenset({Role.ADMIN, Role.COORDINATOR})
PROTECTED_ROLES = frozenset({Role.PROVINCIAL})
# Seconds a computed pack is reused for the same window (the dashboard is opened often; the
# figures move slowly; a coordinator's save shows on the next minute's view).
PACK_CACHE_SECONDS = 60


@dataclass(frozen=True)
class ReportScope:
    centre: Centre
    protected: bool
    can_drill: bool


def report_scope_for_user(user, centre_code: str | None = None) -> ReportScope:
    """The centre whose figures `user` may read, and how: coordinators and administrators see
    their centre's figures and the records behind them; the provincial viewer sees any centre
    of the province with small cells protected and no records. Others: PermissionDenied."""
    role = user_role(user)
    if role in FULL_ROLES:
        centre = user_centre(user)
        if centre is None:  # a superuser without a profile
            centre = _centre_by_code(centre_code)
        elif centre_code and centre.code != centre_code:
            raise PermissionDenied
        return ReportScope(centre=centre, protected=False, can_drill=True)
    if role in PROTECTED_ROLES:
        return ReportScope(centre=_centre_by_code(centre_code), protected=True, can_drill=False)
    raise PermissionDenied


def _centre_by_code(code: str | None) -> Centre:
    qs = Centre.objects.order_by("pk")
    centre = qs.filter(code=code).first() if code else qs.first()
    if centre is None:
        raise Http404
    return centre


def default_window(today: dt.date) -> tuple[dt.date, dt.date]:
    """The calendar year to date."""
    return dt.date(today.year, 1, 1), today


def default_protected_window(today: dt.date) -> tuple[dt.date, dt.date]:
    """The province's default: this calendar year once its first month is over (read to the
    end of the last complete month), else last year."""
    if today.month == 1:
        return dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31)
    return dt.date(today.year, 1, 1), dt.date(today.year, 12, 31)


def check_window(start: dt.date, end: dt.date) -> None:
    if end < start:
        raise ValueError("the end of the window comes before its start")


def _compute(centre: Centre, start: dt.date, end: dt.date):
    check_window(start, end)
    f = facts_module.facts(centre, start, end)
    pack = engine.compute(
        f.youth,
        f.caravan,
        f.centre,
        targets=f.targets,
        categories=f.categories,
        window=(start.isoformat(), end.isoformat()),
    )
    return f, pack


def _check_protected(start: dt.date, end: dt.date, protect: bool) -> None:
    # Defence in depth: a protected pack for an arbitrary window could be subtracted from
    # another one to show a hidden person (see periods.py). Views snap or refuse before this.
    if protect and not periods.is_protected_window(start, end):
        raise ValueError(
            f"protected figures are only computed for published periods: {start}..{end}"
        )


def indicator_pack(*, centre: Centre, start: dt.date, end: dt.date, protect: bool) -> dict:
    """Every indicator with its disaggregations for [start, end] (both days included), as a
    JSON-able dict (``engine.pack_to_dict``); `protect` hides small cells ("<5") and is only
    allowed for published periods (``periods.is_protected_window``: ValueError otherwise)."""
    _check_protected(start, end, protect)
    key = f"markaz:pack:{centre.pk}:{start}:{end}:{int(protect)}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    f, pack = _compute(centre, start, end)
    if protect:
        pack = engine.protect(pack, hierarchy=f.hierarchy)
    result = engine.pack_to_dict(pack)
    cache.set(key, result, PACK_CACHE_SECONDS)
    return result


def indicator_pack_uncached(*, centre: Centre, start: dt.date, end: dt.date, protect: bool):
    _check_protected(start, end, protect)
    f, pack = _compute(centre, start, end)
    if protect:
        pack = engine.protect(pack, hierarchy=f.hierarchy)
    return engine.pack_to_dict(pack)


def figure_records(
    *,
    centre: Centre,
    start: dt.date,
    end: dt.date,
    code: str,
    dimension: str | None = None,
    category: str | None = None,
) -> dict:
    """The people behind one figure (a youth indicator's total or one of its cells):
    ``{"numerator": QuerySet[Person], "denominator": QuerySet[Person]}`` (the denominator is
    empty for counts). Raises ValueError for figures that are not about youth."""
    check_window(start, end)
    f = facts_module.facts(centre, start, end)
    ids = engine.members(f.youth, code, dimension, category)
    # Law 09-08: who objected to appearing in these lists is left out of them (they still
    # count in the figures, which name nobody).
    people = (
        Person.objects.filter(centre=centre)
        .exclude(objections__purpose=Purpose.RECORDS_LIST)
        .select_related("commune")
    )

    def rows(key: str):
        return people.filter(pk__in=[int(i) for i in ids.get(key, [])]).order_by(
            "last_name_latin", "first_name_latin", "pk"
        )

    return {"numerator": rows("numerator"), "denominator": rows("denominator")}
