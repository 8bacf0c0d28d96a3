"""Where a rolled-over objective came from (issue 17, rollover), for the planning workbook's
read-only "Rolled over from" column: "Rolled over from Q3 2026". The importer never reads it
(``layout.READ_ONLY_COLUMNS``), so a downloaded workbook uploads unchanged."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ambit.okrs.models import Objective


def rollover_origins(objectives: Sequence[Objective]) -> dict[int, dict[str, Any]]:
    """``{objective id: {"rolled_over_from": "Rolled over from <cycle>"}}`` for the objectives that
    are copies: one query, none when no objective of the sheet was rolled over."""
    ids = [o.pk for o in objectives if o.rolled_over_from_id is not None]
    if not ids:
        return {}
    rows = Objective.objects.filter(pk__in=ids).values_list("pk", "rolled_over_from__cycle__name")
    return {pk: {"rolled_over_from": f"Rolled over from {name}"} for pk, name in rows if name}
