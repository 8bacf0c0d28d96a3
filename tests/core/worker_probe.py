"""What the worker subprocesses of test_worker_recovery.py run: a roll-up refresh that first
waits for a gate file (so a test knows the worker is inside the task), and the set-up of their
SQLite database (``manage.py shell -c "...build(...)"``)."""

from __future__ import annotations

import json
import time
from pathlib import Path

from django.conf import settings
from django.test import override_settings
from django_tasks import task

from ambit.okrs.metrics import compute_metrics
from ambit.okrs.models import Objective
from ambit.okrs.tasks import refresh_rollups

GATE = "gate"
GATE_TIMEOUT_SECONDS = 120
WRONG = 0.99
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@task()
def refresh_after_gate(gate_name: str, organisation_id: int) -> int:
    """Wait until the file ``gate_name`` exists in the var folder (each test's own copy), then
    refresh every roll-up of the organisation."""
    gate = Path(settings.VAR_DIR) / gate_name
    deadline = time.monotonic() + GATE_TIMEOUT_SECONDS
    while not gate.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{gate} never appeared")
        time.sleep(0.02)
    return refresh_rollups.call(organisation_id, None)


def build(folder: str) -> None:
    """An organisation with blended annual and quarterly objectives whose stored roll-ups are all
    wrong; writes the right values (expected.json) and enqueues ``refresh_after_gate`` on the
    database backend (task.json: its id)."""
    from tests.builders import build_annual_over_quarters, build_world

    world = build_world()
    objectives = build_annual_over_quarters(world)
    Objective.objects.filter(organisation=world.org).update(rolled_progress=None)
    fresh = list(Objective.objects.filter(organisation=world.org).prefetch_related("key_results"))
    metrics = compute_metrics(organisation=world.org, objectives=fresh)
    expected = {str(o.pk): metrics.objective(o).progress for o in fresh}
    assert len(expected) == len(objectives)
    Objective.objects.filter(organisation=world.org).update(rolled_progress=WRONG)
    with override_settings(TASKS=DATABASE_TASKS):
        result = refresh_after_gate.enqueue(GATE, world.org.pk)
    (Path(folder) / "expected.json").write_text(json.dumps(expected))
    (Path(folder) / "task.json").write_text(json.dumps({"id": result.id}))
