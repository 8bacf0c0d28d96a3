"""The server-side SVG progress chart: pure, so tested as markup."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from ambit.okrs import charts
from ambit.okrs.charts import ChartSpec, CheckInPoint, progress_chart

START, END = dt.date(2026, 1, 1), dt.date(2026, 3, 31)  # 90 days


def spec(**kw: Any) -> ChartSpec:
    base: dict[str, Any] = {"chart_id": "c1", "title": "Signups", "start": START, "end": END}
    base.update(kw)
    return ChartSpec(**base)


def _polyline(svg: str, cls: str) -> list[tuple[float, float]]:
    m = re.search(rf'<polyline class="{cls}"[^>]*points="([^"]+)"', svg)
    assert m, f"no {cls} line"
    return [tuple(map(float, p.split(","))) for p in m.group(1).split()]  # type: ignore[misc]


def test_points_land_where_expected() -> None:
    s = spec(actual=[(START, 0.0), (dt.date(2026, 2, 15), 0.5)], width=640, height=240, margin=(16, 16, 36, 48))
    svg = progress_chart(s)
    # Plot area: x 48..624 (576 wide, 90 days), y 16..204 (188 high).
    actual = _polyline(svg, "chart-actual")
    assert actual[0] == (48.0, 204.0)
    assert actual[1] == pytest.approx((48 + 45 / 90 * 576, 204 - 0.5 * 188), abs=0.01)
    expected = _polyline(svg, "chart-expected")
    assert expected == [(48.0, 204.0), (624.0, 16.0)]  # 0% at the start, 100% at the end of the last day
    assert svg.count('class="chart-point"') == 2


def test_expected_line_follows_checkpoints() -> None:
    svg = progress_chart(spec(expected=[(dt.date(2026, 1, 31), 0.1)]))
    line = _polyline(svg, "chart-expected")
    assert len(line) == 3
    assert line[1] == pytest.approx((48 + 30 / 90 * 576, 204 - 0.1 * 188), abs=0.01)


def test_forecast_line_only_with_a_forecast() -> None:
    with_fc = progress_chart(spec(actual=[(dt.date(2026, 1, 31), 0.2)], forecast=0.6))
    assert 'class="chart-forecast"' in with_fc
    m = re.search(r'class="chart-forecast" x1="([\d.]+)" y1="([\d.]+)" x2="([\d.]+)" y2="([\d.]+)"', with_fc)
    assert m is not None
    x1, y1, x2, y2 = map(float, m.groups())
    assert (x1, y1) == pytest.approx((48 + 30 / 90 * 576, 204 - 0.2 * 188), abs=0.01)
    assert x2 == 624.0
    assert y2 == pytest.approx(204 - 0.6 * 188, abs=0.01)
    assert 'stroke-dasharray="6 4"' in with_fc
    assert "chart-forecast" not in progress_chart(spec(actual=[(dt.date(2026, 1, 31), 0.2)]))
    # A forecast without any check-in has nothing to start from.
    assert "chart-forecast" not in progress_chart(spec(forecast=0.6))


def test_today_marker_and_axes() -> None:
    svg = progress_chart(spec(today=dt.date(2026, 2, 15)))
    assert 'class="chart-today"' in svg
    assert f'x1="{48 + 45 / 90 * 576:.1f}' in svg or f'x1="{round(48 + 45 / 90 * 576, 2)}"' in svg
    for pct in ("0%", "25%", "50%", "75%", "100%"):
        assert f">{pct}</text>" in svg
    assert 'data-date="2026-01-01"' in svg and 'data-date="2026-03-31"' in svg
    assert "chart-today" not in progress_chart(spec(today=dt.date(2026, 5, 1)))


def test_text_is_escaped_and_accessible() -> None:
    svg = progress_chart(spec(chart_id='x"><script>', title='<b>R&D</b> "growth"', actual=[(START, 0.1)]))
    assert "<script>" not in svg and "<b>" not in svg
    assert "&lt;b&gt;R&amp;D&lt;/b&gt; &quot;growth&quot;" in svg
    assert 'role="img"' in svg and "<desc id=" in svg
    assert "1 check-ins; latest 10% on 2026-01-01." in svg


def test_values_are_clamped_to_the_plot() -> None:
    line = _polyline(progress_chart(spec(actual=[(START, 1.7), (END, -0.3)])), "chart-actual")
    assert line[0][1] == 16.0 and line[1][1] == 204.0


def test_datetimes_place_within_the_day() -> None:
    when = dt.datetime(2026, 1, 2, 12, 0, tzinfo=dt.UTC)
    x = _polyline(progress_chart(spec(actual=[(when, 0.5)])), "chart-actual")[0][0]
    assert x == pytest.approx(48 + 1.5 / 90 * 576, abs=0.01)


def test_kr_and_objective_series() -> None:
    t1 = dt.datetime(2026, 1, 10, tzinfo=dt.UTC)
    t2 = dt.datetime(2026, 1, 20, tzinfo=dt.UTC)
    a = charts.kr_progress_series(
        kind="increase", start=0, target=200, points=[CheckInPoint(t1, 50.0), CheckInPoint(t2, 100.0)]
    )
    assert a == [(t1, 0.25), (t2, 0.5)]
    b = charts.kr_progress_series(
        kind="milestones",
        start=None,
        target=None,
        points=[CheckInPoint(t2, None, [7])],
        milestone_weights={7: 1.0, 8: 3.0},
    )
    assert b == [(t2, 0.25)]
    # Weights 1 and 3: at t1 only A moved (0.25 * 1 + 0 * 3) / 4; at t2 A=0.5, B=0.25.
    series = charts.objective_progress_series([(1.0, a), (3.0, b)])
    assert series[0][0] == t1
    assert series[0][1] == pytest.approx(0.0625)
    assert series[1][0] == t2
    assert series[1][1] == pytest.approx((0.5 + 0.75) / 4)
    assert charts.objective_progress_series([]) == []
