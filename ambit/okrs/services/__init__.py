"""Every write to cycles, objectives, key results, alignment and check-ins, one module per object.

Each service: checks permission (``ambit.core.permissions``), validates with messages that name
the field and the fix, runs in one transaction, writes an audit entry (``AuditAction``) and, when
it can move progress, schedules the roll-up refresh (``ambit.okrs.rollups``) in plain sight.

Callers import from here (``from ambit.okrs import services``); the modules import each other
one way only: ``key_results`` → ``objectives`` → ``alignment``.
"""

from ambit.okrs.services.alignment import alignment_add, alignment_remove
from ambit.okrs.services.check_ins import CheckInEntry, CheckInResult, check_in_many, check_in_record
from ambit.okrs.services.cycles import (
    CYCLE_TEXT,
    cycle_create,
    cycle_list_named,
    cycle_objectives_close,
    cycle_set_closed,
    cycle_transition,
    cycle_update,
    sprint_dates,
)
from ambit.okrs.services.key_results import (
    KR_FIELDS,
    KR_TEXT,
    key_result_cancel,
    key_result_create,
    key_result_delete,
    key_result_score,
    key_result_update,
    milestone_add,
    objective_create_from_key_result,
    objective_create_with_key_results,
)
from ambit.okrs.services.objectives import (
    OBJECTIVE_FIELDS,
    OBJECTIVE_TEXT,
    OBJECTIVE_TRANSITIONS,
    objective_cancel,
    objective_create,
    objective_delete,
    objective_score,
    objective_set_state,
    objective_update,
)

__all__ = [
    "CYCLE_TEXT",
    "KR_FIELDS",
    "KR_TEXT",
    "OBJECTIVE_FIELDS",
    "OBJECTIVE_TEXT",
    "OBJECTIVE_TRANSITIONS",
    "CheckInEntry",
    "CheckInResult",
    "alignment_add",
    "alignment_remove",
    "check_in_many",
    "check_in_record",
    "cycle_create",
    "cycle_list_named",
    "cycle_objectives_close",
    "cycle_set_closed",
    "cycle_transition",
    "cycle_update",
    "key_result_cancel",
    "key_result_create",
    "key_result_delete",
    "key_result_score",
    "key_result_update",
    "milestone_add",
    "objective_cancel",
    "objective_create",
    "objective_create_from_key_result",
    "objective_create_with_key_results",
    "objective_delete",
    "objective_score",
    "objective_set_state",
    "objective_update",
    "sprint_dates",
]
