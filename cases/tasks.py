"""Case tasks. Every message to a user goes through ``teams.notifications.notify``, whose
emails carry a link only, never case details (DOMAIN.md, information governance): email
leaves the council's systems."""

from __future__ import annotations

from celery import shared_task

from .models import AccessGrant
from .services import access_grant_notify

RETRY = {"autoretry_for": (OSError,), "retry_backoff": True, "max_retries": 5}


@shared_task(name="cases.tasks.notify_emergency_access", soft_time_limit=30, time_limit=60, **RETRY)
def notify_emergency_access(grant_id: int) -> int:
    """Tell the owning team's managers that someone used emergency access, so they review it.
    Safe to run twice (each manager is told once per grant); nothing when the grant is gone."""
    grant = AccessGrant.objects.select_related("case__family").filter(pk=grant_id).first()
    if grant is None:
        return 0
    return access_grant_notify(grant=grant)


@shared_task(name="cases.tasks.escalate_deadlines", soft_time_limit=600, time_limit=660, **RETRY)
def escalate_deadlines() -> dict[str, int]:
    """Daily (beat): tell owners what falls due today, and owners and their team managers what
    is overdue. Idempotent: a second run the same day sends nothing (``dedupe_key``)."""
    from django.utils import timezone

    from cases.clocks.escalations import deadline_notifications_send

    run = deadline_notifications_send(today=timezone.localdate())
    return {"due": run.due, "overdue": run.overdue, "escalated": run.escalated}
