from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from markaz.centre.models import Centre
from markaz.centre.selectors import centre_room_capacity, centre_rooms

from .access import has_role, role_required, user_centre, user_role
from .roles import AGGREGATE_ROLES, PEOPLE_ROLES, Role
from .selectors import job_get_for_user


@require_GET
def healthz(request):
    """Liveness for load balancers and the check-in benchmark's bare baseline."""
    from django.http import HttpResponse

    return HttpResponse("ok", content_type="text/plain")


@require_GET
def home(request):
    """The front door: the public application for everyone, the dashboard for staff."""
    if request.user.is_authenticated and user_role(request.user):
        return redirect("core:dashboard")
    centre = Centre.objects.order_by("pk").first()
    return render(request, "core/home.html", {"centre": centre})


@role_required(*AGGREGATE_ROLES)
def dashboard(request):
    from markaz.registry.selectors import registry_counts

    role = user_role(request.user)
    if role == Role.PROVINCIAL:
        # The province leaves the centre's walls: it reads the protected indicator pack only
        # (small cells "<5" and their complements "x" hidden), never the registry's raw counts.
        return redirect("reporting:dashboard")
    centres = [user_centre(request.user)]
    counts = registry_counts([c.pk for c in centres if c is not None])
    context = {
        "centres": centres,
        "counts": counts,
        "show_people_links": has_role(request.user, PEOPLE_ROLES),
    }
    centre = user_centre(request.user)
    if centre is not None:
        context.update(
            {"rooms": centre_rooms(centre), "room_capacity": centre_room_capacity(centre)}
        )
    return render(request, "core/dashboard.html", context)


def job_detail(request, pk):
    if not request.user.is_authenticated:
        return redirect("login")
    job = job_get_for_user(request.user, pk)
    template = "core/_job_progress.html" if request.htmx else "core/job_detail.html"
    return render(request, template, {"job": job})


def bad_request(request, exception=None):
    """The 400 page (handler400): the message of a UserInputError, in the person's language;
    for any other bad request, a general one (never the exception's internals)."""
    from .errors import UserInputError

    message = str(exception) if isinstance(exception, UserInputError) else ""
    return render(request, "400.html", {"message": message}, status=400)
