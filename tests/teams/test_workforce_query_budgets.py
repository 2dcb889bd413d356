"""Query budgets (STYLE.md §13): the team establishment page, the workforce overview and a
training record run the same number of queries with few rows as with many."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from teams.models import EstablishmentPost, Team, User
from teams.roles import Role
from tests.factories import MembershipFactory, TeamFactory

from .workforce_world import attend, first_course

pytestmark = pytest.mark.django_db

CEILING = 30
ROLES = [Role.SOCIAL_WORKER, Role.FAMILY_PRACTITIONER, Role.MENTAL_HEALTH_SPECIALIST]


def _grow(team: Team, count: int) -> None:
    for number in range(count):
        role = ROLES[number % len(ROLES)]
        EstablishmentPost.objects.get_or_create(
            team=team, role=role, end_date=None,
            defaults={"fte": Decimal("3"), "start_date": dt.date(2024, 1, 1)},
        )  # fmt: skip
        member = MembershipFactory.create(team=team, role=role, fte=Decimal("0.5"))
        first_course(member.user, dt.date(2025, 1, 6))


def _measure(client: Client, url: str, grow: Any, assert_max: Any, assert_exact: Any) -> None:
    with assert_max(CEILING) as small:
        assert client.get(url).status_code == 200
    grow()
    with assert_exact(len(small)):
        assert client.get(url).status_code == 200


def test_the_team_establishment_page(
    django_assert_num_queries: Any, django_assert_max_num_queries: Any
) -> None:
    team = TeamFactory.create()
    manager: User = MembershipFactory.create(team=team, role=Role.SERVICE_MANAGER).user
    _grow(team, 2)
    client = Client()
    client.force_login(manager)
    url = reverse("teams:establishment", args=[team.slug])

    _measure(
        client, url, lambda: _grow(team, 12), django_assert_max_num_queries,
        django_assert_num_queries,
    )  # fmt: skip


def test_the_workforce_overview(
    django_assert_num_queries: Any, django_assert_max_num_queries: Any
) -> None:
    team = TeamFactory.create()
    manager: User = MembershipFactory.create(team=team, role=Role.SERVICE_MANAGER).user
    _grow(team, 2)
    client = Client()
    client.force_login(manager)

    def grow() -> None:
        for _ in range(3):
            other = TeamFactory.create(service=team.service)
            MembershipFactory.create(team=other, role=Role.SERVICE_MANAGER, user=manager)
            _grow(other, 4)

    _measure(
        client, reverse("teams:workforce"), grow, django_assert_max_num_queries,
        django_assert_num_queries,
    )  # fmt: skip


def test_the_training_record(
    django_assert_num_queries: Any, django_assert_max_num_queries: Any
) -> None:
    worker: User = MembershipFactory.create().user
    first_course(worker, dt.date(2025, 1, 6))
    client = Client()
    client.force_login(worker)

    def grow() -> None:
        for day in range(1, 15):
            attend(worker, "thresholds" if day % 2 else "workbook", dt.date(2025, 2, day))
        first_course(worker, dt.date(2025, 3, 3))

    _measure(
        client, reverse("teams:training-record", args=[worker.pk]), grow,
        django_assert_max_num_queries, django_assert_num_queries,
    )  # fmt: skip
