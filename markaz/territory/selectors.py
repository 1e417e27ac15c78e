from .models import Commune


def communes_of_province(province_id: int):
    return Commune.objects.filter(province_id=province_id).order_by("name_fr")
