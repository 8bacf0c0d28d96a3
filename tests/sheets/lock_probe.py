"""Check-ins from other threads while a large dry run is checked, on a file-based SQLite database.

Run by ``test_lock_probe.py`` in a subprocess (the test suite's SQLite database lives in memory,
where locking differs). Reuses the workbook generator of ``bench/sheets_bench.py``, which points
Django at a throwaway database under /tmp. The busy timeout is cut to PROBE_BUSY_SECONDS, so a dry
run that kept the write lock for longer than that makes check-ins fail ("database is locked"),
as the 97-second dry run did in production. Prints one JSON line with what happened.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("BENCH_ROWS", "800")
BUSY_SECONDS = float(os.environ.get("PROBE_BUSY_SECONDS", "3"))
CHECKIN_THREADS = 3

import sheets_bench as bench  # noqa: E402  (sets up Django on a throwaway SQLite file)
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402

options = settings.DATABASES["default"]["OPTIONS"]
options["timeout"] = BUSY_SECONDS
options["init_command"] = options["init_command"].replace(
    "busy_timeout=20000", f"busy_timeout={int(BUSY_SECONDS * 1000)}"
)

from ambit.accounts.models import Membership  # noqa: E402
from ambit.okrs import services as okrs  # noqa: E402
from ambit.okrs.models import CheckIn, KeyResult, Objective  # noqa: E402
from ambit.sheets.services import sheet_import  # noqa: E402


def main() -> None:
    assert connection.vendor == "sqlite" and "memory" not in str(connection.settings_dict["NAME"])
    call_command("migrate", verbosity=0)
    champion, cycle, goals, teams, people = bench.build_org()
    krs = [
        okrs.key_result_create(actor=champion, objective=g, title=f"Measure {i}", start_value=0, target_value=1000)
        for i, g in enumerate(goals[:CHECKIN_THREADS])
    ]
    data = bench.workbook(goals, teams, people)
    objectives_before = Objective.objects.count()
    connection.close()

    finished = threading.Event()
    outcome: dict[str, list[str] | int] = {"errors": [], "checkins": 0}
    lock = threading.Lock()

    def check_ins(kr_id: int) -> None:
        done = 0
        try:
            actor = Membership.objects.select_related("organisation", "user").get(pk=champion.pk)
            kr = KeyResult.objects.get(pk=kr_id)
            while not finished.is_set():
                try:
                    okrs.check_in_record(actor=actor, key_result=kr, value=done + 1, note="probe")
                    done += 1
                except Exception as exc:  # the point of the probe: count every failure
                    with lock:
                        outcome["errors"].append(f"{type(exc).__name__}: {exc}")  # type: ignore[union-attr]
                finished.wait(0.1)
        finally:
            with lock:
                outcome["checkins"] += done  # type: ignore[operator]
            connections.close_all()

    threads = [threading.Thread(target=check_ins, args=(kr.pk,)) for kr in krs]
    for t in threads:
        t.start()
    try:
        report = sheet_import(actor=champion, cycle=cycle, data=data, filename="big.xlsx", dry_run=True)
    finally:
        finished.set()
        for t in threads:
            t.join()
    print(
        json.dumps(
            {
                **outcome,
                "rows_read": report.rows_read,
                "created": report.created,
                "problems": [str(p) for p in report.problems][:5],
                "objectives_written": Objective.objects.count() - objectives_before,
                "checkins_stored": CheckIn.objects.filter(note="probe").count(),
            }
        )
    )


if __name__ == "__main__":
    try:
        main()
    finally:
        connections.close_all()
        shutil.rmtree(bench.WORKDIR, ignore_errors=True)
