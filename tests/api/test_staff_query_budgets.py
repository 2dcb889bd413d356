"""Query budgets (STYLE.md §13) for the staff API lists: a page of 100 rows runs exactly the
queries a page of 10 does, and the count is pinned, so a per-row query or a lost prefetch
shows up here. The counts are for the whole request: session, user, the list, its prefetches,
the access-policy lookups and the one INSERT of the read audit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import AccessAction, AccessEvent, Case, CaseStatus, HouseholdRole
from supervision.models import ActionStatus, SupervisionAction
from teams.models import Team, User
from teams.roles import Role
from tests.api.staff_world import count_queries, session_client
from tests.factories import (
    AdultFactory,
    AllocationFactory,
    CaseFactory,
    FamilyFactory,
    FamilyMemberFactory,
    MembershipFactory,
    TeamFactory,
)
from tests.supervision.conftest import build_family_team, schedule
from workbook.models import Entry, EntryStatus
from workbook.services import entry_start

pytestmark = pytest.mark.django_db

ROWS = 105  # more than the largest page, so both pages are full
SMALL, LARGE = 10, 100
# django-otp loads the device that verified the session on every request (teams.mfa).
SECOND_FACTOR_QUERIES = 1


def _worker_with_families(count: int) -> tuple[User, Team]:
    """A social worker in a team of ``count`` families, each with a case and two people; every
    third case is allocated to the worker, every fifth family is closed, every seventh is
    restricted (and allocated, so still visible)."""
    team = TeamFactory.create()
    worker = MembershipFactory.create(team=team, role=Role.SOCIAL_WORKER).user
    lead = MembershipFactory.create(team=team, role=Role.SOCIAL_WORKER).user
    for n in range(count):
        family = FamilyFactory.create(owning_team=team, restricted=n % 7 == 0)
        closed = n % 5 == 0
        case = CaseFactory.create(
            family=family,
            lead_social_worker=lead,
            status="closed" if closed else "open",
            closed_date=dt.date(2025, 6, 1) if closed else None,
            closure_reason="RC1" if closed else "",
        )
        if n % 3 == 0 or n % 7 == 0:
            AllocationFactory.create(case=case, worker=worker)
        FamilyMemberFactory.create(family=family, household_role=HouseholdRole.CHILD)
        FamilyMemberFactory.create(
            family=family, person=AdultFactory.create(), household_role=HouseholdRole.PARENT
        )
    return worker, team


def _assert_flat(worker: User, url: str, expected: int) -> None:
    client = session_client(worker)
    client.get(url, {"page_size": 1})  # warm the session and the throttle's cache entry
    small, small_body = count_queries(client, url, page_size=SMALL)
    large, large_body = count_queries(client, url, page_size=LARGE)

    assert len(small_body["results"]) == SMALL
    assert len(large_body["results"]) == LARGE
    assert small == large == expected + SECOND_FACTOR_QUERIES


def test_the_family_list_runs_the_same_queries_for_10_and_100_families() -> None:
    worker, _ = _worker_with_families(ROWS)

    _assert_flat(worker, reverse("api:families"), 5)
    assert AccessEvent.objects.filter(user_id=worker.pk, action=AccessAction.API).count() == (
        1 + SMALL + LARGE
    )


def test_the_people_list_runs_the_same_queries_for_10_and_100_people() -> None:
    worker, _ = _worker_with_families(ROWS // 2 + 1)

    _assert_flat(worker, reverse("api:people"), 6)


def test_the_case_list_runs_the_same_queries_for_10_and_100_cases() -> None:
    worker, _ = _worker_with_families(ROWS)

    _assert_flat(worker, reverse("api:cases"), 4)


def test_the_entry_list_runs_the_same_queries_for_10_and_100_entries() -> None:
    worker, team = _worker_with_families(5)
    colleague = MembershipFactory.create(team=team, role=Role.FAMILY_PRACTITIONER).user
    open_cases = list(Case.objects.filter(family__owning_team=team, status=CaseStatus.OPEN))
    for n in range(ROWS):
        entry_start(
            actor=worker if n % 2 else colleague,
            case=open_cases[n % len(open_cases)],
            form_slug="case-note",
        )
    # The colleague's entries are submitted, so the worker sees them too.
    Entry.objects.filter(author=colleague).update(
        status=EntryStatus.SUBMITTED, submitted_at=timezone.now()
    )

    _assert_flat(worker, reverse("api:entries"), 5)


def test_the_action_list_runs_the_same_queries_for_10_and_100_actions() -> None:
    ft = build_family_team("Whitlow")
    supervision = schedule(ft, on=timezone.localdate())
    actions = SupervisionAction.objects.bulk_create(
        SupervisionAction(
            supervision=supervision,
            case=ft.case,
            description=f"Action {n}",
            owner=ft.lead,
            due_date=timezone.localdate() + dt.timedelta(days=n % 9),
            status=ActionStatus.DONE if n % 4 == 0 else ActionStatus.OPEN,
            completed_at=timezone.now() if n % 4 == 0 else None,
            completed_by=ft.lead if n % 4 == 0 else None,
        )
        for n in range(ROWS)
    )
    SupervisionAction.children.through.objects.bulk_create(
        SupervisionAction.children.through(supervisionaction_id=action.pk, person_id=child.pk)
        for action in actions
        for child in ft.children
    )

    _assert_flat(ft.lead, reverse("api:actions"), 4)
