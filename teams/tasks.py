"""Notification emails. Email leaves the council's systems, so each one carries a generic
sentence and a link only, never a name, a date of birth, an address, a family reference or note
text (DOMAIN.md, information governance). Tasks take ids, are safe to run twice, and do nothing
when the notification is gone."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from .models import Notification, NotificationEmail, User

RETRY = {"autoretry_for": (OSError,), "retry_backoff": True, "max_retries": 5}


def _link(path: str) -> str:
    return settings.SITE_URL + path


@shared_task(name="teams.tasks.send_notification_email", soft_time_limit=30, time_limit=60, **RETRY)
def send_notification_email(notification_id: int) -> bool:
    """Email one notification's link to its user. The row lock and ``emailed_at`` make a
    duplicated or retried message send one email."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(pk=notification_id)
            .first()
        )
        if (
            notification is None
            or notification.emailed_at is not None
            or notification.read_at is not None  # already seen in the app
            or not notification.user.is_active
        ):
            return False
        link = _link(reverse("teams:notification-open", args=[notification.pk]))
        # Sent inside the lock: if sending fails the row stays unemailed and the retry sends it.
        send_mail(
            subject=f"You have a new notification in {settings.SERVICE_NAME}",
            message=(
                f"You have a new notification in {settings.SERVICE_NAME}.\n\n"
                f"Sign in to see it: {link}\n\n"
                "To change how often we email you, go to your notification settings: "
                f"{_link(reverse('teams:notification-settings'))}\n"
            ),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[notification.user.email],
        )
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
    return True


def _send_digest(user_id: int) -> bool:
    with transaction.atomic():
        user = (
            User.objects.select_for_update(skip_locked=True)
            .filter(pk=user_id, is_active=True, notification_email=NotificationEmail.DAILY_DIGEST)
            .first()
        )
        if user is None:  # gone, changed their mind, or another run is sending theirs
            return False
        waiting = Notification.objects.filter(
            user=user, read_at__isnull=True, emailed_at__isnull=True
        )
        count = waiting.count()
        if not count:
            return False
        noun = "notification" if count == 1 else "notifications"
        send_mail(
            subject=f"You have {count} new {noun} in {settings.SERVICE_NAME}",
            message=(
                f"You have {count} new {noun} in {settings.SERVICE_NAME} since we last emailed "
                f"you.\n\nSign in to see them: {_link(reverse('teams:notifications'))}\n\n"
                "To change how often we email you, go to your notification settings: "
                f"{_link(reverse('teams:notification-settings'))}\n"
            ),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[user.email],
        )
        waiting.update(emailed_at=timezone.now())
    return True


@shared_task(
    name="teams.tasks.send_notification_digests", soft_time_limit=240, time_limit=300, **RETRY
)
def send_notification_digests() -> int:
    """Daily (beat, teams migration 0005): one email to each daily-digest user saying how many
    unread notifications arrived since their last digest. Running it twice sends nothing more:
    the notifications counted are marked ``emailed_at``. Returns how many emails were sent."""
    user_ids = (
        User.objects.filter(is_active=True, notification_email=NotificationEmail.DAILY_DIGEST)
        .annotate(
            waiting=Count(
                "notifications",
                filter=Q(
                    notifications__read_at__isnull=True, notifications__emailed_at__isnull=True
                ),
            )
        )
        .filter(waiting__gt=0)
        .values_list("pk", flat=True)
    )
    # One transaction per user, so one failed email does not resend everyone else's on retry.
    return sum(_send_digest(user_id) for user_id in list(user_ids))
