"""Working days for statutory timescales in English children's social care.

Working Together to Safeguard Children 2023 sets its timescales in working days (an assessment
concludes within 45 working days of the referral), and councils count a working day as any day
that is neither a Saturday, a Sunday nor an England bank holiday. Every deadline and timeliness
KPI goes through this module so that all of them agree on which days count.

Bank holidays come from the ``holidays`` package rather than a hand-kept list, because one-off
holidays (a coronation, a state funeral) are announced at short notice and a stale list would
quietly move deadlines.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache
from typing import Final

import holidays

# Working Together to Safeguard Children 2023, chapter 3: an assessment under the Children Act
# 1989 should conclude no later than 45 working days from the point of referral.
ASSESSMENT_TIMESCALE_WORKING_DAYS: Final = 45

# date.weekday() numbers Monday 0 to Sunday 6, so anything from here on is a weekend.
_SATURDAY: Final = 5
_DAYS_PER_WEEK: Final = 7
_WEEKDAYS_PER_WEEK: Final = 5

# Below this many working days a jump of whole weeks saves nothing over stepping a day at a time.
_WEEK_JUMP_THRESHOLD: Final = _WEEKDAYS_PER_WEEK


@lru_cache(maxsize=256)
def bank_holidays(year: int) -> frozenset[date]:
    """England's bank holidays in ``year`` that fall on a weekday.

    A holiday whose date is a Saturday or Sunday (Boxing Day 2026) is left out: it takes no
    working day away, and its substitute day (Monday 28 December 2026) is in the set instead.
    That matches the list GOV.UK publishes, and lets counting code subtract holidays from
    weekdays without counting a weekend twice.

    The result is cached per year because building the ``holidays`` calendar is far slower than
    the date arithmetic that uses it, and KPIs ask about the same few years many times over.
    """
    calendar = holidays.country_holidays("GB", subdiv="ENG", years=year)
    return frozenset(day for day in calendar if day.year == year and day.weekday() < _SATURDAY)


def is_working_day(day: date) -> bool:
    """Whether ``day`` counts towards a statutory timescale: a weekday, not a bank holiday."""
    return day.weekday() < _SATURDAY and day not in bank_holidays(day.year)


def next_working_day(day: date) -> date:
    """``day`` itself if it is a working day, otherwise the first working day after it.

    A referral received at a weekend or on a bank holiday is treated by teams as arriving on the
    next working day; this gives that date.
    """
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def working_days_between(start: date, end: date) -> int:
    """The number of working days ``d`` with ``start < d <= end``.

    ``start`` is not counted because a timescale starts the day after the event: a referral on a
    Monday has used one working day by the end of Tuesday. If ``end`` is before ``start`` the
    answer is the same count for the swapped dates, negated, so an overdue item reads as negative
    days remaining.

    The count takes constant time per year spanned (whole-week arithmetic on day ordinals, then
    one pass over each year's bank holidays), because timeliness KPIs call it for every case on
    every report.
    """
    if end < start:
        return -working_days_between(end, start)
    return _working_days_from_to(start + timedelta(days=1), end) if end > start else 0


def add_working_days(start: date, days: int) -> date:
    """The date that is ``days`` working days after ``start``.

    ``start`` itself is never counted, so 45 working days after a referral's date is the
    assessment deadline, and one working day after a Friday is the following Monday. The result
    is always a working day, except that ``days=0`` returns ``start`` unchanged, so a zero offset
    never silently moves a date. A negative ``days`` counts back: one working day before a
    Monday, a Saturday or a Sunday is the Friday before.

    Large offsets jump over whole weeks first, each of which holds five weekdays less any bank
    holidays in it, then finish a day at a time so the answer lands on a working day.
    """
    if days == 0:
        return start
    step = 1 if days > 0 else -1
    remaining = abs(days)
    current = start
    while remaining > _WEEK_JUMP_THRESHOLD:
        # Keep at least one working day back for the day-by-day finish; a jump that used up the
        # count exactly could land on a weekend when it should have stopped on the Friday.
        weeks = (remaining - 1) // _WEEKDAYS_PER_WEEK
        target = current + timedelta(weeks=weeks * step)
        if step > 0:
            remaining -= _working_days_from_to(current + timedelta(days=1), target)
        else:
            remaining -= _working_days_from_to(target, current - timedelta(days=1))
        current = target
    while remaining:
        current += timedelta(days=step)
        if is_working_day(current):
            remaining -= 1
    return current


def _working_days_from_to(first: date, last: date) -> int:
    """Working days from ``first`` to ``last``, both included; ``first`` must not be later."""
    weekdays = _weekdays_up_to(last.toordinal()) - _weekdays_up_to(first.toordinal() - 1)
    holidays_in_range = sum(
        1
        for year in range(first.year, last.year + 1)
        for holiday in bank_holidays(year)
        if first <= holiday <= last
    )
    return weekdays - holidays_in_range


def _weekdays_up_to(ordinal: int) -> int:
    """Weekdays among proleptic Gregorian ordinals 1 to ``ordinal``.

    Ordinal 1 (1 January of year 1) is a Monday, so every block of seven ordinals from there is a
    Monday-to-Sunday week holding five weekdays, and a part week holds at most five.
    """
    whole_weeks, extra_days = divmod(ordinal, _DAYS_PER_WEEK)
    return whole_weeks * _WEEKDAYS_PER_WEEK + min(extra_days, _WEEKDAYS_PER_WEEK)
