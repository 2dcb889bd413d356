"""The family page's group supervision section: the next supervision and each child's risk
scale across supervisions (a small SVG chart with the same numbers in a table)."""

from __future__ import annotations

from typing import Any

from cases.clocks.registry import Panel, register_family_panel
from cases.models import Case, Person

from .charts import risk_chart_svg
from .selectors import family_panel_supervisions


@register_family_panel
def supervision_panel(user: Any, case: Case) -> Panel:
    trend, upcoming = family_panel_supervisions(case)
    people = Person.objects.in_bulk(list(trend))
    charts = [
        (people[pk], points, risk_chart_svg(people[pk].given_name, points))
        for pk, points in trend.items()
        if pk in people
    ]
    return Panel(
        "supervision/_family_panel.html", {"charts": charts, "upcoming": upcoming, "case": case}
    )
