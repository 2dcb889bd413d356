"""Reads for KPI pages. Aggregates only: no person-level data except the drill-down, which
goes through the case access policy."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from teams.models import Team

from .models import KpiRun, KpiSnapshot, KpiTarget
from .policies import denominator_hidden, snapshot_hidden
from .registry import CATALOGUE, Kpi, Polarity

TREND_MONTHS = 24


@dataclass(frozen=True)
class Figure:
    """A snapshot made ready to show: small counts hidden, RAG worked out."""

    kpi: Kpi
    snapshot: KpiSnapshot | None
    previous: KpiSnapshot | None
    target: Decimal | None
    amber_margin: Decimal = Decimal("0.1")

    @property
    def hidden(self) -> bool:
        return snapshot_hidden(self.kpi, self.snapshot)

    @property
    def denominator_hidden(self) -> bool:
        return denominator_hidden(self.kpi, self.snapshot)

    @property
    def previous_hidden(self) -> bool:
        return snapshot_hidden(self.kpi, self.previous)

    @property
    def value(self) -> Decimal | None:
        return None if self.snapshot is None else self.snapshot.value

    @property
    def direction(self) -> str:
        if (
            self.snapshot is None
            or self.previous is None
            or self.value is None
            or self.previous.value is None
        ):
            return ""
        if self.value == self.previous.value:
            return "no change"
        return "up" if self.value > self.previous.value else "down"

    @property
    def rag(self) -> str:
        """red / amber / green against the target, by the KPI's polarity."""
        if (
            self.target is None
            or self.value is None
            or self.hidden
            or self.kpi.polarity == Polarity.CONTEXT
        ):
            return ""
        better = (
            self.value <= self.target
            if self.kpi.polarity == Polarity.LOWER
            else self.value >= self.target
        )
        if better:
            return "green"
        margin = abs(self.target) * self.amber_margin
        near = abs(self.value - self.target) <= margin
        return "amber" if near else "red"


def target_for(
    kpi_code: str,
    targets: dict[str, KpiTarget],
    month: dt.date,
    baseline: dict[tuple[str, int, int], Decimal],
) -> Decimal | None:
    target = targets.get(kpi_code)
    if target is None:
        return None
    if target.value is not None:
        return target.value
    # "40 fewer than the baseline year": that year's total, spread evenly over its months.
    assert target.baseline_year is not None
    assert target.reduction_from_baseline is not None
    total = sum(
        (
            v
            for (code, year, _), v in baseline.items()
            if code == kpi_code and year == target.baseline_year
        ),
        Decimal(0),
    )
    return ((total - target.reduction_from_baseline) / 12).quantize(Decimal("0.1"))


def _baseline_totals(targets: dict[str, KpiTarget]) -> dict[tuple[str, int, int], Decimal]:
    wanted = [(t.kpi_code, t.baseline_year) for t in targets.values() if t.baseline_year]
    if not wanted:
        return {}
    rows = KpiSnapshot.objects.filter(
        team__isnull=True, kpi_code__in=[c for c, _ in wanted]
    ).values_list("kpi_code", "period_start", "numerator")
    return {
        (code, start.year, start.month): numerator
        for code, start, numerator in rows
        if (code, start.year) in wanted
    }


def dashboard() -> tuple[list[tuple[Figure, list[KpiSnapshot]]], dt.date | None]:
    """One tile per KPI: latest service-wide figure, the month before, target and trend."""
    since = timezone.localdate().replace(day=1) - relativedelta(months=TREND_MONTHS - 1)
    snapshots = list(
        KpiSnapshot.objects.filter(team__isnull=True, period_start__gte=since).order_by(
            "period_start"
        )
    )
    by_code: dict[str, list[KpiSnapshot]] = {}
    for snapshot in snapshots:
        by_code.setdefault(snapshot.kpi_code, []).append(snapshot)
    targets = {t.kpi_code: t for t in KpiTarget.objects.all()}
    baseline = _baseline_totals(targets)
    tiles = []
    latest_month = max((s.period_start for s in snapshots), default=None)
    for kpi in CATALOGUE:
        series = by_code.get(kpi.code, [])
        latest = series[-1] if series else None
        previous = series[-2] if len(series) > 1 else None
        month = latest.period_start if latest else timezone.localdate()
        tiles.append(
            (Figure(kpi, latest, previous, target_for(kpi.code, targets, month, baseline)), series)
        )
    return tiles, latest_month


@dataclass(frozen=True)
class KpiDetail:
    kpi: Kpi
    series: list[Figure]
    teams: list[tuple[Team, Figure]]
    latest: Figure | None


def kpi_detail(kpi: Kpi) -> KpiDetail:
    since = timezone.localdate().replace(day=1) - relativedelta(months=TREND_MONTHS - 1)
    targets = {t.kpi_code: t for t in KpiTarget.objects.filter(kpi_code=kpi.code)}
    baseline = _baseline_totals(targets)
    service = list(
        KpiSnapshot.objects.filter(
            kpi_code=kpi.code, team__isnull=True, period_start__gte=since
        ).order_by("period_start")
    )
    series = [
        Figure(
            kpi,
            s,
            service[i - 1] if i else None,
            target_for(kpi.code, targets, s.period_start, baseline),
        )
        for i, s in enumerate(service)
    ]
    latest = series[-1] if series else None
    teams: list[tuple[Team, Figure]] = []
    if latest is not None and latest.snapshot is not None:
        for snapshot in (
            KpiSnapshot.objects.filter(
                kpi_code=kpi.code, team__isnull=False, period_start=latest.snapshot.period_start
            )
            .select_related("team")
            .order_by("team__name")
        ):
            assert snapshot.team is not None
            teams.append((snapshot.team, Figure(kpi, snapshot, None, None)))
    return KpiDetail(kpi=kpi, series=series, teams=teams, latest=latest)


def snapshots_for_csv(kpi: Kpi) -> list[KpiSnapshot]:
    return list(
        KpiSnapshot.objects.filter(kpi_code=kpi.code)
        .select_related("team")
        .order_by("period_start", "team__name")
    )


def latest_run() -> KpiRun | None:
    return KpiRun.objects.order_by("-queued_at").first()
