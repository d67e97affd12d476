"""Health checks for ``/healthz``: the database and the Celery broker."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection

from storeops.celery import app as celery_app


@dataclass
class Check:
    is_ok: bool
    detail: str
    milliseconds: float

    def as_dict(self) -> dict:
        return {
            "status": "ok" if self.is_ok else "error",
            "detail": self.detail,
            "ms": round(self.milliseconds, 1),
        }


@dataclass
class Report:
    checks: dict[str, Check] = field(default_factory=dict)

    @property
    def is_healthy(self) -> bool:
        return all(check.is_ok for check in self.checks.values())

    def as_dict(self) -> dict:
        return {
            "status": "ok" if self.is_healthy else "error",
            "checks": {name: check.as_dict() for name, check in self.checks.items()},
        }


def _timed(probe) -> Check:
    started = time.perf_counter()
    try:
        detail = probe()
        is_ok = True
    except Exception as error:  # a health check reports every failure, whatever its kind
        detail = f"{type(error).__name__}: {error}"
        is_ok = False
    return Check(is_ok, detail, (time.perf_counter() - started) * 1000)


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return connection.vendor


def _broker() -> str:
    if not settings.REDIS_URL:
        return "in-process (REDIS_URL unset: tasks run eagerly)"
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return "redis"


def check() -> Report:
    return Report({"database": _timed(_database), "broker": _timed(_broker)})
