"""Settings for the worker subprocesses of test_worker_recovery.py: Ambit's own, with a SQLite
busy timeout of a fifth of a second so a test can hold the write lock longer than it, briefly."""

from ambit.settings import *  # noqa: F403
from ambit.settings import DATABASES

BUSY_TIMEOUT_MS = 200

_options = DATABASES["default"]["OPTIONS"]
_options["timeout"] = BUSY_TIMEOUT_MS / 1000
_options["init_command"] = _options["init_command"].replace("busy_timeout=20000", f"busy_timeout={BUSY_TIMEOUT_MS}")
