"""The caravan's workshops and kit stock, kept by coordinators through Markaz's screens, and the
check that a tour plan never needs more kits than there are.

The crew carries a workshop's kits from school to school during a day, so a tour needs, each
day it runs, its workshop's kits for one visit (`Workshop.kits_needed`, kind → count). Tours on
the same day need their sums. Usable stock is the kits in good or worn condition (broken ones
do not count)."""

import datetime as dt
from collections import Counter, defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from markaz.core.services import audit_record

from .models import Kit, Tour, Visit, Workshop

USABLE = (Kit.Condition.GOOD, Kit.Condition.WORN)


def usable_stock() -> Counter:
    stock: Counter = Counter()
    for kind, count in Kit.objects.filter(condition__in=USABLE).values_list("kind", "count"):
        stock[kind] += count
    return stock


def _kit_label(kind: str) -> str:
    try:
        return str(Kit.Kind(kind).label)
    except ValueError:
        return kind


def _tour_days(tour: Tour) -> set[dt.date]:
    """The days a tour takes its kits out: its planned or held visits once planned, else the
    days of its instance (still planning)."""
    if tour.status == Tour.Status.READY:
        return set(
            Visit.objects.filter(tour=tour)
            .exclude(status=Visit.Status.CANCELLED)
            .values_list("date", flat=True)
        )
    return {dt.date.fromisoformat(d["id"]) for d in tour.instance.get("days", [])}


def kit_shortages(*, workshop: Workshop, days: list[dt.date], exclude_tour=None) -> list[str]:
    """Every shortage, in words, if a tour of `workshop` ran on `days` beside the other tours
    (empty: the kits suffice). Call inside the transaction that creates the tour, after
    `lock_kits()`, so two plans made at once cannot both take the last kits."""
    need = {k: int(n) for k, n in (workshop.kits_needed or {}).items() if int(n or 0) > 0}
    if not need:
        return []
    stock = usable_stock()
    problems = []
    for kind, n in sorted(need.items()):
        if n > stock[kind]:
            problems.append(
                _(
                    "The workshop “%(workshop)s” needs %(n)s × %(kit)s for each visit; the "
                    "caravan has %(stock)s usable."
                )
                % {"workshop": workshop, "n": n, "kit": _kit_label(kind), "stock": stock[kind]}
            )
    if problems:
        return problems
    wanted = set(days)
    used: dict[dt.date, Counter] = defaultdict(Counter)
    names: dict[dt.date, list[str]] = defaultdict(list)
    others = (
        (
            Tour.objects.exclude(status=Tour.Status.FAILED)
            .exclude(pk=exclude_tour.pk if exclude_tour else None)
            .filter(start_date__lte=max(days), end_date__gte=min(days))
            .select_related("workshop")
        )
        if days
        else []
    )
    for tour in others:
        tour_need = {k: int(n or 0) for k, n in (tour.workshop.kits_needed or {}).items()}
        for day in _tour_days(tour) & wanted:
            used[day].update(tour_need)
            names[day].append(tour.name)
    for day in sorted(used):
        for kind, n in sorted(need.items()):
            if used[day][kind] + n > stock[kind]:
                problems.append(
                    _(
                        "On %(day)s the tours %(tours)s already take %(used)s × %(kit)s; this "
                        "tour needs %(n)s more, and the caravan has %(stock)s usable."
                    )
                    % {
                        "day": day.strftime("%d/%m/%Y"),
                        "tours": ", ".join(f"“{t}”" for t in names[day]),
                        "used": used[day][kind],
                        "kit": _kit_label(kind),
                        "n": n,
                        "stock": stock[kind],
                    }
                )
                break
        if len(problems) >= 5:
            problems.append(_("…and other days."))
            break
    return problems


def lock_kits() -> None:
    """Serialise the plans that read the kit stock (PostgreSQL: row locks; SQLite writes one
    transaction at a time already)."""
    list(Kit.objects.select_for_update().values_list("pk", flat=True))


@transaction.atomic
def workshop_save(
    *,
    workshop: Workshop | None,
    code: str,
    title_fr: str,
    title_ar: str,
    kind: str,
    duration_min: int,
    pupils_per_session: int,
    levels: list[str],
    kits_needed: dict[str, int],
    actor,
) -> Workshop:
    if not levels:
        raise ValidationError(_("Choose at least one school level."))
    if Workshop.objects.filter(code=code).exclude(pk=workshop.pk if workshop else None).exists():
        raise ValidationError(_("Another workshop has this code."))
    workshop = workshop or Workshop()
    workshop.code = code
    workshop.title_fr, workshop.title_ar, workshop.kind = title_fr.strip(), title_ar.strip(), kind
    workshop.duration_min, workshop.pupils_per_session = duration_min, pupils_per_session
    workshop.levels = list(levels)
    workshop.kits_needed = {k: int(n) for k, n in kits_needed.items() if n}
    workshop.full_clean()
    workshop.save()
    audit_record(actor=actor, action="workshop_save", obj=workshop)
    return workshop


@transaction.atomic
def kit_stock_set(*, counts: dict[tuple[str, str], int], actor) -> None:
    """Set the stock: (kind, condition) → count (0 removes the line). Kits taken by planned
    tours are checked by the next plan, not here: a broken kit is a fact to record."""
    for (kind, condition), count in counts.items():
        if kind not in Kit.Kind.values or condition not in Kit.Condition.values:
            raise ValidationError(_("Unknown kit kind or condition."))
        if count < 0:
            raise ValidationError(_("A count cannot be negative."))
    for (kind, condition), count in counts.items():
        if count:
            Kit.objects.update_or_create(kind=kind, condition=condition, defaults={"count": count})
        else:
            Kit.objects.filter(kind=kind, condition=condition).delete()
    audit_record(
        actor=actor,
        action="kit_stock_set",
        detail={f"{k}/{c}": n for (k, c), n in counts.items()},
    )
