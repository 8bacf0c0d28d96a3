"""A KPI's history as server-side SVG (as ``ambit.okrs.charts`` draws progress): the healthy,
watch and critical bands as shaded areas, the readings as a line with points, and a sparkline for
boards. Pure: callers pass the points they loaded. Colours are SVG attributes and classes, never
``style`` (strict CSP); all text goes through ``html.escape``.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence
from decimal import Decimal

from ambit.core.services import plain_number
from ambit.okrs import engine

Point = tuple[dt.datetime, float]
BAND_FILL = {engine.KPI_HEALTHY: "#16a34a", engine.KPI_WATCH: "#ca8a04", engine.KPI_CRITICAL: "#dc2626"}


def _range(values: Sequence[float]) -> tuple[float, float]:
    low, high = min(values), max(values)
    pad = (high - low) * 0.1 or max(abs(high) * 0.1, 1.0)
    return low - pad, high + pad


def _fmt(value: float) -> str:
    return plain_number(Decimal(str(round(value, 4))))


def _x(points: Sequence[Point], when: dt.datetime, x0: float, x1: float) -> float:
    start, end = points[0][0], points[-1][0]
    span = (end - start).total_seconds()
    if span <= 0:
        return round((x0 + x1) / 2, 2)
    return round(x0 + (when - start).total_seconds() / span * (x1 - x0), 2)


def _band_spans(
    healthy: float, critical: float, direction: str, low: float, high: float
) -> list[tuple[str, float, float]]:
    """(band, from, to) value ranges covering [low, high]."""
    if direction == engine.KPI_LOWER:
        spans = [
            (engine.KPI_HEALTHY, low, healthy),
            (engine.KPI_WATCH, healthy, critical),
            (engine.KPI_CRITICAL, critical, high),
        ]
    else:
        spans = [
            (engine.KPI_CRITICAL, low, critical),
            (engine.KPI_WATCH, critical, healthy),
            (engine.KPI_HEALTHY, healthy, high),
        ]
    return [(b, max(a, low), min(z, high)) for b, a, z in spans if min(z, high) > max(a, low)]


def describe(name: str, points: Sequence[Point], healthy: float, critical: float, direction: str, unit: str) -> str:
    u = f" {unit}" if unit else ""
    better = "higher" if direction == engine.KPI_HIGHER else "lower"
    good, bad = ("above", "below") if better == "higher" else ("below", "above")
    bands = f"Healthy at {_fmt(healthy)}{u} or {good}, critical at {_fmt(critical)}{u} or {bad}."
    if not points:
        return f"{name}: no readings yet. {bands}"
    last_at, last = points[-1]
    return (
        f"{name}: {len(points)} reading{'s' if len(points) != 1 else ''} from {points[0][0].date().isoformat()} "
        f"to {last_at.date().isoformat()}, latest {_fmt(last)}{u} "
        f"({engine.kpi_band(last, healthy, critical, direction)}). {bands}"
    )


def kpi_chart(
    *,
    chart_id: str,
    name: str,
    points: Sequence[Point],
    healthy: float,
    critical: float,
    direction: str,
    unit: str = "",
    width: int = 640,
    height: int = 240,
) -> str:
    """The KPI's readings over time on its bands."""
    esc = html.escape
    top, right, bottom, left = 16, 16, 36, 64
    x0, x1, y0, y1 = left, width - right, top, height - bottom
    low, high = _range([*(v for _, v in points), healthy, critical])

    def y(value: float) -> float:
        return round(y1 - (value - low) / (high - low) * (y1 - y0), 2)

    cid = esc(chart_id)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="kpi-chart" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-labelledby="{cid}-title {cid}-desc" preserveAspectRatio="xMidYMid meet">',
        f'<title id="{cid}-title">{esc(name)} over time</title>',
        f'<desc id="{cid}-desc">{esc(describe(name, points, healthy, critical, direction, unit))}</desc>',
    ]
    for band, a, z in _band_spans(healthy, critical, direction, low, high):
        parts.append(
            f'<rect class="kpi-band kpi-band-{band}" x="{x0}" y="{y(z)}" width="{x1 - x0}" '
            f'height="{round(y(a) - y(z), 2)}" '
            f'fill="{BAND_FILL[band]}" fill-opacity="0.12"><title>{band.capitalize()}</title></rect>'
        )
    parts.append(
        '<g class="chart-axes" stroke="currentColor" stroke-opacity="0.35" font-size="11" fill="currentColor">'
    )
    for label, value in (("healthy", healthy), ("critical", critical)):
        parts.append(
            f'<line class="kpi-threshold" x1="{x0}" y1="{y(value)}" x2="{x1}" y2="{y(value)}" stroke-dasharray="4 3"/>'
        )
        parts.append(
            f'<text x="{x0 - 6}" y="{y(value) + 4}" text-anchor="end" stroke="none" '
            f'data-threshold="{label}">{esc(_fmt(value))}</text>'
        )
    parts.append(f'<line class="axis" x1="{x0}" y1="{y1}" x2="{x1}" y2="{y1}"/>')
    parts.append(f'<line class="axis" x1="{x0}" y1="{y0}" x2="{x0}" y2="{y1}"/>')
    if points:
        first, last = points[0][0].date(), points[-1][0].date()
        parts.append(f'<text x="{x0}" y="{y1 + 18}" stroke="none">{esc(first.isoformat())}</text>')
        if last != first:
            parts.append(f'<text x="{x1}" y="{y1 + 18}" text-anchor="end" stroke="none">{esc(last.isoformat())}</text>')
    parts.append("</g>")
    if points:
        coords = " ".join(f"{_x(points, w, x0, x1)},{y(v)}" for w, v in points)
        parts.append(f'<polyline class="kpi-line" fill="none" stroke="#1d4ed8" stroke-width="2.5" points="{coords}"/>')
        for when, value in points:
            band = engine.kpi_band(value, healthy, critical, direction)
            parts.append(
                f'<circle class="kpi-point kpi-point-{band}" cx="{_x(points, when, x0, x1)}" cy="{y(value)}" r="3.5" '
                f'fill="{BAND_FILL[band]}"><title>{esc(when.date().isoformat())}: {esc(_fmt(value))}'
                f"{esc(' ' + unit if unit else '')} ({band})</title></circle>"
            )
    parts.append("</svg>")
    return "".join(parts)


def sparkline(
    *, points: Sequence[Point], healthy: float, critical: float, direction: str, width: int = 120, height: int = 28
) -> str:
    """A board row's recent readings: a small line on its bands, decorative (the row says the value)."""
    if not points:
        return ""
    low, high = _range([*(v for _, v in points), healthy, critical])

    def y(value: float) -> float:
        return round(height - 2 - (value - low) / (high - low) * (height - 4), 2)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="kpi-spark" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" aria-hidden="true" focusable="false">'
    ]
    for band, a, z in _band_spans(healthy, critical, direction, low, high):
        parts.append(
            f'<rect class="kpi-band-{band}" x="0" y="{y(z)}" width="{width}" height="{round(y(a) - y(z), 2)}" '
            f'fill="{BAND_FILL[band]}" fill-opacity="0.12"/>'
        )
    if len(points) == 1:
        parts.append(f'<circle cx="{width / 2}" cy="{y(points[0][1])}" r="2.5" fill="#1d4ed8"/>')
    else:
        coords = " ".join(f"{_x(points, w, 2, width - 2)},{y(v)}" for w, v in points)
        parts.append(f'<polyline fill="none" stroke="#1d4ed8" stroke-width="1.5" points="{coords}"/>')
    parts.append("</svg>")
    return "".join(parts)
