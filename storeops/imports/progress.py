"""Live progress of a running import, kept in the cache.

The write pass runs inside one transaction, so progress written to the job's
row would stay invisible until the end; the cache (Redis when REDIS_URL is
set) is shared by the worker and the web processes and sits outside it.
"""

from __future__ import annotations

from django.core.cache import cache

TTL_SECONDS = 6 * 60 * 60


def _key(job_id: int) -> str:
    return f"storeops:import-progress:{job_id}"


def report(job_id: int, phase: str, percent: int) -> None:
    cache.set(_key(job_id), {"phase": phase, "percent": max(0, min(100, percent))}, TTL_SECONDS)


def read(job_id: int) -> dict | None:
    return cache.get(_key(job_id))


def clear(job_id: int) -> None:
    cache.delete(_key(job_id))
