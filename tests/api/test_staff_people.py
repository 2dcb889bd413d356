"""``/api/v1/people/``: finding people in the families a member of staff can see, and one
person, with only the families the reader can see."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cases.models import AccessBasis, HouseholdRole, Person, RecordType
from tests.api.staff_world import api_events, session_client
from tests.factories import FamilyMemberFactory
from tests.workbook.conftest import CP_PLAN_START, REFERRAL_DATE, TeamCase, build_team_case

pytestmark = pytest.mark.django_db

PEOPLE = reverse("api:people")


def person_url(person: Person) -> str:
    return reverse("api:person", args=[person.pk])


@pytest.fixture
def carters() -> TeamCase:
    return build_team_case("Carter")


@pytest.fixture
def patels() -> TeamCase:
    return build_team_case("Patel")


def _ids(response: object) -> list[int]:
    assert response.status_code == 200, response.content  # type: ignore[attr-defined]
    return sorted(row["id"] for row in response.json()["results"])  # type: ignore[attr-defined]


def test_a_worker_lists_the_people_of_their_families_only(
    carters: TeamCase, patels: TeamCase
) -> None:
    response = session_client(carters.lead).get(PEOPLE)

    assert _ids(response) == sorted(
        p.pk for p in [carters.mother, carters.father, carters.older_child, carters.younger_child]
    )
    mia = next(row for row in response.json()["results"] if row["id"] == carters.older_child.pk)
    assert mia == {
        "id": carters.older_child.pk,
        "given_name": "Mia",
        "family_name": "Carter",
        "date_of_birth": "2019-02-14",
        "expected_date_of_birth": None,
        "sex": "U",
        "nhs_number": carters.older_child.nhs_number,
        "families": [{"id": carters.case.family_id, "reference": carters.case.family.reference}],
    }


def test_people_are_found_by_name_nhs_number_and_date_of_birth(
    carters: TeamCase, patels: TeamCase
) -> None:
    client = session_client(carters.lead)

    assert _ids(client.get(PEOPLE, {"search": "noah carter"})) == [carters.younger_child.pk]
    assert _ids(client.get(PEOPLE, {"search": "  NOAH  "})) == [carters.younger_child.pk]
    assert _ids(client.get(PEOPLE, {"search": "Patel"})) == []
    assert _ids(client.get(PEOPLE, {"nhs_number": carters.mother.nhs_number})) == [
        carters.mother.pk
    ]
    spaced = " ".join(
        [
            carters.mother.nhs_number[:3],
            carters.mother.nhs_number[3:6],
            carters.mother.nhs_number[6:],
        ]
    )
    assert _ids(client.get(PEOPLE, {"nhs_number": spaced})) == [carters.mother.pk]
    assert _ids(client.get(PEOPLE, {"nhs_number": patels.mother.nhs_number})) == []
    assert _ids(client.get(PEOPLE, {"date_of_birth": "1989-08-23"})) == [carters.father.pk]
    assert _ids(client.get(PEOPLE, {"search": "carter", "date_of_birth": "2019-02-14"})) == [
        carters.older_child.pk
    ]


def test_a_bad_nhs_number_or_date_is_a_400_naming_the_filter(carters: TeamCase) -> None:
    client = session_client(carters.lead)

    nhs = client.get(PEOPLE, {"nhs_number": "1234567890"})
    born = client.get(PEOPLE, {"date_of_birth": "14/02/2019"})
    no_such_day = client.get(PEOPLE, {"date_of_birth": "2019-02-30"})

    assert nhs.status_code == 400
    assert list(nhs.json()["errors"]) == ["nhs_number"]
    assert born.status_code == 400
    assert list(born.json()["errors"]) == ["date_of_birth"]
    assert no_such_day.status_code == 400


def test_a_person_shows_their_details_families_and_statuses(carters: TeamCase) -> None:
    response = session_client(carters.lead).get(person_url(carters.older_child))

    assert response.status_code == 200
    body = response.json()
    assert body["given_name"] == "Mia"
    assert body["date_of_birth"] == "2019-02-14"
    assert body["deceased_date"] is None
    assert body["memberships"] == [
        {
            "family_id": carters.case.family_id,
            "family_reference": carters.case.family.reference,
            "household_role": "child",
            "start_date": body["memberships"][0]["start_date"],
            "end_date": None,
        }
    ]
    assert body["statuses"] == [
        {
            "id": carters.cp_plan.pk,
            "case_id": carters.case.pk,
            "kind": "cp_plan",
            "start_date": CP_PLAN_START.isoformat(),
            "end_date": None,
        }
    ]


def test_a_person_in_two_families_shows_only_the_family_the_reader_can_see(
    carters: TeamCase, patels: TeamCase
) -> None:
    FamilyMemberFactory.create(
        family=patels.case.family,
        person=carters.older_child,
        household_role=HouseholdRole.CHILD,
        start_date=REFERRAL_DATE,
    )

    carter_view = session_client(carters.lead).get(person_url(carters.older_child)).json()
    patel_view = session_client(patels.lead).get(person_url(carters.older_child)).json()

    assert [m["family_id"] for m in carter_view["memberships"]] == [carters.case.family_id]
    assert [m["family_id"] for m in patel_view["memberships"]] == [patels.case.family_id]
    assert [s["case_id"] for s in patel_view["statuses"]] == []


def test_someone_in_another_teams_family_is_not_found(carters: TeamCase, patels: TeamCase) -> None:
    response = session_client(carters.lead).get(person_url(patels.older_child))

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert api_events(carters.lead) == []


def test_every_person_listed_and_read_is_audited_as_an_api_read(carters: TeamCase) -> None:
    client = session_client(carters.manager)
    family_id = carters.case.family_id

    client.get(PEOPLE, {"search": "mia"})
    client.get(person_url(carters.mother))

    assert api_events(carters.manager) == [
        (RecordType.PERSON, carters.older_child.pk, family_id, AccessBasis.TEAM),
        (RecordType.PERSON, carters.mother.pk, family_id, AccessBasis.TEAM),
    ]
