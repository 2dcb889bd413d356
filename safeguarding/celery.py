"""The Celery application: JSON only, late acknowledgement, three queues (DESIGN §10)."""

from __future__ import annotations

import os

from celery import Celery
from kombu import Exchange, Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safeguarding.settings.dev")

QUEUES = ("default", "kpis", "pdf")

app = Celery("safeguarding")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = [Queue(name, Exchange(name), routing_key=name) for name in QUEUES]
app.autodiscover_tasks()
