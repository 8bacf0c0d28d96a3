"""How a planned row differs from what is stored, in the words the dry run shows (``Change``)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ambit.accounts.models import Membership
from ambit.core.services import plain_number
from ambit.okrs.models import KeyResult, Objective
from ambit.sheets.report import Change


def show_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Membership):
        return value.user.email
    if isinstance(value, Decimal | float) and not isinstance(value, bool):
        text = plain_number(value)  # 1000000000000, never 1e+12
        return text if len(text) <= 40 else text[:39] + "…"
    if hasattr(value, "slug"):
        return str(value.slug)
    return str(value)


OBJ_LABELS = {
    "title": "Objective",
    "description": "Objective description",
    "owner": "Owner email",
    "team": "Team",
    "theme": "Theme (big move)",
    "ambition": "Ambition",
    "visibility": "Visibility",
    "plan_start": "Plan start",
}
KR_LABELS = {
    "title": "Key result",
    "owner": "KR owner email",
    "kind": "Kind",
    "start_value": "Start",
    "target_value": "Target",
    "stretch_target": "Stretch",
    "unit": "Unit",
    "unit_kind": "Unit kind",
    "weight": "Weight",
    "plan_start": "KR plan start",
}


def _same(before: Any, after: Any) -> bool:
    if isinstance(before, str) and isinstance(after, str):
        return before.strip() == after.strip()
    if isinstance(before, float | int | Decimal) and isinstance(after, float | int | Decimal):
        return Decimal(str(before)) == Decimal(str(after))
    return bool(before == after)


def diff(
    obj: Any,
    wanted: dict[str, Any],
    labels: dict[str, str],
    *,
    same: Callable[[Any, Any], bool] = _same,
    show: Callable[[Any], str] = show_value,
) -> tuple[dict[str, Any], list[Change]]:
    """The fields of ``wanted`` that differ from ``obj`` (``same``), and each as a ``Change``
    labelled by ``labels`` and written by ``show``."""
    fields: dict[str, Any] = {}
    changes: list[Change] = []
    for name, after in wanted.items():
        before = getattr(obj, name)
        if same(before, after):
            continue
        fields[name] = after
        changes.append(Change(labels[name], show(before), show(after)))
    return fields, changes


def diff_objective(obj: Objective, wanted: dict[str, Any]) -> tuple[dict[str, Any], list[Change]]:
    return diff(obj, wanted, OBJ_LABELS)


def diff_kr(kr: KeyResult, wanted: dict[str, Any]) -> tuple[dict[str, Any], list[Change]]:
    return diff(kr, wanted, KR_LABELS)
