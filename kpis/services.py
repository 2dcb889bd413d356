"""KPI refreshes: compute every KPI for a range of months and every scope, and upsert the
snapshots. A step is one KPI: one grouped statement (``Kpi.grouped``) computes it for every
month of the range and every scope at once, and all its snapshots are upserted in one
transaction. A refresh killed midway leaves whole, correct KPIs behind (every month and scope
of each KPI it finished) and the next refresh simply recomputes everything.

Set-based (ISSUE 10): the old step, one month and one scope with one statement per KPI, ran
24 x 16 x 20 = 7,680 statements for a 24-month refresh, each scanning its tables again; 68 s at
10,000 families. See docs/performance.md for the numbers now."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from safeguarding.db_routers import use_replica
from safeguarding.lib.services import service
from safeguarding.lib.tasks import enqueue_on_commit
from teams.models import Team, User

from .models import KpiRun, KpiSnapshot, RunStatus
from .registry import CATALOGUE, Kpi, Result

logger = logging.getLogger(__name__)

# One advisory lock for all refreshes: two never interleave. A session-level lock is released
# by PostgreSQL when the connection ends, so a killed worker never leaves it held.
REFRESH_LOCK_KEY = 0x4B5049  # "KPI"
MAX_MONTHS = 60
UPSERT_BATCH = 1000
UPSERT_FIELDS = ["period_end", "numerator", "denominator", "value", "computed_at", "run"]


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def months(first: dt.date, last: dt.date) -> list[dt.date]:
    result = []
    month = month_start(first)
    while month <= month_start(last):
        result.append(month)
        month += relativedelta(months=1)
    return result


def month_end(month: dt.date) -> dt.date:
    return month + relativedelta(months=1) - dt.timedelta(days=1)


@service
def kpi_refresh_request(*, actor: User | None, first_month: dt.date, last_month: dt.date) -> KpiRun:
    first, last = month_start(first_month), month_start(last_month)
    if last < first:
        raise ValidationError(
            {"last_month": "The last month must be the same as or after the first"}
        )
    if last > month_start(timezone.localdate()):
        raise ValidationError({"last_month": "The last month cannot be in the future"})
    if len(months(first, last)) > MAX_MONTHS:
        raise ValidationError({"first_month": f"Refresh at most {MAX_MONTHS} months at a time"})
    run = KpiRun.objects.create(requested_by=actor, first_month=first, last_month=last)
    from .tasks import refresh_kpis

    enqueue_on_commit(refresh_kpis, run.pk)
    return run


@contextmanager
def refresh_lock() -> Iterator[bool]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [REFRESH_LOCK_KEY])
        (acquired,) = cursor.fetchone()
    try:
        yield bool(acquired)
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [REFRESH_LOCK_KEY])


def scope_snapshots_write(*, month: dt.date, team: Team | None, run: KpiRun | None) -> int:
    """Compute every KPI for one month and one scope, and upsert them in one transaction."""
    end = month_end(month)
    now = timezone.now()
    rows = []
    for kpi in CATALOGUE:
        # The calculation (the expensive read) may use the replica; the upsert below always
        # goes to the primary. A replica a few seconds behind gives the figure as of then.
        with use_replica():
            result = kpi.calculate(
                period_start=month, period_end=end, team_id=team.pk if team else None
            )
        rows.append(
            KpiSnapshot(
                kpi_code=kpi.code,
                team=team,
                period_start=month,
                period_end=end,
                numerator=result.numerator,
                denominator=result.denominator,
                value=result.value,
                computed_at=now,
                run=run,
            )
        )
    with transaction.atomic():
        _upsert(rows)
    return len(rows)


def _upsert(rows: list[KpiSnapshot]) -> None:
    KpiSnapshot.objects.bulk_create(
        rows,
        batch_size=UPSERT_BATCH,
        update_conflicts=True,
        unique_fields=["kpi_code", "team", "period_start"],
        update_fields=UPSERT_FIELDS,
    )


def _per_scope(
    kpi: Kpi, *, month_list: list[dt.date], team_ids: list[int]
) -> dict[tuple[dt.date, int | None], Result]:
    """The fallback for a KPI without a grouped form: its reference SQL per month and scope."""
    return {
        (month, team_id): kpi.calculate(
            period_start=month, period_end=month_end(month), team_id=team_id
        )
        for month in month_list
        for team_id in [None, *team_ids]
    }


def kpi_snapshots_write(
    *, kpi: Kpi, month_list: list[dt.date], team_ids: list[int], run: KpiRun | None
) -> int:
    """Compute one KPI for every month and scope (the service and ``team_ids``) and upsert the
    snapshots in one transaction."""
    # The calculation (the expensive read) may use the replica; the upsert below always goes
    # to the primary. A replica a few seconds behind gives the figures as of then.
    with use_replica():
        if kpi.grouped_sql:
            results = kpi.grouped(
                first_month=month_list[0], last_month=month_list[-1], team_ids=team_ids
            )
        else:
            results = _per_scope(kpi, month_list=month_list, team_ids=team_ids)
    now = timezone.now()
    rows = [
        KpiSnapshot(
            kpi_code=kpi.code,
            team_id=team_id,
            period_start=month,
            period_end=month_end(month),
            numerator=result.numerator,
            denominator=result.denominator,
            value=result.value,
            computed_at=now,
            run=run,
        )
        for (month, team_id), result in sorted(
            results.items(), key=lambda item: (item[0][0], item[0][1] or 0)
        )
    ]
    with transaction.atomic():
        _upsert(rows)
    return len(rows)


@service
def kpi_run_start(*, run: KpiRun) -> KpiRun:
    """Mark a queued run running. Called while holding the refresh lock, so a run left
    "running" is not running any more (its worker died): it is marked failed, saying so."""
    KpiRun.objects.filter(status=RunStatus.RUNNING).exclude(pk=run.pk).update(
        status=RunStatus.FAILED,
        error="Stopped before it finished; a later refresh replaced it",
        finished_at=timezone.now(),
    )
    run.status = RunStatus.RUNNING
    run.started_at = timezone.now()
    run.steps_total = len(CATALOGUE)
    run.steps_done = 0
    run.error = ""
    run.save(update_fields=["status", "started_at", "steps_total", "steps_done", "error"])
    return run


@service
def kpi_run_step_done(*, run: KpiRun) -> None:
    """One more KPI written: the progress page counts steps."""
    KpiRun.objects.filter(pk=run.pk).update(steps_done=F("steps_done") + 1)


@service
def kpi_run_finish(*, run: KpiRun) -> KpiRun:
    run.refresh_from_db()
    run.status = RunStatus.DONE
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "finished_at"])
    logger.info("KPI run %s finished: %s steps", run.pk, run.steps_total)
    return run


@service
def kpi_run_fail(*, run: KpiRun, error: str) -> None:
    """A run that stopped on an error: its page says it failed (the error is a class name,
    never data)."""
    KpiRun.objects.filter(pk=run.pk).update(
        status=RunStatus.FAILED, error=error[:300], finished_at=timezone.now()
    )


def kpi_refresh_run(run: KpiRun) -> KpiRun:
    """Do a queued run. Called by the task while it holds the refresh lock. Not one
    transaction: each KPI is written in its own (``kpi_snapshots_write``), so a refresh cut
    short keeps the KPIs it finished and the progress page sees each step."""
    run = kpi_run_start(run=run)
    # Read from the primary, like the run itself: the scopes written are the teams active now.
    team_ids = list(Team.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True))
    month_list = months(run.first_month, run.last_month)
    for kpi in CATALOGUE:
        kpi_snapshots_write(kpi=kpi, month_list=month_list, team_ids=team_ids, run=run)
        kpi_run_step_done(run=run)
    return kpi_run_finish(run=run)
