"""KPI refresh tasks, on the ``kpis`` queue (routed by name in settings)."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.utils import timezone

from .models import KpiRun, RunStatus
from .services import (
    kpi_refresh_request,
    kpi_refresh_run,
    kpi_run_fail,
    month_start,
    months,
    refresh_lock,
)

LOCK_RETRY_SECONDS = 30


@shared_task(
    name="kpis.tasks.refresh_kpis", bind=True, soft_time_limit=1800, time_limit=1900, max_retries=60
)
def refresh_kpis(self: Any, run_id: int) -> str:
    """Do one queued refresh. If another refresh holds the lock, try again shortly: two
    refreshes never interleave. Safe to run twice: a finished run is left alone."""
    run = KpiRun.objects.filter(pk=run_id).first()
    if run is None:
        return "gone"
    if run.status in (RunStatus.DONE, RunStatus.FAILED):
        # Finished either way: a run cut short was replaced by a later refresh, so a
        # redelivered message must not bring it back to life.
        return "already finished"
    with refresh_lock() as acquired:
        if not acquired:
            raise self.retry(countdown=LOCK_RETRY_SECONDS)
        try:
            kpi_refresh_run(run)
        except Exception as exc:
            kpi_run_fail(run=run, error=type(exc).__name__)
            raise
    return "done"


@shared_task(name="kpis.tasks.refresh_recent_months", soft_time_limit=60, time_limit=90)
def refresh_recent_months() -> int:
    """Nightly (beat): refresh the current and the previous month."""
    from dateutil.relativedelta import relativedelta

    this_month = month_start(timezone.localdate())
    previous = this_month - relativedelta(months=1)
    run = kpi_refresh_request(actor=None, first_month=previous, last_month=this_month)
    return len(months(run.first_month, run.last_month))
