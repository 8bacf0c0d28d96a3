"""A long dry run beside concurrent check-ins on a file-based SQLite database: no writer fails.

The dry run of 800 rows keeps the services busy far longer than the probe's 3-second busy
timeout; checked in one transaction it held SQLite's write lock all along and check-ins failed
with "database is locked". Checked in short rolled-back batches, every check-in waits its turn.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PROBE = Path(__file__).with_name("lock_probe.py")


def test_dry_run_beside_concurrent_check_ins_has_no_errors() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "AMBIT_VAR_DIR")}
    env.update({"BENCH_ROWS": "800", "PROBE_BUSY_SECONDS": "3", "TASKS_BACKEND": "immediate"})
    done = subprocess.run(
        [sys.executable, str(PROBE)], env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["errors"] == []
    assert result["checkins"] > 0
    assert result["checkins_stored"] == result["checkins"]  # every check-in recorded, once
    assert result["rows_read"] == 800 and result["created"] == 1000 and result["problems"] == []
    assert result["objectives_written"] == 0  # a dry run writes nothing
