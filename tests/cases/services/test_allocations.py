"""Allocating workers to a case and ending allocations (``cases.services.allocations``),
exercised through the services a view would call.

Most tests start from ``scenario`` (tests/cases/conftest.py): the Hughes family, referred by
the police on a Monday a year ago to a team with a manager, two social workers and a domestic
abuse specialist. Dates that services refuse when in the future are days of the story counted
from the referral (``after_referral``); dates that must be in the future are counted from today.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.models import Allocation, ChronologyEvent, ChronologyKind
from cases.services import allocation_end, allocation_start
from teams.models import User
from tests.cases.conftest import Scenario, after_referral

pytestmark = pytest.mark.django_db


# --- allocation_start / allocation_end ---------------------------------------------------------


def test_an_adult_specialist_must_be_allocated_to_an_adult(scenario: Scenario) -> None:
    with pytest.raises(ValidationError) as excinfo:
        allocation_start(
            actor=scenario.manager,
            case=scenario.case,
            worker=scenario.da_specialist,
            start_date=after_referral(weeks=1),
        )

    assert excinfo.value.message_dict == {
        "adult": [
            "Adult specialists are allocated to an adult. Choose the adult they will work with"
        ]
    }


def test_an_adult_specialist_allocated_to_a_parent_is_recorded_in_the_chronology(
    scenario: Scenario,
) -> None:
    allocation = allocation_start(
        actor=scenario.manager,
        case=scenario.case,
        worker=scenario.da_specialist,
        adult=scenario.mother,
        start_date=after_referral(weeks=1),
    )

    assert allocation.adult == scenario.mother
    assert allocation.discipline == "domestic_abuse"
    assert allocation.start_date == after_referral(weeks=1)
    event = ChronologyEvent.objects.get(source_model="cases.allocation", source_id=allocation.pk)
    assert event.summary == (
        f"{scenario.da_specialist.get_full_name()} (domestic abuse specialist) allocated "
        "to work with Sarah Hughes."
    )
    assert event.person == scenario.mother


def test_an_adult_specialist_cannot_be_allocated_to_a_child(scenario: Scenario) -> None:
    with pytest.raises(ValidationError) as excinfo:
        allocation_start(
            actor=scenario.manager,
            case=scenario.case,
            worker=scenario.da_specialist,
            adult=scenario.older_child,
            start_date=after_referral(weeks=1),
        )

    assert excinfo.value.message_dict == {
        "adult": ["Choose an adult who is a member of this family"]
    }


def test_a_worker_outside_the_owning_team_cannot_be_allocated(
    scenario: Scenario, outsider: User
) -> None:
    with pytest.raises(ValidationError) as excinfo:
        allocation_start(
            actor=scenario.manager,
            case=scenario.case,
            worker=outsider,
            start_date=after_referral(weeks=1),
        )

    assert excinfo.value.message_dict == {
        "worker": [f"Choose someone who works in {scenario.team.name}"]
    }


def test_allocating_a_worker_already_allocated_is_refused(scenario: Scenario) -> None:
    with pytest.raises(ValidationError) as excinfo:
        allocation_start(
            actor=scenario.manager,
            case=scenario.case,
            worker=scenario.lead,
            start_date=after_referral(weeks=1),
        )

    assert excinfo.value.message_dict == {
        "worker": [f"{scenario.lead.get_full_name()} is already allocated to this family"]
    }
    assert Allocation.objects.filter(case=scenario.case, worker=scenario.lead).count() == 1


def test_allocating_a_social_worker_writes_the_chronology(scenario: Scenario) -> None:
    allocation = allocation_start(
        actor=scenario.manager,
        case=scenario.case,
        worker=scenario.social_worker,
        start_date=after_referral(weeks=1),
    )

    event = ChronologyEvent.objects.get(source_model="cases.allocation", source_id=allocation.pk)
    assert event.kind == ChronologyKind.ALLOCATION
    assert event.summary == f"{scenario.social_worker.get_full_name()} (social worker) allocated."
    assert timezone.localtime(event.occurred_at).date() == after_referral(weeks=1)
    assert event.recorded_by == scenario.manager


def test_ending_an_allocation_records_the_end_date(scenario: Scenario) -> None:
    allocation = allocation_start(
        actor=scenario.manager,
        case=scenario.case,
        worker=scenario.social_worker,
        start_date=after_referral(weeks=1),
    )

    allocation_end(actor=scenario.manager, allocation=allocation, end_date=after_referral(weeks=13))

    allocation.refresh_from_db()
    assert allocation.end_date == after_referral(weeks=13)
    assert list(
        Allocation.objects.active().filter(case=scenario.case).values_list("worker", flat=True)
    ) == [scenario.lead.pk]
    assert ChronologyEvent.objects.filter(
        case=scenario.case,
        kind=ChronologyKind.ALLOCATION,
        summary=f"{scenario.social_worker.get_full_name()} no longer allocated.",
    ).exists()


def test_ending_the_lead_social_workers_allocation_is_refused(scenario: Scenario) -> None:
    allocation = Allocation.objects.get(case=scenario.case, worker=scenario.lead)

    with pytest.raises(ValidationError) as excinfo:
        allocation_end(
            actor=scenario.manager, allocation=allocation, end_date=after_referral(weeks=13)
        )

    assert excinfo.value.messages == [
        "This worker is the lead social worker. Transfer the lead to someone else first"
    ]
    allocation.refresh_from_db()
    assert allocation.end_date is None


def test_ending_an_allocation_before_it_started_is_refused(scenario: Scenario) -> None:
    allocation = allocation_start(
        actor=scenario.manager,
        case=scenario.case,
        worker=scenario.social_worker,
        start_date=after_referral(weeks=1),
    )

    with pytest.raises(ValidationError) as excinfo:
        allocation_end(
            actor=scenario.manager, allocation=allocation, end_date=after_referral(days=4)
        )

    assert excinfo.value.message_dict == {
        "end_date": ["The end date must be on or after the allocation started"]
    }
