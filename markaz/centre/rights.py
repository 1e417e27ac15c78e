"""What this app holds about a person, for their file under law 09-08 (registered with the
registry in CentreConfig.ready)."""

from django.utils.translation import gettext as _

from markaz.registry.selectors import section

from .models import Badge, DoorEvent, Presence


def person_records(person):
    return [
        section("badges", _("Door badges"), Badge.objects.filter(person=person)),
        section(
            "presences", _("Presences in the building"), Presence.objects.filter(person=person)
        ),
        section("door_events", _("Door events"), DoorEvent.objects.filter(person=person)),
    ]
