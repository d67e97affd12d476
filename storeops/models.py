from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from storeops.roles import Capability


class Access(models.Model):
    """Holds StoreOps' capability permissions; it has no table of its own."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [(capability.value, capability.label) for capability in Capability]
        verbose_name = _("access")

    def __str__(self):
        return str(self._meta.verbose_name)


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Imported")
    CHECKED = "checked", _("Checked, nothing written (dry run)")
    REJECTED = "rejected", _("Rejected: the file has errors")
    FAILED = "failed", _("Failed")


class ImportSource(models.TextChoices):
    WEB = "web", _("Browser")
    API = "api", _("API")
    CLI = "cli", _("Command line")


class ImportPhase(models.TextChoices):
    WAITING = "waiting", _("Waiting for a worker")
    CHECKING = "checking", _("Checking rows")
    WRITING = "writing", _("Writing")
    DONE = "done", _("Done")


def _import_upload_path(job: ImportJob, filename: str) -> str:
    return f"imports/{job.created_at:%Y/%m}/{job.public_id}-{filename}"


class ImportJob(models.Model):
    """One file handed to the import framework: who, when, what, and how it went.

    The file is kept so that a job can be re-run by a worker and audited later.
    `errors` holds the first ERROR_LIMIT problems (row, column, message); the
    full count is in `error_count`.
    """

    ERROR_LIMIT = 1000

    public_id = models.UUIDField(_("reference"), unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=40, db_index=True)
    file = models.FileField(_("file"), upload_to=_import_upload_path, max_length=300)
    file_name = models.CharField(_("file name"), max_length=255)
    file_size = models.PositiveBigIntegerField(_("file size (bytes)"), default=0)
    file_sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    file_format = models.CharField(_("format"), max_length=10, blank=True)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    dry_run = models.BooleanField(_("dry run"), default=False)
    source = models.CharField(
        _("source"), max_length=3, choices=ImportSource.choices, default=ImportSource.WEB
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    phase = models.CharField(
        _("phase"), max_length=10, choices=ImportPhase.choices, default=ImportPhase.WAITING
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    task_id = models.CharField(_("task"), max_length=64, blank=True)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_created = models.PositiveIntegerField(_("created"), default=0)
    rows_updated = models.PositiveIntegerField(_("updated"), default=0)
    rows_unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    errors = models.JSONField(_("error list"), default=list, blank=True)
    message = models.TextField(_("message"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        indexes = [models.Index(fields=["kind", "-created_at"], name="importjob_kind_idx")]

    def __str__(self):
        return f"{self.kind} {self.file_name} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status not in (ImportStatus.QUEUED, ImportStatus.RUNNING)
