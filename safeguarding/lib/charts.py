"""Small line charts rendered on the server as SVG, for pages and PDFs alike.

Presentation attributes only (the Content Security Policy forbids inline styles). Every chart
sits beside a table of the same numbers, which is its accessible equivalent, so the SVG is
hidden from screen readers."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

LEFT, RIGHT, TOP, BOTTOM = 40, 12, 12, 24


def line_chart_svg(
    title: str,
    points: Sequence[tuple[str, float | None]],
    *,
    width: int = 640,
    height: int = 220,
    y_max: float | None = None,
) -> str:
    """A line through ``points`` (label, value); ``None`` values leave a gap."""
    values = [v for _, v in points if v is not None]
    top = y_max if y_max is not None else max([*values, 0.0]) * 1.1 or 1.0
    plot_w, plot_h = width - LEFT - RIGHT, height - TOP - BOTTOM
    n = len(points)

    def x(i: int) -> float:
        return LEFT + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v: float) -> float:
        return TOP + plot_h * (1 - v / top)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" aria-hidden="true" focusable="false">',
        f"<title>{escape(title)}</title>",
    ]
    for tick in (0.0, top / 2, top):
        parts.append(
            f'<line x1="{LEFT}" y1="{y(tick):.1f}" x2="{width - RIGHT}" y2="{y(tick):.1f}" stroke="#b1b4b6" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{LEFT - 6}" y="{y(tick) + 4:.1f}" font-family="Arial, sans-serif" font-size="11" text-anchor="end" fill="#505a5f">{tick:.3g}</text>'
        )
    segment: list[str] = []
    segments: list[list[str]] = []
    for i, (_, value) in enumerate(points):
        if value is None:
            if segment:
                segments.append(segment)
            segment = []
            continue
        segment.append(f"{x(i):.1f},{y(value):.1f}")
    if segment:
        segments.append(segment)
    parts.extend(
        f'<polyline points="{" ".join(seg)}" fill="none" stroke="#1d70b8" stroke-width="2.5"/>'
        for seg in segments
    )
    parts.extend(
        f'<circle cx="{x(i):.1f}" cy="{y(value):.1f}" r="3" fill="#1d70b8"/>'
        for i, (_, value) in enumerate(points)
        if value is not None
    )
    if points:
        parts.append(
            f'<text x="{LEFT}" y="{height - 6}" font-family="Arial, sans-serif" font-size="11" fill="#505a5f">{escape(points[0][0])}</text>'
        )
        parts.append(
            f'<text x="{width - RIGHT}" y="{height - 6}" font-family="Arial, sans-serif" font-size="11" text-anchor="end" fill="#505a5f">{escape(points[-1][0])}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
