"""The planning sheet's "Progress from" column: where a key result's progress comes from.

A key result reads its progress from one place (``okrs.metrics_initiatives.check_option`` is the
rule, on every surface): its own check-ins (the default), the share of its initiatives done, or
its child objectives. The column shows which, and an upload may change it like any other KR
column; the okrs services check the rule (a checklist cannot count initiatives, say)."""

from __future__ import annotations

from typing import Any

from django.db import models

from ambit.okrs.models import KeyResult


class ProgressFrom(models.TextChoices):
    CHECK_INS = "check-ins", "Check-ins"
    INITIATIVES = "initiatives", "Initiatives"
    CHILDREN = "child objectives", "Child objectives"


FLAGS: dict[str, dict[str, bool]] = {
    ProgressFrom.CHECK_INS: {"progress_from_initiatives": False, "progress_from_children": False},
    ProgressFrom.INITIATIVES: {"progress_from_initiatives": True, "progress_from_children": False},
    ProgressFrom.CHILDREN: {"progress_from_initiatives": False, "progress_from_children": True},
}
FLAG_FIELDS = ("progress_from_initiatives", "progress_from_children")
NEW_FROM_CHILDREN = (
    "A new key result cannot follow child objectives yet: it has none.",
    "Leave Progress from empty (check-ins) and switch it on in Ambit once objectives are aligned below it.",
)


USE_ONE_OF = "Use one of: check-ins, initiatives, child objectives (empty: no change)."
# What people type for each, beside the values themselves.
_ALIASES = {
    "checkins": ProgressFrom.CHECK_INS,
    "check ins": ProgressFrom.CHECK_INS,
    "check-in": ProgressFrom.CHECK_INS,
    "initiative": ProgressFrom.INITIATIVES,
    "children": ProgressFrom.CHILDREN,
    "child objective": ProgressFrom.CHILDREN,
}


def parse_progress_from(text: str) -> str | None:
    """The value ``text`` names (any case), or None when it names none."""
    key = " ".join(text.split()).lower()
    for value in ProgressFrom.values:
        if key == value:
            return str(value)
    found = _ALIASES.get(key)
    return None if found is None else str(found.value)


def progress_from(kr: KeyResult | Any) -> str:
    """The column's value for ``kr``."""
    if kr.progress_from_children:
        return ProgressFrom.CHILDREN.value
    if kr.progress_from_initiatives:
        return ProgressFrom.INITIATIVES.value
    return ProgressFrom.CHECK_INS.value
