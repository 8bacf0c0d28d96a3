"""The instrumented pass: SQL queries per request for every operation, counted in-process with
Django's test client against the benchmark database (separate from the timed run, so counting
costs nothing there). Prints {operation: queries} as JSON; for a page kept between writes,
"cached / computed".

Run by bench/run.py as ``python bench/queries.py <fixture.json>`` with the benchmark's
DATABASE_URL in the environment. Tasks are queued in the database, as the timed server does
(``TASKS_BACKEND=database``): a write's count is what its request costs, its roll-up is the
worker's. The counting pass's own queued tasks are run before it exits.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ambit.settings")
os.environ["TASKS_BACKEND"] = "database"  # as the timed server: roll-ups are the worker's

import django  # noqa: E402

django.setup()

from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from ops import CSRF_SECRET, OPS, Op, bump_values, checkin_form  # noqa: E402

REPEATS = 3  # counted requests per operation (the most is reported); a third argument overrides it


def _request(client: Client, op: Op, fixture: dict[str, Any], person: dict[str, Any], turn: int) -> int:
    path = op.path(fixture, person)
    if op.method == "GET":
        return client.get(path).status_code
    if op.method == "POST":
        form = checkin_form(client.get("/check-in/?all=1").content.decode())
        return client.post(path, dict_from([("all", "1"), *bump_values(form, turn)])).status_code
    body = {"value": person["value"] + turn % 2, "confidence": 7, "note": "bench"}
    return client.post(path, body, content_type="application/json").status_code


def dict_from(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for k, v in pairs:
        out.setdefault(k, []).append(v)
    return out


def count(op: Op, fixture: dict[str, Any], repeats: int = REPEATS) -> str:
    """The most queries one request ran; for a page kept between writes (core.page_cache),
    "cached / computed": seen again since the last write, and drawn afresh as after one."""
    person = fixture[op.persona][0]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {person['token']}"} if op.api else {}
    client = Client(**headers)
    if not op.api:
        client.cookies["sessionid"] = person["session"]
        client.cookies["csrftoken"] = CSRF_SECRET
    expected = {"GET": 200, "POST": 302, "API-POST": 201}[op.method]
    status = _request(client, op, fixture, person, 0)  # warm: caches, the session's membership
    if status != expected:
        raise SystemExit(f"{op.name}: {op.path(fixture, person)} answered {status}, expected {expected}")
    counts = []
    for turn in range(1, repeats + 1):
        if op.method == "POST":  # the form is read before each submit; count the submit alone
            form = checkin_form(client.get("/check-in/?all=1").content.decode())
            data = dict_from([("all", "1"), *bump_values(form, turn)])
            with CaptureQueriesContext(connection) as ctx:
                status = client.post(op.path(fixture, person), data).status_code
        else:
            with CaptureQueriesContext(connection) as ctx:
                status = _request(client, op, fixture, person, turn)
        if status != expected:
            raise SystemExit(f"{op.name} answered {status}, expected {expected}")
        counts.append(len(ctx.captured_queries))
    if op.method != "GET":
        return str(max(counts))
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        status = _request(client, op, fixture, person, repeats + 1)
    if status != expected:
        raise SystemExit(f"{op.name} answered {status}, expected {expected}")
    computed = len(ctx.captured_queries)
    return str(computed) if computed == max(counts) else f"{max(counts)} / {computed}"


def main() -> None:
    fixture = json.loads(Path(sys.argv[1]).read_text())
    wanted = set(sys.argv[2].split(",")) if len(sys.argv) > 2 else None
    repeats = int(sys.argv[3]) if len(sys.argv) > 3 else REPEATS
    counts = {op.name: count(op, fixture, repeats) for op in OPS if wanted is None or op.name in wanted}
    # The roll-ups the counted writes queued, so the timed run starts from settled data.
    call_command("run_worker", "--batch", "--no-reload", "--no-startup-delay", verbosity=0)
    json.dump(counts, sys.stdout)


if __name__ == "__main__":
    main()
