"""Notifications about cases. Emails carry a link only, never case details (DOMAIN.md,
information governance): email leaves the council's systems."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse

from teams.models import Membership
from teams.roles import MANAGER_ROLES

from .models import AccessGrant, Allocation, PartnerNotification

RETRY = {"autoretry_for": (OSError,), "retry_backoff": True, "max_retries": 5}


@shared_task(name="cases.tasks.notify_allocation", soft_time_limit=30, time_limit=60, **RETRY)
def notify_allocation(allocation_id: int) -> bool:
    allocation = Allocation.objects.select_related("worker").filter(pk=allocation_id).first()
    if allocation is None or not allocation.worker.is_active:
        return False
    link = settings.SITE_URL + reverse("cases:family", args=[allocation.case.family_id])
    send_mail(
        subject=f"{settings.SERVICE_NAME}: you have been allocated to a family",
        message=f"You have been allocated to a family.\n\nOpen the family's record: {link}\n",
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[allocation.worker.email],
    )
    return True


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


@shared_task(
    name="cases.tasks.notify_partner_notification_matched",
    soft_time_limit=30,
    time_limit=60,
    **RETRY,
)
def notify_partner_notification_matched(notification_id: int) -> int:
    """Tell the workers allocated to the family that a police notification has arrived."""
    notification = PartnerNotification.objects.filter(pk=notification_id).first()
    if notification is None or notification.case_id is None:
        return 0
    workers = list(
        Allocation.objects.active()
        .filter(case_id=notification.case_id)
        .filter(worker__is_active=True)
        .values_list("worker__email", flat=True)
        .distinct()
    )
    if not workers:
        return 0
    link = settings.SITE_URL + reverse("cases:family", args=[notification.family_id])
    send_mail(
        subject=f"{settings.SERVICE_NAME}: a partner notification about one of your families",
        message=(
            "A police domestic abuse notification has been added to a family you are allocated "
            f"to.\n\nOpen the family's record: {link}\n"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=workers,
    )
    return len(workers)
