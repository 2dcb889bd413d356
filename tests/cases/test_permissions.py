"""The permission matrix (STYLE.md §15), generated from the role table.

Every team role (as a member of the family's owning team, or of a team near it) and every
service role (no membership) x every family, person and team page in ``cases/urls.py`` (the
audit and triage pages have their own tables) x the user's relationship with the family, with
the status code the rules of DESIGN §5 expect:

- not visible -> 404; visible but not permitted -> 403; permitted GET -> 200; permitted POST
  of an action without a page (removing a warning) -> 302 back to the family;
- a user sees a family through an allocation, membership of the owning team, a service manager
  membership in the owning team's service, an unexpired grant or a read-only share;
- a restricted family needs an allocation, a grant or a share;
- board members, analysts and system administrators never see a family or a person;
- grants and shares are read-only;
- managing (allocate, end an allocation, transfer, close, reopen, share) needs team manager,
  assistant team manager or service manager over the owning team;
- recording needs an allocation or a recording role in the owning team (adult specialists and
  seconded officers record only where they are allocated);
- who viewed a family: managers over the owning team, and auditors for any family;
- everyone opens the home page and their own tray, caseload, search and list of teams; a
  team's tray, like its caseload, is for its managers; adding and ending memberships is for
  service managers.

The expectation is computed by ``expected_family_status``, ``expected_team_status`` and
``expected_global_status`` from that table, never read from the application's policy module,
so the two can disagree; each matrix test then lists every cell that differs.

The world is built once per module (and per xdist worker) inside one outer transaction that
is rolled back at the end; each test runs in a savepoint inside it.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import pytest
from django.apps import apps
from django.db import transaction
from django.test import Client
from django.urls import resolve, reverse
from django.utils import timezone

from cases.models import AccessGrant, Allocation, Case, HouseholdRole, Person, Sex, WarningKind
from cases.services import (
    AddressDetails,
    MemberSpec,
    PersonDetails,
    access_grant_request,
    allocation_start,
    case_close,
    case_share,
    child_status_start,
    person_create,
    referral_record,
    warning_add,
)
from teams.models import Team, User
from teams.roles import Role, ServiceRole
from tests import permission_matrix
from tests.factories import MembershipFactory, ServiceFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

POLICE = "6"  # CIN census referral source code
NO_FURTHER_ACTION = "RC8"  # closure reason code
NEGLECT = "NEG"  # child protection category
EMERGENCY_REASON = "Child presented at A&E out of hours; checking for a protection plan."

# --- the role table ------------------------------------------------------------------------------

MANAGERS = frozenset({Role.TEAM_MANAGER, Role.ASSISTANT_TEAM_MANAGER, Role.SERVICE_MANAGER})
# Roles that record on any (unrestricted) family of their own team without being allocated.
RECORDERS = frozenset(
    {
        Role.TEAM_MANAGER,
        Role.ASSISTANT_TEAM_MANAGER,
        Role.SENIOR_SOCIAL_WORKER,
        Role.SOCIAL_WORKER,
        Role.FAMILY_PRACTITIONER,
        Role.TEAM_STANDARDS_COORDINATOR,
    }
)
# Roles that may record a new referral.
REFERRERS = frozenset(
    {
        Role.TEAM_MANAGER,
        Role.ASSISTANT_TEAM_MANAGER,
        Role.SENIOR_SOCIAL_WORKER,
        Role.SOCIAL_WORKER,
        Role.TEAM_STANDARDS_COORDINATOR,
        Role.SERVICE_MANAGER,
    }
)
AGGREGATE_ONLY = frozenset(
    {ServiceRole.BOARD_MEMBER, ServiceRole.PERFORMANCE_ANALYST, ServiceRole.SYSTEM_ADMIN}
)
TEAM_ROLES: list[str] = list(Role.values)
SERVICE_ROLES: list[str] = list(ServiceRole.values)
SUBJECTS: list[str] = TEAM_ROLES + SERVICE_ROLES


class Situation(StrEnum):
    """The subject's relationship with the family whose page they open."""

    ALLOCATED = "allocated to the case"
    SAME_TEAM = "same team, not allocated"
    SAME_SERVICE = "other team, same service"
    OTHER_SERVICE = "other service (no relationship)"
    RESTRICTED = "restricted family, same team, not allocated"
    RESTRICTED_ALLOCATED = "restricted family, allocated"
    GRANT = "active emergency grant"
    EXPIRED_GRANT = "expired emergency grant"
    SHARED = "shared read-only"


class TeamSituation(StrEnum):
    """The subject's relationship with the team whose page they open."""

    MEMBER = "member of the team"
    SAME_SERVICE = "member of another team in the service"
    OTHER_SERVICE = "member of a team in another service"
    NONE = "no membership anywhere"
    NOT_APPLICABLE = "-"


TEAM_ROLE_SITUATIONS = [
    Situation.ALLOCATED,
    Situation.SAME_TEAM,
    Situation.SAME_SERVICE,
    Situation.OTHER_SERVICE,
    Situation.RESTRICTED,
    Situation.RESTRICTED_ALLOCATED,
    Situation.GRANT,
    Situation.EXPIRED_GRANT,
]
# Service roles hold no membership, so they cannot be allocated and cannot request emergency
# access (both services refuse); only reviewing officers can be shared with.
SERVICE_ROLE_SITUATIONS = [Situation.OTHER_SERVICE, Situation.RESTRICTED]


def family_situations(subject: str) -> list[Situation]:
    shared = [Situation.SHARED] if subject == ServiceRole.INDEPENDENT_REVIEWING_OFFICER else []
    return (TEAM_ROLE_SITUATIONS if subject in TEAM_ROLES else SERVICE_ROLE_SITUATIONS) + shared


def team_situations(subject: str) -> list[TeamSituation]:
    if subject in TEAM_ROLES:
        return [TeamSituation.MEMBER, TeamSituation.SAME_SERVICE, TeamSituation.OTHER_SERVICE]
    return [TeamSituation.NONE]


class Need(StrEnum):
    READ = "read"
    RECORD = "record"
    MANAGE = "manage"
    ACCESS_LOG = "access log"


# --- the expectation -----------------------------------------------------------------------------

TEAM_WORK = {
    Situation.ALLOCATED,
    Situation.SAME_TEAM,
    Situation.SAME_SERVICE,
    Situation.RESTRICTED_ALLOCATED,
}
ALLOCATION = {Situation.ALLOCATED, Situation.RESTRICTED_ALLOCATED}


def sees_family(subject: str, situation: Situation) -> bool:
    if subject in AGGREGATE_ONLY:
        return False
    return situation in ALLOCATION | {Situation.SAME_TEAM, Situation.GRANT, Situation.SHARED} or (
        situation == Situation.SAME_SERVICE and subject == Role.SERVICE_MANAGER
    )


def may(subject: str, need: Need, situation: Situation) -> bool:
    """On a family the subject sees: grants and shares read only, team work by role."""
    in_team_work = situation in TEAM_WORK
    manages = in_team_work and subject in MANAGERS
    records = in_team_work and (situation in ALLOCATION or subject in RECORDERS | MANAGERS)
    return {
        Need.READ: True,
        Need.RECORD: records,
        Need.MANAGE: manages,
        Need.ACCESS_LOG: manages,
    }[need]


def expected_family_status(
    subject: str, need: Need, situation: Situation, *, permitted: int = 200
) -> int:
    """``permitted`` is what the page answers when the subject may: 200, or 302 for a POST."""
    if need == Need.ACCESS_LOG and subject == ServiceRole.AUDITOR:
        return 200  # auditors see who viewed any family, by reference, without its content
    if not sees_family(subject, situation):
        return 404
    return permitted if may(subject, need, situation) else 403


def sees_team(subject: str, situation: TeamSituation) -> bool:
    return situation == TeamSituation.MEMBER or (
        situation == TeamSituation.SAME_SERVICE and subject == Role.SERVICE_MANAGER
    )


def expected_team_status(subject: str, page: str, situation: TeamSituation) -> int:
    if page == "team":
        allowed = True
    elif page in ("team-caseload", "team-tray"):  # a member who does not manage: 403, not 404
        allowed = subject in MANAGERS
    else:  # membership-start and -end: service managers run the teams of their service
        allowed = subject == Role.SERVICE_MANAGER
    if not sees_team(subject, situation):
        return 404
    return 200 if allowed else 403


def expected_global_status(subject: str, page: str) -> int:
    allowed = {
        "home": True,
        "caseload": True,
        "tray": True,
        "teams": True,
        "search": True,
        "referral": subject in REFERRERS,
        "emergency-access": subject in TEAM_ROLES,
        "emergency-access-review": subject in MANAGERS or subject == ServiceRole.AUDITOR,
    }[page]
    return 200 if allowed else 403


# --- the world -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FamilyTarget:
    family_pk: int
    child_pk: int
    lead_allocation_pk: int
    status_pk: int | None  # the child's child protection plan, on an open case
    warning_pk: int | None  # a warning about the family, on an open case


@dataclass
class World:
    clients: dict[str, Client]
    open_families: dict[Situation, FamilyTarget]
    closed_families: dict[Situation, FamilyTarget]
    team_slugs: dict[TeamSituation, str]
    team_memberships: dict[TeamSituation, int]  # a membership of that team, to end


def seed_reference_codes() -> None:
    """The code lists come from a data migration; a transactional test elsewhere in a reused
    test database flushes them, so put them back (the seed is rerunnable)."""
    importlib.import_module("cases.migrations.0002_seed_reference_codes").seed(apps, None)


def _person(actor: User, given: str, born: dt.date) -> Person:
    return person_create(
        actor=actor,
        details=PersonDetails(
            given_name=given, family_name="Matrixfamily", date_of_birth=born, sex=Sex.UNKNOWN
        ),
        confirmed_new=True,
    )


def _refer(team: Team, lead: User, *, restricted: bool, label: str) -> tuple[Case, Person, Person]:
    referral_date = timezone.localdate() - dt.timedelta(days=30)
    child = _person(lead, f"Child{label}", dt.date(2017, 3, 4))
    parent = _person(lead, f"Parent{label}", dt.date(1990, 6, 7))
    case = referral_record(
        actor=lead,
        team=team,
        family_name=f"The {label} family",
        address=AddressDetails(address_line_1="1 Matrix Road", town="Testtown"),
        members=[MemberSpec(child, HouseholdRole.CHILD), MemberSpec(parent, HouseholdRole.PARENT)],
        referral_date=referral_date,
        referral_source=POLICE,
        lead_social_worker=lead,
        restricted=restricted,
    )
    return case, child, parent


def _build_family(
    *,
    situation: Situation,
    closed: bool,
    team: Team,
    lead: User,
    subjects: dict[str, User],
) -> FamilyTarget:
    restricted = situation in (Situation.RESTRICTED, Situation.RESTRICTED_ALLOCATED)
    case, child, parent = _refer(
        team, lead, restricted=restricted, label=f"{situation.name}{'Closed' if closed else ''}"
    )
    team_members = [subjects[role] for role in TEAM_ROLES]
    for worker in team_members if situation in ALLOCATION else []:
        allocation_start(actor=lead, case=case, worker=worker, adult=parent)
    for worker in team_members if situation in (Situation.GRANT, Situation.EXPIRED_GRANT) else []:
        access_grant_request(actor=worker, case=case, reason=EMERGENCY_REASON)
    if situation == Situation.EXPIRED_GRANT:
        now = timezone.now()
        AccessGrant.objects.filter(case=case).update(
            granted_at=now - dt.timedelta(hours=5), expires_at=now - dt.timedelta(hours=1)
        )
    if situation == Situation.SHARED:
        case_share(actor=lead, case=case, user=subjects[ServiceRole.INDEPENDENT_REVIEWING_OFFICER])
    status = warning = None
    if closed:
        # Closed today: allocations end today, so an allocated worker is still allocated.
        case_close(
            actor=lead,
            case=case,
            closed_date=timezone.localdate(),
            closure_reason=NO_FURTHER_ACTION,
        )
    else:
        status = child_status_start(
            actor=lead,
            case=case,
            person=child,
            kind="cp_plan",
            start_date=case.referral_date,
            cp_category=NEGLECT,
        )
        warning = warning_add(
            actor=lead,
            case=case,
            kind=WarningKind.ANIMALS,
            details="A dog lives at the address.",
            review_date=timezone.localdate() + dt.timedelta(days=60),
        )
    return FamilyTarget(
        family_pk=case.family_id,
        child_pk=child.pk,
        lead_allocation_pk=Allocation.objects.get(case=case, worker=lead).pk,
        status_pk=status.pk if status is not None else None,
        warning_pk=warning.pk if warning is not None else None,
    )


FAMILY_TEAM = {
    Situation.ALLOCATED: "home",
    Situation.SAME_TEAM: "home",
    Situation.SAME_SERVICE: "sister",
    Situation.OTHER_SERVICE: "far",
    Situation.RESTRICTED: "home",
    Situation.RESTRICTED_ALLOCATED: "home",
    Situation.GRANT: "far",
    Situation.EXPIRED_GRANT: "far",
    Situation.SHARED: "far",
}


def build_world() -> World:
    seed_reference_codes()
    service = ServiceFactory.create()
    teams = {
        "home": TeamFactory.create(service=service),
        "sister": TeamFactory.create(service=service),
        "far": TeamFactory.create(service=ServiceFactory.create()),
    }
    lead_memberships = {
        name: MembershipFactory.create(team=team, role=Role.SOCIAL_WORKER)
        for name, team in teams.items()
    }
    leads = {name: membership.user for name, membership in lead_memberships.items()}
    subjects: dict[str, User] = {
        role: MembershipFactory.create(team=teams["home"], role=role).user for role in TEAM_ROLES
    }
    subjects |= {role: UserFactory.create(service_role=role) for role in SERVICE_ROLES}
    families = {
        (situation, closed): _build_family(
            situation=situation,
            closed=closed,
            team=teams[FAMILY_TEAM[situation]],
            lead=leads[FAMILY_TEAM[situation]],
            subjects=subjects,
        )
        for situation in Situation
        for closed in (False, True)
    }
    clients = {}
    for subject, user in subjects.items():
        client = Client(raise_request_exception=False)
        client.force_login(user)
        clients[subject] = client
    return World(
        clients=clients,
        open_families={s: target for (s, closed), target in families.items() if not closed},
        closed_families={s: target for (s, closed), target in families.items() if closed},
        team_slugs={
            TeamSituation.MEMBER: teams["home"].slug,
            TeamSituation.SAME_SERVICE: teams["sister"].slug,
            TeamSituation.OTHER_SERVICE: teams["far"].slug,
            TeamSituation.NONE: teams["home"].slug,
        },
        team_memberships={
            TeamSituation.MEMBER: lead_memberships["home"].pk,
            TeamSituation.SAME_SERVICE: lead_memberships["sister"].pk,
            TeamSituation.OTHER_SERVICE: lead_memberships["far"].pk,
            TeamSituation.NONE: lead_memberships["home"].pk,
        },
    )


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


# --- the pages -----------------------------------------------------------------------------------


def _family_url(name: str) -> Callable[[FamilyTarget], str]:
    return lambda t: reverse(f"cases:{name}", args=[t.family_pk])


FAMILY_PAGES: dict[str, tuple[Need, Callable[[FamilyTarget], str]]] = {
    "family": (Need.READ, _family_url("family")),
    "person": (Need.READ, lambda t: reverse("cases:person", args=[t.child_pk])),
    "person-edit": (Need.RECORD, lambda t: reverse("cases:person-edit", args=[t.child_pk])),
    "member-add": (Need.RECORD, _family_url("member-add")),
    "relationship-add": (Need.RECORD, _family_url("relationship-add")),
    "status-add": (Need.RECORD, _family_url("status-add")),
    "status-end": (
        Need.RECORD,
        lambda t: reverse("cases:status-end", args=[t.family_pk, t.status_pk]),
    ),
    "warning-add": (Need.RECORD, _family_url("warning-add")),
    "warning-review": (
        Need.RECORD,
        lambda t: reverse("cases:warning-review", args=[t.family_pk, t.warning_pk]),
    ),
    "warning-end": (
        Need.RECORD,
        lambda t: reverse("cases:warning-end", args=[t.family_pk, t.warning_pk]),
    ),
    "review-conference": (
        Need.RECORD,
        lambda t: reverse("cases:review-conference", args=[t.family_pk, t.status_pk]),
    ),
    "core-group": (
        Need.RECORD,
        lambda t: reverse("cases:core-group", args=[t.family_pk, t.status_pk]),
    ),
    "allocate": (Need.MANAGE, _family_url("allocate")),
    "allocation-end": (
        Need.MANAGE,
        lambda t: reverse("cases:allocation-end", args=[t.family_pk, t.lead_allocation_pk]),
    ),
    "transfer": (Need.MANAGE, _family_url("transfer")),
    "close": (Need.MANAGE, _family_url("close")),
    "share": (Need.MANAGE, _family_url("share")),
    "access-log": (Need.ACCESS_LOG, _family_url("access-log")),
}
# Actions without a page of their own (GET answers 405): an empty POST, rolled back.
POST_PAGES = frozenset({"warning-end"})
# Opened on a closed case: reopening an open case is refused for everyone.
CLOSED_CASE_PAGES: dict[str, tuple[Need, Callable[[FamilyTarget], str]]] = {
    "reopen": (Need.MANAGE, _family_url("reopen")),
}
TEAM_PAGES: dict[str, str] = {
    "team": "cases:team",
    "team-caseload": "cases:team-caseload",
    "team-tray": "cases:team-tray",
    "membership-start": "cases:membership-start",
    "membership-end": "cases:membership-end",
}
GLOBAL_PAGES: dict[str, str] = {
    "home": "home",
    "caseload": "cases:caseload",
    "tray": "cases:tray",
    "teams": "cases:teams",
    "search": "cases:search",
    "referral": "cases:referral",
    "emergency-access": "cases:emergency-access",
    "emergency-access-review": "cases:emergency-access-review",
}
COVERED = permission_matrix.register(
    __name__,
    [
        *(f"cases:{page}" for page in [*FAMILY_PAGES, *CLOSED_CASE_PAGES]),
        *TEAM_PAGES.values(),
        *GLOBAL_PAGES.values(),
    ],
)


@dataclass(frozen=True)
class Cell:
    subject: str
    page: str
    situation: str
    url: str
    expected: int
    method: str = "GET"


def family_cells(world: World, page: str) -> list[Cell]:
    need, url = (FAMILY_PAGES | CLOSED_CASE_PAGES)[page]
    targets = world.closed_families if page in CLOSED_CASE_PAGES else world.open_families
    method = "POST" if page in POST_PAGES else "GET"
    return [
        Cell(
            subject,
            page,
            situation.value,
            url(targets[situation]),
            expected_family_status(
                subject, need, situation, permitted=302 if method == "POST" else 200
            ),
            method,
        )
        for subject in SUBJECTS
        for situation in family_situations(subject)
    ]


def _team_url(world: World, page: str, situation: TeamSituation) -> str:
    slug = world.team_slugs[situation]
    if page == "membership-end":
        return reverse(TEAM_PAGES[page], args=[slug, world.team_memberships[situation]])
    return reverse(TEAM_PAGES[page], args=[slug])


def team_cells(world: World, page: str) -> list[Cell]:
    return [
        Cell(
            subject,
            page,
            situation.value,
            _team_url(world, page, situation),
            expected_team_status(subject, page, situation),
        )
        for subject in SUBJECTS
        for situation in team_situations(subject)
    ]


def global_cells(page: str) -> list[Cell]:
    return [
        Cell(
            subject,
            page,
            TeamSituation.NOT_APPLICABLE.value,
            reverse(GLOBAL_PAGES[page]),
            expected_global_status(subject, page),
        )
        for subject in SUBJECTS
    ]


def answer(world: World, cell: Cell) -> int:
    """The status code; what a POST wrote is rolled back."""
    client = world.clients[cell.subject]
    if cell.method == "GET":
        return client.get(cell.url).status_code
    with transaction.atomic():
        status = client.post(cell.url, {}).status_code
        transaction.set_rollback(True)
    return status


def mismatches(world: World, cells: list[Cell]) -> list[str]:
    actual = [(cell, answer(world, cell)) for cell in cells]
    return [
        f"{cell.subject:<30} {cell.page:<24} {cell.situation:<45} "
        f"expected {cell.expected} got {status}"
        for cell, status in actual
        if status != cell.expected
    ]


def report(found: list[str], total: int) -> str:
    return f"{len(found)} of {total} cells differ:\n" + "\n".join(found)


# --- the matrix ----------------------------------------------------------------------------------


@pytest.mark.parametrize("page", [*FAMILY_PAGES, *CLOSED_CASE_PAGES])
def test_family_and_person_pages_answer_as_the_role_table_says(world: World, page: str) -> None:
    cells = family_cells(world, page)

    found = mismatches(world, cells)

    assert found == [], report(found, len(cells))


@pytest.mark.parametrize("page", list(TEAM_PAGES))
def test_team_pages_answer_as_the_role_table_says(world: World, page: str) -> None:
    cells = team_cells(world, page)

    found = mismatches(world, cells)

    assert found == [], report(found, len(cells))


@pytest.mark.parametrize("page", list(GLOBAL_PAGES))
def test_pages_outside_a_family_answer_as_the_role_table_says(world: World, page: str) -> None:
    cells = global_cells(page)

    found = mismatches(world, cells)

    assert found == [], report(found, len(cells))


def all_cells(world: World) -> list[Cell]:
    return [
        *(
            cell
            for page in [*FAMILY_PAGES, *CLOSED_CASE_PAGES]
            for cell in family_cells(world, page)
        ),
        *(cell for page in TEAM_PAGES for cell in team_cells(world, page)),
        *(cell for page in GLOBAL_PAGES for cell in global_cells(page)),
    ]


def test_the_matrix_covers_every_role_page_and_situation(world: World) -> None:
    cells = all_cells(world)

    pages = [*FAMILY_PAGES, *CLOSED_CASE_PAGES, *TEAM_PAGES, *GLOBAL_PAGES]

    assert {cell.subject for cell in cells} == set(Role.values) | set(ServiceRole.values)
    assert {(cell.page, cell.subject) for cell in cells} == {
        (p, s) for p in pages for s in SUBJECTS
    }
    assert {cell.expected for cell in cells} == {200, 302, 403, 404}
    # The pages the cells open are the ones registered for tests/safeguarding/
    # test_permission_matrix.py, which compares every matrix with the URL resolver.
    assert {resolve(cell.url).view_name for cell in cells} == COVERED
