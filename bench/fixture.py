"""Prepare a built benchmark database for a load run and print what the load needs as JSON.

For each simulated person: a logged-in session (a real Django session row, so the run measures
pages, not password hashing), a read-write API token, and the ids their operations use. People
are picked deterministically: members who own key results in the current cycle (they check in,
read their week, their team, their objective) and team leads (they read their team's page).

Run by ``bench/run.py`` as ``python bench/fixture.py <org-slug> <count>`` with the benchmark's
DATABASE_URL in the environment. ``python bench/fixture.py --tasks`` reports the background queue;
``--serve`` answers run.py line by line for the life of a server: ``tasks`` with the same, ``drain
SECONDS`` once the queue is empty, with when it was seen so (Unix time; null after SECONDS).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ambit.settings")


def build(slug: str, count: int) -> dict[str, Any]:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db.models import Count, Q

    from ambit.accounts.middleware import SESSION_KEY as MEMBERSHIP_KEY
    from ambit.accounts.models import Membership, Organisation, Role, TeamMember
    from ambit.api.models import ApiToken
    from ambit.api.services import api_token_create
    from ambit.okrs.models import KeyResult, KeyResultKind, KeyResultState, Objective, ObjectiveState
    from ambit.okrs.selectors import cycle_current

    org = Organisation.objects.get(slug=slug)
    admin = Membership.objects.select_related("user").filter(organisation=org, role=Role.ADMIN).order_by("id").first()
    assert admin is not None, f"{slug} has no admin"
    cycle = cycle_current(actor=admin)
    assert cycle is not None, f"{slug} has no cycle"

    numeric = [KeyResultKind.INCREASE, KeyResultKind.DECREASE]
    owners = (
        Membership.objects.filter(organisation=org, role=Role.MEMBER, is_active=True)
        .annotate(
            krs=Count(
                "owned_key_results",
                filter=Q(
                    owned_key_results__objective__cycle=cycle,
                    owned_key_results__state=KeyResultState.ACTIVE,
                    owned_key_results__kind__in=numeric,
                    # Key results that follow their child objectives take no check-ins of their own.
                    owned_key_results__progress_from_children=False,
                ),
            )
        )
        .filter(krs__gt=0)
        .select_related("user")
        .order_by("id")[:count]
    )
    lead_ids = list(
        TeamMember.objects.filter(team__organisation=org, is_lead=True, membership__is_active=True)
        .order_by("membership_id")
        .values_list("membership_id", "team__slug")[: count * 4]
    )
    seen: set[int] = set()
    leads: list[tuple[int, str]] = []
    for mid, team_slug in lead_ids:
        if mid not in seen:
            seen.add(mid)
            leads.append((mid, team_slug))
    leads = leads[:count]
    lead_members = {m.pk: m for m in Membership.objects.select_related("user").filter(pk__in=[m for m, _ in leads])}

    def session_for(member: Membership) -> str:
        store = SessionStore()
        store[SESSION_KEY] = str(member.user.pk)
        # The backend that loads users: axes, first in AUTHENTICATION_BACKENDS, only guards logins.
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = member.user.get_session_auth_hash()
        store[MEMBERSHIP_KEY] = member.pk
        store.set_expiry(7 * 24 * 3600)
        store.create()
        return str(store.session_key)

    def token_for(member: Membership) -> str:
        ApiToken.objects.filter(membership=member, name="bench").delete()
        return api_token_create(actor=member, name="bench").secret

    people: list[dict[str, Any]] = []
    owner_ids = [m.pk for m in owners]
    for m in owners:
        krs = list(
            KeyResult.objects.filter(
                owner=m,
                objective__cycle=cycle,
                state=KeyResultState.ACTIVE,
                kind__in=numeric,
                progress_from_children=False,
            )
            .select_related("objective__team")
            .order_by("id")
        )
        kr = krs[0]
        # The objective page they read: their team's objective, which nobody in the run writes to,
        # so its history (drawn in full on the page) does not grow with every benchmark run.
        reading = (
            Objective.objects.filter(cycle=cycle, team_id=kr.objective.team_id)
            .exclude(owner_id__in=owner_ids)
            .exclude(state=ObjectiveState.CANCELLED)
            .order_by("id")
            .values_list("pk", flat=True)
            .first()
        ) or kr.objective_id
        people.append(
            {
                "email": m.user.email,
                "role": "member",
                "session": session_for(m),
                "token": token_for(m),
                "team_slug": kr.objective.team.slug if kr.objective.team else None,
                "membership_id": m.pk,
                "objective_id": reading,
                "key_result_id": kr.pk,
                "value": float(kr.target_value if kr.target_value is not None else 1),
            }
        )
    # Each member's own team (the first they belong to): their standup. The key result's team is
    # not always theirs, and an individual objective has none (the standup then answered 404).
    own_team: dict[int, str] = {}
    rows = TeamMember.objects.filter(membership_id__in=[p["membership_id"] for p in people]).order_by("team_id")
    for membership_id, team_slug in rows.values_list("membership_id", "team__slug"):
        own_team.setdefault(membership_id, team_slug)
    for person in people:
        person["own_team_slug"] = own_team.get(person["membership_id"]) or person["team_slug"]
    lead_people = [
        {
            "email": lead_members[mid].user.email,
            "role": "lead",
            "session": session_for(lead_members[mid]),
            "team_slug": team_slug,
            "one_on_one_id": one_on_one_for(lead_members[mid], cycle),
        }
        for mid, team_slug in leads
    ]
    if not people or not lead_people:
        raise SystemExit(f"{slug}: found {len(people)} members with key results and {len(lead_people)} team leads")
    return {
        "organisation": slug,
        "cycle_id": cycle.pk,
        "members": people,
        "leads": lead_people,
        "sizes": sizes(org),
        "versions": versions(),
    }


def one_on_one_for(manager: Any, cycle: Any) -> int | None:
    """The 1:1 of ``manager`` with one of their reports (the first who owns key results in the
    cycle, so its agenda has rows), started through the service when there is none yet; None when
    they have no report. Read by the ``oneonone`` operation (the 1:1 page with its agenda)."""
    from django.db.models import Count, Q

    from ambit.accounts.models import Membership
    from ambit.oneonones.models import OneOnOne
    from ambit.oneonones.services import one_on_one_start

    existing = OneOnOne.objects.filter(manager=manager).order_by("id").values_list("pk", flat=True).first()
    if existing is not None:
        return int(existing)
    report = (
        Membership.objects.filter(organisation_id=manager.organisation_id, manager=manager, is_active=True)
        .annotate(krs=Count("owned_key_results", filter=Q(owned_key_results__objective__cycle=cycle)))
        .order_by("-krs", "id")
        .first()
    )
    if report is None:
        return None
    return int(one_on_one_start(actor=manager, other=report).pk)


def sizes(org: Any) -> dict[str, int]:
    from ambit.accounts.models import Membership, Team
    from ambit.okrs.models import CheckIn, KeyResult, Objective

    return {
        "people": Membership.objects.filter(organisation=org).count(),
        "teams": Team.objects.filter(organisation=org).count(),
        "objectives": Objective.objects.filter(organisation=org).count(),
        "key results": KeyResult.objects.filter(organisation=org).count(),
        "check-ins": CheckIn.objects.filter(organisation=org).count(),
    }


def versions() -> dict[str, str]:
    import django
    import gunicorn
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("select sqlite_version()" if connection.vendor == "sqlite" else "show server_version")
        db_version = cursor.fetchone()[0]
    name = "SQLite" if connection.vendor == "sqlite" else "PostgreSQL"
    try:
        import locust

        locust_version = locust.__version__
    except ImportError:  # the instrumented pass does not need it
        locust_version = "not installed"
    return {
        "Django": django.get_version(),
        "gunicorn": gunicorn.__version__,
        "locust": locust_version,
        "database": f"{name} {db_version}",
    }


def tasks() -> dict[str, int]:
    """Background tasks still queued or running, and those that failed."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    return {
        "pending": DBTaskResult.objects.filter(status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]).count(),
        "failed": DBTaskResult.objects.filter(status=TaskResultStatus.FAILED).count(),
    }


def drain(timeout: float) -> dict[str, Any]:
    """Poll the queue every 0.1 s until nothing is queued or running: the moment it was seen empty."""
    started = time.time()
    while (state := tasks())["pending"] and time.time() - started < timeout:
        time.sleep(0.1)
    return {**state, "empty_at": None if state["pending"] else time.time()}


def main() -> None:
    import django

    django.setup()
    if sys.argv[1] == "--tasks":
        json.dump(tasks(), sys.stdout)
        return
    if sys.argv[1] == "--serve":  # set up once, so a drain starts polling the moment it is asked
        for line in sys.stdin:
            command, *rest = line.split()
            print(json.dumps(drain(float(rest[0])) if command == "drain" else tasks()), flush=True)
        return
    slug, count = sys.argv[1], int(sys.argv[2])
    json.dump(build(slug, count), sys.stdout)


if __name__ == "__main__":
    main()
