from django.db import models
from django.utils.translation import gettext_lazy as _

from markaz.core.i18n import pick


class BilingualName(models.Model):
    """A record named in French and in Arabic; `name` gives the one for the active language."""

    name_fr = models.CharField(_("name (French)"), max_length=120)
    name_ar = models.CharField(_("name (Arabic)"), max_length=120)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return pick(self.name_fr, self.name_ar)


class Province(BilingualName):
    code = models.SlugField(unique=True)

    class Meta:
        verbose_name = _("province")
        verbose_name_plural = _("provinces")


class Commune(BilingualName):
    class Kind(models.TextChoices):
        URBAN = "urban", _("Urban")
        RURAL = "rural", _("Rural")

    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="communes")
    code = models.SlugField(unique=True)
    kind = models.CharField(_("kind"), max_length=5, choices=Kind.choices)
    latitude = models.DecimalField(max_digits=8, decimal_places=5)
    longitude = models.DecimalField(max_digits=8, decimal_places=5)
    coordinates_approximate = models.BooleanField(
        _("approximate coordinates"),
        default=False,
        help_text=_("No public source gave this position; it was estimated by hand."),
    )
    coordinates_source = models.CharField(max_length=200, blank=True)
    population_2014 = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("commune")
        verbose_name_plural = _("communes")
        ordering = ["name_fr"]

    @property
    def is_rural(self) -> bool:
        return self.kind == self.Kind.RURAL
