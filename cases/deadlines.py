"""What is due next for a child or case, from statutory timescales (DOMAIN.md).

Pure functions over dates: no queries. Callers pass the rows a selector already loaded."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.conf import settings

from safeguarding.lib.working_days import add_working_days

from .models import Case, ChildStatus, StatusKind

ASSESSMENT_WORKING_DAYS = 45  # Working Together 2023: child and family assessment
ICPC_WORKING_DAYS = 15  # Working Together 2023: ICPC after the (last) strategy discussion
FIRST_REVIEW_MONTHS = 3  # Working Together 2023: first review conference within 3 months of ICPC
LAC_FIRST_VISIT_DAYS = 7  # Care Planning Regulations 2010 reg 28: within one week of placement


@dataclass(frozen=True)
class Due:
    label: str
    due_date: dt.date
    person_id: int | None = None

    def is_overdue(self, today: dt.date) -> bool:
        return self.due_date < today

    def days_left(self, today: dt.date) -> int:
        return (self.due_date - today).days


def next_visit_due(status: ChildStatus) -> dt.date | None:
    last = status.last_visit_date
    if status.kind == StatusKind.CP_PLAN:
        return add_working_days(last or status.start_date, settings.CP_VISIT_INTERVAL_WORKING_DAYS)
    if status.kind == StatusKind.CIN_PLAN:
        return add_working_days(last or status.start_date, settings.CIN_VISIT_INTERVAL_WORKING_DAYS)
    if status.kind == StatusKind.LOOKED_AFTER:
        if last is None:
            return status.start_date + dt.timedelta(days=LAC_FIRST_VISIT_DAYS)
        return last + dt.timedelta(weeks=settings.LAC_VISIT_INTERVAL_WEEKS)
    return None


def review_conference_due(status: ChildStatus) -> dt.date | None:
    if status.kind != StatusKind.CP_PLAN:
        return None
    if status.next_review_date is not None:
        return status.next_review_date
    held = status.icpc_date or status.start_date
    return held + relativedelta(months=FIRST_REVIEW_MONTHS)


def icpc_due(status: ChildStatus) -> dt.date | None:
    if (
        status.kind != StatusKind.S47_ENQUIRY
        or status.icpc_date is not None
        or status.strategy_discussion_date is None
    ):
        return None
    return add_working_days(status.strategy_discussion_date, ICPC_WORKING_DAYS)


def assessment_due(case: Case) -> dt.date | None:
    if case.assessment_completed_date is not None or not case.is_open:
        return None
    return add_working_days(case.referral_date, ASSESSMENT_WORKING_DAYS)


def dues_for_status(status: ChildStatus, child_name: str) -> list[Due]:
    if status.end_date is not None:
        return []
    items: list[Due] = []
    visit = next_visit_due(status)
    if visit is not None:
        items.append(Due(f"Statutory visit to {child_name}", visit, status.person_id))
    review = review_conference_due(status)
    if review is not None:
        items.append(Due(f"Review conference for {child_name}", review, status.person_id))
    icpc = icpc_due(status)
    if icpc is not None:
        items.append(
            Due(f"Initial child protection conference for {child_name}", icpc, status.person_id)
        )
    return items


def dues_for_case(case: Case, statuses: list[tuple[ChildStatus, str]]) -> list[Due]:
    """Everything due on a case, soonest first."""
    items: list[Due] = []
    assessment = assessment_due(case)
    if assessment is not None:
        items.append(Due("Child and family assessment", assessment))
    for status, name in statuses:
        items.extend(dues_for_status(status, name))
    return sorted(items, key=lambda due: (due.due_date, due.label))
