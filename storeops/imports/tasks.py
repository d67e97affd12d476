"""Celery wrapper for import jobs."""

from celery import shared_task

from storeops.imports import jobs


@shared_task(name="storeops.imports.run_import_job", acks_late=True)
def run_import_job(job_id: int) -> str | None:
    job = jobs.execute(job_id)
    return job.status if job else None
