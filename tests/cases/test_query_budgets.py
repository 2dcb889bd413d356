"""Query budgets (STYLE.md §3, §13): a page runs the same number of queries however many rows it
shows. Each test measures the count on a small data set, grows the data, and asserts the count
is exactly the same; the small count also stays under a ceiling so a regression shows up."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import factory
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.models import (
    Case,
    ChronologyEvent,
    ChronologyKind,
    HouseholdRole,
    Relationship,
    RelationshipKind,
    StatusKind,
    Warning,
    WarningKind,
)
from teams.models import Team, User
from teams.roles import Role
from tests.factories import (
    AdultFactory,
    AllocationFactory,
    CaseFactory,
    ChildStatusFactory,
    FamilyFactory,
    FamilyMemberFactory,
    MembershipFactory,
    PersonFactory,
    TeamFactory,
)

# ``reference_codes`` (tests/cases/conftest.py) puts back the national code lists a transactional
# test elsewhere may have flushed from a reused test database.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reference_codes")]

# A page needing more queries than this has grown a per-row query or lost a prefetch.
CEILING = 30
# The family page: the banner's warnings are not read again for the warnings section, the four
# code lists come in one query and the supervision panel in one (ISSUE 10: 5 fewer than before).
FAMILY_PAGE_CEILING = 20
SEARCH_NAME = "Quennell"  # every searchable person shares this family name


@dataclass(frozen=True)
class Office:
    team: Team
    manager: User
    worker: User
    specialist: User


@pytest.fixture
def office(db: None) -> Office:
    team = TeamFactory.create()
    return Office(
        team=team,
        manager=MembershipFactory.create(team=team, role=Role.TEAM_MANAGER).user,
        worker=MembershipFactory.create(team=team, role=Role.SOCIAL_WORKER).user,
        specialist=MembershipFactory.create(team=team, role=Role.DOMESTIC_ABUSE_SPECIALIST).user,
    )


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def open_family(office: Office, *, family_name: str = "Budget") -> Case:
    """A family with one child on a child in need plan, a parent, a warning, and the worker
    allocated as lead: every kind of row a caseload line shows."""
    family = FamilyFactory.create(owning_team=office.team, name=f"The {family_name} family")
    case = CaseFactory.create(family=family, lead_social_worker=office.worker)
    AllocationFactory.create(case=case, worker=office.worker)
    child = FamilyMemberFactory.create(
        family=family, person=PersonFactory.create(family_name=family_name)
    )
    FamilyMemberFactory.create(
        family=family,
        person=AdultFactory.create(family_name=family_name),
        household_role=HouseholdRole.PARENT,
    )
    ChildStatusFactory.create(case=case, person=child.person)
    Warning.objects.create(
        family=family,
        kind=WarningKind.ANIMALS,
        details="Large dog at the address",
        review_date=timezone.localdate() + dt.timedelta(days=30),
        created_by=office.manager,
    )
    return case


def add_chronology(case: Case, count: int, recorded_by: User) -> None:
    now = timezone.now()
    ChronologyEvent.objects.bulk_create(
        ChronologyEvent(
            case=case,
            occurred_at=now - dt.timedelta(hours=n),
            kind=ChronologyKind.MEMBER,
            summary=f"Budget event {n}",
            significant=n % 3 == 0,
            recorded_by=recorded_by,
        )
        for n in range(count)
    )


def grow_family(office: Office, case: Case) -> None:
    """More of everything the family page lists: members, statuses, relationships, allocations,
    warnings about a person, a former member and an earlier closed case."""
    family = case.family
    parent = family.members.get(household_role=HouseholdRole.PARENT).person
    children = [
        FamilyMemberFactory.create(
            family=family, person=PersonFactory.create(family_name="Budget")
        ).person
        for _ in range(4)
    ]
    ChildStatusFactory.create_batch(
        len(children),
        case=case,
        person=factory_iter(children),
        kind=StatusKind.CP_PLAN,
        cp_initial_category="NEG",
        cp_latest_category="NEG",
    )
    Relationship.objects.bulk_create(
        Relationship(from_person=parent, to_person=child, kind=RelationshipKind.PARENT_OF)
        for child in children
    )
    FamilyMemberFactory.create(
        family=family,
        person=AdultFactory.create(family_name="Budget"),
        household_role=HouseholdRole.OTHER_ADULT,
        end_date=dt.date(2025, 6, 1),
    )
    AllocationFactory.create(
        case=case, worker=office.specialist, discipline="domestic_abuse", adult=parent
    )
    AllocationFactory.create(case=case, worker=office.manager, discipline="management")
    Warning.objects.bulk_create(
        Warning(
            family=family,
            person=child,
            kind=WarningKind.OTHER,
            details="Check who is at home before visiting",
            review_date=timezone.localdate() + dt.timedelta(days=30),
            created_by=office.manager,
        )
        for child in children
    )
    CaseFactory.create(
        family=family,
        lead_social_worker=office.worker,
        referral_date=dt.date(2024, 3, 4),
        status="closed",
        closed_date=dt.date(2024, 9, 2),
        closure_reason="RC8",
    )


def factory_iter(items: list[Any]) -> Any:
    return factory.Iterator(items, cycle=False)


# --- family page ----------------------------------------------------------------------------------


def test_the_family_page_runs_the_same_queries_for_2_and_40_chronology_events(
    office: Office, django_assert_num_queries: Any, django_assert_max_num_queries: Any
) -> None:
    case = open_family(office)
    add_chronology(case, 2, office.worker)
    client = signed_in(office.worker)
    url = reverse("cases:family", args=[case.family_id])
    client.get(url)
    with django_assert_max_num_queries(FAMILY_PAGE_CEILING) as small:
        assert client.get(url).status_code == 200

    add_chronology(case, 38, office.worker)

    with django_assert_num_queries(len(small)):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.count(b"Budget event") == 40


def test_the_family_page_runs_the_same_queries_with_more_members_statuses_and_workers(
    office: Office, django_assert_num_queries: Any, django_assert_max_num_queries: Any
) -> None:
    case = open_family(office)
    add_chronology(case, 2, office.worker)
    client = signed_in(office.manager)
    url = reverse("cases:family", args=[case.family_id])
    client.get(url)
    with django_assert_max_num_queries(FAMILY_PAGE_CEILING) as small:
        assert client.get(url).status_code == 200

    grow_family(office, case)
    add_chronology(case, 38, office.worker)

    with django_assert_num_queries(len(small)):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.count(b"Child protection plan") >= 4
    assert response.content.count(b"is parent of") == 4


def test_the_person_page_runs_the_same_queries_for_a_person_with_more_relationships(
    office: Office, django_assert_num_queries: Any, django_assert_max_num_queries: Any
) -> None:
    case = open_family(office)
    parent = case.family.members.get(household_role=HouseholdRole.PARENT).person
    client = signed_in(office.worker)
    url = reverse("cases:person", args=[parent.pk])
    client.get(url)
    with django_assert_max_num_queries(CEILING) as small:
        assert client.get(url).status_code == 200

    grow_family(office, case)

    with django_assert_num_queries(len(small)):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.count(b"is parent of") == 4


# --- caseloads ------------------------------------------------------------------------------------


def test_my_caseload_runs_the_same_queries_for_2_and_30_families(
    office: Office, django_assert_num_queries: Any, django_assert_max_num_queries: Any
) -> None:
    for _ in range(2):
        open_family(office)
    client = signed_in(office.worker)
    url = reverse("cases:caseload")
    client.get(url)
    with django_assert_max_num_queries(CEILING) as small:
        assert client.get(url).status_code == 200

    for _ in range(28):
        open_family(office)

    with django_assert_num_queries(len(small)):
        response = client.get(url)
    assert response.status_code == 200
    assert b"You are allocated to 30 open families" in response.content


def test_the_team_caseload_runs_the_same_queries_for_2_and_30_families(
    office: Office, django_assert_num_queries: Any, django_assert_max_num_queries: Any
) -> None:
    for _ in range(2):
        open_family(office)
    client = signed_in(office.manager)
    url = reverse("cases:team-caseload", args=[office.team.slug])
    client.get(url)
    with django_assert_max_num_queries(CEILING) as small:
        assert client.get(url).status_code == 200

    for _ in range(28):
        open_family(office)

    with django_assert_num_queries(len(small)):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.count(b"The Budget family") == 30


def test_the_team_page_runs_the_same_queries_for_more_members(
    office: Office, django_assert_num_queries: Any, django_assert_max_num_queries: Any
) -> None:
    open_family(office)
    client = signed_in(office.manager)
    url = reverse("cases:team", args=[office.team.slug])
    client.get(url)
    with django_assert_max_num_queries(CEILING) as small:
        assert client.get(url).status_code == 200

    other_team = TeamFactory.create(service=office.team.service)
    for role in (Role.SOCIAL_WORKER, Role.FAMILY_PRACTITIONER, Role.MENTAL_HEALTH_SPECIALIST) * 5:
        shared = MembershipFactory.create(team=office.team, role=role).user
        MembershipFactory.create(team=other_team, role=role, user=shared, is_home_team=False)

    with django_assert_num_queries(len(small)):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.count(other_team.name.encode()) >= 15


# --- search ---------------------------------------------------------------------------------------


def test_search_results_run_the_same_queries_for_2_and_20_matching_people(
    office: Office, django_assert_num_queries: Any, django_assert_max_num_queries: Any
) -> None:
    case = open_family(office)
    second_family = open_family(office, family_name="Other").family
    people = PersonFactory.create_batch(2, family_name=SEARCH_NAME)
    FamilyMemberFactory.create(family=case.family, person=people[0])
    FamilyMemberFactory.create(family=second_family, person=people[1])
    client = signed_in(office.worker)
    url = reverse("cases:search")
    client.get(url, {"name": SEARCH_NAME})
    with django_assert_max_num_queries(CEILING) as small:
        assert b"2 people found" in client.get(url, {"name": SEARCH_NAME}).content

    more = PersonFactory.create_batch(18, family_name=SEARCH_NAME)
    FamilyMemberFactory.create_batch(
        18, family=factory_iter([case.family, second_family] * 9), person=factory_iter(more)
    )

    with django_assert_num_queries(len(small)):
        response = client.get(url, {"name": SEARCH_NAME})
    assert response.status_code == 200
    assert b"20 people found" in response.content
