"""``POST /api/v1/people/import``: the same report as JSON, 422 with the report on errors, applies
with ``dry_run=false``; admins only."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ambit.accounts.models import Invitation, Team
from tests.api.conftest import token_for
from tests.builders import World
from tests.people.people_data import people_csv, people_rows, people_xlsx
from tests.people.test_import_service import counts

pytestmark = pytest.mark.django_db

URL = "/api/v1/people/import"


def post(token: str, data: bytes, name: str = "people.csv", **query: str) -> Any:
    qs = "&".join(f"{k}={v}" for k, v in query.items())
    return Client().post(
        URL + (f"?{qs}" if qs else ""),
        {"file": SimpleUploadedFile(name, data)},
        headers={"Authorization": f"Bearer {token}"},
    )


def test_dry_run_is_the_default_and_changes_nothing(world: World) -> None:
    token = token_for(world.admin)
    before = counts()
    response = post(token, people_csv())
    assert response.status_code == 200, response.content
    body = json.loads(response.content)
    assert counts() == before
    assert body["dry_run"] and body["ok"] and not body["applied"]
    assert body["counts"] == {"invite": 50, "update": 0, "unchanged": 0, "error": 0, "teams": 12}
    first = body["rows"][0]
    assert first["number"] == 2 and first["email"] == "lawrence@initech.test" and first["action"] == "invite"
    assert first["errors"] == []


def test_apply_with_dry_run_false_then_rerun_is_unchanged(world: World) -> None:
    token = token_for(world.admin)
    response = post(token, people_xlsx(), "people.xlsx", dry_run="false")
    assert response.status_code == 200, response.content
    body = json.loads(response.content)
    assert body["applied"] and body["invitations_sent"] == 50
    assert Invitation.objects.filter(organisation=world.org).count() == 50
    assert Team.objects.filter(organisation=world.org, name="Infrastructure").exists()
    again = json.loads(post(token, people_csv(), dry_run="false").content)
    assert again["counts"]["unchanged"] == 50 and not again["applied"]


def test_errors_answer_422_with_the_report_and_write_nothing(world: World) -> None:
    rows = people_rows()
    rows[2][1] = "nobody"  # Ada: nobody reports to her
    token = token_for(world.admin)
    before = counts()
    response = post(token, people_csv(rows), dry_run="false")
    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/problem+json"
    body = json.loads(response.content)
    assert counts() == before
    assert body["status"] == 422 and "1 row with errors" in body["detail"]
    assert body["errors"] == [
        {"field": "file", "message": "Row 4, Email: “nobody” is not an email address: check for typos."}
    ]
    report = body["report"]
    assert report["rows"][2]["action"] == "error" and not report["applied"]
    assert report["rows"][2]["errors"] == [
        {"field": "Email", "message": "“nobody” is not an email address: check for typos."}
    ]
    refused = post(token, b"Name,Email\n=cmd|' /C calc'!A0,a@b.test\n")
    assert refused.status_code == 422
    assert "formulas" in json.loads(refused.content)["report"]["refused"]
    assert json.loads(refused.content)["errors"][0]["field"] == "file"


def test_missing_file_is_a_422_problem(world: World) -> None:
    response = Client().post(URL, {}, headers={"Authorization": f"Bearer {token_for(world.admin)}"})
    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/problem+json"


def test_a_body_that_is_not_the_multipart_it_claims_is_a_400_problem(world: World) -> None:
    """Found by schemathesis: a multipart Content-Type without a boundary was a 500."""
    response = Client().post(
        URL,
        data=b"not multipart",
        content_type="multipart/form-data",
        headers={"Authorization": f"Bearer {token_for(world.admin)}"},
    )
    assert response.status_code == 400, response.content
    assert response.headers["Content-Type"] == "application/problem+json"
    assert "not valid multipart/form-data" in response.json()["detail"]
    assert counts()["invitations"] == 0


@pytest.mark.parametrize("persona", ["champion", "member", "viewer"])
def test_only_admins_may_import(world: World, persona: str) -> None:
    token = token_for(getattr(world, persona))
    before = counts()
    response = post(token, people_csv(), dry_run="false")
    assert response.status_code == 403
    assert counts() == before


def test_read_only_tokens_and_outsiders_are_refused(world: World) -> None:
    assert post(token_for(world.admin, read_only=True), people_csv()).status_code == 403
    # An admin of Globex imports into Globex only: Acme's teams are never matched or touched.
    body = json.loads(post(token_for(world.outsider), people_csv(), dry_run="false").content)
    assert body["applied"]
    assert not Team.objects.filter(organisation=world.org, name="Infrastructure").exists()
    assert Team.objects.filter(organisation=world.other_org, name="Infrastructure").exists()
