"""The grouped KPI statements (``Kpi.grouped``, what the refresh writes) against the per-scope
reference calculators (``Kpi.calculate``): for every KPI in the catalogue, every month and every
scope, numerator, denominator and value must be exactly the same.

Three kinds of world:

- the hand-worked fixtures of tests/kpis/test_calculators.py and test_workforce_kpis.py: their
  ``calculate`` helper runs this check (``tests.kpis.grouped``) for the KPI under test, every
  scope and the months around the hand-worked one, before the hand-worked assertion;
- the demo council (teams, workforce, families, workbooks, supervisions and police
  notifications, loaded in ``load_demo_council``'s order), 24 months up to today;
- a 50-family synthetic council (``bench.synthetic``, 15 teams), 24 months, with one team made
  inactive so the whole service still counts that team's families while no scope is written
  for it, and some membership, post, allocation, case and status end dates moved to the last
  day of their month (the "at period end" edge).
"""

from __future__ import annotations

import datetime as dt
import importlib
import io
from collections.abc import Iterator
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.db import connection, transaction
from django.utils import timezone
from pytest_django import DjangoDbBlocker

from bench.synthetic import generate
from kpis.registry import CATALOGUE, Kpi
from kpis.services import month_start
from safeguarding.demo.families import load_demo_families
from safeguarding.demo.notifications import load_demo_partner_notifications
from safeguarding.demo.supervisions import load_demo_supervisions
from safeguarding.demo.teams import load_demo_teams
from safeguarding.demo.workbooks import load_demo_workbooks
from safeguarding.demo.workforce import load_demo_workforce
from teams.models import EstablishmentPost, Team
from teams.roles import Role
from tests.kpis.grouped import assert_grouped_agrees

pytestmark = pytest.mark.django_db

MONTHS = 24
SPECIALISTS = [
    Role.MENTAL_HEALTH_SPECIALIST,
    Role.DOMESTIC_ABUSE_SPECIALIST,
    Role.SUBSTANCE_USE_SPECIALIST,
]


def _last_24_months() -> tuple[dt.date, dt.date]:
    last = month_start(timezone.localdate())
    return last - relativedelta(months=MONTHS - 1), last


@pytest.fixture(scope="module")
def demo_council(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[int]:
    """The demo council, loaded once for the module and rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        # A transactional test's flush empties the seeded reference data; the data
        # migration's own rerunnable seed puts it back (as tests/kpis/test_demo_kpis.py does).
        importlib.import_module("cases.migrations.0002_seed_reference_codes").seed(apps, None)
        load_demo_teams()
        load_demo_workforce()
        load_demo_families()
        load_demo_workbooks()
        load_demo_supervisions()
        load_demo_partner_notifications()
        yield Team.objects.filter(is_active=True).count()
        transaction.set_rollback(True)


@pytest.mark.parametrize("kpi", CATALOGUE, ids=lambda kpi: kpi.code)
def test_grouped_equals_the_reference_on_the_demo_council(demo_council: int, kpi: Kpi) -> None:
    first, last = _last_24_months()

    compared = assert_grouped_agrees(kpi, first, last)

    assert compared == MONTHS * (1 + demo_council)


# Period ends are month ends, and "at period end" is where the per-scope and grouped SQL could
# most easily disagree (> or >=). The synthetic council's dates rarely fall on a month's last
# day, so some are moved there: always later, so every constraint still holds.
MONTH_END_EDGES = [
    """UPDATE teams_membership
       SET end_date = (date_trunc('month', greatest(start_date, current_date - 200))
                       + interval '1 month - 1 day')::date
       WHERE end_date IS NULL AND id % 4 = 0""",
    """UPDATE cases_allocation
       SET end_date = (date_trunc('month', end_date) + interval '1 month - 1 day')::date
       WHERE end_date IS NOT NULL AND id % 2 = 0""",
    """UPDATE cases_case
       SET closed_date = (date_trunc('month', closed_date) + interval '1 month - 1 day')::date
       WHERE closed_date IS NOT NULL AND id % 2 = 0""",
    """UPDATE cases_childstatus s
       SET end_date = (date_trunc('month', s.end_date) + interval '1 month - 1 day')::date
       WHERE s.end_date IS NOT NULL AND s.id % 2 = 0
         AND NOT EXISTS (
             SELECT 1 FROM cases_childstatus o
             WHERE o.person_id = s.person_id AND o.id <> s.id AND o.start_date >= s.start_date
               AND o.start_date <= (date_trunc('month', s.end_date) + interval '1 month - 1 day')::date)""",
]


@pytest.fixture(scope="module")
def synthetic_council(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[int]:
    """50 synthetic families in 15 teams, one team then retired and some end dates moved to a
    month's last day; rolled back after the module."""
    with django_db_blocker.unblock(), transaction.atomic():
        generate(families=50, seed=11, out=io.StringIO())
        retired = Team.objects.filter(slug__startswith="synthetic-").order_by("pk").last()
        assert retired is not None
        Team.objects.filter(pk=retired.pk).update(is_active=False)
        # The synthetic council plans no posts: each team gets a specialist establishment that
        # changes on a month's last day.
        changed = month_start(timezone.localdate()) - relativedelta(months=8) - dt.timedelta(days=1)
        for number, team in enumerate(Team.objects.filter(slug__startswith="synthetic-")):
            for role in SPECIALISTS:
                EstablishmentPost.objects.create(
                    team=team,
                    role=role,
                    fte=Decimal("2"),
                    start_date=dt.date(2020, 1, 1),
                    end_date=changed,
                )
                EstablishmentPost.objects.create(
                    team=team, role=role, fte=Decimal(1 + number % 3), start_date=changed
                )
        with connection.cursor() as cursor:
            for sql in MONTH_END_EDGES:
                cursor.execute(sql)
                assert cursor.rowcount > 0, sql
        yield Team.objects.filter(is_active=True).count()
        transaction.set_rollback(True)


@pytest.mark.parametrize("kpi", CATALOGUE, ids=lambda kpi: kpi.code)
def test_grouped_equals_the_reference_on_a_synthetic_council(
    synthetic_council: int, kpi: Kpi
) -> None:
    first, last = _last_24_months()

    compared = assert_grouped_agrees(kpi, first, last)

    assert compared == MONTHS * (1 + synthetic_council)


def test_every_catalogue_kpi_has_a_grouped_form() -> None:
    # The refresh falls back to the per-scope SQL for a KPI without one; none is left.
    assert [kpi.code for kpi in CATALOGUE if not kpi.grouped_sql] == []
