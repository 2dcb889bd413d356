"""The training rules, as pure functions over dates (no queries): when a follow-up course (the
MI embedding session) falls due after the course that asks for it.

The rule itself is data on the course (``Course.follow_up``, ``follow_up_from_weeks``,
``follow_up_by_weeks``): for the MI first course, the embedding session is due from 4 weeks
after it and by 6 weeks after it. A follow-up counts only when attended on or after the course
it follows; going on the first course again starts the window again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


class FollowUpState(StrEnum):
    NOT_YET = "not_yet"  # the window has not opened
    DUE = "due"  # inside the window: from the first day to the last, inclusive
    OVERDUE = "overdue"  # the last day has passed
    DONE = "done"


@dataclass(frozen=True)
class FollowUp:
    """A follow-up course one person owes (or has done) after a course they attended."""

    user_id: int
    course_id: int  # the course that asks for the follow-up
    follow_up_course_id: int
    completed_on: dt.date  # when they attended the course that asks for it
    due_from: dt.date
    due_by: dt.date
    done_on: dt.date | None

    def state(self, today: dt.date) -> FollowUpState:
        if self.done_on is not None:
            return FollowUpState.DONE
        if today < self.due_from:
            return FollowUpState.NOT_YET
        if today <= self.due_by:
            return FollowUpState.DUE
        return FollowUpState.OVERDUE

    def shows_on(self, today: dt.date) -> bool:
        """In the worker's tray and the team manager's view: when due or overdue."""
        return self.state(today) in (FollowUpState.DUE, FollowUpState.OVERDUE)

    def days_overdue(self, today: dt.date) -> int:
        return max(0, (today - self.due_by).days)

    @property
    def done_in_time(self) -> bool:
        return self.done_on is not None and self.done_on <= self.due_by


def follow_up_window(
    completed_on: dt.date, *, from_weeks: int, by_weeks: int
) -> tuple[dt.date, dt.date]:
    """The first and last days the follow-up is due: ``from_weeks`` and ``by_weeks`` whole
    weeks after the course (both inclusive)."""
    return (
        completed_on + dt.timedelta(weeks=from_weeks),
        completed_on + dt.timedelta(weeks=by_weeks),
    )


@dataclass(frozen=True)
class Attended:
    """One attended place, as the rules need it."""

    user_id: int
    course_id: int
    held_on: dt.date


@dataclass(frozen=True)
class Rule:
    course_id: int
    follow_up_course_id: int
    from_weeks: int
    by_weeks: int


def follow_ups(attended: list[Attended], rules: list[Rule]) -> list[FollowUp]:
    """For each person and rule, the follow-up owed after the latest time they attended the
    course that asks for it, and whether (and when) they attended the follow-up since."""
    latest: dict[tuple[int, int], dt.date] = {}
    follow_up_dates: dict[tuple[int, int], list[dt.date]] = {}
    rule_by_course = {rule.course_id: rule for rule in rules}
    follow_up_ids = {rule.follow_up_course_id for rule in rules}
    for row in attended:
        if row.course_id in rule_by_course:
            key = (row.user_id, row.course_id)
            if key not in latest or row.held_on > latest[key]:
                latest[key] = row.held_on
        if row.course_id in follow_up_ids:
            follow_up_dates.setdefault((row.user_id, row.course_id), []).append(row.held_on)
    result = []
    for (user_id, course_id), completed_on in sorted(latest.items()):
        rule = rule_by_course[course_id]
        due_from, due_by = follow_up_window(
            completed_on, from_weeks=rule.from_weeks, by_weeks=rule.by_weeks
        )
        done = sorted(
            day
            for day in follow_up_dates.get((user_id, rule.follow_up_course_id), [])
            if day >= completed_on
        )
        result.append(
            FollowUp(
                user_id=user_id,
                course_id=course_id,
                follow_up_course_id=rule.follow_up_course_id,
                completed_on=completed_on,
                due_from=due_from,
                due_by=due_by,
                done_on=done[0] if done else None,
            )
        )
    return result
