"""The work tray: everything a worker owns that is overdue or due in the next 10 working days,
grouped by family, and the team view of the same for managers (selectors, STYLE.md §3).

Loading is set-based: ``case_facts`` reads any number of cases in a fixed number of queries
(cases, statuses, reviews, warnings, allocations, team managers, then one or two per clock
source), and the pure engine in ``cases.clocks.engine`` does the rest. The daily escalations use the
same loader for every open case.

``cases`` may not import the apps built on it (DESIGN §3), yet supervision actions and workbook
entries run clocks too. Those apps register a ``ClockSource`` in ``cases.clocks.registry`` when
they load: it fills their part of each case's facts in bulk and says which cases a user may own
items on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from cases.clocks.engine import CaseFacts, ClockItem, case_clocks, due_or_overdue, due_soon_horizon
from cases.clocks.registry import Panel, clock_sources, team_tray_panels
from cases.models import (
    Allocation,
    Case,
    CaseStatus,
    ChildStatus,
    Family,
    Person,
    ReviewConference,
    Warning,
)
from cases.policies import cases_with_basis
from teams.models import Membership, Team, User
from teams.roles import MANAGER_ROLES, Role
from teams.workforce.selectors import (
    FollowUpRow,
    follow_ups_due_for_user,
    follow_ups_due_in_team,
)

# --- loading ----------------------------------------------------------------------------------


def case_facts(cases: QuerySet[Case], today: dt.date) -> dict[int, CaseFacts]:
    """The facts every clock of these cases needs, by case id, in a fixed number of queries."""
    loaded = list(cases.select_related("family__owning_team").order_by("pk"))
    if not loaded:
        return {}
    ids = [case.pk for case in loaded]
    facts = {case.pk: CaseFacts(case=case, statuses=[], people={}) for case in loaded}
    by_family = {case.family_id: facts[case.pk] for case in loaded}
    for status in ChildStatus.objects.filter(case_id__in=ids).select_related("person"):
        facts[status.case_id].statuses.append(status)
        facts[status.case_id].people[status.person_id] = status.person
    for status_id, case_id, held_on in ReviewConference.objects.filter(
        status__case_id__in=ids
    ).values_list("status_id", "status__case_id", "held_on"):
        facts[case_id].reviews_held.setdefault(status_id, []).append(held_on)
    for warning in Warning.objects.filter(
        family_id__in=list(by_family), ended_at__isnull=True
    ).select_related("person"):
        family_facts = by_family[warning.family_id]
        family_facts.warnings.append(warning)
        if warning.person is not None:
            family_facts.people[warning.person.pk] = warning.person
    allocated: dict[int, set[int]] = {}
    for case_id, worker_id in (
        Allocation.objects.active(today)
        .filter(case_id__in=ids, worker__is_active=True)
        .values_list("case_id", "worker_id")
    ):
        allocated.setdefault(case_id, set()).add(worker_id)
    managers = _team_managers({case.family.owning_team_id for case in loaded}, today)
    for case in loaded:
        facts[case.pk].allocated_worker_ids = tuple(sorted(allocated.get(case.pk, ())))
        facts[case.pk].team_manager_ids = managers.get(case.family.owning_team_id, ())
    for source in clock_sources():
        source.load(facts, today)
    return facts


def _team_managers(team_ids: Iterable[int], today: dt.date) -> dict[int, tuple[int, ...]]:
    """Each team's team managers; a team without one (a vacancy) falls to its assistants."""
    by_role: dict[tuple[int, str], set[int]] = {}
    for team_id, role, user_id in (
        Membership.objects.active(today)
        .filter(team_id__in=list(team_ids), role__in=MANAGER_ROLES, user__is_active=True)
        .values_list("team_id", "role", "user_id")
    ):
        by_role.setdefault((team_id, role), set()).add(user_id)
    return {
        team_id: tuple(
            sorted(
                by_role.get((team_id, Role.TEAM_MANAGER))
                or by_role.get((team_id, Role.ASSISTANT_TEAM_MANAGER))
                or ()
            )
        )
        for team_id in team_ids
    }


# --- the tray ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrayItem:
    item: ClockItem
    person: Person | None
    overdue: bool
    # Calendar days past the due date (0 when not overdue), or days left when not overdue.
    days: int


@dataclass
class FamilyTray:
    case: Case
    items: list[TrayItem] = field(default_factory=list)

    @property
    def family(self) -> Family:
        return self.case.family

    @property
    def overdue_count(self) -> int:
        return sum(1 for row in self.items if row.overdue)


@dataclass
class Tray:
    today: dt.date
    horizon: dt.date
    families: list[FamilyTray]
    # Training the worker owes (the MI embedding session when due or overdue): not a family's.
    training: list[FollowUpRow] = field(default_factory=list)

    @property
    def overdue_count(self) -> int:
        return sum(family.overdue_count for family in self.families)

    @property
    def due_soon_count(self) -> int:
        return sum(len(family.items) - family.overdue_count for family in self.families)


def _row(item: ClockItem, facts: CaseFacts, today: dt.date) -> TrayItem:
    person = facts.people.get(item.person_id) if item.person_id is not None else None
    overdue = item.is_overdue(today)
    days = abs(item.days_left(today))
    return TrayItem(item=item, person=person, overdue=overdue, days=days)


def _owned_cases(user: User, today: dt.date) -> Q:
    managed_teams = (
        Membership.objects.active(today).filter(user=user, role__in=MANAGER_ROLES).values("team_id")
    )
    owned = (
        Q(lead_social_worker=user)
        | Exists(Allocation.objects.active(today).filter(case_id=OuterRef("pk"), worker=user))
        | Q(family__owning_team_id__in=managed_teams)
    )
    for source in clock_sources():
        if source.owned_cases is not None:
            owned |= source.owned_cases(user)
    return owned


def tray_for_user(user: User, *, today: dt.date | None = None) -> Tray:
    """What the user owns that is overdue or due within 10 working days, grouped by family:
    families with the most urgent item first, and within a family the most urgent first."""
    day = today or timezone.localdate()
    cases = cases_with_basis(user).filter(status=CaseStatus.OPEN).filter(_owned_cases(user, day))
    families: list[FamilyTray] = []
    for facts in case_facts(cases, day).values():
        owned = [item for item in case_clocks(facts) if user.pk in item.owner_ids]
        rows = [_row(item, facts, day) for item in due_or_overdue(owned, day)]
        if rows:
            families.append(FamilyTray(case=facts.case, items=rows))
    families.sort(key=lambda family: (family.items[0].item.due_date, family.family.name))
    return Tray(
        today=day,
        horizon=due_soon_horizon(day),
        families=families,
        training=follow_ups_due_for_user(user, day),
    )


# --- the team view ----------------------------------------------------------------------------


@dataclass
class WorkerTray:
    worker: User
    overdue: list[TrayItem] = field(default_factory=list)
    due_soon: list[TrayItem] = field(default_factory=list)


@dataclass
class TeamTray:
    team: Team
    today: dt.date
    horizon: dt.date
    workers: list[WorkerTray]
    families: dict[int, Family]
    panels: list[Panel]
    # Team members' training due or overdue (the MI embedding session).
    training: list[FollowUpRow] = field(default_factory=list)

    @property
    def overdue_count(self) -> int:
        return sum(len(worker.overdue) for worker in self.workers)

    @property
    def due_soon_count(self) -> int:
        return sum(len(worker.due_soon) for worker in self.workers)


def team_tray(user: User, team: Team, *, today: dt.date | None = None) -> TeamTray:
    """Overdue and due-soon items on the team's open families, by the worker who owns them
    (most overdue first), with the sections later apps add (entries awaiting authorisation).
    Callers check the user manages the team (``teams_managed_by``)."""
    day = today or timezone.localdate()
    cases = cases_with_basis(user).filter(status=CaseStatus.OPEN, family__owning_team=team)
    by_owner: dict[int, list[TrayItem]] = {}
    families: dict[int, Family] = {}
    for facts in case_facts(cases, day).values():
        families[facts.case.family_id] = facts.case.family
        for item in due_or_overdue(case_clocks(facts), day):
            row = _row(item, facts, day)
            for owner_id in item.owner_ids:
                by_owner.setdefault(owner_id, []).append(row)
    users = User.objects.in_bulk(list(by_owner))
    workers = [
        WorkerTray(
            worker=users[owner_id],
            overdue=[row for row in rows if row.overdue],
            due_soon=[row for row in rows if not row.overdue],
        )
        for owner_id, rows in by_owner.items()
        if owner_id in users
    ]
    workers.sort(
        key=lambda w: (-len(w.overdue), -len(w.due_soon), w.worker.family_name, w.worker.pk)
    )
    return TeamTray(
        team=team,
        today=day,
        horizon=due_soon_horizon(day),
        workers=workers,
        families=families,
        panels=team_tray_panels(user, team),
        training=follow_ups_due_in_team(team, day),
    )
