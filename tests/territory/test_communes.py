import pytest

from markaz.territory.models import Commune

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("territory")]


def test_the_province_has_its_16_communes():
    communes = Commune.objects.filter(province__code="berkane")
    assert communes.count() == 16
    assert communes.filter(kind="urban").count() == 6
    assert communes.filter(kind="rural").count() == 10
    assert sum(c.population_2014 for c in communes) == 289_137  # RGPH 2014 province total


def test_every_commune_has_a_position_and_says_when_it_is_approximate():
    for commune in Commune.objects.all():
        assert 34.5 < commune.latitude < 35.2 and -2.7 < commune.longitude < -1.9
        assert commune.coordinates_source
        assert commune.coordinates_approximate == commune.coordinates_source.startswith(
            "approximated"
        )
    assert not Commune.objects.get(code="berkane").coordinates_approximate
    assert Commune.objects.get(code="aklim").coordinates_approximate


def test_names_follow_the_language():
    from django.utils import translation

    rislane = Commune.objects.get(code="rislane")
    with translation.override("ar"):
        assert str(rislane) == "ريسلان"
    with translation.override("fr"):
        assert str(rislane) == "Rislane"
