"""Every KPI calculator in ``kpis.registry.CATALOGUE`` against a hand-built fixture.

Rows are created directly (factories and ``Model.objects.create``), not through the services, so
these tests pin the SQL itself. Every expected number was worked out by hand before it was
written down; the comment beside it shows the arithmetic.

Conventions (kpis/registry.py module docstring): "at period end" is the month's last day and a
status that ceased that day (``end_date``) no longer counts; the scope is the family's owning
team, or the whole service when ``team_id`` is None. Each KPI is checked three ways: for team A,
for the whole service (team A plus team B, whose rows team A must not see), and for a team with
no families at all (a percentage or mean then has no value rather than a division error).

Working days are England working days (DOMAIN.md, "Statutory timescales"); dates that depend on
bank holidays are derived with ``safeguarding.lib.working_days.add_working_days`` and the result
is also written out so a reader can check it against a calendar.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from cases.models import (
    Allocation,
    Case,
    CaseStatus,
    ChildStatus,
    DashRisk,
    Family,
    FamilyMember,
    HouseholdRole,
    MatchBasis,
    NotificationStatus,
    PartnerNotification,
    Person,
    ReviewConference,
    StatusKind,
)
from kpis.registry import BY_CODE, CATALOGUE, Kpi, Result, Unit
from safeguarding.lib.working_days import add_working_days, bank_holidays, working_days_between
from supervision.models import GroupSupervision, SupervisionStatus
from teams.models import PartnerClient, Team, User
from tests.factories import (
    AdultFactory,
    CaseFactory,
    FamilyFactory,
    PersonFactory,
    TeamFactory,
    UserFactory,
    partner_client,
)
from tests.kpis.grouped import assert_grouped_agrees_around
from workbook.models import Cycle, Entry, EntryStatus, Workbook

pytestmark = pytest.mark.django_db

D = dt.date

# March 2025: Saturday 1st to Monday 31st, no bank holidays in it.
MARCH_START, MARCH_END = D(2025, 3, 1), D(2025, 3, 31)

# Defaults for rows whose exact dates do not matter to the KPI under test.
OLD_REFERRAL = D(2024, 10, 1)
BORN = D(2015, 6, 1)

# DOMAIN.md, "KPI catalogue (first set)", in its order.
DOMAIN_KPI_CODES = [
    "cp_rate",
    "cp_starts",
    "cp_repeat",
    "cp_two_years",
    "care_entries",
    "cla_rate",
    "re_referrals",
    "assessments_45wd",
    "icpc_15wd",
    "cp_visits_on_time",
    "cp_reviews_on_time",
    "gcs_on_time",
    "workbook_current",
    "da_repeat_notifications",
    "caseload_per_worker",
]

# The KPIs this module builds a hand-worked fixture for (checked against the catalogue below).
TESTED_CODES = {
    "cp_rate",
    "cp_starts",
    "cp_repeat",
    "cp_two_years",
    "care_entries",
    "cla_rate",
    "re_referrals",
    "assessments_45wd",
    "icpc_15wd",
    "cp_visits_on_time",
    "cp_reviews_on_time",
    "gcs_on_time",
    "workbook_current",
    "da_repeat_notifications",
    "caseload_per_worker",
    # The workforce KPIs have their hand-built fixtures in tests/kpis/test_workforce_kpis.py.
    "mh_posts_filled",
    "da_posts_filled",
    "su_posts_filled",
    "mi_first_course",
    "mi_embedding_6wk",
}

# What an empty scope gives, by unit: a count is 0; a rate is 0 over the population; a percentage
# or mean has a zero denominator and therefore no value.
EMPTY_COUNT = ("0", None, "0")
EMPTY_RATE = ("0", "10000", "0.00")
EMPTY_RATIO = ("0", "0", None)

Expected = tuple[str, str | None, str | None]


# --- building blocks ------------------------------------------------------------------------


@dataclass(frozen=True)
class Teams:
    a: Team
    b: Team
    empty: Team

    def scope(self, name: str) -> int | None:
        return {"team": self.a.pk, "service": None, "empty": self.empty.pk}[name]


@pytest.fixture
def teams() -> Teams:
    return Teams(a=TeamFactory.create(), b=TeamFactory.create(), empty=TeamFactory.create())


def calculate(code: str, start: dt.date, end: dt.date, team_id: int | None) -> Result:
    """The reference calculator, after checking that the KPI's grouped form (what the refresh
    writes) agrees with it on this hand-worked world, for every scope and the months around
    (tests/kpis/test_grouped.py)."""
    assert_grouped_agrees_around(BY_CODE[code], start)
    return BY_CODE[code].calculate(period_start=start, period_end=end, team_id=team_id)


def assert_result(result: Result, expected: Expected) -> None:
    """Numerator, denominator and value exactly, including the value's decimal places."""
    numerator, denominator, value = expected
    assert isinstance(result.numerator, Decimal)
    assert (result.numerator, result.denominator, result.value) == (
        Decimal(numerator),
        None if denominator is None else Decimal(denominator),
        None if value is None else Decimal(value),
    )
    if result.value is not None:
        assert str(result.value) == value


def family(team: Team) -> Family:
    return FamilyFactory.create(owning_team=team)


def case(
    team_or_family: Team | Family,
    referral: dt.date = OLD_REFERRAL,
    *,
    closed: dt.date | None = None,
) -> Case:
    fam = team_or_family if isinstance(team_or_family, Family) else family(team_or_family)
    if closed is None:
        return CaseFactory.create(family=fam, referral_date=referral)
    return CaseFactory.create(
        family=fam,
        referral_date=referral,
        status=CaseStatus.CLOSED,
        closed_date=closed,
        closure_reason="RC8",
    )


def child(
    fam: Family,
    *,
    born: dt.date = BORN,
    joined: dt.date | None = None,
    left: dt.date | None = None,
) -> Person:
    person = PersonFactory.create(date_of_birth=born)
    FamilyMember.objects.create(
        family=fam,
        person=person,
        household_role=HouseholdRole.CHILD,
        start_date=joined or born,
        end_date=left,
    )
    return person


def join(fam: Family, person: Person, *, joined: dt.date, left: dt.date | None = None) -> None:
    FamilyMember.objects.create(
        family=fam,
        person=person,
        household_role=HouseholdRole.CHILD,
        start_date=joined,
        end_date=left,
    )


def status(
    on_case: Case,
    person: Person,
    kind: str,
    start: dt.date,
    end: dt.date | None = None,
    **extra: object,
) -> ChildStatus:
    if kind == StatusKind.CP_PLAN:
        extra.setdefault("cp_initial_category", "NEG")
        extra.setdefault("cp_latest_category", "NEG")
    if kind == StatusKind.LOOKED_AFTER:
        extra.setdefault("legal_status", "V2")
    return ChildStatus.objects.create(
        case=on_case, person=person, kind=kind, start_date=start, end_date=end, **extra
    )


def cp_plan(
    on_case: Case, person: Person, start: dt.date, end: dt.date | None = None, **extra: object
) -> ChildStatus:
    return status(on_case, person, StatusKind.CP_PLAN, start, end, **extra)


def looked_after(
    on_case: Case, person: Person, start: dt.date, end: dt.date | None = None, legal: str = "V2"
) -> ChildStatus:
    return status(on_case, person, StatusKind.LOOKED_AFTER, start, end, legal_status=legal)


def s47(on_case: Case, person: Person, strategy: dt.date, icpc: dt.date | None) -> ChildStatus:
    return status(
        on_case,
        person,
        StatusKind.S47_ENQUIRY,
        strategy,
        icpc,
        strategy_discussion_date=strategy,
        icpc_date=icpc,
    )


def child_on_case(team: Team, referral: dt.date = OLD_REFERRAL) -> tuple[Case, Person]:
    """A family in ``team`` with one child and one open case."""
    fam = family(team)
    return case(fam, referral), child(fam)


def cycle(on_case: Case, number: int, opened: dt.date, closed: dt.date | None = None) -> Cycle:
    workbook, _ = Workbook.objects.get_or_create(case=on_case)
    return Cycle.objects.create(
        workbook=workbook, number=number, opened_on=opened, closed_on=closed
    )


def entry(
    in_cycle: Cycle,
    author: User,
    form_slug: str,
    entry_status: str = EntryStatus.SUBMITTED,
    **extra: object,
) -> Entry:
    if entry_status == EntryStatus.AUTHORISED:
        extra.setdefault("authorised_at", timezone.now())
        extra.setdefault("authorised_by", UserFactory.create())
    return Entry.objects.create(
        workbook=in_cycle.workbook,
        cycle=in_cycle,
        form_slug=form_slug,
        form_version=1,
        author=author,
        status=entry_status,
        **extra,
    )


def visit(
    in_cycle: Cycle,
    person: Person,
    on: dt.date,
    entry_status: str = EntryStatus.SUBMITTED,
    *,
    child_seen: bool = True,
) -> Entry:
    """A statutory-visit entry about ``person`` (DOMAIN.md, workbook form 4)."""
    return entry(
        in_cycle,
        UserFactory.create(),
        "statutory-visit",
        entry_status,
        subject_person=person,
        visit_date=on,
        child_seen=child_seen,
    )


def allocate(
    on_case: Case,
    worker: User,
    discipline: str = "social_work",
    start: dt.date = OLD_REFERRAL,
    end: dt.date | None = None,
) -> Allocation:
    return Allocation.objects.create(
        case=on_case, worker=worker, discipline=discipline, start_date=start, end_date=end
    )


def supervision(on_case: Case, held: dt.date, signed_off: bool = True) -> GroupSupervision:
    chair = UserFactory.create()
    if not signed_off:
        return GroupSupervision.objects.create(
            case=on_case, scheduled_for=held, chair=chair, status=SupervisionStatus.SCHEDULED
        )
    return GroupSupervision.objects.create(
        case=on_case,
        scheduled_for=held,
        chair=chair,
        status=SupervisionStatus.SIGNED_OFF,
        signed_off_at=timezone.now(),
        signed_off_by=chair,
    )


# --- the catalogue itself ---------------------------------------------------------------------


def test_every_catalogue_kpi_has_a_hand_built_fixture_here() -> None:
    assert {kpi.code for kpi in CATALOGUE} == TESTED_CODES


def test_the_catalogue_implements_every_kpi_in_domain_md() -> None:
    assert set(DOMAIN_KPI_CODES) - {kpi.code for kpi in CATALOGUE} == set()


# --- cp_rate ----------------------------------------------------------------------------------


def _cp_rate_fixture(teams: Teams) -> None:
    a = teams.a
    case1, started_first_day = child_on_case(a)
    cp_plan(case1, started_first_day, D(2025, 3, 1))  # counts: on a plan at 31 March
    case2, ended_last_day = child_on_case(a)
    cp_plan(case2, ended_last_day, D(2024, 6, 10), D(2025, 3, 31))  # ceased on 31 March: no
    case3, ended_day_before = child_on_case(a)
    cp_plan(case3, ended_day_before, D(2024, 1, 15), D(2025, 2, 28))  # no
    case4, long_running = child_on_case(a)
    cp_plan(case4, long_running, D(2023, 5, 2))  # counts
    case5, starts_after = child_on_case(a)
    cp_plan(case5, starts_after, D(2025, 4, 1))  # not yet on a plan: no
    case6, two_plans = child_on_case(a)
    cp_plan(case6, two_plans, D(2022, 1, 10), D(2022, 9, 1))
    cp_plan(case6, two_plans, D(2025, 1, 10))  # counts once
    case7, child_in_need = child_on_case(a)
    status(case7, child_in_need, StatusKind.CIN_PLAN, D(2025, 1, 6))  # not a CP plan: no
    case8, looked_after_child = child_on_case(a)
    looked_after(case8, looked_after_child, D(2025, 1, 6))  # not a CP plan: no
    other_case, other_child = child_on_case(teams.b)
    cp_plan(other_case, other_child, D(2024, 11, 4))  # team B: whole service only


@override_settings(CHILD_POPULATION=10_000)
@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        # team A: 3 children (first-day start, 2023 plan, second plan) * 10,000 / 10,000 = 3.00
        ("team", ("3", "10000", "3.00")),
        # whole service: 3 + team B's 1 = 4 * 10,000 / 10,000 = 4.00
        ("service", ("4", "10000", "4.00")),
        ("empty", EMPTY_RATE),
    ],
)
def test_cp_rate(teams: Teams, scope: str, expected: Expected) -> None:
    _cp_rate_fixture(teams)
    assert_result(calculate("cp_rate", MARCH_START, MARCH_END, teams.scope(scope)), expected)


@override_settings(CHILD_POPULATION=30_000)
def test_cp_rate_uses_the_child_population_setting(teams: Teams) -> None:
    _cp_rate_fixture(teams)
    # 4 children * 10,000 / 30,000 = 1.333... -> 1.33
    assert_result(calculate("cp_rate", MARCH_START, MARCH_END, None), ("4", "30000", "1.33"))


# --- cp_starts --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        # team A: started 1 March + started 31 March = 2 (count: no denominator)
        ("team", ("2", None, "2")),
        # whole service: 2 + team B's 15 March = 3
        ("service", ("3", None, "3")),
        ("empty", EMPTY_COUNT),
    ],
)
def test_cp_starts(teams: Teams, scope: str, expected: Expected) -> None:
    a = teams.a
    case1, first_day = child_on_case(a)
    cp_plan(case1, first_day, D(2025, 3, 1))  # counts
    case2, last_day = child_on_case(a)
    cp_plan(case2, last_day, D(2025, 3, 31))  # counts
    case3, day_before = child_on_case(a)
    cp_plan(case3, day_before, D(2025, 2, 28))  # no
    case4, day_after = child_on_case(a)
    cp_plan(case4, day_after, D(2025, 4, 1))  # no
    case5, ended_in_month = child_on_case(a)
    cp_plan(case5, ended_in_month, D(2024, 5, 1), D(2025, 3, 10))  # ended, did not start: no
    case6, other_kinds = child_on_case(a)
    status(case6, other_kinds, StatusKind.CIN_PLAN, D(2025, 3, 10))  # no
    looked_after(case6, other_kinds, D(2025, 3, 12))  # no
    other_case, other_child = child_on_case(teams.b)
    cp_plan(other_case, other_child, D(2025, 3, 15))  # team B
    assert_result(calculate("cp_starts", MARCH_START, MARCH_END, teams.scope(scope)), expected)


# --- cp_repeat --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        # team A: starts in March = first-ever (1 Mar), repeat (12 Mar), repeat via another
        # family (20 Mar), first-ever (31 Mar) = 4; repeats = 2; 2 * 100 / 4 = 50.0
        ("team", ("2", "4", "50.0")),
        # whole service: team B adds a repeat (5 Mar): 3 * 100 / 5 = 60.0
        ("service", ("3", "5", "60.0")),
        ("empty", EMPTY_RATIO),
    ],
)
def test_cp_repeat(teams: Teams, scope: str, expected: Expected) -> None:
    a = teams.a
    case1, first_ever = child_on_case(a)
    cp_plan(case1, first_ever, D(2025, 3, 1))  # first plan: not a repeat
    case2, years_later = child_on_case(a, D(2019, 3, 1))
    cp_plan(case2, years_later, D(2019, 4, 1), D(2020, 2, 10))
    cp_plan(case2, years_later, D(2025, 3, 12))  # second plan five years on: repeat
    # A child whose first plan was with a team B family, then moved to a team A family.
    earlier_fam = family(teams.b)
    moved = child(earlier_fam, left=D(2023, 10, 2))
    cp_plan(
        case(earlier_fam, D(2023, 1, 2), closed=D(2023, 10, 2)), moved, D(2023, 1, 9), D(2023, 9, 1)
    )
    later_fam = family(a)
    join(later_fam, moved, joined=D(2023, 10, 2))
    cp_plan(case(later_fam, D(2025, 2, 3)), moved, D(2025, 3, 20))  # repeat, "ever"
    case4, last_day = child_on_case(a)
    cp_plan(case4, last_day, D(2025, 3, 31))  # first plan: not a repeat
    case5, before_period = child_on_case(a, D(2020, 1, 6))
    cp_plan(case5, before_period, D(2020, 1, 6), D(2021, 1, 4))
    cp_plan(case5, before_period, D(2025, 2, 28))  # a repeat, but started in February
    other_case, other_child = child_on_case(teams.b, D(2021, 1, 4))
    cp_plan(other_case, other_child, D(2021, 2, 1), D(2022, 2, 1))
    cp_plan(other_case, other_child, D(2025, 3, 5))  # team B repeat
    assert_result(calculate("cp_repeat", MARCH_START, MARCH_END, teams.scope(scope)), expected)


# --- cp_two_years -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        # team A: ended in March = exactly 2 years, 2 years less a day, 5 years (ended 31 Mar),
        # 10 months = 4; lasted >= 2 years = 2; 2 * 100 / 4 = 50.0
        ("team", ("2", "4", "50.0")),
        # whole service: team B adds one of 3 years: 3 * 100 / 5 = 60.0
        ("service", ("3", "5", "60.0")),
        ("empty", EMPTY_RATIO),
    ],
)
def test_cp_two_years(teams: Teams, scope: str, expected: Expected) -> None:
    a = teams.a
    case1, exactly_two = child_on_case(a, D(2023, 3, 1))
    cp_plan(case1, exactly_two, D(2023, 3, 15), D(2025, 3, 15))  # 2 years to the day: counts
    case2, day_short = child_on_case(a, D(2023, 3, 1))
    cp_plan(case2, day_short, D(2023, 3, 15), D(2025, 3, 14))  # 2 years less a day: no
    case3, ended_last_day = child_on_case(a, D(2020, 1, 6))
    cp_plan(case3, ended_last_day, D(2020, 1, 6), D(2025, 3, 31))  # counts
    case4, short = child_on_case(a)
    cp_plan(case4, short, D(2024, 5, 1), D(2025, 3, 3))  # 10 months: no
    case5, ended_before = child_on_case(a, D(2021, 1, 4))
    cp_plan(case5, ended_before, D(2021, 1, 4), D(2025, 2, 28))  # ended in February: excluded
    case6, still_open = child_on_case(a, D(2022, 1, 10))
    cp_plan(case6, still_open, D(2022, 1, 10))  # not ended: excluded
    other_case, other_child = child_on_case(teams.b, D(2022, 3, 1))
    cp_plan(other_case, other_child, D(2022, 3, 1), D(2025, 3, 20))  # team B: 3 years
    assert_result(calculate("cp_two_years", MARCH_START, MARCH_END, teams.scope(scope)), expected)


# --- care_entries -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        # team A: entered 1 March + re-entered 6 March after a day at home + entered 31 March
        # = 3 (the 10 March legal-status change is the same period of care)
        ("team", ("3", None, "3")),
        # whole service: 3 + team B's 15 March = 4
        ("service", ("4", None, "4")),
        ("empty", EMPTY_COUNT),
    ],
)
def test_care_entries(teams: Teams, scope: str, expected: Expected) -> None:
    a = teams.a
    case1, first_day = child_on_case(a)
    looked_after(case1, first_day, D(2025, 3, 1))  # entry
    case2, legal_change = child_on_case(a)
    looked_after(case2, legal_change, D(2024, 11, 4), D(2025, 3, 10), legal="V2")
    looked_after(case2, legal_change, D(2025, 3, 10), legal="C2")  # same day: not an entry
    case3, returned = child_on_case(a)
    looked_after(case3, returned, D(2024, 6, 3), D(2025, 3, 5))
    looked_after(case3, returned, D(2025, 3, 6))  # a day's gap: a new entry
    case4, before = child_on_case(a)
    looked_after(case4, before, D(2025, 2, 28))  # February: no
    case5, after = child_on_case(a)
    looked_after(case5, after, D(2025, 4, 1))  # April: no
    case6, last_day = child_on_case(a)
    looked_after(case6, last_day, D(2025, 3, 31))  # entry
    case7, on_plan = child_on_case(a)
    cp_plan(case7, on_plan, D(2025, 3, 10))  # not looked after: no
    other_case, other_child = child_on_case(teams.b)
    looked_after(other_case, other_child, D(2025, 3, 15))  # team B
    assert_result(calculate("care_entries", MARCH_START, MARCH_END, teams.scope(scope)), expected)


def test_care_entries_counts_a_period_of_care_that_ends_the_day_it_starts(teams: Teams) -> None:
    one_day_case, one_day = child_on_case(teams.a)
    # Police protection (L1) on 12 March, home the same day: the model allows end_date = start_date.
    looked_after(one_day_case, one_day, D(2025, 3, 12), D(2025, 3, 12), legal="L1")
    # 1 child started to be looked after in March
    assert_result(calculate("care_entries", MARCH_START, MARCH_END, teams.a.pk), ("1", None, "1"))


# --- cla_rate ---------------------------------------------------------------------------------


@override_settings(CHILD_POPULATION=10_000)
@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        # team A: entered 1 March, V2 then C2 (once), looked after since 2020 = 3 children
        # 3 * 10,000 / 10,000 = 3.00
        ("team", ("3", "10000", "3.00")),
        # whole service: 3 + team B's 1 = 4 -> 4.00
        ("service", ("4", "10000", "4.00")),
        ("empty", EMPTY_RATE),
    ],
)
def test_cla_rate(teams: Teams, scope: str, expected: Expected) -> None:
    a = teams.a
    case1, first_day = child_on_case(a)
    looked_after(case1, first_day, D(2025, 3, 1))  # counts
    case2, legal_change = child_on_case(a)
    looked_after(case2, legal_change, D(2024, 11, 4), D(2025, 3, 10), legal="V2")
    looked_after(case2, legal_change, D(2025, 3, 10), legal="C2")  # counts once
    case3, left_last_day = child_on_case(a)
    looked_after(case3, left_last_day, D(2024, 8, 1), D(2025, 3, 31))  # ceased 31 March: no
    case4, left_before = child_on_case(a)
    looked_after(case4, left_before, D(2024, 8, 1), D(2025, 2, 28))  # no
    case5, long_term = child_on_case(a, D(2019, 9, 2))
    looked_after(case5, long_term, D(2020, 1, 6), legal="C2")  # counts
    case6, from_april = child_on_case(a)
    looked_after(case6, from_april, D(2025, 4, 1))  # no
    other_case, other_child = child_on_case(teams.b)
    looked_after(other_case, other_child, D(2024, 12, 2))  # team B
    assert_result(calculate("cla_rate", MARCH_START, MARCH_END, teams.scope(scope)), expected)


# --- re_referrals -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        # team A: children referred in March = exactly-12-months, 12-months-and-a-day, new,
        # moved-from-team-B, 31 March = 5; re-referred = exactly-12-months, moved, 31 March = 3
        # 3 * 100 / 5 = 60.0
        ("team", ("3", "5", "60.0")),
        # whole service: team B adds 1 of 1: 4 * 100 / 6 = 66.66... -> 66.7
        ("service", ("4", "6", "66.7")),
        ("empty", EMPTY_RATIO),
    ],
)
def test_re_referrals(teams: Teams, scope: str, expected: Expected) -> None:
    a = teams.a
    # Previous referral exactly 12 months before (14 March 2024 >= 14 March 2025 - 12 months).
    f1 = family(a)
    child(f1)
    case(f1, D(2024, 3, 14), closed=D(2024, 6, 3))
    case(f1, D(2025, 3, 14))  # re-referral
    # Previous referral 12 months and a day before: not within 12 months.
    f2 = family(a)
    child(f2)
    case(f2, D(2024, 3, 13), closed=D(2024, 6, 3))
    case(f2, D(2025, 3, 14))  # referred, not a re-referral
    # A first referral; the parent is not a child so is not counted at all.
    f3 = family(a)
    child(f3)
    FamilyMember.objects.create(
        family=f3,
        person=AdultFactory.create(date_of_birth=D(1990, 2, 2)),
        household_role=HouseholdRole.PARENT,
        start_date=D(2015, 6, 1),
    )
    case(f3, D(2025, 3, 3))
    # A child referred with a team B family in October, now in a team A family.
    f5 = family(teams.b)
    moved = child(f5, left=D(2024, 12, 2))
    case(f5, D(2024, 10, 1), closed=D(2024, 12, 2))
    f4 = family(a)
    join(f4, moved, joined=D(2024, 12, 2))
    case(f4, D(2025, 3, 20))  # re-referral (the child's previous referral, any family)
    # Referred in February: outside the period.
    f6 = family(a)
    child(f6)
    case(f6, D(2024, 9, 2), closed=D(2024, 12, 2))
    case(f6, D(2025, 2, 28))
    # Referred on the last day, previous referral in January.
    f7 = family(a)
    child(f7)
    case(f7, D(2025, 1, 15), closed=D(2025, 2, 3))
    case(f7, D(2025, 3, 31))  # re-referral
    # Team B.
    f8 = family(teams.b)
    child(f8)
    case(f8, D(2024, 12, 2), closed=D(2025, 1, 10))
    case(f8, D(2025, 3, 5))  # re-referral
    assert_result(calculate("re_referrals", MARCH_START, MARCH_END, teams.scope(scope)), expected)


def test_re_referrals_ignore_a_referral_from_before_the_child_joined_the_family(
    teams: Teams,
) -> None:
    fam = family(teams.a)
    child(fam, born=D(2016, 4, 4))  # older child: in the family at both referrals
    child(fam, born=D(2025, 1, 20))  # baby born (and joined) after the first referral
    case(fam, D(2024, 9, 10), closed=D(2024, 12, 2))
    case(fam, D(2025, 3, 12))
    # referred in March: both children = 2; re-referred: the older child only = 1
    # 1 * 100 / 2 = 50.0
    assert_result(calculate("re_referrals", MARCH_START, MARCH_END, teams.a.pk), ("1", "2", "50.0"))


def test_re_referrals_do_not_count_a_child_who_left_before_the_referral(teams: Teams) -> None:
    fam = family(teams.a)
    child(fam, born=D(2014, 2, 2))
    child(fam, born=D(2012, 7, 7), left=D(2024, 11, 30))  # went to live with their father
    case(fam, D(2025, 3, 12))
    # referred in March: the child still at home = 1; re-referred: 0 -> 0 * 100 / 1 = 0.0
    assert_result(calculate("re_referrals", MARCH_START, MARCH_END, teams.a.pk), ("0", "1", "0.0"))


# --- assessments_45wd -------------------------------------------------------------------------

FEB_START, FEB_END = D(2025, 2, 1), D(2025, 2, 28)
# Referral on Wednesday 27 November 2024. Counting working days after it: 28, 29 Nov = 2;
# December 22 weekdays less Christmas Day and Boxing Day = 20 (22); January 23 weekdays less
# New Year's Day = 22 (44); Monday 3 February = 45. Tuesday 4 February = 46.
XMAS_REFERRAL = D(2024, 11, 27)


def test_the_christmas_assessment_dates_are_45_and_46_working_days() -> None:
    assert add_working_days(XMAS_REFERRAL, 45) == D(2025, 2, 3)
    assert add_working_days(XMAS_REFERRAL, 46) == D(2025, 2, 4)
    # Ignoring the three bank holidays, 3 February would be 48 weekdays after the referral.
    assert working_days_between(XMAS_REFERRAL, D(2025, 2, 3)) == 45


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        # team A: completed in February = 45 wd, 46 wd, 29 wd = 3; within 45 = 2
        # 2 * 100 / 3 = 66.66... -> 66.7
        ("team", ("2", "3", "66.7")),
        # whole service: team B adds one at 46 wd: 2 * 100 / 4 = 50.0
        ("service", ("2", "4", "50.0")),
        ("empty", EMPTY_RATIO),
    ],
)
def test_assessments_45wd(teams: Teams, scope: str, expected: Expected) -> None:
    a = teams.a
    day_45 = add_working_days(XMAS_REFERRAL, 45)  # Monday 3 February 2025
    day_46 = add_working_days(XMAS_REFERRAL, 46)  # Tuesday 4 February 2025
    on_time = case(a, XMAS_REFERRAL)
    on_time.assessment_completed_date = day_45  # exactly 45: counts
    late = case(a, XMAS_REFERRAL)
    late.assessment_completed_date = day_46  # 46: does not count
    # 20 Jan to 28 Feb: 4 + 5 (January) + 20 (February) = 29 working days; on the last day.
    quick = case(a, D(2025, 1, 20))
    quick.assessment_completed_date = D(2025, 2, 28)
    january = case(a, D(2024, 12, 2))
    january.assessment_completed_date = D(2025, 1, 31)  # completed in January: excluded
    case(a, D(2025, 1, 6))  # not completed: excluded
    march = case(a, D(2025, 1, 6))
    march.assessment_completed_date = D(2025, 3, 3)  # completed in March: excluded
    other = case(teams.b, XMAS_REFERRAL)
    other.assessment_completed_date = day_46  # team B, late
    for each in (on_time, late, quick, january, march, other):
        each.save(update_fields=["assessment_completed_date"])
    assert_result(calculate("assessments_45wd", FEB_START, FEB_END, teams.scope(scope)), expected)


# --- icpc_15wd --------------------------------------------------------------------------------

MAY_START, MAY_END = D(2025, 5, 1), D(2025, 5, 31)
# Strategy discussion Thursday 10 April 2025. Working days after it: 11 Apr = 1; 14-17 Apr = 5;
# Good Friday 18 Apr and Easter Monday 21 Apr skipped; 22-25 Apr = 9; 28-30 Apr = 12;
# 1-2 May = 14; early May bank holiday 5 May skipped; Tuesday 6 May = 15; Wednesday 7 May = 16.
EASTER_STRATEGY = D(2025, 4, 10)


def test_the_easter_icpc_dates_are_15_and_16_working_days() -> None:
    assert add_working_days(EASTER_STRATEGY, 15) == D(2025, 5, 6)
    assert add_working_days(EASTER_STRATEGY, 16) == D(2025, 5, 7)


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        # team A: ICPCs in May = 15 wd, 16 wd, 3 wd = 3; within 15 = 2 -> 2 * 100 / 3 = 66.7
        ("team", ("2", "3", "66.7")),
        # whole service: team B adds one at 19 wd: 2 * 100 / 4 = 50.0
        ("service", ("2", "4", "50.0")),
        ("empty", EMPTY_RATIO),
    ],
)
def test_icpc_15wd(teams: Teams, scope: str, expected: Expected) -> None:
    a = teams.a
    case1, exactly_15 = child_on_case(a)
    s47(case1, exactly_15, EASTER_STRATEGY, add_working_days(EASTER_STRATEGY, 15))  # on time
    case2, sixteen = child_on_case(a)
    s47(case2, sixteen, EASTER_STRATEGY, add_working_days(EASTER_STRATEGY, 16))  # late
    case3, quick = child_on_case(a)
    s47(case3, quick, D(2025, 4, 28), D(2025, 5, 1))  # 29, 30 Apr, 1 May = 3: on time
    case4, april = child_on_case(a)
    s47(case4, april, D(2025, 4, 1), D(2025, 4, 30))  # held in April: excluded
    case5, no_conference = child_on_case(a)
    s47(case5, no_conference, D(2025, 5, 12), None)  # no ICPC yet: excluded
    case6, june = child_on_case(a)
    s47(case6, june, D(2025, 5, 20), D(2025, 6, 2))  # held in June: excluded
    other_case, other_child = child_on_case(teams.b)
    # 2 May = 1; 6-9 May = 5; 12-16 = 10; 19-23 = 15; 27-30 (26 May bank holiday) = 19: late
    s47(other_case, other_child, D(2025, 5, 1), D(2025, 5, 30))
    assert_result(calculate("icpc_15wd", MAY_START, MAY_END, teams.scope(scope)), expected)


@pytest.mark.parametrize(
    ("recorded_on", "held_after", "expected"),
    [
        # As cases/demo.py records it: the enquiry (ended before the conference, no ICPC date),
        # then the plan carrying the strategy discussion and ICPC dates. 15 wd: 1 * 100 / 1 = 100.0
        ("plan", 15, ("1", "1", "100.0")),
        ("plan", 16, ("0", "1", "0.0")),  # 16 wd: 0 * 100 / 1 = 0.0
        # The plan has only the ICPC date: the strategy discussion comes from the enquiry.
        ("plan_without_strategy", 15, ("1", "1", "100.0")),
        ("plan_without_strategy", 16, ("0", "1", "0.0")),
        # Both the enquiry and the plan carry the same conference: one ICPC, not two.
        ("both", 15, ("1", "1", "100.0")),
    ],
)
def test_icpc_15wd_counts_a_conference_recorded_on_the_plan_it_started(
    teams: Teams, recorded_on: str, held_after: int, expected: Expected
) -> None:
    on_case, person = child_on_case(teams.a)
    conference = add_working_days(EASTER_STRATEGY, held_after)  # 6 or 7 May 2025
    status(
        on_case,
        person,
        StatusKind.S47_ENQUIRY,
        EASTER_STRATEGY,
        conference if recorded_on == "both" else D(2025, 4, 17),
        strategy_discussion_date=EASTER_STRATEGY,
        icpc_date=conference if recorded_on == "both" else None,
    )
    cp_plan(
        on_case,
        person,
        conference,
        strategy_discussion_date=None
        if recorded_on == "plan_without_strategy"
        else EASTER_STRATEGY,
        icpc_date=conference,
    )
    assert_result(calculate("icpc_15wd", MAY_START, MAY_END, teams.a.pk), expected)


# --- cp_visits_on_time ------------------------------------------------------------------------

# Monday 31 March 2025 less 10 working days is Monday 17 March; less 11 is Friday 14 March.
VISIT_10WD = D(2025, 3, 17)
VISIT_11WD = D(2025, 3, 14)


def test_the_visit_dates_are_10_and_11_working_days_before_period_end() -> None:
    assert add_working_days(MARCH_END, -10) == VISIT_10WD
    assert add_working_days(MARCH_END, -11) == VISIT_11WD


@override_settings(CP_VISIT_INTERVAL_WORKING_DAYS=10)
@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        # team A: on a plan at 31 March = 7 (the plan ending 31 March is not); on time = visit
        # 10 wd before, new plan 7 wd old, workbook visit 24 March = 3 -> 3 * 100 / 7 = 42.9
        ("team", ("3", "7", "42.9")),
        # whole service: team B adds 1 on time: 4 * 100 / 8 = 50.0
        ("service", ("4", "8", "50.0")),
        ("empty", EMPTY_RATIO),
    ],
)
def test_cp_visits_on_time(teams: Teams, scope: str, expected: Expected) -> None:
    a = teams.a
    plan_start = D(2025, 1, 6)
    case1, ten = child_on_case(a)
    cp_plan(case1, ten, plan_start, last_visit_date=VISIT_10WD)  # 10 wd: on time
    case2, eleven = child_on_case(a)
    cp_plan(case2, eleven, plan_start, last_visit_date=VISIT_11WD)  # 11 wd: late
    case3, new_plan = child_on_case(a)
    # No visit yet; started Thursday 20 March: 21, 24-28, 31 = 7 wd: first visit not yet due.
    cp_plan(case3, new_plan, D(2025, 3, 20))
    case4, workbook_visit = child_on_case(a)
    cp_plan(case4, workbook_visit, plan_start, last_visit_date=VISIT_11WD)
    visit(cycle(case4, 1, plan_start), workbook_visit, D(2025, 3, 24))  # later visit: on time
    case5, unseen = child_on_case(a)
    cp_plan(case5, unseen, plan_start, last_visit_date=VISIT_11WD)
    open_cycle = cycle(case5, 1, plan_start)
    visit(open_cycle, unseen, D(2025, 3, 25), entry_status=EntryStatus.DRAFT)  # draft: ignored
    visit(open_cycle, unseen, D(2025, 3, 26), child_seen=False)  # child not seen: ignored
    case6, future_visit = child_on_case(a)
    cp_plan(case6, future_visit, plan_start, last_visit_date=VISIT_11WD)
    visit(cycle(case6, 1, plan_start), future_visit, D(2025, 4, 2))  # after period end: ignored
    case7, ended = child_on_case(a)
    cp_plan(case7, ended, plan_start, D(2025, 3, 31), last_visit_date=VISIT_10WD)  # not on plan
    case8, first_day_no_visit = child_on_case(a)
    # Started Saturday 1 March, never visited: 3-7, 10-14, 17-21, 24-28, 31 = 21 wd: late.
    cp_plan(case8, first_day_no_visit, D(2025, 3, 1))
    other_case, other_child = child_on_case(teams.b)
    cp_plan(other_case, other_child, plan_start, last_visit_date=D(2025, 3, 28))  # 1 wd
    assert_result(
        calculate("cp_visits_on_time", MARCH_START, MARCH_END, teams.scope(scope)), expected
    )


@override_settings(CP_VISIT_INTERVAL_WORKING_DAYS=10)
def test_cp_visits_a_visit_before_the_plan_does_not_make_a_new_plan_late(teams: Teams) -> None:
    on_case, person = child_on_case(teams.a)
    status(on_case, person, StatusKind.CIN_PLAN, D(2025, 1, 6), D(2025, 3, 24))
    visit(cycle(on_case, 1, D(2025, 1, 6)), person, D(2025, 3, 10))  # a CIN visit, 15 wd before
    cp_plan(on_case, person, D(2025, 3, 24))  # stepped up Monday 24 March: 25-28, 31 = 5 wd
    # 1 child on a plan; its first visit is due 7 April: on time -> 1 * 100 / 1 = 100.0
    assert_result(
        calculate("cp_visits_on_time", MARCH_START, MARCH_END, teams.a.pk), ("1", "1", "100.0")
    )


# --- cp_reviews_on_time -----------------------------------------------------------------------


def review(plan: ChildStatus, held: dt.date, due: dt.date) -> ReviewConference:
    return ReviewConference.objects.create(
        status=plan, held_on=held, due_by=due, recorded_by=UserFactory.create()
    )


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        # team A: reviews held in March = 1 Mar (due that day), 14 Mar (due April), 31 Mar
        # (a day late) = 3; on time = 2 -> 2 * 100 / 3 = 66.7
        ("team", ("2", "3", "66.7")),
        # whole service: team B adds one late: 2 * 100 / 4 = 50.0
        ("service", ("2", "4", "50.0")),
        ("empty", EMPTY_RATIO),
    ],
)
def test_cp_reviews_on_time(teams: Teams, scope: str, expected: Expected) -> None:
    a = teams.a
    case1, first = child_on_case(a)
    plan1 = cp_plan(case1, first, D(2024, 12, 1))
    review(plan1, D(2025, 3, 1), D(2025, 3, 1))  # held on the day it was due: on time
    case2, second = child_on_case(a)
    plan2 = cp_plan(case2, second, D(2024, 9, 2))
    review(plan2, D(2024, 12, 2), D(2024, 12, 2))  # December: excluded
    review(plan2, D(2025, 3, 14), D(2025, 6, 2))  # early: on time
    case3, third = child_on_case(a)
    plan3 = cp_plan(case3, third, D(2024, 12, 30), D(2025, 4, 30))
    review(plan3, D(2025, 3, 31), D(2025, 3, 30))  # a day late
    review(plan3, D(2025, 2, 28), D(2025, 2, 28))  # February: excluded
    case4, fourth = child_on_case(a)
    plan4 = cp_plan(case4, fourth, D(2025, 1, 1))
    review(plan4, D(2025, 4, 1), D(2025, 4, 1))  # April: excluded
    other_case, other_child = child_on_case(teams.b)
    other_plan = cp_plan(other_case, other_child, D(2024, 12, 5))
    review(other_plan, D(2025, 3, 10), D(2025, 3, 5))  # team B, late
    assert_result(
        calculate("cp_reviews_on_time", MARCH_START, MARCH_END, teams.scope(scope)), expected
    )


# --- gcs_on_time ------------------------------------------------------------------------------


@override_settings(SUPERVISION_INTERVAL_WEEKS=4)  # the default, stated so the dates below hold
@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        # team A: open at 31 March = 7 (closed 31 March and referred in April are not);
        # on time (on or after 31 March - 28 days = 3 March) = supervised 3 Mar, referred
        # 10 Mar, supervised 25 Mar = 3 -> 3 * 100 / 7 = 42.857... -> 42.9
        ("team", ("3", "7", "42.9")),
        # whole service: team B adds 1 on time: 4 * 100 / 8 = 50.0
        ("service", ("4", "8", "50.0")),
        ("empty", EMPTY_RATIO),
    ],
)
def test_gcs_on_time(teams: Teams, scope: str, expected: Expected) -> None:
    a = teams.a
    supervision(case(a), D(2025, 3, 3))  # 28 days before 31 March: on time
    supervision(case(a), D(2025, 3, 2))  # 29 days: late
    not_signed_off = case(a)
    supervision(not_signed_off, D(2025, 2, 10))
    supervision(not_signed_off, D(2025, 3, 20), signed_off=False)  # only scheduled: late
    case(a, D(2025, 3, 10))  # referred 21 days ago, none yet: on time
    case(a, D(2025, 3, 2))  # referred 29 days ago, none yet: late
    future_one = case(a)
    supervision(future_one, D(2025, 2, 1))
    supervision(future_one, D(2025, 4, 2))  # after period end: ignored, so late
    closed_last_day = case(a, closed=D(2025, 3, 31))
    supervision(closed_last_day, D(2025, 3, 20))  # closed 31 March: not open, excluded
    closed_later = case(a, closed=D(2025, 4, 10))
    supervision(closed_later, D(2025, 3, 25))  # open at 31 March: on time
    case(a, D(2025, 4, 1))  # not yet referred at 31 March: excluded
    supervision(case(teams.b), D(2025, 3, 17))  # team B: on time
    assert_result(calculate("gcs_on_time", MARCH_START, MARCH_END, teams.scope(scope)), expected)


# --- workbook_current -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        # team A: allocated at 31 March = social worker, DA specialist, family practitioner,
        # mental health specialist, substance use specialist = 5; with a submitted/authorised
        # intervention summary in the cycle open at 31 March = 2 -> 2 * 100 / 5 = 40.0
        ("team", ("2", "5", "40.0")),
        # whole service: team B adds 1 of 1: 3 * 100 / 6 = 50.0
        ("service", ("3", "6", "50.0")),
        ("empty", EMPTY_RATIO),
    ],
)
def test_workbook_current(teams: Teams, scope: str, expected: Expected) -> None:
    on_case = case(teams.a, D(2025, 1, 6))
    earlier = cycle(on_case, 1, D(2025, 1, 6), D(2025, 2, 20))
    # Open at 31 March (closes 3 April): the cycle that counts.
    current = cycle(on_case, 2, D(2025, 2, 20), D(2025, 4, 3))
    submitted, authorised, draft, old, wrong_form, left, joined_later = (
        UserFactory.create() for _ in range(7)
    )
    allocate(on_case, submitted, "social_work", D(2025, 1, 6))
    entry(current, submitted, "intervention-summary")  # counts
    allocate(on_case, authorised, "domestic_abuse", D(2025, 1, 6))
    entry(current, authorised, "intervention-summary", EntryStatus.AUTHORISED)  # counts
    allocate(on_case, draft, "family_support", D(2025, 1, 6))
    entry(current, draft, "intervention-summary", EntryStatus.DRAFT)  # draft: no
    allocate(on_case, old, "mental_health", D(2025, 1, 6))
    entry(earlier, old, "intervention-summary")  # closed earlier cycle: no
    allocate(on_case, wrong_form, "substance_use", D(2025, 1, 6))
    entry(current, wrong_form, "case-note")  # not an intervention summary: no
    allocate(on_case, left, "social_work", D(2025, 1, 6), D(2025, 3, 14))  # not allocated
    entry(current, left, "intervention-summary")
    allocate(on_case, joined_later, "social_work", D(2025, 4, 1))  # not yet allocated
    cycle(on_case, 3, D(2025, 4, 3))  # opens after period end: irrelevant
    other_case = case(teams.b, D(2025, 1, 6))
    other_worker = UserFactory.create()
    allocate(other_case, other_worker, "social_work", D(2025, 1, 6))
    entry(cycle(other_case, 1, D(2025, 3, 3)), other_worker, "intervention-summary")  # team B
    assert_result(
        calculate("workbook_current", MARCH_START, MARCH_END, teams.scope(scope)), expected
    )


ALLOCATION_END_REASON = (
    "Bug: kpis/registry.py {kpi} (a.end_date IS NULL OR a.end_date >= %(end)s) keeps allocations "
    "that ended on the period end, "
    "so a worker whose allocation ended on the month's last day (e.g. a transfer on 31 March, "
    "cases/services/families.py case_transfer ends the old workers' allocations that day) still "
    "counts at period end, unlike statuses (ACTIVE_AT_END: end_date > end) and cases "
    "(closed_date > end)"
)


def test_workbook_current_ignores_an_allocation_that_ended_on_the_last_day(teams: Teams) -> None:
    on_case = case(teams.a, D(2025, 1, 6))
    current = cycle(on_case, 1, D(2025, 3, 3))
    staying, leaving = UserFactory.create(), UserFactory.create()
    allocate(on_case, staying, start=D(2025, 1, 6))
    entry(current, staying, "intervention-summary")
    allocate(on_case, leaving, start=D(2025, 1, 6), end=D(2025, 3, 31))  # ceased 31 March
    # allocated at 31 March: 1, with a summary: 1 -> 1 * 100 / 1 = 100.0
    assert_result(
        calculate("workbook_current", MARCH_START, MARCH_END, teams.a.pk), ("1", "1", "100.0")
    )


# --- da_repeat_notifications ------------------------------------------------------------------

UTC = dt.UTC


def notified(on_case: Case, received: dt.datetime) -> PartnerNotification:
    client = _police_client()
    return PartnerNotification.objects.create(
        client=client,
        organisation_id=client.organisation_id,
        reference=f"REF-{PartnerNotification.objects.count() + 1}",
        incident_at=received,
        received_at=received,
        dash_risk_level=DashRisk.MEDIUM,
        children_present=True,
        summary="Synthetic incident summary.",
        status=NotificationStatus.MATCHED,
        family_id=on_case.family_id,
        case=on_case,
        match_basis=MatchBasis.NHS_NUMBER,
    )


def _police_client() -> PartnerClient:
    existing = PartnerClient.objects.first()
    return existing if existing is not None else partner_client()[0]


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        # team A: F1 (exactly 12 months after its last) + F3 (second in the month) + F4 (31 March
        # 23:30 in London) + F6 (1 March 00:10) = 4
        ("team", ("4", None, "4")),
        # whole service: team A's 4 + F7 in team B = 5
        ("service", ("5", None, "5")),
        ("empty", EMPTY_COUNT),
    ],
)
def test_da_repeat_notifications(teams: Teams, scope: str, expected: Expected) -> None:
    a = teams.a
    f1, f2, f3, f4, f5, f6 = (case(a) for _ in range(6))
    # F1: the previous notification exactly 12 months before -> a repeat
    notified(f1, dt.datetime(2024, 3, 10, 10, 0, tzinfo=UTC))
    notified(f1, dt.datetime(2025, 3, 10, 10, 0, tzinfo=UTC))
    # F2: 12 months and a day before -> not a repeat
    notified(f2, dt.datetime(2024, 3, 9, 10, 0, tzinfo=UTC))
    notified(f2, dt.datetime(2025, 3, 10, 10, 0, tzinfo=UTC))
    # F3: two in March: the first has nothing before it, the second repeats the first -> 1
    notified(f3, dt.datetime(2025, 3, 3, 9, 0, tzinfo=UTC))
    notified(f3, dt.datetime(2025, 3, 20, 9, 0, tzinfo=UTC))
    # F4: 31 March 23:30 BST is 22:30 UTC: still March in London -> a repeat
    notified(f4, dt.datetime(2025, 1, 15, 9, 0, tzinfo=UTC))
    notified(f4, dt.datetime(2025, 3, 31, 22, 30, tzinfo=UTC))
    # F5: 1 April 00:30 BST is 31 March 23:30 UTC: April in London -> not in the month
    notified(f5, dt.datetime(2025, 1, 15, 9, 0, tzinfo=UTC))
    notified(f5, dt.datetime(2025, 3, 31, 23, 30, tzinfo=UTC))
    # F6: 1 March 00:10 GMT, the month's first minutes -> a repeat of February's
    notified(f6, dt.datetime(2025, 2, 1, 9, 0, tzinfo=UTC))
    notified(f6, dt.datetime(2025, 3, 1, 0, 10, tzinfo=UTC))
    # Waiting for triage: belongs to no family, counts nowhere.
    client = _police_client()
    PartnerNotification.objects.create(
        client=client,
        organisation_id=client.organisation_id,
        reference="TRIAGE-1",
        incident_at=dt.datetime(2025, 3, 12, 9, 0, tzinfo=UTC),
        received_at=dt.datetime(2025, 3, 12, 9, 0, tzinfo=UTC),
        dash_risk_level=DashRisk.HIGH,
        children_present=False,
        summary="Synthetic.",
        status=NotificationStatus.AWAITING_TRIAGE,
    )
    f7 = case(teams.b)
    notified(f7, dt.datetime(2024, 12, 1, 9, 0, tzinfo=UTC))
    notified(f7, dt.datetime(2025, 3, 15, 9, 0, tzinfo=UTC))
    assert_result(
        calculate("da_repeat_notifications", MARCH_START, MARCH_END, teams.scope(scope)),
        expected,
    )


# --- caseload_per_worker ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        # team A: social workers allocated at 31 March = sw1 (A1, A2, A3) and sw2 (A1, A4)
        # -> 5 families-worker pairs / 2 workers = 2.50
        ("team", ("5", "2", "2.50")),
        # team B: sw4 (B1) and sw1 (B2) -> 2 / 2 = 1.00; whole service: 7 pairs / 3 workers
        # (sw1, sw2, sw4) = 2.333... -> 2.33
        ("service", ("7", "3", "2.33")),
        ("empty", EMPTY_RATIO),
    ],
)
def test_caseload_per_worker(teams: Teams, scope: str, expected: Expected) -> None:
    a = teams.a
    sw1, sw2, sw3, sw4, practitioner = (UserFactory.create() for _ in range(5))
    a1, a2, a3 = case(a), case(a), case(a)
    a4 = case(a, closed=D(2025, 4, 15))  # closed after period end: open at 31 March
    a5 = case(a, closed=D(2025, 3, 20))  # closed in March
    a6, a7 = case(a), case(a)
    for each in (a1, a2, a3):
        allocate(each, sw1)
    allocate(a1, sw2)
    allocate(a4, sw2, end=D(2025, 4, 15))
    allocate(a5, sw3, end=D(2025, 3, 20))  # ended with the case: sw3 has no caseload
    allocate(a1, practitioner, "family_support")  # not a social worker
    allocate(a6, sw1, start=D(2025, 4, 2))  # starts after period end
    allocate(a7, sw2, end=D(2025, 3, 28))  # ended before period end
    b1, b2 = case(teams.b), case(teams.b)
    allocate(b1, sw4)
    allocate(b2, sw1)
    assert_result(
        calculate("caseload_per_worker", MARCH_START, MARCH_END, teams.scope(scope)), expected
    )


def test_caseload_per_worker_for_team_b_alone(teams: Teams) -> None:
    sw1, sw4 = UserFactory.create(), UserFactory.create()
    allocate(case(teams.a), sw1)
    allocate(case(teams.b), sw4)
    allocate(case(teams.b), sw1)
    # team B: (B1, sw4), (B2, sw1) = 2 pairs / 2 workers = 1.00
    assert_result(
        calculate("caseload_per_worker", MARCH_START, MARCH_END, teams.b.pk), ("2", "2", "1.00")
    )


def test_caseload_per_worker_ignores_an_allocation_that_ended_on_the_last_day(
    teams: Teams,
) -> None:
    staying, leaving = UserFactory.create(), UserFactory.create()
    first, second = case(teams.a), case(teams.a)
    allocate(first, staying)
    allocate(second, staying)
    allocate(first, leaving, end=D(2025, 3, 31))  # handed over on 31 March
    # at 31 March: (first, staying), (second, staying) = 2 pairs / 1 worker = 2.00
    assert_result(
        calculate("caseload_per_worker", MARCH_START, MARCH_END, teams.a.pk), ("2", "1", "2.00")
    )


# --- every unit's empty scope, in one place -----------------------------------------------------


@override_settings(CHILD_POPULATION=10_000)
@pytest.mark.parametrize("kpi", CATALOGUE, ids=lambda kpi: kpi.code)
def test_an_empty_team_has_no_value_rather_than_a_division_error(teams: Teams, kpi: Kpi) -> None:
    expected = {
        Unit.COUNT: EMPTY_COUNT,
        Unit.RATE: EMPTY_RATE,
        Unit.PERCENT: EMPTY_RATIO,
        Unit.MEAN: EMPTY_RATIO,
    }[kpi.unit]
    # Rows elsewhere in the service, none in the empty team.
    on_case, person = child_on_case(teams.a)
    cp_plan(on_case, person, D(2025, 1, 6), last_visit_date=D(2025, 3, 20))
    allocate(on_case, UserFactory.create())
    assert_result(calculate(kpi.code, MARCH_START, MARCH_END, teams.empty.pk), expected)


# --- fs_working_days (SQL) agrees with the Python calendar --------------------------------------


def _random_pairs() -> list[tuple[dt.date, dt.date]]:
    rng = random.Random(20250301)
    first, days = D(2024, 1, 1), (D(2027, 12, 31) - D(2024, 1, 1)).days
    pairs = []
    for n in range(200):
        start = first + dt.timedelta(days=rng.randrange(days + 1))
        if n % 2:  # anywhere in 2024-2027, either way round
            end = first + dt.timedelta(days=rng.randrange(days + 1))
        else:  # a few weeks either side, often crossing a weekend or a bank holiday
            end = start + dt.timedelta(days=rng.randint(-70, 70))
        pairs.append((start, min(max(end, first), D(2027, 12, 31))))
    # Fixed edges: the same day, weekend to weekend, bank holiday endpoints, 2026's substitute day.
    pairs += [
        (D(2025, 3, 31), D(2025, 3, 31)),
        (D(2025, 3, 1), D(2025, 3, 2)),
        (D(2024, 12, 24), D(2024, 12, 27)),
        (D(2025, 4, 18), D(2025, 4, 21)),
        (D(2026, 12, 24), D(2026, 12, 29)),
        (D(2027, 12, 29), D(2027, 12, 24)),
    ]
    return pairs


def test_fs_working_days_agrees_with_working_days_between() -> None:
    disagreements = []
    with connection.cursor() as cursor:
        for start, end in _random_pairs():
            years = range(min(start, end).year, max(start, end).year + 1)
            holidays = sorted(day for year in years for day in bank_holidays(year))
            cursor.execute("SELECT fs_working_days(%s, %s, %s::date[])", [start, end, holidays])
            (in_sql,) = cursor.fetchone()
            in_python = working_days_between(start, end)
            if in_sql != in_python:
                disagreements.append((start, end, in_sql, in_python))
    assert disagreements == []


@pytest.mark.parametrize(
    "zone", ["UTC", "Europe/London", "Pacific/Kiritimati", "America/Los_Angeles"]
)
def test_fs_working_days_does_not_depend_on_the_session_time_zone(zone: str) -> None:
    # Across both 2025 clock changes (30 March, 26 October) and Christmas.
    pairs = [
        (D(2025, 3, 28), D(2025, 4, 2)),
        (D(2025, 10, 24), D(2025, 10, 29)),
        (D(2025, 12, 19), D(2026, 1, 5)),
    ]
    holidays = sorted([*bank_holidays(2025), *bank_holidays(2026)])
    with connection.cursor() as cursor:
        # Local to the test's transaction, which is rolled back afterwards.
        cursor.execute("SELECT set_config('TimeZone', %s, true)", [zone])
        results = []
        for start, end in pairs:
            cursor.execute("SELECT fs_working_days(%s, %s, %s::date[])", [start, end, holidays])
            results.append(cursor.fetchone()[0])
    # 31 Mar, 1, 2 Apr = 3; 27, 28, 29 Oct = 3; 22, 23, 24, 29, 30, 31 Dec, 2, 5 Jan = 8
    assert results == [3, 3, 8]
