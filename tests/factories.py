"""Factories for tests. All people are synthetic."""

import datetime as dt

import factory
from django.contrib.auth import get_user_model

from markaz.centre.models import Centre, Room
from markaz.core.models import StaffProfile
from markaz.territory.models import Commune


class CentreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Centre
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"centre-{n}")
    name_fr = factory.LazyAttribute(lambda o: f"Centre {o.code}")
    name_ar = factory.LazyAttribute(lambda o: f"مركز {o.code}")
    commune = factory.LazyFunction(lambda: Commune.objects.get(code="berkane"))
    floor_area_m2 = 600
    max_occupancy = 100


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Room

    centre = factory.SubFactory(CentreFactory)
    name_fr = factory.Sequence(lambda n: f"Salle {n}")
    name_ar = factory.Sequence(lambda n: f"قاعة {n}")
    kind = Room.Kind.TRAINING
    capacity = 24


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw-test-12345")


def staff(username: str, role: str, centre) -> object:
    user = UserFactory(username=username)
    StaffProfile.objects.create(user=user, role=role, centre=centre)
    return user


def person_data(**overrides) -> dict:
    """Clean data for services.person_create (what a valid form gives)."""
    data = {
        "first_name_latin": "Fatima Zahra",
        "last_name_latin": "El Idrissi",
        "first_name_ar": "فاطمة الزهراء",
        "last_name_ar": "الإدريسي",
        "cin": "FA123456",
        "birth_date": dt.date(2001, 3, 31),
        "sex": "F",
        "phone": "+212612345678",
        "commune": "berkane",
        "activity_status": "unemployed",
        "education_level": "bac",
        "preferred_language": "ar",
        "disability": "",
        "rsu_index": None,
    }
    data.update(overrides)
    return data


def form_post(**overrides) -> dict:
    """What a browser posts from the application form."""
    data = {
        "first_name_latin": "Youssef",
        "last_name_latin": "Benali",
        "first_name_ar": "يوسف",
        "last_name_ar": "بنعلي",
        "cin": "fb 654321",
        "birth_date": "1999-05-14",
        "sex": "M",
        "phone": "0661234567",
        "commune": "rislane",
        "activity_status": "worker",
        "education_level": "vocational",
        "preferred_language": "ar",
        "consent": "on",
    }
    data.update(overrides)
    return data


# --- Programmes, cohorts, people, enrolments (added for mentoring tests) -------------------------


def _today() -> dt.date:
    from django.utils import timezone

    return timezone.localdate()


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "programmes.Programme"

    centre = factory.SubFactory(CentreFactory)
    title_fr = "Développement web"
    title_ar = "تطوير الويب"
    track = "web"
    hours = 240
    duration_weeks = 20
    goal = "wage_job"
    teaching_language = "Français"
    schedule_pattern = "daytime"


class CohortFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "programmes.Cohort"

    centre = factory.SubFactory(CentreFactory)
    programme = factory.SubFactory(ProgrammeFactory, centre=factory.SelfAttribute("..centre"))
    code = factory.Sequence(lambda n: f"COH-{n}")
    start_date = factory.LazyFunction(lambda: _today() - dt.timedelta(days=60))
    end_date = factory.LazyAttribute(lambda o: o.start_date + dt.timedelta(weeks=16))
    seats = 20
    schedule_pattern = "daytime"
    status = "running"


class PersonFactory(factory.django.DjangoModelFactory):
    """A synthetic young person, eligible, Arabic-speaking unless told otherwise."""

    class Meta:
        model = "registry.Person"

    centre = factory.SubFactory(CentreFactory)
    first_name_latin = factory.Sequence(lambda n: f"Prenom{n}")
    last_name_latin = factory.Sequence(lambda n: f"Nom{n}")
    first_name_ar = "سلمى"
    last_name_ar = factory.Sequence(lambda n: f"الاسم{n}")
    cin = factory.Sequence(lambda n: f"FM{n:06d}")
    birth_date = dt.date(2000, 5, 1)
    sex = "F"
    phone = factory.Sequence(lambda n: f"+2126{n:08d}")
    activity_status = "unemployed"
    education_level = "bac"
    preferred_language = "ar"
    eligible = True


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "programmes.Enrolment"
        skip_postgeneration_save = True

    cohort = factory.SubFactory(CohortFactory)
    person = factory.SubFactory(PersonFactory, centre=factory.SelfAttribute("..cohort.centre"))

    @factory.post_generation
    def count_seat(obj, create, extracted, **kwargs):
        if create:
            from django.db.models import F

            type(obj.cohort).objects.filter(pk=obj.cohort_id).update(enrolled=F("enrolled") + 1)


def sms_code(phone: str = "") -> str:
    """The last one-time code queued by SMS (to `phone` if given), read from the outbox."""
    import re

    from markaz.core.models import OutboxMessage

    messages = OutboxMessage.objects.filter(kind="otp", channel="sms")
    if phone:
        messages = messages.filter(phone=phone)
    body = messages.order_by("-pk").values_list("body", flat=True).first() or ""
    found = re.search(r"\b(\d{6})\b", body)
    return found.group(1) if found else ""


# --- Programmes and cohorts (one set for every app's tests; the fixtures are in conftest.py) ------

# The campaign's "today" in the programme tests.
TODAY = dt.date(2026, 9, 1)


def cohort_start() -> dt.date:
    """The test cohorts start after the campaign (TODAY) and after the real today too: a
    campaign whose cohorts have started can no longer be allocated or published."""
    return max(dt.date(2026, 10, 1), _today() + dt.timedelta(days=30))


def make_cohort(centre, programme, code, seats, pattern="evening", reserves=()):
    from markaz.programmes.models import Cohort, CohortReserve

    start = cohort_start()
    cohort = Cohort.objects.create(
        centre=centre,
        programme=programme,
        code=code,
        start_date=start,
        end_date=start + dt.timedelta(days=120),
        seats=seats,
        schedule_pattern=pattern,
    )
    for i, (group, n) in enumerate(reserves):
        CohortReserve.objects.create(cohort=cohort, group=group, seats=n, order=i)
    return cohort


def applicant(centre, n: int, **overrides):
    from markaz.registry import services as registry

    data = person_data(
        cin=f"FA{n:06d}",
        first_name_latin=f"Prenom{n}",
        last_name_latin=f"Nom{n}",
        first_name_ar="",
        last_name_ar="",
        phone=f"+2126610000{n:02d}",
        **overrides,
    )
    return registry.person_create(centre=centre, data=data, today=TODAY)


def apply_post(client, url: str, data: dict, follow: bool = False, **extra):
    """Post the public application form and, when it asks for the code sent by SMS, type the
    code read from the outbox (as the applicant reads it on their phone). Returns the last
    response: the form's own answer when it was refused, else the code step's."""
    from markaz.core.validation import clean_phone

    response = client.post(url, data, **extra)
    if response.status_code != 302 or "/confirm/" not in response["Location"]:
        return response
    code = sms_code(clean_phone(data.get("phone", "")))
    return client.post(response["Location"], {"code": code}, follow=follow, **extra)


def type_apply_code(page, phone: str, screenshot=None, name: str = "") -> None:
    """In a browser on the application's code page: read the code sent by SMS to `phone` (E.164)
    from the outbox, as the applicant reads their phone, type it and complete the application."""
    page.wait_for_selector("#apply-code-card #id_code")
    assert "/confirm/" in page.url
    assert page.locator("#sms-file").count() == 1  # the demo's file backend: where to read it
    if screenshot is not None and name:
        screenshot(page, name)
    page.fill("#id_code", sms_code(phone))
    page.click("#apply-confirm")
