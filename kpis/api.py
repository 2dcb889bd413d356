"""KPI API: the catalogue and its snapshots, for partners (``kpis:read``) and staff.

Aggregates only, with the board pages' small-count suppression: a figure that would reveal a
count of 1 to 4 is returned with ``suppressed: true`` and no numbers.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import django_filters
from django.db.models import QuerySet
from django.http import Http404
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from cases.api.base import PURPOSE_PARAMETER, ApiGenericView, ApiView, PartnerScopeOrStaff
from cases.partners.api import partner_errors
from safeguarding.db_routers import use_replica
from safeguarding.lib.api import error_response as _error
from teams.models import PartnerScope

from .models import KpiSnapshot, KpiTarget
from .policies import snapshot_hidden
from .registry import BY_CODE, CATALOGUE, Kpi


class KpiSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    title = serializers.CharField()
    definition = serializers.CharField()
    unit = serializers.CharField()
    polarity = serializers.CharField()
    target = serializers.DecimalField(
        max_digits=12, decimal_places=2, allow_null=True, help_text="An absolute target, if set."
    )
    target_note = serializers.CharField(
        allow_blank=True, help_text="For example a baseline-year reduction target."
    )


class SnapshotSerializer(serializers.Serializer[Any]):
    kpi = serializers.CharField(source="kpi_code")
    team = serializers.CharField(
        allow_null=True, help_text="The team's slug, or null for the whole service."
    )
    team_name = serializers.CharField()
    period = serializers.CharField(help_text="The calendar month, YYYY-MM.")
    numerator = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    denominator = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    value = serializers.DecimalField(max_digits=14, decimal_places=4, allow_null=True)
    suppressed = serializers.BooleanField(
        help_text="True when the figure would reveal a count of 1 to 4: numbers are then null."
    )
    computed_at = serializers.DateTimeField()


def snapshot_row(snapshot: KpiSnapshot) -> dict[str, Any]:
    kpi = BY_CODE[snapshot.kpi_code]
    hidden = snapshot_hidden(kpi, snapshot)
    return {
        "kpi_code": snapshot.kpi_code,
        "team": snapshot.team.slug if snapshot.team else None,
        "team_name": snapshot.team.name if snapshot.team else "Whole service",
        "period": f"{snapshot.period_start:%Y-%m}",
        "numerator": None if hidden else snapshot.numerator,
        "denominator": None if hidden else snapshot.denominator,
        "value": None if hidden else snapshot.value,
        "suppressed": hidden,
        "computed_at": snapshot.computed_at,
    }


class SnapshotFilter(django_filters.FilterSet):
    kpi = django_filters.ChoiceFilter(
        field_name="kpi_code", choices=[(k.code, k.title) for k in CATALOGUE]
    )
    team = django_filters.CharFilter(
        method="filter_team",
        help_text="A team's slug, or `service` for the whole-service figures only.",
    )
    period_from = django_filters.DateFilter(
        field_name="period_start",
        lookup_expr="gte",
        help_text="The first month wanted, as its first day (YYYY-MM-01).",
    )
    period_to = django_filters.DateFilter(
        field_name="period_start",
        lookup_expr="lte",
        help_text="The last month wanted, as its first day (YYYY-MM-01).",
    )

    class Meta:
        model = KpiSnapshot
        fields: list[str] = []

    def filter_team(
        self, queryset: QuerySet[KpiSnapshot], name: str, value: str
    ) -> QuerySet[KpiSnapshot]:
        if value == "service":
            return queryset.filter(team__isnull=True)
        return queryset.filter(team__slug=value)


# drf-spectacular wraps a list operation's example in the list, and the list in a page: each
# example is one row.
SNAPSHOT_EXAMPLES = [
    OpenApiExample(
        "A figure",
        value={
            "kpi": "cp_rate",
            "team": None,
            "team_name": "Whole service",
            "period": "2026-10",
            "numerator": "412.00",
            "denominator": "250000.00",
            "value": "16.4800",
            "suppressed": False,
            "computed_at": "2026-11-01T02:00:12Z",
        },
        response_only=True,
    ),
    OpenApiExample(
        "A suppressed figure",
        description="A count of 1 to 4 would be revealed: no numbers.",
        value={
            "kpi": "care_entries",
            "team": "northgate",
            "team_name": "Northgate Family Safeguarding Team",
            "period": "2026-10",
            "numerator": None,
            "denominator": None,
            "value": None,
            "suppressed": True,
            "computed_at": "2026-11-01T02:00:12Z",
        },
        response_only=True,
    ),
]


def _plain(number: Decimal | None) -> str:
    """A stored decimal as people write it: 40.00 as "40", 12.50 as "12.5"."""
    text = f"{number or 0:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


class KpiListApi(ApiView):
    permission_classes = [PartnerScopeOrStaff]
    partner_scope = PartnerScope.KPIS_READ
    operation = "kpis.list"
    purpose = "Published KPI definitions and targets."

    @extend_schema(
        operation_id="kpis_list",
        summary="The KPI catalogue",
        description="Every KPI the operational board watches: its code, title, definition, "
        "unit, which direction is better, and its target if the council set one. Needs the "
        "`kpis:read` scope (partners) or a staff session or token.",
        tags=["KPIs"],
        parameters=[PURPOSE_PARAMETER],
        responses={
            200: OpenApiResponse(KpiSerializer(many=True), description="Every KPI."),
            **partner_errors(PartnerScope.KPIS_READ),
        },
        examples=[
            OpenApiExample(
                "One KPI",
                value={
                    "code": "cp_rate",
                    "title": "Children on a child protection plan",
                    "definition": "Children subject to a child protection plan at the end of "
                    "the month, per 10,000 children in the council's area.",
                    "unit": "rate per 10,000 children",
                    "polarity": "lower is better",
                    "target": "35.00",
                    "target_note": "",
                },
                response_only=True,
            )
        ],
    )
    def get(self, request: Request) -> Response:
        # Aggregates: the replica when there is one (authentication already ran on the primary).
        with use_replica():
            targets = {t.kpi_code: t for t in KpiTarget.objects.all()}
        rows = []
        for kpi in CATALOGUE:
            target = targets.get(kpi.code)
            note = ""
            if target is not None and target.value is None:
                reduction = _plain(target.reduction_from_baseline)
                note = f"{reduction} fewer than in {target.baseline_year}"
            rows.append(
                {
                    "code": kpi.code,
                    "title": kpi.title,
                    "definition": kpi.definition,
                    "unit": kpi.unit.value,
                    "polarity": kpi.polarity.value,
                    "target": target.value if target is not None else None,
                    "target_note": note,
                }
            )
        return Response(KpiSerializer(rows, many=True).data)

    def disclosed(self, request: Request, response: Response) -> dict[str, Any]:
        return {"kpis": len(CATALOGUE)}


class SnapshotListApi(ApiGenericView):
    permission_classes = [PartnerScopeOrStaff]
    partner_scope = PartnerScope.KPIS_READ
    operation = "kpis.snapshots"
    purpose = "Published KPI figures (aggregates, small counts suppressed)."
    filterset_class = SnapshotFilter
    serializer_class = SnapshotSerializer
    ordering = ("-period_start", "kpi_code", "pk")

    def get_queryset(self) -> QuerySet[KpiSnapshot]:
        queryset = KpiSnapshot.objects.select_related("team").filter(kpi_code__in=list(BY_CODE))
        code = self.kwargs.get("code")
        if code is not None:
            queryset = queryset.filter(kpi_code=code)
        return queryset

    def _kpi(self) -> Kpi | None:
        code = self.kwargs.get("code")
        if code is None:
            return None
        if code not in BY_CODE:
            raise Http404
        return BY_CODE[code]

    @extend_schema(
        operation_id="kpis_snapshots_list",
        summary="KPI figures by month and team",
        description="Monthly figures for every KPI (or the one in the path), for the whole "
        "service and each team, newest month first, with cursor pagination (`page_size` up to "
        "100). A figure that would reveal a count of 1 to 4 is suppressed: `suppressed` is "
        "true and the numbers are null. Needs the `kpis:read` scope or a staff session.",
        tags=["KPIs"],
        parameters=[PURPOSE_PARAMETER],
        responses={
            200: OpenApiResponse(
                SnapshotSerializer(many=True), description="A page of figures, newest first."
            ),
            400: _error(
                "A filter or the cursor is not valid: see `errors`.",
                400,
                "The request has errors: see errors for each field",
            ),
            **partner_errors(PartnerScope.KPIS_READ),
        },
        examples=SNAPSHOT_EXAMPLES,
    )
    def get(self, request: Request, code: str | None = None) -> Response:
        self._kpi()
        # Aggregates: the replica when there is one (authentication already ran on the primary).
        with use_replica():
            queryset = self.filter_queryset(self.get_queryset())
            page = self.paginate_queryset(queryset)
            rows = [snapshot_row(s) for s in (page if page is not None else queryset)]
        self._count = len(rows)
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)

    def disclosed(self, request: Request, response: Response) -> dict[str, Any]:
        return {
            "snapshots": getattr(self, "_count", 0),
            "filters": {k: v for k, v in request.query_params.items() if k != "cursor"},
        }


class KpiSnapshotListApi(SnapshotListApi):
    operation = "kpis.snapshots_by_code"

    @extend_schema(
        operation_id="kpis_snapshots_by_code",
        summary="One KPI's figures by month and team",
        description="As the list of all snapshots, for the KPI whose code is in the path (for "
        "example `cp_rate`). Unknown codes answer 404.",
        tags=["KPIs"],
        parameters=[
            PURPOSE_PARAMETER,
            OpenApiParameter(
                "code",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                enum=[k.code for k in CATALOGUE],
                description="The KPI's code.",
            ),
        ],
        responses={
            200: OpenApiResponse(
                SnapshotSerializer(many=True), description="A page of figures, newest first."
            ),
            400: _error(
                "A filter or the cursor is not valid: see `errors`.",
                400,
                "The request has errors: see errors for each field",
            ),
            404: _error("No KPI has the code in the path.", 404, "Not found."),
            **partner_errors(PartnerScope.KPIS_READ),
        },
        examples=SNAPSHOT_EXAMPLES,
    )
    def get(self, request: Request, code: str | None = None) -> Response:
        return super().get(request, code)


urlpatterns = [
    path("kpis/", KpiListApi.as_view(), name="kpis"),
    path("kpis/snapshots/", SnapshotListApi.as_view(), name="kpi-snapshots"),
    path("kpis/<str:code>/snapshots/", KpiSnapshotListApi.as_view(), name="kpi-snapshots-by-code"),
]
