"""The check behind tests/kpis/test_grouped.py: a KPI's grouped statement (``Kpi.grouped``)
gives exactly what its per-scope reference (``Kpi.calculate``) gives, for every month of a range
and every scope the refresh writes (the whole service and each active team)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from kpis.registry import Kpi, Result
from kpis.services import month_end, months
from teams.models import Team

Figures = tuple[Decimal, Decimal | None, str | None]


def _exact(result: Result) -> Figures:
    # The value as text too: the same number with other decimal places would differ here.
    return (
        result.numerator,
        result.denominator,
        None if result.value is None else str(result.value),
    )


def assert_grouped_agrees(kpi: Kpi, first: dt.date, last: dt.date) -> int:
    """Every (month, scope) from ``first`` to ``last``: the grouped result equals the
    reference's. Returns how many (month, scope) pairs were compared."""
    team_ids = list(Team.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True))
    scopes: list[int | None] = [None, *team_ids]
    grouped = kpi.grouped(first_month=first, last_month=last, team_ids=team_ids)
    reference = {
        (month, team_id): kpi.calculate(
            period_start=month, period_end=month_end(month), team_id=team_id
        )
        for month in months(first, last)
        for team_id in scopes
    }
    assert set(grouped) == set(reference), kpi.code
    disagreements = {
        key: (_exact(grouped[key]), _exact(reference[key]))
        for key in reference
        if _exact(grouped[key]) != _exact(reference[key])
    }
    assert disagreements == {}, f"{kpi.code}: (month, team): (grouped, reference)"
    return len(reference)


def assert_grouped_agrees_around(kpi: Kpi, month: dt.date) -> int:
    """The year before a hand-worked month, the month itself and the one after."""
    first = month.replace(day=1)
    return assert_grouped_agrees(
        kpi, first - relativedelta(months=12), first + relativedelta(months=1)
    )
