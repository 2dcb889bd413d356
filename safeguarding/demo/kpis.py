"""Demo KPI targets and snapshots for the demo council (``safeguarding.demo.families`` and the loaders after it).

The targets are the council's to set in the admin; these are demo versions, scaled to a council
of 40 families so that the dashboard shows a mix of tiles on target, close to target and off
target. Then every KPI is refreshed, synchronously, for the 24 months up to today, the same
months the demo families' history covers and the dashboard's trend shows.

Loading is idempotent: targets are found by KPI code and updated, and the refresh upserts one
snapshot per KPI, scope and month, so a second run leaves the same snapshots (recomputed) and
the same targets. Each run adds one finished ``KpiRun`` to the refresh history.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.utils import timezone

from kpis.models import KpiRun, KpiSnapshot, KpiTarget
from kpis.services import kpi_refresh_run, month_start, refresh_lock

TREND_MONTHS = 24
# A refresh started by a running worker holds the lock for a few seconds at most on demo data.
LOCK_WAIT_SECONDS = 120

# Children on a plan, or looked after, at the end of a month: demo targets as numbers of
# children, turned into rates per 10,000 with the council's CHILD_POPULATION (250,000 by
# default, against which 40 families make rates of about 1 per 10,000).
CP_PLAN_CHILDREN_TARGET = 23
LOOKED_AFTER_CHILDREN_TARGET = 12
# "40 fewer children entering care than in the baseline year" is a whole council's annual
# figure; scaled to the demo's 40 families it is 2 fewer.
CARE_ENTRIES_REDUCTION = 2


@dataclass(frozen=True)
class DemoTarget:
    kpi_code: str
    value: Decimal | None = None
    baseline_year: int | None = None
    reduction_from_baseline: Decimal | None = None
    notes: str = ""

    def defaults(self) -> dict[str, object]:
        return {
            "value": self.value,
            "baseline_year": self.baseline_year,
            "reduction_from_baseline": self.reduction_from_baseline,
            "notes": self.notes,
        }


def _rate(children: int) -> Decimal:
    return (Decimal(children) * 10_000 / Decimal(settings.CHILD_POPULATION)).quantize(
        Decimal("0.01")
    )


def demo_targets(today: dt.date) -> list[DemoTarget]:
    # The baseline is the last whole calendar year: the only one the 24 months of demo history
    # cover in full (the year before it has a month at most, and so a baseline of nothing).
    baseline_year = today.year - 1
    return [
        DemoTarget(
            "care_entries",
            baseline_year=baseline_year,
            reduction_from_baseline=Decimal(CARE_ENTRIES_REDUCTION),
            notes=f"Demo: {CARE_ENTRIES_REDUCTION} fewer than the baseline year, scaled to 40 "
            "families. A real council sets its own figure, for example 40 fewer.",
        ),
        DemoTarget(
            "cp_rate",
            value=_rate(CP_PLAN_CHILDREN_TARGET),
            notes=f"Demo: {CP_PLAN_CHILDREN_TARGET} children on a plan in a population of "
            f"{settings.CHILD_POPULATION:,}. A real council sets a rate, for example 35.0.",
        ),
        DemoTarget(
            "cla_rate",
            value=_rate(LOOKED_AFTER_CHILDREN_TARGET),
            notes=f"Demo: {LOOKED_AFTER_CHILDREN_TARGET} children looked after in a population "
            f"of {settings.CHILD_POPULATION:,}.",
        ),
        DemoTarget("assessments_45wd", value=Decimal(85), notes="Demo target"),
        DemoTarget("icpc_15wd", value=Decimal(90), notes="Demo target"),
        DemoTarget("cp_visits_on_time", value=Decimal(90), notes="Demo target"),
        DemoTarget("gcs_on_time", value=Decimal(90), notes="Demo target"),
        DemoTarget("workbook_current", value=Decimal(80), notes="Demo target"),
    ]


def load_demo_targets(today: dt.date | None = None) -> int:
    """Set the demo targets (updating any already set); returns how many."""
    targets = demo_targets(today or timezone.localdate())
    for target in targets:
        KpiTarget.objects.update_or_create(kpi_code=target.kpi_code, defaults=target.defaults())
    return len(targets)


def refresh_months(first_month: dt.date, last_month: dt.date) -> KpiRun:
    """Refresh every KPI for the months from ``first_month`` to ``last_month``, now, in this
    process, under the same lock as the task, so it never interleaves with a worker's refresh."""
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while True:
        with refresh_lock() as acquired:
            if acquired:
                run = KpiRun.objects.create(
                    first_month=month_start(first_month), last_month=month_start(last_month)
                )
                return kpi_refresh_run(run)
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"Another KPI refresh held the lock for {LOCK_WAIT_SECONDS} s; try again later"
            )
        time.sleep(1)


def load_demo_kpis() -> int:
    """Set the demo targets and refresh every KPI for the 24 months up to today; returns the
    number of snapshots for those months. Needs the demo council loaded first."""
    today = timezone.localdate()
    load_demo_targets(today)
    last = month_start(today)
    first = last - relativedelta(months=TREND_MONTHS - 1)
    refresh_months(first, last)
    return KpiSnapshot.objects.filter(period_start__range=(first, last)).count()
