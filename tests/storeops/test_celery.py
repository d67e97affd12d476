"""StoreOps' own tasks and the Celery defaults every task relies on."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from storeops.celery import app as celery_app
from storeops.tasks import clear_expired_sessions, ping
from tests.conftest import require

BASE_DIR = Path(settings.BASE_DIR)
CELERY = Path(sys.executable).with_name("celery")


def test_ping_answers_pong_in_process():
    result = ping.delay()

    assert result.get(timeout=5) == "pong"


def test_tasks_are_registered_under_the_storeops_prefix():
    assert {"storeops.ping", "storeops.clear_expired_sessions"} <= set(celery_app.tasks)


@pytest.mark.django_db
def test_clearing_sessions_deletes_only_expired_ones():
    day = dt.timedelta(days=1)
    Session.objects.create(session_key="expired", session_data="", expire_date=timezone.now() - day)
    Session.objects.create(session_key="live", session_data="", expire_date=timezone.now() + day)

    clear_expired_sessions.delay()

    assert list(Session.objects.values_list("session_key", flat=True)) == ["live"]


def test_workers_acknowledge_late_and_fetch_one_task_at_a_time():
    conf = celery_app.conf

    assert (
        conf.task_acks_late,
        conf.task_reject_on_worker_lost,
        conf.worker_prefetch_multiplier,
    ) == (True, True, 1)


def test_beat_clears_sessions_daily_at_four_store_time():
    entry = celery_app.conf.beat_schedule["clear-expired-sessions"]

    assert entry["task"] == "storeops.clear_expired_sessions"
    assert entry["schedule"] == crontab(hour=4, minute=0)
    assert celery_app.conf.timezone == settings.STORE_TIMEZONE
    assert celery_app.conf.beat_scheduler == "django_celery_beat.schedulers:DatabaseScheduler"


@pytest.mark.django_db(transaction=True)
def test_database_scheduler_installs_the_schedule_in_store_time():
    DatabaseScheduler(app=celery_app)

    task = PeriodicTask.objects.select_related("crontab").get(name="clear-expired-sessions")
    assert (task.task, task.crontab.minute, task.crontab.hour, task.crontab.day_of_week) == (
        "storeops.clear_expired_sessions",
        "0",
        "4",
        "*",
    )
    assert str(task.crontab.timezone) == settings.STORE_TIMEZONE


@pytest.mark.redis
def test_a_real_worker_answers_ping_through_redis():
    require(bool(os.environ.get("REDIS_URL")), "needs a Redis broker (set REDIS_URL=redis://...)")
    # A queue of its own, so that no other worker on the broker takes the task.
    queue = f"storeops-test-{uuid.uuid4().hex[:12]}"
    worker = subprocess.Popen(
        [str(CELERY), "-A", "storeops", "worker", "--pool=solo", "-Q", queue, "--loglevel=WARNING"],
        cwd=BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "storeops.settings"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        result = ping.apply_async(queue=queue)

        assert result.get(timeout=30) == "pong"
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
