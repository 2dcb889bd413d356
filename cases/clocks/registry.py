"""The three ways later apps extend what ``cases`` shows: family page panels, clock sources and
team tray panels.

``cases`` must not import the apps built on it (DESIGN §3: teams <- cases <- workbook <-
supervision), yet the family page shows each child's risk scale from group supervision, the
tray shows supervision actions and workbook deadlines, and the team view the workbook's
authorisation queue. Those apps register here when they load (their ``AppConfig.ready``);
``cases`` renders whatever the registered providers return, in registration order."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from cases.clocks.engine import CaseFacts
from cases.models import Case
from teams.models import Team, User


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


# --- clock sources ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ClockSource:
    """Another app's part of the clocks. ``load`` fills its fields of each case's facts with a
    fixed number of queries; ``owned_cases`` is a condition on ``Case`` rows for the cases on
    which the user may own one of its items (a supervision they chair, an action they own)."""

    name: str
    load: Callable[[Mapping[int, CaseFacts], dt.date], None]
    owned_cases: Callable[[User], Q] | None = None


_sources: dict[str, ClockSource] = {}


def register_clock_source(source: ClockSource) -> ClockSource:
    _sources[source.name] = source
    return source


def clock_sources() -> list[ClockSource]:
    return list(_sources.values())


# --- team tray panels -------------------------------------------------------------------------

TeamPanelProvider = Callable[[User, Team], Panel | None]
_team_panels: list[TeamPanelProvider] = []


def register_team_tray_panel(provider: TeamPanelProvider) -> TeamPanelProvider:
    """A section of the team view from a later app (the workbook's authorisation queue)."""
    if provider not in _team_panels:
        _team_panels.append(provider)
    return provider


def team_tray_panels(user: User, team: Team) -> list[Panel]:
    panels = (provider(user, team) for provider in _team_panels)
    return [panel for panel in panels if panel is not None]
