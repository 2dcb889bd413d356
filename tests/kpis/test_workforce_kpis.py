"""The workforce KPIs (kpis.registry.WORKFORCE_KPIS) against hand-built fixtures, for March
2025 (period end Monday 31 March). Rows are created directly so these tests pin the SQL; each
expected number is worked out in the comment beside it. Checked for team A, the whole service
(A and B) and a team with nobody in it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest

from kpis.registry import BY_CODE, Result
from teams.models import EstablishmentPost, Membership, PlaceStatus, Team, User
from teams.roles import Role
from tests.factories import MembershipFactory, TeamFactory, UserFactory
from tests.kpis.grouped import assert_grouped_agrees_around
from tests.teams.workforce_world import attend, embedding, first_course

pytestmark = pytest.mark.django_db

D = dt.date
START, END = D(2025, 3, 1), D(2025, 3, 31)
LONG_AGO = D(2024, 1, 1)


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


def calculate(code: str, team_id: int | None) -> Result:
    """The reference calculator, after checking that the KPI's grouped form (what the refresh
    writes) agrees with it on this hand-worked world, for every scope and the months around
    (tests/kpis/test_grouped.py)."""
    assert_grouped_agrees_around(BY_CODE[code], START)
    return BY_CODE[code].calculate(period_start=START, period_end=END, team_id=team_id)


def expect(result: Result, numerator: str, denominator: str, value: str | None) -> None:
    assert (result.numerator, result.denominator, result.value) == (
        Decimal(numerator),
        Decimal(denominator),
        None if value is None else Decimal(value),
    )


def post(
    team: Team, role: Role, fte: str, start: dt.date = LONG_AGO, end: dt.date | None = None
) -> None:
    EstablishmentPost.objects.create(
        team=team, role=role, fte=Decimal(fte), start_date=start, end_date=end
    )


def member(
    team: Team, role: Role = Role.SOCIAL_WORKER, fte: str = "1", **extra: object
) -> Membership:
    extra.setdefault("start_date", LONG_AGO)
    return MembershipFactory.create(team=team, role=role, fte=Decimal(fte), **extra)


MH = Role.MENTAL_HEALTH_SPECIALIST


@pytest.fixture
def mental_health(teams: Teams) -> None:
    """Team A plans 1.0 (an older plan of 2.0 ended in 2024); team B plans 1.0 from 31 March.
    A specialist shared 0.5/0.5; A also has 0.5 contingency cover, a 1.0 who left on 30 March
    and a 1.0 who starts on 1 April; B has a 0.4 part-timer."""
    post(teams.a, MH, "2.0", start=D(2023, 1, 1), end=D(2023, 12, 31))
    post(teams.a, MH, "1.0")
    post(teams.b, MH, "1.0", start=END)
    shared = UserFactory.create()
    member(teams.a, MH, "0.5", user=shared)
    member(teams.b, MH, "0.5", user=shared, is_home_team=False)
    member(teams.a, MH, "0.5", is_contingency=True)
    member(teams.a, MH, "1.0", end_date=D(2025, 3, 30))
    member(teams.a, MH, "1.0", start_date=D(2025, 4, 1))
    member(teams.b, MH, "0.4")
    # another discipline's posts never count
    post(teams.a, Role.DOMESTIC_ABUSE_SPECIALIST, "3")
    member(teams.a, Role.DOMESTIC_ABUSE_SPECIALIST, "1")


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        ("team", ("0.50", "1.00", "50.0")),  # 0.5 filled / 1.0 planned
        ("service", ("1.40", "2.00", "70.0")),  # (0.5 + 0.5 + 0.4) / (1.0 + 1.0)
        ("empty", ("0", "0", None)),
    ],
)
def test_mh_posts_filled(
    mental_health: None, teams: Teams, scope: str, expected: tuple[str, str, str | None]
) -> None:
    expect(calculate("mh_posts_filled", teams.scope(scope)), *expected)


def test_da_and_su_posts_filled_count_their_own_discipline(
    mental_health: None, teams: Teams
) -> None:
    expect(calculate("da_posts_filled", teams.a.pk), "1", "3", "33.3")  # 1 of 3
    expect(calculate("su_posts_filled", teams.a.pk), "0", "0", None)  # no posts planned


@pytest.fixture
def first_courses(teams: Teams) -> None:
    """A: u1 attended 10 Feb, u2 on 31 March (the last day), u3 booked but did not attend,
    u4 attends on 2 April, u5 left on 20 March (attended), u6 (shared with B) went to the
    embedding session only. B: u6, and u7 attended in June 2024."""
    u1, u2, u3, u4, u5, u6, u7 = UserFactory.create_batch(7)
    for user in (u1, u2, u3, u4, u6):
        member(teams.a, user=user)
    member(teams.a, user=u5, end_date=D(2025, 3, 20))
    member(teams.b, user=u6, is_home_team=False)
    member(teams.b, user=u7)
    first_course(u1, D(2025, 2, 10))
    first_course(u2, END)
    attend(u3, "mi-first-course", D(2025, 3, 10), PlaceStatus.DID_NOT_ATTEND)
    first_course(u4, D(2025, 4, 2))
    first_course(u5, D(2025, 1, 6))
    embedding(u6, D(2025, 2, 3))
    first_course(u7, D(2024, 6, 1))


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        ("team", ("2", "5", "40.0")),  # u1, u2 of u1-u4 and u6
        ("service", ("3", "6", "50.0")),  # u1, u2, u7 of u1-u4, u6, u7 (u6 once)
        ("empty", ("0", "0", None)),
    ],
)
def test_mi_first_course(
    first_courses: None, teams: Teams, scope: str, expected: tuple[str, str, str | None]
) -> None:
    expect(calculate("mi_first_course", teams.scope(scope)), *expected)


def _embedded(team: Team, first: list[dt.date], embedded: list[dt.date]) -> User:
    user = member(team).user
    for day in first:
        first_course(user, day)
    for day in embedded:
        embedding(user, day)
    return user


@pytest.fixture
def embedding_sessions(teams: Teams) -> None:
    """Windows closing by 31 March: first course on or before 17 February.
    A: e1 first 3 Feb, embedded 17 March (day 42: in time); e2 first 3 Feb, embedded 18 March
    (day 43: late); e3 first 17 Feb (window closes 31 March) not embedded; e4 first 18 Feb
    (window still open: not counted); e5 first 4 Nov 2024, embedded 2 Dec (day 28); e6 first
    2 Sep 2024, embedded 7 Oct, first course again 6 Jan 2025, not embedded since.
    B: e8 first 6 Jan, embedded 3 Feb (day 28)."""
    _embedded(teams.a, [D(2025, 2, 3)], [D(2025, 3, 17)])
    _embedded(teams.a, [D(2025, 2, 3)], [D(2025, 3, 18)])
    _embedded(teams.a, [D(2025, 2, 17)], [])
    _embedded(teams.a, [D(2025, 2, 18)], [])
    _embedded(teams.a, [D(2024, 11, 4)], [D(2024, 12, 2)])
    _embedded(teams.a, [D(2024, 9, 2), D(2025, 1, 6)], [D(2024, 10, 7)])
    _embedded(teams.b, [D(2025, 1, 6)], [D(2025, 2, 3)])


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        ("team", ("2", "5", "40.0")),  # e1, e5 of e1, e2, e3, e5, e6
        ("service", ("3", "6", "50.0")),  # and e8 of 1 in B
        ("empty", ("0", "0", None)),
    ],
)
def test_mi_embedding_6wk(
    embedding_sessions: None, teams: Teams, scope: str, expected: tuple[str, str, str | None]
) -> None:
    expect(calculate("mi_embedding_6wk", teams.scope(scope)), *expected)
