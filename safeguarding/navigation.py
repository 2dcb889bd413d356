"""The service navigation shown to a signed-in user: only pages they may use."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from cases.policies import (
    can_audit,
    can_request_emergency_access,
    can_review_emergency_access,
    can_triage_notifications,
    teams_managed_by,
)
from teams.roles import AGGREGATE_ONLY_ROLES, ServiceRole


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    sections: tuple[str, ...]
    show: Callable[[Any, dict[str, bool]], bool]


def _facts(user: Any) -> dict[str, bool]:
    """What the navigation needs to know about the user, worked out once per request."""
    practitioner = can_request_emergency_access(user)
    reviewer = can_review_emergency_access(user)
    # Every page renders this, and query budgets pin its cost, so each fact skips its query
    # when another answers it: managers are reviewers and triagers, and triagers practitioners.
    manager = reviewer and teams_managed_by(user).exists()
    triager = manager or (practitioner and can_triage_notifications(user))
    return {
        "practitioner": practitioner,
        "person_level": user.service_role not in AGGREGATE_ONLY_ROLES,
        "reviewer": reviewer,
        "manager": manager,
        "triager": triager,
        "auditor": can_audit(user),  # no query: the service role is on the user already
        "board": manager
        or user.service_role
        in (ServiceRole.BOARD_MEMBER, ServiceRole.PERFORMANCE_ANALYST, ServiceRole.AUDITOR),
    }


NAV_ITEMS: list[NavItem] = [
    NavItem("Home", "home", ("home",), lambda user, facts: True),
    NavItem(
        "My caseload",
        "cases:caseload",
        ("cases:caseload", "cases:team-caseload"),
        lambda user, facts: facts["practitioner"],
    ),
    NavItem(
        "My work tray",
        "cases:tray",
        ("cases:tray", "cases:team-tray"),
        lambda user, facts: facts["practitioner"],
    ),
    NavItem(
        "Find a person",
        "cases:search",
        ("cases:search",),
        lambda user, facts: facts["person_level"],
    ),
    NavItem(
        "Teams",
        "cases:teams",
        ("cases:teams", "cases:team"),
        lambda user, facts: facts["practitioner"],
    ),
    NavItem(
        "Supervision", "supervision:due", ("supervision:due",), lambda user, facts: facts["manager"]
    ),
    NavItem(
        "My actions",
        "supervision:my-actions",
        ("supervision:my-actions", "supervision:action-complete"),
        lambda user, facts: facts["practitioner"],
    ),
    NavItem(
        "Authorisations",
        "workbook:authorisations",
        ("workbook:authorisations",),
        lambda user, facts: facts["manager"],
    ),
    NavItem(
        "Training",
        "teams:training",
        (
            "teams:training",
            "teams:session",
            "teams:session-new",
            "teams:session-book",
            "teams:session-attendance",
            "teams:training-record",
        ),
        lambda user, facts: facts["practitioner"],
    ),
    NavItem(
        "Workforce",
        "teams:workforce",
        (
            "teams:workforce",
            "teams:establishment",
            "teams:establishment-change",
            "teams:membership-post",
        ),
        lambda user, facts: facts["manager"],
    ),
    NavItem("KPIs", "kpis:board", ("kpis",), lambda user, facts: facts["board"]),
    NavItem(
        "Audit",
        "cases:audit-access",
        (
            "cases:audit-access",
            "cases:audit-disclosures",
            "cases:audit-unusual",
            "cases:audit-unusual-user",
        ),
        lambda user, facts: facts["auditor"],
    ),
    NavItem(
        "Emergency access",
        "cases:emergency-access-review",
        ("cases:emergency-access-review",),
        lambda user, facts: facts["reviewer"],
    ),
    NavItem(
        "Police notifications",
        "cases:triage",
        ("cases:triage", "cases:triage-detail"),
        lambda user, facts: facts["triager"],
    ),
    NavItem("Admin", "admin:index", ("admin",), lambda user, facts: bool(user.is_staff)),
]


def nav_items_for(user: Any, current_view: str | None, request: Any = None) -> list[dict[str, Any]]:
    # Worked out once per request however many templates render with the context processor.
    facts = getattr(request, "_nav_facts", None)
    if facts is None:
        facts = _facts(user)
        if request is not None:
            request._nav_facts = facts
    current = current_view or ""
    return [
        {
            "label": item.label,
            "url": reverse(item.url_name),
            "active": current in item.sections or current.split(":")[0] in item.sections,
        }
        for item in NAV_ITEMS
        if item.show(user, facts)
    ]
