"""Query budgets for the KPI pages (STYLE.md §13): the dashboard and a KPI's page run the same
number of queries with 2 months of snapshot history as with 24, for every KPI, and stay under a
ceiling. Each test measures the small history, grows it, and measures again."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kpis.models import KpiRun, KpiSnapshot, KpiTarget, RunStatus
from kpis.registry import CATALOGUE, DRILL_DOWN
from kpis.services import month_end
from teams.models import Team, User
from teams.roles import Role, ServiceRole
from tests.factories import MembershipFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

# A KPI page needing this many queries has grown a per-month or per-team query.
CEILING = 25


def _add_history(months: range, teams: list[Team]) -> None:
    """Snapshots for every KPI, the whole service and each team, ``months`` months ago."""
    this_month = timezone.localdate().replace(day=1)
    rows = []
    for ago in months:
        month = this_month - relativedelta(months=ago)
        for kpi in CATALOGUE:
            for team in [None, *teams]:
                numerator = Decimal(7 + ago + (team.pk % 5 if team else 0))
                rows.append(
                    KpiSnapshot(
                        kpi_code=kpi.code,
                        team=team,
                        period_start=month,
                        period_end=month_end(month),
                        numerator=numerator,
                        denominator=Decimal(40),
                        value=numerator,
                    )
                )
    KpiSnapshot.objects.bulk_create(rows)


@pytest.fixture
def teams(db: None) -> list[Team]:
    return TeamFactory.create_batch(3)


@pytest.fixture
def manager(teams: list[Team]) -> User:
    return MembershipFactory.create(team=teams[0], role=Role.TEAM_MANAGER).user


@pytest.fixture
def analyst(db: None) -> User:
    return UserFactory.create(service_role=ServiceRole.PERFORMANCE_ANALYST)


@pytest.fixture(autouse=True)
def targets_and_a_run(db: None) -> None:
    """A target of each kind (a value, and a reduction from a baseline year) and a finished
    run, so every part of the pages is drawn."""
    last_year = timezone.localdate().year - 1
    KpiTarget.objects.create(kpi_code="cp_rate", value=Decimal("45"))
    KpiTarget.objects.create(
        kpi_code="care_entries",
        baseline_year=last_year,
        reduction_from_baseline=Decimal("40"),
    )
    KpiTarget.objects.create(kpi_code="cp_visits_on_time", value=Decimal("90"))
    now = timezone.now()
    KpiRun.objects.create(
        first_month=dt.date(last_year, 1, 1),
        last_month=timezone.localdate().replace(day=1),
        status=RunStatus.DONE,
        steps_done=4,
        steps_total=4,
        started_at=now,
        finished_at=now,
    )


def _count(user: User, url: str) -> int:
    client = Client()
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.parametrize("who", ["analyst", "manager"])
def test_the_dashboard_runs_the_same_queries_for_2_and_24_months(
    teams: list[Team], analyst: User, manager: User, who: str
) -> None:
    user = analyst if who == "analyst" else manager
    url = reverse("kpis:board")
    _add_history(range(2), teams)
    small = _count(user, url)

    _add_history(range(2, 24), teams)
    large = _count(user, url)

    assert KpiSnapshot.objects.filter(team__isnull=True).count() == 24 * len(CATALOGUE)
    assert large == small
    assert small < CEILING


@pytest.mark.parametrize("code", [kpi.code for kpi in CATALOGUE])
def test_a_kpi_page_runs_the_same_queries_for_2_and_24_months(
    teams: list[Team], analyst: User, manager: User, code: str
) -> None:
    """As the analyst, and as a manager (who also gets the drill-down links)."""
    url = reverse("kpis:detail", args=[code])
    _add_history(range(2), teams)
    small = {"analyst": _count(analyst, url), "manager": _count(manager, url)}

    _add_history(range(2, 24), teams)
    large = {"analyst": _count(analyst, url), "manager": _count(manager, url)}

    assert large == small
    assert max(small.values()) < CEILING
    if code in DRILL_DOWN:
        body = Client()
        body.force_login(manager)
        assert reverse("kpis:drill-down", args=[code]) in body.get(url).content.decode()


def test_the_kpi_page_runs_the_same_queries_for_1_and_6_teams(
    teams: list[Team], analyst: User
) -> None:
    """The team breakdown is one query however many teams there are."""
    url = reverse("kpis:detail", args=["cp_rate"])
    _add_history(range(2), teams[:1])
    small = _count(analyst, url)

    more = TeamFactory.create_batch(5)
    KpiSnapshot.objects.all().delete()
    _add_history(range(2), [teams[0], *more])
    large = _count(analyst, url)

    assert large == small
    assert small < CEILING
