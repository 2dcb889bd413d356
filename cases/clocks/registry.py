"""Sections that later apps add to the family page.

``cases`` must not import the apps built on it (DESIGN §3: teams <- cases <- workbook <-
supervision), yet the family page shows, for example, each child's risk scale from group
supervision. Those apps register a provider here when they load; the family page renders
whatever panels the providers return, in registration order."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cases.models import Case


@dataclass(frozen=True)
class Panel:
    template: str
    context: dict[str, Any] = field(default_factory=dict)


PanelProvider = Callable[[Any, Case], Panel | None]
_providers: list[PanelProvider] = []


def register_family_panel(provider: PanelProvider) -> PanelProvider:
    if provider not in _providers:
        _providers.append(provider)
    return provider


def family_panels(user: Any, case: Case) -> list[Panel]:
    panels = (provider(user, case) for provider in _providers)
    return [panel for panel in panels if panel is not None]
