"""gunicorn hooks for the benchmark: server CPU per request, measured inside each worker.

Every request that carries an ``X-Bench`` header (locustfile.py sends ``<run>|<operation>``) has
the CPU time its worker process spent on it — from just before the request is parsed to after the
response is written, ``time.process_time()`` — added to a running total for that header value.
After each request the worker writes its totals, ``{key: [cpu_seconds, requests]}``, to
``$BENCH_CPU_DIR/<pid>.json`` (atomically), and bench/run.py sums the files of every worker.

Sync workers run one request at a time in one thread, so the process's CPU time between the two
hooks is the request's. On SQLite it includes the database engine (it runs in the worker); on
PostgreSQL the database server's own CPU is not counted.

Used as ``gunicorn -c bench/gunicorn_conf.py``; without ``BENCH_CPU_DIR`` it does nothing.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

_DIR = os.environ.get("BENCH_CPU_DIR", "")
_totals: dict[str, list[float]] = {}
_started: list[float] = []


def pre_request(worker: Any, req: Any) -> None:
    _started[:] = [time.process_time()]


def post_request(worker: Any, req: Any, environ: Any, resp: Any) -> None:
    cpu = time.process_time() - _started[0] if _started else None
    _started.clear()
    key = next((value for name, value in req.headers if name == "X-BENCH"), None)
    if not _DIR or cpu is None or key is None:
        return
    total = _totals.setdefault(key, [0.0, 0])
    total[0] += cpu
    total[1] += 1
    path = os.path.join(_DIR, f"{os.getpid()}.json")
    with open(path + ".tmp", "w") as out:
        json.dump(_totals, out)
    os.replace(path + ".tmp", path)
