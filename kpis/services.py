"""KPI refreshes: compute every KPI for a range of months and every scope, and upsert the
snapshots. Each step (one month, one scope) commits on its own, so a refresh killed midway
leaves whole, correct months behind and the next refresh simply recomputes everything."""

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
from .registry import CATALOGUE

logger = logging.getLogger(__name__)

# One advisory lock for all refreshes: two never interleave. A session-level lock is released
# by PostgreSQL when the connection ends, so a killed worker never leaves it held.
REFRESH_LOCK_KEY = 0x4B5049  # "KPI"
MAX_MONTHS = 60


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


def snapshot_scope(*, month: dt.date, team: Team | None, run: KpiRun | None) -> int:
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
        KpiSnapshot.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["kpi_code", "team", "period_start"],
            update_fields=["period_end", "numerator", "denominator", "value", "computed_at", "run"],
        )
    return len(rows)


def run_refresh(run: KpiRun) -> KpiRun:
    """Do a queued run. Called by the task while it holds the refresh lock."""
    # A run left "running" with the lock free was cut short (its worker died): say so.
    KpiRun.objects.filter(status=RunStatus.RUNNING).exclude(pk=run.pk).update(
        status=RunStatus.FAILED,
        error="Stopped before it finished; a later refresh replaced it",
        finished_at=timezone.now(),
    )
    scopes: list[Team | None] = [None, *Team.objects.filter(is_active=True).order_by("pk")]
    steps = [(month, team) for month in months(run.first_month, run.last_month) for team in scopes]
    run.status = RunStatus.RUNNING
    run.started_at = timezone.now()
    run.steps_total = len(steps)
    run.steps_done = 0
    run.error = ""
    run.save(update_fields=["status", "started_at", "steps_total", "steps_done", "error"])
    for month, team in steps:
        snapshot_scope(month=month, team=team, run=run)
        KpiRun.objects.filter(pk=run.pk).update(steps_done=F("steps_done") + 1)
    run.refresh_from_db()
    run.status = RunStatus.DONE
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "finished_at"])
    logger.info("KPI run %s finished: %s steps", run.pk, run.steps_total)
    return run
