"""The host's Celery app: autodiscovery finds the plugin's tasks (leads.tasks; leads.webhooks.tasks via
CELERY_IMPORTS)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "host.settings")

app = Celery("host")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
