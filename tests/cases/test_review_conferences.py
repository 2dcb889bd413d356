"""Child protection review conferences: due dates (Working Together 2023) and recording."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from cases.models import ChildStatus, ChronologyEvent, ReviewConference
from cases.services import child_status_start, review_conference_record

from .conftest import Scenario

pytestmark = pytest.mark.django_db

ICPC = dt.date(2025, 12, 15)


def _cp_plan(scenario: Scenario) -> ChildStatus:
    return child_status_start(
        actor=scenario.manager,
        case=scenario.case,
        person=scenario.older_child,
        kind="cp_plan",
        start_date=ICPC,
        cp_category="NEG",
        icpc_date=ICPC,
    )


def test_the_first_review_is_due_three_months_after_the_icpc(scenario: Scenario) -> None:
    plan = _cp_plan(scenario)

    on_time = review_conference_record(
        actor=scenario.manager, status=plan, held_on=dt.date(2026, 3, 15)
    )

    assert on_time.due_by == dt.date(2026, 3, 15)
    assert on_time.on_time is True
    plan.refresh_from_db()
    assert plan.next_review_date == dt.date(2026, 9, 15)  # six months later unless booked sooner


def test_later_reviews_are_due_six_months_after_the_last(scenario: Scenario) -> None:
    plan = _cp_plan(scenario)
    review_conference_record(actor=scenario.manager, status=plan, held_on=dt.date(2026, 3, 10))

    late = review_conference_record(
        actor=scenario.manager, status=plan, held_on=dt.date(2026, 9, 11)
    )

    assert late.due_by == dt.date(2026, 9, 10)
    assert late.on_time is False
    event = ChronologyEvent.objects.get(source_model="cases.reviewconference", source_id=late.pk)
    assert event.significant is True
    assert "due by 10 September 2026" in event.summary


@pytest.mark.parametrize(
    ("held_on", "field", "message"),
    [
        (dt.date(2025, 12, 1), "held_on", "The conference must be held while the plan is in place"),
        (dt.date(2099, 1, 1), "held_on", "The conference date must be today or in the past"),
    ],
)
def test_conference_dates_outside_the_plan_are_refused(
    scenario: Scenario, held_on: dt.date, field: str, message: str
) -> None:
    plan = _cp_plan(scenario)

    with pytest.raises(ValidationError) as refused:
        review_conference_record(actor=scenario.manager, status=plan, held_on=held_on)

    assert refused.value.message_dict == {field: [message]}
    assert not ReviewConference.objects.exists()


def test_a_worker_records_a_review_through_the_family_page(
    scenario: Scenario, client: Client
) -> None:
    plan = _cp_plan(scenario)
    client.force_login(scenario.lead)
    url = reverse("cases:review-conference", args=[scenario.case.family_id, plan.pk])

    assert client.get(url).status_code == 200
    response = client.post(url, {"held_on_0": "12", "held_on_1": "3", "held_on_2": "2026"})

    assert response.status_code == 302
    conference = ReviewConference.objects.get(status=plan)
    assert (conference.held_on, conference.due_by, conference.recorded_by) == (
        dt.date(2026, 3, 12),
        dt.date(2026, 3, 15),
        scenario.lead,
    )
