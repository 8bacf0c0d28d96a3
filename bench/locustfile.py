"""Locust load for one operation at a time (BENCH_OP), or for the interleaved writes-plus-reads
run (BENCH_OP=mix, the proportions in ops.MIX), as the people in BENCH_FIXTURE.

Each simulated user is a different person, logged in through a real session, and fires requests
back to back (no think time): a closed loop of N concurrent users. In the mix, user i is the i-th
member (the i-th team lead for the team page) and goes round ops.mix_schedule() from a random
place in it. Every response time is written to BENCH_RAW when the run stops, as
``[start, milliseconds, error, operation]``, so run.py computes exact percentiles itself. Each
measured request carries ``X-Bench: <BENCH_TAG>|<operation>``, by which the server's hooks
(gunicorn_conf.py) total its CPU time. Started by bench/run.py; by hand:
    BENCH_OP=my_week BENCH_FIXTURE=fixture.json BENCH_RAW=raw.json \
        locust -f bench/locustfile.py --headless -u 1 -r 1 -t 10s -H http://127.0.0.1:8766
"""

from __future__ import annotations

import collections
import itertools
import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from locust import FastHttpUser, events, task

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ops import MIX, OPS_BY_NAME, Op, bump_values, checkin_form, cookie_header, mix_schedule

RUN = os.environ["BENCH_OP"]
TAG = os.environ.get("BENCH_TAG", RUN)
MEASURED: list[str] = list(MIX) if RUN == "mix" else [RUN]
FIXTURE: dict[str, Any] = json.loads(Path(os.environ["BENCH_FIXTURE"]).read_text())
_next_person = itertools.count()
# (start, milliseconds, error, operation) of every measured request
_samples: list[tuple[float, float, str | None, str]] = []


@events.request.add_listener
def _record(request_type: str, name: str, response_time: float, exception: Any, **_: Any) -> None:
    if name in MEASURED:
        start = time.time() - response_time / 1000
        _samples.append((start, response_time, None if exception is None else str(exception), name))


@events.quitting.add_listener
def _write(**_: Any) -> None:
    raw = os.environ.get("BENCH_RAW")
    if raw:
        Path(raw).write_text(json.dumps(_samples))


class Person(FastHttpUser):
    def on_start(self) -> None:
        index = next(_next_person)
        self.people = {persona: FIXTURE[persona][index % len(FIXTURE[persona])] for persona in ("members", "leads")}
        if RUN == "mix":
            schedule = mix_schedule()
            start = random.Random(index).randrange(len(schedule))  # people are not in step
            schedule = schedule[start:] + schedule[:start]
        else:
            schedule = [RUN]
        self.schedule = itertools.cycle(schedule)
        self.turns: collections.Counter[str] = collections.Counter()  # per write, so each alternates
        self.form: list[tuple[str, str]] | None = None
        if RUN == "checkin_web":
            self._load_form()

    def _load_form(self) -> None:
        """The weekly check-in form as the page shows it (not measured). In the mix it is read at
        the person's first submit, so the other operations start at once."""
        self.form = []
        headers = {"Cookie": cookie_header(self.people["members"])}
        with self.client.get("/check-in/?all=1", headers=headers, name="setup", catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"check-in page answered {r.status_code}")
                return
            self.form = checkin_form(r.text or "")

    def _headers(self, op: Op, person: dict[str, Any]) -> dict[str, str]:
        if op.api:
            headers = {"Authorization": f"Bearer {person['token']}", "Accept": "application/json"}
        else:
            headers = {"Cookie": cookie_header(person)}
        return {**headers, "X-Bench": f"{TAG}|{op.name}"}

    @task
    def operate(self) -> None:
        op = OPS_BY_NAME[next(self.schedule)]
        person = self.people[op.persona]
        path = op.path(FIXTURE, person)
        headers = self._headers(op, person)
        self.turns[op.name] += 1
        turn = self.turns[op.name]
        if op.method == "GET":
            with self.client.get(path, headers=headers, name=op.name, catch_response=True) as r:
                if r.status_code != 200:
                    r.failure(f"{r.status_code}")
        elif op.method == "POST":
            if self.form is None:
                self._load_form()
            data = urlencode([("all", "1"), *bump_values(self.form or [], turn)])
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            with self.client.post(
                path, data=data, headers=headers, name=op.name, allow_redirects=False, catch_response=True
            ) as r:
                if r.status_code != 302:
                    r.failure(f"{r.status_code}: the check-in was not saved")
        else:
            value = person["value"] + (1 if turn % 2 else 0)
            body = {"value": value, "confidence": 7, "note": "bench"}
            with self.client.post(path, json=body, headers=headers, name=op.name, catch_response=True) as r:
                if r.status_code != 201:
                    r.failure(f"{r.status_code}: {(r.text or '')[:200]}")
