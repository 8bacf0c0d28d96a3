"""Issue 12, item 20: the client openapi-python-client generates from the committed openapi.json
runs an integrator's weekly job (``.ci/weekly_job.py``, written only against that client), and CI
generates, type-checks and runs it and lints the document with a pinned Redocly."""

from __future__ import annotations

import ast
import importlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import httpx
import pytest
from django.test import Client

from ambit.okrs.models import CheckIn, Cycle, CycleState, Objective
from tests.api.conftest import token_for
from tests.builders import World

ROOT = Path(__file__).resolve().parents[2]
CI = ROOT / ".ci"


class DjangoTransport(httpx.BaseTransport):
    """Hands the generated client's requests to Django's test client (same database, no server)."""

    def __init__(self) -> None:
        self.client = Client()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.client.generic(
            request.method,
            request.url.raw_path.decode(),
            data=request.read(),
            content_type=request.headers.get("content-type", "application/octet-stream"),
            headers={"Authorization": request.headers.get("authorization", "")},
        )
        return httpx.Response(response.status_code, headers=dict(response.items()), content=response.content)


@pytest.fixture(scope="module")
def weekly_job(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """``.ci/weekly_job.py`` importing a client freshly generated from the committed document."""
    out = tmp_path_factory.mktemp("client")
    generator = Path(sys.executable).parent / "openapi-python-client"
    command = [str(generator), "generate", "--path", str(ROOT / "openapi.json"), "--meta", "none"]
    command += ["--output-path", str(out / "ambit_client"), "--config", str(CI / "openapi-client.yaml")]
    subprocess.run(
        command,
        check=True,
        capture_output=True,
    )
    sys.path[:0] = [str(out), str(CI)]
    try:
        yield importlib.import_module("weekly_job")
    finally:
        sys.path.remove(str(out))
        sys.path.remove(str(CI))
        for name in [n for n in sys.modules if n == "weekly_job" or n.startswith("ambit_client")]:
            del sys.modules[name]


@pytest.mark.django_db
def test_the_weekly_job_runs_through_the_generated_client(
    weekly_job: ModuleType, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    Cycle.objects.filter(pk=world.cycle.pk).update(state=CycleState.ACTIVE)
    client = weekly_job.AuthenticatedClient(
        base_url="http://testserver",
        token=token_for(world.admin),
        raise_on_unexpected_status=True,
        httpx_args={"transport": DjangoTransport()},
    )
    with client:
        weekly_job.run(client, world.team.slug)
    obj = Objective.objects.get(title="Platform: ship the weekly integration")
    assert (obj.cycle_id, obj.team_id, obj.state) == (world.cycle.pk, world.team.pk, "active")
    assert [kr.title for kr in obj.key_results.order_by("position", "pk")] == ["Integrations live", "Sync errors a day"]
    assert [float(c.value or 0) for c in CheckIn.objects.filter(key_result__objective=obj)] == [3.0]
    printed = capsys.readouterr().out
    assert "Integrations live: progress 0.30" in printed


def test_the_weekly_job_uses_only_the_generated_client_and_the_standard_library() -> None:
    tree = ast.parse((CI / "weekly_job.py").read_text())
    roots = {
        (node.module or "").split(".")[0] if isinstance(node, ast.ImportFrom) else alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert "ambit_client" in roots
    assert roots - {"ambit_client"} <= set(sys.stdlib_module_names) | {"__future__"}


def test_ci_generates_types_runs_and_lints_after_the_api_schema_step() -> None:
    run = (CI / "run").read_text()
    assert run.index('step "API schema"') < run.index("npm ci --prefix .ci") < run.index("bash .ci/client-live")
    assert run.index("bash .ci/client-live") < run.index('step "schemathesis against the live app"')
    live = (CI / "client-live").read_text()
    for needle in ("openapi-python-client generate", "--config-file .ci/mypy-client.ini", "weekly_job.py", "lint"):
        assert needle in live
    assert "strict = True" in (CI / "mypy-client.ini").read_text()
    package = json.loads((CI / "package.json").read_text())
    lock = json.loads((CI / "package-lock.json").read_text())
    version = package["devDependencies"]["@redocly/cli"]
    assert version[0].isdigit(), "pin the linter to an exact version"
    assert lock["packages"]["node_modules/@redocly/cli"]["version"] == version
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert '"openapi-python-client>=' in pyproject
