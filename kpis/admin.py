"""Targets and baselines for the KPIs, set by the council (the definitions are code)."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from .models import KpiRun, KpiTarget
from .registry import CATALOGUE


class KpiTargetForm(forms.ModelForm[KpiTarget]):
    kpi_code = forms.ChoiceField(label="KPI", choices=[(kpi.code, kpi.title) for kpi in CATALOGUE])

    class Meta:
        model = KpiTarget
        fields = [
            "kpi_code",
            "value",
            "baseline_year",
            "reduction_from_baseline",
            "amber_margin",
            "notes",
        ]


@admin.register(KpiTarget)
class KpiTargetAdmin(admin.ModelAdmin[KpiTarget]):
    form = KpiTargetForm
    list_display = ["kpi_code", "value", "baseline_year", "reduction_from_baseline", "notes"]


@admin.register(KpiRun)
class KpiRunAdmin(admin.ModelAdmin[KpiRun]):
    list_display = [
        "pk",
        "first_month",
        "last_month",
        "status",
        "steps_done",
        "steps_total",
        "queued_at",
        "finished_at",
    ]
    list_filter = ["status"]

    def has_add_permission(self, request: object) -> bool:
        return False
