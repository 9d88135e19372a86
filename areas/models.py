"""Administrative units: province → commune → village, dated, with the lineage of the July 2025 mergers.

Since 1 July 2025 there is no district level. A unit that merged keeps its row (with ``valid_to`` set) and points to
the unit it merged into through ``merged_into``, so old records keep naming the old unit and a report for a new
commune can include its predecessors' history (:meth:`Commune.lineage_ids`).
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class AreaType(models.TextChoices):
    RURAL = "rural", _("Rural")
    URBAN = "urban", _("Urban")


class DatedUnit(models.Model):
    code = models.CharField(_("official code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    def is_current(self, on=None) -> bool:
        from django.utils import timezone

        on = on or timezone.localdate()
        return (self.valid_from is None or self.valid_from <= on) and (self.valid_to is None or on <= self.valid_to)


class Province(DatedUnit):
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_from",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("province")
        verbose_name_plural = _("provinces")
        ordering = ["code"]
        permissions = [("serve_province", _("Serves the province"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="province_valid_range",
            )
        ]


class Commune(DatedUnit):
    class Kind(models.TextChoices):
        COMMUNE = "xa", _("Commune (xã)")
        WARD = "phuong", _("Ward (phường)")
        SPECIAL_ZONE = "dac_khu", _("Special zone (đặc khu)")

    province = models.ForeignKey(
        Province, verbose_name=_("province"), on_delete=models.PROTECT, related_name="communes"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.COMMUNE)
    area_type = models.CharField(_("area type"), max_length=10, choices=AreaType.choices, default=AreaType.RURAL)
    disadvantaged = models.BooleanField(_("disadvantaged commune (xã đặc biệt khó khăn)"), default=False)
    ethnic_minority_region = models.BooleanField(_("in an ethnic-minority and mountainous region"), default=False)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_from",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("commune")
        verbose_name_plural = _("communes")
        ordering = ["province__code", "code"]
        permissions = [("serve_commune", _("Serves the commune"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="commune_valid_range",
            )
        ]

    def lineage_ids(self) -> list[int]:
        """This commune and every unit that merged into it, directly or through earlier mergers."""
        return lineage_ids(Commune, self.pk)


class Village(DatedUnit):
    class Kind(models.TextChoices):
        THON = "thon", _("Village (thôn)")
        BAN = "ban", _("Village (bản)")
        AP = "ap", _("Hamlet (ấp)")
        TO_DAN_PHO = "to_dan_pho", _("Residential group (tổ dân phố)")

    commune = models.ForeignKey(Commune, verbose_name=_("commune"), on_delete=models.PROTECT, related_name="villages")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.THON)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_from",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("village")
        verbose_name_plural = _("villages")
        ordering = ["commune__code", "code"]
        permissions = [("serve_village", _("Serves the village"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="village_valid_range",
            )
        ]

    def lineage_ids(self) -> list[int]:
        return lineage_ids(Village, self.pk)


def lineage_ids(model: type[DatedUnit], pk: int) -> list[int]:
    """``pk`` and all its predecessors (units whose ``merged_into`` chain leads to it), breadth first.

    One query per generation of mergers; in practice one or two.
    """
    found = [pk]
    frontier = [pk]
    while frontier:
        frontier = [
            p for p in model.objects.filter(merged_into_id__in=frontier).values_list("pk", flat=True) if p not in found
        ]
        found.extend(frontier)
    return found
