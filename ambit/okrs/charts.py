"""Progress-over-time charts, drawn on the server as SVG.

Why server-side SVG rather than a JavaScript charting library: there is nothing to vendor, pin
or update; the chart shows with JavaScript off and inside HTMX fragments; the markup is plain
text, so tests can check that a point lands where it should; and it is accessible — the SVG
carries a ``<title>`` and a ``<desc>`` summary, and pages render the same points as a data table
for screen readers and for copying.

Everything here is pure (no database, no Django): callers pass the points they have loaded.
All text that reaches the markup goes through ``html.escape``.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from ambit.core import display
from ambit.okrs import engine

When = dt.date | dt.datetime


@dataclass(frozen=True)
class ChartSpec:
    """What a progress chart shows. Progress values are shares in [0, 1] (clamped when drawn).

    ``actual`` comes from the check-ins; ``expected`` is the plan (defaults to a straight line
    from 0 at the cycle start to 1 at its end); ``forecast`` is the projected progress at the
    cycle end, drawn dashed from the last actual point when given."""

    chart_id: str
    title: str
    start: dt.date
    end: dt.date
    actual: Sequence[tuple[When, float]] = ()
    expected: Sequence[tuple[dt.date, float]] = ()
    forecast: float | None = None
    today: dt.date | None = None
    # ``today`` is a past day the page is shown as of: the marker reads its date, not "Today".
    past: bool = False
    # How many check-ins ``actual`` was drawn from (it may hold one point per day); None: one each.
    check_ins: int | None = None
    width: int = 640
    height: int = 240
    margin: tuple[int, int, int, int] = field(default=(16, 16, 36, 48))  # top, right, bottom, left

    @property
    def expected_line(self) -> list[tuple[When, float]]:
        if self.expected:
            inner = [(d, v) for d, v in self.expected if self.start < d < self.end]
            return [(self.start, 0.0), *sorted(inner), (self.end, 1.0)]
        return [(self.start, 0.0), (self.end, 1.0)]


def _days(start: dt.date, when: When) -> float:
    if isinstance(when, dt.datetime):
        base = dt.datetime.combine(start, dt.time.min, tzinfo=when.tzinfo)
        return (when - base).total_seconds() / 86400.0
    return float((when - start).days)


def _span_days(spec: ChartSpec) -> float:
    # The cycle's last day is a whole day: the chart runs to the end of it.
    return float((spec.end - spec.start).days + 1)


def x_of(spec: ChartSpec, when: When) -> float:
    _top, right, _bottom, left = spec.margin
    plot_w = spec.width - left - right
    share = min(max(_days(spec.start, when) / _span_days(spec), 0.0), 1.0)
    return round(left + share * plot_w, 2)


def y_of(spec: ChartSpec, progress: float) -> float:
    top, _right, bottom, _left = spec.margin
    plot_h = spec.height - top - bottom
    return round(top + (1.0 - engine.clamp01(progress)) * plot_h, 2)


def _end_x(spec: ChartSpec) -> float:
    return x_of(spec, spec.end + dt.timedelta(days=1))


def _points(spec: ChartSpec, series: Sequence[tuple[When, float]]) -> str:
    out = []
    for when, value in series:
        x = _end_x(spec) if when == spec.end and not isinstance(when, dt.datetime) else x_of(spec, when)
        out.append(f"{x},{y_of(spec, value)}")
    return " ".join(out)


def _date_ticks(spec: ChartSpec, count: int = 5) -> list[dt.date]:
    days = (spec.end - spec.start).days
    if days <= 0:
        return [spec.start]
    step = days / (count - 1)
    ticks = [spec.start + dt.timedelta(days=round(i * step)) for i in range(count)]
    return sorted(set(ticks))


def _label(d: dt.date) -> str:
    return f"{d.day} {d:%b}"


def _pct(value: float) -> str:
    # The pages' percentage (``pct``), on the share the chart can draw.
    return display.pct(engine.clamp01(value))


def describe(spec: ChartSpec) -> str:
    """A one-paragraph summary for ``<desc>`` (and anyone without the picture)."""
    parts = [f"Progress from {spec.start.isoformat()} to {spec.end.isoformat()}."]
    if spec.actual:
        last_when, last = spec.actual[-1]
        last_date = last_when.date() if isinstance(last_when, dt.datetime) else last_when
        count = len(spec.actual) if spec.check_ins is None else spec.check_ins
        parts.append(f"{count} check-ins; latest {_pct(last)} on {last_date.isoformat()}.")
    else:
        parts.append("No check-ins yet.")
    if spec.today is not None and spec.start <= spec.today <= spec.end:
        expected = engine.expected_progress(
            start=spec.start, end=spec.end, on=spec.today, checkpoints=list(spec.expected)
        )
        by = f"the end of {spec.today.day} {spec.today:%B %Y}" if spec.past else "today"
        parts.append(f"Expected by {by}: {_pct(expected)}.")
    if spec.forecast is not None and spec.actual:
        parts.append(f"Forecast at the end of the cycle: {_pct(spec.forecast)}.")
    return " ".join(parts)


def progress_chart(spec: ChartSpec) -> str:
    """The chart as an SVG string: % axis, date axis, expected line, actual line with its points,
    dashed forecast from the last check-in to the cycle end, and a marker for today."""
    esc = html.escape
    top, right, bottom, left = spec.margin
    w, h = spec.width, spec.height
    x0, x1, y0, y1 = left, w - right, top, h - bottom
    cid = esc(spec.chart_id)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="progress-chart" viewBox="0 0 {w} {h}" '
        f'width="100%" role="img" aria-labelledby="{cid}-title {cid}-desc" preserveAspectRatio="xMidYMid meet">',
        f'<title id="{cid}-title">{esc(spec.title)}</title>',
        f'<desc id="{cid}-desc">{esc(describe(spec))}</desc>',
        '<g class="chart-axes" stroke="currentColor" stroke-opacity="0.25" font-size="11" fill="currentColor">',
    ]
    for pct in (0, 25, 50, 75, 100):
        y = y_of(spec, pct / 100)
        parts.append(f'<line class="grid" x1="{x0}" y1="{y}" x2="{x1}" y2="{y}"/>')
        parts.append(f'<text x="{x0 - 6}" y="{y + 4}" text-anchor="end" stroke="none">{pct}%</text>')
    for tick in _date_ticks(spec):
        x = x_of(spec, tick) if tick != spec.end else _end_x(spec)
        parts.append(f'<line class="tick" x1="{x}" y1="{y1}" x2="{x}" y2="{y1 + 4}"/>')
        parts.append(
            f'<text x="{x}" y="{y1 + 18}" text-anchor="middle" stroke="none">'
            f'<tspan data-date="{tick.isoformat()}">{esc(_label(tick))}</tspan></text>'
        )
    parts.append(f'<line class="axis" x1="{x0}" y1="{y1}" x2="{x1}" y2="{y1}" stroke-opacity="0.6"/>')
    parts.append(f'<line class="axis" x1="{x0}" y1="{y0}" x2="{x0}" y2="{y1}" stroke-opacity="0.6"/>')
    parts.append("</g>")
    parts.append(
        f'<polyline class="chart-expected" fill="none" stroke="#8a94a6" stroke-width="1.5" '
        f'points="{_points(spec, spec.expected_line)}"><title>Expected pace</title></polyline>'
    )
    if spec.today is not None and spec.start <= spec.today <= spec.end:
        tx = x_of(spec, spec.today)
        marker = f"As of {_label(spec.today)}" if spec.past else "Today"
        # Near the right edge the label reads leftwards from the line, so it is never cut off.
        tail = tx + 4 + len(marker) * 6 > x1
        text_x, anchor = (tx - 4, ' text-anchor="end"') if tail else (tx + 4, "")
        parts.append(
            f'<g class="chart-today"><line x1="{tx}" y1="{y0}" x2="{tx}" y2="{y1}" stroke="#c2410c" '
            f'stroke-width="1" stroke-dasharray="2 3"/><text x="{text_x}" y="{y0 + 10}"{anchor} font-size="11" '
            f'fill="#c2410c">{esc(marker)}</text></g>'
        )
    if spec.actual:
        parts.append(
            f'<polyline class="chart-actual" fill="none" stroke="#1d4ed8" stroke-width="2.5" '
            f'points="{_points(spec, spec.actual)}"><title>Actual progress</title></polyline>'
        )
        for when, value in spec.actual:
            stamp = when.date() if isinstance(when, dt.datetime) else when
            parts.append(
                f'<circle class="chart-point" cx="{x_of(spec, when)}" cy="{y_of(spec, value)}" r="3.5" '
                f'fill="#1d4ed8"><title>{esc(stamp.isoformat())}: {_pct(value)}</title></circle>'
            )
        if spec.forecast is not None:
            last_when, last_value = spec.actual[-1]
            parts.append(
                f'<line class="chart-forecast" x1="{x_of(spec, last_when)}" y1="{y_of(spec, last_value)}" '
                f'x2="{_end_x(spec)}" y2="{y_of(spec, spec.forecast)}" stroke="#1d4ed8" stroke-width="2" '
                f'stroke-dasharray="6 4"><title>Forecast: {_pct(spec.forecast)} at the end</title></line>'
            )
    parts.append("</svg>")
    return "".join(parts)


# --- Series from check-ins ----------------------------------------------------------------------


@dataclass(frozen=True)
class CheckInPoint:
    """One check-in reduced to what progress needs."""

    when: When
    value: float | None
    milestones_done: Sequence[int] = ()
    id: int | None = None
    corrects: int | None = None  # the id of the check-in this one corrects


def corrected_points(points: Sequence[CheckInPoint]) -> list[CheckInPoint]:
    """The points as the key result really went: a correction's reading takes the place (and the
    moment) of the check-in it corrects, through chains of corrections, so a wrong value is never
    drawn and the fix does not appear as a jump on the day it was typed. A correction of a point
    not given stands on its own. Same rule as the forecast's (``engine.forecast``)."""
    slots: list[CheckInPoint] = []
    slot_of: dict[int, int] = {}
    for point in points:
        if point.corrects is not None and point.corrects in slot_of:
            slot = slot_of[point.corrects]
            slots[slot] = replace(point, when=slots[slot].when)
        else:
            slot = len(slots)
            slots.append(point)
        if point.id is not None:
            slot_of[point.id] = slot
    return slots


def kr_progress_series(
    *,
    kind: str,
    start: float | None,
    target: float | None,
    points: Sequence[CheckInPoint],
    milestone_weights: dict[int, float] | None = None,
) -> list[tuple[When, float]]:
    """Progress (0–1) after each check-in, oldest first, with the engine's progress rules;
    corrected check-ins are replaced by their corrections (``corrected_points``)."""
    weights = milestone_weights or {}
    out: list[tuple[When, float]] = []
    for p in corrected_points(points):
        done = set(p.milestones_done)
        milestones = tuple(engine.MilestoneState(weight=w, done=mid in done) for mid, w in weights.items())
        progress = engine.kr_progress(kind, start=start, target=target, current=p.value, milestones=milestones)
        out.append((p.when, progress))
    return out


def daily(series: Sequence[tuple[When, float]]) -> list[tuple[When, float]]:
    """The series with one point per day, the day's last (a chart is a day wide per pixel or
    less, so the points in between draw nothing but cost markup)."""
    out: list[tuple[When, float]] = []
    for when, value in series:
        day = when.date() if isinstance(when, dt.datetime) else when
        if out and (out[-1][0].date() if isinstance(out[-1][0], dt.datetime) else out[-1][0]) == day:
            out[-1] = (when, value)
        else:
            out.append((when, value))
    return out


def objective_progress_series(
    key_results: Sequence[tuple[float, Sequence[tuple[When, float]]]],
) -> list[tuple[When, float]]:
    """The objective's progress at each check-in moment: the weighted mean over its key results
    of each one's latest progress by then (0 before its first check-in)."""
    events = sorted(
        ((when, i, progress) for i, (_, series) in enumerate(key_results) for when, progress in series),
        key=lambda e: (_sort_key(e[0]), e[1]),
    )
    current = [0.0] * len(key_results)
    out: list[tuple[When, float]] = []
    for when, i, progress in events:
        current[i] = progress
        mean = engine.weighted_mean(
            [engine.Weighted(progress=current[j], weight=key_results[j][0]) for j in range(len(key_results))]
        )
        value = 0.0 if mean is None else mean
        if out and out[-1][0] == when:
            out[-1] = (when, value)
        else:
            out.append((when, value))
    return out


def _sort_key(when: When) -> float:
    if isinstance(when, dt.datetime):
        return when.timestamp()
    return dt.datetime.combine(when, dt.time.min, tzinfo=dt.UTC).timestamp()


# --- Check-in discipline: stacked bars per week -------------------------------------------------


@dataclass(frozen=True)
class DisciplineBar:
    """One week's bar: key results checked in on time, late, or missed."""

    start: dt.date
    on_time: int
    late: int
    missed: int
    complete: bool = True

    @property
    def total(self) -> int:
        return self.on_time + self.late + self.missed


def describe_discipline(bars: Sequence[DisciplineBar]) -> str:
    if not bars:
        return "No weeks of this cycle to show yet."
    total = sum(b.total for b in bars)
    on_time = sum(b.on_time for b in bars)
    share = f" ({round(100 * on_time / total)}%)" if total else ""
    return (
        f"{len(bars)} weeks from {bars[0].start.isoformat()}: {on_time} of {total} weekly check-ins on time{share}, "
        f"{sum(b.late for b in bars)} late, {sum(b.missed for b in bars)} missed."
    )


def discipline_chart(*, chart_id: str, title: str, bars: Sequence[DisciplineBar], width: int = 640) -> str:
    """Stacked bars, one per week (on time at the bottom, then late, then missed), scaled to the
    busiest week. Late and missed carry a hatch as well as a colour, and every segment its own
    ``<title>``; colours come from the stylesheet's classes, so both themes apply."""
    esc = html.escape
    height, top, right, bottom, left = 200, 12, 12, 40, 40
    cid = esc(chart_id)
    plot_w, plot_h = width - left - right, height - top - bottom
    biggest = max([b.total for b in bars] + [1])
    slot = plot_w / max(len(bars), 1)
    bar_w = round(min(slot * 0.6, 56), 2)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="discipline-chart" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-labelledby="{cid}-title {cid}-desc" preserveAspectRatio="xMidYMid meet">',
        f'<title id="{cid}-title">{esc(title)}</title>',
        f'<desc id="{cid}-desc">{esc(describe_discipline(bars))}</desc>',
        "<defs>",
        f'<pattern id="{cid}-late" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)">'
        '<rect class="bar-late-fill" width="6" height="6"/>'
        '<line class="bar-hatch" x1="0" y1="0" x2="0" y2="6"/></pattern>',
        f'<pattern id="{cid}-missed" patternUnits="userSpaceOnUse" width="6" height="6">'
        '<rect class="bar-missed-fill" width="6" height="6"/><circle class="bar-dot" cx="3" cy="3" r="1.2"/></pattern>',
        "</defs>",
        '<g class="chart-axes" stroke="currentColor" stroke-opacity="0.25" font-size="11" fill="currentColor">',
    ]
    for value in sorted({0, biggest // 2, biggest}):
        y = round(top + plot_h - plot_h * value / biggest, 2)
        parts.append(f'<line class="grid" x1="{left}" y1="{y}" x2="{width - right}" y2="{y}"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4}" text-anchor="end" stroke="none">{value}</text>')
    parts.append("</g>")
    for i, bar in enumerate(bars):
        x = round(left + slot * i + (slot - bar_w) / 2, 2)
        label = _label(bar.start)
        y = top + plot_h
        segments = (
            ("on-time", bar.on_time, "on time", ""),
            ("late", bar.late, "late", f"url(#{cid}-late)"),
            ("missed", bar.missed, "missed" if bar.complete else "not yet checked in", f"url(#{cid}-missed)"),
        )
        parts.append(f'<g class="discipline-week" data-week="{bar.start.isoformat()}">')
        for kind, count, words, fill in segments:
            if not count:
                continue
            h = round(plot_h * count / biggest, 2)
            y = round(y - h, 2)
            paint = f' fill="{fill}"' if fill else ""
            parts.append(
                f'<rect class="bar bar-{kind}" x="{x}" y="{y}" width="{bar_w}" height="{h}"{paint}>'
                f"<title>Week of {esc(label)}: {count} {words}</title></rect>"
            )
        parts.append(
            f'<text x="{round(x + bar_w / 2, 2)}" y="{height - bottom + 16}" text-anchor="middle" font-size="11" '
            f'fill="currentColor">{esc(label)}{"" if bar.complete else "*"}</text>'
        )
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)
