"""KPI pages: the board's dashboard, a page per KPI, CSV, refresh with progress, and the
managers' drill-down to the children behind a figure."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from cases.models import Person
from safeguarding.db_routers import use_replica
from safeguarding.forms import GovukDateField
from safeguarding.lib.charts import line_chart_svg
from safeguarding.lib.pages import apply_service_errors, render_form, signed_in_user

from . import services
from .models import KpiRun, RunStatus
from .policies import (
    can_drill_down,
    can_refresh,
    denominator_hidden,
    is_small_count,
    snapshot_hidden,
)
from .registry import BY_CODE, CATALOGUE, DRILL_DOWN, Kpi, children_behind
from .selectors import dashboard, kpi_detail, latest_run, snapshots_for_csv


def _kpi(code: str) -> Kpi:
    kpi = BY_CODE.get(code)
    if kpi is None:
        raise Http404("No such KPI")
    return kpi


def _month_label(day: dt.date) -> str:
    return f"{day:%b %Y}"


@require_safe
@login_required
def board(request: HttpRequest) -> HttpResponse:
    # The latest run from the primary: a refresh queued a moment ago shows at once.
    run = latest_run()
    # The figures from the replica, when there is one (docs/scaling.md).
    with use_replica():
        tiles, latest_month = dashboard()
    charts = [
        (
            figure,
            line_chart_svg(
                figure.kpi.title,
                [
                    (
                        _month_label(s.period_start),
                        None
                        if s.value is None or snapshot_hidden(figure.kpi, s)
                        else float(s.value),
                    )
                    for s in series
                ],
                width=240,
                height=80,
            ),
        )
        for figure, series in tiles
    ]
    return render(
        request,
        "kpis/board.html",
        {
            "charts": charts,
            "latest_month": latest_month,
            "run": run,
            "can_refresh": can_refresh(signed_in_user(request)),
        },
    )


@require_safe
@login_required
def detail(request: HttpRequest, code: str) -> HttpResponse:
    kpi = _kpi(code)
    with use_replica():
        view = kpi_detail(kpi)
    points = [
        (
            _month_label(f.snapshot.period_start),
            None if f.hidden or f.value is None else float(f.value),
        )
        for f in view.series
        if f.snapshot is not None
    ]
    user = signed_in_user(request)
    return render(
        request,
        "kpis/detail.html",
        {
            "kpi": kpi,
            "view": view,
            "chart": line_chart_svg(kpi.title, points),
            "can_drill": code in DRILL_DOWN and can_drill_down(user),
        },
    )


@require_safe
@login_required
def snapshots_csv(request: HttpRequest, code: str) -> HttpResponse:
    kpi = _kpi(code)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="kpi-{kpi.code}.csv"'
    writer = csv.writer(response)
    writer.writerow(
        ["kpi", "scope", "month", "numerator", "denominator", "value", "unit", "computed_at"]
    )
    with use_replica():
        snapshots = snapshots_for_csv(kpi)
    for s in snapshots:
        # The cells the KPI's page hides (``kpis.policies``), whoever downloads it.
        hidden = snapshot_hidden(kpi, s)
        writer.writerow(
            [
                kpi.code,
                s.team.name if s.team else "Whole service",
                f"{s.period_start:%Y-%m}",
                _hidden_cell(s.numerator) if hidden else s.numerator,
                ""
                if s.denominator is None
                else (_hidden_cell(s.denominator) if denominator_hidden(kpi, s) else s.denominator),
                "suppressed" if hidden else ("" if s.value is None else s.value),
                kpi.unit.value,
                s.computed_at.isoformat(),
            ]
        )
    return response


def _hidden_cell(number: Decimal | None) -> str:
    """A hidden number: "fewer than 5" when it is one, else "suppressed" (the 0 of "0 of 3")."""
    return "fewer than 5" if is_small_count(number) else "suppressed"


class RefreshForm(forms.Form):
    first_month = GovukDateField(
        label="From", help_text="Any day in the first month, for example 1 11 2024"
    )
    last_month = GovukDateField(label="To", help_text="Any day in the last month")


@require_http_methods(["GET", "POST"])
@login_required
def refresh(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if not can_refresh(user):
        raise PermissionDenied
    today = timezone.localdate()
    form = RefreshForm(
        request.POST or None,
        initial={
            "first_month": today.replace(day=1).replace(year=today.year - 2),
            "last_month": today,
        },
    )
    if form.is_valid():
        try:
            run = services.kpi_refresh_request(
                actor=user,
                first_month=form.cleaned_data["first_month"],
                last_month=form.cleaned_data["last_month"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            return redirect("kpis:run", run_pk=run.pk)
    return render_form(
        request,
        form=form,
        heading="Refresh the KPIs",
        submit="Start the refresh",
        back_url=reverse("kpis:board"),
        intro="Recalculates every KPI for every team and the whole service, month by month. It runs in the background.",
    )


@require_safe
@login_required
def run_progress(request: HttpRequest, run_pk: int) -> HttpResponse:
    run = get_object_or_404(KpiRun, pk=run_pk)
    template = "kpis/_run_progress.html" if request.headers.get("HX-Request") else "kpis/run.html"
    return render(
        request,
        template,
        {"run": run, "finished": run.status in (RunStatus.DONE, RunStatus.FAILED)},
    )


@require_safe
@login_required
def drill_down(request: HttpRequest, code: str) -> HttpResponse:
    """The children behind a figure, for managers, only those they may see (DESIGN §5)."""
    kpi = _kpi(code)
    user = signed_in_user(request)
    if code not in DRILL_DOWN or not can_drill_down(user):
        raise PermissionDenied
    month_param = request.GET.get("month", "")
    try:
        month = (
            dt.date.fromisoformat(f"{month_param}-01")
            if month_param
            else timezone.localdate().replace(day=1)
        )
    except ValueError:
        messages.error(request, "Choose a month in the format 2026-10")
        return redirect("kpis:detail", code=code)
    ids = children_behind(
        code, period_start=month, period_end=services.month_end(month), team_id=None
    )
    children = list(
        Person.objects.visible_to(user).filter(pk__in=ids).order_by("family_name", "given_name")
    )
    return render(
        request,
        "kpis/drill_down.html",
        {
            "kpi": kpi,
            "month": month,
            "children": children,
            "total": len(ids),
            "others": len(ids) - len(children),
        },
    )


__all__ = ["CATALOGUE"]
