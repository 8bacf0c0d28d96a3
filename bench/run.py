"""``make bench``: how fast Ambit is, and how its cost grows with the organisation.

1. Builds two synthetic organisations with ``seed_synthetic`` — S (200 people) and L (10,000
   people, a year of weekly check-ins) — in SQLite files under var/bench/, or, when DATABASE_URL
   points at PostgreSQL, in databases named after it (``<name>_bench_s``, ``<name>_bench_l``).
   A built database is reused; ``--rebuild`` builds it again.
2. Counts SQL queries per request for every operation in a separate, instrumented pass.
3. Serves the app as production does (gunicorn, ``--workers``, DEBUG off, loopback only) and drives
   each operation on its own with locust in headless mode, from a separate process, at 1 and at 20
   concurrent users for ``--seconds`` each.
4. Prints a Markdown table (p50, p95, p99, requests per second, errors, queries per request; L ÷ S
   and operation ÷ floor) and writes it to bench/results/<date>-<db>.md.

Exits non-zero when any request failed. ``--smoke`` is the seconds-long check that CI runs: size
S only, 1 and 2 users, 2 seconds per operation, results in a temporary folder.
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import contextlib
import datetime as dt
import json
import os
import platform
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from ops import OPS, OPS_BY_NAME, cookie_header  # noqa: E402

PY = str(ROOT / ".venv" / "bin" / "python")
BIN = ROOT / ".venv" / "bin"
SIZES = {"S": 200, "L": 10_000}
SEED = 1
PAGED_GOAL = 1.5  # L ÷ S for every paged operation
WRITE_GOAL = 3.0  # the check-in write ÷ the floor


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- Databases --------------------------------------------------------------------------------


@dataclass
class Target:
    size: str
    people: int
    database_url: str
    slug: str
    marker: Path

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "LOG_LEVEL": "WARNING",
            "DEBUG": "0",
            "SECRET_KEY": secret_key(),
        }


def secret_key() -> str:
    """One key for every step, so the sessions fixture.py signs are valid in the server."""
    path = ROOT / "var" / "bench" / "secret-key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()


def targets(db: str, sizes: list[str], people: dict[str, int]) -> list[Target]:
    folder = ROOT / "var" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for size in sizes:
        if db == "sqlite":
            url = f"sqlite:///{folder / f'sqlite-{size}-{people[size]}.sqlite3'}"
        else:
            parts = urlsplit(os.environ["DATABASE_URL"])
            name = f"{parts.path.lstrip('/') or 'ambit'}_bench_{size.lower()}_{people[size]}"
            url = urlunsplit(parts._replace(path=f"/{name}"))
            _create_pg_database(os.environ["DATABASE_URL"], name)
        marker = folder / f"built-{db}-{size}-{people[size]}.json"
        out.append(Target(size, people[size], url, f"bench-{size.lower()}", marker))
    return out


def _create_pg_database(admin_url: str, name: str) -> None:
    import psycopg

    parts = urlsplit(admin_url)
    conninfo = dict(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or None,
        dbname=parts.path.lstrip("/") or "postgres",
    )
    with psycopg.connect(**{k: v for k, v in conninfo.items() if v is not None}, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')


def run(cmd: list[str], env: dict[str, str], *, capture: bool = True) -> str:
    """Run a step; on failure show what it printed and stop."""
    result = subprocess.run(cmd, cwd=ROOT, env=env, text=True, capture_output=capture)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:4])} failed ({result.returncode}):\n{(result.stderr or '')[-4000:]}")
    return result.stdout if capture else ""


def manage(target: Target, *args: str, capture: bool = False) -> str:
    return run([PY, "manage.py", *args], target.env, capture=capture)


def ensure_built(target: Target, rebuild: bool) -> None:
    manage(target, "migrate", "-v0", "--noinput")
    wanted = {"people": target.people, "seed": SEED, "slug": target.slug, "format": 2}
    if not rebuild and target.marker.exists() and json.loads(target.marker.read_text()) == wanted:
        log(f"{target.size}: reusing the {target.people:,}-person organisation ({target.marker.name})")
        return
    target.marker.unlink(missing_ok=True)
    log(f"{target.size}: building a {target.people:,}-person organisation (seed_synthetic)…")
    started = time.monotonic()
    manage(
        target, "seed_synthetic", "--people", str(target.people), "--seed", str(SEED), "--org-slug", target.slug,
        "--replace",
    )  # fmt: skip
    log(f"{target.size}: built in {time.monotonic() - started:.0f} s")
    target.marker.write_text(json.dumps(wanted))


def fixture(target: Target, work: Path, count: int) -> Path:
    path = work / f"fixture-{target.size}.json"
    path.write_text(run([PY, "bench/fixture.py", target.slug, str(count)], target.env))
    return path


def count_queries(target: Target, fixture_path: Path, ops: list[str]) -> dict[str, int]:
    env = {**target.env, "ALLOWED_HOSTS": "testserver"}
    out = run([PY, "bench/queries.py", str(fixture_path), ",".join(ops)], env)
    return {k: int(v) for k, v in json.loads(out).items()}


# --- Serving and load ---------------------------------------------------------------------------


def shared_cache() -> str:
    """Redis on its usual local port when it answers (as a production setup shares one cache
    between its processes), else each process's own memory."""
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return "redis://127.0.0.1:6379/7"
    except OSError:
        return "locmemcache://bench"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """gunicorn and, as in production, a background worker for the queued tasks."""

    def __init__(self, target: Target, workers: int, work: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.target = target
        env = {
            **target.env,
            "CACHE_URL": shared_cache(),
            "TASKS_BACKEND": "database",
            "ALLOWED_HOSTS": "127.0.0.1",
            "API_RATE_LIMIT": "1000000000",
            "SESSION_COOKIE_SECURE": "0",  # plain HTTP on loopback
            "CSRF_COOKIE_SECURE": "0",
        }
        self.log = work / f"gunicorn-{target.size}.log"
        self.proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "ambit.wsgi", "-b", f"127.0.0.1:{self.port}", "-w", str(workers),
             "--access-logfile", "/dev/null", "--error-logfile", str(self.log), "--timeout", "120"],
            cwd=ROOT, env=env,
        )  # fmt: skip
        self.worker_log = work / f"worker-{target.size}.log"
        with self.worker_log.open("w") as out:
            self.worker = subprocess.Popen(
                [PY, "manage.py", "run_worker", "--no-reload", "--interval", "0.2"],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/healthz", timeout=10).read()
                return
            except OSError:  # refused while booting, or slow
                if self.proc.poll() is not None:
                    break
                time.sleep(0.2)
        self.stop()
        raise SystemExit(f"gunicorn did not start; see {self.log}:\n{self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        for proc in (self.proc, self.worker):
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()

    def tasks(self) -> dict[str, int]:
        env = {**self.target.env, "TASKS_BACKEND": "database"}
        return {k: int(v) for k, v in json.loads(run([PY, "bench/fixture.py", "--tasks"], env)).items()}

    def drain(self, timeout: float = 600) -> float:
        """Wait until the worker has done what the writes queued; the seconds it took."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.tasks()["pending"] == 0:
                return time.monotonic() - started
            time.sleep(1)
        raise SystemExit(f"the background worker still had tasks queued after {timeout:.0f} s; see {self.worker_log}")


def warm(server: Server, fixture_data: dict[str, Any], ops: list[str], workers: int) -> None:
    """A few requests per page so every worker has loaded its code and templates."""

    def get(path: str, person: dict[str, Any], api: bool) -> None:
        headers = {"Authorization": f"Bearer {person['token']}"} if api else {"Cookie": cookie_header(person)}
        request = urllib.request.Request(server.url + path, headers=headers)
        with contextlib.suppress(urllib.error.HTTPError):  # the measured run reports it
            urllib.request.urlopen(request, timeout=120).read()

    jobs = []
    for name in ops:
        op = OPS_BY_NAME[name]
        if op.method != "GET":
            continue
        people = fixture_data[op.persona]
        jobs += [
            (op.path(fixture_data, people[i % len(people)]), people[i % len(people)], op.api)
            for i in range(workers * 2)
        ]
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        list(pool.map(lambda job: get(*job), jobs))


def first_view(server: Server, fixture_data: dict[str, Any]) -> float:
    """Milliseconds of the first dashboard view after the writes (its summary is recomputed)."""
    person = fixture_data["members"][0]
    request = urllib.request.Request(server.url + "/dashboard/", headers={"Cookie": cookie_header(person)})
    started = time.perf_counter()
    urllib.request.urlopen(request, timeout=300).read()
    return (time.perf_counter() - started) * 1000


@dataclass
class Measure:
    op: str
    size: str
    users: int
    samples: list[float] = field(default_factory=list)
    failures: int = 0
    seconds: float = 0.0
    queries: int | None = None
    drain_seconds: float | None = None  # after a write run: until the worker had caught up

    @property
    def count(self) -> int:
        return len(self.samples) + self.failures

    def pct(self, p: float) -> float | None:
        if not self.samples:
            return None
        ordered = sorted(self.samples)
        k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
        return ordered[k]

    @property
    def rps(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0


def load(server: Server, op: str, users: int, seconds: int, fixture_path: Path, work: Path) -> Measure:
    raw = work / f"raw-{op}-{users}.json"
    env = {
        **os.environ,
        "BENCH_OP": op,
        "BENCH_FIXTURE": str(fixture_path),
        "BENCH_RAW": str(raw),
        "PYTHONWARNINGS": "ignore",
    }
    cmd = [
        str(BIN / "locust"), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless", "--only-summary",
        "-u", str(users), "-r", str(users), "-t", f"{seconds}s", "-H", server.url, "--stop-timeout", "30",
        "--loglevel", "ERROR", "--skip-log-setup", "--exit-code-on-error", "0",
    ]  # fmt: skip
    done = subprocess.run(cmd, cwd=work, env=env, text=True, capture_output=True)
    if not raw.exists():
        raise SystemExit(f"locust wrote no results for {op} ({done.returncode}):\n{done.stderr[-3000:]}")
    samples = json.loads(raw.read_text())
    m = Measure(op=op, size="", users=users)
    m.samples = [ms for _, ms, error in samples if error is None]
    errors = [error for _, _, error in samples if error is not None]
    m.failures = len(errors)
    if samples:
        first = min(start for start, _, _ in samples)
        last = max(start + ms / 1000 for start, ms, _ in samples)
        m.seconds = max(last - first, 1e-6)
    if errors:
        common = collections.Counter(errors).most_common(3)
        log(f"  {op}: {len(errors)} failed requests: " + "; ".join(f"{n} × {e[:300]}" for e, n in common))
    return m


# --- Report -----------------------------------------------------------------------------------


def _ms(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.0f}" if value >= 100 else f"{value:.1f}"


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def machine() -> dict[str, str]:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "CPUs": f"{os.cpu_count()} × {cpu}",
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
    }


def report(
    results: dict[tuple[str, str, int], Measure],
    ops: list[str],
    sizes: list[str],
    users: list[int],
    info: dict[str, Any],
) -> tuple[str, list[str]]:
    lines = [f"# Ambit benchmark — {info['date']}, {info['versions']['database']}", ""]
    for key, value in info["versions"].items():
        lines.append(f"- **{key}:** {value}")
    lines.append(
        f"- **Server:** gunicorn, {info['workers']} sync workers, DEBUG off, 127.0.0.1, cache "
        f"`{shared_cache().split(':')[0]}`, one `run_worker`; load: locust (headless, "
        f"a separate process on the same machine), each operation alone for {info['seconds']} s per user count, "
        "no think time"
    )
    for size in sizes:
        counts = ", ".join(f"{v:,} {k}" for k, v in info["sizes"][size].items())
        lines.append(f"- **{size}:** {counts}")
    lines += ["", "Times in milliseconds. Queries: SQL queries per request, from a separate instrumented pass.", ""]
    lines.append("| operation | size | users | p50 | p95 | p99 | req/s | errors | queries |")
    lines.append("|---|---|--:|--:|--:|--:|--:|--:|--:|")
    for op in ops:
        for size in sizes:
            for u in users:
                m = results.get((op, size, u))
                if m is None:
                    continue
                lines.append(
                    f"| {OPS_BY_NAME[op].label} | {size} | {u} | {_ms(m.pct(50))} | {_ms(m.pct(95))} | "
                    f"{_ms(m.pct(99))} | {m.rps:.1f} | {m.failures} of {m.count} | {m.queries} |"
                )
    problems: list[str] = []
    drained = [m for m in results.values() if m.drain_seconds is not None]
    if drained:
        lines += [
            "",
            "Writes queue the roll-up of the objectives above them for the background worker "
            "(`TASKS_BACKEND=database`, one `run_worker`); after each write run it caught up in:",
            "",
        ]
        for m in drained:
            lines.append(f"- {OPS_BY_NAME[m.op].label}, {m.size}, {m.users} users: {m.drain_seconds:.1f} s")
    for size, ms in info.get("dashboard_after_write", {}).items():
        lines.append(
            f"- the first dashboard view after them on {size}: {_ms(ms)} ms (its summary is cached until the next "
            "write; the table shows the cached view)"
        )
    for size, failed in info.get("failed_tasks", {}).items():
        lines.append(f"- failed background tasks on {size}: {failed}")
        if failed:
            problems.append(f"{failed} background tasks failed on {size}: failed requests")
    lo, hi = users[0], users[-1]
    big, small = sizes[-1], sizes[0]
    lines += ["", "## Ratios", ""]
    head = "| operation |"
    rule = "|---|"
    if len(sizes) > 1:
        head += f" L ÷ S p50 ({lo} user) | L ÷ S p95 ({hi} users) |"
        rule += "--:|--:|"
    for size in sizes:
        head += f" ÷ floor, {size} p50 ({lo} user) |"
        rule += "--:|"
    head += " goal |"
    rule += "---|"
    lines += [head, rule]
    for op in ops:
        row = f"| {OPS_BY_NAME[op].label} |"
        verdicts = []
        if len(sizes) > 1:
            r1 = _ratio(_p(results, op, big, lo, 50), _p(results, op, small, lo, 50))
            r2 = _ratio(_p(results, op, big, hi, 95), _p(results, op, small, hi, 95))
            row += f" {_fmt_ratio(r1)} | {_fmt_ratio(r2)} |"
            if OPS_BY_NAME[op].paged and op != "floor":
                ok = r1 is not None and r1 <= PAGED_GOAL
                verdicts.append(f"L÷S ≤ {PAGED_GOAL}: {'yes' if ok else 'NO'}")
                if not ok:
                    problems.append(f"{op}: L ÷ S = {_fmt_ratio(r1)} (goal ≤ {PAGED_GOAL})")
            elif not OPS_BY_NAME[op].paged:
                verdicts.append("not paged (organisation-wide)")
        for size in sizes:
            f = _ratio(_p(results, op, size, lo, 50), _p(results, "floor", size, lo, 50))
            row += f" {_fmt_ratio(f)} |"
            if op in ("checkin_web", "checkin_api"):
                ok = f is not None and f < WRITE_GOAL
                verdicts.append(f"{size} < {WRITE_GOAL:g}× floor: {'yes' if ok else 'NO'}")
                if not ok:
                    problems.append(f"{op} on {size}: {_fmt_ratio(f)} × the floor (goal < {WRITE_GOAL:g})")
        errors = sum(results[k].failures for k in results if k[0] == op)
        if errors:
            problems.append(f"{op}: {errors} failed requests")
        verdicts.append("no errors" if not errors else f"{errors} ERRORS")
        row += f" {'; '.join(verdicts)} |"
        lines.append(row)
    lines += ["", "Goals: L ÷ S ≤ 1.5 for every paged operation, no error under load, the check-in write under 3× "
              "the floor.", ""]  # fmt: skip
    if problems:
        lines += ["Missed:", "", *[f"- {p}" for p in problems], ""]
    else:
        lines += ["Every goal met.", ""]
    return "\n".join(lines), problems


def _p(results: dict[tuple[str, str, int], Measure], op: str, size: str, users: int, pct: float) -> float | None:
    m = results.get((op, size, users))
    return m.pct(pct) if m else None


def _fmt_ratio(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


# --- Main -------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="S,L", help="Which sizes (default S,L).")
    parser.add_argument("--users", default="1,20", help="Concurrent users, comma separated (default 1,20).")
    parser.add_argument("--seconds", type=int, default=10, help="Seconds per operation and user count (default 10).")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1), help="gunicorn workers (2 × CPUs).")
    parser.add_argument("--ops", default=",".join(op.name for op in OPS), help="Operations, comma separated.")
    parser.add_argument("--rebuild", action="store_true", help="Build the organisations again.")
    parser.add_argument("--smoke", action="store_true", help="CI's check: S only, 1 and 2 users, 2 s each.")
    parser.add_argument(
        "--out", help="Folder for the results file (default bench/results; a temporary one for --smoke)."
    )
    args = parser.parse_args()
    if args.smoke:
        args.sizes, args.users, args.seconds = "S", "1,2", 2
    sizes = [s.strip().upper() for s in args.sizes.split(",")]
    users = sorted(int(u) for u in args.users.split(","))
    ops = [o.strip() for o in args.ops.split(",")]
    unknown = [o for o in ops if o not in OPS_BY_NAME] + [s for s in sizes if s not in SIZES]
    if unknown:
        raise SystemExit(f"unknown operation or size: {', '.join(unknown)} (operations: {', '.join(OPS_BY_NAME)})")
    if "floor" not in ops:
        ops.insert(0, "floor")
    url = os.environ.get("DATABASE_URL", "")
    db = "postgresql" if url.startswith(("postgres://", "postgresql://")) else "sqlite"
    if url and db == "sqlite" and not url.startswith("sqlite"):
        raise SystemExit(f"DATABASE_URL must be PostgreSQL or unset (SQLite), not {url.split(':')[0]}")
    work = Path(tempfile.mkdtemp(prefix="ambit-bench-"))
    out_dir = Path(args.out) if args.out else (work if args.smoke else ROOT / "bench" / "results")
    log(f"{db}: sizes {', '.join(sizes)}; users {', '.join(map(str, users))}; {args.seconds} s per operation; "
        f"{args.workers} gunicorn workers; scratch in {work}")  # fmt: skip
    # DEBUG off serves hashed file names from the manifest that only this writes.
    subprocess.run(
        [PY, "manage.py", "collectstatic", "-v0", "--noinput"], cwd=ROOT, check=True, env={**os.environ, "DEBUG": "0"}
    )

    results: dict[tuple[str, str, int], Measure] = {}
    info: dict[str, Any] = {
        "date": dt.date.today().isoformat(),
        "workers": args.workers,
        "seconds": args.seconds,
        "sizes": {},
    }
    all_targets = targets(db, sizes, SIZES)
    for target in all_targets:
        ensure_built(target, args.rebuild)
    for target in all_targets:
        fixture_path = fixture(target, work, max(users))
        fixture_data = json.loads(fixture_path.read_text())
        info["sizes"][target.size] = fixture_data["sizes"]
        info["versions"] = {**machine(), **fixture_data["versions"]}
        log(f"{target.size}: counting queries per request…")
        queries = count_queries(target, fixture_path, ops)
        server = Server(target, args.workers, work)
        try:
            warm(server, fixture_data, ops, args.workers)
            # Reads first, at every user count, on data no run of this benchmark has written to
            # since the warm-up; then the writes. What a write costs the pages after it (the
            # dashboard's summary is recomputed) is timed on its own below.
            reads = [op for op in ops if OPS_BY_NAME[op].method == "GET"]
            writes = [op for op in ops if OPS_BY_NAME[op].method != "GET"]
            for op, u in [(op, u) for u in users for op in reads] + [(op, u) for u in users for op in writes]:
                m = load(server, op, u, args.seconds, fixture_path, work)
                m.size, m.queries = target.size, queries.get(op)
                results[(op, target.size, u)] = m
                if OPS_BY_NAME[op].method != "GET":
                    m.drain_seconds = server.drain()
                    log(f"  the worker caught up {m.drain_seconds:.1f} s after the run")
                log(
                    f"{target.size} {u:>2} users {op:<15} p50 {_ms(m.pct(50)):>6} ms  p95 {_ms(m.pct(95)):>6} ms  "
                    f"{m.rps:7.1f} req/s  {m.failures} errors  {m.queries} queries"
                )
            if writes and "dashboard" in ops:
                info.setdefault("dashboard_after_write", {})[target.size] = first_view(server, fixture_data)
            info.setdefault("failed_tasks", {})[target.size] = server.tasks()["failed"]
        finally:
            server.stop()
    text, problems = report(results, ops, sizes, users, info)
    print()
    print(text)
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"{info['date']}-{db}.md"
    out.write_text(text)
    log(f"written to {out}")
    if not args.smoke:
        shutil.rmtree(work, ignore_errors=True)
    errors = [p for p in problems if "failed requests" in p]
    if errors:
        raise SystemExit(f"{len(errors)} operation(s) had failed requests")


if __name__ == "__main__":
    main()
