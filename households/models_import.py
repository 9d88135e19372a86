"""The state of an import of review files run from a page (households.imports does the work, households.tasks runs it).

Why a table and not the cache or Celery's result meta: the page that uploads the file and the worker that imports it
may run in different processes or on different machines, and the database is the only store the project guarantees
they share (the embedded default cache is local memory; the broker may be absent). The row also keeps who imported
what and when, and lets the status page answer 404 to anyone but the person who uploaded the file.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["ImportJob"]


class ImportJob(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to start")
        VALIDATING = "validating", _("Checking the rows")
        WRITING = "writing", _("Writing")
        DONE = "done", _("Finished")
        FAILED = "failed", _("Finished with errors")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    language = models.CharField(max_length=10, default="vi", help_text="Language of the messages (the uploader's).")
    filename = models.CharField(_("file"), max_length=255)
    data = models.BinaryField(null=True, help_text="The uploaded file; cleared once a real import has run.")
    members_filename = models.CharField(_("members file"), max_length=255, blank=True)
    members_data = models.BinaryField(null=True)
    dry_run = models.BooleanField(_("check only"), default=False)
    recognise = models.BooleanField(_("recognise the reviews"), default=False)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    rows_total = models.PositiveIntegerField(default=0)
    rows_validated = models.PositiveIntegerField(default=0)
    rows_written = models.PositiveIntegerField(default=0)
    commune_ids = models.JSONField(default=list, blank=True, help_text="Communes the file's rows name.")
    errors = models.JSONField(default=list, blank=True, help_text="[{sheet, row, field, message}]")
    counts = models.JSONField(default=dict, blank=True)
    task_id = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("import of review files")
        verbose_name_plural = _("imports of review files")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["created_by", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.filename} ({self.created_at:%d/%m/%Y %H:%M})" if self.created_at else self.filename

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
