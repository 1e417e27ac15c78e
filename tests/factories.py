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
