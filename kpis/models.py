"""KPI targets, snapshots and refresh runs (DESIGN §8). The definitions are code: ``kpis.registry``."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from teams.models import Team


class KpiTarget(models.Model):
    """A target for one KPI, set by the council in the admin.

    Either an absolute ``value`` (for example 45 children per 10,000), or, for counts judged
    against a baseline year, ``reduction_from_baseline`` with ``baseline_year`` (Southampton's
    "40 fewer children entering care than in the baseline year")."""

    kpi_code = models.CharField(max_length=40, unique=True)
    value = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    baseline_year = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Calendar year"
    )
    reduction_from_baseline = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True
    )
    # Within this fraction of the target counts as amber rather than red.
    amber_margin = models.DecimalField(max_digits=5, decimal_places=3, default=0.1)
    notes = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["kpi_code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(value__isnull=False)
                | (Q(baseline_year__isnull=False) & Q(reduction_from_baseline__isnull=False)),
                name="target_has_value_or_baseline",
            )
        ]

    def __str__(self) -> str:
        return f"Target for {self.kpi_code}"


class KpiSnapshot(models.Model):
    """One KPI for one scope (the service, or one team) and one calendar month."""

    kpi_code = models.CharField(max_length=40)
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    period_start = models.DateField()
    period_end = models.DateField()
    numerator = models.DecimalField(max_digits=14, decimal_places=2)
    denominator = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    value = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)
    run = models.ForeignKey(
        "KpiRun", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["kpi_code", "period_start"]
        constraints = [
            # NULLS NOT DISTINCT: the service-wide row (no team) is unique per KPI and month too.
            models.UniqueConstraint(
                fields=["kpi_code", "team", "period_start"],
                name="one_snapshot_per_kpi_scope_month",
                nulls_distinct=False,
            ),
        ]
        indexes = [models.Index(fields=["kpi_code", "team", "-period_start"])]

    def __str__(self) -> str:
        return f"{self.kpi_code} {self.period_start:%Y-%m} {self.team_id or 'service'}"


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Running"
    DONE = "done", "Finished"
    FAILED = "failed", "Failed"


class KpiRun(models.Model):
    """A refresh of a range of months, with progress a page can show."""

    requested_by = models.ForeignKey(
        "teams.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    first_month = models.DateField()
    last_month = models.DateField()
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    steps_done = models.PositiveIntegerField(default=0)
    steps_total = models.PositiveIntegerField(default=0)
    queued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-queued_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(last_month__gte=models.F("first_month")), name="run_range_in_order"
            ),
        ]

    def __str__(self) -> str:
        return f"KPI run {self.pk} ({self.status})"

    @property
    def percent(self) -> int:
        return (
            100
            if not self.steps_total and self.status == RunStatus.DONE
            else (int(100 * self.steps_done / self.steps_total) if self.steps_total else 0)
        )
