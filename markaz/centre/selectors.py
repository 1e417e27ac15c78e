from django.db.models import Sum

from .models import Centre, Room


def centre_rooms(centre: Centre):
    return Room.objects.filter(centre=centre).order_by("kind", "name_fr")


def centre_room_capacity(centre: Centre) -> int:
    return Room.objects.filter(centre=centre).aggregate(total=Sum("capacity"))["total"] or 0


def centre_get_by_code(code: str) -> Centre:
    return Centre.objects.select_related("commune__province").get(code=code)
