"""Screens for the caravan's workshops and kit stock (coordinators and administrators)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from markaz.core.access import role_required
from markaz.core.roles import Role

from . import equipment
from .forms_equipment import KitStockForm, WorkshopForm
from .models import Kit, Workshop

MANAGERS = (Role.ADMIN, Role.COORDINATOR)


@role_required(*MANAGERS)
def workshop_list(request, pk: int | None = None):
    workshop = None
    initial = None
    if pk is not None:
        workshop = Workshop.objects.filter(pk=pk).first()
        if workshop is None:
            raise Http404
        initial = {
            "code": workshop.code,
            "title_fr": workshop.title_fr,
            "title_ar": workshop.title_ar,
            "kind": workshop.kind,
            "duration_min": workshop.duration_min,
            "pupils_per_session": workshop.pupils_per_session,
            "levels": workshop.levels,
            **{f"kits_{k}": n for k, n in (workshop.kits_needed or {}).items()},
        }
    form = WorkshopForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            equipment.workshop_save(workshop=workshop, actor=request.user, **form.values())
        except ValidationError as exc:
            for m in exc.messages:
                form.add_error(None, m)
        else:
            messages.success(request, _("The workshop is saved."))
            return redirect("caravan:workshop_list")
    return render(
        request,
        "caravan/workshops.html",
        {
            "form": form,
            "workshop": workshop,
            "workshops": Workshop.objects.order_by("code"),
            "stock": equipment.usable_stock(),
            "kit_labels": dict(Kit.Kind.choices),
        },
        status=400 if request.method == "POST" else 200,
    )


@role_required(*MANAGERS)
def kit_stock(request):
    form = KitStockForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            equipment.kit_stock_set(counts=form.counts(), actor=request.user)
        except ValidationError as exc:
            for m in exc.messages:
                form.add_error(None, m)
        else:
            messages.success(request, _("The kit stock is saved."))
            return redirect("caravan:kit_stock")
    return render(
        request,
        "caravan/kits.html",
        {"form": form, "conditions": Kit.Condition.choices, "stock": equipment.usable_stock()},
        status=400 if request.method == "POST" else 200,
    )
