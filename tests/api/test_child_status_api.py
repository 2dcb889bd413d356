"""``GET /api/v1/partner/child-status/{nhs_number}/`` (DESIGN §9): whether a child is on a child
protection plan or looked after, since when, and whom to contact; never a name, an address or
narrative, and never whether the council knows the child at all.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
from rest_framework.test import APIClient

from cases.models import (
    AccessAction,
    AccessBasis,
    AccessEvent,
    Case,
    DisclosureLog,
    Person,
    RecordType,
    StatusKind,
)
from cases.validators import synthetic_nhs_number
from teams.models import PartnerClient, PartnerScope, Team
from tests.factories import (
    CaseFactory,
    ChildStatusFactory,
    FamilyMemberFactory,
    PersonFactory,
    TeamFactory,
)

from .conftest import assert_error_body

pytestmark = pytest.mark.django_db

NHS_NUMBER = synthetic_nhs_number(random.Random(31))
NEGLECT = "NEG"
NOT_SUBJECT = {"active": False, "since": None}
# Headers that differ between any two responses, whatever they answer.
PER_RESPONSE_HEADERS = {"X-Request-ID", "Date"}


def url(nhs_number: str) -> str:
    return f"/api/v1/partner/child-status/{nhs_number}/"


@pytest.fixture
def team(db: None) -> Team:
    return TeamFactory.create(
        name="Family Safeguarding Team North",
        contact_email="fs.north@council.example.org",
        contact_phone="01632 960 001",
    )


@pytest.fixture
def case(team: Team) -> Case:
    return CaseFactory.create(
        family__owning_team=team,
        family__name="The Quillfeather family",
        family__address_line_1="17 Larkspur Terrace",
        family__postcode="ZZ9 9ZZ",
        referral_date=dt.date(2024, 1, 8),
    )


@pytest.fixture
def child(case: Case) -> Person:
    person = PersonFactory.create(
        given_name="Zebedee",
        family_name="Quillfeather",
        date_of_birth=dt.date(2016, 5, 20),
        nhs_number=NHS_NUMBER,
    )
    FamilyMemberFactory.create(family=case.family, person=person, start_date=dt.date(2024, 1, 8))
    return person


def cp_plan(case: Case, child: Person, start: dt.date, end: dt.date | None = None) -> None:
    ChildStatusFactory.create(
        case=case,
        person=child,
        kind=StatusKind.CP_PLAN,
        start_date=start,
        end_date=end,
        cp_initial_category=NEGLECT,
        cp_latest_category=NEGLECT,
    )


def looked_after(
    case: Case, child: Person, start: dt.date, legal_status: str, end: dt.date | None = None
) -> None:
    ChildStatusFactory.create(
        case=case,
        person=child,
        kind=StatusKind.LOOKED_AFTER,
        start_date=start,
        end_date=end,
        legal_status=legal_status,
    )


def team_contact(team: Team) -> dict[str, str]:
    return {"name": team.name, "email": team.contact_email, "phone": team.contact_phone}


def same_headers(response: Any) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k not in PER_RESPONSE_HEADERS}


# --- what the answer says ----------------------------------------------------------------------


def test_a_child_on_a_plan_since_it_started(
    api: APIClient, team: Team, case: Case, child: Person
) -> None:
    cp_plan(case, child, dt.date(2025, 6, 2))

    response = api.get(url(NHS_NUMBER))

    assert response.status_code == 200
    assert response.json() == {
        "nhs_number": NHS_NUMBER,
        "child_protection_plan": {"active": True, "since": "2025-06-02"},
        "looked_after": NOT_SUBJECT,
        "responsible_team": team_contact(team),
    }


def test_looked_after_since_the_start_of_the_unbroken_period(
    api: APIClient, team: Team, case: Case, child: Person
) -> None:
    """A change of legal status (C1 interim care order to C2 full care order) ends one period
    and starts the next on the same day: the child has been looked after since the first."""
    looked_after(case, child, dt.date(2024, 2, 1), "V2", end=dt.date(2024, 6, 1))  # went home
    looked_after(case, child, dt.date(2025, 3, 10), "C1", end=dt.date(2025, 9, 15))
    looked_after(case, child, dt.date(2025, 9, 15), "C2")

    response = api.get(url(NHS_NUMBER))

    assert response.json() == {
        "nhs_number": NHS_NUMBER,
        "child_protection_plan": NOT_SUBJECT,
        "looked_after": {"active": True, "since": "2025-03-10"},
        "responsible_team": team_contact(team),
    }


def test_on_a_plan_and_looked_after(api: APIClient, team: Team, case: Case, child: Person) -> None:
    cp_plan(case, child, dt.date(2025, 1, 6))
    looked_after(case, child, dt.date(2025, 4, 1), "C1")

    body = api.get(url(NHS_NUMBER)).json()

    assert body["child_protection_plan"] == {"active": True, "since": "2025-01-06"}
    assert body["looked_after"] == {"active": True, "since": "2025-04-01"}
    assert body["responsible_team"] == team_contact(team)


def test_an_ended_plan_is_not_active(api: APIClient, case: Case, child: Person) -> None:
    cp_plan(case, child, dt.date(2025, 2, 3), end=dt.date(2025, 10, 1))

    response = api.get(url(NHS_NUMBER))

    assert response.json() == {
        "nhs_number": NHS_NUMBER,
        "child_protection_plan": NOT_SUBJECT,
        "looked_after": NOT_SUBJECT,
        "responsible_team": None,
    }


def test_the_answer_names_no_one(api: APIClient, case: Case, child: Person) -> None:
    cp_plan(case, child, dt.date(2025, 6, 2))

    response = api.get(url(NHS_NUMBER))

    text = response.content.decode()
    for private in (
        child.given_name,
        child.family_name,
        "2016-05-20",
        case.family.address_line_1,
        case.family.postcode,
        case.family.name,
    ):
        assert private not in text
    assert set(response.json()) == {
        "nhs_number",
        "child_protection_plan",
        "looked_after",
        "responsible_team",
    }


# --- not telling who is known ------------------------------------------------------------------


def _no_plan(case: Case, child: Person) -> None:
    """Known to the council, and on no plan today."""


def _ended_plan(case: Case, child: Person) -> None:
    cp_plan(case, child, dt.date(2025, 2, 3), end=dt.date(2025, 10, 1))


def _child_in_need_plan(case: Case, child: Person) -> None:
    ChildStatusFactory.create(case=case, person=child, kind=StatusKind.CIN_PLAN)


@pytest.mark.parametrize("history", [_no_plan, _ended_plan, _child_in_need_plan])
def test_an_unknown_nhs_number_gets_exactly_the_answer_a_known_child_on_no_plan_gets(
    api: APIClient, case: Case, history: Any
) -> None:
    unknown = api.get(url(NHS_NUMBER))
    child = PersonFactory.create(nhs_number=NHS_NUMBER)
    FamilyMemberFactory.create(family=case.family, person=child)
    history(case, child)

    known = api.get(url(NHS_NUMBER))

    assert Person.objects.filter(nhs_number=NHS_NUMBER).exists()
    assert (known.status_code, unknown.status_code) == (200, 200)
    assert known.content == unknown.content
    assert same_headers(known) == same_headers(unknown)
    assert known["X-Request-ID"] != unknown["X-Request-ID"]


# --- validation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "nhs_number",
    [
        "12345",
        NHS_NUMBER[:9] + str((int(NHS_NUMBER[9]) + 1) % 10),  # wrong check digit
        "999ABC4567",
        "²" * 10,  # digits to str.isdigit(), but not to int()
        "9" * 11,
    ],
)
def test_an_invalid_nhs_number_is_400(
    api: APIClient, partner: PartnerClient, nhs_number: str
) -> None:
    response = api.get(url(nhs_number))

    error = assert_error_body(response, 400)
    assert list(error["errors"]) == ["nhs_number"]
    log = DisclosureLog.objects.get()
    assert (log.client_id, log.status_code, log.disclosed) == (partner.pk, 400, {})


def test_spaces_in_the_nhs_number_are_allowed(api: APIClient) -> None:
    spaced = f"{NHS_NUMBER[:3]} {NHS_NUMBER[3:6]} {NHS_NUMBER[6:]}"

    response = api.get(url(spaced))

    assert response.status_code == 200
    assert response.json()["nhs_number"] == NHS_NUMBER


# --- what is recorded --------------------------------------------------------------------------


def test_a_lookup_of_a_child_on_a_plan_is_on_the_familys_who_viewed_record(
    api: APIClient, case: Case, child: Person
) -> None:
    cp_plan(case, child, dt.date(2025, 6, 2))

    response = api.get(url(NHS_NUMBER))

    event = AccessEvent.objects.get()
    assert event.user_id is None
    assert (event.record_type, event.record_id) == (RecordType.PERSON, child.pk)
    assert event.family_id == case.family_id
    assert (event.action, event.basis) == (AccessAction.API, AccessBasis.PARTNER)
    assert event.request_id == response["X-Request-ID"]


def test_a_lookup_of_an_unknown_number_records_no_access(api: APIClient) -> None:
    api.get(url(NHS_NUMBER))

    assert not AccessEvent.objects.exists()


def test_every_lookup_is_in_the_disclosure_log_with_what_was_disclosed(
    api: APIClient, partner: PartnerClient, team: Team, case: Case, child: Person
) -> None:
    cp_plan(case, child, dt.date(2025, 6, 2))

    api.get(url(NHS_NUMBER), headers={"X-Request-Purpose": "Strategy discussion, PC 1234"})

    log = DisclosureLog.objects.get()
    assert (log.client_id, log.organisation_id) == (partner.pk, partner.organisation_id)
    assert log.scope == PartnerScope.CHILD_STATUS_READ
    assert (log.operation, log.method, log.status_code) == ("child_status.read", "GET", 200)
    assert log.disclosed == {
        "nhs_number": NHS_NUMBER,
        "child_protection_plan": True,
        "looked_after": False,
        "responsible_team_id": team.pk,
    }
    assert log.purpose.endswith("Stated: Strategy discussion, PC 1234")


# Token, partner client and organisation, one read of the child's statuses (with the person,
# case, family and team), the who-viewed row and the disclosure log (ISSUE 10: was 8).
LOOKUP_QUERIES = 6


def test_a_lookup_runs_the_same_queries_however_long_the_childs_history(
    api: APIClient, case: Case, child: Person, django_assert_num_queries: Any
) -> None:
    cp_plan(case, child, dt.date(2025, 6, 2))
    api.get(url(NHS_NUMBER))
    with django_assert_num_queries(LOOKUP_QUERIES):
        assert api.get(url(NHS_NUMBER)).status_code == 200

    cp_plan(case, child, dt.date(2020, 1, 6), dt.date(2021, 3, 1))
    looked_after(case, child, dt.date(2021, 4, 1), "C2", dt.date(2022, 5, 1))
    with django_assert_num_queries(LOOKUP_QUERIES):
        response = api.get(url(NHS_NUMBER))

    assert response.json()["child_protection_plan"] == {"active": True, "since": "2025-06-02"}
