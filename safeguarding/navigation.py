"""The service navigation shown to a signed-in user: only pages they may use."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    section: str
    show: Callable[[Any], bool]


def _everyone(user: Any) -> bool:
    return True


def _staff(user: Any) -> bool:
    return bool(user.is_staff)


NAV_ITEMS: list[NavItem] = [
    NavItem("Home", "home", "home", _everyone),
    NavItem("Admin", "admin:index", "admin", _staff),
]


def nav_items_for(user: Any, current_view: str | None) -> list[dict[str, Any]]:
    current_section = (current_view or "").split(":")[0]
    return [
        {
            "label": item.label,
            "url": reverse(item.url_name),
            "active": current_view == item.url_name or current_section == item.section,
        }
        for item in NAV_ITEMS
        if item.show(user)
    ]
