"""Reads of teams data that are more than a ``get``."""

from __future__ import annotations

from dataclasses import dataclass, field

from .models import Membership, User


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
