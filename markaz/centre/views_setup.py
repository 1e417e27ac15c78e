"""The first-run page (/setup/): only while no centre exists."""

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import get_language, override
from django.utils.translation import gettext as _

from . import setup
from .forms_setup import CentreSetupForm, CoordinatorSetupForm, OpeningHoursFormSet, RoomFormSet


def first_run(request):
    """Create the centre, its opening hours, its rooms and the first coordinator, then log the
    coordinator in. Once set up, this page is gone (redirect to the home page)."""
    from django.conf import settings

    if setup.is_set_up():
        return redirect("core:home")
    data = request.POST if request.method == "POST" else None
    centre_form = CentreSetupForm(data, prefix="centre")
    hours = OpeningHoursFormSet(data, prefix="hours", initial=setup.default_hours_initial())
    rooms = RoomFormSet(data, prefix="rooms")
    account = CoordinatorSetupForm(
        data, prefix="coordinator", initial={"language": (get_language() or "fr")[:2]}
    )
    errors: list[str] = []
    if request.method == "POST":
        valid = all(
            [centre_form.is_valid(), hours.is_valid(), rooms.is_valid(), account.is_valid()]
        )
        room_rows = [f.cleaned_data for f in rooms.forms if f.is_valid() and not f.is_blank()]
        if valid:
            try:
                centre, user = setup.centre_setup(
                    centre=centre_form.cleaned_data,
                    hours=[h for f in hours.forms if (h := f.hours())],
                    rooms=[
                        {k: r[k] for k in ("name_fr", "name_ar", "kind", "capacity")}
                        for r in room_rows
                    ],
                    coordinator=account.account(),
                )
            except ValidationError as exc:
                errors = exc.messages
            else:
                setup.is_set_up()
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                language = account.cleaned_data["language"]
                with override(language):
                    messages.success(
                        request,
                        _("Markaz is set up: welcome to %(centre)s.") % {"centre": centre.name},
                    )
                    total = sum(r["capacity"] for r in room_rows)
                    if total < centre.max_occupancy:
                        messages.warning(
                            request,
                            _(
                                "The rooms hold %(total)s people in all, fewer than the "
                                "building's maximum of %(max)s: the maximum can never be "
                                "reached. Add rooms in Settings if some are missing."
                            )
                            % {"total": total, "max": centre.max_occupancy},
                        )
                response = redirect("core:home")
                response.set_cookie(
                    settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax"
                )
                return response
        elif not room_rows and rooms.is_valid():
            errors.append(_("Give at least one room."))
    context = {
        "centre_form": centre_form,
        "hours": hours,
        "rooms": rooms,
        "account": account,
        "errors": errors,
        "show_errors": request.method == "POST",
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "centre/setup.html", context, status=status)
