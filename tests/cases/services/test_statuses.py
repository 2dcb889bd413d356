"""Child in need, child protection and looked-after statuses, their changes and visits
(``cases.services.statuses``), exercised through the services a view would call.

Most tests start from ``scenario`` (tests/cases/conftest.py): the Hughes family, referred by
the police on a Monday a year ago to a team with a manager, two social workers and a domestic
abuse specialist. Dates that services refuse when in the future are days of the story counted
from the referral (``after_referral``); dates that must be in the future are counted from today.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.models import ChildStatus, ChronologyEvent, ChronologyKind, StatusKind
from cases.services import (
    child_status_end,
    child_status_record_visit,
    child_status_start,
    child_status_update,
)
from tests.cases.conftest import REFERRAL_DATE, Scenario, after_referral
from tests.cases.services.conftest import NEGLECT, _start_cp_plan

pytestmark = pytest.mark.django_db

PHYSICAL_ABUSE = "PHY"
INTERIM_CARE_ORDER = "C1"


# --- child_status_start ------------------------------------------------------------------------


@pytest.mark.parametrize("category", ["", "XYZ"])
def test_a_child_protection_plan_needs_a_category(scenario: Scenario, category: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        child_status_start(
            actor=scenario.lead,
            case=scenario.case,
            person=scenario.older_child,
            kind=StatusKind.CP_PLAN,
            start_date=after_referral(weeks=9),
            cp_category=category,
        )

    assert excinfo.value.message_dict == {
        "cp_category": ["Select the category of abuse or neglect"]
    }


def test_looked_after_needs_a_legal_status(scenario: Scenario) -> None:
    with pytest.raises(ValidationError) as excinfo:
        child_status_start(
            actor=scenario.lead,
            case=scenario.case,
            person=scenario.older_child,
            kind=StatusKind.LOOKED_AFTER,
            start_date=after_referral(weeks=9),
        )

    assert excinfo.value.message_dict == {"legal_status": ["Select the legal status"]}


def test_a_section_47_enquiry_needs_a_strategy_discussion(scenario: Scenario) -> None:
    with pytest.raises(ValidationError) as excinfo:
        child_status_start(
            actor=scenario.lead,
            case=scenario.case,
            person=scenario.older_child,
            kind=StatusKind.S47_ENQUIRY,
            start_date=after_referral(weeks=5, days=3),
        )

    assert excinfo.value.message_dict == {
        "strategy_discussion_date": ["Enter the date of the strategy discussion"]
    }


def test_a_section_47_enquiry_after_its_strategy_discussion_is_recorded(scenario: Scenario) -> None:
    status = child_status_start(
        actor=scenario.lead,
        case=scenario.case,
        person=scenario.older_child,
        kind=StatusKind.S47_ENQUIRY,
        start_date=after_referral(weeks=5, days=3),
        strategy_discussion_date=after_referral(weeks=5, days=2),
    )

    status.refresh_from_db()
    assert status.strategy_discussion_date == after_referral(weeks=5, days=2)
    assert status.end_date is None


def test_an_overlapping_status_of_the_same_kind_is_refused_with_a_plain_message(
    scenario: Scenario,
) -> None:
    child_status_start(
        actor=scenario.lead,
        case=scenario.case,
        person=scenario.older_child,
        kind=StatusKind.LOOKED_AFTER,
        start_date=after_referral(weeks=5),
        legal_status=INTERIM_CARE_ORDER,
    )

    with pytest.raises(ValidationError) as excinfo:
        child_status_start(
            actor=scenario.lead,
            case=scenario.case,
            person=scenario.older_child,
            kind=StatusKind.LOOKED_AFTER,
            start_date=after_referral(weeks=9),
            legal_status=INTERIM_CARE_ORDER,
        )

    assert excinfo.value.message_dict == {
        "start_date": [
            "Amy already has a looked after that overlaps these dates. End it first, or change the start date"
        ]
    }


def test_an_overlapping_child_in_need_plan_is_refused_with_a_plain_message(
    scenario: Scenario,
) -> None:
    child_status_start(
        actor=scenario.lead,
        case=scenario.case,
        person=scenario.older_child,
        kind=StatusKind.CIN_PLAN,
        start_date=after_referral(weeks=5),
    )

    with pytest.raises(ValidationError) as excinfo:
        child_status_start(
            actor=scenario.lead,
            case=scenario.case,
            person=scenario.older_child,
            kind=StatusKind.CIN_PLAN,
            start_date=after_referral(weeks=9),
        )

    assert excinfo.value.message_dict == {
        "start_date": [
            "Amy already has a child in need plan that overlaps these dates. End it first, or change the start date"
        ]
    }


def test_a_child_protection_plan_overlapping_a_child_in_need_plan_is_refused(
    scenario: Scenario,
) -> None:
    child_status_start(
        actor=scenario.lead,
        case=scenario.case,
        person=scenario.older_child,
        kind=StatusKind.CIN_PLAN,
        start_date=after_referral(weeks=5),
    )

    with pytest.raises(ValidationError) as excinfo:
        _start_cp_plan(scenario)

    assert excinfo.value.message_dict == {
        "start_date": [
            "Amy cannot have a child in need plan and a child protection plan at the same time. End the other plan first"
        ]
    }
    assert not ChildStatus.objects.filter(
        person=scenario.older_child, kind=StatusKind.CP_PLAN
    ).exists()


def test_a_child_protection_plan_can_start_the_day_the_child_in_need_plan_ends(
    scenario: Scenario,
) -> None:
    cin = child_status_start(
        actor=scenario.lead,
        case=scenario.case,
        person=scenario.older_child,
        kind=StatusKind.CIN_PLAN,
        start_date=after_referral(weeks=5),
    )
    child_status_end(actor=scenario.lead, status=cin, end_date=after_referral(weeks=9))

    cp = _start_cp_plan(scenario, start=after_referral(weeks=9))

    assert cp.start_date == after_referral(weeks=9)


def test_a_status_starting_before_the_referral_is_refused(scenario: Scenario) -> None:
    with pytest.raises(ValidationError) as excinfo:
        child_status_start(
            actor=scenario.lead,
            case=scenario.case,
            person=scenario.older_child,
            kind=StatusKind.CIN_PLAN,
            start_date=REFERRAL_DATE - dt.timedelta(days=3),
        )

    assert excinfo.value.message_dict == {
        "start_date": ["Start date must be on or after the referral date"]
    }


def test_a_status_for_an_adult_is_refused(scenario: Scenario) -> None:
    with pytest.raises(ValidationError) as excinfo:
        child_status_start(
            actor=scenario.lead,
            case=scenario.case,
            person=scenario.mother,
            kind=StatusKind.CIN_PLAN,
            start_date=after_referral(weeks=5),
        )

    assert excinfo.value.message_dict == {"person": ["Choose a child in this family"]}


def test_starting_a_child_protection_plan_writes_a_significant_chronology_line(
    scenario: Scenario,
) -> None:
    status = _start_cp_plan(scenario)

    event = ChronologyEvent.objects.get(source_model="cases.childstatus", source_id=status.pk)
    assert event.kind == ChronologyKind.STATUS_STARTED
    assert event.summary == "Child protection plan started for Amy Hughes (category: neglect)."
    assert event.significant is True
    assert event.person == scenario.older_child
    assert timezone.localtime(event.occurred_at).date() == after_referral(weeks=9)


def test_starting_a_child_in_need_plan_writes_an_ordinary_chronology_line(
    scenario: Scenario,
) -> None:
    status = child_status_start(
        actor=scenario.lead,
        case=scenario.case,
        person=scenario.younger_child,
        kind=StatusKind.CIN_PLAN,
        start_date=after_referral(weeks=5),
    )

    event = ChronologyEvent.objects.get(source_model="cases.childstatus", source_id=status.pk)
    assert event.summary == "Child in need plan started for Leo Hughes."
    assert event.significant is False


# --- child_status_end / update / record_visit --------------------------------------------------


def test_ending_a_plan_records_the_end_date_and_the_chronology(scenario: Scenario) -> None:
    status = _start_cp_plan(scenario)

    child_status_end(actor=scenario.lead, status=status, end_date=after_referral(weeks=26))

    status.refresh_from_db()
    assert status.end_date == after_referral(weeks=26)
    event = ChronologyEvent.objects.get(kind=ChronologyKind.STATUS_ENDED, source_id=status.pk)
    assert event.summary == "Child protection plan ended for Amy Hughes."
    assert event.significant is True


def test_ending_a_plan_before_it_started_is_refused(scenario: Scenario) -> None:
    status = _start_cp_plan(scenario)

    with pytest.raises(ValidationError) as excinfo:
        child_status_end(
            actor=scenario.lead, status=status, end_date=after_referral(weeks=8, days=4)
        )

    assert excinfo.value.message_dict == {
        "end_date": ["End date must be on or after the start date"]
    }


def test_ending_a_plan_twice_is_refused(scenario: Scenario) -> None:
    status = _start_cp_plan(scenario)
    child_status_end(actor=scenario.lead, status=status, end_date=after_referral(weeks=26))

    with pytest.raises(ValidationError) as excinfo:
        child_status_end(actor=scenario.lead, status=status, end_date=after_referral(weeks=27))

    assert excinfo.value.messages == ["This status has already ended"]


def test_updating_the_category_keeps_the_initial_category(scenario: Scenario) -> None:
    status = _start_cp_plan(scenario)

    child_status_update(actor=scenario.lead, status=status, cp_latest_category=PHYSICAL_ABUSE)

    status.refresh_from_db()
    assert status.cp_initial_category == NEGLECT
    assert status.cp_latest_category == PHYSICAL_ABUSE


def test_a_child_in_need_plan_has_no_category_to_update(scenario: Scenario) -> None:
    status = child_status_start(
        actor=scenario.lead,
        case=scenario.case,
        person=scenario.older_child,
        kind=StatusKind.CIN_PLAN,
        start_date=after_referral(weeks=5),
    )

    with pytest.raises(ValidationError) as excinfo:
        child_status_update(actor=scenario.lead, status=status, cp_latest_category=NEGLECT)

    assert excinfo.value.message_dict == {
        "cp_latest_category": ["Only a child protection plan has a category"]
    }


def test_an_ended_plan_cannot_be_updated(scenario: Scenario) -> None:
    status = _start_cp_plan(scenario)
    child_status_end(actor=scenario.lead, status=status, end_date=after_referral(weeks=26))

    with pytest.raises(ValidationError) as excinfo:
        child_status_update(actor=scenario.lead, status=status, cp_latest_category=PHYSICAL_ABUSE)

    assert excinfo.value.messages == ["This status has ended and can no longer be changed"]


def test_recording_visits_keeps_the_latest_visit_date(scenario: Scenario) -> None:
    status = _start_cp_plan(scenario)

    child_status_record_visit(
        actor=scenario.lead, status=status, visit_date=after_referral(weeks=14, days=1)
    )
    child_status_record_visit(
        actor=scenario.lead, status=status, visit_date=after_referral(weeks=13, days=1)
    )

    status.refresh_from_db()
    assert status.last_visit_date == after_referral(weeks=14, days=1)


def test_a_visit_before_the_plan_started_is_refused(scenario: Scenario) -> None:
    status = _start_cp_plan(scenario)

    with pytest.raises(ValidationError) as excinfo:
        child_status_record_visit(
            actor=scenario.lead, status=status, visit_date=after_referral(weeks=8, days=4)
        )

    assert excinfo.value.message_dict == {
        "visit_date": ["Visit date must be on or after the status started"]
    }
