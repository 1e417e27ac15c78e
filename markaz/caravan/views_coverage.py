"""Pages of the caravan's coverage (figures, map, XLSX) and of the children's-space bookings."""

import datetime as dt
import io

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from markaz.core.access import role_required
from markaz.core.errors import UserInputError
from markaz.core.forms import BootstrapMixin, BoundedDateField
from markaz.core.spreadsheets import workbook_neutralise

from . import children
from . import coverage as cov
from .maps import province_svg
from .models import School, Workshop

# --- Forms (parse only: the rules live in children.booking_create) ----------------------------


class PeriodForm(BootstrapMixin, forms.Form):
    start = BoundedDateField(
        label=gettext_lazy("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end = BoundedDateField(
        label=gettext_lazy("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def refused(self) -> bool:
        """Dates were given and are not valid (the page says why, answering 400)."""
        return self.is_bound and not self.is_valid()

    def period(self) -> cov.Period:
        default = cov.school_year()
        if not self.is_valid():
            return default
        start = self.cleaned_data.get("start") or default.start
        end = self.cleaned_data.get("end") or default.end
        if end < start:
            start, end = end, start
        return cov.Period(start, end)


class BookingForm(BootstrapMixin, forms.Form):
    school = forms.ModelChoiceField(label=gettext_lazy("School"), queryset=School.objects.none())
    workshop = forms.ModelChoiceField(
        label=gettext_lazy("Workshop"), queryset=Workshop.objects.none()
    )
    class_label = forms.CharField(label=gettext_lazy("Class"), max_length=40)
    date = forms.DateField(
        label=gettext_lazy("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    start_time = forms.TimeField(
        label=gettext_lazy("Start time"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    end_time = forms.TimeField(
        label=gettext_lazy("End time"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    girls = forms.IntegerField(label=gettext_lazy("Girls"), min_value=0, max_value=500, initial=0)
    boys = forms.IntegerField(label=gettext_lazy("Boys"), min_value=0, max_value=500, initial=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = School.objects.select_related("commune")
        self.fields["workshop"].queryset = Workshop.objects.order_by("title_fr")
        self.fields["school"].label_from_instance = lambda s: f"{s.name} · {s.commune.name}"

    def times(self) -> tuple[dt.datetime, dt.datetime]:
        tz = timezone.get_current_timezone()
        day = self.cleaned_data["date"]
        return (
            dt.datetime.combine(day, self.cleaned_data["start_time"], tzinfo=tz),
            dt.datetime.combine(day, self.cleaned_data["end_time"], tzinfo=tz),
        )


# --- Coverage -----------------------------------------------------------------------------------


@role_required(*cov.COVERAGE_ROLES)
def coverage(request):
    form = PeriodForm(request.GET or None)
    period = form.period()  # the school year while the dates given are refused
    figures = cov.coverage_for_user(request.user, period)
    svg = province_svg(
        cov.coverage_map_points(figures), commune_values=figures.commune_values(), width=800
    )
    levels = [(label, figures.by_level[code]) for code, label in School.Level.choices]
    areas = [(label, figures.by_area[code]) for code, label in School.Area.choices]
    return render(
        request,
        "caravan/coverage.html",
        {
            "form": form,
            "period": period,
            "figures": figures,
            "levels": levels,
            "areas": areas,
            "map_svg": mark_safe(svg),  # built from escaped parts in maps.province_svg
            "query": "" if form.refused() else request.GET.urlencode(),
        },
        status=400 if form.refused() else 200,
    )


@role_required(*cov.COVERAGE_ROLES)
def coverage_xlsx(request):
    """The coverage figures as a workbook, one sheet per breakdown."""
    from openpyxl import Workbook

    form = PeriodForm(request.GET or None)
    if form.refused():
        raise UserInputError(" ".join(e for errors in form.errors.values() for e in errors))
    period = form.period()
    figures = cov.coverage_for_user(request.user, period)
    wb = Workbook()
    sheet = wb.active
    sheet.title = "summary"
    sheet.append([_("From"), period.start.isoformat()])
    sheet.append([_("To"), period.end.isoformat()])
    sheet.append([_("Schools in the province"), figures.schools_total])
    sheet.append([_("Schools reached"), figures.schools_reached])
    sheet.append([_("Share of schools reached"), round(figures.share_reached, 4)])
    sheet.append([_("Pupils reached"), figures.pupils.total])
    sheet.append([_("Workshops held"), figures.workshops_held])

    ws = wb.create_sheet("communes")
    ws.append(
        [
            "code",
            _("Commune"),
            _("Schools"),
            _("Schools reached"),
            _("Girls"),
            _("Boys"),
            _("Total"),
        ]
    )
    for row in figures.by_commune:
        ws.append(
            [
                row.code,
                row.name,
                row.schools_total,
                row.schools_reached,
                row.pupils.girls,
                row.pupils.boys,
                row.pupils.total,
            ]
        )
    ws = wb.create_sheet("levels")
    ws.append(["code", _("Level"), _("Girls"), _("Boys"), _("Total")])
    for code, label in School.Level.choices:
        c = figures.by_level[code]
        ws.append([code, str(label), c.girls, c.boys, c.total])
    ws = wb.create_sheet("sex")
    ws.append(["code", _("Sex"), _("Pupils")])
    ws.append(["girls", _("Girls"), figures.pupils.girls])
    ws.append(["boys", _("Boys"), figures.pupils.boys])
    ws = wb.create_sheet("urban_rural")
    ws.append(["code", _("Area"), _("Girls"), _("Boys"), _("Total")])
    for code, label in School.Area.choices:
        c = figures.by_area[code]
        ws.append([code, str(label), c.girls, c.boys, c.total])
    ws = wb.create_sheet("never_reached")
    ws.append(["code", _("School"), _("Commune"), _("Level"), _("Area")])
    for s in figures.never_reached:
        ws.append([s.code, s.name, s.commune.name, s.get_level_display(), s.get_area_display()])
    ws = wb.create_sheet("kits")
    ws.append(
        ["code", _("Kit"), _("Good"), _("Worn"), _("Broken"), _("Reported broken"), _("Usable")]
    )
    for k in figures.kits:
        ws.append([k.kind, k.label, k.good, k.worn, k.broken, k.broken_reported, k.usable])
    for ws in wb.worksheets:
        ws.sheet_view.rightToLeft = request.LANGUAGE_CODE.startswith("ar")
        ws.column_dimensions["B"].width = 32

    workbook_neutralise(wb)  # a school named "=HYPERLINK(…)" stays text
    buffer = io.BytesIO()
    wb.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = f"caravan-coverage-{period.start:%Y%m%d}-{period.end:%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- Children's-space bookings ------------------------------------------------------------------


def _booking_page(request, form, status=200):
    centre = children.booking_centre_for_user(request.user)
    return render(
        request,
        "caravan/booking_list.html",
        {
            "centre": centre,
            "form": form,
            "bookings": children.bookings_upcoming(centre),
            "now": timezone.now(),
        },
        status=status,
    )


@role_required(*children.BOOKING_ROLES)
def booking_list(request):
    return _booking_page(request, BookingForm())


@require_POST
@role_required(*children.BOOKING_ROLES)
def booking_create(request):
    centre = children.booking_centre_for_user(request.user)
    form = BookingForm(request.POST)
    if form.is_valid():
        starts_at, ends_at = form.times()
        try:
            children.booking_create(
                centre=centre,
                school=form.cleaned_data["school"],
                workshop=form.cleaned_data["workshop"],
                class_label=form.cleaned_data["class_label"],
                starts_at=starts_at,
                ends_at=ends_at,
                girls=form.cleaned_data["girls"],
                boys=form.cleaned_data["boys"],
                actor=request.user,
            )
        except ValidationError as exc:
            for problem in exc.messages:
                form.add_error(None, problem)
        else:
            messages.success(request, _("The class is booked in the children's space."))
            return redirect("caravan:booking_list")
    return _booking_page(request, form, status=400)


@require_POST
@role_required(*children.BOOKING_ROLES)
def booking_cancel(request, pk: int):
    booking = children.booking_get_for_user(request.user, pk)
    try:
        children.booking_cancel(booking=booking, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The booking is cancelled."))
    return redirect("caravan:booking_list")
