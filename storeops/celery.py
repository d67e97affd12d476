"""The Celery application: tasks are discovered in each app's ``tasks.py``.

Periodic jobs live in django-celery-beat's tables so that staff can edit them
in the admin; ``storeops.schedules`` lists the ones StoreOps installs.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "storeops.settings")

app = Celery("storeops")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
