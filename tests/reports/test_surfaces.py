"""The report on every surface: the page (summary, team choice, download buttons) and its
downloads with their file names, the API's file, the ``cycle_report`` command and its messages;
another organisation's cycle or team is a 404 everywhere; a server without the PDF library says so
instead of failing; the page's query count does not grow with the objectives."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from ambit.okrs import services as okrs
from ambit.reports.build import cycle_report_attachment
from tests.api.conftest import ApiClient, token_for
from tests.builders import World, key_results_for
from tests.helpers import db_digest
from tests.querycount import assert_queries
from tests.reports.helpers import Scene

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _url(name: str, cycle_id: int, team: str = "") -> str:
    url = reverse(name, kwargs={"cycle_id": cycle_id})
    return f"{url}?team={team}" if team else url


def _objective_titles(xlsx: bytes) -> list[str]:
    ws = load_workbook(io.BytesIO(xlsx))["Objectives & key results"]
    return [row[1] for row in ws.iter_rows(min_row=2, values_only=True) if row[0] == "Objective"]


def test_the_page_shows_the_summary_and_the_downloads(client: Client, world: World, scene: Scene) -> None:
    client.force_login(world.member.user)
    html = client.get(_url("reports:cycle", world.cycle.pk)).content.decode()
    assert 'id="report-objectives">4<' in html  # the member's private objective is theirs to see
    # Its score is the suggested 0.0: (1.0 + 0.25 + 0.1 + 0.0) / 4, and three of four missed.
    assert 'id="report-mean-score">0.34<' in html and 'data-verdict="missed">3<' in html
    assert f'href="{_url("reports:cycle-pdf", world.cycle.pk)}"' in html
    assert f'href="{_url("reports:cycle-xlsx", world.cycle.pk)}"' in html
    assert 'role="progressbar"' in html and "<svg" in html
    team_page = client.get(_url("reports:cycle", world.cycle.pk, "platform")).content.decode()
    assert "Platform and the teams below it" in team_page and 'id="report-objectives">2<' in team_page
    assert f'href="{_url("reports:cycle-pdf", world.cycle.pk, "platform")}"' in team_page


def test_downloads_are_named_and_hold_what_the_member_may_see(client: Client, world: World, scene: Scene) -> None:
    client.force_login(world.viewer.user)
    xlsx = client.get(_url("reports:cycle-xlsx", world.cycle.pk, "platform"))
    assert xlsx.status_code == 200 and xlsx["Content-Type"] == XLSX
    assert xlsx["Content-Disposition"] == 'attachment; filename="acme-current-quarter-platform.xlsx"'
    assert _objective_titles(xlsx.content) == ["A platform customers trust"]  # not the member's private one
    pdf = client.get(_url("reports:cycle-pdf", world.cycle.pk))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == 'attachment; filename="acme-current-quarter.pdf"'
    assert pdf.content.startswith(b"%PDF-")


def test_another_organisation_gets_404_on_every_surface(client: Client, world: World, scene: Scene) -> None:
    api = ApiClient(token_for(world.outsider))
    before = db_digest()
    client.force_login(world.outsider.user)
    for name in ("reports:cycle", "reports:cycle-pdf", "reports:cycle-xlsx"):
        assert client.get(_url(name, world.cycle.pk)).status_code == 404
    client.force_login(world.member.user)
    outside = scene.outside_obj.cycle_id
    for name in ("reports:cycle", "reports:cycle-pdf", "reports:cycle-xlsx"):
        assert client.get(_url(name, outside)).status_code == 404
        assert client.get(_url(name, world.cycle.pk, "no-such-team")).status_code == 404
    assert api.get(f"cycles/{world.cycle.pk}/report", format="xlsx").status_code == 404
    assert db_digest() == before


def test_the_api_returns_the_file(world: World, scene: Scene) -> None:
    api = ApiClient(token_for(world.member))
    response = api.get(f"cycles/{world.cycle.pk}/report", format="xlsx", team="platform")
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == 'attachment; filename="acme-current-quarter-platform.xlsx"'
    assert _objective_titles(response.content) == ["A platform customers trust", "Private growth plan"]
    pdf = api.get(f"cycles/{world.cycle.pk}/report")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    bad = api.get(f"cycles/{world.cycle.pk}/report", format="docx")
    assert bad.status_code == 422 and bad["Content-Type"] == "application/problem+json"
    missing = api.get(f"cycles/{world.cycle.pk}/report", team="nope")
    assert missing.status_code == 404 and missing.json()["errors"][0]["field"] == "team"


def test_the_command_writes_either_format(world: World, scene: Scene, tmp_path: Path) -> None:
    out = io.StringIO()
    call_command("cycle_report", org="acme", cycle="current QUARTER", output=str(tmp_path / "r.xlsx"), stdout=out)
    assert "Wrote" in out.getvalue()
    # Everyone's view: public objectives only.
    titles = _objective_titles((tmp_path / "r.xlsx").read_bytes())
    assert titles == ["Win the mid-market", "A platform customers trust", "Close bigger deals"]
    call_command("cycle_report", org="acme", cycle="Current quarter", team="sales", output=str(tmp_path / "s.pdf"))
    assert (tmp_path / "s.pdf").read_bytes().startswith(b"%PDF-")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"org": "nope", "cycle": "Current quarter", "output": "r.pdf"}, "No organisation with the slug “nope”"),
        (
            {"org": "acme", "cycle": "Q9", "output": "r.pdf"},
            "Acme has no cycle named “Q9”. Its cycles: Current quarter",
        ),
        ({"org": "acme", "cycle": "Current quarter", "team": "nope", "output": "r.pdf"}, "no team with the slug"),
        ({"org": "acme", "cycle": "Current quarter", "output": "r.docx"}, "name the file .pdf or .xlsx"),
    ],
)
def test_the_command_says_what_is_wrong(world: World, tmp_path: Path, args: dict[str, str], message: str) -> None:
    args = {**args, "output": str(tmp_path / args["output"])}
    with pytest.raises(CommandError, match=message):
        call_command("cycle_report", **args)
    assert list(tmp_path.iterdir()) == []


def test_without_the_pdf_library_every_surface_says_so(
    client: Client, world: World, scene: Scene, no_pdf_library: None, tmp_path: Path
) -> None:
    client.force_login(world.member.user)
    html = client.get(_url("reports:cycle", world.cycle.pk)).content.decode()
    assert "PDF reports are not available on this server" in html and "libpango-1.0-0" in html
    assert 'data-report-download="pdf"' not in html and 'data-report-download="xlsx"' in html
    download = client.get(_url("reports:cycle-pdf", world.cycle.pk))
    assert download.status_code == 503 and b"apt-get install libpango-1.0-0" in download.content
    assert client.get(_url("reports:cycle-xlsx", world.cycle.pk)).status_code == 200
    api = ApiClient(token_for(world.member)).get(f"cycles/{world.cycle.pk}/report")
    assert api.status_code == 503 and "PDF reports are not available" in api.json()["detail"]
    with pytest.raises(CommandError, match="PDF reports are not available"):
        call_command("cycle_report", org="acme", cycle="Current quarter", output=str(tmp_path / "r.pdf"))
    # The closing announcement attaches the XLSX instead.
    name, content, content_type = cycle_report_attachment(world.cycle)
    assert (name, content_type) == ("acme-current-quarter.xlsx", XLSX)
    assert _objective_titles(content) == ["Win the mid-market", "A platform customers trust", "Close bigger deals"]


def test_the_page_costs_the_same_queries_for_one_or_many_objectives(client: Client, world: World, scene: Scene) -> None:
    client.force_login(world.member.user)
    url = _url("reports:cycle", world.cycle.pk, "platform")
    client.get(url)  # the session, warmed
    cache.clear()
    # Session, user, membership, cycle, team, data version, the member's teams, visibility
    # fingerprint, team tree, objectives, key results, milestones, checkpoints, duality children,
    # the progress line (two), the team picker, the header's membership switcher; from the cache,
    # the first eight and the last two.
    with assert_queries(18) as few:
        assert client.get(url).status_code == 200
    with assert_queries(10) as kept:  # the summary kept in the cache
        assert client.get(url).status_code == 200
    key_results_for(world.member, world.cycle, world.admin, 9)
    okrs.check_in_record(actor=world.member, key_result=scene.private_obj.key_results.get(), value=2, confidence=7)
    with assert_queries(few):  # the data moved: gathered again
        html = client.get(url).content.decode()
    assert 'id="report-objectives">5<' in html
    with assert_queries(kept):
        assert 'id="report-objectives">5<' in client.get(url).content.decode()
