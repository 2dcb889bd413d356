"""The read replica router (safeguarding/db_routers.py, docs/scaling.md).

The unit tests pin the router's decisions. The integration test gives the test database a real
"replica": a second database on the same PostgreSQL server, copied from the test database with
pg_dump the way a replica starts from a base backup, then left behind while the primary moves
on (as replication lag would). KPI reads must see the replica's figures, never the primary's,
and every write must still land on the primary.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import subprocess
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from django.contrib.sessions.models import Session
from django.db import DEFAULT_DB_ALIAS, connections, router
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.models import StatusKind
from kpis.models import KpiRun, KpiSnapshot
from kpis.registry import BY_CODE
from kpis.services import month_end, scope_snapshots_write
from safeguarding import devservices
from safeguarding.db_routers import (
    REPLICA_DB_ALIAS,
    ReplicaRouter,
    read_alias,
    reads_from_replica,
    replica_configured,
    use_replica,
)
from teams.models import Team
from teams.roles import ServiceRole
from tests.factories import CaseFactory, ChildStatusFactory, TeamFactory, UserFactory

MONTH = dt.date(2025, 3, 1)


def _add_alias(settings_dict: dict[str, Any]) -> None:
    connections.settings[REPLICA_DB_ALIAS] = settings_dict


def _remove_alias() -> None:
    if REPLICA_DB_ALIAS in connections.settings:
        connections[REPLICA_DB_ALIAS].close()
        with contextlib.suppress(AttributeError):  # never opened in this thread
            del connections[REPLICA_DB_ALIAS]
        del connections.settings[REPLICA_DB_ALIAS]


@pytest.fixture
def replica_alias_declared() -> Iterator[None]:
    """A ``replica`` alias in the settings, never connected to: for the router's decisions."""
    _add_alias({**connections.settings[DEFAULT_DB_ALIAS], "NAME": "never_connected"})
    yield
    _remove_alias()


# --- The router's decisions -------------------------------------------------------------------


def test_without_a_replica_everything_uses_the_primary() -> None:
    assert not replica_configured()
    with use_replica():
        assert read_alias() == DEFAULT_DB_ALIAS
        assert router.db_for_read(KpiSnapshot) == DEFAULT_DB_ALIAS
        assert router.db_for_write(KpiSnapshot) == DEFAULT_DB_ALIAS
    assert router.db_for_read(KpiSnapshot) == DEFAULT_DB_ALIAS


@pytest.mark.usefixtures("replica_alias_declared")
def test_reads_go_to_the_replica_only_inside_use_replica() -> None:
    assert router.db_for_read(KpiSnapshot) == DEFAULT_DB_ALIAS
    assert read_alias() == DEFAULT_DB_ALIAS
    with use_replica():
        assert router.db_for_read(KpiSnapshot) == REPLICA_DB_ALIAS
        assert router.db_for_read(Team) == REPLICA_DB_ALIAS
        assert read_alias() == REPLICA_DB_ALIAS
        with use_replica():
            assert read_alias() == REPLICA_DB_ALIAS
        assert read_alias() == REPLICA_DB_ALIAS
    assert router.db_for_read(KpiSnapshot) == DEFAULT_DB_ALIAS
    assert read_alias() == DEFAULT_DB_ALIAS


@pytest.mark.usefixtures("replica_alias_declared")
def test_the_decorator_reads_from_the_replica_and_restores_afterwards() -> None:
    @reads_from_replica
    def aggregate_page() -> str:
        return router.db_for_read(KpiSnapshot)

    assert aggregate_page() == REPLICA_DB_ALIAS
    assert router.db_for_read(KpiSnapshot) == DEFAULT_DB_ALIAS


@pytest.mark.usefixtures("replica_alias_declared")
def test_writes_always_go_to_the_primary_even_for_an_instance_read_from_the_replica() -> None:
    snapshot = KpiSnapshot(kpi_code="cp_rate", period_start=MONTH, period_end=month_end(MONTH))
    snapshot._state.db = REPLICA_DB_ALIAS
    with use_replica():
        assert router.db_for_write(KpiSnapshot) == DEFAULT_DB_ALIAS
        assert router.db_for_write(KpiSnapshot, instance=snapshot) == DEFAULT_DB_ALIAS
    assert router.db_for_write(KpiSnapshot, instance=snapshot) == DEFAULT_DB_ALIAS


@pytest.mark.usefixtures("replica_alias_declared")
def test_migrations_run_on_the_primary_only_and_relations_span_both() -> None:
    assert router.allow_migrate(REPLICA_DB_ALIAS, "kpis") is False
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "kpis") is True
    team, snapshot = Team(), KpiSnapshot()
    team._state.db, snapshot._state.db = REPLICA_DB_ALIAS, DEFAULT_DB_ALIAS
    assert ReplicaRouter().allow_relation(team, snapshot) is True


# --- A real second database -------------------------------------------------------------------


def _admin_connection(settings_dict: dict[str, Any]) -> psycopg.Connection[Any]:
    return psycopg.connect(
        host=settings_dict["HOST"],
        port=settings_dict["PORT"] or 5432,
        user=settings_dict["USER"],
        password=settings_dict["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )


def _copy_database(source: dict[str, Any], target_name: str) -> None:
    """Copy the test database into a new one, schema and rows, as a replica's base backup.
    pg_dump (not CREATE DATABASE ... TEMPLATE) because other sessions of this test run, a live
    server thread or a Celery worker, may still be connected to the source."""
    env = {**os.environ, "PGPASSWORD": source["PASSWORD"] or ""}
    common = ["-h", source["HOST"], "-p", str(source["PORT"] or 5432), "-U", source["USER"]]
    dump = subprocess.run(  # noqa: S603 - the bundled PostgreSQL tools, fixed arguments
        [str(devservices._pg_bin("pg_dump")), *common, "--no-owner", "--no-acl", source["NAME"]],
        env=env,
        capture_output=True,
        check=True,
        timeout=120,
    )
    restore = subprocess.run(  # noqa: S603 - the bundled PostgreSQL tools, fixed arguments
        [
            str(devservices._pg_bin("psql")),
            *common,
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-d",
            target_name,
        ],
        input=dump.stdout,
        env=env,
        capture_output=True,
        check=False,
        timeout=120,
    )
    assert restore.returncode == 0, restore.stderr.decode()


@pytest.fixture(scope="class")
def replica_database(django_db_setup: None) -> Iterator[str]:
    """A ``replica`` alias for a new, empty database on the same server; the test fills it
    (``_copy_database``) at the moment it chooses. Class-scoped so the alias exists before the
    test's database access is set up (pytest-django checks the aliases a test declares)."""
    primary = connections[DEFAULT_DB_ALIAS].settings_dict
    name = f"{primary['NAME']}_replica"
    with _admin_connection(primary) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    _add_alias({**primary, "NAME": name, "TEST": {**primary["TEST"], "NAME": name}})
    yield name
    _remove_alias()
    with _admin_connection(primary) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _cp_plan(team: Team) -> None:
    ChildStatusFactory.create(
        case=CaseFactory.create(family__owning_team=team),
        kind=StatusKind.CP_PLAN,
        start_date=dt.date(2025, 2, 3),
        cp_initial_category="NEG",
        cp_latest_category="NEG",
    )


@pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, REPLICA_DB_ALIAS])
class TestWithARealReplica:
    def test_kpi_reads_go_to_the_replica_and_writes_never_do(self, replica_database: str) -> None:
        team = TeamFactory.create()
        for _ in range(3):
            _cp_plan(team)
        board = UserFactory.create(service_role=ServiceRole.BOARD_MEMBER)
        # The replica starts as a copy of the primary...
        _copy_database(connections[DEFAULT_DB_ALIAS].settings_dict, replica_database)
        # ...and the primary moves on: two more children on a plan that the replica has not seen.
        for _ in range(2):
            _cp_plan(team)
        cp_rate = BY_CODE["cp_rate"]

        def children_on_a_plan() -> Decimal:
            return cp_rate.calculate(
                period_start=MONTH, period_end=month_end(MONTH), team_id=None
            ).numerator

        assert children_on_a_plan() == 5  # the primary
        with use_replica():
            assert children_on_a_plan() == 3  # the replica

        # A refresh step reads from the replica and writes its snapshots to the primary only.
        scope_snapshots_write(month=MONTH, team=team, run=None)
        written = KpiSnapshot.objects.using(DEFAULT_DB_ALIAS).get(kpi_code="cp_rate", team=team)
        assert written.numerator == 3
        assert not KpiSnapshot.objects.using(REPLICA_DB_ALIAS).exists()

        # Any write inside use_replica() still lands on the primary.
        with use_replica():
            run = KpiRun.objects.create(first_month=MONTH, last_month=MONTH)
        assert KpiRun.objects.using(DEFAULT_DB_ALIAS).filter(pk=run.pk).exists()
        assert not KpiRun.objects.using(REPLICA_DB_ALIAS).filter(pk=run.pk).exists()

        # The board's pages show the replica's figures. Distinct snapshot values on each side:
        # 370 and 520 children per 250,000 are 14.80 and 20.80 per 10,000.
        this_month = timezone.localdate().replace(day=1)
        for alias, numerator in ((DEFAULT_DB_ALIAS, 520), (REPLICA_DB_ALIAS, 370)):
            KpiSnapshot.objects.using(alias).create(
                kpi_code="cp_rate",
                team=None,
                period_start=this_month,
                period_end=month_end(this_month),
                numerator=numerator,
                denominator=250_000,
                value=Decimal(numerator) * 10_000 / 250_000,
                computed_at=timezone.now(),
            )
        client = Client()
        client.force_login(board)
        for page in (reverse("kpis:board"), reverse("kpis:detail", args=["cp_rate"])):
            html = client.get(page).content.decode()
            assert "14.80" in html
            assert "20.80" not in html
        api = client.get("/api/v1/kpis/snapshots/", {"kpi": "cp_rate", "team": "service"}).json()
        assert [row["numerator"] for row in api["results"]] == ["370.00"]
        # The signed-in session was written to the primary only.
        assert Session.objects.using(DEFAULT_DB_ALIAS).exists()
        assert not Session.objects.using(REPLICA_DB_ALIAS).exists()
