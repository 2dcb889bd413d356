"""A child's risk scale across supervisions, as a small chart (the page shows a table too)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from safeguarding.lib.charts import line_chart_svg

SCALE_MAX = 10


class Point(Protocol):
    @property
    def scale(self) -> int: ...

    @property
    def day(self) -> object: ...


def risk_chart_svg(name: str, points: Sequence[Point]) -> str:
    return line_chart_svg(
        f"Risk scale for {name}",
        [(f"{p.day:%b %Y}", float(p.scale)) for p in points],
        width=320,
        height=120,
        y_max=SCALE_MAX,
    )
