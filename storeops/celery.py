"""The Celery application: tasks are discovered in each app's ``tasks.py``.

Periodic jobs live in django-celery-beat's tables so that staff can edit them
in the admin. ``beat_schedule`` below lists the ones StoreOps installs: the
DatabaseScheduler (``CELERY_BEAT_SCHEDULER``) copies them into those tables when
beat starts. Crontab times are store-local: ``CELERY_TIMEZONE`` is ``STORE_TIMEZONE``.
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "storeops.settings")

app = Celery("storeops")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Each installed app's tasks.py, plus the import framework's (it is a package of storeops).
app.autodiscover_tasks()
app.autodiscover_tasks(["storeops.imports"])

app.conf.beat_schedule = {
    # 04:00 store time, the quietest hour: expired sessions pile up in the
    # database otherwise, since Django never deletes them itself.
    "clear-expired-sessions": {
        "task": "storeops.clear_expired_sessions",
        "schedule": crontab(hour=4, minute=0),
    },
    # Every 5 minutes: fold order, refund, shipment, traffic and cost changes
    # into the daily summary, so the dashboard lags the source rows by minutes.
    "rebuild-touched-summary-days": {
        "task": "reports.rebuild_touched_days",
        "schedule": crontab(minute="*/5"),
    },
    # 00:30 store time, once the day is over: build yesterday in full for good
    # measure, whatever the freshness job saw or missed (e.g. deleted rows).
    "build-yesterday-summary": {
        "task": "reports.build_yesterday",
        "schedule": crontab(hour=0, minute=30),
    },
}
