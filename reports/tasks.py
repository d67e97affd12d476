"""Celery tasks of the daily summary: keep it fresh, and build yesterday once more at night."""

from __future__ import annotations

import datetime as dt

from celery import shared_task

from reports import services
from storeops import business_day


@shared_task(name="reports.rebuild_touched_days", acks_late=True)
def rebuild_touched_days_task() -> list[str]:
    """Rebuild the days whose source rows changed since the watermark (idempotent upserts)."""
    return [day.isoformat() for day in services.rebuild_touched()]


@shared_task(name="reports.build_yesterday", acks_late=True)
def build_yesterday_task() -> str:
    """Build yesterday's summary for good measure (idempotent upserts)."""
    yesterday = business_day.today() - dt.timedelta(days=1)
    services.build_day(yesterday)
    return yesterday.isoformat()


@shared_task(name="reports.build_day", acks_late=True)
def build_day_task(day: str) -> str:
    """Build one business day given as YYYY-MM-DD (idempotent upserts)."""
    services.build_day(dt.date.fromisoformat(day))
    return day


@shared_task(name="reports.export_workbook", acks_late=True)
def export_workbook_task(job_id: str, include_profit: bool) -> str:
    """Write a requested daily-summary workbook; progress and the file's path go to the
    job's cache entry (a second run of a finished job does nothing)."""
    from reports import workbook

    return workbook.run_export_job(job_id, include_profit=include_profit)
