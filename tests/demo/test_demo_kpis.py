"""The demo KPIs (``safeguarding.demo.kpis``): targets, and snapshots for every KPI for the 24 months up to
today, loaded twice on top of the demo teams and families, with the same snapshots both times."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.db import transaction
from django.utils import timezone
from pytest_django import DjangoDbBlocker

from kpis.models import KpiRun, KpiSnapshot, KpiTarget, RunStatus
from kpis.registry import CATALOGUE
from kpis.selectors import dashboard
from kpis.services import month_start
from safeguarding.demo.families import load_demo_families
from safeguarding.demo.kpis import TREND_MONTHS, demo_targets, load_demo_kpis
from safeguarding.demo.teams import load_demo_teams
from teams.models import Team

pytestmark = pytest.mark.django_db

Row = tuple[int, str, int | None, str]


@dataclass(frozen=True)
class Loaded:
    first_run: int
    second_run: int
    rows_after_first_run: set[Row]
    rows_after_second_run: set[Row]
    targets_after_first_run: int
    run_ids: list[int]


def _rows() -> set[Row]:
    return {
        (pk, code, team_id, f"{start:%Y-%m}")
        for pk, code, team_id, start in KpiSnapshot.objects.values_list(
            "pk", "kpi_code", "team_id", "period_start"
        )
    }


def _months() -> list[str]:
    last = month_start(timezone.localdate())
    return [f"{last - relativedelta(months=n):%Y-%m}" for n in reversed(range(TREND_MONTHS))]


@pytest.fixture(scope="module")
def loaded(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[Loaded]:
    """The demo teams and families, then the demo KPIs twice, once for the whole module and
    rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        # A transactional test's flush empties the seeded reference data; the data
        # migrations' own rerunnable seeds put it back.
        importlib.import_module("cases.migrations.0002_seed_reference_codes").seed(apps, None)
        load_demo_teams()
        load_demo_families()
        KpiSnapshot.objects.all().delete()
        earlier_runs = list(KpiRun.objects.values_list("pk", flat=True))
        first_run = load_demo_kpis()
        after_first = _rows()
        targets = KpiTarget.objects.count()
        second_run = load_demo_kpis()
        runs = list(KpiRun.objects.exclude(pk__in=earlier_runs).values_list("pk", flat=True))
        yield Loaded(first_run, second_run, after_first, _rows(), targets, runs)
        transaction.set_rollback(True)


def test_every_kpi_has_a_service_wide_snapshot_for_each_of_the_24_months(loaded: Loaded) -> None:
    service_wide = {
        (code, month) for _, code, team, month in loaded.rows_after_first_run if not team
    }
    expected = {(kpi.code, month) for kpi in CATALOGUE for month in _months()}
    assert service_wide == expected


def test_every_active_team_has_snapshots_too(loaded: Loaded) -> None:
    teams = set(Team.objects.filter(is_active=True).values_list("pk", flat=True))
    assert len(teams) == 5
    for team in teams:
        rows = {(code, month) for _, code, t, month in loaded.rows_after_first_run if t == team}
        assert len(rows) == len(CATALOGUE) * TREND_MONTHS, team


def test_the_count_returned_is_the_snapshots_and_the_second_run_changes_none(
    loaded: Loaded,
) -> None:
    assert loaded.first_run == len(CATALOGUE) * TREND_MONTHS * 6  # the service and five teams
    assert loaded.first_run == len(loaded.rows_after_first_run)
    assert loaded.second_run == loaded.first_run
    # Upserted in place: the same rows, not new ones.
    assert loaded.rows_after_second_run == loaded.rows_after_first_run


def test_each_load_is_one_finished_refresh_of_the_24_months(loaded: Loaded) -> None:
    runs = list(KpiRun.objects.filter(pk__in=loaded.run_ids))
    assert len(runs) == 2
    last = month_start(timezone.localdate())
    for run in runs:
        assert run.status == RunStatus.DONE
        assert (run.first_month, run.last_month) == (
            last - relativedelta(months=TREND_MONTHS - 1),
            last,
        )
        assert run.percent == 100


def test_targets_exist_once_each(loaded: Loaded) -> None:
    expected = {target.kpi_code for target in demo_targets(timezone.localdate())}
    assert {
        "care_entries",
        "cp_rate",
        "assessments_45wd",
        "cp_visits_on_time",
        "gcs_on_time",
        "workbook_current",
        "icpc_15wd",
    } <= expected
    assert set(KpiTarget.objects.values_list("kpi_code", flat=True)) == expected
    assert KpiTarget.objects.count() == loaded.targets_after_first_run == len(expected)
    care = KpiTarget.objects.get(kpi_code="care_entries")
    assert care.value is None
    assert care.baseline_year == timezone.localdate().year - 1
    assert care.reduction_from_baseline == 2
    assert KpiTarget.objects.get(kpi_code="assessments_45wd").value == 85


def test_the_dashboard_shows_targets_met_and_missed(loaded: Loaded) -> None:
    tiles, latest_month = dashboard()
    assert latest_month == month_start(timezone.localdate())
    figures = {figure.kpi.code: figure for figure, _ in tiles}
    # The baseline year is one the demo history covers in full: never a target below zero.
    care_target = figures["care_entries"].target
    assert care_target is not None
    assert care_target >= 0
    rags = {figure.rag for figure in figures.values()}
    assert {"green", "red"} <= rags, {code: f.rag for code, f in figures.items()}
