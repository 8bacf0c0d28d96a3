"""Locust load for one operation at a time (BENCH_OP), as the people in BENCH_FIXTURE.

Each simulated user is a different person, logged in through a real session, and fires the
operation back to back (no think time): a closed loop of N concurrent users. Every response time
is written to BENCH_RAW when the run stops, so run.py computes exact percentiles itself.
Started by bench/run.py; by hand:
    BENCH_OP=my_week BENCH_FIXTURE=fixture.json BENCH_RAW=raw.json \
        locust -f bench/locustfile.py --headless -u 1 -r 1 -t 10s -H http://127.0.0.1:8766
"""

from __future__ import annotations

import itertools
import json
import os
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from locust import FastHttpUser, events, task

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ops import OPS_BY_NAME, bump_values, checkin_form, cookie_header

OP = OPS_BY_NAME[os.environ["BENCH_OP"]]
FIXTURE: dict[str, Any] = json.loads(Path(os.environ["BENCH_FIXTURE"]).read_text())
PEOPLE: list[dict[str, Any]] = FIXTURE[OP.persona]
_next_person = itertools.count()
_samples: list[tuple[float, float, str | None]] = []  # (start, milliseconds, error) of the measured operation


@events.request.add_listener
def _record(request_type: str, name: str, response_time: float, exception: Any, **_: Any) -> None:
    if name == OP.name:
        _samples.append(
            (time.time() - response_time / 1000, response_time, None if exception is None else str(exception))
        )


@events.quitting.add_listener
def _write(**_: Any) -> None:
    raw = os.environ.get("BENCH_RAW")
    if raw:
        Path(raw).write_text(json.dumps(_samples))


class Person(FastHttpUser):
    def on_start(self) -> None:
        self.person = PEOPLE[next(_next_person) % len(PEOPLE)]
        self.path = OP.path(FIXTURE, self.person)
        self.turn = 0
        if OP.api:
            self.headers = {"Authorization": f"Bearer {self.person['token']}", "Accept": "application/json"}
        else:
            self.headers = {"Cookie": cookie_header(self.person)}
        if OP.name == "checkin_web":
            with self.client.get("/check-in/?all=1", headers=self.headers, name="setup", catch_response=True) as r:
                if r.status_code != 200:
                    r.failure(f"check-in page answered {r.status_code}")
                    self.form: list[tuple[str, str]] = []
                    return
                self.form = checkin_form(r.text or "")

    @task
    def operate(self) -> None:
        self.turn += 1
        if OP.method == "GET":
            with self.client.get(self.path, headers=self.headers, name=OP.name, catch_response=True) as r:
                if r.status_code != 200:
                    r.failure(f"{r.status_code}")
        elif OP.method == "POST":
            data = urlencode([("all", "1"), *bump_values(self.form, self.turn)])
            headers = {**self.headers, "Content-Type": "application/x-www-form-urlencoded"}
            with self.client.post(
                self.path, data=data, headers=headers, name=OP.name, allow_redirects=False, catch_response=True
            ) as r:
                if r.status_code != 302:
                    r.failure(f"{r.status_code}: the check-in was not saved")
        else:
            value = self.person["value"] + (1 if self.turn % 2 else 0)
            body = {"value": value, "confidence": 7, "note": "bench"}
            with self.client.post(self.path, json=body, headers=self.headers, name=OP.name, catch_response=True) as r:
                if r.status_code != 201:
                    r.failure(f"{r.status_code}: {(r.text or '')[:200]}")
