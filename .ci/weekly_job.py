"""An integrator's weekly job, written only against the client openapi-python-client generates
from the committed ``openapi.json`` (package ``ambit_client``).

CI (``.ci/client-live``) generates the client, type-checks this file with ``mypy --strict`` and
runs it against a live server: if the document stops describing what the API does, or the API
stops doing what an integrator needs, CI fails here. The job:

1. finds the current cycle and a team by its slug;
2. creates the team's objective with its key results in one atomic call;
3. checks in on the first key result;
4. reads the key results back with their status and forecast, and prints the week's summary.

Environment: ``AMBIT_URL`` (the server, e.g. http://127.0.0.1:8765), ``AMBIT_TOKEN`` (an API
token, ``amb_…``), ``AMBIT_TEAM_SLUG`` (default ``platform``).
"""

from __future__ import annotations

import os
import sys
from typing import TypeVar

from ambit_client import AuthenticatedClient
from ambit_client.api.check_ins import check_in_create
from ambit_client.api.cycles import cycle_current
from ambit_client.api.key_results import key_result_list
from ambit_client.api.objectives import objective_create
from ambit_client.api.organisation import team_list
from ambit_client.models import (
    CheckInIn,
    KeyResultIn,
    KeyResultInKind,
    KeyResultOutState,
    ObjectiveIn,
    ObjectiveInState,
    ObjectiveOutState,
    Problem,
)

T = TypeVar("T")


class JobFailed(Exception):
    """The API answered with a problem (or nothing the document describes)."""


def expect(result: T | Problem | None, what: str) -> T:
    """The typed result, or a failure naming the step and the problem's detail and fields."""
    if isinstance(result, Problem):
        fields = "; ".join(f"{e.field}: {e.message}" for e in result.errors)
        raise JobFailed(f"{what}: {result.status} {result.detail} {fields}".strip())
    if result is None:
        raise JobFailed(f"{what}: an answer the API document does not describe")
    return result


def run(client: AuthenticatedClient, team_slug: str) -> None:
    cycle = expect(cycle_current.sync(client=client), "current cycle")
    teams = expect(team_list.sync(client=client, slug=team_slug), f"team {team_slug!r}")
    if not teams.items:
        raise JobFailed(f"team {team_slug!r}: no team has this slug")
    team = teams.items[0]

    body = ObjectiveIn(
        cycle_id=cycle.id,
        title=f"{team.name}: ship the weekly integration",
        team_id=team.id,
        state=ObjectiveInState.ACTIVE,
        key_results=[
            KeyResultIn(title="Integrations live", start_value=0, target_value=10),
            KeyResultIn(title="Sync errors a day", kind=KeyResultInKind.DECREASE, start_value=40, target_value=5),
        ],
    )
    objective = expect(objective_create.sync(client=client, body=body), "create the objective")
    if objective.state is not ObjectiveOutState.ACTIVE:
        raise JobFailed(f"create the objective: state {objective.state.value}, not active")

    page = expect(key_result_list.sync(client=client, objective_id=objective.id), "key results")
    if len(page.items) != 2 or page.next_cursor is not None:
        raise JobFailed(f"key results: {len(page.items)} on the page, expected the 2 created with the objective")
    first = page.items[0]
    created = expect(
        check_in_create.sync(client=client, key_result_id=first.id, body=CheckInIn(value=3, note="Weekly sync")),
        "check in",
    )
    if created.key_result.current_value != 3:
        raise JobFailed(f"check in: the key result reads {created.key_result.current_value}, not 3")

    page = expect(key_result_list.sync(client=client, objective_id=objective.id), "key results after the check-in")
    print(f"{cycle.name} ({cycle.state.value}), {team.name}: {objective.title}")
    for kr in page.items:
        if kr.state is not KeyResultOutState.ACTIVE:
            raise JobFailed(f"key result {kr.id}: {kr.state.value}")
        m = kr.metrics
        forecast = m.forecast.end_value if m.forecast is not None else None
        print(f"  {kr.title}: progress {m.progress:.2f}, {m.status.value}, forecast {forecast}")


def main() -> int:
    client = AuthenticatedClient(
        base_url=os.environ["AMBIT_URL"], token=os.environ["AMBIT_TOKEN"], raise_on_unexpected_status=True
    )
    try:
        with client:
            run(client, os.environ.get("AMBIT_TEAM_SLUG", "platform"))
    except JobFailed as exc:
        print(f"weekly job failed: {exc}", file=sys.stderr)
        return 1
    print("weekly job: done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
