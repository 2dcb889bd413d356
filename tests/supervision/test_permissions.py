"""The permission matrix for group supervision (STYLE.md §15), after tests/cases/test_permissions.py.

Every supervision page and action x seven people around one Northgate-like family, with the
answer the rules expect:

- who sees the family decides who sees its supervisions (DESIGN §5): the family's team (its
  chair, its assistant team manager, its social workers) and the allocated worker see them;
  a worker in another team, a board member and an auditor get 404 on every family page;
- the due list and "my actions" are the user's own lists: 200 for everyone, listing only what
  they manage or own (see the content test below);
- scheduling and rescheduling need a team manager or assistant team manager of the family's
  team (DESIGN §7): other workers who see the family get 403;
- the chair and the team's workers write the record and its actions together in the meeting:
  the record needs the chair, an allocation or a recording role in the owning team (DESIGN §5);
- only the chair signs off (``supervision.policies.supervision_permissions``): everybody else
  who sees the family gets 403 and the record stays unsigned;
- an action is completed by its owner or a manager of the team (the service's rule): anyone
  else who sees the family is visible-but-not-permitted, so 403;
- a refused (conflicting) save is its writer's alone: the conflict page answers them 409,
  beside the saved record, and everyone else 404, as if it did not exist;
- signing off locks the record (DESIGN §7): the record, autosave and action writes on the
  signed-off supervision answer 403 to everyone who sees the family. These three extra pages
  are the only way the writes' 403 branch can be reached with these seven people.

Answers are outcomes, not bare codes: a POST's outcome names what it wrote ("302 record saved",
"302 signed off") or "nothing written", and whether it left an error message, so a refusal that
still writes (or a 302 that silently does nothing) is a mismatch. The expectation is computed by
``expected_outcome`` from the tables below, never read from the application's policies.

The world is built once per module inside one outer transaction that is rolled back at the end;
each request runs in a savepoint that is rolled back, so POSTs leave the world as it was (and
their ``on_commit`` task sends never fire).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum, StrEnum
from pathlib import Path
from typing import Any

import pytest
from django.contrib.messages import constants as message_level
from django.contrib.messages import get_messages
from django.db import transaction
from django.test import Client, override_settings
from django.urls import resolve, reverse
from django.utils import timezone

from cases.models import Case, HouseholdRole, Person, Sex
from cases.services import AddressDetails, MemberSpec, PersonDetails, person_create, referral_record
from supervision import services as supervision_services
from supervision.models import (
    AttendanceStatus,
    GroupSupervision,
    PdfStatus,
    SupervisionAction,
    SupervisionPdf,
    SupervisionStatus,
)
from supervision.tasks import pdf_path
from teams.models import Team, User
from teams.roles import Role, ServiceRole
from tests import permission_matrix
from tests.cases.test_permissions import report, seed_reference_codes
from tests.factories import MembershipFactory, ServiceFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

POLICE = "6"  # CIN census referral source code
FAMILY_NAME = "The Supervisionmatrix family"
ACTION_TEXT = "Matrix action: book the joint home visit"
DECISIONS = "Matrix decision: stay on the child in need plan"
FAKE_PDF = b"%PDF-1.4\n% supervision matrix\n"


# --- the people ----------------------------------------------------------------------------------


class Subject(StrEnum):
    """Who opens the page, by their relationship with the family and its supervision."""

    CHAIR = "chair (team manager)"
    ASSISTANT = "assistant team manager (not chair)"
    ALLOCATED = "allocated social worker"
    SAME_TEAM = "same-team social worker, not allocated"
    OTHER_TEAM = "social worker in another team"
    BOARD = "board member"
    AUDITOR = "auditor"


# The family is not restricted, so its team sees it; the allocated worker is also in the team.
SEES_FAMILY = frozenset({Subject.CHAIR, Subject.ASSISTANT, Subject.ALLOCATED, Subject.SAME_TEAM})
# Team manager or assistant team manager of the family's team (DESIGN §7: they chair).
MANAGES_TEAM = frozenset({Subject.CHAIR, Subject.ASSISTANT})
# The chair, an allocation, or a recording role (social worker and up) in the owning team.
RECORDS = frozenset({Subject.CHAIR, Subject.ASSISTANT, Subject.ALLOCATED, Subject.SAME_TEAM})
# The action belongs to the allocated worker; managers of the team may complete it too.
COMPLETES_ACTION = frozenset({Subject.ALLOCATED, *MANAGES_TEAM})
SIGNS_OFF = frozenset({Subject.CHAIR})


# --- the expectation -----------------------------------------------------------------------------


class Need(Enum):
    OWN_LIST = "the user's own list"
    READ = "see the family"
    MANAGE = "manage the team"
    RECORD = "write the record"
    COMPLETE_ACTION = "complete the action"
    SIGN_OFF = "sign off"
    WRITE_LOCKED = "write a signed-off record"
    OWN_CONFLICT = "read one's own refused save"


NOTHING_WRITTEN = "nothing written"
ERROR_MESSAGE = "error message"
SIGNED_OFF = "302 signed off"
PostData = Callable[["World"], dict[str, str]]


@dataclass(frozen=True)
class PageSpec:
    need: Need
    method: str
    url: Callable[[World], str]
    # The outcome when the user may do it.
    permitted: str
    data: PostData | None = None


WHO_MAY: dict[Need, frozenset[Subject]] = {
    Need.READ: SEES_FAMILY,
    Need.MANAGE: MANAGES_TEAM,
    Need.RECORD: RECORDS,
    Need.COMPLETE_ACTION: COMPLETES_ACTION,
    Need.SIGN_OFF: SIGNS_OFF,
    Need.WRITE_LOCKED: frozenset(),  # signing off locks the record (DESIGN §7)
    Need.OWN_CONFLICT: frozenset({Subject.CHAIR}),  # the chair's save was refused
}


def expected_outcome(subject: Subject, page: str) -> str:
    spec = ALL_PAGES[page]
    refused = "" if spec.method == "GET" else f" {NOTHING_WRITTEN}"
    if spec.need is Need.OWN_LIST:
        return spec.permitted
    if subject not in SEES_FAMILY:
        return f"404{refused}"
    if subject in WHO_MAY[spec.need]:
        return spec.permitted
    if spec.need is Need.OWN_CONFLICT:
        return "404"  # someone else's refused save is not there for them
    return f"403{refused}"


# --- the world -----------------------------------------------------------------------------------


@dataclass
class World:
    clients: dict[Subject, Client]
    users: dict[Subject, User]
    family_pk: int
    signed_off: GroupSupervision  # with its PDF made
    scheduled: GroupSupervision  # the next one: record written, attendance marked
    action: SupervisionAction
    conflict_pk: int  # the chair's refused save on the scheduled supervision

    def snapshot(self) -> list[tuple[int, str, int]]:
        """Version, status and number of actions of both supervisions."""
        return [
            (current.version, current.status, current.actions.count())
            for current in GroupSupervision.objects.filter(
                pk__in=[self.signed_off.pk, self.scheduled.pk]
            ).order_by("pk")
        ]


def _person(actor: User, given: str, born: dt.date) -> Person:
    return person_create(
        actor=actor,
        details=PersonDetails(
            given_name=given, family_name="Supervisionmatrix", date_of_birth=born, sex=Sex.UNKNOWN
        ),
        confirmed_new=True,
    )


def _refer(team: Team, lead: User) -> Case:
    child = _person(lead, "Childmatrix", dt.date(2017, 3, 4))
    parent = _person(lead, "Parentmatrix", dt.date(1990, 6, 7))
    return referral_record(
        actor=lead,
        team=team,
        family_name=FAMILY_NAME,
        address=AddressDetails(address_line_1="1 Matrix Road", town="Testtown"),
        members=[MemberSpec(child, HouseholdRole.CHILD), MemberSpec(parent, HouseholdRole.PARENT)],
        referral_date=timezone.localdate() - dt.timedelta(days=60),
        referral_source=POLICE,
        lead_social_worker=lead,
    )


def _ready_to_sign(supervision: GroupSupervision, chair: User, worker: User) -> None:
    """Decisions written and every allocated worker marked present."""
    supervision_services.supervision_attendance_sync(supervision)
    supervision_services.supervision_record_save(
        actor=chair,
        supervision_id=supervision.pk,
        record={"decisions": DECISIONS},
        attendance={worker.pk: AttendanceStatus.PRESENT},
        base_version=supervision.version,
    )


def build_world() -> World:
    seed_reference_codes()
    service = ServiceFactory.create()
    home = TeamFactory.create(service=service)
    sister = TeamFactory.create(service=service)
    users: dict[Subject, User] = {
        Subject.CHAIR: MembershipFactory.create(team=home, role=Role.TEAM_MANAGER).user,
        Subject.ASSISTANT: MembershipFactory.create(
            team=home, role=Role.ASSISTANT_TEAM_MANAGER
        ).user,
        Subject.ALLOCATED: MembershipFactory.create(team=home, role=Role.SOCIAL_WORKER).user,
        Subject.SAME_TEAM: MembershipFactory.create(team=home, role=Role.SOCIAL_WORKER).user,
        Subject.OTHER_TEAM: MembershipFactory.create(team=sister, role=Role.SOCIAL_WORKER).user,
        Subject.BOARD: UserFactory.create(service_role=ServiceRole.BOARD_MEMBER),
        Subject.AUDITOR: UserFactory.create(service_role=ServiceRole.AUDITOR),
    }
    chair, worker = users[Subject.CHAIR], users[Subject.ALLOCATED]
    case = _refer(home, lead=worker)

    # A first supervision, signed off (with its PDF made), which schedules the next one.
    first = supervision_services.supervision_schedule(
        actor=chair,
        case=case,
        scheduled_for=timezone.localdate() - dt.timedelta(days=1),
        chair=chair,
    )
    _ready_to_sign(first, chair, worker)
    supervision_services.supervision_sign_off(actor=chair, supervision=first)
    stored_name = "supervision-matrix.pdf"
    pdf_path(stored_name).parent.mkdir(parents=True, exist_ok=True)
    pdf_path(stored_name).write_bytes(FAKE_PDF)
    SupervisionPdf.objects.filter(supervision=first).update(
        status=PdfStatus.DONE, stored_name=stored_name, finished_at=timezone.now()
    )

    scheduled = GroupSupervision.objects.get(case=case, status=SupervisionStatus.SCHEDULED)
    _ready_to_sign(scheduled, chair, worker)
    scheduled.refresh_from_db()
    action = supervision_services.action_add(
        actor=chair,
        supervision=scheduled,
        description=ACTION_TEXT,
        owner=worker,
        due_date=scheduled.scheduled_for,
        children=[],
    )
    conflict = supervision_services.supervision_record_save(
        actor=chair,
        supervision_id=scheduled.pk,
        record={"decisions": "Written in a second tab"},
        attendance={},
        base_version=0,
    ).conflict
    assert conflict is not None
    clients = {}
    for subject, user in users.items():
        client = Client(raise_request_exception=False)
        client.force_login(user)
        clients[subject] = client
    first.refresh_from_db()
    return World(
        clients=clients,
        users=users,
        family_pk=case.family_id,
        signed_off=first,
        scheduled=scheduled,
        action=action,
        conflict_pk=conflict.pk,
    )


@pytest.fixture(scope="module")
def world(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    private_root: Path = tmp_path_factory.mktemp("supervision-matrix-private")
    with (
        override_settings(PRIVATE_STORAGE_ROOT=private_root),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        yield build_world()
        transaction.set_rollback(True)


# --- the pages -----------------------------------------------------------------------------------


def _record_post(supervision: Callable[[World], GroupSupervision]) -> PostData:
    return lambda w: {
        "base_version": str(supervision(w).version),
        "decisions": "Changed in the matrix",
        f"attendance_{w.users[Subject.ALLOCATED].pk}": AttendanceStatus.PRESENT,
    }


def _action_post(supervision: Callable[[World], GroupSupervision]) -> PostData:
    def data(w: World) -> dict[str, str]:
        due = max(supervision(w).scheduled_for, timezone.localdate())
        return {
            "description": "Another matrix action",
            "owner": str(w.users[Subject.ALLOCATED].pk),
            "due_date_0": str(due.day),
            "due_date_1": str(due.month),
            "due_date_2": str(due.year),
        }

    return data


def _the_scheduled(w: World) -> GroupSupervision:
    return w.scheduled


def _the_signed_off(w: World) -> GroupSupervision:
    return w.signed_off


def _scheduled(name: str) -> Callable[[World], str]:
    return lambda w: reverse(f"supervision:{name}", args=[w.scheduled.pk])


def _signed_off(name: str) -> Callable[[World], str]:
    return lambda w: reverse(f"supervision:{name}", args=[w.signed_off.pk])


PAGES: dict[str, PageSpec] = {
    "due list": PageSpec(Need.OWN_LIST, "GET", lambda w: reverse("supervision:due"), "200"),
    "family supervisions": PageSpec(
        Need.READ, "GET", lambda w: reverse("supervision:family", args=[w.family_pk]), "200"
    ),
    "schedule": PageSpec(
        Need.MANAGE, "GET", lambda w: reverse("supervision:schedule", args=[w.family_pk]), "200"
    ),
    "reschedule": PageSpec(Need.MANAGE, "GET", _scheduled("reschedule"), "200"),
    "detail": PageSpec(Need.READ, "GET", _scheduled("detail"), "200"),
    "detail save": PageSpec(
        Need.RECORD, "POST", _scheduled("detail"), "302 record saved", _record_post(_the_scheduled)
    ),
    "autosave": PageSpec(
        Need.RECORD,
        "POST",
        _scheduled("autosave"),
        "200 record saved",
        _record_post(_the_scheduled),
    ),
    "action add": PageSpec(
        Need.RECORD,
        "POST",
        _scheduled("action-add"),
        "302 action added",
        _action_post(_the_scheduled),
    ),
    "sign off": PageSpec(Need.SIGN_OFF, "POST", _scheduled("sign-off"), SIGNED_OFF),
    "my actions": PageSpec(
        Need.OWN_LIST, "GET", lambda w: reverse("supervision:my-actions"), "200"
    ),
    "action complete": PageSpec(
        Need.COMPLETE_ACTION,
        "GET",
        lambda w: reverse("supervision:action-complete", args=[w.action.pk]),
        "200",
    ),
    "pdf status": PageSpec(Need.READ, "GET", _signed_off("pdf"), "200"),
    "pdf download": PageSpec(Need.READ, "GET", _signed_off("pdf-download"), "200"),
    "conflict": PageSpec(
        Need.OWN_CONFLICT,
        "GET",
        lambda w: reverse("supervision:conflict", args=[w.scheduled.pk, w.conflict_pk]),
        "409",
    ),
}
# Everyone who sees the family may write a scheduled record, so the writes' 403 branch is only
# reachable once the record is signed off: the same writes on the signed-off supervision.
LOCKED_PAGES: dict[str, PageSpec] = {
    "detail save (signed off)": PageSpec(
        Need.WRITE_LOCKED, "POST", _signed_off("detail"), "(nobody)", _record_post(_the_signed_off)
    ),
    "autosave (signed off)": PageSpec(
        Need.WRITE_LOCKED,
        "POST",
        _signed_off("autosave"),
        "(nobody)",
        _record_post(_the_signed_off),
    ),
    "action add (signed off)": PageSpec(
        Need.WRITE_LOCKED,
        "POST",
        _signed_off("action-add"),
        "(nobody)",
        _action_post(_the_signed_off),
    ),
}
ALL_PAGES = PAGES | LOCKED_PAGES
COVERED = permission_matrix.register(
    __name__,
    [
        "supervision:due",
        "supervision:family",
        "supervision:schedule",
        "supervision:reschedule",
        "supervision:detail",
        "supervision:autosave",
        "supervision:action-add",
        "supervision:sign-off",
        "supervision:my-actions",
        "supervision:action-complete",
        "supervision:pdf",
        "supervision:pdf-download",
        "supervision:conflict",
    ],
)


@dataclass(frozen=True)
class Cell:
    subject: Subject
    page: str
    expected: str


def cells_for(page: str) -> list[Cell]:
    return [Cell(subject, page, expected_outcome(subject, page)) for subject in Subject]


def all_cells() -> list[Cell]:
    return [cell for page in ALL_PAGES for cell in cells_for(page)]


def _describe(before: list[tuple[int, str, int]], after: list[tuple[int, str, int]]) -> list[str]:
    changed = [(old, new) for old, new in zip(before, after, strict=True) if old != new]
    return [
        *(["record saved"] if any(old[0] != new[0] for old, new in changed) else []),
        *(["signed off"] if any(old[1] != new[1] for old, new in changed) else []),
        *(["action added"] if any(old[2] != new[2] for old, new in changed) else []),
    ]


def observe(world: World, cell: Cell) -> str:
    """The outcome, with whatever the request wrote rolled back."""
    spec = ALL_PAGES[cell.page]
    client = world.clients[cell.subject]
    url = spec.url(world)
    with transaction.atomic():
        before = world.snapshot()
        if spec.method == "POST":
            response = client.post(url, spec.data(world) if spec.data else {})
        else:
            response = client.get(url)
        after = world.snapshot()
        errors = [m for m in get_messages(response.wsgi_request) if m.level == message_level.ERROR]
        transaction.set_rollback(True)
    if response.streaming:  # the PDF download: reading it to the end closes the file
        response.getvalue()
    client.cookies.pop("messages", None)  # no message carried into the next cell
    if spec.method == "GET":
        return str(response.status_code)
    effects = _describe(before, after)
    notes = [*([ERROR_MESSAGE] if errors else []), *(effects or [NOTHING_WRITTEN])]
    return f"{response.status_code} {', '.join(notes)}"


def mismatches(world: World, cells: list[Cell]) -> list[str]:
    actual = [(cell, observe(world, cell)) for cell in cells]
    return [
        f"{cell.subject.value:<40} {cell.page:<20} expected {cell.expected!r} got {outcome!r}"
        for cell, outcome in actual
        if outcome != cell.expected
    ]


# --- the matrix ----------------------------------------------------------------------------------


@pytest.mark.parametrize("page", list(ALL_PAGES))
def test_supervision_pages_answer_as_the_role_table_says(world: World, page: str) -> None:
    cells = cells_for(page)

    found = mismatches(world, cells)

    assert found == [], report(found, len(cells))


def test_the_matrix_covers_every_page_and_person(world: World) -> None:
    cells = all_cells()

    assert {cell.subject for cell in cells} == set(Subject)
    assert {cell.page for cell in cells} == set(PAGES) | set(LOCKED_PAGES)
    assert {(cell.page, cell.subject) for cell in cells} == {
        (page, subject) for page in ALL_PAGES for subject in Subject
    }
    # The pages the cells open are the ones registered for tests/safeguarding/
    # test_permission_matrix.py, which compares every matrix with the URL resolver.
    assert {resolve(spec.url(world)).view_name for spec in ALL_PAGES.values()} == COVERED
    assert {cell.expected for cell in cells} >= {
        "200",
        "403",
        "404",
        "302 record saved",
        "200 record saved",
        "302 action added",
        "403 nothing written",
        "404 nothing written",
        SIGNED_OFF,
    }


def test_own_lists_show_only_what_the_user_manages_or_owns(world: World) -> None:
    """The due list and "my actions" answer 200 to everyone, so what they list is the check."""
    listed = {
        subject: (
            FAMILY_NAME in world.clients[subject].get(reverse("supervision:due")).text,
            ACTION_TEXT in world.clients[subject].get(reverse("supervision:my-actions")).text,
        )
        for subject in Subject
    }

    assert listed == {
        subject: (subject in MANAGES_TEAM, subject == Subject.ALLOCATED) for subject in Subject
    }


def test_only_the_chair_sees_the_sign_off_button(world: World) -> None:
    url = reverse("supervision:detail", args=[world.scheduled.pk])

    with transaction.atomic():
        shown = {
            subject: "Sign off the supervision" in world.clients[subject].get(url).text
            for subject in SEES_FAMILY
        }
        transaction.set_rollback(True)

    assert shown == {subject: subject in SIGNS_OFF for subject in SEES_FAMILY}


def test_a_sign_off_by_the_assistant_is_refused_and_leaves_the_record_unsigned(
    world: World,
) -> None:
    client = world.clients[Subject.ASSISTANT]
    url = reverse("supervision:sign-off", args=[world.scheduled.pk])

    with transaction.atomic():
        response = client.post(url)
        state = GroupSupervision.objects.get(pk=world.scheduled.pk).status
        transaction.set_rollback(True)

    assert response.status_code == 403
    assert state == SupervisionStatus.SCHEDULED
