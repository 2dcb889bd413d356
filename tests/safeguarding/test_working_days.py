"""Working-day arithmetic behind every statutory deadline.

Every expected date here was checked against ``holidays.country_holidays("GB", subdiv="ENG")``
and a calendar before it was written down.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from itertools import islice

from safeguarding.lib.working_days import (
    ASSESSMENT_TIMESCALE_WORKING_DAYS,
    add_working_days,
    bank_holidays,
    is_working_day,
    next_working_day,
    working_days_between,
)

# The property tests draw start dates from 2024 to 2027, which spans every kind of England bank
# holiday the code must handle: substitute days (2026, 2027), Easter in March and in April, and
# a year (2027) where both Christmas Day and Boxing Day fall at the weekend.
FIRST_START = date(2024, 1, 1)
START_RANGE_DAYS = (date(2027, 12, 31) - FIRST_START).days + 1
# Large enough to cross one or two Christmases and Easters from any start, so the week-jumping
# path in add_working_days meets holidays inside the weeks it skips.
MAX_OFFSET = 400


def _random_start(rng: random.Random) -> date:
    return FIRST_START + timedelta(days=rng.randrange(START_RANGE_DAYS))


def _working_days_after(start: date, count: int) -> list[date]:
    """The first ``count`` working days after ``start``, found by checking one day at a time."""
    # A week always holds at least one working day, so 7 calendar days per working day is ample.
    later_days = (start + timedelta(days=offset) for offset in range(1, 7 * count + 1))
    return list(islice(filter(is_working_day, later_days), count))


def _working_days_before(start: date, count: int) -> list[date]:
    """The ``count`` working days before ``start``, nearest first, one day at a time."""
    earlier_days = (start - timedelta(days=offset) for offset in range(1, 7 * count + 1))
    return list(islice(filter(is_working_day, earlier_days), count))


def _working_days_between_counted_singly(start: date, end: date) -> int:
    """``working_days_between`` the slow way: check each day after the earlier date in turn."""
    earlier = min(start, end)
    span = abs((end - start).days)
    count = sum(map(is_working_day, (earlier + timedelta(days=n) for n in range(1, span + 1))))
    direction = (end > start) - (end < start)
    return direction * count


def test_one_working_day_after_a_friday_is_the_monday() -> None:
    assert add_working_days(date(2025, 6, 6), 1) == date(2025, 6, 9)


def test_saturday_and_sunday_are_not_working_days() -> None:
    assert not is_working_day(date(2025, 6, 7))
    assert not is_working_day(date(2025, 6, 8))
    assert is_working_day(date(2025, 6, 9))


def test_christmas_2025_skips_christmas_day_boxing_day_and_the_weekend() -> None:
    # Thursday 25 and Friday 26 December 2025 are bank holidays, then a weekend.
    assert {date(2025, 12, 25), date(2025, 12, 26)} <= bank_holidays(2025)
    assert add_working_days(date(2025, 12, 24), 1) == date(2025, 12, 29)
    assert add_working_days(date(2025, 12, 29), -1) == date(2025, 12, 24)
    assert working_days_between(date(2025, 12, 24), date(2025, 12, 29)) == 1


def test_easter_2026_skips_good_friday_and_easter_monday() -> None:
    # Good Friday is 3 April 2026 and Easter Monday 6 April 2026.
    assert {date(2026, 4, 3), date(2026, 4, 6)} <= bank_holidays(2026)
    assert add_working_days(date(2026, 4, 2), 1) == date(2026, 4, 7)
    assert add_working_days(date(2026, 4, 7), -1) == date(2026, 4, 2)


def test_early_may_bank_holiday_is_not_a_working_day() -> None:
    # The first Monday in May 2026 is the 4th.
    assert not is_working_day(date(2026, 5, 4))
    assert is_working_day(date(2026, 5, 5))


def test_boxing_day_2026_on_a_saturday_moves_to_monday_28_december() -> None:
    # Christmas Day 2026 is a Friday and Boxing Day a Saturday, so the substitute day is Monday 28.
    # The Saturday is left out of the set because it takes no working day away.
    assert date(2026, 12, 28) in bank_holidays(2026)
    assert date(2026, 12, 26) not in bank_holidays(2026)
    assert not is_working_day(date(2026, 12, 28))
    assert add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 29)


def test_christmas_2027_at_the_weekend_gives_two_substitute_days() -> None:
    # Saturday 25 and Sunday 26 December 2027 are replaced by Monday 27 and Tuesday 28.
    assert {date(2027, 12, 27), date(2027, 12, 28)} <= bank_holidays(2027)
    assert add_working_days(date(2027, 12, 24), 1) == date(2027, 12, 29)


def test_bank_holidays_of_2026_match_the_published_england_list() -> None:
    assert bank_holidays(2026) == frozenset(
        {
            date(2026, 1, 1),
            date(2026, 4, 3),
            date(2026, 4, 6),
            date(2026, 5, 4),
            date(2026, 5, 25),
            date(2026, 8, 31),
            date(2026, 12, 25),
            date(2026, 12, 28),
        }
    )


def test_assessment_deadline_is_45_working_days_after_the_referral() -> None:
    # Referral on Monday 1 December 2025, counted by hand from Tuesday 2 December:
    #   2-5 Dec: 4 (total 4); 8-12 Dec: 5 (9); 15-19 Dec: 5 (14);
    #   22-24 Dec: 3 (17), as 25-26 Dec are Christmas Day and Boxing Day;
    #   29-31 Dec: 3 (20); 2 Jan: 1 (21), as 1 Jan is New Year's Day;
    #   5-9 Jan (26); 12-16 Jan (31); 19-23 Jan (36); 26-30 Jan (41);
    #   2-5 Feb: 4 (45), so the deadline is Thursday 5 February 2026.
    referral = date(2025, 12, 1)
    deadline = add_working_days(referral, ASSESSMENT_TIMESCALE_WORKING_DAYS)
    assert ASSESSMENT_TIMESCALE_WORKING_DAYS == 45
    assert deadline == date(2026, 2, 5)
    assert working_days_between(referral, deadline) == 45
    assert working_days_between(referral, deadline - timedelta(days=1)) == 44


def test_zero_working_days_leaves_the_date_alone_even_on_a_sunday() -> None:
    assert add_working_days(date(2025, 6, 8), 0) == date(2025, 6, 8)


def test_counting_back_from_a_weekend_lands_on_the_friday() -> None:
    assert add_working_days(date(2025, 6, 7), -1) == date(2025, 6, 6)
    assert add_working_days(date(2025, 6, 8), -1) == date(2025, 6, 6)
    assert add_working_days(date(2025, 6, 9), -1) == date(2025, 6, 6)


def test_working_days_between_excludes_the_start_and_includes_the_end() -> None:
    assert working_days_between(date(2025, 6, 9), date(2025, 6, 9)) == 0
    assert working_days_between(date(2025, 6, 9), date(2025, 6, 10)) == 1
    assert working_days_between(date(2025, 6, 6), date(2025, 6, 8)) == 0
    assert working_days_between(date(2025, 6, 10), date(2025, 6, 9)) == -1


def test_working_days_between_counts_a_whole_year() -> None:
    # 2026 has 261 weekdays (it starts on a Thursday and is not a leap year) and 8 weekday bank
    # holidays, so 253 working days.
    assert working_days_between(date(2025, 12, 31), date(2026, 12, 31)) == 253
    assert working_days_between(date(2026, 12, 31), date(2025, 12, 31)) == -253


def test_next_working_day() -> None:
    assert next_working_day(date(2025, 6, 9)) == date(2025, 6, 9)
    assert next_working_day(date(2025, 6, 7)) == date(2025, 6, 9)
    assert next_working_day(date(2025, 12, 25)) == date(2025, 12, 29)
    assert next_working_day(date(2026, 4, 3)) == date(2026, 4, 7)


def test_add_working_days_matches_counting_forward_one_day_at_a_time() -> None:
    rng = random.Random(20251201)
    cases = [(_random_start(rng), rng.randint(1, MAX_OFFSET)) for _ in range(300)]
    assert [add_working_days(start, days) for start, days in cases] == [
        _working_days_after(start, days)[-1] for start, days in cases
    ]


def test_add_working_days_matches_counting_back_one_day_at_a_time() -> None:
    rng = random.Random(20260403)
    cases = [(_random_start(rng), rng.randint(1, MAX_OFFSET)) for _ in range(300)]
    assert [add_working_days(start, -days) for start, days in cases] == [
        _working_days_before(start, days)[-1] for start, days in cases
    ]


def test_working_days_between_inverts_add_working_days_from_a_working_day() -> None:
    # From a working day, counting forward or back n working days and then measuring the gap
    # gives n again. (From a weekend the two disagree by design when counting back: one working
    # day before a Saturday is the Friday, but the Friday-to-Saturday gap holds no working day.)
    rng = random.Random(20261228)
    cases = [
        (next_working_day(_random_start(rng)), rng.randint(-MAX_OFFSET, MAX_OFFSET))
        for _ in range(300)
    ]
    assert [
        working_days_between(start, add_working_days(start, days)) for start, days in cases
    ] == [days for _, days in cases]


def test_working_days_between_matches_counting_one_day_at_a_time() -> None:
    rng = random.Random(20270527)
    pairs = [(_random_start(rng), _random_start(rng)) for _ in range(300)]
    assert [working_days_between(start, end) for start, end in pairs] == [
        _working_days_between_counted_singly(start, end) for start, end in pairs
    ]


def test_working_days_between_is_antisymmetric() -> None:
    rng = random.Random(20240506)
    pairs = [(_random_start(rng), _random_start(rng)) for _ in range(300)]
    assert [working_days_between(start, end) for start, end in pairs] == [
        -working_days_between(end, start) for start, end in pairs
    ]
