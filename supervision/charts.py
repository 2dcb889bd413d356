"""A small server-rendered SVG line chart of a child's risk scale across supervisions.

Presentation attributes only (the Content Security Policy forbids inline styles); the page
shows the same numbers in a table, so the chart is decorative for screen readers."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Protocol

WIDTH, HEIGHT = 320, 120
LEFT, RIGHT, TOP, BOTTOM = 28, 10, 10, 22
SCALE_MAX = 10


class Point(Protocol):
    @property
    def scale(self) -> int: ...

    @property
    def day(self) -> object: ...


def risk_chart_svg(name: str, points: Sequence[Point]) -> str:
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    n = len(points)

    def x(i: int) -> float:
        return LEFT + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(scale: int) -> float:
        return TOP + plot_h * (1 - scale / SCALE_MAX)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" aria-hidden="true" focusable="false">',
        f"<title>Risk scale for {escape(name)}</title>",
    ]
    for tick in (0, 5, 10):
        parts.append(
            f'<line x1="{LEFT}" y1="{y(tick):.1f}" x2="{WIDTH - RIGHT}" y2="{y(tick):.1f}" stroke="#b1b4b6" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{LEFT - 6}" y="{y(tick) + 4:.1f}" font-family="Arial, sans-serif" font-size="10" text-anchor="end" fill="#505a5f">{tick}</text>'
        )
    if n:
        path = " ".join(f"{x(i):.1f},{y(p.scale):.1f}" for i, p in enumerate(points))
        parts.append(f'<polyline points="{path}" fill="none" stroke="#1d70b8" stroke-width="2"/>')
        for i, p in enumerate(points):
            parts.append(f'<circle cx="{x(i):.1f}" cy="{y(p.scale):.1f}" r="3.5" fill="#1d70b8"/>')
        parts.append(
            f'<text x="{LEFT}" y="{HEIGHT - 6}" font-family="Arial, sans-serif" font-size="10" fill="#505a5f">{escape(f"{points[0].day:%b %Y}")}</text>'
        )
        if n > 1:
            parts.append(
                f'<text x="{WIDTH - RIGHT}" y="{HEIGHT - 6}" font-family="Arial, sans-serif" font-size="10" text-anchor="end" fill="#505a5f">{escape(f"{points[-1].day:%b %Y}")}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
