"""Who may refresh KPIs, who may drill from a figure to the children behind it, and which
figures nobody sees: the only place these are decided."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from cases.policies import teams_managed_by
from teams.roles import ServiceRole

from .models import KpiSnapshot
from .registry import Kpi, Unit

SMALL_COUNT_MAX = 4  # counts of 1 to 4 could identify a child: shown as "fewer than 5"


def can_refresh(user: Any) -> bool:
    """Performance analysts and managers of a team or service start refreshes."""
    return user.service_role == ServiceRole.PERFORMANCE_ANALYST or teams_managed_by(user).exists()


def can_drill_down(user: Any) -> bool:
    """Team and service managers see the children behind a figure (only those the case policy
    lets them see); board members and analysts never reach a person-level page."""
    return teams_managed_by(user).exists()


def is_small_count(number: Decimal | None) -> bool:
    return number is not None and 0 < number <= SMALL_COUNT_MAX


def snapshot_hidden(kpi: Kpi, snapshot: KpiSnapshot | None) -> bool:
    """Whether showing a figure would reveal a count of 1 to 4 children: a small numerator, or
    for a percentage a small denominator (2 of 3 children). The board's pages, the CSV and the
    API all hide it, for every role: the KPI pages are aggregates (DESIGN §8), the roles that
    read them are aggregate-only or see the children through the drill-down instead."""
    if snapshot is None:
        return False
    return is_small_count(snapshot.numerator) or (
        kpi.unit == Unit.PERCENT and is_small_count(snapshot.denominator)
    )


def denominator_hidden(kpi: Kpi, snapshot: KpiSnapshot | None) -> bool:
    """A hidden percentage hides its denominator too; a hidden count, rate or mean shows it
    (the child population, or the number of workers), which says nothing about a child."""
    return kpi.unit == Unit.PERCENT and snapshot_hidden(kpi, snapshot)
