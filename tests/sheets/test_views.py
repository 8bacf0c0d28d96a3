"""The cycle's planning-sheet pages: download, upload → dry run → apply, permissions, queries."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from ambit.accounts.models import Membership
from ambit.core.models import AuditEntry
from ambit.okrs import services as okrs
from ambit.okrs.models import Cycle, KeyResult, Objective
from ambit.sheets import uploads
from ambit.sheets.exporter import export_workbook
from tests import factories as f
from tests.builders import Plan, World
from tests.helpers import ClientResponse
from tests.querycount import assert_queries
from tests.sheets.conftest import db_state, read_okr_rows
from tests.sheets.helpers import edit_xlsx, row, xlsx

pytestmark = pytest.mark.django_db


def _client(client: Client, membership: Membership) -> Client:
    client.force_login(membership.user)
    return client


def _upload(
    client: Client, cycle: Cycle, data: bytes, name: str = "plan.xlsx", locale: str = "en", **extra: Any
) -> ClientResponse:
    return client.post(
        reverse("sheets:upload", args=[cycle.pk]),
        {"file": SimpleUploadedFile(name, data), "locale": locale},
        **extra,
    )


def test_cycle_page_lists_downloads_and_upload_form(client: Client, world: World) -> None:
    res = _client(client, world.member).get(reverse("sheets:cycle", args=[world.cycle.pk]))
    assert res.status_code == 200
    html = res.content.decode()
    assert f"{reverse('sheets:download', args=[world.cycle.pk])}?format=xlsx&amp;team=platform" in html
    assert "<progress" in html and "data-upload-progress" in html
    # The bar is driven by ambit.js (the Content-Security-Policy allows no inline script).
    from django.contrib.staticfiles import finders

    script = finders.find("ambit/js/ambit.js")
    assert isinstance(script, str)
    assert "htmx:xhr:progress" in Path(script).read_text()
    assert 'hx-encoding="multipart/form-data"' in html


def test_cycle_page_query_count_does_not_grow_with_teams(client: Client, world: World) -> None:
    c = _client(client, world.member)
    url = reverse("sheets:cycle", args=[world.cycle.pk])
    c.get(url)
    with assert_queries(8, at_most=True, label="sheets cycle page") as few:
        c.get(url)
    for i in range(15):
        f.TeamFactory.create(organisation=world.org, slug=f"extra-{i}")
    with assert_queries(few, at_most=True, label="sheets cycle page with 15 more teams"):
        assert c.get(url).status_code == 200


def test_outsider_gets_404(client: Client, world: World) -> None:
    c = _client(client, world.outsider)
    assert c.get(reverse("sheets:cycle", args=[world.cycle.pk])).status_code == 404
    assert c.get(reverse("sheets:download", args=[world.cycle.pk])).status_code == 404
    before = db_state()
    assert _upload(c, world.cycle, xlsx([row(objective="Sneaky")])).status_code == 404
    assert db_state() == before


def test_anonymous_is_sent_to_login(client: Client, world: World) -> None:
    res = client.get(reverse("sheets:cycle", args=[world.cycle.pk]))
    assert res.status_code == 302 and "login" in res["Location"]


def test_download_xlsx_and_csv(client: Client, world: World, plan: Plan) -> None:
    c = _client(client, world.viewer)
    res = c.get(reverse("sheets:download", args=[world.cycle.pk]), {"format": "xlsx", "team": "platform"})
    assert res.status_code == 200
    assert res["Content-Disposition"] == 'attachment; filename="acme-current-quarter-platform-okrs.xlsx"'
    assert {r["objective"] for r in read_okr_rows(res.content)} == {"Make the platform fast"}
    res = c.get(reverse("sheets:download", args=[world.cycle.pk]), {"format": "csv"})
    assert res["Content-Type"].startswith("text/csv")
    assert b"Win the mid-market" in res.content
    assert c.get(reverse("sheets:download", args=[world.cycle.pk]), {"format": "pdf"}).status_code == 404
    assert c.get(reverse("sheets:download", args=[world.cycle.pk]), {"team": "nope"}).status_code == 404


def test_download_query_count_is_fixed(client: Client, world: World, plan: Plan) -> None:
    c = _client(client, world.champion)
    url = reverse("sheets:download", args=[world.cycle.pk])
    with assert_queries(25, at_most=True, label="sheet download") as few:
        c.get(url)
    for i in range(10):
        o = okrs.objective_create(
            actor=world.champion, cycle=world.cycle, title=f"More {i}", team=world.team, parents=[(plan.company, 1.0)]
        )
        okrs.key_result_create(actor=world.champion, objective=o, title="KR", start_value=0, target_value=1)
    with assert_queries(few, at_most=True, label="sheet download with 10 more objectives"):
        res = c.get(url)
    assert len(read_okr_rows(res.content)) == 16


def test_upload_dry_run_then_apply(client: Client, world: World, plan: Plan) -> None:
    c = _client(client, world.champion)
    data = edit_xlsx(
        export_workbook(actor=world.champion, cycle=world.cycle),
        {(f"O{plan.platform.pk}-KR{plan.kr_users.pk}", "target"): 99},
    )
    before = db_state()
    res = _upload(c, world.cycle, data)
    assert res.status_code == 200
    assert db_state() == before
    html = res.content.decode()
    assert '<strong data-count="updated">1</strong>' in html
    assert "Target: 137 → 99" in html
    token = res.context["token"]
    assert token and len(list((uploads._dir()).glob(f"{token}-*.bin"))) == 1

    res = c.post(reverse("sheets:apply", args=[world.cycle.pk]), {"token": token})
    assert res.status_code == 200
    assert res.context["report"].applied
    assert KeyResult.objects.get(pk=plan.kr_users.pk).target_value == 99
    assert not list(uploads._dir().glob(f"{token}*"))  # used up
    assert c.post(reverse("sheets:apply", args=[world.cycle.pk]), {"token": token}).status_code == 410


def test_htmx_upload_returns_the_report_fragment(client: Client, world: World, plan: Plan) -> None:
    c = _client(client, world.champion)
    res = _upload(c, world.cycle, export_workbook(actor=world.champion, cycle=world.cycle), HTTP_HX_REQUEST="true")
    html = res.content.decode()
    assert res.status_code == 200
    assert html.lstrip().startswith('<section class="card" id="sheet-report"')
    assert "Nothing to change" in html and "Apply these changes" not in html


def test_upload_query_count_is_fixed_for_unchanged_rows(client: Client, world: World, plan: Plan) -> None:
    c = _client(client, world.champion)
    # Was 30 before uploads became import jobs: the job adds a fixed cost (its insert, the worker's
    # read, its result, the page's re-read), never one per row (checked below).
    exported = export_workbook(actor=world.champion, cycle=world.cycle)
    with assert_queries(31, at_most=True, label="sheet upload") as few:
        _upload(c, world.cycle, exported)
    for i in range(10):
        o = okrs.objective_create(
            actor=world.champion, cycle=world.cycle, title=f"More {i}", team=world.team, parents=[(plan.company, 1.0)]
        )
        okrs.key_result_create(actor=world.champion, objective=o, title="KR", start_value=0, target_value=1)
    data = export_workbook(actor=world.champion, cycle=world.cycle)
    with assert_queries(few, at_most=True, label="sheet upload with 10 more objectives and key results"):
        res = _upload(c, world.cycle, data)
    assert res.context["report"].unchanged == 28


def test_member_changing_others_okrs_gets_permission_errors(client: Client, world: World, plan: Plan) -> None:
    c = _client(client, world.member)
    data = export_workbook(actor=world.member, cycle=world.cycle)
    data = edit_xlsx(
        data,
        {
            (f"O{plan.company.pk}-KR{plan.kr_revenue.pk}", "kr"): "Grow ARR a lot",  # not theirs
            (f"O{plan.empty.pk}", "objective_description"): "Read the book",  # their own
        },
    )
    before = db_state()
    res = _upload(c, world.cycle, data)
    assert res.status_code == 422
    assert db_state() == before
    report = res.context["report"]
    (problem,) = report.problems
    assert problem.is_permission and problem.message.startswith("Permission:")
    assert problem.row == 2
    assert not res.context["can_apply"]
    assert "Apply these changes" not in res.content.decode()


def test_viewer_can_download_but_not_apply(client: Client, world: World, plan: Plan) -> None:
    c = _client(client, world.viewer)
    before = db_state()
    res = _upload(c, world.cycle, xlsx([row(objective="Viewer's wish", owner="viewer@acme.test")]))
    assert res.status_code == 422
    assert res.context["report"].has_permission_problems
    assert db_state() == before


def test_apply_refuses_someone_elses_or_tampered_upload(client: Client, world: World, plan: Plan) -> None:
    data = xlsx([row(team="platform", objective="New", owner="lead@acme.test")])
    token = uploads.upload_store(
        membership_id=world.champion.pk, cycle_id=world.cycle.pk, data=data, filename="p.xlsx", locale="en"
    )
    before = db_state()
    c = _client(client, world.admin)
    assert c.post(reverse("sheets:apply", args=[world.cycle.pk]), {"token": token}).status_code == 410
    (bin_file,) = uploads._dir().glob(f"{token}-*.bin")
    bin_file.write_bytes(xlsx([row(team="platform", objective="Swapped", owner="lead@acme.test")]))
    c = _client(client, world.champion)
    assert c.post(reverse("sheets:apply", args=[world.cycle.pk]), {"token": token}).status_code == 410
    assert c.post(reverse("sheets:apply", args=[world.cycle.pk]), {"token": "../../etc"}).status_code == 410
    assert db_state() == before


def test_expired_upload_is_gone(client: Client, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    data = xlsx([row(team="platform", objective="New", owner="lead@acme.test")])
    token = uploads.upload_store(
        membership_id=world.champion.pk, cycle_id=world.cycle.pk, data=data, filename="p.xlsx", locale="en"
    )
    real = time.time  # what ``uploads`` reads the clock with
    monkeypatch.setattr("ambit.sheets.uploads.time.time", lambda: real() + uploads.EXPIRY_SECONDS + 1)
    c = _client(client, world.champion)
    assert c.post(reverse("sheets:apply", args=[world.cycle.pk]), {"token": token}).status_code == 410
    assert not list(uploads._dir().glob(f"{token}*"))
    assert not Objective.objects.filter(title="New").exists()


def test_upload_without_file_and_too_large_file(client: Client, world: World) -> None:
    c = _client(client, world.champion)
    res = c.post(reverse("sheets:upload", args=[world.cycle.pk]), {"locale": "en"})
    assert res.status_code == 400 and "No file was chosen" in res.content.decode()
    res = _upload(c, world.cycle, b"x" * (5 * 1024 * 1024 + 10), name="big.csv")
    assert res.status_code == 413 and "limited to 5 MB" in res.content.decode()


def test_apply_writes_audit_entries_per_change(client: Client, world: World, plan: Plan) -> None:
    c = _client(client, world.lead)
    data = xlsx(
        [row(team="platform", objective="Lead's new one", owner="lead@acme.test", kr="Thing", start=0, target=3)]
    )
    res = _upload(c, world.cycle, data)
    before = AuditEntry.objects.count()
    c.post(reverse("sheets:apply", args=[world.cycle.pk]), {"token": res.context["token"]})
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True)[before:])
    assert actions == ["objective.create", "key_result.create"]
