"""Reading never writes: a GET of any page of the permission matrices changes no record.

Every page that the matrices cover (``tests.permission_matrix``) and that answers a GET is
opened by someone who may see it, in scope (the KPI access tests' world: the family's lead
social worker by default, its team manager for managing, a service manager, an auditor or an
analyst where the matrix says only they may), with real records in its URL. Pages about a
whole family are opened a second time on a family just referred, with nothing written yet:
a page that makes what it shows on first sight (a workbook, a cycle) writes there. The
statements each request ran are captured, and every INSERT, UPDATE or DELETE must be on one of
``AUDIT_TABLES``, each allowed for the reason given. In particular:

- no ``axes_*`` or ``otp_*`` table: the sign-in machinery writes them when someone signs in or
  enters a code, and opening a page does neither;
- no pghistory event table: those rows are written by database triggers on the tracked tables,
  so they never appear as statements; the UPDATE or INSERT that would fire them is what fails.

Each request runs in a savepoint that is rolled back, so a page that does write cannot change
what the next page sees.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import HouseholdRole
from cases.services import AddressDetails, MemberSpec, case_close, referral_record
from kpis.models import KpiRun
from teams.models import Team, User
from teams.roles import Role, ServiceRole
from tests.api.conftest import bearer, token_for
from tests.factories import MembershipFactory, PersonFactory, UserFactory, partner_client
from tests.kpis.test_access import build_world, signed_in
from tests.permission_matrix import covered, url_patterns

pytestmark = pytest.mark.django_db

POLICE = "6"  # CIN census referral source code
NO_FURTHER_ACTION = "RC8"  # closure reason code

AUDIT_TABLES: dict[str, str] = {
    "cases_accessevent": "the read audit: every read of a person, family, case, entry or "
    "supervision record writes an AccessEvent (DESIGN §5)",
    "teams_observationaccessevent": "the observation-read audit: who read a practice "
    "observation, when and why (teams.workforce)",
    "django_session": "the session store: the idle timeout records activity in the session at "
    "most every 30 seconds (teams.sessions), and flash messages fall back to it",
    "teams_usersession": "the user's list of sessions: a GET arriving after the idle timeout "
    "signs the session out, which forgets its row (teams.sessions)",
    "cases_disclosurelog": "the partner disclosure log: every call of a partner system is logged "
    "with what it was told (docs/partner-api.md)",
}

# Matrix pages that answer only POST (405 to a GET): actions, not pages to read.
POST_ONLY = frozenset(
    {
        "cases:warning-end",
        "workbook:entry-autosave",
        "workbook:entry-decide",
        "workbook:entry-correct",
        "workbook:attachment-upload",
        "supervision:autosave",
        "supervision:action-add",
        "supervision:sign-off",
        "teams:notification-read",
        "teams:notifications-read-all",
        "api:entry-submit",
        "api:action-complete",
        "api:partner-notifications",
    }
)
# Who opens each page, where the lead social worker of the family may not: the matrices'
# answer 200 for these readers.
READERS: dict[str, str] = {
    **dict.fromkeys(
        [
            "cases:allocate",
            "cases:allocation-end",
            "cases:transfer",
            "cases:close",
            "cases:reopen",
            "cases:share",
            "cases:access-log",
            "cases:team-caseload",
            "cases:team-tray",
            "cases:emergency-access-review",
            "cases:triage",
            "cases:triage-detail",
            "supervision:schedule",
            "supervision:reschedule",
            "kpis:drill-down",
            "kpis:refresh",
            "teams:workforce",
            "teams:establishment",
            "teams:observation-new",
            "teams:session-new",
            "teams:session-book",
            "teams:session-attendance",
        ],
        "team manager",
    ),
    **dict.fromkeys(
        [
            "cases:membership-start",
            "cases:membership-end",
            "teams:establishment-change",
            "teams:membership-post",
        ],
        "service manager",
    ),
    **dict.fromkeys(
        [
            "cases:audit-access",
            "cases:audit-access-csv",
            "cases:audit-disclosures",
            "cases:audit-disclosures-csv",
            "cases:audit-observations",
            "cases:audit-observations-csv",
            "cases:audit-unusual",
            "cases:audit-unusual-user",
        ],
        "auditor",
    ),
    **dict.fromkeys(["kpis:board", "kpis:detail", "kpis:csv"], "analyst"),
    **dict.fromkeys(["api:partner-child-status", "api:partner-notifications"], "police system"),
}
# What a permitted GET answers where it is not 200.
PERMITTED: dict[str, int] = {
    "workbook:entry-conflict": 409,  # the reader's own refused save, beside the saved text
    "supervision:conflict": 409,
    "teams:notification-open": 302,  # on to what the notification is about
}

GET_PAGES = sorted(set(covered()) - POST_ONLY)
# Pages about a whole family (no other record in the URL): also opened on a new family. Not
# reopening, which is about a closed case.
FAMILY_PAGES = [
    name
    for name in GET_PAGES
    if "family_pk" in (keywords := set(url_patterns()[name].pattern.converters))
    and keywords <= {"family_pk", "slug"}
    and name != "cases:reopen"
]
NEW_FAMILY = "on a family just referred"


# --- what a statement writes -----------------------------------------------------------------

_WRITE = re.compile(
    r'(?:^|;)\s*(?P<verb>INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(?P<table>\w+)"?',
    re.IGNORECASE,
)


def writes_in(sql: str) -> list[tuple[str, str]]:
    """(verb, table) of each INSERT, UPDATE and DELETE in one executed statement (which may
    be several statements joined by semicolons)."""
    return [(m["verb"].split()[0].upper(), m["table"]) for m in _WRITE.finditer(sql)]


# One page writes by design, and only to the reader's own row of one table.
PAGE_WRITES: dict[str, dict[str, str]] = {
    "teams:notification-open": {
        "teams_notification": "following a notification's link (from the app or an email) is "
        "how it is marked read: the reader's own notification, never a record of a family",
    },
}


def writes_outside_the_audit(sql: str, allowed: dict[str, str] | None = None) -> list[str]:
    """Each write of ``sql`` to a table not in ``AUDIT_TABLES`` (nor in ``allowed``, the
    page's own), from its verb on."""
    return [
        sql[m.start("verb") :][:240]
        for m in _WRITE.finditer(sql)
        if m["table"] not in AUDIT_TABLES and m["table"] not in (allowed or {})
    ]


def test_the_statement_parser_finds_each_write_and_its_table() -> None:
    sql = {
        'INSERT INTO "workbook_workbook" ("case_id") VALUES (1) RETURNING "id"': [
            ("INSERT", "workbook_workbook")
        ],
        'UPDATE "teams_notification" SET "read_at" = now() WHERE "id" = 3': [
            ("UPDATE", "teams_notification")
        ],
        'DELETE FROM "django_session" WHERE "session_key" = \'x\'': [("DELETE", "django_session")],
        "SELECT set_config('pghistory.context_id', 'x', true); "
        'INSERT INTO "workbook_cycle" ("number") VALUES (1)': [("INSERT", "workbook_cycle")],
        'SELECT "cases_case"."id" FROM "cases_case" WHERE "id" = 1 FOR UPDATE': [],
        'SAVEPOINT "s1"; ROLLBACK TO SAVEPOINT "s1"': [],
    }

    assert {statement: writes_in(statement) for statement in sql} == sql


# --- the world -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Readers:
    clients: dict[str, Client]
    urls: dict[str, str]  # URL name -> the URL, with real records
    new_family_urls: dict[str, str]  # URL name -> the URL for a family just referred


def _new_family(team: Team, lead: User) -> int:
    """A family referred to the lead's team today, with nothing else recorded about it."""
    case = referral_record(
        actor=lead,
        team=team,
        family_name="The Newlyreferred family",
        address=AddressDetails(address_line_1="1 New Road", town="Testbury"),
        members=[MemberSpec(PersonFactory.create(), HouseholdRole.CHILD)],
        referral_date=timezone.localdate(),
        referral_source=POLICE,
        lead_social_worker=lead,
    )
    return case.family_id


def _closed_family(team: Team, team_manager: User, lead: User) -> int:
    """A family whose case is closed, for the reopen page (an open case cannot be reopened)."""
    case = referral_record(
        actor=lead,
        team=team,
        family_name="The Closedcase family",
        address=AddressDetails(address_line_1="9 Closed Road", town="Testbury"),
        members=[MemberSpec(PersonFactory.create(), HouseholdRole.CHILD)],
        referral_date=timezone.localdate() - dt.timedelta(days=10),
        referral_source=POLICE,
        lead_social_worker=lead,
    )
    case_close(
        actor=team_manager,
        case=case,
        closed_date=timezone.localdate(),
        closure_reason=NO_FURTHER_ACTION,
    )
    return case.family_id


def _urls(
    names: list[str], url_values: dict[str, dict[str, int | str]], extra: dict[str, int | str]
) -> dict[str, str]:
    """Each page's URL, with the records of the world (per page, per namespace, or common)."""
    patterns = url_patterns()
    urls = {}
    for name in names:
        namespace = name.rpartition(":")[0]
        values = {**extra, **url_values.get(name, url_values.get(namespace, url_values[""]))}
        keywords = list(patterns[name].pattern.converters)
        urls[name] = reverse(name, kwargs={k: values[k] for k in keywords})
    return urls


@pytest.fixture(scope="module")
def readers(django_db_setup: None, django_db_blocker: Any) -> Iterator[Readers]:
    with django_db_blocker.unblock(), transaction.atomic():
        world, files = build_world()
        month = timezone.localdate().replace(day=1)
        run = KpiRun.objects.create(requested_by=world.manager, first_month=month, last_month=month)
        users = {
            "lead social worker": world.lead,
            "team manager": world.manager,
            "service manager": MembershipFactory.create(
                team=world.home, role=Role.SERVICE_MANAGER
            ).user,
            "auditor": UserFactory.create(service_role=ServiceRole.AUDITOR),
            "analyst": world.analyst,
        }
        police, secret = partner_client()
        url_values: dict[str, dict[str, int | str]] = {
            **world.url_values,
            "cases:reopen": {"family_pk": _closed_family(world.home, world.manager, world.lead)},
        }
        extra: dict[str, int | str] = {"run_pk": run.pk, "code": "cp_rate"}
        new_family: dict[str, int | str] = {"family_pk": _new_family(world.home, world.lead)}
        yield Readers(
            clients={
                **{name: signed_in(user) for name, user in users.items()},
                "police system": bearer(token_for(police, secret)),
            },
            urls=_urls([*GET_PAGES, *sorted(POST_ONLY)], url_values, extra),
            new_family_urls=_urls(FAMILY_PAGES, {"": {**url_values[""], **new_family}}, extra),
        )
        transaction.set_rollback(True)
    for path in files:
        with suppress(FileNotFoundError):
            path.unlink()


# --- reads ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "family"),
    [*((name, "") for name in GET_PAGES), *((name, NEW_FAMILY) for name in FAMILY_PAGES)],
    ids=[*GET_PAGES, *(f"{name} {NEW_FAMILY}" for name in FAMILY_PAGES)],
)
def test_a_get_writes_nothing_but_the_audit(readers: Readers, name: str, family: str) -> None:
    reader = READERS.get(name, "lead social worker")
    url = (readers.new_family_urls if family else readers.urls)[name]

    with transaction.atomic():
        with CaptureQueriesContext(connection) as captured:
            response = readers.clients[reader].get(url)
        transaction.set_rollback(True)
    response.getvalue()  # a file download is read to its end, which closes the file

    writes = [
        write
        for query in captured.captured_queries
        for write in writes_outside_the_audit(query["sql"], PAGE_WRITES.get(name))
    ]
    assert (response.status_code, writes) == (PERMITTED.get(name, 200), []), (
        f"GET {url} ({name}) as the {reader} answered {response.status_code} and wrote:\n"
        + "\n".join(writes)
    )


def test_the_pages_left_out_answer_a_get_with_405(readers: Readers) -> None:
    answers = {
        name: readers.clients[READERS.get(name, "lead social worker")]
        .get(readers.urls[name])
        .status_code
        for name in sorted(POST_ONLY)
    }

    assert answers == dict.fromkeys(sorted(POST_ONLY), 405)


def test_every_reader_and_exception_names_a_page_read_here() -> None:
    assert sorted(set(READERS) - set(GET_PAGES) - POST_ONLY) == []
    assert sorted(set(PERMITTED) - set(GET_PAGES)) == []
    assert set(covered()) >= POST_ONLY
