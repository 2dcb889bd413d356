"""Who may refresh KPIs and who may drill from a figure to the children behind it."""

from __future__ import annotations

from typing import Any

from cases.policies import teams_managed_by
from teams.roles import ServiceRole


def can_refresh(user: Any) -> bool:
    """Performance analysts and managers of a team or service start refreshes."""
    return user.service_role == ServiceRole.PERFORMANCE_ANALYST or teams_managed_by(user).exists()


def can_drill_down(user: Any) -> bool:
    """Team and service managers see the children behind a figure (only those the case policy
    lets them see); board members and analysts never reach a person-level page."""
    return teams_managed_by(user).exists()
