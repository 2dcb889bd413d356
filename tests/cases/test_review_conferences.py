"""Child protection review conferences: due dates (Working Together 2023) and recording.

The initial conference is on the 15th of the first month it can be after the family's referral
(a year ago), so the reviews due 3 and 6 months later fall on the 15th whatever the date.
"""

from __future__ import annotations

import datetime as dt

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.models import ChildStatus, ChronologyEvent, ReviewConference
from cases.services import child_status_start, review_conference_record

from .conftest import REFERRAL_DATE, Scenario

pytestmark = pytest.mark.django_db


def _the_15th_from(day: dt.date) -> dt.date:
    fifteenth = day.replace(day=15)
    return fifteenth if fifteenth >= day else fifteenth + relativedelta(months=1)


ICPC = _the_15th_from(REFERRAL_DATE)
FIRST_REVIEW_DUE = ICPC + relativedelta(months=3)


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
        actor=scenario.manager, status=plan, held_on=FIRST_REVIEW_DUE
    )

    assert on_time.due_by == FIRST_REVIEW_DUE
    assert on_time.on_time is True
    plan.refresh_from_db()
    # six months later unless booked sooner
    assert plan.next_review_date == FIRST_REVIEW_DUE + relativedelta(months=6)


def test_later_reviews_are_due_six_months_after_the_last(scenario: Scenario) -> None:
    plan = _cp_plan(scenario)
    first_held = FIRST_REVIEW_DUE - dt.timedelta(days=5)  # the 10th
    review_conference_record(actor=scenario.manager, status=plan, held_on=first_held)
    second_due = first_held + relativedelta(months=6)

    late = review_conference_record(
        actor=scenario.manager, status=plan, held_on=second_due + dt.timedelta(days=1)
    )

    assert late.due_by == second_due
    assert late.on_time is False
    event = ChronologyEvent.objects.get(source_model="cases.reviewconference", source_id=late.pk)
    assert event.significant is True
    assert f"due by 10 {second_due:%B %Y}" in event.summary


@pytest.mark.parametrize(
    ("days_after_icpc", "field", "message"),
    [
        (-14, "held_on", "The conference must be held while the plan is in place"),
        (None, "held_on", "The conference date must be today or in the past"),
    ],
)
def test_conference_dates_outside_the_plan_are_refused(
    scenario: Scenario, days_after_icpc: int | None, field: str, message: str
) -> None:
    plan = _cp_plan(scenario)
    held_on = (
        timezone.localdate() + dt.timedelta(days=1)
        if days_after_icpc is None
        else ICPC + dt.timedelta(days=days_after_icpc)
    )

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
    held_on = FIRST_REVIEW_DUE - dt.timedelta(days=3)
    response = client.post(
        url,
        {
            "held_on_0": str(held_on.day),
            "held_on_1": str(held_on.month),
            "held_on_2": str(held_on.year),
        },
    )

    assert response.status_code == 302
    conference = ReviewConference.objects.get(status=plan)
    assert (conference.held_on, conference.due_by, conference.recorded_by) == (
        held_on,
        FIRST_REVIEW_DUE,
        scenario.lead,
    )
