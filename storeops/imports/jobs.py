"""Import jobs: accept a file, run it (in a Celery worker or in-process) and
record the outcome on the ImportJob."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import uuid
from typing import IO, Any

from django.contrib.auth import get_user_model
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from storeops.imports import progress, registry
from storeops.imports.readers import limits
from storeops.imports.runner import ImportResult, run_import
from storeops.models import ImportJob, ImportPhase, ImportSource, ImportStatus
from storeops.roles import has_capability

logger = logging.getLogger(__name__)

# A job still "running" this long after it started was lost with its worker
# (the task time limit is 35 minutes); its transaction rolled back, so it may run again.
STALE_AFTER = dt.timedelta(minutes=40)


class ImportRequestError(Exception):
    """The request to import cannot be accepted (unknown kind, no permission, no file)."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


def system_user():
    """The account recorded for imports run from the command line without --user."""
    user, created = get_user_model().objects.get_or_create(
        username="storeops-system",
        defaults={"is_active": False, "first_name": "StoreOps", "last_name": "system"},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _digest(stream: IO[bytes]) -> tuple[str, int]:
    sha, size = hashlib.sha256(), 0
    stream.seek(0)
    while chunk := stream.read(1024 * 1024):
        sha.update(chunk)
        size += len(chunk)
    stream.seek(0)
    return sha.hexdigest(), size


def create_job(
    kind_key: str,
    stream: IO[bytes],
    *,
    file_name: str,
    user: Any,
    dry_run: bool = False,
    source: str = ImportSource.WEB,
    enqueue: bool = True,
) -> ImportJob:
    """Store the file, record a queued job and (after commit) hand it to a worker."""
    try:
        kind = registry.get(kind_key)
    except registry.UnknownKind:
        raise ImportRequestError(
            _("There is no import called “%(kind)s”.") % {"kind": kind_key}, "unknown_kind"
        ) from None
    if kind_key not in registry.kinds_for(user):
        raise ImportRequestError(
            _("You may not run the “%(kind)s” import.") % {"kind": kind.label},
            "permission_denied",
        )
    return create_job_unchecked(
        kind_key,
        stream,
        file_name=file_name,
        user=user,
        dry_run=dry_run,
        source=source,
        enqueue=enqueue,
    )


def create_job_unchecked(
    kind_key: str,
    stream: IO[bytes],
    *,
    file_name: str,
    user: Any,
    dry_run: bool = False,
    source: str = ImportSource.WEB,
    enqueue: bool = False,
) -> ImportJob:
    """`create_job` without the permission check, for the command line."""
    registry.get(kind_key)
    sha, size = _digest(stream)
    if size == 0:
        raise ImportRequestError(_("The file is empty."), "empty_file")
    if size > limits()["max_upload"]:
        raise ImportRequestError(
            _("The file is larger than %(limit)s MB.")
            % {"limit": limits()["max_upload"] // (1024 * 1024)},
            "file_too_large",
        )
    base_name = (file_name or "upload").replace("\\", "/").rsplit("/", 1)[-1][:200]
    job = ImportJob(
        public_id=uuid.uuid4(),
        kind=kind_key,
        file_name=base_name,
        file_size=size,
        file_sha256=sha,
        dry_run=dry_run,
        source=source,
        created_by=user,
    )
    job.file.save(base_name, File(stream, name=base_name), save=False)
    job.save()
    if enqueue:
        transaction.on_commit(lambda: _enqueue(job))
    return job


def _enqueue(job: ImportJob) -> None:
    from storeops.imports.tasks import run_import_job

    result = run_import_job.delay(job.pk)
    if result.id and not job.task_id:
        ImportJob.objects.filter(pk=job.pk, task_id="").update(task_id=result.id)


def claim(job_id: int) -> ImportJob | None:
    """Mark a queued (or abandoned) job as running; None if it is not ours to run."""
    now = timezone.now()
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, phase=ImportPhase.CHECKING, started_at=now
    )
    if not claimed:
        claimed = ImportJob.objects.filter(
            pk=job_id, status=ImportStatus.RUNNING, started_at__lt=now - STALE_AFTER
        ).update(phase=ImportPhase.CHECKING, started_at=now, progress=0)
    return ImportJob.objects.get(pk=job_id) if claimed else None


def execute(job_id: int, *, on_progress=None) -> ImportJob | None:
    """Run a job once. Running it again after it finished changes nothing."""
    job = claim(job_id)
    if job is None:
        return None
    kind = registry.get(job.kind)

    def report(phase: str, fraction: float) -> None:
        percent = int(fraction * 50) if phase == "checking" else 50 + int(fraction * 50)
        progress.report(job.pk, phase, percent)
        if on_progress:
            on_progress(phase, percent)

    try:
        with job.file.open("rb") as stream:
            result = run_import(
                kind,
                stream,
                name=job.file_name,
                user=job.created_by,
                dry_run=job.dry_run,
                progress=report,
                error_limit=ImportJob.ERROR_LIMIT,
            )
    except Exception as error:  # recorded on the job for its owner, logged for the admins
        logger.exception("Import job %s failed", job.pk)
        _finish(job, ImportResult(), failure=str(error) or error.__class__.__name__)
        return job
    _finish(job, result)
    return job


def _finish(job: ImportJob, result: ImportResult, failure: str = "") -> None:
    if failure:
        job.status = ImportStatus.FAILED
        job.message = _("The import stopped unexpectedly and wrote nothing: %(error)s") % {
            "error": failure
        }
    elif not result.ok:
        job.status = ImportStatus.REJECTED
        job.message = result.message
    else:
        job.status = ImportStatus.CHECKED if job.dry_run else ImportStatus.SUCCEEDED
        job.message = ""
    job.phase = ImportPhase.DONE
    job.progress = 100
    job.finished_at = timezone.now()
    job.file_format = result.file_format
    job.encoding = result.encoding
    job.rows_total = result.rows_total
    job.rows_created = result.created
    job.rows_updated = result.updated
    job.rows_unchanged = result.unchanged
    job.error_count = result.problem_count
    job.errors = [problem.as_dict() for problem in result.problems]
    job.save()
    progress.clear(job.pk)


def live_progress(job: ImportJob) -> dict[str, Any]:
    """Phase and percent for the browser: the cache while running, the row after."""
    if job.status == ImportStatus.RUNNING:
        current = progress.read(job.pk)
        if current:
            return current
    return {"phase": job.phase, "percent": job.progress}


def may_view(user: Any, job: ImportJob) -> bool:
    from storeops.roles import Capability

    if job.created_by_id == user.pk:
        return True
    return has_capability(user, Capability.IMPORT_DATA) and job.kind in registry.kinds_for(user)
