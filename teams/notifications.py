"""Notifications: tell a user something happened, in the app and by email (issue "Statutory
clocks, the work tray and notifications").

Other apps call ``notify`` from inside their services. Email leaves the council's systems, so
an email carries a generic sentence and a link only: never a name, a date of birth, an address,
a family reference or note text (DOMAIN.md, information governance). The in-app ``message`` may
name a family reference (``FS-000123``) but never a person.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from safeguarding.lib.tasks import enqueue_on_commit

from .models import Notification, NotificationEmail, NotificationKind, User
from .tasks import send_notification_email

__all__ = [
    "NotificationKind",
    "notification_mark_read",
    "notification_settings_update",
    "notifications_mark_all_read",
    "notify",
]

MESSAGE_MAX_LENGTH = Notification._meta.get_field("message").max_length or 300
URL_MAX_LENGTH = Notification._meta.get_field("url").max_length or 500
DEDUPE_KEY_MAX_LENGTH = Notification._meta.get_field("dedupe_key").max_length or 200


def notify(
    *, user: User, kind: str, message: str, url: str, dedupe_key: str = ""
) -> Notification | None:
    """Tell one user about something, in the app and by email per their preference.
    Idempotent on (user, dedupe_key) when dedupe_key is given: a second call with the same key
    returns None and sends nothing. `message` is shown in the app only (it may name a family
    reference but never a person's name); emails carry a link only."""
    if kind not in NotificationKind.values:
        raise ValueError(f"Unknown notification kind {kind!r}.")
    if not url.startswith("/") or url.startswith("//") or len(url) > URL_MAX_LENGTH:
        # Only paths in this service: a notification must never send anyone elsewhere.
        raise ValueError("A notification's url must be a path in this service.")
    if len(dedupe_key) > DEDUPE_KEY_MAX_LENGTH:
        raise ValueError(f"A dedupe_key is at most {DEDUPE_KEY_MAX_LENGTH} characters.")
    if not user.is_active:
        return None
    if len(message) > MESSAGE_MAX_LENGTH:
        message = message[: MESSAGE_MAX_LENGTH - 1] + "…"
    with transaction.atomic():
        if dedupe_key:
            if Notification.objects.filter(user=user, dedupe_key=dedupe_key).exists():
                return None
            try:
                # A savepoint so that losing a race with a concurrent caller leaves the
                # caller's transaction usable.
                with transaction.atomic():
                    notification = Notification.objects.create(
                        user=user, kind=kind, message=message, url=url, dedupe_key=dedupe_key
                    )
            except IntegrityError:
                return None
        else:
            notification = Notification.objects.create(
                user=user, kind=kind, message=message, url=url
            )
        if user.notification_email == NotificationEmail.IMMEDIATELY:
            enqueue_on_commit(send_notification_email, notification.pk)
    return notification


def notification_mark_read(*, user: User, notification: Notification) -> Notification:
    """Mark one of the user's own notifications as read. Reading it twice keeps the first time."""
    if notification.user_id != user.pk:
        raise PermissionError("A user can only mark their own notifications as read.")
    if notification.read_at is None:
        now = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        notification.read_at = now
    return notification


def notifications_mark_all_read(*, user: User) -> int:
    """Mark every unread notification of the user's as read; returns how many changed."""
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def notification_settings_update(*, user: User, notification_email: str) -> User:
    """Choose how the user hears about notifications by email: straight away or a daily digest.

    Notifications waiting when someone moves to the digest are in their next digest; moving to
    straight away sends nothing for them, so nobody gets a burst of old emails."""
    if notification_email not in NotificationEmail.values:
        raise ValueError(f"Unknown email preference {notification_email!r}.")
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(notification_email=notification_email)
        user.notification_email = notification_email
    return user
