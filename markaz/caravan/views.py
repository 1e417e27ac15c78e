import datetime as dt

from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from markaz.core.access import role_required, user_centre
from markaz.core.roles import Role

from . import services
from .forms import CancelDayForm, TourForm
from .maps import day_style, province_svg
from .models import School, Tour, Visit

CARAVAN_ROLES = (Role.ADMIN, Role.COORDINATOR, Role.CARAVAN)


@role_required(*CARAVAN_ROLES)
def school_list(request):
    schools = School.objects.select_related("commune")
    level = request.GET.get("level")
    if level in School.Level.values:
        schools = schools.filter(level=level)
    return render(
        request,
        "caravan/school_list.html",
        {"schools": schools, "level": level, "levels": School.Level.choices},
    )


@role_required(*CARAVAN_ROLES)
def tour_list(request):
    form = TourForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            tour = services.tour_start(
                centre=user_centre(request.user),
                name=form.cleaned_data["name"],
                start=form.cleaned_data["start"],
                end=form.cleaned_data["end"],
                workshop=form.cleaned_data["workshop"],
                actor=request.user,
                weights={"repeat": form.cleaned_data["repeat"]},
                time_limit_s=form.cleaned_data["time_limit_s"],
                vehicle=form.cleaned_data["vehicle"],
                visits_per_school=form.cleaned_data["visits_per_school"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("core:job_detail", pk=tour.job_id)
    return render(
        request,
        "caravan/tour_list.html",
        {
            "form": form,
            "tours": Tour.objects.select_related("workshop", "vehicle")[:20],
            "weights": services.DEFAULT_WEIGHTS,
        },
    )


def _tour(pk) -> Tour:
    tour = Tour.objects.filter(pk=pk).select_related("workshop", "vehicle").first()
    if tour is None:
        raise Http404
    return tour


def _tour_context(tour: Tour, *, html_labels: bool = False) -> dict:
    """What the tour page and the roadbook show. Each day's route has its own colour on the
    map and in the legend (`day.colour`); `html_labels` for the PDF (see maps.province_svg)."""
    visits = list(
        Visit.objects.filter(tour=tour)
        .select_related("school__commune")
        .order_by("date", "start_time")
    )
    days: dict[dt.date, list] = {}
    for v in visits:
        days.setdefault(v.date, []).append(v)
    km = {d["id"]: d.get("km", 0) for d in tour.result.get("days", [])}
    centre = services._centre()
    base = (float(centre.commune.latitude), float(centre.commune.longitude))
    visited_codes = {v.school.code for v in visits if v.status != Visit.Status.CANCELLED}
    points = [{"lat": base[0], "lon": base[1], "label": centre.name, "kind": "base"}]
    for s in School.objects.all():
        points.append(
            {
                "lat": float(s.latitude),
                "lon": float(s.longitude),
                "label": s.name,
                "kind": "visited" if s.code in visited_codes else "unvisited",
            }
        )
    routes, day_rows = [], []
    for d, day_visits in days.items():
        stops = [
            (float(v.school.latitude), float(v.school.longitude))
            for v in day_visits
            if v.status != Visit.Status.CANCELLED
        ]
        row = {"date": d, "visits": day_visits, "km": km.get(d.isoformat(), 0), "colour": None}
        if stops:
            row["colour"], row["dash"] = day_style(len(routes))
            row["number"] = len(routes) + 1
            routes.append([base, *stops, base])
        day_rows.append(row)
    directors = list(services.directors_to_notify(tour))
    return {
        "tour": tour,
        "today": timezone.localdate(),
        "days": day_rows,
        "km_total": services.km_total(tour),
        "unvisited": len(tour.result.get("unvisited", [])),
        "map": province_svg(points, routes=routes, html_labels=html_labels),
        "directors": directors,
        "directors_missing": sum(
            1 for v in directors if not (v.school.director_name or v.school.director_phone)
        ),
        "directors_none_reason": services.directors_none_reason(tour) if not directors else "",
        "vehicle": tour.vehicle,
        "crew": services.tour_crew(tour),
        "schools": School.objects.filter(
            code__in=[s["id"] for s in tour.instance.get("schools", [])]
        ),
        "ical": signing.dumps(tour.pk, salt="markaz.tour-ical"),
        "pinned": tour.instance.get("pinned", {}),
        "forbidden": tour.instance.get("forbidden", {}),
    }


@role_required(*CARAVAN_ROLES)
def tour_detail(request, pk: int):
    return render(request, "caravan/tour_detail.html", _tour_context(_tour(pk)))


def roadbook_html(tour: Tour, *, lang: str) -> str:
    """The roadbook's HTML in one language: French left to right, or Arabic right to left
    (`<html lang="ar" dir="rtl">`), which WeasyPrint shapes and lays out itself."""
    from django.template.loader import render_to_string
    from django.utils import translation

    with translation.override(lang):
        context = _tour_context(tour, html_labels=True)
        context.update(lang=lang, rtl=translation.get_language_bidi())
        return render_to_string("caravan/roadbook.html", context)


@role_required(*CARAVAN_ROLES)
def tour_roadbook(request, pk: int):
    """The printable roadbook (PDF, ?lang=fr|ar, else the reader's language)."""
    from weasyprint import HTML

    from markaz.core.i18n import is_arabic

    tour = _tour(pk)
    asked = request.GET.get("lang", "")
    lang = asked if asked in ("fr", "ar") else ("ar" if is_arabic() else "fr")
    html = roadbook_html(tour, lang=lang)
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="roadbook-{pk}-{lang}.pdf"'
    return response


@role_required(Role.ADMIN, Role.COORDINATOR)
def tour_cancel_day(request, pk: int):
    """GET (with the day): what cancelling it will do, in numbers; POST with the confirmation:
    cancel and plan again. A POST without the confirmation is refused (400), nothing changes."""
    from django.urls import reverse

    from markaz.core.confirm import confirm_page, confirmed

    tour = _tour(pk)
    back = reverse("caravan:tour_detail", args=[tour.pk])
    form = CancelDayForm(request.POST if request.method == "POST" else request.GET)
    if not form.is_valid():
        messages.error(request, _("Choose the day to cancel."))
        if request.method == "POST" and not confirmed(request):
            return confirm_page(
                request,
                title=_("Cancel a day of the tour"),
                consequences=[],
                action=request.path,
                button=_("Cancel this day and re-plan"),
                back=back,
                refusal=_("Choose the day to cancel."),
            )
        return redirect(back)
    day = form.cleaned_data["day"]
    if not confirmed(request):
        preview = services.tour_cancel_day_preview(tour, day)
        consequences = [
            _("%(n)s visits planned on %(day)s will be cancelled.")
            % {"n": preview["cancelled"], "day": day.strftime("%d/%m/%Y")},
            _(
                "%(n)s visits planned after that day will be planned again over %(days)s school days."
            )
            % {"n": preview["replanned"], "days": preview["days"]},
        ]
        if preview["schools"]:
            consequences.append(
                _("Tell the directors of these schools: %(schools)s.")
                % {"schools": ", ".join(preview["schools"])}
            )
        return confirm_page(
            request,
            title=_("Cancel %(day)s of “%(tour)s”")
            % {"day": day.strftime("%d/%m/%Y"), "tour": tour.name},
            consequences=consequences,
            action=request.path,
            fields={"day": day.isoformat()},
            button=_("Cancel this day and re-plan"),
            back=back,
            refusal=services.tour_cancel_day_refusal(tour, day),
        )
    try:
        services.tour_cancel_day(tour=tour, day=day, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("The day is cancelled and the remaining days are planned again.")
        )
    return redirect(back)


@require_POST
@role_required(Role.ADMIN, Role.COORDINATOR)
def tour_decide(request, pk: int):
    """Pin a school to a day, or forbid it, then plan again."""
    tour = _tour(pk)
    school = School.objects.filter(code=request.POST.get("school", "")).first()
    day = None
    if request.POST.get("day"):
        try:
            day = dt.date.fromisoformat(request.POST["day"])
        except ValueError:
            day = None
    if school is None:
        messages.error(request, _("Choose a school."))
        return redirect("caravan:tour_detail", pk=tour.pk)
    try:
        services.tour_set_decision(
            tour=tour,
            school=school,
            decision=request.POST.get("decision", ""),
            day=day,
            actor=request.user,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Planned again with your decision."))
    return redirect("caravan:tour_detail", pk=tour.pk)


def tour_ical(request, token: str):
    """The tour's visits as an iCalendar feed (the signed link is the key)."""
    try:
        pk = signing.loads(token, salt="markaz.tour-ical")
    except signing.BadSignature as exc:
        raise Http404 from exc
    response = HttpResponse(
        services.tour_ical(_tour(pk)), content_type="text/calendar; charset=utf-8"
    )
    return response


@role_required(Role.ADMIN, Role.COORDINATOR, Role.CARAVAN)
def school_import(request):
    """Import schools from CSV or XLSX: a preview with every error first; nothing is written
    until the file is clean and the import confirmed."""
    import base64

    from markaz.registry.forms import ImportUploadForm
    from markaz.registry.imports import FileRejected

    from . import imports

    form = ImportUploadForm(request.POST or None, request.FILES or None)
    context = {"form": form}
    if (
        request.method == "POST"
        and request.POST.get("confirm")
        and "school_import" in request.session
    ):
        stored = request.session.pop("school_import")
        checked = imports.check_file(
            file_name=stored["name"], content=base64.b64decode(stored["content"])
        )
        if checked.errors:
            messages.error(request, _("The file has errors. Nothing was saved."))
        else:
            result = imports.schools_import(rows=checked.rows)
            messages.success(
                request,
                _("%(created)s schools added, %(updated)s updated, %(unchanged)s unchanged.")
                % result,
            )
            return redirect("caravan:school_list")
    elif request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read()
        try:
            checked = imports.check_file(file_name=upload.name, content=content)
        except FileRejected as exc:
            form.add_error("file", str(exc))
        else:
            context.update({"checked": checked, "errors": checked.errors[:300]})
            if not checked.errors:
                request.session["school_import"] = {
                    "name": upload.name,
                    "content": base64.b64encode(content).decode(),
                }
    return render(request, "caravan/school_import.html", context)


@role_required(Role.ADMIN, Role.COORDINATOR, Role.CARAVAN)
def school_import_template(request):
    import csv

    from . import imports

    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="markaz-schools-template.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    for row in imports.template_rows():
        writer.writerow(row)
    return response
