"""The auditor's pages (issue "Security hardening"): access events, partner disclosures,
unusual access and the way to emergency access reviews (observation reads have their own file).

- access events filter by the reader's email, a family reference, one record, what was done,
  why it was allowed and a period; newest first, 50 a page, with older and newer links;
- the CSV of either log streams the filtered rows, is never cached and is logged without
  personal data;
- a read is unusual when it used emergency access or a share, or when the reader had no
  allocation on the family and no membership of its team *on that day*; a service manager's
  read across their service is expected;
- only auditors open these pages and the observation reads: every other role, administrators
  included, gets 403;
- the pages run the same number of queries however many rows they show.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.models import (
    AccessAction,
    AccessBasis,
    AccessEvent,
    AccessGrant,
    DisclosureLog,
    Family,
    RecordType,
)
from cases.services import access_grant_request
from teams.models import PartnerClient, Team, User
from teams.roles import Role, ServiceRole
from tests import permission_matrix
from tests.factories import (
    AllocationFactory,
    CaseFactory,
    FamilyFactory,
    MembershipFactory,
    TeamFactory,
    UserFactory,
    partner_client,
    police_force,
)

pytestmark = pytest.mark.django_db

CEILING = 20  # queries: a page needing more has grown a per-row query
EMERGENCY_REASON = "Child presented at A&E out of hours; checking for a protection plan."
ACCESS = reverse("cases:audit-access")
ACCESS_CSV = reverse("cases:audit-access-csv")
DISCLOSURES = reverse("cases:audit-disclosures")
DISCLOSURES_CSV = reverse("cases:audit-disclosures-csv")
UNUSUAL = reverse("cases:audit-unusual")


def at(day: dt.date, hour: int = 12, minute: int = 0) -> dt.datetime:
    """A UK local time on ``day``."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def event(
    *,
    user: User | None,
    family: Family | None,
    when: dt.datetime,
    record_id: int,
    basis: str = AccessBasis.TEAM,
    action: str = AccessAction.VIEW,
    record_type: str = RecordType.PERSON,
) -> AccessEvent:
    return AccessEvent.objects.create(
        user_id=user.pk if user is not None else None,
        family_id=family.pk if family is not None else None,
        occurred_at=when,
        record_type=record_type,
        record_id=record_id,
        action=action,
        basis=basis,
        request_id=f"req-{record_id}",
    )


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def person_ids(response: Any) -> list[int]:
    """The person record numbers in an access events table, top to bottom."""
    return [int(n) for n in re.findall(r"person (\d+)</td>", response.content.decode())]


def date_query(prefix: str, day: dt.date) -> dict[str, int]:
    return {f"{prefix}_0": day.day, f"{prefix}_1": day.month, f"{prefix}_2": day.year}


def csv_rows(response: Any) -> list[dict[str, str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


@pytest.fixture
def auditor(db: None) -> User:
    return UserFactory.create(service_role=ServiceRole.AUDITOR, email="auditor@test.example.org")


@pytest.fixture
def team(db: None) -> Team:
    return TeamFactory.create()


@pytest.fixture
def family(team: Team) -> Family:
    return CaseFactory.create(family=FamilyFactory.create(owning_team=team)).family


# --- access events -------------------------------------------------------------------------------


@pytest.fixture
def readers(team: Team) -> tuple[User, User]:
    ada = MembershipFactory.create(team=team, user__email="ada.reader@test.example.org").user
    bo = MembershipFactory.create(team=team, user__email="bo.reader@test.example.org").user
    return ada, bo


def test_access_events_filter_by_part_of_the_readers_email(
    auditor: User, family: Family, readers: tuple[User, User]
) -> None:
    ada, bo = readers
    event(user=ada, family=family, when=at(dt.date(2026, 3, 2)), record_id=101)
    event(user=bo, family=family, when=at(dt.date(2026, 3, 3)), record_id=102)

    response = signed_in(auditor).get(ACCESS, {"user": "ADA.reader"})

    assert response.status_code == 200
    assert person_ids(response) == [101]
    assert ada.get_full_name() in response.content.decode()
    assert "ada.reader@test.example.org" in response.content.decode()


def test_access_events_filter_by_family_reference(
    auditor: User, family: Family, team: Team, readers: tuple[User, User]
) -> None:
    other = FamilyFactory.create(owning_team=team)
    event(user=readers[0], family=family, when=at(dt.date(2026, 3, 2)), record_id=201)
    event(user=readers[0], family=other, when=at(dt.date(2026, 3, 3)), record_id=202)

    response = signed_in(auditor).get(ACCESS, {"family_reference": family.reference.lower()})

    assert person_ids(response) == [201]
    assert family.reference in response.content.decode()
    assert family.name not in response.content.decode()  # references, never case content


def test_access_events_filter_by_one_record(
    auditor: User, family: Family, readers: tuple[User, User]
) -> None:
    event(user=readers[0], family=family, when=at(dt.date(2026, 3, 2)), record_id=301)
    event(user=readers[0], family=family, when=at(dt.date(2026, 3, 3)), record_id=302)
    event(
        user=readers[0],
        family=family,
        when=at(dt.date(2026, 3, 4)),
        record_id=301,
        record_type=RecordType.CASE,
    )

    response = signed_in(auditor).get(ACCESS, {"record_type": "person", "record_id": "301"})

    assert person_ids(response) == [301]


def test_a_record_number_needs_its_type(auditor: User) -> None:
    response = signed_in(auditor).get(ACCESS, {"record_id": "301"})

    assert response.status_code == 400
    assert "Choose the type of record the number belongs to" in response.content.decode()


def test_access_events_filter_by_action_and_basis(
    auditor: User, family: Family, readers: tuple[User, User]
) -> None:
    event(user=readers[0], family=family, when=at(dt.date(2026, 3, 2)), record_id=401)
    event(
        user=readers[0],
        family=family,
        when=at(dt.date(2026, 3, 3)),
        record_id=402,
        action=AccessAction.EXPORT,
    )
    event(
        user=readers[0],
        family=family,
        when=at(dt.date(2026, 3, 4)),
        record_id=403,
        action=AccessAction.EXPORT,
        basis=AccessBasis.GRANT,
    )
    client = signed_in(auditor)

    exports = client.get(ACCESS, {"action": "export"})
    emergency_exports = client.get(ACCESS, {"action": "export", "basis": "grant"})

    assert person_ids(exports) == [403, 402]
    assert person_ids(emergency_exports) == [403]


def test_access_events_filter_by_period_in_uk_days(
    auditor: User, family: Family, readers: tuple[User, User]
) -> None:
    reader = readers[0]
    event(user=reader, family=family, when=at(dt.date(2026, 6, 1), 23, 59), record_id=501)
    # 00:30 on 2 June in London is still 1 June in UTC: it belongs to 2 June.
    event(user=reader, family=family, when=at(dt.date(2026, 6, 2), 0, 30), record_id=502)
    event(user=reader, family=family, when=at(dt.date(2026, 6, 3), 0, 0), record_id=503)

    response = signed_in(auditor).get(
        ACCESS,
        {
            **date_query("date_from", dt.date(2026, 6, 2)),
            **date_query("date_to", dt.date(2026, 6, 2)),
        },
    )

    assert person_ids(response) == [502]


def test_a_period_that_ends_before_it_starts_is_refused(auditor: User) -> None:
    response = signed_in(auditor).get(
        ACCESS,
        {
            **date_query("date_from", dt.date(2026, 6, 2)),
            **date_query("date_to", dt.date(2026, 6, 1)),
        },
    )

    assert response.status_code == 400
    assert "The &#x27;to&#x27; date must be the same as or after the &#x27;from&#x27; date" in (
        response.content.decode()
    )


def test_a_mistyped_family_reference_says_how_to_fix_it(auditor: User) -> None:
    response = signed_in(auditor).get(ACCESS, {"family_reference": "Hughes"})

    assert response.status_code == 400
    assert "Enter a family reference like FS-000123" in response.content.decode()


def test_access_events_page_newest_first_50_at_a_time_with_older_and_newer_links(
    auditor: User, family: Family, readers: tuple[User, User]
) -> None:
    start = at(dt.date(2026, 3, 1))
    # Two events share each time: the id breaks the tie, so no row is skipped or repeated.
    for n in range(60):
        event(
            user=readers[0], family=family, when=start + dt.timedelta(minutes=n // 2), record_id=n
        )
    client = signed_in(auditor)

    first = client.get(ACCESS, {"action": "view"})
    older_link = re.search(r'href="(\?[^"]*before=[^"]*)" rel="next"', first.content.decode())
    assert older_link is not None
    second = client.get(ACCESS + older_link.group(1).replace("&amp;", "&"))
    newer_link = re.search(r'href="(\?[^"]*after=[^"]*)" rel="prev"', second.content.decode())
    assert newer_link is not None
    back = client.get(ACCESS + newer_link.group(1).replace("&amp;", "&"))

    assert person_ids(first) == list(range(59, 9, -1))
    assert person_ids(second) == list(range(9, -1, -1))
    assert 'rel="next"' not in second.content.decode()
    assert "action=view" in older_link.group(1)  # the filters are kept
    assert person_ids(back) == person_ids(first)


def test_a_page_link_nobody_could_have_been_given_shows_the_newest_events(
    auditor: User, family: Family, readers: tuple[User, User]
) -> None:
    event(user=readers[0], family=family, when=at(dt.date(2026, 3, 2)), record_id=901)
    client = signed_in(auditor)

    answers = [client.get(ACCESS, {"before": token}) for token in ("x", "9" * 18 + ".1", "-1.2")]

    assert [(a.status_code, person_ids(a)) for a in answers] == [(200, [901])] * 3


def test_the_access_events_csv_is_the_filtered_rows_never_cached(
    auditor: User, family: Family, readers: tuple[User, User]
) -> None:
    ada, bo = readers
    event(user=ada, family=family, when=at(dt.date(2026, 3, 2), 9, 15), record_id=601)
    event(user=bo, family=family, when=at(dt.date(2026, 3, 3)), record_id=602)
    event(user=None, family=family, when=at(dt.date(2026, 3, 4)), record_id=603, basis="partner")

    response = signed_in(auditor).get(
        ACCESS_CSV, {"family_reference": family.reference, "user": "ada"}
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(
        r'attachment; filename="access-events-\d{4}-\d{2}-\d{2}\.csv"',
        response["Content-Disposition"],
    )
    assert "no-store" in response["Cache-Control"]
    assert csv_rows(response) == [
        {
            "When": "2026-03-02T09:15:00+00:00",
            "User id": str(ada.pk),
            "Name": ada.get_full_name(),
            "Email": "ada.reader@test.example.org",
            "Action": "view",
            "Record type": "person",
            "Record id": "601",
            "Family reference": family.reference,
            "Basis": "team",
            "Request id": "req-601",
        }
    ]


def test_the_csv_export_is_logged_without_personal_data(
    auditor: User, family: Family, readers: tuple[User, User], caplog: pytest.LogCaptureFixture
) -> None:
    event(user=readers[0], family=family, when=at(dt.date(2026, 3, 2)), record_id=701)

    with caplog.at_level(logging.INFO, logger="cases.audit.views"):
        response = signed_in(auditor).get(ACCESS_CSV, {"user": "ada.reader"})
        rows = csv_rows(response)

    logged = " ".join(record.getMessage() for record in caplog.records)
    assert len(rows) == 1
    assert (
        f"Audit export access-events by user {auditor.pk} started, filtered by user_email" in logged
    )
    assert "finished: 1 rows" in logged
    assert "ada" not in logged
    assert not AccessEvent.objects.filter(user_id=auditor.pk).exists()


def test_a_csv_cell_that_looks_like_a_formula_is_neutralised(
    auditor: User, family: Family, team: Team
) -> None:
    reader = MembershipFactory.create(team=team, user__given_name="=HYPERLINK(1)").user
    event(user=reader, family=family, when=at(dt.date(2026, 3, 2)), record_id=801)

    rows = csv_rows(signed_in(auditor).get(ACCESS_CSV))

    assert rows[0]["Name"].startswith("'=HYPERLINK(1)")


# --- partner disclosures -------------------------------------------------------------------------


def disclosure(client: PartnerClient, *, when: dt.datetime, operation: str, purpose: str) -> None:
    DisclosureLog.objects.create(
        occurred_at=when,
        client_id=client.pk,
        organisation_id=client.organisation_id,
        scope="notifications:write",
        operation=operation,
        purpose=purpose,
        method="POST",
        status_code=201,
        request_id=f"req-{purpose}",
    )


@pytest.fixture
def partners(db: None) -> tuple[PartnerClient, PartnerClient]:
    wessex, _ = partner_client(police_force("Wessex Police"), name="Wessex RMS")
    mercia, _ = partner_client(police_force("Mercia Police"), name="Mercia RMS")
    return wessex, mercia


def purposes(response: Any) -> list[str]:
    return re.findall(r"(purpose-\d+)", response.content.decode())


def test_disclosures_filter_by_organisation_client_operation_and_date(
    auditor: User, partners: tuple[PartnerClient, PartnerClient]
) -> None:
    wessex, mercia = partners
    disclosure(
        wessex, when=at(dt.date(2026, 3, 2)), operation="notification.create", purpose="purpose-1"
    )
    disclosure(
        wessex, when=at(dt.date(2026, 3, 9)), operation="child_status.read", purpose="purpose-2"
    )
    disclosure(
        mercia, when=at(dt.date(2026, 3, 3)), operation="notification.create", purpose="purpose-3"
    )
    client = signed_in(auditor)

    everything = client.get(DISCLOSURES)
    by_organisation = client.get(DISCLOSURES, {"organisation": wessex.organisation_id})
    by_client = client.get(DISCLOSURES, {"client": mercia.pk})
    by_operation = client.get(DISCLOSURES, {"operation": "notification.create"})
    by_date = client.get(DISCLOSURES, date_query("date_from", dt.date(2026, 3, 5)))

    assert everything.status_code == 200
    assert purposes(everything) == ["purpose-2", "purpose-3", "purpose-1"]
    assert "Wessex Police" in everything.content.decode()
    assert "Mercia RMS" in everything.content.decode()
    assert purposes(by_organisation) == ["purpose-2", "purpose-1"]
    assert purposes(by_client) == ["purpose-3"]
    assert purposes(by_operation) == ["purpose-3", "purpose-1"]
    assert purposes(by_date) == ["purpose-2"]


def test_the_disclosures_csv_is_the_filtered_rows_never_cached(
    auditor: User, partners: tuple[PartnerClient, PartnerClient]
) -> None:
    wessex, mercia = partners
    disclosure(
        wessex, when=at(dt.date(2026, 3, 2)), operation="notification.create", purpose="purpose-1"
    )
    disclosure(
        mercia, when=at(dt.date(2026, 3, 3)), operation="notification.create", purpose="purpose-2"
    )

    response = signed_in(auditor).get(DISCLOSURES_CSV, {"client": wessex.pk})

    assert re.fullmatch(
        r'attachment; filename="partner-disclosures-\d{4}-\d{2}-\d{2}\.csv"',
        response["Content-Disposition"],
    )
    assert "no-store" in response["Cache-Control"]
    assert csv_rows(response) == [
        {
            "When": "2026-03-02T12:00:00+00:00",
            "Organisation id": str(wessex.organisation_id),
            "Organisation": "Wessex Police",
            "Client id": str(wessex.pk),
            "Partner system": "Wessex RMS",
            "Operation": "notification.create",
            "Scope": "notifications:write",
            "Method": "POST",
            "Status code": "201",
            "Purpose": "purpose-1",
            "Request id": "req-purpose-1",
        }
    ]


# --- unusual access ------------------------------------------------------------------------------

FEB_1 = dt.date(2026, 2, 1)
MAR_1 = dt.date(2026, 3, 1)


class Unusual:
    """Who read the family, and whether each read should be flagged.

    - ``allocated``: allocated to the family's case for January only; reads on 15 January
      (usual) and 10 February (unusual: the allocation had ended);
    - ``joiner``: joins the owning team on 1 March; reads on 15 February (unusual: not yet a
      member) and on 5 March (usual);
    - ``service_manager``: service manager of a sister team, reads with basis "service": usual;
    - ``grantee``: a member of a team elsewhere who used emergency access: unusual;
    - ``member``: a member of the owning team throughout: usual.
    """

    def __init__(self, family: Family, team: Team) -> None:
        case = family.cases.get()
        self.allocated = MembershipFactory.create(team=TeamFactory.create()).user
        AllocationFactory.create(
            case=case,
            worker=self.allocated,
            start_date=dt.date(2026, 1, 1),
            end_date=dt.date(2026, 1, 31),
        )
        self.joiner = MembershipFactory.create(team=team, start_date=MAR_1).user
        sister = TeamFactory.create(service=team.service)
        self.service_manager = MembershipFactory.create(team=sister, role=Role.SERVICE_MANAGER).user
        self.grantee = MembershipFactory.create().user
        self.member = MembershipFactory.create(team=team).user
        for user, day, record_id, basis in [
            (self.allocated, dt.date(2026, 1, 15), 1, AccessBasis.ALLOCATION),
            (self.allocated, dt.date(2026, 2, 10), 2, AccessBasis.ALLOCATION),
            (self.joiner, dt.date(2026, 2, 15), 3, AccessBasis.TEAM),
            (self.joiner, dt.date(2026, 3, 5), 4, AccessBasis.TEAM),
            (self.service_manager, dt.date(2026, 2, 20), 5, AccessBasis.SERVICE),
            (self.grantee, dt.date(2026, 2, 21), 6, AccessBasis.GRANT),
            (self.member, dt.date(2026, 2, 22), 7, AccessBasis.TEAM),
        ]:
            event(user=user, family=family, when=at(day), record_id=record_id, basis=basis)


def period(date_from: dt.date, date_to: dt.date) -> dict[str, int]:
    return {**date_query("date_from", date_from), **date_query("date_to", date_to)}


def unusual_counts(response: Any) -> dict[str, int]:
    """Email -> unusual reads, from the summary table."""
    found = re.findall(
        r'<span class="govuk-body-s">([^<]+)</span></td>\s*'
        r'<td class="govuk-table__cell govuk-table__cell--numeric">(\d+)</td>',
        response.content.decode(),
    )
    return {email: int(count) for email, count in found}


def test_unusual_access_flags_reads_outside_allocations_and_teams_at_the_time(
    auditor: User, family: Family, team: Team
) -> None:
    world = Unusual(family, team)

    response = signed_in(auditor).get(UNUSUAL, period(dt.date(2026, 1, 1), dt.date(2026, 3, 31)))

    assert response.status_code == 200
    assert unusual_counts(response) == {
        world.allocated.email: 1,
        world.joiner.email: 1,
        world.grantee.email: 1,
    }


def test_the_drill_down_lists_one_persons_unusual_reads(
    auditor: User, family: Family, team: Team
) -> None:
    world = Unusual(family, team)
    client = signed_in(auditor)

    joiner = client.get(
        reverse("cases:audit-unusual-user", args=[world.joiner.pk]),
        period(dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
    )
    grantee = client.get(
        reverse("cases:audit-unusual-user", args=[world.grantee.pk]),
        period(dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
    )

    assert person_ids(joiner) == [3]
    assert "Not allocated to the family or in its team that day" in joiner.content.decode()
    assert family.reference in joiner.content.decode()
    assert person_ids(grantee) == [6]
    assert "Emergency access" in grantee.content.decode()


def test_unusual_access_uses_the_uk_day_of_the_read(
    auditor: User, family: Family, team: Team
) -> None:
    """00:30 on 1 June in London is 23:30 on 31 May in UTC: a membership starting on 1 June
    covers it, and an allocation ending on 31 May does not."""
    june_1 = dt.date(2026, 6, 1)
    joiner = MembershipFactory.create(team=team, start_date=june_1).user
    leaver = MembershipFactory.create(team=TeamFactory.create()).user
    AllocationFactory.create(
        case=family.cases.get(),
        worker=leaver,
        start_date=dt.date(2026, 5, 1),
        end_date=dt.date(2026, 5, 31),
    )
    event(user=joiner, family=family, when=at(june_1, 0, 30), record_id=1)
    event(
        user=leaver,
        family=family,
        when=at(june_1, 0, 30),
        record_id=2,
        basis=AccessBasis.ALLOCATION,
    )

    response = signed_in(auditor).get(UNUSUAL, period(dt.date(2026, 5, 1), dt.date(2026, 6, 30)))

    assert unusual_counts(response) == {leaver.email: 1}


def test_unusual_access_covers_the_last_30_days_by_default(
    auditor: User, family: Family, team: Team
) -> None:
    outsider = MembershipFactory.create().user
    today = timezone.localdate()
    event(user=outsider, family=family, when=at(today - dt.timedelta(days=29)), record_id=1)
    event(user=outsider, family=family, when=at(today - dt.timedelta(days=30)), record_id=2)

    response = signed_in(auditor).get(UNUSUAL)

    assert unusual_counts(response) == {outsider.email: 1}


# --- emergency access reviews --------------------------------------------------------------------


def test_an_auditor_reaches_emergency_access_from_the_audit_pages_and_reviews_it(
    auditor: User, family: Family
) -> None:
    outsider = MembershipFactory.create().user
    grant = access_grant_request(actor=outsider, case=family.cases.get(), reason=EMERGENCY_REASON)
    client = signed_in(auditor)
    review_url = reverse("cases:emergency-access-review")

    audit_page = client.get(ACCESS).content.decode()
    review_page = client.get(review_url).content.decode()
    response = client.post(
        review_url, {"grant": grant.pk, "outcome": "Justified: out-of-hours police call"}
    )

    assert f'href="{review_url}"' in audit_page
    assert "Emergency access (1 waiting for review)" in audit_page
    assert 'aria-label="Audit pages"' in review_page  # the audit pages' own navigation
    assert response.status_code == 302
    grant = AccessGrant.objects.get(pk=grant.pk)
    assert grant.reviewed_by == auditor
    assert grant.review_outcome == "Justified: out-of-hours police call"
    assert "Emergency access (1 waiting" not in client.get(ACCESS).content.decode()


# --- who may open the pages ----------------------------------------------------------------------


def _service_user(role: str) -> User:
    return UserFactory.create(service_role=role, is_staff=role == ServiceRole.SYSTEM_ADMIN)


def _team_user(role: str) -> User:
    return MembershipFactory.create(role=role).user


NOT_AUDITORS = {
    "board member": lambda: _service_user(ServiceRole.BOARD_MEMBER),
    "performance analyst": lambda: _service_user(ServiceRole.PERFORMANCE_ANALYST),
    "system administrator": lambda: _service_user(ServiceRole.SYSTEM_ADMIN),
    "superuser": lambda: UserFactory.create(is_staff=True, is_superuser=True),
    "independent reviewing officer": lambda: _service_user(
        ServiceRole.INDEPENDENT_REVIEWING_OFFICER
    ),
    "service manager": lambda: _team_user(Role.SERVICE_MANAGER),
    "team manager": lambda: _team_user(Role.TEAM_MANAGER),
    "social worker": lambda: _team_user(Role.SOCIAL_WORKER),
}


def audit_urls(someone: User) -> list[str]:
    return [
        ACCESS,
        ACCESS_CSV,
        DISCLOSURES,
        DISCLOSURES_CSV,
        reverse("cases:audit-observations"),
        reverse("cases:audit-observations-csv"),
        UNUSUAL,
        reverse("cases:audit-unusual-user", args=[someone.pk]),
    ]


permission_matrix.register(
    __name__,
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
)


@pytest.mark.parametrize("role", list(NOT_AUDITORS))
def test_everyone_but_auditors_is_refused_every_audit_page(role: str) -> None:
    user = NOT_AUDITORS[role]()
    client = signed_in(user)

    answers = {url: client.get(url).status_code for url in audit_urls(user)}

    assert answers == dict.fromkeys(audit_urls(user), 403)


def test_auditors_open_every_audit_page(auditor: User) -> None:
    client = signed_in(auditor)

    answers = {url: client.get(url).status_code for url in audit_urls(auditor)}

    assert answers == dict.fromkeys(audit_urls(auditor), 200)


def test_signed_out_visitors_are_sent_to_sign_in(auditor: User) -> None:
    answers = [Client().get(url) for url in audit_urls(auditor)]

    assert [a.status_code for a in answers] == [302] * len(answers)
    assert all(a["Location"].startswith(reverse("teams:sign-in")) for a in answers)


def test_the_drill_down_of_nobody_is_not_found(auditor: User) -> None:
    response = signed_in(auditor).get(reverse("cases:audit-unusual-user", args=[987654321]))

    assert response.status_code == 404


def test_only_auditors_see_audit_in_the_menu(auditor: User) -> None:
    worker = _team_user(Role.TEAM_MANAGER)

    assert f'href="{ACCESS}"' in signed_in(auditor).get(reverse("home")).content.decode()
    assert f'href="{ACCESS}"' not in signed_in(worker).get(reverse("home")).content.decode()


# --- query budgets -------------------------------------------------------------------------------


def _events(family: Family, readers: list[User], count: int, *, basis: str) -> None:
    start = at(timezone.localdate() - dt.timedelta(days=3))
    AccessEvent.objects.bulk_create(
        [
            AccessEvent(
                user_id=readers[n % len(readers)].pk,
                family_id=family.pk,
                occurred_at=start + dt.timedelta(minutes=n),
                record_type=RecordType.PERSON,
                record_id=n,
                action=AccessAction.VIEW,
                basis=basis,
            )
            for n in range(count)
        ]
    )


@pytest.mark.parametrize("page", ["access", "unusual", "unusual-user"])
def test_the_audit_pages_run_the_same_queries_for_5_and_60_events(
    auditor: User,
    family: Family,
    page: str,
    django_assert_num_queries: Any,
    django_assert_max_num_queries: Any,
) -> None:
    readers = [MembershipFactory.create().user for _ in range(6)]
    url = {
        "access": ACCESS,
        "unusual": UNUSUAL,
        "unusual-user": reverse("cases:audit-unusual-user", args=[readers[0].pk]),
    }[page]
    client = signed_in(auditor)
    _events(family, readers[:2], 5, basis=AccessBasis.GRANT)

    with django_assert_max_num_queries(CEILING) as small:
        assert client.get(url).status_code == 200
    _events(family, readers, 60, basis=AccessBasis.GRANT)
    with django_assert_num_queries(len(small)):
        response = client.get(url)

    assert response.status_code == 200


def test_the_disclosures_page_runs_the_same_queries_for_5_and_60_calls(
    auditor: User,
    partners: tuple[PartnerClient, PartnerClient],
    django_assert_num_queries: Any,
    django_assert_max_num_queries: Any,
) -> None:
    client = signed_in(auditor)
    for n in range(5):
        disclosure(
            partners[n % 2], when=at(dt.date(2026, 3, 1)), operation="x", purpose=f"purpose-{n}"
        )

    with django_assert_max_num_queries(CEILING) as small:
        assert client.get(DISCLOSURES).status_code == 200
    extra = [partner_client(police_force(f"Force {n}"), name=f"RMS {n}")[0] for n in range(3)]
    for n in range(60):
        disclosure(
            extra[n % 3], when=at(dt.date(2026, 3, 2)), operation="x", purpose=f"purpose-{n}"
        )
    with django_assert_num_queries(len(small)):
        response = client.get(DISCLOSURES)

    assert len(purposes(response)) == 50
