"""Job fairs: registrations pre-filled from the matching, the schedule made by the engine in a
background job (rules respected), a manual edit that breaks a rule refused with nothing written,
late changes re-planned keeping the interviews held, SMS queued in each youth's language, the
printable card in French and Arabic, the employer's list, and the pages by persona."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from markaz.core.models import Job, OutboxMessage
from markaz.engine import jobfair
from markaz.jobs import selectors_fairs as fair_sel
from markaz.jobs import services_fairs as fair_services
from markaz.jobs.models import Employer, FairInterview, FairWish, FairYouth, JobFair

pytestmark = pytest.mark.django_db


def next_weekday(weekday: int = 2, after_days: int = 3) -> dt.date:
    day = timezone.localdate() + dt.timedelta(days=after_days)
    while day.weekday() != weekday:
        day += dt.timedelta(days=1)
    return day


def make_fair(centre, coordinator, **over) -> JobFair:
    data = {
        "centre": centre,
        "name_fr": "Forum de l'emploi de Saïdia",
        "name_ar": "ملتقى التشغيل بالسعيدية",
        "date": next_weekday(),
        "start_time": dt.time(9, 0),
        "end_time": dt.time(10, 0),
        "slot_minutes": 20,
        "place": "centre",
        "actor": coordinator,
    }
    data.update(over)
    return fair_services.fair_save(**data)


@pytest.fixture
def fair(centre, coordinator, employer, internship, youth, saidia):
    """3 slots; the Saïdia hotel (2 tables) with an open internship, a second employer with one
    table; the three youth registered, their wishes pre-filled from the matching."""
    fair = make_fair(centre, coordinator)
    other = Employer.objects.create(
        centre=centre, name="Résidence Marina", kind="company", sector="tourism", commune=saidia
    )
    hotel = fair_services.fair_employer_register(
        fair=fair, employer=employer, tables=2, max_interviews=6, actor=coordinator
    )
    marina = fair_services.fair_employer_register(
        fair=fair, employer=other, tables=1, max_interviews=3, actor=coordinator
    )
    for person in youth:
        fair_services.fair_youth_register(
            fair=fair,
            person=person,
            max_interviews=2,
            employers=[hotel, marina],
            actor=coordinator,
        )
    return fair


def schedule(fair, coordinator, django_capture_on_commit_callbacks, **kw):
    with django_capture_on_commit_callbacks(execute=True):
        fair_services.fair_schedule_start(fair=fair, actor=coordinator, **kw)
    fair.refresh_from_db()
    return fair


def test_slots_are_generated_from_the_times(fair):
    slots = fair_sel.fair_slots(fair)
    assert [s.index for s in slots] == [0, 1, 2]
    assert [s.label for s in slots] == ["09:00–09:20", "09:20–09:40", "09:40–10:00"]


def test_wishes_prefilled_from_matching(centre, coordinator, employer, internship, youth):
    fair = make_fair(centre, coordinator)
    hotel = fair_services.fair_employer_register(
        fair=fair, employer=employer, tables=1, max_interviews=4, actor=coordinator
    )
    salma = fair_services.fair_youth_register(
        fair=fair, person=youth[0], max_interviews=2, actor=coordinator
    )
    wish = FairWish.objects.get(youth=salma)
    assert wish.employer == hotel
    assert wish.value >= 1
    # The youth got a badge for the door.
    assert youth[0].badges.filter(revoked_at__isnull=True).exists()


def test_schedule_built_by_the_background_job_respects_rules(
    fair, coordinator, django_capture_on_commit_callbacks
):
    fair = schedule(fair, coordinator, django_capture_on_commit_callbacks)
    assert fair.status == "scheduled"
    assert Job.objects.get(pk=fair.job_id).status == "done"
    interviews = fair_sel.fair_interviews_engine(fair)
    assert jobfair.check_schedule(fair_sel.fair_instance(fair), interviews) == []
    # Every youth has an interview (3 slots, 3 tables per slot: everyone fits).
    assert {iv.youth for iv in interviews} == set(fair.youth.values_list("pk", flat=True))
    assert fair.result["youth_with_interview"] == 3


def test_manual_edit_twice_in_a_slot_refused_nothing_written(
    fair, coordinator, django_capture_on_commit_callbacks
):
    fair = schedule(fair, coordinator, django_capture_on_commit_callbacks)
    iv = FairInterview.objects.filter(fair=fair).first()
    other = fair.employers.exclude(pk=iv.employer_id).get()
    FairInterview.objects.filter(youth=iv.youth, employer=other).delete()
    before = sorted(FairInterview.objects.values_list("youth", "employer", "slot"))
    with pytest.raises(ValidationError) as exc:
        fair_services.fair_interview_save(
            fair=fair, youth=iv.youth, employer=other, slot=iv.slot, actor=coordinator
        )
    assert _("This youth already has an interview in that slot.") in exc.value.messages
    assert sorted(FairInterview.objects.values_list("youth", "employer", "slot")) == before


def test_manual_edit_table_full_refused(fair, coordinator):
    marina = fair.employers.get(tables=1)
    a, b = fair.youth.all()[:2]
    fair_services.fair_interview_save(
        fair=fair, youth=a, employer=marina, slot=0, actor=coordinator
    )
    with pytest.raises(ValidationError) as exc:
        fair_services.fair_interview_save(
            fair=fair, youth=b, employer=marina, slot=0, actor=coordinator
        )
    assert _("Every table of this employer is taken in that slot.") in exc.value.messages
    assert FairInterview.objects.filter(fair=fair).count() == 1


def test_manual_edit_valid_is_saved(fair, coordinator):
    hotel = fair.employers.get(tables=2)
    a = fair.youth.first()
    iv = fair_services.fair_interview_save(
        fair=fair, youth=a, employer=hotel, slot=1, actor=coordinator
    )
    assert iv.manual and iv.slot == 1


def test_replan_keeps_held_interviews(fair, coordinator, django_capture_on_commit_callbacks):
    fair = schedule(fair, coordinator, django_capture_on_commit_callbacks)
    held = set(
        FairInterview.objects.filter(fair=fair, slot=0).values_list("youth", "employer", "slot")
    )
    assert held
    marina = fair.employers.get(tables=1)
    fair_services.fair_employer_leaves(employer=marina, from_slot=1, actor=coordinator)
    fair = schedule(fair, coordinator, django_capture_on_commit_callbacks, replan_from=1)
    after = set(FairInterview.objects.filter(fair=fair).values_list("youth", "employer", "slot"))
    assert held <= after
    # The employer that left holds nothing from slot 1 on.
    assert not FairInterview.objects.filter(employer=marina, slot__gte=1).exists()
    assert fair.result["replan_from"] == 1


def test_absent_youth_loses_later_interviews(fair, coordinator, django_capture_on_commit_callbacks):
    fair = schedule(fair, coordinator, django_capture_on_commit_callbacks)
    absent = fair.youth.first()
    fair_services.fair_youth_absent(youth=absent, actor=coordinator)
    fair = schedule(fair, coordinator, django_capture_on_commit_callbacks, replan_from=1)
    assert not FairInterview.objects.filter(youth=absent, slot__gte=1).exists()


def test_sms_queued_in_the_persons_language(
    fair, coordinator, youth, django_capture_on_commit_callbacks
):
    youth[0].phone, youth[0].preferred_language = "0661112233", "fr"
    youth[0].save()
    youth[1].phone, youth[1].preferred_language = "0662223344", "ar"
    youth[1].save()
    fair = schedule(fair, coordinator, django_capture_on_commit_callbacks)
    n = fair_services.fair_schedule_notify(fair=fair, actor=coordinator)
    assert n >= 2
    fr = OutboxMessage.objects.get(phone="0661112233", kind="jobfair_schedule")
    ar = OutboxMessage.objects.get(phone="0662223344", kind="jobfair_schedule")
    assert "Forum de l'emploi" in fr.body and fr.language == "fr"
    assert "ملتقى التشغيل" in ar.body and ar.language == "ar"
    # Sending again queues nothing new (same schedule).
    assert fair_services.fair_schedule_notify(fair=fair, actor=coordinator) == 0


def test_building_maximum_refuses_too_many(centre, coordinator, employer):
    centre.max_occupancy = 2
    centre.save()
    fair = make_fair(centre, coordinator)
    with pytest.raises(ValidationError) as exc:
        fair_services.fair_employer_register(
            fair=fair, employer=employer, tables=3, max_interviews=6, actor=coordinator
        )
    assert "2" in exc.value.messages[0] and "3" in exc.value.messages[0]
    assert not fair.employers.exists()


def test_fair_elsewhere_needs_address(centre, coordinator, saidia):
    with pytest.raises(ValidationError):
        make_fair(centre, coordinator, place="elsewhere", commune=saidia)
    assert not JobFair.objects.exists()
    fair = make_fair(
        centre, coordinator, place="elsewhere", address="Salle municipale", commune=saidia
    )
    assert fair.room is None


def test_door_pass_on_fair_day(fair, youth):
    assert fair_sel.fair_door_pass(centre_id=fair.centre_id, person_id=youth[0].pk, day=fair.date)
    assert not fair_sel.fair_door_pass(
        centre_id=fair.centre_id, person_id=youth[0].pk, day=fair.date + dt.timedelta(days=1)
    )


def test_mentor_cannot_schedule(fair, mentor):
    with pytest.raises(PermissionDenied):
        fair_services.fair_schedule_start(fair=fair, actor=mentor)


# --- Pages ------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_pages_open_for_coordinator(
    client, fair, coordinator, language, django_capture_on_commit_callbacks
):
    fair = schedule(fair, coordinator, django_capture_on_commit_callbacks)
    client.force_login(coordinator)
    client.cookies["django_language"] = language
    fy = fair.youth.first()
    fe = fair.employers.first()
    for url in [
        reverse("jobs:fair_list"),
        reverse("jobs:fair_create"),
        reverse("jobs:fair_detail", args=[fair.pk]),
        reverse("jobs:fair_edit", args=[fair.pk]),
        reverse("jobs:fair_sheet", args=[fair.pk, fe.pk]),
    ]:
        assert client.get(url).status_code == 200, url
    for lang, word in [("fr", "Carte d'entretiens"), ("ar", "بطاقة المقابلات")]:
        r = client.get(reverse("jobs:fair_card", args=[fair.pk, fy.pk]) + f"?lang={lang}")
        assert r.status_code == 200
        html = r.content.decode()
        assert word in html
        assert ('dir="rtl"' in html) == (lang == "ar")
        assert fe.employer.name in html or "No interview" in html or "Aucun" in html


def test_trainer_403_provincial_counts_only(client, fair, trainer, provincial_viewer):
    client.force_login(trainer)
    assert client.get(reverse("jobs:fair_list")).status_code == 403
    assert client.get(reverse("jobs:fair_detail", args=[fair.pk])).status_code == 403
    client.force_login(provincial_viewer)
    assert client.get(reverse("jobs:fair_detail", args=[fair.pk])).status_code == 403
    home = client.get(reverse("jobs:home"))
    assert home.status_code == 200
    html = home.content.decode()
    assert 'id="count-fairs">1<' in html
    assert "Salma" not in html


def test_mentor_sees_only_mentees(client, fair, mentor, mentee, youth):
    client.force_login(mentor)
    r = client.get(reverse("jobs:fair_detail", args=[fair.pk]))
    assert r.status_code == 200
    html = r.content.decode()
    assert mentee.first_name_latin in html
    assert youth[2].last_name_latin not in html
    others = fair.youth.exclude(person=mentee).first()
    assert client.get(reverse("jobs:fair_card", args=[fair.pk, others.pk])).status_code == 403
    mine = fair.youth.get(person=mentee)
    assert client.get(reverse("jobs:fair_card", args=[fair.pk, mine.pk])).status_code == 200
    fe = fair.employers.first()
    assert client.get(reverse("jobs:fair_sheet", args=[fair.pk, fe.pk])).status_code == 403
    assert client.post(reverse("jobs:fair_schedule", args=[fair.pk])).status_code == 403


def test_view_manual_edit_refused_400_nothing_written(client, fair, coordinator):
    hotel = fair.employers.get(tables=2)
    marina = fair.employers.get(tables=1)
    a = fair.youth.first()
    fair_services.fair_interview_save(fair=fair, youth=a, employer=hotel, slot=0, actor=coordinator)
    client.force_login(coordinator)
    r = client.post(
        reverse("jobs:fair_interview", args=[fair.pk]),
        {"iv-youth": a.pk, "iv-employer": marina.pk, "iv-slot": 0},
    )
    assert r.status_code == 400
    assert _("This youth already has an interview in that slot.") in r.content.decode()
    assert FairInterview.objects.filter(fair=fair).count() == 1


def test_view_schedule_redirects_to_progress(
    client, fair, coordinator, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("jobs:fair_schedule", args=[fair.pk]))
    fair.refresh_from_db()
    assert r.status_code == 302 and r.url == reverse("core:job_detail", args=[fair.job_id])
    assert fair.interviews.exists()


def test_view_create_fair_bad_input_400(client, coordinator):
    client.force_login(coordinator)
    r = client.post(
        reverse("jobs:fair_create"),
        {
            "name_fr": "Forum",
            "name_ar": "ملتقى",
            "date": next_weekday().isoformat(),
            "start_time": "12:00",
            "end_time": "10:00",
            "slot_minutes": "20",
            "place": "centre",
        },
    )
    assert r.status_code == 400
    assert not JobFair.objects.exists()


def test_view_register_youth_as_mentor(
    client, centre, coordinator, mentor, mentee, employer, internship
):
    fair = make_fair(centre, coordinator)
    fair_services.fair_employer_register(
        fair=fair, employer=employer, tables=1, max_interviews=4, actor=coordinator
    )
    client.force_login(mentor)
    r = client.post(
        reverse("jobs:fair_youth_add", args=[fair.pk]),
        {"youth-person": mentee.pk, "youth-max_interviews": "2"},
    )
    assert r.status_code == 302
    assert FairYouth.objects.filter(fair=fair, person=mentee).exists()


def test_view_late_change_then_replan_keeps_held(
    client, fair, coordinator, django_capture_on_commit_callbacks
):
    fair = schedule(fair, coordinator, django_capture_on_commit_callbacks)
    held = set(fair.interviews.filter(slot=0).values_list("youth", "employer", "slot"))
    hotel = fair.employers.get(tables=2)
    client.force_login(coordinator)
    r = client.post(
        reverse("jobs:fair_leave", args=[fair.pk]),
        {"leave-employer": hotel.pk, "leave-from_slot": 1},
    )
    assert r.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("jobs:fair_replan", args=[fair.pk]), {"replan-from_slot": 1})
    assert r.status_code == 302
    fair.refresh_from_db()
    assert fair.status == "scheduled" and fair.result["replan_from"] == 1
    assert held <= set(fair.interviews.values_list("youth", "employer", "slot"))
    assert not fair.interviews.filter(employer=hotel, slot__gte=1).exists()


def test_view_replan_bad_slot_400_nothing_started(client, fair, coordinator):
    client.force_login(coordinator)
    r = client.post(reverse("jobs:fair_replan", args=[fair.pk]), {"replan-from_slot": 99})
    assert r.status_code == 400
    fair.refresh_from_db()
    assert fair.status == "open" and fair.job_id is None
