"""A person's confidence trend as a small line (decorative: the page writes the readings out)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.utils.html import format_html
from django.utils.safestring import SafeString

WIDTH, HEIGHT = 120, 28


def confidence_sparkline(points: Sequence[tuple[dt.datetime, int]]) -> SafeString:
    """Confidence readings (0–10, oldest first), evenly spaced, on a fixed 0–10 scale."""
    if not points:
        return SafeString("")

    def y(value: int) -> float:
        return round(HEIGHT - 2 - max(0, min(10, value)) / 10 * (HEIGHT - 4), 2)

    if len(points) == 1:
        shape = format_html('<circle cx="{}" cy="{}" r="2.5"/>', WIDTH / 2, y(points[0][1]))
    else:
        step = (WIDTH - 4) / (len(points) - 1)
        coords = " ".join(f"{round(2 + i * step, 2)},{y(v)}" for i, (_w, v) in enumerate(points))
        shape = format_html('<polyline fill="none" stroke-width="1.5" points="{}"/>', coords)
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="confidence-spark" viewBox="0 0 {} {}" width="{}" '
        'height="{}" aria-hidden="true" focusable="false">{}</svg>',
        WIDTH,
        HEIGHT,
        WIDTH,
        HEIGHT,
        shape,
    )
