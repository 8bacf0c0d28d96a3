"""The planning workbook's layout: sheet names, columns, header aliases, the row id format.

Exporter and importer both read this module, so a column added here travels both ways.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

OKR_SHEET = "OKRs"
LISTS_SHEET = "Lists"
INSTRUCTIONS_SHEET = "Instructions"

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5_000
# A 5 MB zip can unpack to gigabytes; a real 5,000-row workbook unpacks to a few MB.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
# The most columns read from the OKR sheet: the known ones with room for blank or stray columns in
# between. A sheet can declare 16,384 columns; reading them all for every row is a CPU bomb.
MAX_COLUMNS = 64
# Physical rows read, counting blank ones, and the most blank rows allowed between two rows with
# data: a lone cell on row 1,000,000 must not make the reader walk a million rows.
MAX_PHYSICAL_ROWS = MAX_ROWS * 10
MAX_BLANK_GAP = 1_000

EXAMPLE_PREFIX = "[Example]"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    width: int
    aliases: tuple[str, ...] = ()
    level: str = "objective"  # "objective", "kr", "id" or "read_only"
    numeric: bool = False
    # A 0–1 share shown as a percentage: a "0%" number cell in the workbook, pct's text in CSV.
    percent: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("id", "ID", 14, ("row id", "ids"), level="id"),
    Column("team", "Team", 16, ("team slug",)),
    Column("objective", "Objective", 44, ("objective title", "objectives")),
    Column("objective_description", "Objective description", 40, ("description",)),
    Column("owner", "Owner email", 26, ("owner", "objective owner", "objective owner email")),
    Column("ambition", "Ambition", 14),
    Column("visibility", "Visibility", 12),
    Column("theme", "Theme (big move)", 24, ("theme", "big move")),
    Column("parent", "Parent objective", 36, ("parent", "parent alignment", "aligned to", "parents")),
    Column("kr", "Key result", 44, ("kr", "kr title", "key result title", "key results"), level="kr"),
    Column("kr_owner", "KR owner email", 26, ("kr owner", "key result owner"), level="kr"),
    Column("kind", "Kind", 12, ("kr kind", "type"), level="kr"),
    Column("start", "Start", 11, ("start value", "baseline"), level="kr", numeric=True),
    Column("target", "Target", 11, ("target value", "goal"), level="kr", numeric=True),
    Column("stretch", "Stretch", 11, ("stretch target",), level="kr", numeric=True),
    Column("unit", "Unit", 10, level="kr"),
    Column("weight", "Weight", 9, ("kr weight",), level="kr", numeric=True),
    # check-ins (blank: no change, a new key result's default), initiatives or child objectives
    # (``sheets.progress_from``).
    Column("progress_from", "Progress from", 14, ("kr progress from", "progress source"), level="kr"),
    # The day from which progress is judged (a date of the cycle); empty for the default, the later
    # of the cycle start and the day the objective or key result was created.
    Column("plan_start", "Plan start", 12, ("objective plan start",)),
    Column("kr_plan_start", "KR plan start", 12, ("key result plan start",), level="kr"),
    # draft → proposed → active through the approval services (``sheets.states``); blank: no move.
    Column("state", "State", 11, ("objective state", "approval state")),
)
BY_KEY = {c.key: c for c in COLUMNS}
REQUIRED = ("objective",)


def _norm(header: str) -> str:
    return re.sub(r"\s+", " ", header.replace("\u00a0", " ")).strip().lower()


HEADER_LOOKUP: dict[str, str] = {}
for _c in COLUMNS:
    HEADER_LOOKUP[_norm(_c.header)] = _c.key
    for _a in _c.aliases:
        HEADER_LOOKUP[_norm(_a)] = _c.key


def column_for_header(header: str) -> str | None:
    return HEADER_LOOKUP.get(_norm(header))


# Written after the planning columns for reading only (how the cycle scores), never imported: the
# reader skips them, so a downloaded workbook uploads unchanged.
READ_ONLY_COLUMNS: tuple[Column, ...] = (
    Column("objective_score", "Objective score", 10, level="read_only", numeric=True),
    Column("objective_verdict", "Objective verdict", 12, level="read_only"),
    Column("kr_score", "KR score", 9, level="read_only", numeric=True),
    Column("kr_verdict", "KR verdict", 10, level="read_only"),
    # Where the key result is on course to land, as its pages say it: the projected progress and
    # the score rule applied to it; both blank, with the reason, while it is too early.
    Column("forecast_progress", "Forecast progress", 11, level="read_only", numeric=True, percent=True),
    Column("forecast_score", "Forecast score", 10, level="read_only", numeric=True),
    Column("forecast_note", "Forecast note", 22, level="read_only"),
    # A copy made by rolling over (ambit/rollover): "Rolled over from Q3 2026" (sheets/origin.py).
    Column("rolled_over_from", "Rolled over from", 24, level="read_only"),
)
SHEET_COLUMNS: tuple[Column, ...] = COLUMNS + READ_ONLY_COLUMNS
_READ_ONLY_HEADERS = frozenset(_norm(c.header) for c in READ_ONLY_COLUMNS)


def is_read_only_header(header: str) -> bool:
    """Whether ``header`` names a column the exporter writes for reading only."""
    return _norm(header) in _READ_ONLY_HEADERS


# --- Row ids: "O12" for an objective row without a key result, "O12-KR34" for a key result ---------

# Ids are database keys (at most 18 digits). Bounding the digits also keeps a pasted number of
# thousands of digits away from ``int()``, which refuses strings over 4,300 digits.
_ID_RE = re.compile(r"^\s*O(\d{1,18})(?:\s*-\s*KR(\d{1,18}))?\s*$", re.IGNORECASE)


def format_row_id(objective_id: int, key_result_id: int | None) -> str:
    return f"O{objective_id}" if key_result_id is None else f"O{objective_id}-KR{key_result_id}"


def parse_row_id(text: str) -> tuple[int, int | None] | None:
    """``(objective id, key result id or None)``; ``None`` when ``text`` is not an id."""
    m = _ID_RE.match(text)
    if m is None:
        return None
    return int(m.group(1)), (int(m.group(2)) if m.group(2) else None)


_PARENT_RE = re.compile(r"^\s*#(\d+)\b")
_MAX_ID_DIGITS = 18


def format_parent(objective_id: int, title: str) -> str:
    return f"#{objective_id} {title}"


def parse_parent_id(text: str) -> int | None:
    m = _PARENT_RE.match(text)
    if m is None:
        return None
    # More digits than any database id (and maybe more than int() converts): a reference to
    # nothing, which 0 (never an id) makes the caller report as such.
    return int(m.group(1)) if len(m.group(1)) <= _MAX_ID_DIGITS else 0
