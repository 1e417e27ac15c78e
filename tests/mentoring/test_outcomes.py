"""Outcomes: the baseline at intake, follow-ups scheduled at exit, +3, +6 and +12 months
(idempotent), their recording (reached or not reached), bad input refused with nothing written,
and SMS reminders queued once and sent by `send_outbox`."""

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from markaz.core import sms
from markaz.core.models import AuditEvent, OutboxMessage
from markaz.learning import services as learning
from markaz.learning.models import CompletionRule
from markaz.mentoring import rules, services
from markaz.mentoring.models import Baseline, FollowUp
from markaz.programmes.models import Enrolment
from tests.factories import CohortFactory, EnrolmentFactory, PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ended_cohort(centre, programme):
    return CohortFactory(
        centre=centre,
        programme=programme,
        code="WEB-P26",
        start_date=dt.date(2026, 2, 2),
        end_date=dt.date(2026, 5, 31),
        status="finished",
    )


@pytest.fixture
def alumna(ended_cohort, mentor, mentor_profile):
    """Amal finished WEB-P26 and is followed by the mentor; registered on 20 January 2026."""
    from .conftest import assign

    person = PersonFactory(
        centre=ended_cohort.centre,
        first_name_latin="Amal",
        last_name_latin="Ziani",
        first_name_ar="أمل",
        last_name_ar="الزياني",
        phone="+212612000111",
    )
    type(person).objects.filter(pk=person.pk).update(
        created_at=dt.datetime(2026, 1, 20, 10, tzinfo=timezone.get_current_timezone())
    )
    person.refresh_from_db()
    EnrolmentFactory(cohort=ended_cohort, person=person)
    assign(person, mentor)
    return person


@pytest.fixture
def followups(alumna):
    return {f.milestone: f for f in services.followups_schedule(enrolment=alumna.enrolments.get())}


def rows():
    """Everything a refused write must leave as it was."""
    return (
        list(FollowUp.objects.order_by("pk").values()),
        list(Baseline.objects.order_by("pk").values()),
        AuditEvent.objects.count(),
    )


# --- Scheduling --------------------------------------------------------------------------------


def test_add_months_keeps_the_day_or_the_months_end():
    assert rules.add_months(dt.date(2025, 8, 31), 3) == dt.date(2025, 11, 30)
    assert rules.add_months(dt.date(2025, 12, 6), 12) == dt.date(2026, 12, 6)
    assert rules.add_months(dt.date(2024, 2, 29), 12) == dt.date(2025, 2, 28)


def test_followups_are_scheduled_once_at_exit_3_6_12_months(alumna, followups):
    assert {m: f.due_on for m, f in followups.items()} == {
        "exit": dt.date(2026, 5, 31),
        "m3": dt.date(2026, 8, 31),
        "m6": dt.date(2026, 11, 30),
        "m12": dt.date(2027, 5, 31),
    }
    enrolment = alumna.enrolments.get()
    assert services.followups_schedule(enrolment=enrolment) == []
    assert FollowUp.objects.count() == 4
    # A pending follow-up moves with the cohort's end date; a recorded one stays.
    FollowUp.objects.filter(milestone="exit").update(status="reached", contacted_on="2026-06-02")
    enrolment.cohort.end_date = dt.date(2026, 6, 14)
    enrolment.cohort.save()
    services.followups_schedule(enrolment=Enrolment.objects.get(pk=enrolment.pk))
    dates = dict(FollowUp.objects.values_list("milestone", "due_on"))
    assert dates["exit"] == dt.date(2026, 5, 31) and dates["m3"] == dt.date(2026, 9, 14)


def test_a_withdrawn_enrolment_has_no_pending_followups(alumna, followups):
    enrolment = alumna.enrolments.get()
    enrolment.withdrawn_at = timezone.now()
    enrolment.save()
    services.followups_schedule(enrolment=enrolment)
    assert not FollowUp.objects.exists()


def test_schedule_followups_command_is_idempotent(alumna, cohort, youth):
    out = io.StringIO()
    call_command("schedule_followups", stdout=out)
    assert "4 new, for 1 ended cohorts" in out.getvalue()
    # The running cohort (ends in 50 days) is not scheduled yet.
    assert set(FollowUp.objects.values_list("person_id", flat=True)) == {alumna.pk}
    out = io.StringIO()
    call_command("schedule_followups", stdout=out)
    assert "0 new" in out.getvalue()
    assert FollowUp.objects.count() == 4


def test_deciding_completions_schedules_the_followups(coordinator, cohort, youth):
    CompletionRule.objects.create(
        programme=cohort.programme, min_attendance_percent=0, requires_evaluation=False
    )
    learning.completions_decide_cohort(cohort=cohort, actor=coordinator)
    assert FollowUp.objects.filter(enrolment__cohort=cohort).count() == 4 * len(youth)
    learning.completions_decide_cohort(cohort=cohort, actor=coordinator)
    assert FollowUp.objects.filter(enrolment__cohort=cohort).count() == 4 * len(youth)


# --- Recording ---------------------------------------------------------------------------------


def test_a_reached_followup(mentor, followups):
    f = services.followup_record(
        followup=followups["m3"],
        actor=mentor,
        reached=True,
        contacted_on=dt.date(2026, 9, 2),
        employment_status="self",
        monthly_income_mad="3200",
        sector="Couture",
        formal=False,
        business_created=True,
        jobs_created=2,
    )
    assert (f.status, f.attempts, f.income_band) == ("reached", 1, "3000-4999")
    assert (f.monthly_income_mad, f.jobs_created, f.recorded_by) == (Decimal("3200.00"), 2, mentor)


def test_could_not_be_reached_counts_attempts_and_is_neither_success_nor_failure(mentor, followups):
    f = followups["exit"]
    for _ in range(2):
        f = services.followup_record(followup=f, actor=mentor, reached=False)
    assert (f.status, f.attempts, f.employment_status, f.contacted_on) == ("unreached", 2, "", None)
    f = services.followup_record(
        followup=f,
        actor=mentor,
        reached=True,
        contacted_on=dt.date(2026, 6, 10),
        employment_status="unemployed",
        monthly_income_mad="0",
    )
    assert (f.status, f.attempts, f.income_band) == ("reached", 3, "0")
    with pytest.raises(ValidationError):  # a reached youth is not "unreached" afterwards
        services.followup_record(followup=f, actor=mentor, reached=False)


@pytest.mark.parametrize(
    ("changes", "field", "match"),
    [
        ({"monthly_income_mad": "-1"}, "monthly_income_mad", "cannot be negative"),
        ({"monthly_income_mad": "1000000.01"}, "monthly_income_mad", "largest plausible income"),
        ({"contacted_on": dt.date(2026, 1, 19)}, "contacted_on", "before the youth's intake"),
        ({"contacted_on": "tomorrow"}, "contacted_on", "cannot be in the future"),
        ({"employment_status": ""}, "employment_status", "Choose what the youth does"),
        ({"jobs_created": 3}, "jobs_created", "business the youth created"),
    ],
)
def test_bad_followups_write_nothing(mentor, followups, changes, field, match):
    data = {
        "reached": True,
        "contacted_on": dt.date(2026, 9, 1),
        "employment_status": "wage",
        "monthly_income_mad": "2800",
    }
    data.update(changes)
    if data["contacted_on"] == "tomorrow":
        data["contacted_on"] = timezone.localdate() + dt.timedelta(days=1)
    before = rows()
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.followup_record(followup=followups["m3"], actor=mentor, **data)
    assert field in exc.value.error_dict
    assert match in " ".join(exc.value.error_dict[field][0].messages)
    assert rows() == before


def test_intake_is_the_earlier_of_registration_and_baseline(mentor, alumna, followups):
    services.baseline_record(
        person=alumna,
        recorded_on=dt.date(2026, 1, 5),
        employment_status="unemployed",
        monthly_income_mad=0,
        actor=mentor,
    )
    f = services.followup_record(
        followup=followups["exit"],
        actor=mentor,
        reached=True,
        contacted_on=dt.date(2026, 1, 10),
        employment_status="unemployed",
    )
    assert f.contacted_on == dt.date(2026, 1, 10)


@pytest.mark.parametrize(
    ("income", "match"),
    [("-50", "cannot be negative"), ("2000000", "largest plausible income")],
)
def test_bad_baselines_write_nothing(mentor, alumna, income, match):
    before = rows()
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.baseline_record(
            person=alumna,
            recorded_on=dt.date(2026, 1, 20),
            employment_status="unemployed",
            monthly_income_mad=income,
            actor=mentor,
        )
    assert match in " ".join(exc.value.messages)
    assert rows() == before


def test_a_baseline_with_a_band_only(mentor, alumna):
    b = services.baseline_record(
        person=alumna,
        recorded_on=dt.date(2026, 1, 20),
        employment_status="wage",
        income_band="lt1500",
        sector="Agriculture",
        formal=False,
        actor=mentor,
    )
    assert (b.monthly_income_mad, b.income_band, b.formal) == (None, "lt1500", False)


def test_another_mentor_cannot_record_a_followup(other_mentor, followups):
    from django.core.exceptions import PermissionDenied

    before = rows()
    with pytest.raises(PermissionDenied):
        services.followup_record(followup=followups["exit"], actor=other_mentor, reached=False)
    assert rows() == before


# --- Pages -------------------------------------------------------------------------------------


def test_the_due_list_puts_overdue_first_and_the_form_records(client, mentor, followups):
    client.force_login(mentor)
    response = client.get(reverse("mentoring:followup_list"))
    assert response.status_code == 200
    due = list(response.context["due"])
    today = timezone.localdate()
    assert due == sorted(due, key=lambda f: f.due_on)
    assert all(f.due_on <= today + dt.timedelta(days=30) for f in due)
    assert due[0].milestone == "exit"
    url = reverse("mentoring:followup_record", args=[followups["exit"].pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "outcome": "reached",
            "contacted_on": "2026-06-03",
            "employment_status": "wage",
            "monthly_income_mad": "3 100,50",
            "income_band": "",
            "sector": "Commerce",
            "formal": "yes",
            "jobs_created": "",
        },
    )
    assert response.status_code == 302
    f = FollowUp.objects.get(pk=followups["exit"].pk)
    assert (f.status, f.monthly_income_mad, f.formal) == ("reached", Decimal("3100.50"), True)
    page = client.get(reverse("mentoring:followup_list")).content.decode()
    assert f'id="followup-{f.pk}" data-status="reached"' in page


def test_bad_income_on_the_form_says_why_in_arabic_and_writes_nothing(client, mentor, followups):
    client.force_login(mentor)
    client.cookies["markaz_language"] = "ar"
    before = rows()
    response = client.post(
        reverse("mentoring:followup_record", args=[followups["exit"].pk]),
        {
            "outcome": "reached",
            "contacted_on": "2026-06-03",
            "employment_status": "wage",
            "monthly_income_mad": "-300",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert "invalid-feedback" in html
    assert rows() == before


def test_unreached_from_the_form(client, mentor, followups):
    client.force_login(mentor)
    url = reverse("mentoring:followup_record", args=[followups["exit"].pk])
    response = client.post(url, {"outcome": "unreached", "monthly_income_mad": "abc"})
    assert response.status_code == 302
    f = FollowUp.objects.get(pk=followups["exit"].pk)
    assert (f.status, f.attempts, f.monthly_income_mad) == ("unreached", 1, None)


def test_baseline_page(client, mentor, alumna):
    client.force_login(mentor)
    url = reverse("mentoring:baseline_edit", args=[alumna.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "recorded_on": "2026-01-20",
            "employment_status": "unemployed",
            "monthly_income_mad": "1000001",
        },
    )
    assert response.status_code == 400
    assert not Baseline.objects.exists()
    response = client.post(
        url,
        {"recorded_on": "2026-01-20", "employment_status": "unemployed", "monthly_income_mad": "0"},
    )
    assert response.status_code == 302
    assert Baseline.objects.get().income_band == "0"


# --- Reminders and the SMS outbox --------------------------------------------------------------


def test_reminders_are_queued_once_in_the_youths_language(alumna, followups, youth, cohort):
    today = dt.date(2026, 11, 25)  # the +6 months follow-up is due on 30 November
    assert services.followup_reminders_queue(today=today) == 1
    message = OutboxMessage.objects.get()
    assert (message.phone, message.kind) == ("+212612000111", "followup_reminder")
    assert "أمل" in message.body and "30/11/2026" in message.body
    assert services.followup_reminders_queue(today=today) == 0
    assert services.followup_reminders_queue(today=today + dt.timedelta(days=1)) == 0
    assert OutboxMessage.objects.count() == 1
    # In French for a French speaker.
    alumna.preferred_language = "fr"
    alumna.save()
    FollowUp.objects.update(reminder_queued_at=None)
    OutboxMessage.objects.all().delete()
    services.followup_reminders_queue(today=today)
    with translation.override("fr"):
        assert "Amal" in OutboxMessage.objects.get().body


def test_no_reminder_without_a_phone_or_when_done(alumna, followups, mentor):
    today = dt.date(2026, 11, 25)
    services.followup_record(followup=followups["m6"], actor=mentor, reached=False)
    assert services.followup_reminders_queue(today=today) == 0
    alumna.phone = ""
    alumna.save()
    FollowUp.objects.filter(milestone="m6").update(status="pending")
    assert services.followup_reminders_queue(today=today) == 0
    assert not OutboxMessage.objects.exists()


def test_reminder_command(alumna, followups):
    out = io.StringIO()
    call_command("followup_reminders", "--today", "2026-11-25", stdout=out)
    assert "queued: 1" in out.getvalue()


class FlakyBackend:
    sent: list = []

    def send(self, phone, text):
        if phone.endswith("13"):
            raise ConnectionError("gateway down")
        FlakyBackend.sent.append(phone)
        return f"flaky-{len(FlakyBackend.sent)}"


def test_send_outbox_sends_once_and_a_failure_does_not_stop_the_others(centre):
    FlakyBackend.sent = []
    for phone in ("+212612000011", "+212612000013", "+212612000015", ""):
        OutboxMessage.objects.create(centre=centre, phone=phone, kind="t", subject="s", body="b")
    result = sms.outbox_deliver(backend=FlakyBackend())
    # The failing one is put back for a later attempt; the one without a phone fails for good.
    assert (result.sent, result.retried, result.failed) == (2, 1, 1)
    assert FlakyBackend.sent == ["+212612000011", "+212612000015"]
    assert set(
        OutboxMessage.objects.filter(sent_at__isnull=True).values_list("phone", flat=True)
    ) == {"+212612000013", ""}
    # Run again once its backoff has passed: only the failed one is tried again.
    later = timezone.now() + dt.timedelta(hours=1)
    result = sms.outbox_deliver(backend=FlakyBackend(), now=later)
    assert (result.sent, result.retried, result.failed) == (0, 1, 0)
    assert len(FlakyBackend.sent) == 2
    assert OutboxMessage.objects.get(phone="+212612000013").attempts == 2


def test_send_outbox_command_with_the_file_backend(settings, tmp_path, centre):
    settings.MARKAZ_SMS_BACKEND = "markaz.core.sms.FileBackend"
    settings.MARKAZ_SMS_FILE = tmp_path / "sms.log"
    OutboxMessage.objects.create(
        centre=centre, phone="+212612000011", kind="t", subject="s", body="مرحبا"
    )
    out = io.StringIO()
    call_command("send_outbox", stdout=out)
    assert "SMS sent: 1, failed: 0." in out.getvalue()
    line = json.loads((tmp_path / "sms.log").read_text(encoding="utf-8").strip())
    assert (line["phone"], line["text"]) == ("+212612000011", "مرحبا")
    call_command("send_outbox", stdout=io.StringIO())
    assert len((tmp_path / "sms.log").read_text(encoding="utf-8").splitlines()) == 1
    assert OutboxMessage.objects.get().sent_at is not None


def test_console_and_memory_backends():
    stream = io.StringIO()
    assert sms.ConsoleBackend(stream).send("+212612000011", "Salam").startswith("console-")
    assert "Salam" in stream.getvalue()
    sms.MemoryBackend.sent.clear()
    sms.get_backend("markaz.core.sms.MemoryBackend").send("+212612000011", "x")
    assert sms.MemoryBackend.sent[0]["phone"] == "+212612000011"


def test_overdue_follow_ups_alert_the_mentor_by_phone_once_a_day(alumna, followups, mentor):
    from markaz.core.models import StaffProfile

    StaffProfile.objects.filter(user=mentor).update(phone="+212661234567")
    day = max(f.due_on for f in followups.values()) + dt.timedelta(days=1)
    assert services.followups_overdue_alert(today=day) == 1
    alert = OutboxMessage.objects.get(kind="followup_overdue")
    assert (alert.recipient, alert.phone, alert.channel) == (mentor, "+212661234567", "sms")
    assert f"{len(followups)}" in alert.body and "Amal Ziani" in alert.body
    assert services.followups_overdue_alert(today=day) == 0  # once a day
    assert services.followups_overdue_alert(today=day + dt.timedelta(days=1)) == 1
    for followup in followups.values():
        services.followup_record(followup=followup, actor=mentor, reached=False)
    assert services.followups_overdue_alert(today=day + dt.timedelta(days=2)) == 0
