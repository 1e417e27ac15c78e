"""Settings screens (coordinators and administrators): opening hours, closed days, Ramadan
periods, rooms, trainers' unavailability and staff accounts. Thin views: parse, check access,
call one service; bad input is answered 400 with the reason and nothing written."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from markaz.core.access import role_required, user_centre, user_role
from markaz.core.models import StaffProfile
from markaz.core.roles import Role

from . import configuration, staff
from .forms_settings import (
    ClosureEditForm,
    ClosureForm,
    HoursPeriodForm,
    RoomEditForm,
    StaffForm,
    UnavailabilityForm,
)
from .forms_setup import OpeningHoursFormSet
from .models import Closure, HoursPeriod, OpeningHours, Room, TrainerUnavailability

MANAGERS = (Role.ADMIN, Role.COORDINATOR)


def _centre(request):
    centre = user_centre(request.user)
    if centre is None:
        raise PermissionDenied
    return centre


def _refused(request, form, exc: ValidationError):
    for message in exc.messages:
        form.add_error(None, message)


def _page(request, template, context, form=None):
    status = 400 if request.method == "POST" and form is not None and form.errors else 200
    return render(request, template, context, status=status)


def _remove(request, delete, *, back: str, done: str):
    """Run `delete()` (a configuration service); refused: the reasons on a 400 page with a way
    back, nothing removed; done: the message, back to the list."""
    try:
        delete()
    except ValidationError as exc:
        return render(
            request,
            "centre/settings/refused.html",
            {"messages_list": exc.messages, "back": back},
            status=400,
        )
    messages.success(request, done)
    return redirect(back)


@role_required(*MANAGERS)
def settings_home(request):
    centre = _centre(request)
    today = timezone.localdate()
    return render(
        request,
        "centre/settings/home.html",
        {
            "centre": centre,
            "hours": OpeningHours.objects.filter(centre=centre),
            "closures_ahead": Closure.objects.filter(centre=centre, date__gte=today).count(),
            "periods_ahead": HoursPeriod.objects.filter(centre=centre, end_date__gte=today).count(),
            "rooms": Room.objects.filter(centre=centre).count(),
            "staff_count": staff.staff_list_for_user(request.user)
            .filter(user__is_active=True)
            .count(),
        },
    )


# --- Opening hours ------------------------------------------------------------------------------


@role_required(*MANAGERS)
def opening_hours(request):
    centre = _centre(request)
    rows = {h.weekday: h for h in OpeningHours.objects.filter(centre=centre)}
    if rows:
        initial = [
            {
                "weekday": day,
                "open": day in rows,
                "opens": rows[day].opens if day in rows else None,
                "closes": rows[day].closes if day in rows else None,
                "break_start": rows[day].break_start if day in rows else None,
                "break_end": rows[day].break_end if day in rows else None,
            }
            for day in range(7)
        ]
    else:
        from .setup import default_hours_initial

        initial = default_hours_initial()
    formset = OpeningHoursFormSet(request.POST or None, prefix="hours", initial=initial)
    errors: list[str] = []
    if request.method == "POST":
        if formset.is_valid():
            try:
                configuration.opening_hours_save(
                    centre=centre,
                    hours=[h for f in formset.forms if (h := f.hours())],
                    actor=request.user,
                )
            except ValidationError as exc:
                errors = exc.messages
            else:
                messages.success(request, _("The opening hours are saved."))
                return redirect("centre:settings_hours")
        errors += [e for f in formset.forms for e in f.non_field_errors()]
    return render(
        request,
        "centre/settings/hours.html",
        {"hours": formset, "errors": errors, "has_rows": bool(rows)},
        status=400 if request.method == "POST" else 200,
    )


# --- Closed days --------------------------------------------------------------------------------


@role_required(*MANAGERS)
def closure_list(request):
    centre = _centre(request)
    form = ClosureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            rows = configuration.closure_create(
                centre=centre, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            _refused(request, form, exc)
        else:
            messages.success(request, _("Closed days added: %(n)s.") % {"n": len(rows)})
            return redirect("centre:settings_closures")
    today = timezone.localdate()
    return _page(
        request,
        "centre/settings/closures.html",
        {
            "form": form,
            "upcoming": Closure.objects.filter(centre=centre, date__gte=today),
            "past": Closure.objects.filter(centre=centre, date__lt=today).order_by("-date")[:20],
        },
        form,
    )


def _closure(request, pk) -> Closure:
    closure = Closure.objects.filter(pk=pk, centre=_centre(request)).first()
    if closure is None:
        raise Http404
    return closure


@role_required(*MANAGERS)
def closure_edit(request, pk: int):
    closure = _closure(request, pk)
    form = ClosureEditForm(
        request.POST or None,
        initial={
            "date": closure.date,
            "reason_fr": closure.reason_fr,
            "reason_ar": closure.reason_ar,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            configuration.closure_update(closure=closure, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _refused(request, form, exc)
        else:
            messages.success(request, _("The closed day is saved."))
            return redirect("centre:settings_closures")
    return _page(
        request,
        "centre/settings/edit.html",
        {
            "form": form,
            "title": _("Closed day"),
            "back": reverse("centre:settings_closures"),
            "delete": reverse("centre:settings_closure_delete", args=[closure.pk]),
        },
        form,
    )


@require_POST
@role_required(*MANAGERS)
def closure_delete(request, pk: int):
    closure = _closure(request, pk)
    return _remove(
        request,
        lambda: configuration.closure_delete(closure=closure, actor=request.user),
        back=reverse("centre:settings_closures"),
        done=_("The closed day is removed."),
    )


# --- Ramadan periods ----------------------------------------------------------------------------


@role_required(*MANAGERS)
def ramadan_list(request):
    centre = _centre(request)
    form = HoursPeriodForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            configuration.hours_period_create(
                centre=centre, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            _refused(request, form, exc)
        else:
            messages.success(request, _("The Ramadan period is saved."))
            return redirect("centre:settings_ramadan")
    return _page(
        request,
        "centre/settings/ramadan.html",
        {
            "form": form,
            "periods": HoursPeriod.objects.filter(centre=centre).order_by("-start_date"),
            "today": timezone.localdate(),
        },
        form,
    )


def _period(request, pk) -> HoursPeriod:
    period = HoursPeriod.objects.filter(pk=pk, centre=_centre(request)).first()
    if period is None:
        raise Http404
    return period


@role_required(*MANAGERS)
def ramadan_edit(request, pk: int):
    period = _period(request, pk)
    form = HoursPeriodForm(
        request.POST or None, initial={"start_date": period.start_date, "end_date": period.end_date}
    )
    if request.method == "POST" and form.is_valid():
        try:
            configuration.hours_period_update(
                period=period, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            _refused(request, form, exc)
        else:
            messages.success(request, _("The Ramadan period is saved."))
            return redirect("centre:settings_ramadan")
    return _page(
        request,
        "centre/settings/edit.html",
        {
            "form": form,
            "title": _("Ramadan period"),
            "back": reverse("centre:settings_ramadan"),
            "delete": reverse("centre:settings_ramadan_delete", args=[period.pk]),
        },
        form,
    )


@require_POST
@role_required(*MANAGERS)
def ramadan_delete(request, pk: int):
    period = _period(request, pk)
    return _remove(
        request,
        lambda: configuration.hours_period_delete(period=period, actor=request.user),
        back=reverse("centre:settings_ramadan"),
        done=_("The Ramadan period is removed."),
    )


# --- Rooms --------------------------------------------------------------------------------------


@role_required(*MANAGERS)
def room_list(request, pk: int | None = None):
    centre = _centre(request)
    room = None
    if pk is not None:
        room = Room.objects.filter(pk=pk, centre=centre).first()
        if room is None:
            raise Http404
    initial = (
        {
            "name_fr": room.name_fr,
            "name_ar": room.name_ar,
            "kind": room.kind,
            "capacity": room.capacity,
        }
        if room
        else None
    )
    form = RoomEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            configuration.room_save(
                centre=centre, room=room, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            _refused(request, form, exc)
        else:
            messages.success(request, _("The room is saved."))
            return redirect("centre:settings_rooms")
    rooms = list(Room.objects.filter(centre=centre))
    return _page(
        request,
        "centre/settings/rooms.html",
        {
            "form": form,
            "room": room,
            "rooms": rooms,
            "total": sum(r.capacity for r in rooms),
            "centre": centre,
        },
        form,
    )


# --- Trainers' availability ---------------------------------------------------------------------


def _trainers(centre):
    return (
        StaffProfile.objects.filter(centre=centre, role=Role.TRAINER, user__is_active=True)
        .select_related("user")
        .order_by("user__last_name", "user__username")
    )


@role_required(*MANAGERS)
def trainer_list(request):
    centre = _centre(request)
    trainers = list(_trainers(centre))
    rows = TrainerUnavailability.objects.filter(
        centre=centre, trainer__in=[t.user for t in trainers]
    )
    by_trainer: dict[int, list] = {}
    for row in rows:
        by_trainer.setdefault(row.trainer_id, []).append(row)
    return render(
        request,
        "centre/settings/trainers.html",
        {"trainers": [(t, by_trainer.get(t.user_id, [])) for t in trainers]},
    )


@role_required(*MANAGERS)
def trainer_availability(request, user_pk: int):
    centre = _centre(request)
    profile = _trainers(centre).filter(user_id=user_pk).first()
    if profile is None:
        raise Http404
    form = UnavailabilityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            configuration.unavailability_create(
                centre=centre,
                trainer=profile.user,
                weekday=data["weekday"],
                date_from=data["date_from"],
                date_to=data["date_to"],
                start_time=data["start_time"],
                end_time=data["end_time"],
                reason=data["reason"],
                actor=request.user,
            )
        except ValidationError as exc:
            _refused(request, form, exc)
        else:
            messages.success(request, _("Saved: the next timetables keep this trainer free then."))
            return redirect("centre:settings_trainer", user_pk=user_pk)
    today = timezone.localdate()
    rows = TrainerUnavailability.objects.filter(centre=centre, trainer=profile.user)
    return _page(
        request,
        "centre/settings/trainer.html",
        {"form": form, "profile": profile, "rows": rows, "today": today},
        form,
    )


@require_POST
@role_required(*MANAGERS)
def unavailability_delete(request, pk: int):
    centre = _centre(request)
    row = TrainerUnavailability.objects.filter(pk=pk, centre=centre).first()
    if row is None:
        raise Http404
    return _remove(
        request,
        lambda: configuration.unavailability_delete(row=row, actor=request.user),
        back=reverse("centre:settings_trainer", args=[row.trainer_id]),
        done=_("Removed."),
    )


# --- Staff accounts -----------------------------------------------------------------------------


@role_required(*MANAGERS)
def staff_list(request):
    return render(
        request,
        "centre/settings/staff_list.html",
        {
            "profiles": staff.staff_list_for_user(request.user),
            "link": request.session.pop("markaz_password_link", None),
        },
    )


def _staff_form(request, profile=None):
    initial = None
    if profile is not None:
        u = profile.user
        initial = {
            "first_name": u.first_name,
            "last_name": u.last_name,
            "role": profile.role,
            "centre": profile.centre_id,
            "language": profile.language or "fr",
            "phone": profile.phone,
            "email": u.email,
        }
    return StaffForm(
        request.POST or None,
        initial=initial,
        roles=staff.roles_for(request.user),
        may_choose_centre=user_role(request.user) == Role.ADMIN,
        instance_user=profile.user if profile else None,
    )


def _staff_values(request, form) -> dict:
    data = dict(form.cleaned_data)
    if "centre" not in form.fields:
        data["centre"] = user_centre(request.user)
    data.pop("username", None)
    return data


def _remember_link(request, profile):
    uid, token = staff.staff_password_link(actor=request.user, profile=profile)
    url = request.build_absolute_uri(reverse("centre:staff_set_password", args=[uid, token]))
    request.session["markaz_password_link"] = {"user": profile.user.get_username(), "url": url}


@role_required(*MANAGERS)
def staff_create(request):
    form = _staff_form(request)
    if request.method == "POST" and form.is_valid():
        try:
            profile = staff.staff_create(
                actor=request.user,
                username=form.cleaned_data["username"],
                **_staff_values(request, form),
            )
        except ValidationError as exc:
            _refused(request, form, exc)
        else:
            _remember_link(request, profile)
            messages.success(request, _("The account is created."))
            return redirect("centre:settings_staff")
    return _page(
        request,
        "centre/settings/edit.html",
        {"form": form, "title": _("New staff account"), "back": reverse("centre:settings_staff")},
        form,
    )


@role_required(*MANAGERS)
def staff_edit(request, pk: int):
    profile = staff.staff_get_for_user(request.user, pk)
    if not staff.may_manage(request.user, profile.role, profile.centre_id):
        raise PermissionDenied
    form = _staff_form(request, profile)
    if request.method == "POST" and form.is_valid():
        try:
            staff.staff_update(actor=request.user, profile=profile, **_staff_values(request, form))
        except ValidationError as exc:
            _refused(request, form, exc)
        else:
            messages.success(request, _("The account is saved."))
            return redirect("centre:settings_staff")
    return _page(
        request,
        "centre/settings/edit.html",
        {
            "form": form,
            "title": profile.user.get_username(),
            "back": reverse("centre:settings_staff"),
            "profile": profile,
        },
        form,
    )


@require_POST
@role_required(*MANAGERS)
def staff_action(request, pk: int, action: str):
    profile = staff.staff_get_for_user(request.user, pk)
    try:
        if action == "deactivate":
            staff.staff_set_active(actor=request.user, profile=profile, active=False)
            messages.success(request, _("The account is deactivated: it can no longer log in."))
        elif action == "activate":
            staff.staff_set_active(actor=request.user, profile=profile, active=True)
            messages.success(request, _("The account is active again."))
        elif action == "password":
            _remember_link(request, profile)
        else:
            raise Http404
    except ValidationError as exc:
        return render(
            request,
            "centre/settings/refused.html",
            {"messages_list": exc.messages, "back": reverse("centre:settings_staff")},
            status=400,
        )
    return redirect("centre:settings_staff")


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """The one-time link: the person chooses their password (Django's validators), then logs
    in. A used or expired link says so."""

    template_name = "centre/settings/set_password.html"
    success_url = reverse_lazy("login")
    title = gettext_lazy("Choose your password")

    def form_valid(self, form):
        messages.success(self.request, _("Your password is set: log in with it."))
        return super().form_valid(form)

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response
