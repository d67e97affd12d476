"""StoreOps' own Celery tasks: a liveness probe and housekeeping."""

from __future__ import annotations

from celery import shared_task
from django.core.management import call_command


@shared_task(name="storeops.ping")
def ping() -> str:
    """Answer "pong": proves a worker is consuming from the broker."""
    return "pong"


@shared_task(name="storeops.clear_expired_sessions")
def clear_expired_sessions() -> None:
    """Delete expired sessions; idempotent, so running twice under acks_late is harmless."""
    call_command("clearsessions")
