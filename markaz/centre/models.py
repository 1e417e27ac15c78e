from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from markaz.territory.models import BilingualName


class Centre(BilingualName):
    """A Centre d'innovation numérique. Every record about people or activity belongs to one."""

    code = models.SlugField(unique=True)
    commune = models.ForeignKey(
        "territory.Commune", on_delete=models.PROTECT, related_name="centres"
    )
    floor_area_m2 = models.PositiveIntegerField(_("floor area (m²)"))
    max_occupancy = models.PositiveIntegerField(
        _("maximum occupancy"), help_text=_("Most youth in the building at once.")
    )
    min_age = models.PositiveSmallIntegerField(
        _("minimum age"), default=18, validators=[MinValueValidator(10), MaxValueValidator(60)]
    )
    max_age = models.PositiveSmallIntegerField(
        _("maximum age"), default=35, validators=[MinValueValidator(10), MaxValueValidator(80)]
    )

    class Meta:
        verbose_name = _("centre")
        verbose_name_plural = _("centres")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(max_age__gte=models.F("min_age")), name="centre_age_range"
            ),
            models.CheckConstraint(
                condition=models.Q(max_occupancy__gt=0), name="centre_occupancy"
            ),
        ]

    @property
    def province_id(self) -> int:
        return self.commune.province_id


class Room(models.Model):
    class Kind(models.TextChoices):
        TRAINING = "training", _("Training room")
        MENTORING = "mentoring", _("Mentoring room")
        APPLIED = "applied", _("Applied-work room")
        CHILDREN = "children", _("Children's space")

    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="rooms")
    name_fr = models.CharField(_("name (French)"), max_length=80)
    name_ar = models.CharField(_("name (Arabic)"), max_length=80)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    capacity = models.PositiveSmallIntegerField(_("capacity"))

    class Meta:
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        ordering = ["centre", "kind", "name_fr"]
        constraints = [
            models.UniqueConstraint(fields=["centre", "name_fr"], name="room_unique_name"),
            models.CheckConstraint(condition=models.Q(capacity__gt=0), name="room_capacity"),
        ]

    name = BilingualName.name

    def __str__(self) -> str:
        return self.name
