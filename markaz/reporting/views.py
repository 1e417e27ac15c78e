"""The indicator dashboard, the records behind a figure, and the exports. Thin: parse the
window, ask `selectors` for the pack (protected for whoever may not see small cells), hand it to
`present` / `exports`, render."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from markaz.core.access import has_role
from markaz.core.errors import UserInputError
from markaz.core.readlog import Kind, personal_data_read
from markaz.core.roles import PEOPLE_ROLES

from . import exports, periods, present
from .forms import RecordsForm, WindowForm, presets


def _selectors():
    # Imported on first use: the selectors pull in the indicator engine, which the rest of the
    # site (and its URL configuration) does not need.
    from . import selectors

    return selectors


def _scope(request):
    return _selectors().report_scope_for_user(request.user, request.GET.get("centre") or None)


def _window_form(request, *, protected: bool = False) -> WindowForm:
    today = timezone.localdate()
    selectors = _selectors()
    default = (
        selectors.default_protected_window(today) if protected else selectors.default_window(today)
    )
    form = WindowForm(request.GET or None, default=default)
    form.check()
    return form


def _protected_window(form: WindowForm, *, snap: bool) -> periods.ProtectedWindow:
    """The published period a protected output of the form's window is computed for (see
    periods.py: never an arbitrary window, which differencing would turn into people)."""
    start, end = form.window()
    return periods.protected_window(start, end, today=timezone.localdate(), snap=snap)


def _asked(request) -> bool:
    return bool(request.GET.get("start") or request.GET.get("end"))


def _pack(scope, start, end, *, protect: bool) -> dict:
    pack = _selectors().indicator_pack(centre=scope.centre, start=start, end=end, protect=protect)
    return present.guard_small_cells(pack) if protect else pack


def _query(**params) -> str:
    return urlencode({k: v for k, v in params.items() if v not in (None, "")})


def _has_records(kind: str, value) -> bool:
    # No value ("—": nobody to count) or a count of zero: an empty list, so no link.
    return value is not None and not (kind in ("count", "sum") and value == 0)


def _attach_drill_urls(rows, start, end) -> None:
    """Give every figure of a youth indicator the address of the records behind it."""
    base = {"start": start.isoformat(), "end": end.isoformat()}
    for row in rows:
        if not row.drillable:
            continue
        url = reverse("reporting:records", args=[row.code])
        if _has_records(row.kind, row.value):
            row.url = f"{url}?{_query(**base)}"
        for dimension, cells in row.cells.items():
            for cell in cells:
                if _has_records(row.kind, cell.value):
                    query = _query(**base, dimension=dimension, category=cell.category)
                    cell.url = f"{url}?{query}"


@login_required
@require_GET
def dashboard(request):
    scope = _scope(request)
    form = _window_form(request, protected=scope.protected)
    if scope.protected:
        # The province reads published periods only: an arbitrary window is widened to the
        # period that contains it (and the page says so), or refused when none does.
        window = _protected_window(form, snap=True)
        start, end = window.start, window.end
        comparison = periods.protected_comparison(window, form.compare_mode())
        export_window = window
        form = WindowForm(
            {
                "start": window.period.start.isoformat(),
                "end": window.period.end.isoformat(),
                "compare": form.compare_mode(),
                "by": form.dimension(),
            },
            default=(window.period.start, window.period.end),
        )
    else:
        window = None
        start, end = form.window()
        comparison = form.comparison()
        try:  # the downloads are protected: they cover the published period around the window
            export_window = _protected_window(form, snap=True)
        except UserInputError:
            export_window = None
    pack = _pack(scope, start, end, protect=scope.protected)
    compare = _pack(scope, *comparison, protect=scope.protected) if comparison else None

    labels = present.Labels(scope.centre)
    rows = present.rows(pack, compare, labels=labels)
    if scope.can_drill:
        _attach_drill_urls(rows, start, end)
    dimension = form.dimension()
    categories = present.categories(rows, dimension)
    matrix = []
    for row in rows:
        cells = {c.category: c for c in row.cells.get(dimension, [])}
        if cells:
            matrix.append((row, [cells.get(code) for code, _label in categories]))
    # The SVG is built from escaped parts in charts.py.
    charts = {
        key: present.Chart(c.key, c.title, mark_safe(c.svg))
        for key, c in present.build_charts(rows, labels).items()
    }

    shown = (window.period.start, window.period.end) if window else (start, end)
    query = {"start": shown[0].isoformat(), "end": shown[1].isoformat()}
    query["compare"] = form.compare_mode()
    if request.GET.get("centre"):
        query["centre"] = request.GET["centre"]
    export_query = None
    if export_window:
        export_query = _query(
            **{
                **query,
                "start": export_window.period.start.isoformat(),
                "end": export_window.period.end.isoformat(),
            }
        )
    return render(
        request,
        "reporting/dashboard.html",
        {
            "scope": scope,
            "centre": scope.centre,
            "form": form,
            "start": start,
            "end": end,
            "comparison": comparison,
            "pack": pack,
            "sections": present.grouped(rows),
            "charts": charts,
            "dimension": dimension,
            "dimension_label": present.dimension_label(dimension),
            "dimensions": [
                (d, present.dimension_label(d), _query(**query, by=d))
                for d in present.DIMENSIONS
                if present.categories(rows, d)
            ],
            "categories": categories,
            "matrix": matrix,
            "presets": [
                (p, _query(start=p.start.isoformat(), end=p.end.isoformat(), by=dimension))
                for p in presets(timezone.localdate())
            ],
            "export_query": export_query,
            "window": window,
            "window_asked": window and window.snapped and _asked(request),
            "export_window": export_window,
            "export_differs": export_window is not None
            and (export_window.start, export_window.end) != (start, end),
            "suppression": present.suppression_summary(pack) if scope.protected else None,
            "synthetic": present.data_is_synthetic(),
        },
    )


@login_required
@require_GET
def records(request, code: str):
    """The people behind one figure: who is counted (numerator) and out of whom (denominator)."""
    scope = _scope(request)
    if not scope.can_drill:
        raise PermissionDenied
    form = RecordsForm(request.GET)
    if not form.is_valid():
        return render(request, "reporting/records.html", {"form": form}, status=400)
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    dimension = form.cleaned_data["dimension"] or None
    category = form.cleaned_data["category"] or None
    pack = _pack(scope, start, end, protect=False)
    labels = present.Labels(scope.centre)
    row = next((r for r in present.rows(pack, labels=labels) if r.code == code), None)
    if row is None:
        raise Http404
    cell = None
    if dimension:
        cell = next((c for c in row.cells.get(dimension, []) if c.category == category), None)
        if cell is None:
            raise Http404
    context = {
        "row": row,
        "cell": cell,
        "dimension_label": present.dimension_label(dimension) if dimension else "",
        "start": start,
        "end": end,
        "back": reverse("reporting:dashboard")
        + "?"
        + _query(start=start.isoformat(), end=end.isoformat(), by=dimension),
    }
    if not row.drillable:
        return render(request, "reporting/records.html", {**context, "not_traceable": True})
    try:
        found = _selectors().figure_records(
            centre=scope.centre,
            start=start,
            end=end,
            code=code,
            dimension=dimension,
            category=category,
        )
    except ValueError:
        return render(request, "reporting/records.html", {**context, "not_traceable": True})
    links = has_role(request.user, PEOPLE_ROLES)
    lists = [
        (key, present.record_rows(found.get(key) or [], centre=scope.centre, links=links))
        for key in ("numerator", "denominator")
    ]
    personal_data_read(
        user=request.user,
        persons=[record.pk for _key, (shown, _total) in lists for record in shown],
        kind=Kind.LIST,
        request=request,
    )
    return render(request, "reporting/records.html", {**context, "lists": lists})


EXPORTS = {"xlsx", "csv", "pdf", "opendata"}


@login_required
@require_GET
def export(request, kind: str):
    """XLSX, CSV, the CPDH report (PDF, ?lang=fr|ar) and open data: always protected, whoever
    asks, since they leave the centre."""
    if kind not in EXPORTS:
        raise Http404
    scope = _scope(request)
    form = _window_form(request, protected=True)
    # Protected, so published periods only: an arbitrary window is refused (400, with the
    # periods one may ask for), never computed.
    window = _protected_window(form, snap=False)
    start, end = window.start, window.end
    pack = _pack(scope, start, end, protect=True)
    lang = request.GET.get("lang") or translation.get_language() or "fr"
    lang = "ar" if lang.startswith("ar") else "fr"
    centre = scope.centre
    if kind == "xlsx":
        body = exports.xlsx_bytes(pack, centre=centre, lang=lang)
        name, content_type = exports.filename("indicators", pack, "xlsx", lang), exports.XLSX_TYPE
    elif kind == "csv":
        body = exports.csv_bytes(pack, centre=centre, lang=lang)
        name, content_type = exports.filename("indicators", pack, "csv", lang), "text/csv"
    elif kind == "opendata":
        body = exports.open_data_zip(pack, centre=centre)
        name, content_type = exports.filename("open-data", pack, "zip"), "application/zip"
    else:
        comparison = periods.protected_comparison(window, form.compare_mode())
        compare = _pack(scope, *comparison, protect=True) if comparison else None
        body = exports.report_pdf(pack, compare, centre=centre, lang=lang)
        name, content_type = exports.filename("cpdh-report", pack, "pdf", lang), "application/pdf"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
