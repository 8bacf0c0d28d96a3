"""The report's data and files: numbers from the engine, visibility (everyone's view, a viewer's
view, a team's subtree), the XLSX read back with openpyxl, the PDF's pages and text, WeasyPrint's
fetcher refusing the network, and a query count that does not grow with the objectives."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from ambit.accounts.models import Membership
from ambit.okrs import engine
from ambit.okrs import services as okrs
from ambit.okrs.metrics import compute_metrics
from ambit.okrs.models import Objective
from ambit.reports import data, pdf
from ambit.reports.build import cycle_report_data, cycle_report_pdf, cycle_report_xlsx
from tests.builders import World, key_results_for
from tests.querycount import assert_queries
from tests.reports.helpers import LESSON, Scene

pytestmark = pytest.mark.django_db


def test_numbers_come_from_the_engine_and_everyone_sees_public_objectives_only(world: World, scene: Scene) -> None:
    report = cycle_report_data(world.cycle)
    titles = [o.title for o in report.objectives]
    # Company first, then teams by name; not the private objective, the draft or Globex's.
    assert titles == ["Win the mid-market", "A platform customers trust", "Close bigger deals"]
    objectives = list(Objective.objects.filter(pk__in=[o.id for o in report.objectives]))
    metrics = compute_metrics(organisation=world.org, objectives=objectives)
    for row in report.objectives:
        om = metrics.objective(row.id)
        assert (row.progress, row.status, row.suggested_score, row.band, row.verdict) == (
            om.progress,
            om.status,
            om.suggested_score,
            om.band,
            om.verdict,
        )
        for kr in row.key_results:
            km = metrics.kr(kr.id)
            assert (kr.progress, kr.suggested_score, kr.verdict) == (km.progress, km.suggested_score, km.verdict)
    platform = report.objectives[1]
    assert [(k.title, k.progress, k.shown_score, k.verdict) for k in platform.key_results] == [
        ("p95 latency", 0.5, 0.5, engine.VERDICT_PARTIAL),
        ("Status page live", 0.0, 0.0, engine.VERDICT_MISS),
    ]
    sales = report.objectives[2]
    deals = sales.key_results[0]
    assert (deals.suggested_score, deals.score, deals.band, deals.verdict) == (0.3, 0.1, "red", "missed")
    assert deals.score_note == "Two deals slipped to October."
    assert report.summary.objective_count == 3
    assert report.summary.key_result_count == 4
    assert report.summary.verdicts == {"met": 1, "partial": 0, "missed": 2}
    assert report.summary.mean_score == engine.round_half_up(engine.mean([1.0, 0.25, 0.1]) or 0, 2) == 0.45
    # The private objective's reflection is left out with the objective.
    assert [r.subject for r in report.reflections] == ["Platform", "A platform customers trust"]


def test_a_viewer_sees_what_they_may_and_a_team_report_covers_its_subtree(world: World, scene: Scene) -> None:
    mine = cycle_report_data(world.cycle, viewer=world.member)
    assert "Private growth plan" in [o.title for o in mine.objectives]
    theirs = cycle_report_data(world.cycle, viewer=world.viewer)
    assert "Private growth plan" not in [o.title for o in theirs.objectives]
    team = cycle_report_data(world.cycle, team=world.team, viewer=world.member)
    # Platform's objective and the individual objective of a Platform member; not the company's or Sales'.
    assert [o.title for o in team.objectives] == ["A platform customers trust", "Private growth plan"]
    assert team.scope == "Platform and the teams below it"
    assert [r.subject for r in team.reflections] == ["Platform", "A platform customers trust"]


def test_the_xlsx_holds_typed_values_on_four_sheets(world: World, scene: Scene) -> None:
    report = cycle_report_data(world.cycle)
    wb = load_workbook(io.BytesIO(cycle_report_xlsx(world.cycle)))
    assert wb.sheetnames == ["Summary", "Objectives & key results", "Reflections", "Discipline"]
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2"
        assert ws["A1"].font.bold
        assert ws.column_dimensions["A"].width > 8
    summary = {row[0]: row[1] for row in wb["Summary"].iter_rows(min_row=2, max_col=2, values_only=True) if row[0]}
    assert summary["Objectives"] == 3 and summary["Key results"] == 4
    assert summary["Mean score"] == 0.45
    assert summary["Met (or success)"] == 1 and summary["Missed (or miss)"] == 2
    assert summary["Progress"] == pytest.approx(report.summary.progress)
    okrs_sheet = wb["Objectives & key results"]
    header = [c.value for c in okrs_sheet[1]]
    rows = [dict(zip(header, (c for c in row), strict=True)) for row in okrs_sheet.iter_rows(min_row=2)]
    latency = next(r for r in rows if r["Key result"].value == "p95 latency")
    assert latency["Progress"].value == 0.5 and latency["Progress"].number_format == "0%"
    assert latency["Suggested score"].value == 0.5 and latency["Verdict"].value == "Partial"
    assert (latency["Start"].value, latency["Target"].value, latency["Final value"].value) == (800, 200, 500)
    assert latency["Confidence"].value == 6
    deals = next(r for r in rows if r["Key result"].value == "Deals over 50k")
    assert (deals["Recorded score"].value, deals["Score"].value, deals["Band"].value) == (0.1, 0.1, "Red")
    assert deals["Score note"].value == "Two deals slipped to October."
    objective_rows = [r for r in rows if r["Row"].value == "Objective"]
    assert [r["Objective"].value for r in objective_rows] == [o.title for o in report.objectives]
    assert "Private growth plan" not in {r["Objective"].value for r in rows}
    reflections = list(wb["Reflections"].iter_rows(min_row=2, values_only=True))
    assert [r[:3] for r in reflections] == [
        ("Team", "Platform", "Platform"),
        ("Objective", "A platform customers trust", "Platform"),
    ]
    lessons_col = [c.value for c in wb["Reflections"][1]].index("Lessons learned")
    assert reflections[0][lessons_col] == LESSON
    discipline = list(wb["Discipline"].iter_rows(min_row=2, values_only=True))
    assert discipline == [(d.name, d.on_time, d.late, d.missed, d.rate) for d in report.discipline]


def test_the_pdf_has_pages_and_says_what_the_report_holds(world: World, scene: Scene, tmp_path: Path) -> None:
    content = cycle_report_pdf(world.cycle)
    assert content.startswith(b"%PDF-") and content.rstrip().endswith(b"%%EOF")
    weasyprint, _reason = pdf._weasyprint()
    html = pdf.report_html(cycle_report_data(world.cycle))
    pages = weasyprint.HTML(string=html, base_url=pdf.STATIC_BASE, url_fetcher=pdf._fetcher(weasyprint)).render().pages
    # The cover and summary, the objectives, then reflections and discipline each from a new page.
    assert len(pages) == 4
    if shutil.which("pdftotext") is None:
        return  # poppler-utils is not on a fresh machine: the text check needs it
    (tmp_path / "r.pdf").write_bytes(content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert text.count("\f") == 4  # one form feed per page
    for expected in ("Current quarter: cycle report", "Win the mid-market", "p95 latency", LESSON, "Two deals slipped"):
        assert expected in text
    assert "Mean score 0.45" in text
    assert "Private growth plan" not in text and "Globex" not in text and "Half-baked" not in text


def test_weasyprint_fetches_data_uris_and_our_static_files_only() -> None:
    weasyprint, _reason = pdf._weasyprint()
    fetcher = pdf._fetcher(weasyprint)
    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"
    css = fetcher.fetch(pdf.STATIC_BASE + "reports/report-print.css")
    assert b"@page" in css.read()
    for url in (
        "http://127.0.0.1:9/x.css",
        "https://example.com/logo.png",
        "file:///etc/passwd",
        pdf.STATIC_BASE + "../../etc/passwd",
        pdf.STATIC_BASE + "reports/missing.css",
    ):
        with pytest.raises(ValueError, match="fetches nothing from outside"):
            fetcher.fetch(url)


def _fresh(member: Membership) -> Membership:
    # A new instance each time: a membership keeps its teams once it has read them.
    return Membership.objects.select_related("user", "organisation").get(pk=member.pk)


def test_gathering_costs_the_same_queries_for_one_or_many_objectives(world: World, scene: Scene) -> None:
    # The member's teams, objectives, key results, milestones, checkpoints, duality children, the
    # charted objectives' check-ins, discipline (two), the progress line (two).
    viewer = _fresh(world.member)
    with assert_queries(11) as few:
        cycle_report_data(world.cycle, viewer=viewer)
    key_results_for(world.member, world.cycle, world.admin, 12)  # four more objectives, twelve key results
    okrs.check_in_record(
        actor=world.lead, key_result=scene.latency, value=400, confidence=6, at=timezone.now() - dt.timedelta(days=1)
    )
    viewer = _fresh(world.member)
    with assert_queries(few):
        report = cycle_report_data(world.cycle, viewer=viewer)
    assert len(report.objectives) == 8


def test_a_compact_report_gives_each_individual_objective_one_line(
    world: World, scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past COMPACT_FROM objectives (a large organisation) the PDF lists the company, department
    and team objectives with their key results, and each individual one on a line of its own at
    the end; the XLSX keeps every key result."""
    individual = key_results_for(world.member, world.cycle, world.admin, 2, per_objective=2, prefix="Ship docs")
    objective = individual[0].objective
    full = cycle_report_data(world.cycle, viewer=_fresh(world.member))
    assert full.in_one_line == [] and full.in_full == full.objectives
    monkeypatch.setattr(data, "COMPACT_FROM", 1)
    report = cycle_report_data(world.cycle, viewer=_fresh(world.member))
    assert report.compact
    mine = next(o for o in report.objectives if o.id == objective.pk)
    assert mine.level == "individual" and mine in report.in_one_line
    assert {o.level for o in report.in_one_line} == {"individual"}
    assert report.in_full == [o for o in report.objectives if o.level != "individual"] and report.in_full
    html = pdf.report_html(report)
    assert f"Individual objectives ({len(report.in_one_line)})" in html
    line = html.split(f"{objective.title} · ", 1)[1].split("</p>", 1)[0]
    assert line == f"{world.member.user.get_full_name()} · 0% · score 0.00 suggested · Missed · 2 key results"
    assert "Ship docs 1" not in html and "Ship docs 2" not in html  # their key results: in the XLSX
    assert "A platform customers trust" in html and "p95 latency" in html  # team objectives in full
    workbook = load_workbook(io.BytesIO(cycle_report_xlsx(world.cycle, viewer=_fresh(world.member))))
    rows = list(workbook["Objectives & key results"].values)
    assert {"Ship docs 1", "Ship docs 2"} <= {cell for row in rows for cell in row}
