"""Statutory deadlines. ``cases.deadlines`` is pure date arithmetic over rows a selector has
loaded, so these tests use unsaved model instances and need no database.

Each expected date was counted by hand on a calendar (England bank holidays: 25, 26 December
2025, 1 January 2026, Good Friday 3 April and Easter Monday 6 April 2026), then cross-checked
with ``safeguarding.lib.working_days``.
"""

from __future__ import annotations

import datetime as dt

from cases.deadlines import (
    Due,
    assessment_due,
    dues_for_case,
    dues_for_status,
    icpc_due,
    next_visit_due,
    review_conference_due,
)
from cases.models import Case, CaseStatus, ChildStatus, StatusKind
from safeguarding.lib.working_days import add_working_days, working_days_between


def _open_case(referral: dt.date) -> Case:
    return Case(referral_date=referral, referral_source="6", status=CaseStatus.OPEN)


def test_assessment_is_due_45_working_days_after_referral_across_christmas() -> None:
    # Referral on Monday 10 November 2025. Counting working days from the Tuesday: 36 by
    # Friday 2 January (skipping 25, 26 December and 1 January), 41 by Friday 9 January,
    # 45 on Thursday 15 January 2026. Three calendar days later than with no holidays.
    referral = dt.date(2025, 11, 10)
    hand_counted = dt.date(2026, 1, 15)

    due = assessment_due(_open_case(referral))

    assert due == hand_counted
    assert add_working_days(referral, 45) == hand_counted
    assert working_days_between(referral, hand_counted) == 45


def test_a_closed_case_has_no_assessment_due() -> None:
    case = Case(
        referral_date=dt.date(2025, 11, 10),
        referral_source="6",
        status=CaseStatus.CLOSED,
        closed_date=dt.date(2025, 12, 1),
        closure_reason="RC8",
    )

    assert assessment_due(case) is None
    assert dues_for_case(case, []) == []


def test_a_completed_assessment_is_no_longer_due() -> None:
    case = _open_case(dt.date(2025, 11, 10))
    case.assessment_completed_date = dt.date(2025, 12, 19)

    assert assessment_due(case) is None


def test_child_protection_visit_is_due_10_working_days_after_the_last_visit_across_easter() -> None:
    # Last visit Tuesday 31 March 2026: 1 and 2 April count, Good Friday and Easter Monday do
    # not, 7 to 10 April make 6, 13 to 16 April make 10.
    status = ChildStatus(
        kind=StatusKind.CP_PLAN,
        start_date=dt.date(2026, 2, 2),
        cp_initial_category="NEG",
        cp_latest_category="NEG",
        last_visit_date=dt.date(2026, 3, 31),
    )

    assert next_visit_due(status) == dt.date(2026, 4, 16)
    assert working_days_between(dt.date(2026, 3, 31), dt.date(2026, 4, 16)) == 10


def test_first_child_protection_visit_is_due_10_working_days_after_the_plan_starts() -> None:
    status = ChildStatus(kind=StatusKind.CP_PLAN, start_date=dt.date(2026, 2, 2))

    assert next_visit_due(status) == dt.date(2026, 2, 16)


def test_child_in_need_visit_is_due_20_working_days_after_the_last_visit() -> None:
    status = ChildStatus(
        kind=StatusKind.CIN_PLAN,
        start_date=dt.date(2026, 1, 5),
        last_visit_date=dt.date(2026, 6, 1),
    )

    assert next_visit_due(status) == dt.date(2026, 6, 29)


def test_looked_after_child_is_first_visited_within_7_days_of_placement() -> None:
    status = ChildStatus(
        kind=StatusKind.LOOKED_AFTER, start_date=dt.date(2026, 2, 2), legal_status="C1"
    )

    assert next_visit_due(status) == dt.date(2026, 2, 9)


def test_looked_after_child_is_then_visited_every_6_weeks() -> None:
    status = ChildStatus(
        kind=StatusKind.LOOKED_AFTER,
        start_date=dt.date(2026, 2, 2),
        legal_status="C1",
        last_visit_date=dt.date(2026, 2, 6),
    )

    assert next_visit_due(status) == dt.date(2026, 3, 20)


def test_a_section_47_enquiry_has_no_statutory_visit() -> None:
    status = ChildStatus(
        kind=StatusKind.S47_ENQUIRY,
        start_date=dt.date(2026, 2, 3),
        strategy_discussion_date=dt.date(2026, 2, 2),
    )

    assert next_visit_due(status) is None


def test_icpc_is_due_15_working_days_after_the_strategy_discussion() -> None:
    status = ChildStatus(
        kind=StatusKind.S47_ENQUIRY,
        start_date=dt.date(2026, 2, 3),
        strategy_discussion_date=dt.date(2026, 2, 2),
    )

    assert icpc_due(status) == dt.date(2026, 2, 23)


def test_icpc_is_no_longer_due_once_it_has_been_held() -> None:
    status = ChildStatus(
        kind=StatusKind.S47_ENQUIRY,
        start_date=dt.date(2026, 2, 3),
        strategy_discussion_date=dt.date(2026, 2, 2),
        icpc_date=dt.date(2026, 2, 19),
    )

    assert icpc_due(status) is None


def test_review_conference_is_due_3_months_after_the_icpc() -> None:
    status = ChildStatus(
        kind=StatusKind.CP_PLAN, start_date=dt.date(2026, 1, 30), icpc_date=dt.date(2026, 1, 30)
    )

    assert review_conference_due(status) == dt.date(2026, 4, 30)


def test_review_conference_3_months_after_the_last_day_of_november_is_the_end_of_february() -> None:
    status = ChildStatus(
        kind=StatusKind.CP_PLAN, start_date=dt.date(2025, 11, 30), icpc_date=dt.date(2025, 11, 30)
    )

    assert review_conference_due(status) == dt.date(2026, 2, 28)


def test_a_booked_review_date_replaces_the_3_month_default() -> None:
    status = ChildStatus(
        kind=StatusKind.CP_PLAN,
        start_date=dt.date(2026, 1, 30),
        icpc_date=dt.date(2026, 1, 30),
        next_review_date=dt.date(2026, 4, 22),
    )

    assert review_conference_due(status) == dt.date(2026, 4, 22)


def test_a_child_in_need_plan_has_no_review_conference() -> None:
    status = ChildStatus(kind=StatusKind.CIN_PLAN, start_date=dt.date(2026, 1, 5))

    assert review_conference_due(status) is None


def test_an_ended_status_has_nothing_due() -> None:
    status = ChildStatus(
        kind=StatusKind.CP_PLAN, start_date=dt.date(2026, 2, 2), end_date=dt.date(2026, 5, 1)
    )

    assert dues_for_status(status, "Amy") == []


def test_everything_due_on_a_case_is_listed_soonest_first() -> None:
    # Referral Monday 5 January 2026: assessment due 45 working days later, Monday 9 March.
    case = _open_case(dt.date(2026, 1, 5))
    amy_plan = ChildStatus(kind=StatusKind.CP_PLAN, start_date=dt.date(2026, 2, 2), person_id=1)
    # Strategy discussion Tuesday 20 January: ICPC due 15 working days later, Tuesday 10 February.
    leo_enquiry = ChildStatus(
        kind=StatusKind.S47_ENQUIRY,
        start_date=dt.date(2026, 1, 21),
        strategy_discussion_date=dt.date(2026, 1, 20),
        person_id=2,
    )

    dues = dues_for_case(case, [(amy_plan, "Amy"), (leo_enquiry, "Leo")])

    assert dues == [
        Due("Initial child protection conference for Leo", dt.date(2026, 2, 10), 2),
        Due("Statutory visit to Amy", dt.date(2026, 2, 16), 1),
        Due("Child and family assessment", dt.date(2026, 3, 9)),
        Due("Review conference for Amy", dt.date(2026, 5, 2), 1),
    ]


def test_a_due_date_before_today_is_overdue() -> None:
    due = Due("Statutory visit to Amy", dt.date(2026, 2, 16), 1)

    assert due.is_overdue(dt.date(2026, 2, 17))
    assert not due.is_overdue(dt.date(2026, 2, 16))
    assert due.days_left(dt.date(2026, 2, 10)) == 6
    assert due.days_left(dt.date(2026, 2, 18)) == -2
