import datetime as dt

import segno
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from markaz.core.access import has_role, role_required
from markaz.core.readlog import Kind, personal_data_read
from markaz.core.roles import PEOPLE_ROLES, REGISTRY_WRITE_ROLES

from . import selectors, services
from .models import Centre
from .selectors import DOOR_ROLES


def qr_svg(data: str, scale: int = 5) -> str:
    return segno.make(data, error="m").svg_inline(scale=scale, dark="#0b3d47")


def _kiosk_refused(message: str, status: int = 403) -> HttpResponse:
    from .door_html import kiosk_expired

    return HttpResponse(kiosk_expired(message), status=status)


def kiosk(request):
    """The entrance, on a paired tablet: reads badges with the camera (or a typed code) and
    shows the live count; nothing else, and no staff session. The tablet's secret (its cookie,
    set when it was paired) goes with every scan as the X-Kiosk-Token header."""
    from django.shortcuts import redirect

    token = request.COOKIES.get(services.KIOSK_COOKIE, "")
    centre = selectors.kiosk_centre_for_token(token)
    if centre is None:
        if has_role(request.user, REGISTRY_WRITE_ROLES):
            return redirect("centre:kiosk_devices")
        return render(request, "centre/kiosk_unpaired.html", status=403)
    return render(request, "centre/kiosk.html", {"centre": centre, "kiosk_token": token})


def kiosk_pair(request):
    """A tablet opens the pairing link (or types the code) once; it gets its secret as a
    long-lived cookie. GET shows the form (a link preview consumes nothing); POST pairs."""
    from django.core.exceptions import ValidationError
    from django.shortcuts import redirect

    from .forms import KioskPairForm

    form = KioskPairForm(request.POST or None, initial={"code": request.GET.get("code", "")})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                device, secret = services.kiosk_device_pair(code=form.cleaned_data["code"])
            except ValidationError as exc:
                form.add_error("code", exc)
            else:
                response = redirect("centre:kiosk")
                response.set_cookie(
                    services.KIOSK_COOKIE,
                    secret,
                    max_age=int(services.KIOSK_COOKIE_AGE.total_seconds()),
                    path="/kiosk/",
                    httponly=True,
                    samesite="Strict",
                    secure=request.is_secure(),
                )
                return response
        status = 400
    return render(request, "centre/kiosk_pair.html", {"form": form}, status=status)


@role_required(*REGISTRY_WRITE_ROLES)
def kiosk_devices(request):
    """The coordinator's entrance tablets: pair a new one (its pairing link is shown once),
    see when each was last used, revoke one."""
    from django.core.exceptions import ValidationError

    from markaz.core.access import user_centre

    from .forms import KioskDeviceForm

    devices = selectors.kiosk_devices_for_user(request.user)
    form = KioskDeviceForm(request.POST or None)
    context = {"devices": devices, "form": form}
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                device, code = services.kiosk_device_create(
                    centre=user_centre(request.user),
                    name=form.cleaned_data["name"],
                    actor=request.user,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
                status = 400
            else:
                context.update(_pairing_context(request, device, code))
                context["form"] = KioskDeviceForm()
        else:
            status = 400
    return render(request, "centre/kiosk_devices.html", context, status=status)


def _pairing_context(request, device, code: str) -> dict:
    link = request.build_absolute_uri(reverse("centre:kiosk_pair")) + f"?code={code}"
    return {
        "paired_device": device,
        "pairing_code": "-".join(code[i : i + 4] for i in range(0, len(code), 4)),
        "pairing_link": link,
        "pairing_qr": qr_svg(link, scale=4),
    }


@require_POST
@role_required(*REGISTRY_WRITE_ROLES)
def kiosk_device_repair(request, pk: int):
    """A new pairing code for a tablet (a replacement: the old one stops once it is used)."""
    from django.contrib import messages
    from django.core.exceptions import ValidationError
    from django.shortcuts import redirect

    from .forms import KioskDeviceForm

    device = selectors.kiosk_device_get_for_user(request.user, pk)
    try:
        code = services.kiosk_device_pairing_renew(device=device, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("centre:kiosk_devices")
    context = {
        "devices": selectors.kiosk_devices_for_user(request.user),
        "form": KioskDeviceForm(),
        **_pairing_context(request, device, code),
    }
    return render(request, "centre/kiosk_devices.html", context)


@require_POST
@role_required(*REGISTRY_WRITE_ROLES)
def kiosk_device_revoke(request, pk: int):
    from django.contrib import messages
    from django.shortcuts import redirect
    from django.utils.translation import gettext as _

    device = selectors.kiosk_device_get_for_user(request.user, pk)
    services.kiosk_device_revoke(device=device, actor=request.user)
    messages.success(
        request, _("“%(name)s” is revoked: it can no longer record anything.") % {"name": device}
    )
    return redirect("centre:kiosk_devices")


@csrf_exempt  # authenticated by the X-Kiosk-Token header, which browsers never send on their own
@require_POST
def kiosk_device_scan(request):
    """The kiosk's scan endpoint: the hot path of the door, no session or user lookup; the
    paired tablet's secret is checked on every scan (one indexed read), so a revoked tablet
    stops at once."""
    from .door_html import scan_result

    centre_id = services.kiosk_centre_id(request.META.get("HTTP_X_KIOSK_TOKEN", ""))
    if centre_id is None:
        return _kiosk_refused(_kiosk_unpaired_message())
    centre = services.DoorCentre(centre_id)
    result = services.door_scan(centre=centre, raw=request.POST.get("code", ""))
    return HttpResponse(
        scan_result(result.kind, result.message, result.occupancy, centre.max_occupancy)
    )


def _kiosk_unpaired_message() -> str:
    from django.utils.translation import gettext as _

    return _(
        "This entrance tablet is not paired, or was revoked: a coordinator must pair it again "
        "(Entrance tablets page). Nothing was recorded."
    )


def kiosk_count(request):
    """The live count for a paired tablet (its secret in the X-Kiosk-Token header)."""
    centre_id = services.kiosk_centre_id(request.META.get("HTTP_X_KIOSK_TOKEN", ""))
    if centre_id is None:
        return _kiosk_refused(_kiosk_unpaired_message())
    centre = Centre.objects.only("occupancy", "max_occupancy").get(pk=centre_id)
    return render(request, "centre/_occupancy.html", {"centre": centre})


@role_required(*DOOR_ROLES)
def roll_call(request):
    """Who is in the building now (the evacuation roll-call) and occupancy through the day."""
    centre = selectors.door_centre_for_user(request.user)
    present = list(selectors.people_in_building(centre))
    personal_data_read(
        user=request.user, persons=[p.person_id for p in present], kind=Kind.LIST, request=request
    )
    return render(
        request,
        "centre/roll_call.html",
        {
            "centre": centre,
            "present": present,
            "by_hour": selectors.occupancy_by_hour(centre, timezone.localdate()),
        },
    )


@role_required(*REGISTRY_WRITE_ROLES)
def door_close_day(request):
    """GET: how many people are still marked inside; POST with the confirmation: check them
    all out. A POST without the confirmation is refused (400) and changes nothing."""
    from django.contrib import messages
    from django.shortcuts import redirect
    from django.utils.translation import gettext as _

    from markaz.core.confirm import confirm_page, confirmed

    centre = selectors.door_centre_for_user(request.user)
    if confirmed(request):
        n = services.door_close_day(centre=centre, actor=request.user)
        messages.success(
            request, _("%(n)s people checked out; the count is back to zero.") % {"n": n}
        )
        return redirect("centre:roll_call")
    inside = selectors.people_in_building(centre).count()
    return confirm_page(
        request,
        title=_("Closing time: check everyone out"),
        consequences=[
            _("%(n)s people still inside will be checked out now.") % {"n": inside},
            _("The building's count goes back to 0."),
            _("Anyone really still inside must scan their badge again to be counted."),
        ],
        action=request.path,
        button=_("Check %(n)s people out") % {"n": inside},
        back=reverse("centre:roll_call"),
    )


@role_required(*PEOPLE_ROLES)
def person_badge(request, person_pk: int):
    """A learner's badge on screen (to show on a phone or print)."""
    person = selectors.person_for_badge(request.user, person_pk)
    badge = services.badge_for(person)
    personal_data_read(user=request.user, persons=[person], kind=Kind.PAGE, request=request)
    return render(
        request,
        "centre/badge.html",
        {"person": person, "badge": badge, "qr": qr_svg(services.badge_token(badge))},
    )


@role_required(*REGISTRY_WRITE_ROLES)
def cohort_badges_pdf(request, cohort_pk: int):
    """A printable sheet of the cohort's badges (PDF, eight to a page), for coordinators. GET
    shows what printing will do (how many badges, how many issued now) and never issues; the
    confirmed POST issues the missing badges, records the print in the audit log and returns
    the PDF."""
    from django.template.loader import render_to_string
    from django.utils.translation import gettext as _
    from django.utils.translation import ngettext
    from weasyprint import HTML

    from markaz.core.confirm import confirm_page, confirmed

    cohort = selectors.cohort_for_badges(request.user, cohort_pk)
    people, without = selectors.cohort_badge_learners(cohort)
    if not people or not confirmed(request):
        consequences = [
            ngettext(
                "%(n)s badge will be printed (PDF, eight to a page).",
                "%(n)s badges will be printed (PDF, eight to a page).",
                len(people),
            )
            % {"n": len(people)}
        ]
        if without:
            consequences.append(
                ngettext(
                    "%(n)s learner has no badge yet: a badge will be issued now.",
                    "%(n)s learners have no badge yet: a badge will be issued to each now.",
                    without,
                )
                % {"n": without}
            )
        consequences.append(_("The print is recorded in the audit log (who, when, how many)."))
        return confirm_page(
            request,
            title=_("Print the badges of %(cohort)s") % {"cohort": cohort},
            consequences=consequences,
            action=request.path,
            button=_("Print the badges"),
            back=reverse("programmes:cohort_detail", args=[cohort.pk]),
            danger=bool(without),
            refusal=None if people else _("This cohort has no learners to print badges for."),
        )
    cards = [
        {"person": person, "badge": badge, "qr": qr_svg(services.badge_token(badge), scale=3)}
        for person, badge in services.cohort_badges_print(
            cohort=cohort, people=people, actor=request.user
        )
    ]
    personal_data_read(
        user=request.user, persons=[c["person"] for c in cards], kind=Kind.EXPORT, request=request
    )
    html = render_to_string(
        "centre/badges_pdf.html", {"cohort": cohort, "cards": cards}, request=request
    )
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="badges-{cohort.code}.pdf"'
    return response


# --- Timetables -------------------------------------------------------------------------------


def _monday(value) -> dt.date:
    """The Monday of `?week=` (today's week when absent); a bad date is a 400 with a message."""
    import datetime as dt

    from markaz.core.forms import query_day

    day = query_day(value, default=timezone.localdate())
    return day - dt.timedelta(days=day.weekday())


@role_required(*REGISTRY_WRITE_ROLES)
def timetable_list(request):
    from django.contrib import messages
    from django.core.exceptions import ValidationError
    from django.shortcuts import redirect

    from . import timetabling
    from .forms import TimetableForm
    from .models import Timetable

    centre = selectors.door_centre_for_user(request.user)
    form = TimetableForm(request.POST or None, centre=centre)
    if request.method == "POST" and form.is_valid():
        try:
            tt = timetabling.timetable_start(
                centre=centre,
                name=form.cleaned_data["name"],
                first_week=form.cleaned_data["first_week"],
                weeks=form.cleaned_data["weeks"],
                cohorts=form.cleaned_data["cohorts"],
                actor=request.user,
                time_limit_s=form.cleaned_data["time_limit_s"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            return redirect("core:job_detail", pk=tt.job_id)
    return render(
        request,
        "centre/timetable_list.html",
        {"form": form, "timetables": Timetable.objects.filter(centre=centre)[:20]},
    )


@role_required(*REGISTRY_WRITE_ROLES)
def timetable_detail(request, pk: int):
    from django.contrib import messages
    from django.core.exceptions import ValidationError
    from django.http import Http404
    from django.shortcuts import redirect
    from django.utils.translation import gettext as _

    from . import timetabling
    from .models import Room, Timetable

    centre = selectors.door_centre_for_user(request.user)
    tt = Timetable.objects.filter(centre=centre, pk=pk).first()
    if tt is None:
        raise Http404
    if request.method == "POST":
        try:
            n = timetabling.timetable_publish(timetable=tt, actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("%(n)s sessions are in the calendar.") % {"n": n})
        return redirect("centre:timetable_detail", pk=tt.pk)
    slots = tt.instance.get("timeslots", [])
    rooms = {str(r.pk): r for r in Room.objects.filter(centre=centre)}
    lessons = {x["id"]: x for x in tt.instance.get("lessons", [])}
    grid = {}
    for a in tt.result.get("assignments", []):
        grid.setdefault(a["timeslot"], []).append(
            {"lesson": lessons.get(a["lesson"], {}), "room": rooms.get(a["room"])}
        )
    days = []
    for day in timetabling.DAYS:
        days.append(
            {
                "day": day,
                "slots": [
                    {"slot": s, "items": grid.get(s["id"], [])} for s in slots if s["day"] == day
                ],
            }
        )
    return render(request, "centre/timetable_detail.html", {"tt": tt, "days": days})


@role_required(*PEOPLE_ROLES)
def week_view(request):
    """A week of sessions for one room, cohort or trainer (or the whole centre)."""
    import datetime as dt

    from django.contrib.auth import get_user_model

    from markaz.core.forms import query_id
    from markaz.programmes.models import Cohort

    from . import timetabling
    from .models import Room

    centre = selectors.door_centre_for_user(request.user)
    monday = _monday(request.GET.get("week"))
    room = Room.objects.filter(centre=centre, pk=query_id(request.GET.get("room")) or 0).first()
    cohort = Cohort.objects.filter(
        centre=centre, pk=query_id(request.GET.get("cohort")) or 0
    ).first()
    trainer = (
        get_user_model()
        .objects.filter(staff_profile__centre=centre, pk=query_id(request.GET.get("trainer")) or 0)
        .first()
    )
    sessions = list(
        timetabling.week_sessions(centre, monday, room=room, cohort=cohort, trainer=trainer)
    )
    # Children's bookings and mentoring sessions: registered by those apps (centre.occupancy).
    others = {"bookings": [], "mentoring": []}
    if cohort is None and trainer is None:
        from .occupancy import week_entries

        start = dt.datetime.combine(monday, dt.time(0), tzinfo=timezone.get_current_timezone())
        others.update(week_entries(centre, start, start + dt.timedelta(days=7), room=room))
    bookings, mentoring = others["bookings"], others["mentoring"]
    days = []
    for i in range(7):
        day = monday + dt.timedelta(days=i)
        days.append(
            {
                "date": day,
                "sessions": [s for s in sessions if timezone.localtime(s.starts_at).date() == day],
                "bookings": [b for b in bookings if timezone.localtime(b.starts_at).date() == day],
                "mentoring": [
                    m for m in mentoring if timezone.localtime(m.starts_at).date() == day
                ],
            }
        )
    ical = None
    if cohort is not None:
        ical = timetabling.ical_token("cohort", cohort.pk)
    elif trainer is not None:
        ical = timetabling.ical_token("trainer", trainer.pk)
    return render(
        request,
        "centre/week.html",
        {
            "days": days,
            "monday": monday,
            "prev": monday - dt.timedelta(days=7),
            "next": monday + dt.timedelta(days=7),
            "room": room,
            "cohort": cohort,
            "trainer": trainer,
            "ical": ical,
            "rooms": Room.objects.filter(centre=centre),
            "cohorts": Cohort.objects.filter(centre=centre, sessions__isnull=False).distinct(),
            "trainers": get_user_model().objects.filter(sessions__centre=centre).distinct(),
        },
    )


def ical(request, token: str):
    """iCalendar feed of a cohort or a trainer (the signed link is the key: calendar apps
    cannot log in)."""
    from django.contrib.auth import get_user_model
    from django.http import Http404

    from markaz.programmes.models import Cohort

    from . import timetabling
    from .models import Session

    found = timetabling.ical_resolve(token)
    if found is None:
        raise Http404
    kind, pk = found
    if kind == "cohort":
        cohort = Cohort.objects.filter(pk=pk).first()
        if cohort is None:
            raise Http404
        sessions, name = Session.objects.filter(cohort=cohort), f"Markaz {cohort.code}"
    else:
        trainer = get_user_model().objects.filter(pk=pk).first()
        if trainer is None:
            raise Http404
        sessions, name = (
            Session.objects.filter(trainer=trainer),
            f"Markaz {trainer.get_full_name() or trainer.username}",
        )
    body = timetabling.ical_feed(sessions.select_related("cohort__programme", "room"), name)
    return HttpResponse(body, content_type="text/calendar; charset=utf-8")


@role_required(*REGISTRY_WRITE_ROLES)
def session_move(request, pk: int):
    """Move a session by hand: the conflicts are checked at once and nothing moves if any."""
    import datetime as dt

    from django.contrib import messages
    from django.core.exceptions import ValidationError
    from django.http import Http404
    from django.shortcuts import redirect
    from django.utils.translation import gettext as _

    from . import timetabling
    from .forms import SessionMoveForm
    from .models import Session

    centre = selectors.door_centre_for_user(request.user)
    session = (
        Session.objects.filter(centre=centre, pk=pk)
        .select_related("cohort", "room", "trainer")
        .first()
    )
    if session is None:
        raise Http404
    local = timezone.localtime(session.starts_at)
    form = SessionMoveForm(
        request.POST or None,
        centre=centre,
        initial={"date": local.date(), "time": local.time(), "room": session.room},
    )
    problems = []
    if request.method == "POST" and form.is_valid():
        tz = timezone.get_current_timezone()
        starts_at = dt.datetime.combine(
            form.cleaned_data["date"], form.cleaned_data["time"], tzinfo=tz
        )
        try:
            timetabling.session_move(
                session=session,
                starts_at=starts_at,
                room=form.cleaned_data["room"],
                actor=request.user,
            )
        except ValidationError as exc:
            problems = exc.messages
        else:
            messages.success(request, _("The session is moved."))
            return redirect(
                f"{reverse('centre:week')}?cohort={session.cohort_id}&week={starts_at.date().isoformat()}"
            )
    return render(
        request,
        "centre/session_move.html",
        {"session": session, "form": form, "problems": problems},
    )


@role_required(*REGISTRY_WRITE_ROLES)
def session_cancel(request, pk: int):
    """Cancel a session that has not started; its learners are told by SMS. GET (with the
    reason) shows how many messages will be sent; the POST with the confirmation cancels; a POST
    without it is refused (400) and changes nothing."""
    from django.contrib import messages
    from django.core.exceptions import ValidationError
    from django.http import Http404
    from django.shortcuts import redirect
    from django.utils.translation import gettext as _

    from markaz.core.confirm import confirm_page, confirmed

    from . import timetabling
    from .models import Session

    centre = selectors.door_centre_for_user(request.user)
    session = Session.objects.filter(centre=centre, pk=pk).select_related("cohort").first()
    if session is None:
        raise Http404
    params = request.POST if request.method == "POST" else request.GET
    reason = params.get("reason", "").strip()
    if not confirmed(request):
        local = timezone.localtime(session.starts_at)
        preview = selectors.session_cancel_preview(session)
        refusal = None
        if not reason:
            refusal = _("Say why the session is cancelled: the learners are told.")
        elif session.starts_at <= timezone.now():
            refusal = _("This session has started: it cannot be cancelled any more.")
        return confirm_page(
            request,
            title=_("Cancel the %(cohort)s session of %(date)s at %(time)s")
            % {
                "cohort": session.cohort.code,
                "date": local.strftime("%d/%m/%Y"),
                "time": local.strftime("%H:%M"),
            },
            consequences=[
                _("%(n)s learners will get an SMS: “%(reason)s”.")
                % {"n": preview["sms"], "reason": reason},
                _("%(n)s learners have no phone number and will not be told.")
                % {"n": preview["no_phone"]},
                _("The session leaves the calendar and frees its room."),
            ],
            action=request.path,
            fields={"reason": reason},
            button=_("Cancel the session and send %(n)s SMS") % {"n": preview["sms"]},
            back=reverse("centre:session_move", args=[session.pk]),
            refusal=refusal,
        )
    week = timezone.localtime(session.starts_at).date().isoformat()
    cohort = session.cohort_id
    try:
        told = timetabling.session_cancel(session=session, reason=reason, actor=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("centre:session_move", pk=pk)
    messages.success(
        request,
        _("The session is cancelled; %(count)s learners will get an SMS.") % {"count": told},
    )
    return redirect(f"{reverse('centre:week')}?cohort={cohort}&week={week}")


@role_required(*REGISTRY_WRITE_ROLES)
def year_plan(request, year: int | None = None):
    """The year's running budget and targets, entered by the coordinator for the reports."""
    from django.contrib import messages
    from django.core.exceptions import ValidationError
    from django.shortcuts import redirect
    from django.utils.translation import gettext as _

    from markaz.engine.indicators import DICTIONARY

    from .forms import YearPlanForm
    from .models import YearPlan

    centre = selectors.door_centre_for_user(request.user)
    year = year or timezone.localdate().year
    plan = YearPlan.objects.filter(centre=centre, year=year).first()

    def whole(amount):
        return int(amount) if amount == int(amount) else amount

    initial = {
        "running_budget_mad": whole(plan.running_budget_mad) if plan else 0,
        "investment_mad": whole(
            plan.investment_mad if plan else YearPlan._meta.get_field("investment_mad").default
        ),
        **{f"target_{code}": value for code, value in (plan.targets if plan else {}).items()},
    }
    form = YearPlanForm(request.POST or None, indicators=DICTIONARY, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.year_plan_save(
                centre=centre,
                year=year,
                running_budget_mad=form.cleaned_data["running_budget_mad"],
                investment_mad=form.cleaned_data["investment_mad"],
                targets=form.targets(),
                actor=request.user,
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("The plan for %(year)s is saved.") % {"year": year})
            return redirect("centre:year_plan", year=year)
    years = sorted(
        {
            year - 1,
            year,
            year + 1,
            *YearPlan.objects.filter(centre=centre).values_list("year", flat=True),
        }
    )
    return render(
        request,
        "centre/year_plan.html",
        {"form": form, "year": year, "years": years, "plan": plan},
    )
