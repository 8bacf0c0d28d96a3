"""Time the planning-sheet import: dry run and apply of a 2,000-row workbook, then the
re-upload of the same file (which must change nothing).

Run: .venv/bin/python bench/sheets_bench.py   (uses a throwaway SQLite database under /tmp)
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORKDIR = Path(tempfile.mkdtemp(prefix="ambit-sheets-bench-", dir="/tmp"))
os.environ["DATABASE_URL"] = f"sqlite:///{WORKDIR / 'bench.sqlite3'}"
os.environ["AMBIT_VAR_DIR"] = str(WORKDIR)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ambit.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

import datetime as dt  # noqa: E402
import io  # noqa: E402
import shutil  # noqa: E402

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from openpyxl import Workbook  # noqa: E402

from ambit.accounts.models import Membership, Organisation, Role, Team, TeamKind, TeamMember, User  # noqa: E402
from ambit.core.models import AuditEntry  # noqa: E402
from ambit.okrs import services as okrs  # noqa: E402
from ambit.okrs.models import Cycle, CycleState, KeyResult, Objective  # noqa: E402
from ambit.sheets.layout import COLUMNS, OKR_SHEET, format_parent  # noqa: E402
from ambit.sheets.services import sheet_import  # noqa: E402

ROWS = int(os.environ.get("BENCH_ROWS", "2000"))
KRS_PER_OBJECTIVE = 4
TEAMS = 20
PEOPLE = 100


def build_org() -> tuple[Membership, Cycle, list[Objective], list[Team], list[Membership]]:
    org = Organisation.objects.create(name="Bench", slug="bench")
    users = User.objects.bulk_create(User(email=f"p{i}@bench.test", full_name=f"Person {i}") for i in range(PEOPLE))
    people = Membership.objects.bulk_create(
        Membership(user=u, organisation=org, role=Role.CHAMPION if i == 0 else Role.MEMBER) for i, u in enumerate(users)
    )
    champion = Membership.objects.select_related("organisation", "user").get(pk=people[0].pk)
    company = Team.objects.create(organisation=org, name="Bench Inc", slug="bench-inc", kind=TeamKind.COMPANY)
    teams = [
        Team.objects.create(organisation=org, name=f"Team {i}", slug=f"team-{i}", parent=company) for i in range(TEAMS)
    ]
    TeamMember.objects.bulk_create(
        TeamMember(team=teams[i % TEAMS], membership=m, is_lead=i < TEAMS) for i, m in enumerate(people[1:])
    )
    today = dt.date.today()
    cycle = Cycle.objects.create(
        organisation=org,
        name="Bench quarter",
        start_date=today,
        end_date=today + dt.timedelta(days=90),
        state=CycleState.PLANNING,
    )
    company_goals = [
        okrs.objective_create(actor=champion, cycle=cycle, title=f"Company goal {i}", team=company) for i in range(5)
    ]
    return champion, cycle, company_goals, teams, people


def workbook(company_goals: list[Objective], teams: list[Team], people: list[Membership]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = OKR_SHEET
    ws.append([c.header for c in COLUMNS])
    keys = [c.key for c in COLUMNS]
    emails = [m.user.email for m in people]
    for i in range(ROWS):
        o, k = divmod(i, KRS_PER_OBJECTIVE)
        team = teams[o % TEAMS]
        parent = company_goals[o % len(company_goals)]
        cells = {
            "team": team.slug,
            "objective": f"Objective {o} of {team.name}",
            "objective_description": "Why this matters, in a sentence or two.",
            "owner": emails[1 + (o % (PEOPLE - 1))],
            "ambition": "aspirational" if o % 3 == 0 else "committed",
            "visibility": "public",
            "parent": format_parent(parent.pk, parent.title),
            "kr": f"Key result {k} of objective {o}",
            "kr_owner": emails[1 + ((o + k) % (PEOPLE - 1))],
            "kind": "increase",
            "start": f"{k * 10}%",
            "target": "1,200" if k % 2 else "1.5k",
            "unit": "",
            "weight": 1,
        }
        ws.append([cells.get(key) for key in keys])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def timed(label: str, fn):  # type: ignore[no-untyped-def]
    count = 0

    def counter(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        start = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - start
    return label, elapsed, count, result


def main() -> None:
    call_command("migrate", verbosity=0)
    champion, cycle, goals, teams, people = build_org()
    data = workbook(goals, teams, people)
    runs = [
        timed(
            f"dry run ({ROWS:,} new rows)",
            lambda: sheet_import(actor=champion, cycle=cycle, data=data, filename="b.xlsx"),
        ),
        timed(
            f"apply ({ROWS:,} new rows)",
            lambda: sheet_import(actor=champion, cycle=cycle, data=data, filename="b.xlsx", dry_run=False),
        ),
    ]
    from ambit.sheets.exporter import export_workbook

    exported = export_workbook(actor=champion, cycle=cycle)
    audit_before = AuditEntry.objects.count()
    runs.append(
        timed(
            "re-upload of the exported workbook (dry run)",
            lambda: sheet_import(actor=champion, cycle=cycle, data=exported, filename="e.xlsx"),
        )
    )
    runs.append(
        timed(
            "re-upload of the exported workbook (apply)",
            lambda: sheet_import(actor=champion, cycle=cycle, data=exported, filename="e.xlsx", dry_run=False),
        )
    )
    assert AuditEntry.objects.count() == audit_before, "re-uploading the same file must write nothing"
    print(f"Workbook: {ROWS:,} rows, {len(data) / 1024:.0f} KB; {TEAMS} teams, {PEOPLE} people; SQLite in {WORKDIR}")
    print()
    print("| step | seconds | queries | created | updated | unchanged | problems |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, seconds, queries, report in runs:
        print(
            f"| {label} | {seconds:.2f} | {queries:,} | {report.created} | {report.updated} | {report.unchanged} | "
            f"{len(report.problems)} |"
        )
    print()
    print(
        f"After apply: {Objective.objects.filter(cycle=cycle).count()} objectives, "
        f"{KeyResult.objects.filter(objective__cycle=cycle).count()} key results."
    )
    shutil.rmtree(WORKDIR, ignore_errors=True)


if __name__ == "__main__":
    main()
