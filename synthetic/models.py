"""A record of each synthetic province written to the database, so the demo can tell finished data from a half-run."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SyntheticRun(models.Model):
    """One ``synth`` (or ``demo``) run: its seed and size, the generator's digest, what it wrote, when it finished.

    ``finished_at`` stays empty until every row is written: a run that stopped half-way is detected and redone.
    """

    province_code = models.CharField(_("province code"), max_length=20)
    seed = models.BigIntegerField(_("seed"))
    households = models.PositiveIntegerField(_("households asked for"))
    digest = models.CharField(_("digest of the generated province"), max_length=64, blank=True)
    counts = models.JSONField(_("rows written"), default=dict, blank=True)
    loans_written = models.BooleanField(_("loans written through the credit app"), default=False)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("synthetic data run")
        verbose_name_plural = _("synthetic data runs")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.province_code} seed={self.seed} households={self.households}"
