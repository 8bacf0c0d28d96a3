"""The OpenAPI document: committed, checked in CI, served with local docs (no CDN)."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]


def test_committed_document_matches_the_code() -> None:
    call_command("export_openapi", check=str(ROOT / "openapi.json"), stdout=io.StringIO())


def test_check_prints_a_diff_and_fails_when_the_document_differs(tmp_path: Path) -> None:
    stale = tmp_path / "openapi.json"
    doc = json.loads((ROOT / "openapi.json").read_text())
    doc["info"]["title"] = "Stale"
    stale.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")
    out = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("export_openapi", check=str(stale), stdout=out)
    assert exc.value.returncode == 1
    assert '-    "title": "Stale",' in out.getvalue() and '+    "title": "Ambit API",' in out.getvalue()


def test_output_is_deterministic(tmp_path: Path) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    call_command("export_openapi", output=str(a), stdout=io.StringIO())
    call_command("export_openapi", output=str(b), stdout=io.StringIO())
    assert a.read_text() == b.read_text() and a.read_text().endswith("}\n")


def test_every_operation_has_an_explicit_entity_verb_id_and_documents_problem_errors() -> None:
    doc = json.loads((ROOT / "openapi.json").read_text())
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            assert re.fullmatch(r"[a-z_]+_[a-z]+", op["operationId"]), op["operationId"]
            for code, response in op["responses"].items():
                if code.startswith("4"):
                    assert list(response["content"]) == ["application/problem+json"], (path, method, code)
            assert "401" in op["responses"] and "429" in op["responses"]


@pytest.mark.django_db
def test_openapi_json_is_served_and_equals_the_committed_one() -> None:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json() == json.loads((ROOT / "openapi.json").read_text())


@pytest.mark.django_db
def test_docs_use_the_bundled_swagger_assets_not_a_cdn() -> None:
    client = Client()
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert "cdn" not in html.lower()
    assert not re.search(r"(src|href)=\"https?://", html)
    assets = re.findall(r"(?:src|href)=\"(/api/v1/docs/assets/[^\"]+)\"", html)
    assert {a.rsplit("/", 1)[-1] for a in assets} >= {"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-init.js"}
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200
        assert response.streaming  # served from the file, not rendered
        assert len(response.getvalue()) > 100
    assert client.get("/api/v1/docs/assets/../../settings.py").status_code == 404


def test_no_two_schemas_share_a_name() -> None:
    """django-ninja names a component after its class: two ``DecisionOut`` in two routers would
    leave one operation documented with the other's fields."""
    import importlib
    import pkgutil

    from ninja import Schema

    import ambit.api.routers

    modules = [importlib.import_module("ambit.api.schemas"), importlib.import_module("ambit.api.out")]
    modules += [
        importlib.import_module(m.name) for m in pkgutil.iter_modules(ambit.api.routers.__path__, "ambit.api.routers.")
    ]
    where: dict[str, list[str]] = {}
    for module in modules:
        for name, value in vars(module).items():
            if isinstance(value, type) and issubclass(value, Schema) and value.__module__ == module.__name__:
                where.setdefault(name, []).append(module.__name__)
    assert {name: places for name, places in where.items() if len(places) > 1} == {}
