"""Gunicorn settings for StoreOps, read from the environment.

``gunicorn storeops.wsgi --config gunicorn.conf.py``. Django's own settings
stay in ``storeops/settings.py``; these only size and place the web server.
"""

from __future__ import annotations

import multiprocessing
import os

from storeops.config import Env

env = Env()

bind = f"0.0.0.0:{env.int('PORT', default=8000)}"
# Two workers per core plus one is gunicorn's advice for sync workers; cap it so a
# large host does not exhaust PostgreSQL connections.
workers = env.int("WEB_CONCURRENCY", default=min(multiprocessing.cpu_count() * 2 + 1, 8))
threads = env.int("GUNICORN_THREADS", default=1)
timeout = env.int("GUNICORN_TIMEOUT", default=60)
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then, so that slow leaks (pandas in imports) never pile up.
max_requests = env.int("GUNICORN_MAX_REQUESTS", default=1000)
max_requests_jitter = 100
# Only these addresses may set X-Forwarded-* (the reverse proxy in front of us).
forwarded_allow_ips = env.str("FORWARDED_ALLOW_IPS", "127.0.0.1") or "127.0.0.1"
accesslog = "-"
errorlog = "-"
loglevel = (env.str("LOG_LEVEL", "info") or "info").lower()


def on_starting(server: object) -> None:
    """Load Django's settings in the master, before any worker is forked.

    A bad variable then stops gunicorn with StoreOps' one-line message, instead
    of every worker failing to boot and being restarted forever.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "storeops.settings")
    from django.conf import settings

    settings.INSTALLED_APPS  # noqa: B018 - importing the settings is the check
