"""Time the cycle report (issue 17: a 10,000-person cycle's report within a minute): PDF and XLSX,
for the whole organisation and for one department, on the benchmark's S and L organisations.

Each report is written by ``manage.py cycle_report`` in a process of its own, as an operator
would run it, and timed from the command's start to its end (Django's start-up included); each
is run ``--repeats`` times and the median and spread reported. The organisations are the ones
``bench/run.py`` builds (SQLite files under var/bench/, or PostgreSQL databases when
DATABASE_URL points at PostgreSQL); run ``make bench`` once first, or ``--build``.

Run: .venv/bin/python bench/reports_bench.py [--sizes S,L] [--repeats 2]
Writes bench/results/<date>-reports-<db>.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import run as bench  # noqa: E402

GOAL_SECONDS = 60.0
# The cycle the benchmark reads (the current one, as bench/fixture.py picks it) and a department.
FIND_SCOPE = """
from ambit.accounts.models import Membership, Organisation, Role, Team, TeamKind
from ambit.okrs.selectors import cycle_current
org = Organisation.objects.get(slug={slug!r})
admin = Membership.objects.filter(organisation=org, role=Role.ADMIN).order_by("id").first()
cycle = cycle_current(actor=admin)
department = Team.objects.filter(organisation=org, kind=TeamKind.DEPARTMENT).order_by("name").first()
print(cycle.name)
print(department.slug)
"""


def scope(target: bench.Target) -> tuple[str, str]:
    out = bench.run([bench.PY, "manage.py", "shell", "-c", FIND_SCOPE.format(slug=target.slug)], target.env)
    cycle, department = out.strip().splitlines()[-2:]
    return cycle, department


def timed(target: bench.Target, cycle: str, team: str, path: Path) -> tuple[float, int]:
    cmd = [bench.PY, "manage.py", "cycle_report", "--org", target.slug, "--cycle", cycle, "-o", str(path)]
    if team:
        cmd += ["--team", team]
    started = time.perf_counter()
    bench.run(cmd, target.env)
    return time.perf_counter() - started, path.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="S,L")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--build", action="store_true", help="Build the organisations when missing.")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    db = "postgresql" if url.startswith(("postgres://", "postgresql://")) else "sqlite"
    sizes = [s.strip().upper() for s in args.sizes.split(",")]
    work = Path(tempfile.mkdtemp(prefix="ambit-reports-bench-"))
    rows = []
    missed = []
    info = bench.machine()
    for target in bench.targets(db, sizes, bench.SIZES):
        if args.build:
            bench.ensure_built(target, rebuild=False)
        elif not target.marker.exists():
            raise SystemExit(f"{target.size} is not built yet: run make bench first, or pass --build")
        cycle, department = scope(target)
        for team in ("", department):
            for fmt in ("pdf", "xlsx"):
                times, size = [], 0
                for r in range(args.repeats):
                    seconds, size = timed(target, cycle, team, work / f"{target.size}-{team or 'org'}-{r}.{fmt}")
                    times.append(seconds)
                    bench.log(f"{target.size} {fmt} {team or 'organisation'}: {seconds:.1f} s ({size:,} bytes)")
                median = statistics.median(times)
                what = f"{'department ' + team if team else 'organisation'}"
                rows.append(
                    f"| {target.size} ({target.people:,} people) | {what} | {fmt.upper()} | {median:.1f} | "
                    f"{min(times):.1f}–{max(times):.1f} | {size / 1024:,.0f} KB |"
                )
                if median > GOAL_SECONDS:
                    missed.append(f"{target.size} {what} {fmt}: {median:.1f} s")
    lines = [
        f"# Ambit cycle report timings — {dt.date.today().isoformat()}, {db}",
        "",
        *[f"- **{key}:** {value}" for key, value in info.items()],
        f"- **database:** {db}",
        "",
        "Each report written by `manage.py cycle_report` in a process of its own (Django's start-up "
        f"included), {args.repeats} times; seconds, median and lowest–highest. Goal (issue 17): a "
        f"10,000-person cycle's report within {GOAL_SECONDS:.0f} s.",
        "",
        "| organisation | scope | format | seconds (median) | spread | size |",
        "|---|---|---|--:|--:|--:|",
        *rows,
        "",
        "Missed: " + ("; ".join(missed) if missed else "none."),
        "",
    ]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{dt.date.today().isoformat()}-reports-{db}.md"
    path.write_text("\n".join(lines))
    bench.log(f"written to {path}")
    if missed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
