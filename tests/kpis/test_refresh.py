"""KPI refreshes (DESIGN §8): idempotent, complete, safe to interrupt, never interleaved, and
scheduled nightly.

The data is the demo council (five teams, forty families with two years of history), loaded
through the services. The interruption test starts real Celery worker processes of its own on
this run's Redis database and test database (as ``celery_worker_process`` in tests/conftest.py
does), so it can SIGKILL one in the middle of a refresh.

A step is one KPI (kpis/services.py): its grouped statement computes every month and scope of
the range at once and its snapshots commit together. Before the refresh was set-based a step
was one (month, scope) with every KPI, so ``steps_total`` was months x scopes and a refresh cut
short left whole months; it is now the number of KPIs and a refresh cut short leaves whole KPIs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis
from celery.exceptions import Retry
from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from bench.synthetic import generate
from kpis import services, tasks
from kpis.models import KpiRun, KpiSnapshot, RunStatus
from kpis.registry import CATALOGUE
from kpis.services import (
    REFRESH_LOCK_KEY,
    kpi_refresh_request,
    kpi_refresh_run,
    month_end,
    months,
)
from kpis.tasks import LOCK_RETRY_SECONDS, refresh_kpis, refresh_recent_months
from safeguarding.celery import app
from safeguarding.demo.families import load_demo_families
from safeguarding.demo.teams import load_demo_teams
from teams.models import Team
from tests.factories import TeamFactory

ROOT = Path(__file__).resolve().parent.parent.parent
CELERY_BIN = str(Path(sys.executable).with_name("celery"))
KPI_CODES = frozenset(kpi.code for kpi in CATALOGUE)
BEAT_TASK = "kpis.tasks.refresh_recent_months"

Row = tuple[str, int | None, dt.date, Decimal, Decimal | None, Decimal | None]


def snapshot_rows() -> set[Row]:
    """What a refresh produced, without when and by which run."""
    return set(
        KpiSnapshot.objects.values_list(
            "kpi_code", "team_id", "period_start", "numerator", "denominator", "value"
        )
    )


def this_month() -> dt.date:
    return timezone.localdate().replace(day=1)


def active_scopes() -> list[int | None]:
    """The scopes a refresh writes: the whole service, then each active team."""
    return [None, *Team.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True)]


def load_demo_council() -> None:
    load_demo_teams()
    load_demo_families()


def wait_for(
    condition: Callable[[], bool], *, timeout: float, interval: float = 0.02, what: str
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"Timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


# --- idempotent and complete ---------------------------------------------------------------------


@pytest.mark.django_db
def test_two_refreshes_of_the_same_range_give_identical_snapshots() -> None:
    load_demo_council()
    first, last = this_month() - relativedelta(months=2), this_month()
    kpi_refresh_run(KpiRun.objects.create(first_month=first, last_month=last))
    after_first = snapshot_rows()
    count = KpiSnapshot.objects.count()

    second = kpi_refresh_run(KpiRun.objects.create(first_month=first, last_month=last))

    assert snapshot_rows() == after_first
    assert KpiSnapshot.objects.count() == count == len(after_first)
    # The second refresh upserted every row rather than adding to them.
    assert set(KpiSnapshot.objects.values_list("run_id", flat=True)) == {second.pk}
    # The demo council's figures are not all zero: the comparison means something.
    assert any(numerator > 0 for _, _, _, numerator, _, _ in after_first)


@pytest.mark.django_db
def test_a_refresh_writes_every_kpi_for_every_scope_and_month() -> None:
    load_demo_council()
    retired = Team.objects.order_by("pk").last()
    assert retired is not None
    retired.is_active = False
    retired.save(update_fields=["is_active"])
    first, last = this_month() - relativedelta(months=3), this_month()
    scopes = active_scopes()

    run = kpi_refresh_run(KpiRun.objects.create(first_month=first, last_month=last))

    wanted = {
        (code, team_id, month)
        for code in KPI_CODES
        for team_id in scopes
        for month in months(first, last)
    }
    written = set(KpiSnapshot.objects.values_list("kpi_code", "team_id", "period_start"))
    assert len(scopes) == 1 + 4  # the service and the demo council's 4 active teams
    assert written == wanted
    assert KpiSnapshot.objects.count() == len(wanted) == len(CATALOGUE) * (1 + 4) * 4
    assert not KpiSnapshot.objects.filter(team=retired).exists()
    assert all(
        s.period_end == month_end(s.period_start) for s in KpiSnapshot.objects.only("period_start")
    )
    # One step per KPI, whatever the number of months and scopes.
    assert (run.status, run.steps_done, run.steps_total) == (
        RunStatus.DONE,
        len(CATALOGUE),
        len(CATALOGUE),
    )


# --- interrupted ---------------------------------------------------------------------------------


class Workers:
    """Celery worker processes of this test's own, on this run's broker and test database."""

    def __init__(self) -> None:
        self.started: list[subprocess.Popen[bytes]] = []
        db = connection.settings_dict
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        self.env = dict(os.environ)
        self.env["DJANGO_SETTINGS_MODULE"] = "safeguarding.settings.test"
        self.env["DATABASE_URL"] = (
            f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        )
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        self.log = ROOT / "var" / f"celery-test-kpis-{worker}.log"
        self.log.parent.mkdir(exist_ok=True)

    def start(self) -> subprocess.Popen[bytes]:
        node = f"kpis-{uuid.uuid4().hex[:8]}@{socket.gethostname()}"
        with self.log.open("ab") as log_file:
            process = subprocess.Popen(  # noqa: S603 - the project's own worker
                [
                    CELERY_BIN,
                    "-A",
                    "safeguarding",
                    "worker",
                    "-Q",
                    "default,kpis,pdf",
                    "--pool",
                    "solo",
                    "-n",
                    node,
                    "-l",
                    "INFO",
                    "--without-gossip",
                    "--without-mingle",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        self.started.append(process)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"Celery worker exited early; see {self.log}")
            if app.control.ping(destination=[node], timeout=0.5):
                return process
        process.kill()
        raise RuntimeError(f"Celery worker did not answer a ping within 60 s; see {self.log}")

    @staticmethod
    def kill(process: subprocess.Popen[bytes]) -> None:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=20)

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()


def unacked_refreshes() -> dict[bytes, int]:
    """Refresh messages a worker took but never acknowledged (late acknowledgement): kombu's
    Redis transport keeps them in the ``unacked`` hash until its visibility timeout, then
    gives them to another worker. Delivery tag -> run id."""
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    try:
        entries = broker.hgetall("unacked")
    finally:
        broker.close()
    found: dict[bytes, int] = {}
    for tag, raw in entries.items():
        headers = json.loads(raw)[0].get("headers") or {}
        args = re.fullmatch(r"\((\d+),\)", str(headers.get("argsrepr", "")))
        if headers.get("task") == "kpis.tasks.refresh_kpis" and args:
            found[tag if isinstance(tag, bytes) else tag.encode()] = int(args.group(1))
    return found


@pytest.fixture
def workers(transactional_db: None) -> Iterator[Workers]:
    """Start workers with ``workers.start()``; SIGKILL one with ``workers.kill(process)``.

    At the end, a killed worker's unacknowledged message for one of this test's runs is
    dropped from the broker, so it is not redelivered to some later worker an hour from now.
    Nothing else on the broker is touched."""
    # Another worker on this broker (the session's ``celery_worker_process``, when a test that
    # uses it ran earlier in this session) would take the refresh too: while this test runs,
    # it stops consuming the kpis queue.
    others = [name for reply in app.control.ping(timeout=1.0) for name in reply]
    if others:
        app.control.cancel_consumer("kpis", destination=others, reply=True)
    started = Workers()
    yield started
    started.stop_all()
    if others:
        app.control.add_consumer("kpis", destination=others, reply=True)
    ours = set(KpiRun.objects.values_list("pk", flat=True))
    tags = [tag for tag, run_id in unacked_refreshes().items() if run_id in ours]
    if tags:
        broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
        broker.zrem("unacked_index", *tags)
        broker.hdel("unacked", *tags)
        broker.close()


def refresh_lock_is_free() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT NOT EXISTS (
                   SELECT 1 FROM pg_locks
                   WHERE locktype = 'advisory' AND objsubid = 1 AND classid = 0 AND objid = %s
                     AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))""",
            [REFRESH_LOCK_KEY],
        )
        (free,) = cursor.fetchone()
    return bool(free)


def steps_done(run: KpiRun) -> int:
    run.refresh_from_db(fields=["steps_done"])
    return run.steps_done


def finished(run: KpiRun) -> bool:
    run.refresh_from_db(fields=["status"])
    return run.status in (RunStatus.DONE, RunStatus.FAILED)


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_refresh_killed_midway_leaves_whole_steps_and_the_next_refresh_finishes_the_job(
    workers: Workers,
) -> None:
    load_demo_council()
    assert not KpiSnapshot.objects.exists()
    first, last = this_month() - relativedelta(months=59), this_month()
    pairs = {(month, team_id) for month in months(first, last) for team_id in active_scopes()}
    steps = [kpi.code for kpi in CATALOGUE]
    worker = workers.start()

    run = kpi_refresh_request(actor=None, first_month=first, last_month=last)
    wait_for(lambda: steps_done(run) >= 2, timeout=60, interval=0.01, what="two steps")
    workers.kill(worker)

    run.refresh_from_db()
    assert run.steps_total == len(steps) == len(CATALOGUE)
    assert len(pairs) == 60 * 6
    assert run.status == RunStatus.RUNNING
    assert 2 <= run.steps_done < run.steps_total, "the refresh finished before it was killed"
    pairs_by_step: dict[str, set[tuple[dt.date, int | None]]] = defaultdict(set)
    for code, team_id, month in KpiSnapshot.objects.values_list(
        "kpi_code", "team_id", "period_start"
    ):
        pairs_by_step[code].add((month, team_id))
    # Each step commits a KPI's every month and scope at once; a step cut short left nothing.
    assert all(written == pairs for written in pairs_by_step.values())
    # The finished steps are the first ones, in order; the counter follows each commit.
    assert set(pairs_by_step) == set(steps[: len(pairs_by_step)])
    assert run.steps_done <= len(pairs_by_step) <= run.steps_done + 1
    # Acknowledged late: the broker still holds the task, to hand it on after its timeout.
    assert run.pk in unacked_refreshes().values()

    # PostgreSQL frees the killed worker's session lock once it notices the connection is gone.
    wait_for(refresh_lock_is_free, timeout=30, interval=0.1, what="the refresh lock")
    workers.start()
    rerun = kpi_refresh_request(actor=None, first_month=first, last_month=last)
    wait_for(lambda: finished(rerun), timeout=180, interval=0.2, what="the second refresh")

    rerun.refresh_from_db()
    run.refresh_from_db()
    assert (rerun.status, rerun.error) == (RunStatus.DONE, "")
    assert rerun.steps_done == rerun.steps_total == len(steps)
    assert run.status == RunStatus.FAILED
    assert run.finished_at is not None
    assert run.error
    after_rerun = snapshot_rows()
    assert len(after_rerun) == KpiSnapshot.objects.count() == len(pairs) * len(KPI_CODES)

    kpi_refresh_run(KpiRun.objects.create(first_month=first, last_month=last))

    assert snapshot_rows() == after_rerun


# --- one refresh at a time -----------------------------------------------------------------------


def _separate_connection() -> psycopg.Connection[Any]:
    db = connection.settings_dict
    params = {
        "dbname": db["NAME"],
        "user": db["USER"],
        "password": db["PASSWORD"],
        "host": db["HOST"],
        "port": db["PORT"],
    }
    return psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True)


@pytest.mark.django_db
def test_a_refresh_waits_while_another_holds_the_lock_then_runs() -> None:
    TeamFactory.create()
    run = KpiRun.objects.create(first_month=this_month(), last_month=this_month())
    holder = _separate_connection()
    try:
        holder.execute("SELECT pg_advisory_lock(%s)", [REFRESH_LOCK_KEY])

        with pytest.raises(Retry) as retry:
            refresh_kpis.apply(args=[run.pk], throw=True)

        assert retry.value.when == LOCK_RETRY_SECONDS
        run.refresh_from_db()
        assert (run.status, run.steps_done, run.started_at) == (RunStatus.QUEUED, 0, None)
        assert not KpiSnapshot.objects.exists()
        holder.execute("SELECT pg_advisory_unlock(%s)", [REFRESH_LOCK_KEY])
    finally:
        holder.close()

    result = refresh_kpis.apply(args=[run.pk], throw=True)

    run.refresh_from_db()
    assert result.get() == "done"
    # One step per KPI (module docstring); the service and the one team for each.
    assert (run.status, run.steps_done, run.steps_total) == (
        RunStatus.DONE,
        len(CATALOGUE),
        len(CATALOGUE),
    )
    assert KpiSnapshot.objects.count() == 2 * len(KPI_CODES)
    # The lock is given back: another session can take it straight away.
    other = _separate_connection()
    try:
        (taken,) = other.execute("SELECT pg_try_advisory_lock(%s)", [REFRESH_LOCK_KEY]).fetchone()  # type: ignore[misc]
        assert taken is True
    finally:
        other.close()


@pytest.mark.django_db
def test_a_finished_run_is_left_alone() -> None:
    run = kpi_refresh_run(KpiRun.objects.create(first_month=this_month(), last_month=this_month()))
    computed = set(KpiSnapshot.objects.values_list("pk", "computed_at"))

    result = refresh_kpis.apply(args=[run.pk], throw=True)

    assert result.get() == "already finished"
    assert set(KpiSnapshot.objects.values_list("pk", "computed_at")) == computed


@pytest.mark.django_db
def test_a_refresh_that_stops_on_an_error_shows_as_failed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The progress page says the run failed, naming the error's class and never its data."""
    run = KpiRun.objects.create(first_month=this_month(), last_month=this_month())

    def broken(**kwargs: Any) -> int:
        raise ZeroDivisionError("a figure no one may see")

    monkeypatch.setattr(services, "kpi_snapshots_write", broken)

    with pytest.raises(ZeroDivisionError):
        refresh_kpis.apply(args=[run.pk], throw=True)

    run.refresh_from_db()
    assert (run.status, run.error, run.steps_done) == (RunStatus.FAILED, "ZeroDivisionError", 0)
    assert run.finished_at is not None


# --- nightly -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_nightly_refresh_is_scheduled_every_day() -> None:
    assert MigrationRecorder.Migration.objects.filter(
        app="kpis", name="0003_nightly_refresh_schedule"
    ).exists()
    if not PeriodicTask.objects.filter(task=BEAT_TASK).exists():
        # A transactional test flushed the row the migration wrote: write it again.
        migration = importlib.import_module("kpis.migrations.0003_nightly_refresh_schedule")
        migration.schedule(apps, None)

    periodic = PeriodicTask.objects.select_related("crontab").get(task=BEAT_TASK)

    assert periodic.enabled
    assert periodic.interval_id is None
    assert periodic.crontab is not None
    crontab = periodic.crontab
    assert (crontab.day_of_week, crontab.day_of_month, crontab.month_of_year) == ("*", "*", "*")
    # Once a day, at a set time.
    assert crontab.hour.isdigit()
    assert crontab.minute.isdigit()
    assert str(crontab.timezone) == "Europe/London"
    assert BEAT_TASK in app.tasks
    assert app.amqp.router.route({}, BEAT_TASK)["queue"].name == "kpis"
    assert app.amqp.router.route({}, "kpis.tasks.refresh_kpis")["queue"].name == "kpis"


class _Sent:
    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def apply_async(self, args: tuple[Any, ...] = (), kwargs: Any = None) -> None:
        self.calls.append(args)


@pytest.mark.django_db
def test_the_nightly_task_refreshes_the_previous_and_the_current_month(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    sent = _Sent()  # no worker here: nothing may be left on the broker for a later one
    monkeypatch.setattr(tasks, "refresh_kpis", sent)

    with django_capture_on_commit_callbacks(execute=True):
        assert refresh_recent_months() == 2

    run = KpiRun.objects.get()
    assert run.first_month == this_month() - relativedelta(months=1)
    assert run.last_month == this_month()
    assert run.status == RunStatus.QUEUED
    assert sent.calls == [(run.pk,)]


# --- a KPI without a grouped form ----------------------------------------------------------------


@pytest.mark.django_db
def test_a_kpi_without_a_grouped_form_falls_back_to_its_per_scope_sql(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    generate(families=30, seed=5, out=io.StringIO())
    first, last = this_month() - relativedelta(months=2), this_month()
    kpi_refresh_run(KpiRun.objects.create(first_month=first, last_month=last))
    grouped = snapshot_rows()
    monkeypatch.setattr(
        services, "CATALOGUE", [dataclasses.replace(kpi, grouped_sql="") for kpi in CATALOGUE]
    )

    run = kpi_refresh_run(KpiRun.objects.create(first_month=first, last_month=last))

    assert run.status == RunStatus.DONE
    assert snapshot_rows() == grouped
    assert any(numerator > 0 for _, _, _, numerator, _, _ in grouped)
