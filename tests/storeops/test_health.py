"""/healthz: what a load balancer sees."""

from __future__ import annotations

import pytest
from django.db import OperationalError, connection
from kombu import Connection

from storeops import health

pytestmark = pytest.mark.django_db

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"  # port 1: nothing listens, refused at once


def test_healthy_without_redis_reports_database_ok_and_in_process_broker(client, settings):
    settings.REDIS_URL = ""

    response = client.get("/healthz")

    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "ok"
    assert (body["checks"]["database"]["status"], body["checks"]["database"]["detail"]) == (
        "ok",
        connection.vendor,
    )
    assert body["checks"]["broker"]["status"] == "ok"
    assert body["checks"]["broker"]["detail"].startswith("in-process")


def test_broker_down_answers_503(client, settings, monkeypatch):
    settings.REDIS_URL = UNREACHABLE_REDIS
    monkeypatch.setattr(
        health.celery_app,
        "connection_for_write",
        lambda: Connection(UNREACHABLE_REDIS, connect_timeout=1),
    )

    response = client.get("/healthz")

    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "error"
    assert body["checks"]["broker"]["status"] == "error"
    assert body["checks"]["database"]["status"] == "ok"


def test_database_down_answers_503(client, settings, monkeypatch):
    settings.REDIS_URL = ""

    def refuse():
        raise OperationalError("connection refused")

    monkeypatch.setattr(health, "_database", refuse)

    response = client.get("/healthz")

    body = response.json()
    assert response.status_code == 503
    assert body["checks"]["database"] == {
        "status": "error",
        "detail": "OperationalError: connection refused",
        "ms": body["checks"]["database"]["ms"],
    }


def test_health_is_never_cached(client, settings):
    settings.REDIS_URL = ""

    response = client.get("/healthz")

    assert "no-cache" in response["Cache-Control"]
