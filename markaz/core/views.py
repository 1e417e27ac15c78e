from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from .access import has_role, role_required, user_centre, user_role
from .dashboard import dashboard_context, home_context
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
    # The centre's name and commune (centre registers it: markaz.core.dashboard).
    return render(request, "core/home.html", {"centre": None, **home_context(request)})


@role_required(*AGGREGATE_ROLES)
def dashboard(request):
    role = user_role(request.user)
    if role == Role.PROVINCIAL:
        # The province leaves the centre's walls: it reads the protected indicator pack only
        # (small cells "<5" and their complements "x" hidden), never the registry's raw counts.
        return redirect("reporting:dashboard")
    centre = user_centre(request.user)
    context = {
        "centres": [centre],
        "show_people_links": has_role(request.user, PEOPLE_ROLES),
    }
    # The registry's counts, the centre's rooms: registered by those apps (markaz.core.dashboard).
    context.update(dashboard_context(request, centre))
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


# --- Outbox (coordinators) --------------------------------------------------------------------


@role_required(Role.ADMIN, Role.COORDINATOR)
def outbox(request):
    from .forms import OptOutForm
    from .models import OutboxMessage
    from .selectors import outbox_counts_for_user, outbox_for_user, sms_opt_outs_for_user

    status = request.GET.get("status", "")
    if status not in OutboxMessage.Status.values:
        status = ""
    channel = request.GET.get("channel", "")
    if channel not in OutboxMessage.Channel.values:
        channel = ""
    query = request.GET.get("q", "").strip()[:40]
    messages = outbox_for_user(request.user, status=status, channel=channel, query=query)
    form = OptOutForm(request.POST or None)
    code = 200
    if request.method == "POST":
        from .outbox import sms_opt_out

        if form.is_valid():
            sms_opt_out(
                phone=form.cleaned_data["phone"],
                source="staff",
                actor=request.user,
                centre=user_centre(request.user),
            )
            from django.contrib import messages as flash
            from django.utils.translation import gettext as _

            flash.success(request, _("This phone will get no more SMS."))
            return redirect("core:outbox")
        code = 400
    counts = outbox_counts_for_user(request.user)
    return render(
        request,
        "core/outbox.html",
        {
            "messages_page": messages[:200],
            "total": messages.count(),
            "status": status,
            "channel": channel,
            "query": query,
            "statuses": [(s, label, counts.get(s, 0)) for s, label in OutboxMessage.Status.choices],
            "all_count": sum(counts.values()),
            "channels": OutboxMessage.Channel.choices,
            "form": form,
            "opt_outs": sms_opt_outs_for_user(request.user)[:50],
        },
        status=code,
    )


@role_required(Role.ADMIN, Role.COORDINATOR)
@require_POST
def outbox_retry(request, pk):
    from django.contrib import messages as flash
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    from .outbox import outbox_retry as retry
    from .selectors import outbox_message_get_for_user

    message = outbox_message_get_for_user(request.user, pk)
    try:
        retry(message=message, actor=request.user)
    except ValidationError as exc:
        flash.error(request, " ".join(exc.messages))
        return redirect(f"{reverse('core:outbox')}?status=failed")
    flash.success(request, _("The message is queued again."))
    return redirect(f"{reverse('core:outbox')}?status=failed")


@role_required(Role.ADMIN, Role.COORDINATOR)
@require_POST
def opt_out_remove(request, pk):
    from django.contrib import messages as flash
    from django.utils.translation import gettext as _

    from .outbox import sms_opt_in
    from .selectors import sms_opt_outs_for_user

    opt_out = sms_opt_outs_for_user(request.user).filter(pk=pk).first()
    if opt_out is None:
        raise Http404
    sms_opt_in(phone=opt_out.phone, actor=request.user, centre=user_centre(request.user))
    flash.success(request, _("This phone gets SMS again."))
    return redirect("core:outbox")


# --- Webhooks the SMS provider calls ----------------------------------------------------------


def _webhook(request, apply):
    """Authenticated by the shared secret `MARKAZ_SMS_WEBHOOK_SECRET` (header
    `X-Markaz-Webhook-Secret`, query parameter `secret`, or the password of HTTP Basic auth);
    no secret configured: the endpoint does not exist. Bad JSON or a malformed report: 400,
    nothing recorded."""
    import base64
    import hmac
    import json

    from django.conf import settings
    from django.core.exceptions import ValidationError

    secret = getattr(settings, "MARKAZ_SMS_WEBHOOK_SECRET", "")
    if not secret:
        raise Http404
    given = request.headers.get("X-Markaz-Webhook-Secret") or request.GET.get("secret", "")
    auth = request.headers.get("Authorization", "")
    if not given and auth.startswith("Basic "):
        try:
            given = base64.b64decode(auth[6:]).decode().partition(":")[2]
        except (ValueError, UnicodeDecodeError):
            given = ""
    if not hmac.compare_digest(given.encode(), secret.encode()):
        return JsonResponse({"error": "forbidden"}, status=403)
    try:
        payload = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return JsonResponse({"error": "The body is not JSON."}, status=400)
    try:
        result = apply(payload=payload)
    except ValidationError as exc:
        return JsonResponse({"error": " ".join(exc.messages)}, status=400)
    return JsonResponse({"ok": True, "result": result})


@csrf_exempt
@require_POST
def sms_reports_webhook(request):
    from .outbox import outbox_reports_apply

    return _webhook(request, outbox_reports_apply)


@csrf_exempt
@require_POST
def sms_inbound_webhook(request):
    from .outbox import outbox_inbound

    return _webhook(request, outbox_inbound)
