"""The service navigation shown to a signed-in user: only pages they may use."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from cases.policies import NavigationFacts, navigation_facts


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    sections: tuple[str, ...]
    show: Callable[[NavigationFacts], bool]


NAV_ITEMS: list[NavItem] = [
    NavItem("Home", "home", ("home",), lambda facts: True),
    NavItem(
        "My caseload",
        "cases:caseload",
        ("cases:caseload", "cases:team-caseload"),
        lambda facts: facts.practitioner,
    ),
    NavItem(
        "My work tray",
        "cases:tray",
        ("cases:tray", "cases:team-tray"),
        lambda facts: facts.practitioner,
    ),
    NavItem(
        "Find a person",
        "cases:search",
        ("cases:search",),
        lambda facts: facts.person_level,
    ),
    NavItem(
        "Teams",
        "cases:teams",
        ("cases:teams", "cases:team"),
        lambda facts: facts.practitioner,
    ),
    NavItem("Supervision", "supervision:due", ("supervision:due",), lambda facts: facts.manager),
    NavItem(
        "My actions",
        "supervision:my-actions",
        ("supervision:my-actions", "supervision:action-complete"),
        lambda facts: facts.practitioner,
    ),
    NavItem(
        "Authorisations",
        "workbook:authorisations",
        ("workbook:authorisations",),
        lambda facts: facts.manager,
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
        lambda facts: facts.practitioner,
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
        lambda facts: facts.manager,
    ),
    NavItem("KPIs", "kpis:board", ("kpis",), lambda facts: facts.kpi_reader),
    NavItem(
        "Audit",
        "cases:audit-access",
        (
            "cases:audit-access",
            "cases:audit-disclosures",
            "cases:audit-unusual",
            "cases:audit-unusual-user",
        ),
        lambda facts: facts.auditor,
    ),
    NavItem(
        "Emergency access",
        "cases:emergency-access-review",
        ("cases:emergency-access-review",),
        lambda facts: facts.reviewer,
    ),
    NavItem(
        "Police notifications",
        "cases:triage",
        ("cases:triage", "cases:triage-detail"),
        lambda facts: facts.triager,
    ),
    NavItem("Admin", "admin:index", ("admin",), lambda facts: facts.admin),
]


def nav_items_for(user: Any, current_view: str | None, request: Any = None) -> list[dict[str, Any]]:
    # Worked out once per request however many templates render with the context processor.
    facts = getattr(request, "_nav_facts", None)
    if facts is None:
        facts = navigation_facts(user)
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
        if item.show(facts)
    ]
