"""Notification emails (``teams.notification_emails``). Tasks take ids, call a service, are
safe to run twice, and do nothing when the notification is gone."""

from __future__ import annotations

from celery import shared_task

from .notification_emails import notification_digests_send, notification_email_send

RETRY = {"autoretry_for": (OSError,), "retry_backoff": True, "max_retries": 5}


@shared_task(name="teams.tasks.send_notification_email", soft_time_limit=30, time_limit=60, **RETRY)
def send_notification_email(notification_id: int) -> bool:
    """Email one notification's link to its user."""
    return notification_email_send(notification_id=notification_id)


@shared_task(
    name="teams.tasks.send_notification_digests", soft_time_limit=240, time_limit=300, **RETRY
)
def send_notification_digests() -> int:
    """Daily (beat, teams migration 0005): the daily-digest emails. Running it twice sends
    nothing more: the notifications counted are marked ``emailed_at``."""
    return notification_digests_send()
