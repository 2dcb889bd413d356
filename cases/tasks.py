"""Emails about cases. Emails carry a link only, never case details (DOMAIN.md,
information governance): email leaves the council's systems. Notifications to one user
(allocated, partner notification matched...) go through ``teams.notifications.notify``."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse

from teams.models import Membership
from teams.roles import MANAGER_ROLES

from .models import AccessGrant

RETRY = {"autoretry_for": (OSError,), "retry_backoff": True, "max_retries": 5}


@shared_task(name="cases.tasks.notify_emergency_access", soft_time_limit=30, time_limit=60, **RETRY)
def notify_emergency_access(grant_id: int) -> int:
    """Tell the owning team's managers that someone used emergency access, so they review it."""
    grant = AccessGrant.objects.select_related("case__family").filter(pk=grant_id).first()
    if grant is None:
        return 0
    managers = list(
        Membership.objects.active()
        .filter(
            team_id=grant.case.family.owning_team_id, role__in=MANAGER_ROLES, user__is_active=True
        )
        .values_list("user__email", flat=True)
        .distinct()
    )
    if not managers:
        return 0
    link = settings.SITE_URL + reverse("cases:emergency-access-review")
    send_mail(
        subject=f"{settings.SERVICE_NAME}: emergency access to a family in your team",
        message=(
            "Someone outside your team used emergency access to open a family's record.\n\n"
            f"Review it: {link}\n"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=managers,
    )
    return len(managers)


@shared_task(name="cases.tasks.escalate_deadlines", soft_time_limit=600, time_limit=660, **RETRY)
def escalate_deadlines() -> dict[str, int]:
    """Daily (beat): tell owners what falls due today, and owners and their team managers what
    is overdue. Idempotent: a second run the same day sends nothing (``dedupe_key``)."""
    from django.utils import timezone

    from cases.clocks.escalations import deadline_notifications_send

    run = deadline_notifications_send(today=timezone.localdate())
    return {"due": run.due, "overdue": run.overdue, "escalated": run.escalated}
