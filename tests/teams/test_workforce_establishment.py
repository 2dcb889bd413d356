"""Establishment arithmetic (teams.workforce.selectors) against a hand-worked fixture, and the
establishment services.

The fixture, on Friday 14 and Saturday 15 March 2025:

Team A plans 3.0 social workers, 1.0 mental health specialist, 1.5 family practitioners and
1.0 domestic abuse specialist (6.5 FTE). Team B plans 1.0 mental health specialist and 2.0
social workers (3.0 FTE).

- Team A's social workers: 1.0, 0.6 (part-time) and 0.5 whose membership ends on 14 March (its
  last day), plus 0.8 agency cover (contingency).
- A mental health specialist employed by the NHS trust is shared: 0.5 in A (home), 0.5 in B.
- Team A's family practitioners: 0.8 and 0.5 (part-time).
- Team A's domestic abuse specialist: 1.0, seconded from a charity to this post (the
  membership's employer), though the person's own employer is the council.
- Team B has three full-time social workers against 2.0 planned: 1.0 over establishment.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from teams.models import EstablishmentPost, Membership, OrganisationKind, Team, User
from teams.roles import Role
from teams.workforce import services
from teams.workforce.selectors import establishment_for_team, workforce_overview
from tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    ServiceFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

D = dt.date
LAST_DAY, NEXT_DAY = D(2025, 3, 14), D(2025, 3, 15)
PLANNED_FROM = D(2024, 4, 1)


def dec(value: str) -> Decimal:
    return Decimal(value)


@dataclass(frozen=True)
class Fixture:
    a: Team
    b: Team


def member(team: Team, role: Role, fte: str, **extra: object) -> Membership:
    return MembershipFactory.create(team=team, role=role, fte=Decimal(fte), **extra)


@pytest.fixture
def fixture() -> Fixture:
    service = ServiceFactory.create()
    a, b = TeamFactory.create(service=service), TeamFactory.create(service=service)
    for team, role, fte in [
        (a, Role.SOCIAL_WORKER, "3.0"),
        (a, Role.MENTAL_HEALTH_SPECIALIST, "1.0"),
        (a, Role.FAMILY_PRACTITIONER, "1.5"),
        (a, Role.DOMESTIC_ABUSE_SPECIALIST, "1.0"),
        (b, Role.MENTAL_HEALTH_SPECIALIST, "1.0"),
        (b, Role.SOCIAL_WORKER, "2.0"),
    ]:
        EstablishmentPost.objects.create(
            team=team, role=role, fte=dec(fte), start_date=PLANNED_FROM
        )
    member(a, Role.SOCIAL_WORKER, "1.0")
    member(a, Role.SOCIAL_WORKER, "0.6")
    member(a, Role.SOCIAL_WORKER, "0.5", end_date=LAST_DAY)
    member(a, Role.SOCIAL_WORKER, "0.8", is_contingency=True)
    nhs = OrganisationFactory.create(name="Test NHS Trust", kind=OrganisationKind.NHS_TRUST)
    shared = UserFactory.create(employer=nhs)
    member(a, Role.MENTAL_HEALTH_SPECIALIST, "0.5", user=shared)
    member(b, Role.MENTAL_HEALTH_SPECIALIST, "0.5", user=shared, is_home_team=False)
    member(a, Role.FAMILY_PRACTITIONER, "0.8")
    member(a, Role.FAMILY_PRACTITIONER, "0.5")
    charity = OrganisationFactory.create(
        name="Test DA Charity", kind=OrganisationKind.DOMESTIC_ABUSE_CHARITY
    )
    member(a, Role.DOMESTIC_ABUSE_SPECIALIST, "1.0", employer=charity)
    for _ in range(3):
        member(b, Role.SOCIAL_WORKER, "1.0")
    return Fixture(a=a, b=b)


def figures(line: object) -> tuple[Decimal, ...]:
    return tuple(
        getattr(line, name) for name in ("planned", "filled", "vacant", "covered", "uncovered")
    )


def test_team_a_on_the_last_day_of_the_ending_membership(fixture: Fixture) -> None:
    social_workers = establishment_for_team(fixture.a, LAST_DAY).line(Role.SOCIAL_WORKER)

    # filled 1.0 + 0.6 + 0.5 = 2.1; vacant 3.0 - 2.1 = 0.9; cover 0.8 -> 0.1 uncovered
    assert figures(social_workers) == (dec("3.0"), dec("2.1"), dec("0.9"), dec("0.8"), dec("0.1"))


def test_team_a_the_day_after_a_membership_ends(fixture: Fixture) -> None:
    establishment = establishment_for_team(fixture.a, NEXT_DAY)

    # social workers: filled 1.6, vacant 1.4, 0.8 covered, 0.6 uncovered
    assert figures(establishment.line(Role.SOCIAL_WORKER)) == (
        dec("3.0"), dec("1.6"), dec("1.4"), dec("0.8"), dec("0.6"),
    )  # fmt: skip
    # the shared NHS specialist fills half of A's post, and is seconded
    mental_health = establishment.line(Role.MENTAL_HEALTH_SPECIALIST)
    assert figures(mental_health) == (dec("1.0"), dec("0.5"), dec("0.5"), dec("0"), dec("0.5"))
    assert mental_health.seconded == dec("0.5")
    # part-time family practitioners: 0.8 + 0.5 = 1.3 of 1.5
    assert figures(establishment.line(Role.FAMILY_PRACTITIONER))[:3] == (
        dec("1.5"), dec("1.3"), dec("0.2"),
    )  # fmt: skip
    # seconded to the post through the membership's employer, not the person's
    assert establishment.line(Role.DOMESTIC_ABUSE_SPECIALIST).seconded == dec("1.0")
    # totals: planned 6.5; filled 1.6 + 0.5 + 1.3 + 1.0 = 4.4; vacant 1.4 + 0.5 + 0.2 = 2.1;
    # covered 0.8; uncovered 2.1 - 0.8 = 1.3; seconded 0.5 + 1.0 = 1.5
    assert (
        establishment.planned,
        establishment.filled,
        establishment.vacant,
        establishment.covered,
        establishment.uncovered,
        establishment.seconded,
    ) == (dec("6.5"), dec("4.4"), dec("2.1"), dec("0.8"), dec("1.3"), dec("1.5"))


def test_team_b_over_establishment_is_not_a_negative_vacancy(fixture: Fixture) -> None:
    social_workers = establishment_for_team(fixture.b, NEXT_DAY).line(Role.SOCIAL_WORKER)

    assert figures(social_workers) == (dec("2.0"), dec("3.0"), dec("0"), dec("0"), dec("0"))
    assert social_workers.over == dec("1.0")


def test_the_service_adds_up_vacancies_team_by_team(fixture: Fixture) -> None:
    overview = workforce_overview(
        Team.objects.filter(pk__in=[fixture.a.pk, fixture.b.pk]), NEXT_DAY
    )
    total = overview.total

    # mental health across the service: 2.0 planned, 0.5 + 0.5 filled by one shared person
    assert figures(total.line(Role.MENTAL_HEALTH_SPECIALIST)) == (
        dec("2.0"), dec("1.0"), dec("1.0"), dec("0"), dec("1.0"),
    )  # fmt: skip
    # social workers: 5.0 planned, 4.6 filled, but B's extra 1.0 does not fill A's 1.4
    assert figures(total.line(Role.SOCIAL_WORKER)) == (
        dec("5.0"), dec("4.6"), dec("1.4"), dec("0.8"), dec("0.6"),
    )  # fmt: skip
    # A's 2.1 vacant and B's 0.5
    assert total.vacant == dec("2.6")
    assert total.planned == dec("9.5")


def test_changing_the_establishment_keeps_the_old_plan_for_past_dates(fixture: Fixture) -> None:
    actor = UserFactory.create()
    services.establishment_set(
        actor=actor, team=fixture.a, role=Role.MENTAL_HEALTH_SPECIALIST, fte=dec("2.0"),
        start_date=D(2025, 4, 1),
    )  # fmt: skip

    assert establishment_for_team(fixture.a, D(2025, 3, 31)).line(
        Role.MENTAL_HEALTH_SPECIALIST
    ).planned == dec("1.0")
    assert establishment_for_team(fixture.a, D(2025, 4, 1)).line(
        Role.MENTAL_HEALTH_SPECIALIST
    ).planned == dec("2.0")


def test_a_change_dated_before_the_current_plan_is_refused(fixture: Fixture) -> None:
    with pytest.raises(ValidationError) as error:
        services.establishment_set(
            actor=None, team=fixture.a, role=Role.SOCIAL_WORKER, fte=dec("4"),
            start_date=D(2024, 1, 1),
        )  # fmt: skip

    assert "start_date" in error.value.message_dict


def test_a_second_change_on_the_same_day_corrects_it(fixture: Fixture) -> None:
    for fte in ("4", "3.5"):
        services.establishment_set(
            actor=None, team=fixture.a, role=Role.SOCIAL_WORKER, fte=dec(fte),
            start_date=D(2025, 5, 1),
        )  # fmt: skip

    rows = EstablishmentPost.objects.filter(team=fixture.a, role=Role.SOCIAL_WORKER)
    assert sorted((r.start_date, r.end_date, r.fte) for r in rows) == [
        (PLANNED_FROM, D(2025, 4, 30), dec("3.00")),
        (D(2025, 5, 1), None, dec("3.50")),
    ]


def test_membership_fte_must_be_a_share_of_one_post(fixture: Fixture) -> None:
    membership = Membership.objects.filter(team=fixture.a).first()
    assert membership is not None
    with pytest.raises(ValidationError):
        services.membership_post_update(
            actor=None, membership=membership, fte=dec("1.5"), employer=None, is_contingency=False
        )


def test_is_seconded_uses_the_posts_employer() -> None:
    user: User = UserFactory.create()
    charity = OrganisationFactory.create(
        name="Another DA Charity", kind=OrganisationKind.DOMESTIC_ABUSE_CHARITY
    )
    own = MembershipFactory.create(user=user)
    seconded = MembershipFactory.create(user=user, employer=charity)

    assert (own.is_seconded, seconded.is_seconded) == (False, True)
