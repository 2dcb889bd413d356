"""Notification emails, sent by the Celery tasks of ``teams.tasks`` (services, STYLE.md §2).

Email leaves the council's systems, so each one carries a generic sentence and a link only,
never a name, a date of birth, an address, a family reference or note text (DOMAIN.md,
information governance). Each send is safe to run twice: the row lock and ``emailed_at`` make a
duplicated or retried message send one email."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from .models import Notification, NotificationEmail, User


def _link(path: str) -> str:
    return settings.SITE_URL + path


def notification_email_send(*, notification_id: int) -> bool:
    """Email one notification's link to its user; False when there is nothing to send (gone,
    already emailed or read, or an inactive user)."""
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


def notification_digest_send(*, user_id: int) -> bool:
    """One daily-digest email to the user, counting their unread, unemailed notifications."""
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


def notification_digests_send() -> int:
    """One email to each daily-digest user saying how many unread notifications arrived since
    their last digest; one transaction per user, so one failed email does not resend everyone
    else's on retry. Returns how many emails were sent."""
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
    return sum(notification_digest_send(user_id=user_id) for user_id in list(user_ids))
