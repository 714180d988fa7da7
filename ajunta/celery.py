"""Celery app. With no CELERY_BROKER_URL, settings make tasks run eagerly in-process."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ajunta.settings")

app = Celery("ajunta")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
