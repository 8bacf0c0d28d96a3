"""``make bench``: how fast Ambit is, and how its cost grows with the organisation.

1. Builds two synthetic organisations with ``seed_synthetic`` — S (200 people) and L (10,000
   people, a year of weekly check-ins) — in SQLite files under var/bench/, or, when DATABASE_URL
   points at PostgreSQL, in databases named after it (``<name>_bench_s``, ``<name>_bench_l``).
   A built database is reused; ``--rebuild`` builds it again.
2. Counts SQL queries per request for every operation in a separate, instrumented pass.
3. Serves the app as production does (gunicorn, ``--workers``, DEBUG off, loopback only), with the
   hooks of gunicorn_conf.py measuring each worker's CPU time per request, and drives each operation
   on its own with locust in headless mode, from a separate process, at 1 and at 20 concurrent users
   for ``--seconds`` each; then an interleaved run (ops.MIX: check-ins on the web and through the API
   among the everyday reads) for ``--mix-seconds`` at the highest user count, after which it times
   the background worker's catch-up and counts the roll-up retries in its log. ``--repeats`` rounds
   run all of it again (every operation once per round, so its runs are spread over the benchmark).
4. Prints a Markdown table (median over the rounds of p50, p95, p99, requests per second, server
   CPU per request; the spread of the p50s; errors, queries per request; L ÷ S and operation ÷ floor
   with the issue's goals) and writes it to bench/results/<date>-<db>.md.

Exits non-zero when any request failed. ``--smoke`` is the seconds-long check that CI runs: size
S only, 1 and 2 users, 2 seconds per operation, one round, a 3 s interleaved run, results in a
temporary folder.
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
import statistics
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
from ops import MIX, OPS, OPS_BY_NAME, cookie_header  # noqa: E402

PY = str(ROOT / ".venv" / "bin" / "python")
BIN = ROOT / ".venv" / "bin"
SIZES = {"S": 200, "L": 10_000}
SEED = 1
PAGED_GOAL = 1.5  # L ÷ S for every paged operation
# Issue 13's goals: p50 ÷ the floor's p50 (one user) on every size, and server CPU per request on S.
FLOOR_GOALS = {
    "checkin_web": 2.0,
    "checkin_api": 2.0,
    "my_week": 2.0,
    "checkin_page": 2.0,
    "objective": 3.0,
    "team": 3.0,
    "company_tree": 3.0,
    "api_tree": 3.0,
}
CPU_GOALS = {"my_week": 20.0, "checkin_page": 20.0}  # milliseconds


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


def count_queries(target: Target, fixture_path: Path, ops: list[str], repeats: int = 3) -> dict[str, str]:
    env = {**target.env, "ALLOWED_HOSTS": "testserver"}
    out = run([PY, "bench/queries.py", str(fixture_path), ",".join(ops), str(repeats)], env)
    return {k: str(v) for k, v in json.loads(out).items()}


# --- Serving and load ---------------------------------------------------------------------------


# A redis database of its own for each organisation the benchmark serves: keys that do not carry
# the organisation's data version (the weekly digest's: organisation id and week) would otherwise
# be read across S and L, or across the SQLite and PostgreSQL runs, whose ids repeat.
REDIS_DBS = {("sqlite", "S"): 7, ("sqlite", "L"): 8, ("postgresql", "S"): 9, ("postgresql", "L"): 10}


def shared_cache(target: Target | None = None) -> str:
    """Redis on its usual local port when it answers (as a production setup shares one cache
    between its processes), else each process's own memory."""
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            pass
    except OSError:
        return "locmemcache://bench"
    if target is None:
        return "redis://127.0.0.1:6379"
    db = "sqlite" if target.database_url.startswith("sqlite") else "postgresql"
    return f"redis://127.0.0.1:6379/{REDIS_DBS[(db, target.size)]}"


def empty_cache(target: Target) -> None:
    """Start a run with nothing kept from an earlier one (pages, summaries, digests)."""
    url = shared_cache(target)
    if url.startswith("redis://"):
        import redis

        redis.Redis.from_url(url).flushdb()


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
            "CACHE_URL": shared_cache(target),
            "TASKS_BACKEND": "database",
            "ALLOWED_HOSTS": "127.0.0.1",
            "API_RATE_LIMIT": "1000000000",
            "SESSION_COOKIE_SECURE": "0",  # plain HTTP on loopback
            "CSRF_COOKIE_SECURE": "0",
        }
        self.log = work / f"gunicorn-{target.size}.log"
        # Each worker's CPU time per measured request, totalled by gunicorn_conf.py's hooks.
        self.cpu_dir = work / f"cpu-{target.size}"
        self.cpu_dir.mkdir(exist_ok=True)
        self.proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "ambit.wsgi", "-c", str(ROOT / "bench" / "gunicorn_conf.py"),
             "-b", f"127.0.0.1:{self.port}", "-w", str(workers),
             "--access-logfile", "/dev/null", "--error-logfile", str(self.log), "--timeout", "120"],
            cwd=ROOT, env={**env, "BENCH_CPU_DIR": str(self.cpu_dir)},
        )  # fmt: skip
        self.worker_log = work / f"worker-{target.size}.log"
        with self.worker_log.open("w") as out:
            self.worker = subprocess.Popen(
                [PY, "manage.py", "run_worker", "--no-reload", "--interval", "0.2"],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        # Watches the task queue for tasks() and drain(), with Django set up once.
        self.queue = subprocess.Popen(
            [PY, "bench/fixture.py", "--serve"], cwd=ROOT, env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
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
        if self.queue.stdin:
            self.queue.stdin.close()
        for proc in (self.proc, self.worker, self.queue):
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()

    def cpu(self, tag: str) -> dict[str, tuple[float, int]]:
        """Per operation of the run ``tag``: the workers' CPU seconds and the requests they served."""
        out: dict[str, tuple[float, int]] = {}
        for path in self.cpu_dir.glob("*.json"):
            for key, (seconds, count) in json.loads(path.read_text()).items():
                run_tag, _, op = key.partition("|")
                if run_tag == tag:
                    before = out.get(op, (0.0, 0))
                    out[op] = (before[0] + seconds, before[1] + int(count))
        return out

    def worker_log_size(self) -> int:
        return self.worker_log.stat().st_size

    def retries(self, since: int) -> tuple[int, int]:
        """Since byte ``since`` of the worker's log: how many times a roll-up ran again inside its
        task after a deadlock or a locked database (ambit/okrs/tasks.py logs each), and how many
        tasks the worker queued again after such an error had used up those tries."""
        with self.worker_log.open("rb") as f:
            f.seek(since)
            text = f.read().decode(errors="replace")
        return text.count("refresh_rollups: try "), text.count("hit a transient database error")

    def worker_cpu(self) -> float:
        """CPU seconds the background worker has used so far."""
        fields = Path(f"/proc/{self.worker.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def _ask(self, line: str) -> dict[str, Any]:
        assert self.queue.stdin and self.queue.stdout
        self.queue.stdin.write(line + "\n")
        self.queue.stdin.flush()
        answer = self.queue.stdout.readline()
        if not answer:
            raise SystemExit(f"bench/fixture.py --serve stopped ({self.queue.poll()})")
        return dict(json.loads(answer))

    def tasks(self) -> dict[str, int]:
        return {k: int(v) for k, v in self._ask("tasks").items() if k != "empty_at"}

    def drain(self, since: float, timeout: float = 600) -> float:
        """Wait until the worker has done what the writes queued: the seconds from ``since`` (Unix
        time, the end of the run) until the queue was seen empty (polled every 0.1 s)."""
        state = self._ask(f"drain {timeout}")
        if state["empty_at"] is None:
            raise SystemExit(
                f"the background worker still had tasks queued after {timeout:.0f} s; see {self.worker_log}"
            )
        return max(0.0, float(state["empty_at"]) - since)


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


# Reads whose result is kept until the next write (the dashboard's summary, core.page_cache's
# pages): after the writes, each is timed once more as the first view, which computes it again.
KEPT_BETWEEN_WRITES = ("my_week", "objective", "team", "company_tree", "dashboard", "api_objectives", "api_tree")
FIRST_VIEW_PEOPLE = 5


def first_views(server: Server, fixture_data: dict[str, Any], ops: list[str]) -> dict[str, float]:
    """Median milliseconds of the first view after the writes of each operation kept between
    writes, over a few people (each one's page is their own, so each view computes)."""
    out = {}
    for name in ops:
        if name not in KEPT_BETWEEN_WRITES:
            continue
        op = OPS_BY_NAME[name]
        times = []
        for person in fixture_data[op.persona][:FIRST_VIEW_PEOPLE]:
            headers = {"Authorization": f"Bearer {person['token']}"} if op.api else {"Cookie": cookie_header(person)}
            request = urllib.request.Request(server.url + op.path(fixture_data, person), headers=headers)
            started = time.perf_counter()
            urllib.request.urlopen(request, timeout=300).read()
            times.append((time.perf_counter() - started) * 1000)
        out[name] = statistics.median(times)
    return out


@dataclass
class Measure:
    op: str
    size: str
    users: int
    repeat: int = 0
    samples: list[float] = field(default_factory=list)
    failures: int = 0
    seconds: float = 0.0
    queries: str | None = None  # "cached / computed" for a page kept between writes
    cpu_ms: float | None = None  # the gunicorn workers' CPU time per request (gunicorn_conf.py)
    drain_seconds: float | None = None  # after a write run: until the worker had caught up
    retries: tuple[int, int] | None = None  # after a write run: roll-up retries (in the task, queued again)

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


@dataclass
class MixRound:
    """One interleaved writes-plus-reads run and what the background worker did after it."""

    size: str
    users: int
    repeat: int
    measures: dict[str, Measure]
    drain_seconds: float = 0.0
    retries: tuple[int, int] = (0, 0)
    worker_cpu: float = 0.0  # the background worker's CPU seconds from the start of the run to its catch-up


Results = dict[tuple[str, str, int], list[Measure]]  # (operation, size, users) → one Measure per round


def load(
    server: Server, name: str, users: int, seconds: int, fixture_path: Path, work: Path, tag: str
) -> dict[str, Measure]:
    """One locust run of the operation ``name`` (or of the ``mix``): a Measure per operation in it."""
    raw = work / f"raw-{tag}.json"
    env = {
        **os.environ,
        "BENCH_OP": name,
        "BENCH_TAG": tag,
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
        raise SystemExit(f"locust wrote no results for {name} ({done.returncode}):\n{done.stderr[-3000:]}")
    samples: list[list[Any]] = json.loads(raw.read_text())  # [start, milliseconds, error, operation]
    span = 0.0
    if samples:
        first = min(start for start, _, _, _ in samples)
        last = max(start + ms / 1000 for start, ms, _, _ in samples)
        span = max(last - first, 1e-6)
    cpu = server.cpu(tag)
    out: dict[str, Measure] = {}
    for op in list(MIX) if name == "mix" else [name]:
        m = Measure(op=op, size=server.target.size, users=users, seconds=span)
        m.samples = [ms for _, ms, error, o in samples if o == op and error is None]
        errors = [error for _, _, error, o in samples if o == op and error is not None]
        m.failures = len(errors)
        cpu_seconds, served = cpu.get(op, (0.0, 0))
        m.cpu_ms = cpu_seconds * 1000 / served if served else None
        if errors:
            common = collections.Counter(errors).most_common(3)
            log(f"  {op}: {len(errors)} failed requests: " + "; ".join(f"{n} × {e[:300]}" for e, n in common))
        out[op] = m
    return out


# --- Report -----------------------------------------------------------------------------------


def _ms(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.0f}" if value >= 100 else f"{value:.1f}"


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def _median(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.median(known) if known else None


def _spread(values: list[float | None]) -> str:
    """Lowest–highest of the rounds' figures ("–" for a single round)."""
    known = [v for v in values if v is not None]
    return f"{_ms(min(known))}–{_ms(max(known))}" if len(known) > 1 else "–"


def _fmt_ratio(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _ratio_cell(tops: list[float | None], bottoms: list[float | None]) -> tuple[float | None, str, list[float]]:
    """The ratio of the medians (what a goal is judged on), its text with, after more than one
    round, the lowest–highest of the ratios round by round, and those ratios."""
    value = _ratio(_median(tops), _median(bottoms))
    rounds = [r for a, b in zip(tops, bottoms, strict=False) if (r := _ratio(a, b)) is not None]
    text = _fmt_ratio(value)
    if len(rounds) > 1:
        text += f" ({min(rounds):.2f}–{max(rounds):.2f})"
    return value, text, rounds


def _verdict(value: float | None, rounds: list[float], goal: float) -> tuple[bool, str]:
    """Met when the median ratio is within ``goal``; "borderline" when a round fell on the other side."""
    ok = value is not None and value <= goal
    text = "yes" if ok else "NO"
    if value is not None and any((r <= goal) != ok for r in rounds):
        text += " (borderline: a round on the other side)"
    return ok, text


def _pcts(results: Results, op: str, size: str, users: int, pct: float) -> list[float | None]:
    return [m.pct(pct) for m in results.get((op, size, users), [])]


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


def _measure_row(label: str, size: str, users: str, ms: list[Measure]) -> str:
    p50s = [m.pct(50) for m in ms]
    failures, count = sum(m.failures for m in ms), sum(m.count for m in ms)
    return (
        f"| {label} | {size} | {users} | {_ms(_median(p50s))} | {_spread(p50s)} | "
        f"{_ms(_median([m.pct(95) for m in ms]))} | {_ms(_median([m.pct(99) for m in ms]))} | "
        f"{_median([m.rps for m in ms]) or 0:.1f} | {_ms(_median([m.cpu_ms for m in ms]))} | {failures} of {count} |"
    )


def report(
    results: Results,
    mixes: list[MixRound],
    ops: list[str],
    sizes: list[str],
    users: list[int],
    info: dict[str, Any],
) -> tuple[str, list[str]]:
    repeats = info["repeats"]
    lines = [f"# Ambit benchmark — {info['date']}, {info['versions']['database']}", ""]
    for key, value in info["versions"].items():
        lines.append(f"- **{key}:** {value}")
    lines.append(
        f"- **Server:** gunicorn, {info['workers']} sync workers, DEBUG off, 127.0.0.1, cache "
        f"`{shared_cache().split(':')[0]}`, one `run_worker`; load: locust (headless, "
        f"a separate process on the same machine), each operation alone for {info['seconds']} s per user count, "
        f"no think time; {repeats} round{'s' if repeats > 1 else ''}, each running every operation once "
        "(reads, then writes, then the interleaved run)"
    )
    for size in sizes:
        counts = ", ".join(f"{v:,} {k}" for k, v in info["sizes"][size].items())
        lines.append(f"- **{size}:** {counts}")
    lines += [
        "",
        "Times in milliseconds: the median over the rounds of each round's percentile; *p50 spread* is the "
        "lowest–highest p50 of the rounds. *CPU*: the gunicorn worker's CPU time per request, measured in the "
        "worker (on SQLite it includes the database engine, on PostgreSQL not the database server's). "
        "*Queries*: SQL queries per request, from a separate instrumented pass.",
        "",
        "| operation | size | users | p50 | p50 spread | p95 | p99 | req/s | CPU ms/req | errors | queries |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for op in ops:
        for size in sizes:
            for u in users:
                ms = results.get((op, size, u))
                if ms:
                    lines.append(_measure_row(OPS_BY_NAME[op].label, size, str(u), ms) + f" {ms[0].queries} |")
    problems: list[str] = []
    drained = [m for ms in results.values() for m in ms if m.drain_seconds is not None]
    if drained:
        lines += [
            "",
            "Writes queue the roll-up of the objectives above them for the background worker "
            "(`TASKS_BACKEND=database`, one `run_worker`); after each write run it caught up in (roll-up retries: "
            "inside the task after a deadlock or a locked database / tasks queued again):",
            "",
        ]
        for m in sorted(drained, key=lambda m: (m.size, m.op, m.users, m.repeat)):
            retries = m.retries or (0, 0)
            lines.append(
                f"- {OPS_BY_NAME[m.op].label}, {m.size}, {m.users} user{'s' if m.users > 1 else ''}, "
                f"round {m.repeat + 1}: "
                f"{m.drain_seconds:.1f} s (retries {retries[0]} / {retries[1]})"
            )
    for size, views in info.get("first_views", {}).items():
        shown = ", ".join(f"{OPS_BY_NAME[op].label} {_ms(ms)} ms" for op, ms in views.items())
        lines.append(
            f"- the first view after them on {size}, which computes what is kept until the next write "
            f"(the table shows views since the last write; median of {FIRST_VIEW_PEOPLE} people): {shown}"
        )
    for size, failed in info.get("failed_tasks", {}).items():
        lines.append(f"- failed background tasks on {size}: {failed}")
        if failed:
            problems.append(f"{failed} background tasks failed on {size}: failed requests")
    if mixes:
        lines += _mix_report(mixes, sizes, info, problems)
    lines += _ratios(results, ops, sizes, users, problems)
    if problems:
        lines += ["Missed:", "", *[f"- {p}" for p in problems], ""]
    else:
        lines += ["Every goal met.", ""]
    return "\n".join(lines), problems


def _mix_report(mixes: list[MixRound], sizes: list[str], info: dict[str, Any], problems: list[str]) -> list[str]:
    total = sum(MIX.values())
    shares = ", ".join(f"{OPS_BY_NAME[op].label} {100 * w / total:.0f} %" for op, w in MIX.items())
    lines = [
        "",
        "## Interleaved writes and reads",
        "",
        f"{mixes[0].users} users at once for {info['mix_seconds']} s, once per round, each a different person going "
        f"round a schedule of {shares}, the operations spread evenly through it, each person starting at a random "
        "place. Per operation within the mix:",
        "",
        "| operation | size | share | p50 | p50 spread | p95 | p99 | req/s | CPU ms/req | errors |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for op in MIX:
        for size in sizes:
            rounds = [r for r in mixes if r.size == size]
            ms = [r.measures[op] for r in rounds]
            if not ms:
                continue
            share = _median(
                [100 * r.measures[op].count / max(1, sum(m.count for m in r.measures.values())) for r in rounds]
            )
            lines.append(_measure_row(OPS_BY_NAME[op].label, size, f"{share or 0:.0f} %", ms))
            errors = sum(m.failures for m in ms)
            if errors:
                problems.append(f"{op} in the interleaved run on {size}: {errors} failed requests")
    lines += ["", "After it, the background worker (roll-ups of every write) caught up in:", ""]
    for r in mixes:
        lines.append(
            f"- {r.size}, round {r.repeat + 1}: {r.drain_seconds:.1f} s after the run; roll-up retries after a "
            f"deadlock or a locked database: {r.retries[0]} inside the task, {r.retries[1]} tasks queued again; "
            f"the worker's CPU from the start of the run: {r.worker_cpu:.1f} s"
        )
    return lines


def _ratios(results: Results, ops: list[str], sizes: list[str], users: list[int], problems: list[str]) -> list[str]:
    """The Ratios table: L ÷ S and ÷ the floor, judged on the medians, with every goal's verdict."""
    lo, hi = users[0], users[-1]
    big, small = sizes[-1], sizes[0]
    lines = ["", "## Ratios", ""]
    head, rule = "| operation |", "|---|"
    if len(sizes) > 1:
        head += f" L ÷ S p50 ({lo} user{'s' if lo > 1 else ''}) | L ÷ S p95 ({hi} users) |"
        rule += "--:|--:|"
    for size in sizes:
        head += f" ÷ floor, {size} p50 ({lo} user{'s' if lo > 1 else ''}) |"
        rule += "--:|"
    lines += [head + " goals |", rule + "---|"]
    for op in ops:
        row = f"| {OPS_BY_NAME[op].label} |"
        verdicts = []
        if len(sizes) > 1:
            r1, text1, rounds1 = _ratio_cell(_pcts(results, op, big, lo, 50), _pcts(results, op, small, lo, 50))
            _, text2, _ = _ratio_cell(_pcts(results, op, big, hi, 95), _pcts(results, op, small, hi, 95))
            row += f" {text1} | {text2} |"
            if OPS_BY_NAME[op].paged and op != "floor":
                ok, said = _verdict(r1, rounds1, PAGED_GOAL)
                verdicts.append(f"L÷S ≤ {PAGED_GOAL:g}: {said}")
                if not ok:
                    problems.append(f"{op}: L ÷ S = {_fmt_ratio(r1)} (goal ≤ {PAGED_GOAL:g})")
            elif not OPS_BY_NAME[op].paged:
                verdicts.append("not paged (organisation-wide)")
        for size in sizes:
            f, text, rounds = _ratio_cell(_pcts(results, op, size, lo, 50), _pcts(results, "floor", size, lo, 50))
            row += f" {text} |"
            goal = FLOOR_GOALS.get(op)
            if goal is not None:
                ok, said = _verdict(f, rounds, goal)
                verdicts.append(f"{size} ≤ {goal:g}× floor: {said}")
                if not ok:
                    problems.append(f"{op} on {size}: {_fmt_ratio(f)} × the floor (goal ≤ {goal:g})")
        if op in CPU_GOALS and "S" in sizes:
            cpu = _median([m.cpu_ms for m in results.get((op, "S", lo), [])])
            ok = cpu is not None and cpu <= CPU_GOALS[op]
            verdicts.append(f"S CPU ≤ {CPU_GOALS[op]:g} ms: {'yes' if ok else 'NO'} ({_ms(cpu)})")
            if not ok:
                problems.append(f"{op} on S: {_ms(cpu)} ms of server CPU per request (goal ≤ {CPU_GOALS[op]:g})")
        errors = sum(m.failures for k, ms in results.items() if k[0] == op for m in ms)
        if errors:
            problems.append(f"{op}: {errors} failed requests")
        verdicts.append("no errors" if not errors else f"{errors} ERRORS")
        lines.append(row + f" {'; '.join(verdicts)} |")
    lines += [
        "",
        f"Goals (issue 13), judged on the median of the rounds (in brackets: the lowest–highest ratio round by "
        f"round; *borderline*: a round fell on the other side of the goal): L ÷ S ≤ {PAGED_GOAL:g} for every paged "
        "operation; the check-in writes, my week and the weekly check-in page ≤ 2 × the floor, and the last two "
        f"under {CPU_GOALS['my_week']:g} ms of server CPU at 200 people; the objective page, the team page and the "
        "trees ≤ 3 × the floor; no error under load.",
        "",
    ]
    return lines


# --- Main -------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="S,L", help="Which sizes (default S,L).")
    parser.add_argument("--users", default="1,20", help="Concurrent users, comma separated (default 1,20).")
    parser.add_argument("--seconds", type=int, default=10, help="Seconds per operation and user count (default 10).")
    parser.add_argument(
        "--repeats", type=int, help="Rounds: every operation runs once per round, interleaved (default 3; smoke 1)."
    )
    parser.add_argument(
        "--mix-seconds", type=int, help="Seconds of the interleaved run per round (default 3 × --seconds; 0: none)."
    )
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1), help="gunicorn workers (2 × CPUs).")
    parser.add_argument("--ops", default=",".join(op.name for op in OPS), help="Operations, comma separated.")
    parser.add_argument("--rebuild", action="store_true", help="Build the organisations again.")
    parser.add_argument(
        "--smoke", action="store_true", help="CI's check: S only, 1 and 2 users, 2 s each, one round, a 3 s mix."
    )
    parser.add_argument(
        "--out", help="Folder for the results file (default bench/results; a temporary one for --smoke)."
    )
    args = parser.parse_args()
    if args.smoke:
        args.sizes, args.users, args.seconds = "S", "1,2", 2
        args.repeats = 1 if args.repeats is None else args.repeats
        args.mix_seconds = 3 if args.mix_seconds is None else args.mix_seconds
    repeats = 3 if args.repeats is None else max(1, args.repeats)
    mix_seconds = 3 * args.seconds if args.mix_seconds is None else args.mix_seconds
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
        f"{repeats} round(s); interleaved run {mix_seconds} s at {max(users)} users; {args.workers} gunicorn workers; "
        f"scratch in {work}")  # fmt: skip
    # DEBUG off serves hashed file names from the manifest that only this writes.
    subprocess.run(
        [PY, "manage.py", "collectstatic", "-v0", "--noinput"], cwd=ROOT, check=True, env={**os.environ, "DEBUG": "0"}
    )

    results: Results = {}
    mixes: list[MixRound] = []
    info: dict[str, Any] = {
        "date": dt.date.today().isoformat(),
        "workers": args.workers,
        "seconds": args.seconds,
        "repeats": repeats,
        "mix_seconds": mix_seconds,
        "sizes": {},
    }
    all_targets = targets(db, sizes, SIZES)
    for target in all_targets:
        ensure_built(target, args.rebuild)
        empty_cache(target)
    for target in all_targets:
        fixture_path = fixture(target, work, max(users))
        fixture_data = json.loads(fixture_path.read_text())
        info["sizes"][target.size] = fixture_data["sizes"]
        info["versions"] = {**machine(), **fixture_data["versions"]}
        log(f"{target.size}: counting queries per request…")
        queries = count_queries(target, fixture_path, ops, 1 if args.smoke else 3)
        server = Server(target, args.workers, work)
        try:
            # Each round: the reads at every user count, on data no write of this round has touched
            # since the warm-up; then the writes; then the interleaved run. Rounds repeat the lot, so
            # every operation's runs are spread over the whole benchmark rather than back to back.
            # What a write costs the pages after it (the dashboard's summary is recomputed) is timed
            # on its own after the first round's writes.
            reads = [op for op in ops if OPS_BY_NAME[op].method == "GET"]
            writes = [op for op in ops if OPS_BY_NAME[op].method != "GET"]
            for r in range(repeats):
                warm(server, fixture_data, [*ops, *(o for o in MIX if mix_seconds and o not in ops)], args.workers)
                for op, u in [(op, u) for u in users for op in reads] + [(op, u) for u in users for op in writes]:
                    write = OPS_BY_NAME[op].method != "GET"
                    mark = server.worker_log_size()
                    m = load(server, op, u, args.seconds, fixture_path, work, f"{target.size}-r{r + 1}-u{u}-{op}")[op]
                    ended = time.time()
                    m.queries, m.repeat = queries.get(op), r
                    results.setdefault((op, target.size, u), []).append(m)
                    if write:
                        m.drain_seconds = server.drain(ended)
                        m.retries = server.retries(mark)
                        log(f"  the worker caught up {m.drain_seconds:.1f} s after the run; retries {m.retries}")
                    log(
                        f"{target.size} r{r + 1} {u:>2} users {op:<15} p50 {_ms(m.pct(50)):>6} ms  "
                        f"p95 {_ms(m.pct(95)):>6} ms  {m.rps:7.1f} req/s  CPU {_ms(m.cpu_ms):>5} ms/req  "
                        f"{m.failures} errors  {m.queries} queries"
                    )
                if r == 0 and writes:
                    info.setdefault("first_views", {})[target.size] = first_views(server, fixture_data, ops)
                if mix_seconds > 0:
                    mixes.append(mix(server, max(users), mix_seconds, fixture_path, work, r))
            info.setdefault("failed_tasks", {})[target.size] = server.tasks()["failed"]
        finally:
            server.stop()
    text, problems = report(results, mixes, ops, sizes, users, info)
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


def mix(server: Server, users: int, seconds: int, fixture_path: Path, work: Path, r: int) -> MixRound:
    """The interleaved writes-plus-reads run, then the wait for the background worker to catch up."""
    size = server.target.size
    mark, cpu = server.worker_log_size(), server.worker_cpu()
    measures = load(server, "mix", users, seconds, fixture_path, work, f"{size}-r{r + 1}-mix")
    ended = time.time()
    out = MixRound(size=size, users=users, repeat=r, measures=measures)
    out.drain_seconds = server.drain(ended)
    out.retries = server.retries(mark)
    out.worker_cpu = server.worker_cpu() - cpu
    for op, m in measures.items():
        log(
            f"{size} r{r + 1} {users:>2} users mix: {op:<15} p50 {_ms(m.pct(50)):>6} ms  p95 {_ms(m.pct(95)):>6} ms  "
            f"{len(m.samples) + m.failures:5} requests  CPU {_ms(m.cpu_ms):>5} ms/req  {m.failures} errors"
        )
    log(
        f"  the worker caught up {out.drain_seconds:.1f} s after the mix; roll-up retries {out.retries[0]} in the "
        f"task, {out.retries[1]} queued again; worker CPU {out.worker_cpu:.1f} s"
    )
    return out


if __name__ == "__main__":
    main()
