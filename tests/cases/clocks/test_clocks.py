"""The statutory clocks (``cases.clocks.engine``): pure date arithmetic over rows a selector loaded, so
these tests build unsaved model instances and need no database.

Every expected date was counted by hand on a calendar, and the count is written next to it.
England bank holidays used here (``safeguarding.lib.working_days.bank_holidays``): 25, 26
December 2025; 1 January, Good Friday 3 April, Easter Monday 6 April, 25 December 2026 and
Monday 28 December 2026 (Boxing Day falls on a Saturday); 1 January 2027.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse

from cases.clocks.engine import (
    ActionFacts,
    CaseFacts,
    ClockItem,
    ClockKind,
    Due,
    SupervisionFacts,
    assessment_due_from,
    case_clocks,
    cin_plan_review_due,
    due_or_overdue,
    due_soon_horizon,
    dues_for_case,
    first_core_group_due,
    icpc_due_from,
    intervention_summary_due,
    next_visit_due,
    referral_decision_due,
    review_conference_due_by,
    review_conference_due_from,
    visit_due,
)
from cases.models import Case, CaseStatus, ChildStatus, Person, StatusKind, Warning
from safeguarding.lib.working_days import bank_holidays, working_days_between

CASE_ID = 7
FAMILY_ID = 3
LEAD = 11
MANAGER = 21
CHAIR = 22
PRACTITIONER = 12
SPECIALIST = 13
AMY = 101
LEO = 102
BABY = 103

CHRISTMAS_2025 = {dt.date(2025, 12, 25), dt.date(2025, 12, 26)}
EASTER_2026 = {dt.date(2026, 4, 3), dt.date(2026, 4, 6)}
CHRISTMAS_2026 = {dt.date(2026, 12, 25), dt.date(2026, 12, 28)}


def _case(referral: dt.date, **extra: object) -> Case:
    return Case(
        pk=CASE_ID,
        family_id=FAMILY_ID,
        lead_social_worker_id=LEAD,
        referral_date=referral,
        referral_source="6",
        status=CaseStatus.OPEN,
        **extra,
    )


def _child(pk: int, given: str, born: dt.date | None, expected: dt.date | None = None) -> Person:
    return Person(
        pk=pk,
        given_name=given,
        family_name="Hughes",
        date_of_birth=born,
        expected_date_of_birth=expected,
    )


AMY_PERSON = _child(AMY, "Amy", dt.date(2016, 5, 20))
LEO_PERSON = _child(LEO, "Leo", dt.date(2020, 9, 9))
PEOPLE = {AMY: AMY_PERSON, LEO: LEO_PERSON}


def _status(pk: int, person_id: int, kind: str, start: dt.date, **extra: object) -> ChildStatus:
    return ChildStatus(
        pk=pk, case_id=CASE_ID, person_id=person_id, kind=kind, start_date=start, **extra
    )


def _facts(
    case: Case, statuses: list[ChildStatus], people: dict[int, Person] | None = None, **extra: Any
) -> CaseFacts:
    return CaseFacts(case=case, statuses=statuses, people=dict(people or PEOPLE), **extra)


def _by_kind(items: list[ClockItem]) -> dict[ClockKind, list[dt.date]]:
    found: dict[ClockKind, list[dt.date]] = {}
    for item in items:
        found.setdefault(item.kind, []).append(item.due_date)
    return found


def _visit_url(person_id: int) -> str:
    new = reverse("workbook:entry-new", args=[FAMILY_ID, "statutory-visit"])
    return f"{new}?person={person_id}"


def test_the_bank_holidays_these_examples_rely_on() -> None:
    assert bank_holidays(2025) >= CHRISTMAS_2025
    assert bank_holidays(2026) >= {dt.date(2026, 1, 1)} | EASTER_2026 | CHRISTMAS_2026
    assert dt.date(2027, 1, 1) in bank_holidays(2027)


# --- referral decision and assessment ------------------------------------------------------------


def test_a_referral_decision_is_due_the_next_working_day_across_christmas() -> None:
    # Referral Wednesday 24 December 2025: Thursday 25 and Friday 26 are bank holidays, then
    # the weekend, so the first working day after it is Monday 29 December.
    facts = _facts(_case(dt.date(2025, 12, 24)), [])

    items = case_clocks(facts)

    assert referral_decision_due(dt.date(2025, 12, 24)) == dt.date(2025, 12, 29)
    [decision] = [item for item in items if item.kind == ClockKind.REFERRAL_DECISION]
    assert decision.due_date == dt.date(2025, 12, 29)
    assert decision.owner_ids == (LEAD,)
    assert decision.url == reverse("workbook:entry-new", args=[FAMILY_ID, "assessment"])
    assert decision.key == f"referral-decision:case:{CASE_ID}"


def test_a_referral_decision_on_a_friday_is_due_on_monday() -> None:
    # Friday 6 February 2026: Saturday and Sunday do not count.
    assert referral_decision_due(dt.date(2026, 2, 6)) == dt.date(2026, 2, 9)


def test_starting_an_assessment_or_a_status_is_the_referral_decision() -> None:
    referral = dt.date(2026, 2, 2)
    assessing = _facts(_case(referral), [], assessment_started=True, assessment_entry_id=55)
    enquiry = _facts(
        _case(referral),
        [_status(1, AMY, StatusKind.S47_ENQUIRY, referral, strategy_discussion_date=referral)],
    )

    assert ClockKind.REFERRAL_DECISION not in _by_kind(case_clocks(assessing))
    assert ClockKind.REFERRAL_DECISION not in _by_kind(case_clocks(enquiry))
    [assessment] = [i for i in case_clocks(assessing) if i.kind == ClockKind.ASSESSMENT]
    assert assessment.url == reverse("workbook:entry", args=[55])


def test_assessment_is_due_45_working_days_after_referral_across_christmas() -> None:
    # Referral on Monday 10 November 2025. Counting working days from the Tuesday: 36 by
    # Friday 2 January (skipping 25, 26 December and 1 January), 41 by Friday 9 January,
    # 45 on Thursday 15 January 2026. Three calendar days later than with no holidays.
    referral = dt.date(2025, 11, 10)
    hand_counted = dt.date(2026, 1, 15)

    items = case_clocks(_facts(_case(referral), [], assessment_started=True))

    assert assessment_due_from(referral) == hand_counted
    assert _by_kind(items)[ClockKind.ASSESSMENT] == [hand_counted]
    assert working_days_between(referral, hand_counted) == 45


def test_a_completed_assessment_and_a_closed_case_have_nothing_due() -> None:
    completed = _case(dt.date(2025, 11, 10), assessment_completed_date=dt.date(2025, 12, 19))
    closed = Case(
        pk=CASE_ID,
        family_id=FAMILY_ID,
        lead_social_worker_id=LEAD,
        referral_date=dt.date(2025, 11, 10),
        referral_source="6",
        status=CaseStatus.CLOSED,
        closed_date=dt.date(2025, 12, 1),
        closure_reason="RC8",
    )

    assert ClockKind.ASSESSMENT not in _by_kind(case_clocks(_facts(completed, [])))
    assert case_clocks(_facts(closed, [])) == []
    assert dues_for_case(closed, [], {}) == []


# --- ICPC, core group, review conferences --------------------------------------------------------


def test_icpc_is_due_15_working_days_after_the_strategy_discussion_across_easter() -> None:
    # Strategy discussion Thursday 26 March 2026. From Friday 27 March: 27, 30, 31 March and
    # 1, 2 April make 5; Good Friday 3 and Easter Monday 6 April do not count; 7 to 10 April
    # make 9, 13 to 17 April make 14, Monday 20 April is the 15th.
    strategy = dt.date(2026, 3, 26)
    enquiry = _status(
        1, AMY, StatusKind.S47_ENQUIRY, dt.date(2026, 3, 27), strategy_discussion_date=strategy
    )

    [icpc] = [i for i in case_clocks(_facts(_case(strategy), [enquiry])) if i.kind == "icpc"]

    assert icpc.due_date == dt.date(2026, 4, 20)
    assert icpc.person_id == AMY
    assert icpc.url == reverse("cases:status-add", args=[FAMILY_ID]) + f"?person={AMY}&kind=cp_plan"


def test_a_strategy_discussion_held_twice_restarts_the_icpc_clock() -> None:
    # First discussion Monday 2 February 2026 (ICPC due 23 February). The enquiry reconvenes
    # on Monday 16 February: 15 working days from then are 17-20 February (4), 23-27 (9),
    # 2-6 March (14) and Monday 9 March (15).
    first = _status(
        1,
        AMY,
        StatusKind.S47_ENQUIRY,
        dt.date(2026, 2, 2),
        strategy_discussion_date=dt.date(2026, 2, 2),
        end_date=dt.date(2026, 2, 16),
    )
    second = _status(
        2,
        AMY,
        StatusKind.S47_ENQUIRY,
        dt.date(2026, 2, 16),
        strategy_discussion_date=dt.date(2026, 2, 16),
    )

    items = case_clocks(_facts(_case(dt.date(2026, 2, 2)), [first, second]))

    assert icpc_due_from([dt.date(2026, 2, 2)]) == dt.date(2026, 2, 23)
    assert icpc_due_from([dt.date(2026, 2, 2), dt.date(2026, 2, 16)]) == dt.date(2026, 3, 9)
    assert _by_kind(items)[ClockKind.ICPC] == [dt.date(2026, 3, 9)]


def test_icpc_is_no_longer_due_once_held_or_once_the_plan_starts() -> None:
    strategy = dt.date(2026, 2, 2)
    held = _status(
        1,
        AMY,
        StatusKind.S47_ENQUIRY,
        dt.date(2026, 2, 3),
        strategy_discussion_date=strategy,
        icpc_date=dt.date(2026, 2, 19),
    )
    enquiry = _status(
        2, LEO, StatusKind.S47_ENQUIRY, dt.date(2026, 2, 3), strategy_discussion_date=strategy
    )
    plan = _status(3, LEO, StatusKind.CP_PLAN, dt.date(2026, 2, 19), cp_initial_category="NEG")

    items = case_clocks(_facts(_case(strategy), [held, enquiry, plan]))

    assert ClockKind.ICPC not in _by_kind(items)


def test_first_core_group_is_due_10_working_days_after_the_icpc_across_christmas() -> None:
    # ICPC Friday 18 December 2026. From Monday 21 December: 21-24 make 4; Friday 25 and
    # Monday 28 December (Boxing Day's substitute) are bank holidays; 29-31 December make 7;
    # Friday 1 January 2027 is a bank holiday; 4, 5, 6 January make 10: Wednesday 6 January.
    icpc = dt.date(2026, 12, 18)
    plan = _status(1, AMY, StatusKind.CP_PLAN, icpc, icpc_date=icpc, cp_initial_category="NEG")

    [core_group] = [
        i
        for i in case_clocks(_facts(_case(dt.date(2026, 12, 1)), [plan]))
        if i.kind == "core_group"
    ]

    assert first_core_group_due(icpc) == dt.date(2027, 1, 6)
    assert core_group.due_date == dt.date(2027, 1, 6)
    assert core_group.url == reverse("cases:core-group", args=[FAMILY_ID, 1])


def test_the_first_core_group_clock_stops_once_it_has_met() -> None:
    icpc = dt.date(2026, 12, 18)
    plan = _status(
        1,
        AMY,
        StatusKind.CP_PLAN,
        icpc,
        icpc_date=icpc,
        first_core_group_date=dt.date(2027, 1, 5),
    )

    assert ClockKind.CORE_GROUP not in _by_kind(case_clocks(_facts(_case(icpc), [plan])))


def test_review_conference_is_due_3_months_after_the_icpc_then_every_6_months() -> None:
    # ICPC Friday 30 January 2026: 3 calendar months is Thursday 30 April. A review held on
    # Monday 20 April 2026 sets the next limit 6 months on, Tuesday 20 October.
    icpc = dt.date(2026, 1, 30)
    plan = _status(1, AMY, StatusKind.CP_PLAN, icpc, icpc_date=icpc)
    reviewed = _facts(_case(icpc), [plan], reviews_held={1: [dt.date(2026, 4, 20)]})

    assert review_conference_due_by(icpc, None) == dt.date(2026, 4, 30)
    assert _by_kind(case_clocks(_facts(_case(icpc), [plan])))[ClockKind.REVIEW_CONFERENCE] == [
        dt.date(2026, 4, 30)
    ]
    assert _by_kind(case_clocks(reviewed))[ClockKind.REVIEW_CONFERENCE] == [dt.date(2026, 10, 20)]


def test_review_conference_3_months_after_the_last_day_of_november_is_the_end_of_february() -> None:
    # There is no 30 February: a month later than 30 November stays in its month's last day.
    assert review_conference_due_by(dt.date(2025, 11, 30), None) == dt.date(2026, 2, 28)


def test_a_booked_review_replaces_the_limit_unless_it_is_stale() -> None:
    icpc = dt.date(2026, 1, 30)
    booked = dt.date(2026, 4, 22)

    assert review_conference_due_from(icpc, [], booked) == booked
    # Booked before the review that has since been held: the 6-month limit applies.
    assert review_conference_due_from(icpc, [dt.date(2026, 4, 22)], booked) == dt.date(2026, 10, 22)


# --- visits ---------------------------------------------------------------------------------------


def test_child_protection_visit_is_due_10_working_days_after_the_last_visit_across_easter() -> None:
    # Last visit Tuesday 31 March 2026: 1 and 2 April count, Good Friday and Easter Monday do
    # not, 7 to 10 April make 6, 13 to 16 April make 10: Thursday 16 April.
    plan = _status(
        1,
        AMY,
        StatusKind.CP_PLAN,
        dt.date(2026, 2, 2),
        cp_initial_category="NEG",
        last_visit_date=dt.date(2026, 3, 31),
    )

    [visit] = [
        i for i in case_clocks(_facts(_case(dt.date(2026, 1, 5)), [plan])) if i.kind == "cp_visit"
    ]

    assert visit.due_date == dt.date(2026, 4, 16)
    assert visit.owner_ids == (LEAD,)
    assert visit.url == _visit_url(AMY)
    assert visit.key == "visit:status:1"
    assert working_days_between(dt.date(2026, 3, 31), dt.date(2026, 4, 16)) == 10


def test_first_child_protection_visit_is_due_10_working_days_after_the_plan_starts() -> None:
    # Plan from Monday 2 February 2026: two working weeks later is Monday 16 February.
    assert next_visit_due(_status(1, AMY, StatusKind.CP_PLAN, dt.date(2026, 2, 2))) == dt.date(
        2026, 2, 16
    )


def test_child_in_need_visit_is_due_20_working_days_after_the_last_visit_across_christmas() -> None:
    # Last visit Monday 14 December 2026: 15-18 (4), 21-24 (8), 25 and 28 December are bank
    # holidays, 29-31 (11), 1 January 2027 is one too, 4-8 January (16), 11-14 (20):
    # Thursday 14 January 2027, a month on rather than four weeks.
    plan = _status(
        1, AMY, StatusKind.CIN_PLAN, dt.date(2026, 6, 1), last_visit_date=dt.date(2026, 12, 14)
    )

    items = case_clocks(_facts(_case(dt.date(2026, 5, 4)), [plan]))

    assert _by_kind(items)[ClockKind.CIN_VISIT] == [dt.date(2027, 1, 14)]


def test_looked_after_child_is_first_visited_within_a_calendar_week_of_placement() -> None:
    # Placed on Friday 18 December 2026: a week later is Friday 25 December. The regulation
    # counts calendar days, so Christmas does not move the date (the visit is due before it).
    placement = _status(1, AMY, StatusKind.LOOKED_AFTER, dt.date(2026, 12, 18), legal_status="C1")

    assert visit_due(StatusKind.LOOKED_AFTER, dt.date(2026, 12, 18), None) == dt.date(2026, 12, 25)
    assert _by_kind(case_clocks(_facts(_case(dt.date(2026, 6, 1)), [placement])))[
        ClockKind.LAC_VISIT
    ] == [dt.date(2026, 12, 25)]


def test_looked_after_child_is_then_visited_every_6_weeks() -> None:
    # Last visit Friday 6 February 2026 + 42 days = Friday 20 March.
    placement = _status(
        1,
        AMY,
        StatusKind.LOOKED_AFTER,
        dt.date(2026, 2, 2),
        legal_status="C1",
        last_visit_date=dt.date(2026, 2, 6),
    )

    assert next_visit_due(placement) == dt.date(2026, 3, 20)


def test_a_child_who_becomes_looked_after_mid_plan_runs_only_the_looked_after_clocks() -> None:
    # CP plan from Monday 2 February 2026, last visited Monday 9 March. Amy is placed on
    # Friday 13 March: the plan ends the day before and the looked-after clock starts, with the
    # first visit due a week after placement, Friday 20 March. The earlier CP visit does not
    # count. Leo stays on his plan and keeps its clocks.
    plan_start = dt.date(2026, 2, 2)
    amy_plan = _status(
        1,
        AMY,
        StatusKind.CP_PLAN,
        plan_start,
        icpc_date=plan_start,
        last_visit_date=dt.date(2026, 3, 9),
        end_date=dt.date(2026, 3, 12),
    )
    amy_placed = _status(2, AMY, StatusKind.LOOKED_AFTER, dt.date(2026, 3, 13), legal_status="C1")
    leo_plan = _status(
        3,
        LEO,
        StatusKind.CP_PLAN,
        plan_start,
        icpc_date=plan_start,
        last_visit_date=dt.date(2026, 3, 9),
    )

    items = case_clocks(
        _facts(
            _case(dt.date(2026, 1, 5)), [amy_plan, amy_placed, leo_plan], assessment_started=True
        )
    )

    amy_items = {(i.kind, i.due_date) for i in items if i.person_id == AMY}
    assert amy_items == {(ClockKind.LAC_VISIT, dt.date(2026, 3, 20))}
    # Leo: 10 working days from 9 March is 23 March; review 3 months after 2 February; core
    # group 10 working days after the conference, Monday 16 February.
    leo_items = {(i.kind, i.due_date) for i in items if i.person_id == LEO}
    assert leo_items == {
        (ClockKind.CP_VISIT, dt.date(2026, 3, 23)),
        (ClockKind.REVIEW_CONFERENCE, dt.date(2026, 5, 2)),
        (ClockKind.CORE_GROUP, dt.date(2026, 2, 16)),
    }


def test_a_plan_not_yet_ended_when_the_child_is_placed_stops_its_clocks_too() -> None:
    plan = _status(1, AMY, StatusKind.CP_PLAN, dt.date(2026, 2, 2), icpc_date=dt.date(2026, 2, 2))
    placed = _status(2, AMY, StatusKind.LOOKED_AFTER, dt.date(2026, 3, 13), legal_status="C1")

    items = case_clocks(_facts(_case(dt.date(2026, 1, 5)), [plan, placed], assessment_started=True))

    assert {(i.kind, i.due_date) for i in items if i.person_id == AMY} == {
        (ClockKind.LAC_VISIT, dt.date(2026, 3, 20))
    }


def test_an_unborn_child_has_conferences_but_no_visits_until_born() -> None:
    # A pre-birth enquiry: strategy discussion Monday 2 March 2026, ICPC due 15 working days
    # later, Monday 23 March. A pre-birth plan from Wednesday 25 March: review due 3 months
    # later (25 June), first core group 10 working days later (26, 27, 30, 31 March, 1, 2
    # April make 6; Good Friday and Easter Monday do not count; 7-10 April make 10: Friday
    # 10 April), and no visit clock while the baby is unborn.
    unborn = {BABY: _child(BABY, "Baby", None, expected=dt.date(2026, 5, 1))}
    enquiry = _status(
        1,
        BABY,
        StatusKind.S47_ENQUIRY,
        dt.date(2026, 3, 2),
        strategy_discussion_date=dt.date(2026, 3, 2),
    )
    concluded = _status(
        1,
        BABY,
        StatusKind.S47_ENQUIRY,
        dt.date(2026, 3, 2),
        strategy_discussion_date=dt.date(2026, 3, 2),
        end_date=dt.date(2026, 3, 25),
    )
    plan = _status(
        2, BABY, StatusKind.CP_PLAN, dt.date(2026, 3, 25), icpc_date=dt.date(2026, 3, 25)
    )
    case = _case(dt.date(2026, 2, 23))

    before_conference = case_clocks(_facts(case, [enquiry], people=unborn))
    on_plan = case_clocks(_facts(case, [concluded, plan], people=unborn))

    assert {(i.kind, i.due_date) for i in before_conference if i.person_id == BABY} == {
        (ClockKind.ICPC, dt.date(2026, 3, 23))
    }
    assert {(i.kind, i.due_date) for i in on_plan if i.person_id == BABY} == {
        (ClockKind.REVIEW_CONFERENCE, dt.date(2026, 6, 25)),
        (ClockKind.CORE_GROUP, dt.date(2026, 4, 10)),
    }


def test_once_born_the_visit_clock_runs_from_the_birth() -> None:
    # Born Wednesday 15 April 2026 during the pre-birth plan, not yet visited: 10 working days
    # from the birth are 16, 17 (2), 20-24 (7), 27, 28, 29 April (10): Wednesday 29 April.
    born = {BABY: _child(BABY, "Rose", dt.date(2026, 4, 15))}
    plan = _status(
        2, BABY, StatusKind.CP_PLAN, dt.date(2026, 3, 25), icpc_date=dt.date(2026, 3, 25)
    )

    items = case_clocks(_facts(_case(dt.date(2026, 2, 23)), [plan], people=born))

    assert _by_kind(items)[ClockKind.CP_VISIT] == [dt.date(2026, 4, 29)]


# --- plan reviews, warnings, supervision, summaries, actions ----------------------------------------


def test_a_child_in_need_plan_is_reviewed_3_months_after_it_starts_until_a_review_is_booked() -> (
    None
):
    # Plan from Monday 5 January 2026: 3 calendar months is Sunday 5 April. Once a manager
    # authorises a plan with a next review date, that date is copied to the status.
    plan = _status(1, AMY, StatusKind.CIN_PLAN, dt.date(2026, 1, 5))
    booked = _status(
        2, LEO, StatusKind.CIN_PLAN, dt.date(2026, 1, 5), next_review_date=dt.date(2026, 7, 1)
    )

    items = case_clocks(_facts(_case(dt.date(2025, 12, 1)), [plan, booked]))

    assert cin_plan_review_due(dt.date(2026, 1, 5), None) == dt.date(2026, 4, 5)
    reviews = {i.person_id: i for i in items if i.kind == ClockKind.PLAN_REVIEW}
    assert reviews[AMY].due_date == dt.date(2026, 4, 5)
    assert reviews[LEO].due_date == dt.date(2026, 7, 1)
    assert reviews[AMY].url == (
        reverse("workbook:entry-new", args=[FAMILY_ID, "plan"]) + f"?person={AMY}"
    )


def test_a_warning_is_due_for_review_on_its_review_date() -> None:
    warning = Warning(pk=9, family_id=FAMILY_ID, review_date=dt.date(2026, 6, 30))

    [item] = [
        i
        for i in case_clocks(_facts(_case(dt.date(2026, 1, 5)), [], warnings=[warning]))
        if i.kind == ClockKind.WARNING_REVIEW
    ]

    assert item.due_date == dt.date(2026, 6, 30)
    assert item.owner_ids == (LEAD,)
    assert item.url == reverse("cases:warning-review", args=[FAMILY_ID, 9])


def test_a_scheduled_supervision_is_the_chairs_and_summaries_are_due_the_working_day_before() -> (
    None
):
    # Supervision on Tuesday 7 April 2026: the working day before is Thursday 2 April (Easter
    # Monday, the weekend and Good Friday come between). The practitioner has written theirs.
    supervision = SupervisionFacts(
        scheduled_id=40, scheduled_for=dt.date(2026, 4, 7), chair_id=CHAIR
    )
    facts = _facts(
        _case(dt.date(2026, 1, 5)),
        [],
        supervision=supervision,
        allocated_worker_ids=(LEAD, PRACTITIONER, SPECIALIST),
        summaries_written_by=frozenset({PRACTITIONER}),
        team_manager_ids=(MANAGER,),
        cycle_number=3,
    )

    items = case_clocks(facts)

    [meeting] = [i for i in items if i.kind == ClockKind.SUPERVISION]
    assert (meeting.due_date, meeting.owner_ids) == (dt.date(2026, 4, 7), (CHAIR,))
    assert meeting.url == reverse("supervision:detail", args=[40])
    assert intervention_summary_due(dt.date(2026, 4, 7)) == dt.date(2026, 4, 2)
    summaries = [i for i in items if i.kind == ClockKind.INTERVENTION_SUMMARY]
    assert [(i.owner_ids, i.due_date) for i in summaries] == [
        ((LEAD,), dt.date(2026, 4, 2)),
        ((SPECIALIST,), dt.date(2026, 4, 2)),
    ]
    assert summaries[0].key == f"intervention-summary:case:{CASE_ID}:cycle:3:worker:{LEAD}"


def test_an_unscheduled_supervision_is_due_4_weeks_after_the_last_and_falls_to_the_team_manager() -> (
    None
):
    # Last signed off Tuesday 3 March 2026: 4 weeks later is Tuesday 31 March.
    facts = _facts(
        _case(dt.date(2026, 1, 5)),
        [],
        supervision=SupervisionFacts(last_held=dt.date(2026, 3, 3)),
        team_manager_ids=(MANAGER,),
    )
    no_manager = _facts(
        _case(dt.date(2026, 1, 5)), [], supervision=SupervisionFacts(last_held=dt.date(2026, 3, 3))
    )

    [meeting] = [i for i in case_clocks(facts) if i.kind == ClockKind.SUPERVISION]

    assert (meeting.due_date, meeting.owner_ids) == (dt.date(2026, 3, 31), (MANAGER,))
    assert meeting.url == reverse("supervision:schedule", args=[FAMILY_ID])
    assert meeting.action_text == "Schedule the supervision"
    assert ClockKind.SUPERVISION not in _by_kind(case_clocks(no_manager))


def test_an_open_action_is_due_on_its_date_for_its_owner() -> None:
    facts = _facts(
        _case(dt.date(2026, 1, 5)),
        [],
        actions=[ActionFacts(77, SPECIALIST, dt.date(2026, 3, 6), "Book the joint visit")],
    )

    [action] = [i for i in case_clocks(facts) if i.kind == ClockKind.ACTION]

    assert (action.due_date, action.owner_ids, action.detail) == (
        dt.date(2026, 3, 6),
        (SPECIALIST,),
        "Book the joint visit",
    )
    assert action.url == reverse("supervision:action-complete", args=[77])
    assert action.key == "action:77"


def test_items_name_no_one() -> None:
    plan = _status(1, AMY, StatusKind.CP_PLAN, dt.date(2026, 2, 2), icpc_date=dt.date(2026, 2, 2))
    warning = Warning(pk=9, family_id=FAMILY_ID, person_id=AMY, review_date=dt.date(2026, 6, 30))

    items = case_clocks(_facts(_case(dt.date(2026, 1, 5)), [plan], warnings=[warning]))

    text = " ".join(f"{i.label} {i.url} {i.key} {i.action_text}" for i in items)
    assert "Amy" not in text
    assert "Hughes" not in text


# --- the tray's horizon and the pages' "Due next" --------------------------------------------------


def test_the_tray_looks_10_working_days_ahead_and_puts_the_overdue_first() -> None:
    # From Monday 14 December 2026: 15-18 (4), 21-24 (8), 25 and 28 are bank holidays, 29 and
    # 30 make 10: Wednesday 30 December.
    today = dt.date(2026, 12, 14)
    items = [
        ClockItem(ClockKind.ACTION, day, CASE_ID, FAMILY_ID, (LEAD,), "/", f"action:{n}")
        for n, day in enumerate(
            [dt.date(2026, 12, 31), dt.date(2026, 12, 30), dt.date(2026, 12, 1), today]
        )
    ]

    shown = due_or_overdue(items, today)

    assert due_soon_horizon(today) == dt.date(2026, 12, 30)
    assert [i.due_date for i in shown] == [dt.date(2026, 12, 1), today, dt.date(2026, 12, 30)]
    assert shown[0].is_overdue(today)
    assert not shown[1].is_overdue(today)
    assert shown[2].days_left(today) == 16


def test_everything_due_on_a_case_is_listed_soonest_first_with_the_childrens_names() -> None:
    # Referral Monday 5 January 2026: assessment due 45 working days later, Monday 9 March.
    case = _case(dt.date(2026, 1, 5))
    amy_plan = _status(1, AMY, StatusKind.CP_PLAN, dt.date(2026, 2, 2))
    # Strategy discussion Tuesday 20 January: ICPC due 15 working days later, Tuesday 10 February.
    leo_enquiry = _status(
        2,
        LEO,
        StatusKind.S47_ENQUIRY,
        dt.date(2026, 1, 21),
        strategy_discussion_date=dt.date(2026, 1, 20),
    )

    dues = dues_for_case(case, [amy_plan, leo_enquiry], PEOPLE)

    assert dues == [
        Due("Initial child protection conference for Leo", dt.date(2026, 2, 10), LEO),
        Due("Statutory visit to Amy", dt.date(2026, 2, 16), AMY),
        Due("Child and family assessment", dt.date(2026, 3, 9)),
        Due("Review conference for Amy", dt.date(2026, 5, 2), AMY),
    ]


def test_a_due_date_before_today_is_overdue() -> None:
    due = Due("Statutory visit to Amy", dt.date(2026, 2, 16), AMY)

    assert due.is_overdue(dt.date(2026, 2, 17))
    assert not due.is_overdue(dt.date(2026, 2, 16))
    assert due.days_left(dt.date(2026, 2, 10)) == 6
    assert due.days_left(dt.date(2026, 2, 18)) == -2


def test_assessment_due_is_the_first_item_when_nothing_else_runs() -> None:
    case = _case(dt.date(2026, 1, 5))

    assert dues_for_case(case, [], {}) == [Due("Child and family assessment", dt.date(2026, 3, 9))]
    assert assessment_due_from(dt.date(2026, 1, 5)) == dt.date(2026, 3, 9)
