"""Service-wide tasks."""

from __future__ import annotations

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

HEARTBEAT_TTL_SECONDS = 3600


@shared_task(name="safeguarding.tasks.heartbeat", soft_time_limit=20, time_limit=30)
def heartbeat(token: str) -> str:
    """Record that a worker ran a task, under ``heartbeat:<token>``.

    Operators send one to prove the path web -> broker -> worker -> cache end to end
    (a worker that answers pings may still be unable to run tasks).
    """
    ran_at = timezone.now().isoformat()
    cache.set(f"heartbeat:{token}", ran_at, timeout=HEARTBEAT_TTL_SECONDS)
    return ran_at
