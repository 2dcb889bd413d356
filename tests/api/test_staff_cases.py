"""``/api/v1/cases/``: the cases a member of staff can see, and one case with its current
allocations and the children's current statuses."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from cases.models import AccessBasis, Case, RecordType
from cases.services import allocation_end, allocation_start
from teams.roles import Role
from tests.api.staff_world import api_events, session_client
from tests.factories import CaseFactory, FamilyFactory, MembershipFactory
from tests.workbook.conftest import (
    ALLOCATION_DATE,
    CP_PLAN_START,
    REFERRAL_DATE,
    TeamCase,
    build_team_case,
)

pytestmark = pytest.mark.django_db

CASES = reverse("api:cases")


def case_url(case: Case) -> str:
    return reverse("api:case", args=[case.pk])


@pytest.fixture
def carters() -> TeamCase:
    return build_team_case("Carter")


@pytest.fixture
def patels() -> TeamCase:
    return build_team_case("Patel")


def test_a_worker_lists_the_cases_they_can_see(carters: TeamCase, patels: TeamCase) -> None:
    response = session_client(carters.lead).get(CASES)

    assert response.status_code == 200
    assert response.json()["results"] == [
        {
            "id": carters.case.pk,
            "family": {
                "id": carters.case.family_id,
                "reference": carters.case.family.reference,
                "name": "The Carter family",
            },
            "referral_date": REFERRAL_DATE.isoformat(),
            "referral_source": "6",
            "status": "open",
            "closed_date": None,
            "lead_social_worker": {"id": carters.lead.pk, "name": carters.lead.get_full_name()},
        }
    ]


def test_the_list_filters_by_status_and_team(carters: TeamCase) -> None:
    closed = CaseFactory.create(
        family=FamilyFactory.create(owning_team=carters.team),
        lead_social_worker=carters.lead,
        status="closed",
        closed_date=dt.date(2025, 3, 1),
        closure_reason="RC1",
    )
    other_team = MembershipFactory.create(user=carters.lead, role=Role.SOCIAL_WORKER).team
    elsewhere = CaseFactory.create(
        family=FamilyFactory.create(owning_team=other_team), lead_social_worker=carters.lead
    )
    client = session_client(carters.lead)

    def ids(**params: str) -> list[int]:
        response = client.get(CASES, params)
        assert response.status_code == 200
        return sorted(row["id"] for row in response.json()["results"])

    assert ids() == sorted([carters.case.pk, closed.pk, elsewhere.pk])
    assert ids(status="closed") == [closed.pk]
    assert ids(status="open", team=carters.team.slug) == [carters.case.pk]
    assert ids(team=other_team.slug) == [elsewhere.pk]


def test_an_unknown_status_is_a_400_naming_the_filter(carters: TeamCase) -> None:
    response = session_client(carters.lead).get(CASES, {"status": "pending"})

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["status"]


def test_a_case_shows_its_referral_lead_allocations_and_current_statuses(
    carters: TeamCase,
) -> None:
    ended = allocation_start(
        actor=carters.manager,
        case=carters.case,
        worker=MembershipFactory.create(team=carters.team, role=Role.SOCIAL_WORKER).user,
        start_date=ALLOCATION_DATE,
    )
    allocation_end(
        actor=carters.manager,
        allocation=ended,
        end_date=ALLOCATION_DATE + dt.timedelta(days=29),
    )

    response = session_client(carters.lead).get(case_url(carters.case))

    assert response.status_code == 200
    body = response.json()
    assert body["referral_date"] == REFERRAL_DATE.isoformat()
    assert body["referral_source"] == "6"
    assert body["referral_source_label"] == "Police"
    assert body["status"] == "open"
    assert body["lead_social_worker"]["id"] == carters.lead.pk
    assert sorted(
        (a["worker"]["id"], a["discipline"], a["adult_id"]) for a in body["allocations"]
    ) == sorted(
        [
            (carters.lead.pk, "social_work", None),
            (carters.practitioner.pk, "family_support", None),
            (carters.da_specialist.pk, "domestic_abuse", carters.mother.pk),
            (carters.su_specialist.pk, "substance_use", carters.father.pk),
        ]
    )
    assert [
        (s["person_id"], s["kind"], s["start_date"], s["cp_latest_category"])
        for s in body["child_statuses"]
    ] == [(carters.older_child.pk, "cp_plan", CP_PLAN_START.isoformat(), "NEG")]


def test_another_teams_case_is_not_found(carters: TeamCase, patels: TeamCase) -> None:
    response = session_client(carters.lead).get(case_url(patels.case))

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_every_case_listed_and_read_is_audited_as_an_api_read(carters: TeamCase) -> None:
    client = session_client(carters.practitioner)

    client.get(CASES)
    client.get(case_url(carters.case))

    family_id = carters.case.family_id
    assert api_events(carters.practitioner) == [
        (RecordType.CASE, carters.case.pk, family_id, AccessBasis.ALLOCATION),
        (RecordType.CASE, carters.case.pk, family_id, AccessBasis.ALLOCATION),
    ]
