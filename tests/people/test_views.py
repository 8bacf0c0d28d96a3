"""The import page: form and examples, the dry-run report, apply of the checked bytes, refusals."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook
from pytest_django import Settings

from ambit.accounts.models import Invitation, Membership, Team
from ambit.people.reader import HEADERS
from tests.builders import World
from tests.people.people_data import people_csv, people_rows
from tests.people.test_import_service import counts
from tests.querycount import assert_queries, count_queries

pytestmark = pytest.mark.django_db

URL = "/settings/people/import/"


def login(member: Membership) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


def upload(client: Client, data: bytes, name: str = "people.csv") -> Any:
    return client.post(reverse("people:upload"), {"file": SimpleUploadedFile(name, data)})


def test_the_page_offers_the_form_and_the_example_files(world: World) -> None:
    client = login(world.admin)
    assert reverse("people:import") == URL
    with assert_queries(4, label="people import page"):
        response = client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'type="file" name="file" accept=".csv,.xlsx"' in html and '<label for="people-file">' in html
    assert 'href="/settings/people/import/example.csv"' in html and "style=" not in html


def test_example_files_have_the_header_and_two_rows(world: World) -> None:
    client = login(world.admin)
    response = client.get(reverse("people:example", args=["csv"]))
    assert response["Content-Disposition"] == 'attachment; filename="people-import-example.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == HEADERS and len(rows) == 3
    response = client.get(reverse("people:example", args=["xlsx"]))
    ws = load_workbook(io.BytesIO(response.content)).active
    assert ws is not None
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert values[0] == HEADERS and len(values) == 3 and values[2][2] == "Engineering / Platform"
    assert client.get(reverse("people:example", args=["pdf"])).status_code == 404
    # The example imports cleanly.
    assert upload(client, response.content, "example.xlsx").status_code == 200


def test_dry_run_then_apply_the_same_bytes(world: World) -> None:
    client = login(world.admin)
    before = counts()
    response = upload(client, people_csv())
    html = response.content.decode()
    assert response.status_code == 200
    assert counts() == before
    assert "50 people will be invited" in html and html.count('data-action="invite"') == 50
    assert "Engineering / Platform / Infrastructure" in html
    token = html.split('name="token" value="')[1].split('"')[0]
    response = client.post(reverse("people:apply"), {"token": token})
    assert response.status_code == 200
    assert "Imported" in response.content.decode()
    assert Invitation.objects.filter(organisation=world.org).count() == 50
    assert Team.objects.filter(organisation=world.org, name="Infrastructure").exists()
    # The checked upload is used once.
    again = client.post(reverse("people:apply"), {"token": token})
    assert again.status_code == 410


def test_apply_refuses_a_changed_file(world: World, settings: Settings) -> None:
    client = login(world.admin)
    html = upload(client, people_csv()).content.decode()
    token = html.split('name="token" value="')[1].split('"')[0]
    (stored,) = (Path(settings.VAR_DIR) / "uploads").glob(f"{token}-*.bin")
    stored.write_bytes(people_csv(people_rows()[:3]))
    before = counts()
    response = client.post(reverse("people:apply"), {"token": token})
    assert response.status_code == 410 and counts() == before
    assert "no longer available" in response.content.decode()


def test_errors_are_shown_per_row_with_422_and_no_apply_button(world: World) -> None:
    rows = people_rows()
    rows[3][3] = "boss"
    response = upload(login(world.admin), people_csv(rows))
    html = response.content.decode()
    assert response.status_code == 422
    assert "Unknown role “boss”" in html and 'data-row="5" data-action="error"' in html
    assert 'name="token"' not in html


def test_a_refused_file_shows_why(world: World) -> None:
    response = upload(login(world.admin), people_csv(), "people.xlsm")
    assert response.status_code == 422
    assert "The file is damaged: it is named like a spreadsheet" in response.content.decode()
    response = login(world.admin).post(reverse("people:upload"), {})
    assert response.status_code == 400


@pytest.mark.parametrize("persona", ["champion", "lead", "member", "viewer"])
def test_only_admins_may_use_the_import(world: World, persona: str) -> None:
    client = login(getattr(world, persona))
    before = counts()
    assert client.get(URL).status_code == 403
    assert upload(client, people_csv()).status_code == 403
    assert client.post(reverse("people:apply"), {"token": "x" * 32}).status_code == 403
    assert counts() == before


def test_another_members_token_is_gone(world: World) -> None:
    html = upload(login(world.admin), people_csv()).content.decode()
    token = html.split('name="token" value="')[1].split('"')[0]
    other_admin = Membership.objects.create(user=world.champion.user, organisation=world.other_org, role="admin")
    response = login(other_admin).post(reverse("people:apply"), {"token": token})
    assert response.status_code in (403, 410)
    assert not Invitation.objects.exists()


def test_the_dry_run_costs_the_same_queries_for_5_and_50_rows(world: World) -> None:
    client = login(world.admin)
    with count_queries() as small:
        few = [[*row[:4], "", "", row[6]] for row in people_rows()[:5]]
        assert upload(client, people_csv(few)).status_code == 200
    with assert_queries(small, label="dry run of 50 rows"):
        assert upload(client, people_csv()).status_code == 200
