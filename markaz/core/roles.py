"""The roles staff hold, and what each may do. One place, so every selector asks the same way."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    COORDINATOR = "coordinator", _("Coordinator")
    TRAINER = "trainer", _("Trainer")
    MENTOR = "mentor", _("Mentor")
    CARAVAN = "caravan", _("Caravan staff")
    PROVINCIAL = "provincial", _("Provincial viewer")


# Who may open a person's record (the provincial viewer sees aggregates only, never a person;
# caravan staff work with schools and count pupils, never youth records).
PEOPLE_ROLES = frozenset({Role.ADMIN, Role.COORDINATOR, Role.TRAINER, Role.MENTOR})
# Who may register, import, edit and merge people.
REGISTRY_WRITE_ROLES = frozenset({Role.ADMIN, Role.COORDINATOR})
# Who may see sensitive data (law 09-08: health data such as a disability).
SENSITIVE_ROLES = frozenset({Role.ADMIN, Role.COORDINATOR})
# Who may see aggregate figures.
AGGREGATE_ROLES = frozenset(
    {Role.ADMIN, Role.COORDINATOR, Role.PROVINCIAL, Role.TRAINER, Role.MENTOR, Role.CARAVAN}
)
