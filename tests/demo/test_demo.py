import pytest

from markaz.core.models import StaffProfile
from markaz.demo.load import DEMO_PASSWORD, DEMO_USERS, demo_load
from markaz.registry.models import DuplicateFlag, Person

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("territory")]


def test_demo_loads_everything_and_twice_changes_nothing():
    result = demo_load()
    centre = result["centre"]
    assert (centre.floor_area_m2, centre.max_occupancy) == (600, 100)
    assert sum(r.capacity for r in centre.rooms.all()) == 100
    assert {r.kind for r in centre.rooms.all()} == {"training", "mentoring", "applied", "children"}
    assert StaffProfile.objects.count() >= len(DEMO_USERS) == 6  # plus the other trainers
    people = Person.objects.filter(centre=centre)
    assert people.count() >= 300
    assert people.values("commune").distinct().count() >= 15
    assert 0 < people.filter(eligible=False).count() < people.filter(eligible=True).count()
    assert people.exclude(first_name_ar="").count() == people.count()
    assert DuplicateFlag.objects.filter(status="open").count() >= 5
    from markaz.registry.models import IntakeConflict

    held = IntakeConflict.objects.get(centre=centre)  # someone applied first with this CIN
    assert held.submitted["conflict"] == ["birth_date", "phone"]
    counts = (
        Person.objects.count(),
        DuplicateFlag.objects.count(),
        StaffProfile.objects.count(),
        IntakeConflict.objects.count(),
    )
    mentoring = _check_mentoring_demo(centre)
    outbox = _check_outbox_demo()

    second = demo_load()
    assert second["applicants_created"] == 0
    assert (
        Person.objects.count(),
        DuplicateFlag.objects.count(),
        StaffProfile.objects.count(),
        IntakeConflict.objects.count(),
    ) == counts
    assert _mentoring_counts(centre) == mentoring
    assert _outbox_counts() == outbox
    _check_demo_kiosk(centre, result["kiosk_pairing_code"], second["kiosk_pairing_code"])


def _check_demo_kiosk(centre, first_code, code):
    """One entrance tablet for Berkane, paired with the code load_demo prints (the earlier
    load's code was replaced); the paired tablet runs the door without any staff login."""
    from django.core.exceptions import ValidationError
    from django.test import Client

    from markaz.centre.models import KioskDevice
    from markaz.centre.services import KIOSK_COOKIE

    assert KioskDevice.objects.filter(centre=centre).count() == 1
    assert first_code != code
    tablet = Client()
    assert tablet.post("/kiosk/pair/", {"code": first_code}).status_code == 400
    response = tablet.post("/kiosk/pair/", {"code": code})
    assert response.status_code == 302
    page = tablet.get("/kiosk/")
    assert page.status_code == 200 and response.cookies[KIOSK_COOKIE].value in page.content.decode()
    with pytest.raises(ValidationError):
        from markaz.centre.services import kiosk_device_pair

        kiosk_device_pair(code=code)


def _outbox_counts() -> dict:
    from django.db.models import Count

    from markaz.core.models import OutboxMessage

    rows = OutboxMessage.objects.values("status").annotate(n=Count("pk"))
    return {row["status"]: row["n"] for row in rows}


def _check_outbox_demo() -> dict:
    """A realistic outbox: most delivered, a few sent or queued, one failed with the provider's
    reason, one youth who answered STOP; staff alerts on the staff's phone and e-mail."""
    from markaz.core.models import OutboxMessage, SmsOptOut

    counts = _outbox_counts()
    assert counts["delivered"] > 100 and counts["sent"] >= 5 and counts["queued"] == 3
    assert counts["failed"] == 1 and counts["stopped"] >= 1
    failed = OutboxMessage.objects.get(status="failed")
    assert "Absent subscriber" in failed.last_error
    stop = SmsOptOut.objects.get()
    assert stop.source == "reply"
    assert OutboxMessage.objects.filter(phone=stop.phone, status="stopped").exists()
    kinds = set(OutboxMessage.objects.values_list("kind", flat=True))
    assert {"offer", "caravan_visit", "absence_streak"} <= kinds
    alerts = OutboxMessage.objects.filter(kind="absence_streak")
    assert {"sms", "email"} <= set(alerts.values_list("channel", flat=True))
    return counts


def _mentoring_counts(centre) -> tuple:
    from markaz.core.models import OutboxMessage
    from markaz.mentoring.models import (
        Baseline,
        FollowUp,
        MentorAssignment,
        MentoringNote,
        MentoringSession,
    )

    return (
        MentorAssignment.objects.filter(centre=centre).count(),
        MentoringSession.objects.filter(centre=centre).count(),
        MentoringNote.objects.filter(centre=centre).count(),
        Baseline.objects.filter(centre=centre).count(),
        FollowUp.objects.filter(centre=centre).count(),
        OutboxMessage.objects.filter(kind="followup_reminder").count(),
    )


def _check_mentoring_demo(centre) -> tuple:
    """The mentoring demo: mentors with balanced caseloads, sessions past and coming, and a 2025
    history whose outcomes make the year's indicators meaningful."""
    import datetime as dt

    from django.db.models import Count
    from django.utils import timezone

    from markaz.centre.models import YearPlan
    from markaz.learning.models import Certificate, Completion
    from markaz.mentoring.models import (
        INSERTED_STATUSES,
        FollowUp,
        MentorAssignment,
        MentoringSession,
        MentorProfile,
    )
    from markaz.programmes.models import Cohort

    assert MentorProfile.objects.filter(centre=centre).count() == 4
    loads = dict(
        MentorAssignment.objects.filter(centre=centre, ended_at__isnull=True)
        .values("mentor__username")
        .annotate(n=Count("pk"))
        .values_list("mentor__username", "n")
    )
    assert set(loads) == {"mentor", "mentor2", "mentor3", "mentor4"}
    assert max(loads.values()) <= 25 and min(loads.values()) >= 8, loads
    now = timezone.now()
    sessions = MentoringSession.objects.filter(centre=centre)
    assert sessions.filter(starts_at__lt=now).exists() and sessions.filter(starts_at__gt=now)
    assert set(YearPlan.objects.filter(centre=centre).values_list("year", flat=True)) >= {
        2025,
        2026,
    }
    history = Cohort.objects.filter(centre=centre, end_date__year=2025, status="finished")
    assert history.count() == 4
    completions = Completion.objects.filter(enrolment__cohort__in=history)
    assert 0.75 < completions.filter(completed=True).count() / completions.count() < 0.95
    assert Certificate.objects.filter(enrolment__cohort__in=history).count() == (
        completions.filter(completed=True).count()
    )
    done = FollowUp.objects.filter(enrolment__cohort__in=history).exclude(status="pending")
    reached = done.filter(status="reached")
    assert 0.7 <= reached.count() / done.count() <= 0.85
    m12 = reached.filter(milestone="m12")
    inserted = m12.filter(employment_status__in=INSERTED_STATUSES)
    assert 0.35 <= inserted.count() / m12.count() <= 0.6
    incomes = [i for i in inserted.values_list("monthly_income_mad", flat=True) if i]
    assert min(incomes) >= 1500 and max(incomes) <= 6000
    assert FollowUp.objects.filter(business_created=True, jobs_created__gt=0).exists()
    # Reminders for the follow-ups due in the coming week were queued once.
    soon = FollowUp.objects.filter(
        status="pending",
        due_on__gte=timezone.localdate(),
        due_on__lte=timezone.localdate() + dt.timedelta(days=7),
    ).exclude(person__phone="")
    assert soon.filter(reminder_queued_at__isnull=True).count() == 0
    return _mentoring_counts(centre)


def test_demo_logins_work(client):
    demo_load()
    for username, *_ in DEMO_USERS:
        response = client.post("/login/", {"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, username
        # The province's dashboard is the protected indicators (issue 12).
        assert client.get("/dashboard/", follow=True).status_code == 200
        client.post("/logout/")
