import csv

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from markaz.core.access import role_required, user_centre
from markaz.core.confirm import confirm_page, confirmed
from markaz.core.readlog import Kind, personal_data_read
from markaz.core.roles import PEOPLE_ROLES, REGISTRY_WRITE_ROLES
from markaz.territory.selectors import communes_of_province

from . import selectors, services
from .consent import notice_paragraphs
from .forms import (
    ImportUploadForm,
    ObjectionForm,
    ReadLogSearchForm,
    RegistrySearchForm,
    StaffIntakeForm,
    StaffPersonForm,
)
from .imports import FileRejected, template_rows
from .models import Consent, Purpose
from .person_file import person_file_zip
from .services import PERSON_FIELDS


def _communes(centre):
    return communes_of_province(centre.commune.province_id)


def _form_errors_to(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# --- Staff: registry --------------------------------------------------------------------------


@role_required(*PEOPLE_ROLES)
def person_list(request):
    form = RegistrySearchForm(request.GET or None)
    query = eligible = ""
    if form.is_valid():
        query, eligible = form.cleaned_data["q"], form.cleaned_data["eligible"]
    people = selectors.person_search(request.user, query, eligible).order_by("-pk")  # newest first
    page = Paginator(people, 25).get_page(request.GET.get("page"))
    full = selectors.sees_whole_registry(request.user)
    if not full:  # a trainer or a mentor: their own people, what their work needs of them
        page.object_list = [selectors.person_card(request.user, p) for p in page.object_list]
    else:
        page.object_list = list(page.object_list)
    personal_data_read(user=request.user, persons=page.object_list, kind=Kind.LIST, request=request)
    template = "registry/_person_rows.html" if request.htmx else "registry/person_list.html"
    return render(
        request,
        template,
        {"form": form, "page": page, "query": query, "eligible": eligible, "full": full},
    )


@role_required(*PEOPLE_ROLES)
def person_detail(request, pk: int):
    if not selectors.sees_whole_registry(request.user):
        card = selectors.person_card_for_user(request.user, pk)
        personal_data_read(user=request.user, persons=[card], kind=Kind.PAGE, request=request)
        return render(request, "registry/person_card.html", {"person": card})
    person = selectors.person_get_for_user(request.user, pk)
    if person.is_merged:
        messages.info(request, _("This record was merged into another one."))
    context = {
        "person": person,
        "decision": person.eligibility,
        "decided_on": _iso_date(person.eligibility.get("reference_date")),
        "duplicates": selectors.person_duplicates(person),
        "show_sensitive": selectors.can_see_sensitive(request.user),
        "can_write": selectors.can_write_registry(request.user),
        "consents": person.consents.all(),
        "merges": person.merges_kept.select_related("merged").all(),
        "conflicts": person.intake_conflicts.filter(resolved=False),
        "corrections": selectors.person_corrections(person),
        "objections": person.objections.select_related("recorded_by"),
    }
    personal_data_read(user=request.user, persons=[person], kind=Kind.PAGE, request=request)
    if context["can_write"]:  # read after this visit's own row is written: it shows first
        context["reads"] = selectors.person_reads(person).order_by("-at", "-pk")[:5]
    return render(request, "registry/person_detail.html", context)


@role_required(*REGISTRY_WRITE_ROLES)
def person_create(request):
    centre = user_centre(request.user)
    form = StaffIntakeForm(request.POST or None, communes=_communes(centre))
    if request.method == "POST" and form.is_valid():
        try:
            person = services.person_create(
                centre=centre,
                data=form.cleaned_data,
                consent_method=Consent.Method.DESK,
                consent_language=get_language() or "fr",
                actor=request.user,
            )
        except ValidationError as exc:
            _form_errors_to(form, exc)
        else:
            messages.success(request, _("The person is registered."))
            return redirect("registry:person_detail", pk=person.pk)
    return render(
        request,
        "registry/person_form.html",
        {"form": form, "notice": notice_paragraphs(centre), "creating": True},
    )


@role_required(*REGISTRY_WRITE_ROLES)
def person_edit(request, pk: int):
    person = selectors.person_get_for_user(request.user, pk)
    initial = {f.removesuffix("_id"): getattr(person, f) for f in PERSON_FIELDS}
    initial["commune"] = person.commune.code if person.commune_id else "outside"
    form = StaffPersonForm(request.POST or None, initial=initial, communes=_communes(person.centre))
    if request.method == "POST" and form.is_valid():
        try:
            services.person_update(person=person, data=form.cleaned_data, actor=request.user)
        except ValidationError as exc:
            _form_errors_to(form, exc)
        else:
            messages.success(request, _("The changes are saved."))
            return redirect("registry:person_detail", pk=person.pk)
    personal_data_read(user=request.user, persons=[person], kind=Kind.PAGE, request=request)
    return render(request, "registry/person_form.html", {"form": form, "person": person})


# --- Staff: duplicates and merges -------------------------------------------------------------


@role_required(*REGISTRY_WRITE_ROLES)
def duplicate_list(request):
    flags = selectors.duplicate_flags_for_user(request.user)
    page = Paginator(flags, 25).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    merges = list(selectors.merge_records_for_user(request.user)[:20])
    conflicts = list(selectors.intake_conflicts_for_user(request.user)[:20])
    personal_data_read(
        user=request.user,
        persons=[
            *(pk for f in page.object_list for pk in (f.person_id, f.other_id)),
            *(pk for m in merges for pk in (m.kept_id, m.merged_id)),
            *(c.existing_id for c in conflicts),
        ],
        kind=Kind.LIST,
        request=request,
    )
    return render(
        request,
        "registry/duplicate_list.html",
        {"page": page, "merges": merges, "conflicts": conflicts},
    )


@require_POST
@role_required(*REGISTRY_WRITE_ROLES)
def intake_conflict_resolve(request, pk: int):
    """A held public application has been checked (the registered record corrected, or the
    same person applying again): it leaves the list."""
    conflict = selectors.intake_conflict_get_for_user(request.user, pk)
    try:
        services.intake_conflict_resolve(conflict=conflict, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Marked as checked."))
    return redirect("registry:duplicate_list")


@role_required(*REGISTRY_WRITE_ROLES)
def duplicate_review(request, pk: int):
    flag = selectors.duplicate_flag_get_for_user(request.user, pk)
    fields = [
        (
            StaffPersonForm.base_fields[f.removesuffix("_id")].label
            if f.removesuffix("_id") in StaffPersonForm.base_fields
            else f,
            _display(flag.person, f),
            _display(flag.other, f),
        )
        for f in PERSON_FIELDS
    ]
    personal_data_read(
        user=request.user, persons=[flag.person_id, flag.other_id], kind=Kind.PAGE, request=request
    )
    return render(request, "registry/duplicate_review.html", {"flag": flag, "fields": fields})


def _iso_date(value):
    import datetime as dt

    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def _display(person, field):
    if field == "commune_id":
        return person.commune.name if person.commune_id else ""
    getter = getattr(person, f"get_{field}_display", None)
    return getter() if getter else (getattr(person, field) or "")


@role_required(*REGISTRY_WRITE_ROLES)
def duplicate_resolve(request, pk: int):
    """Dismiss a pair (POST), or merge it: GET shows what the merge will do, in numbers; the
    POST that carries the confirmation merges (without it: 400, nothing written)."""
    from django.urls import reverse

    flag = selectors.duplicate_flag_get_for_user(request.user, pk)
    action = request.POST.get("action") if request.method == "POST" else request.GET.get("action")
    if request.method != "POST" and action not in ("keep_first", "keep_second"):
        return redirect("registry:duplicate_review", pk=flag.pk)
    try:
        if action == "dismiss":
            services.duplicate_dismiss(flag=flag, actor=request.user)
            messages.success(request, _("Marked as two different people."))
        elif action in ("keep_first", "keep_second"):
            kept, merged = (
                (flag.person, flag.other) if action == "keep_first" else (flag.other, flag.person)
            )
            if not confirmed(request):
                preview = selectors.merge_preview(kept=kept, merged=merged)
                return confirm_page(
                    request,
                    title=_("Merge %(merged)s into %(kept)s")
                    % {"merged": merged.full_name_latin, "kept": kept.full_name_latin},
                    consequences=[
                        _(
                            "1 record (%(name)s, CIN %(cin)s) will be merged and hidden from the registry."
                        )
                        % {"name": merged.full_name_latin, "cin": merged.cin or "—"},
                        _("%(n)s empty fields of the kept record will be filled from it.")
                        % {"n": preview["filled"]},
                        _("%(n)s consents and %(m)s intake conflicts will move to the kept record.")
                        % {"n": preview["consents"], "m": preview["conflicts"]},
                        _("The merge can be undone from the merge history."),
                    ],
                    action=request.path,
                    fields={"action": action},
                    button=_("Merge the two records"),
                    back=reverse("registry:duplicate_review", args=[flag.pk]),
                    refusal=None if flag.status == "open" else _("This pair was already reviewed."),
                )
            services.person_merge(kept=kept, merged=merged, actor=request.user, flag=flag)
            messages.success(
                request, _("The records are merged. You can undo this from the merge history.")
            )
            return redirect("registry:person_detail", pk=kept.pk)
        else:
            messages.error(request, _("Choose what to do with this pair."))
            return redirect("registry:duplicate_review", pk=flag.pk)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("registry:duplicate_list")


@require_POST
@role_required(*REGISTRY_WRITE_ROLES)
def merge_undo(request, pk: int):
    record = selectors.merge_record_get_for_user(request.user, pk)
    try:
        services.merge_undo(record=record, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The merge is undone: both records are back."))
    return redirect("registry:duplicate_list")


# --- Staff: import ----------------------------------------------------------------------------


@role_required(*REGISTRY_WRITE_ROLES)
def import_upload(request):
    """Upload a file: it is kept and checked in the background; its page shows the progress,
    then the preview."""
    centre = user_centre(request.user)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = services.import_upload(
                centre=centre, file_name=upload.name, content=upload.read(), actor=request.user
            )
        except FileRejected as exc:
            form.add_error("file", str(exc))
        else:
            return redirect("registry:import_detail", pk=batch.pk)
    context = {"form": form, "batches": selectors.import_batches_for_user(request.user)[:10]}
    return render(request, "registry/import_upload.html", context)


@require_POST
@role_required(*REGISTRY_WRITE_ROLES)
def import_commit(request, pk: int):
    batch = selectors.import_batch_get_for_user(request.user, pk)
    try:
        services.import_commit(batch=batch, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("registry:import_detail", pk=batch.pk)


@require_POST
@role_required(*REGISTRY_WRITE_ROLES)
def import_check_again(request, pk: int):
    batch = selectors.import_batch_get_for_user(request.user, pk)
    try:
        batch = services.import_check_again(batch=batch, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("registry:import_detail", pk=batch.pk)


@role_required(*REGISTRY_WRITE_ROLES)
def import_detail(request, pk: int):
    """A file's page: the progress of its check or import (polled), then its preview, errors or
    result."""
    batch = selectors.import_batch_get_for_user(request.user, pk)
    context = selectors.import_batch_view(batch)
    template = "registry/_import_batch.html" if request.htmx else "registry/import_detail.html"
    return render(request, template, context)


@role_required(*REGISTRY_WRITE_ROLES)
def import_template(request):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="markaz-registry-template.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    for row in template_rows():
        writer.writerow(row)
    return response


# --- Law 09-08: access, objection, erasure ----------------------------------------------------


@role_required(*REGISTRY_WRITE_ROLES)
def person_export(request, pk: int):
    """The person's whole file (right of access): a ZIP with a PDF in the chosen language and
    the same records as JSON. Producing it is recorded."""
    person = selectors.person_get_for_coordinator(request.user, pk)
    lang = request.GET.get("lang") or get_language() or "fr"
    content = person_file_zip(person=person, actor=request.user, lang=lang, request=request)
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="markaz-person-{person.pk}.zip"'
    response["Cache-Control"] = "no-store"
    return response


def _objection_consequences(person, purpose: str) -> list[str]:
    stops = {
        Purpose.SMS: _(
            "No SMS will be sent to %(phone)s any more: offers, reminders and notices already "
            "queued for it are stopped at once."
        )
        % {"phone": person.phone or "—"},
        Purpose.FOLLOWUP: _(
            "They leave the follow-up due-list at once and get no reminder of a follow-up call."
        ),
        Purpose.RECORDS_LIST: _(
            "They no longer appear, by name, in the lists of people behind the indicators."
        ),
    }
    keeps = {
        Purpose.SMS: _(
            "The centre may still answer them at the desk or by e-mail about their own training."
        ),
        Purpose.FOLLOWUP: _(
            "Follow-ups already recorded stay, and still count, without a name, in the outcome "
            "figures."
        ),
        Purpose.RECORDS_LIST: _(
            "They still count, without a name, in the figures the centre reports to INDH."
        ),
    }
    return [
        str(stops[purpose]),
        str(keeps[purpose]),
        _(
            "The law requires the centre to keep the consent they gave, this objection (date and "
            "channel) and the records of the training it funded until their retention period ends."
        ),
    ]


@role_required(*REGISTRY_WRITE_ROLES)
def person_objection(request, pk: int):
    """Record an objection (or a withdrawn consent) for one purpose: the form (GET), then the
    confirmation page saying what stops and what the centre must keep (GET with the form's
    answers), then the record (POST with the confirmation; without it: 400, nothing written)."""
    from django.urls import reverse

    person = selectors.person_get_for_coordinator(request.user, pk)
    data = request.POST if request.method == "POST" else (request.GET or None)
    form = ObjectionForm(data, initial={"received_on": timezone.localdate()})
    if data is not None and form.is_valid():
        cleaned = form.cleaned_data
        if not confirmed(request):
            return confirm_page(
                request,
                title=_("Objection of %(name)s: %(purpose)s")
                % {
                    "name": person.full_name_latin,
                    "purpose": Purpose(cleaned["purpose"]).label,
                },
                consequences=_objection_consequences(person, cleaned["purpose"]),
                action=request.path,
                fields={
                    "purpose": cleaned["purpose"],
                    "channel": cleaned["channel"],
                    "received_on": cleaned["received_on"].isoformat(),
                    "note": cleaned["note"],
                },
                button=_("Record the objection"),
                back=reverse("registry:person_detail", args=[person.pk]),
                danger=False,
                refusal=_("This objection is already recorded.")
                if selectors.has_objected(person, cleaned["purpose"])
                else None,
            )
        try:
            services.objection_record(person=person, actor=request.user, **cleaned)
        except ValidationError as exc:
            _form_errors_to(form, exc)
        else:
            messages.success(request, _("The objection is recorded and applies from now on."))
            return redirect("registry:person_detail", pk=person.pk)
    status = 400 if form.errors else 200
    personal_data_read(user=request.user, persons=[person], kind=Kind.PAGE, request=request)
    return render(
        request,
        "registry/person_objection.html",
        {"form": form, "person": person, "objections": person.objections.all()},
        status=status,
    )


@role_required(*REGISTRY_WRITE_ROLES)
def person_erase(request, pk: int):
    """Erasure on request: the confirmation page (GET), then the person's identity replaced
    (POST with the confirmation; without it: 400, nothing written)."""
    from django.urls import reverse

    person = selectors.person_get_for_coordinator(request.user, pk)
    if not confirmed(request):
        refusal = None
        if person.anonymised_at is not None:
            refusal = _("This record is already anonymised.")
        elif person.is_merged:
            refusal = _("This record was merged: erase the record it was merged into.")
        personal_data_read(user=request.user, persons=[person], kind=Kind.PAGE, request=request)
        return confirm_page(
            request,
            title=_("Erase the identity of %(name)s") % {"name": person.full_name_latin},
            consequences=[
                _(
                    "Their names, CIN, phone, disability and household index are replaced at "
                    "once; their search words, intake copies and the texts of SMS sent to them "
                    "are deleted; the mentors' notes about them are blanked."
                ),
                _(
                    "Their applications, enrolments, attendance, certificates and follow-ups are "
                    "kept without a name, so that past figures stay the same, as the law allows "
                    "for statistics."
                ),
                _("This cannot be undone."),
            ],
            action=request.path,
            button=_("Erase the identity"),
            back=reverse("registry:person_detail", args=[person.pk]),
            refusal=refusal,
        )
    try:
        services.person_erase(person=person, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The person's identity is erased."))
    return redirect("registry:person_detail", pk=person.pk)


@role_required(*REGISTRY_WRITE_ROLES)
def read_log(request):
    """Who read what: the centre's read log, searchable by person, staff member, dates and kind
    (coordinators and administrators). The page names persons, so showing it is a read too."""
    form = ReadLogSearchForm(
        request.GET or None, staff_queryset=selectors.read_log_staff(request.user)
    )
    filters = {}
    status = 200
    if request.GET and not form.is_valid():
        status = 400
    elif form.is_bound:
        data = form.cleaned_data
        person = data["person"].strip()
        filters = {
            "person_ids": selectors.read_log_person_ids(request.user, person) if person else None,
            "staff": data["staff"],
            "date_from": data["date_from"],
            "date_to": data["date_to"],
            "kind": data["kind"],
        }
    reads = selectors.read_log_for_user(request.user, **filters) if status == 200 else []
    page = Paginator(reads, 50).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    shown = selectors.read_persons(page.object_list, person_ids=filters.get("person_ids") or ())
    rows = [(read, shown.get(read.pk, [])) for read in page.object_list]
    personal_data_read(
        user=request.user,
        persons=[p for _read, persons in rows for p in persons],
        kind=Kind.LIST,
        request=request,
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "registry/read_log.html",
        {"form": form, "page": page, "rows": rows, "query": query.urlencode()},
        status=status,
    )
