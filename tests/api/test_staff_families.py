"""``/api/v1/families/``: the families a member of staff can see, and one family.

The Carters are referred to one team, the Patels to a team in another service; the Carters'
lead social worker is a member of the first team and allocated to the case.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from cases.models import AccessBasis, Family, HouseholdRole, RecordType
from teams.roles import Role
from tests.api.staff_world import api_events, session_client
from tests.factories import (
    AllocationFactory,
    CaseFactory,
    FamilyFactory,
    FamilyMemberFactory,
    MembershipFactory,
)
from tests.workbook.conftest import REFERRAL_DATE, TeamCase, build_team_case

pytestmark = pytest.mark.django_db

FAMILIES = reverse("api:families")


def family_url(family: Family) -> str:
    return reverse("api:family", args=[family.pk])


@pytest.fixture
def carters() -> TeamCase:
    return build_team_case("Carter")


@pytest.fixture
def patels() -> TeamCase:
    return build_team_case("Patel")


def test_a_worker_lists_the_families_of_their_team_and_not_others(
    carters: TeamCase, patels: TeamCase
) -> None:
    response = session_client(carters.lead).get(FAMILIES)

    assert response.status_code == 200
    family = carters.case.family
    assert response.json()["results"] == [
        {
            "id": family.pk,
            "reference": family.reference,
            "name": "The Carter family",
            "owning_team": {
                "id": carters.team.pk,
                "slug": carters.team.slug,
                "name": carters.team.name,
            },
            "restricted": False,
            "open_case_id": carters.case.pk,
        }
    ]


def test_the_list_filters_by_team_reference_and_restriction(carters: TeamCase) -> None:
    second_team = MembershipFactory.create(user=carters.lead, role=Role.SOCIAL_WORKER).team
    elsewhere = FamilyFactory.create(owning_team=second_team, name="The Lowe family")
    CaseFactory.create(family=elsewhere, lead_social_worker=carters.lead)
    restricted = FamilyFactory.create(
        owning_team=carters.team, name="The Quiet family", restricted=True
    )
    AllocationFactory.create(
        case=CaseFactory.create(family=restricted, lead_social_worker=carters.lead),
        worker=carters.lead,
    )
    client = session_client(carters.lead)

    def names(**params: str) -> list[str]:
        response = client.get(FAMILIES, params)
        assert response.status_code == 200
        return sorted(row["name"] for row in response.json()["results"])

    assert names() == ["The Carter family", "The Lowe family", "The Quiet family"]
    assert names(team=second_team.slug) == ["The Lowe family"]
    assert names(reference=elsewhere.reference) == ["The Lowe family"]
    assert names(reference=elsewhere.reference.lower()) == ["The Lowe family"]
    assert names(restricted="true") == ["The Quiet family"]
    assert names(restricted="false") == ["The Carter family", "The Lowe family"]


def test_a_reference_that_is_not_one_is_a_400_with_the_field_named(carters: TeamCase) -> None:
    response = session_client(carters.lead).get(FAMILIES, {"reference": "Carter"})

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["errors"] == {"reference": ["Enter a family reference like FS-000123"]}


def test_a_family_shows_its_address_team_open_case_and_current_members(
    carters: TeamCase,
) -> None:
    family = carters.case.family
    FamilyMemberFactory.create(
        family=family,
        household_role=HouseholdRole.OTHER_ADULT,
        start_date=REFERRAL_DATE,
        end_date=REFERRAL_DATE + dt.timedelta(days=30),
    )

    response = session_client(carters.lead).get(family_url(family))

    assert response.status_code == 200
    body = response.json()
    assert body["reference"] == family.reference
    assert body["name"] == "The Carter family"
    assert body["address"] == {
        "line_1": "2 Test Road",
        "line_2": "",
        "town": "Testington",
        "postcode": family.postcode,
    }
    assert body["owning_team"]["slug"] == carters.team.slug
    assert body["restricted"] is False
    assert body["open_case_id"] == carters.case.pk
    assert sorted((m["person_id"], m["household_role"]) for m in body["members"]) == sorted(
        [
            (carters.mother.pk, "parent"),
            (carters.father.pk, "parent"),
            (carters.older_child.pk, "child"),
            (carters.younger_child.pk, "child"),
        ]
    )


def test_another_teams_family_is_not_found(carters: TeamCase, patels: TeamCase) -> None:
    response = session_client(carters.lead).get(family_url(patels.case.family))

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert api_events(carters.lead) == []


def test_a_restricted_family_needs_an_allocation_not_just_the_team(carters: TeamCase) -> None:
    family = FamilyFactory.create(owning_team=carters.team, restricted=True)
    case = CaseFactory.create(family=family, lead_social_worker=carters.manager)
    AllocationFactory.create(case=case, worker=carters.practitioner)

    team_only = session_client(carters.lead)
    allocated = session_client(carters.practitioner)

    assert team_only.get(family_url(family)).status_code == 404
    assert family.pk not in [row["id"] for row in team_only.get(FAMILIES).json()["results"]]
    assert allocated.get(family_url(family)).status_code == 200
    assert family.pk in [row["id"] for row in allocated.get(FAMILIES).json()["results"]]


def test_a_closed_family_has_no_open_case(carters: TeamCase) -> None:
    family = FamilyFactory.create(owning_team=carters.team)
    CaseFactory.create(
        family=family,
        lead_social_worker=carters.lead,
        status="closed",
        closed_date=dt.date(2025, 3, 1),
        closure_reason="RC1",
    )

    response = session_client(carters.lead).get(family_url(family))

    assert response.status_code == 200
    assert response.json()["open_case_id"] is None


def test_every_family_listed_and_read_is_audited_as_an_api_read(carters: TeamCase) -> None:
    family = carters.case.family
    client = session_client(carters.manager)

    client.get(FAMILIES)
    client.get(family_url(family))

    assert api_events(carters.manager) == [
        (RecordType.FAMILY, family.pk, family.pk, AccessBasis.TEAM),
        (RecordType.FAMILY, family.pk, family.pk, AccessBasis.TEAM),
    ]
    client = session_client(carters.lead)
    client.get(family_url(family))
    assert api_events(carters.lead) == [
        (RecordType.FAMILY, family.pk, family.pk, AccessBasis.ALLOCATION)
    ]
