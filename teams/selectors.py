"""Reads of teams data that are more than a ``get``."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet

from .models import Membership, Notification, User


@dataclass
class HomeSummary:
    memberships: list[Membership] = field(default_factory=list)
    service_role_label: str = ""


def memberships_for_user(user: User) -> list[Membership]:
    return list(
        Membership.objects.active()
        .filter(user=user)
        .select_related("team", "team__service")
        .order_by("-is_home_team", "team__name")
    )


def home_summary_for_user(user: User) -> HomeSummary:
    return HomeSummary(
        memberships=memberships_for_user(user),
        service_role_label=user.get_service_role_display() if user.service_role else "",
    )


def notifications_for_user(user: User) -> QuerySet[Notification]:
    """The user's own notifications, newest first (index ``notification_user_unread``)."""
    return Notification.objects.filter(user=user).order_by("-created_at", "-id")


def notifications_unread_count(user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
