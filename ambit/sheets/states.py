"""The planning sheet's State column (issue 15, part 3): moving an objective from draft to
proposed to active in the sheet goes through the approval services, with their rules.

- blank, or the objective's current state: no move;
- draft → proposed: ``objective_propose`` (the owner, their lead or a champion);
- proposed → active, or draft → active for the council: ``objective_approve`` (its approvers only:
  a member cannot approve their own objective through the sheet either); with approval off, a
  draft → active is the free activation the objective page offers (``objective_set_state``);
- proposed → draft is a send-back, which needs a comment the sheet has no column for: refused
  with a message pointing to the web and the API;
- anything else (closing, cancelling, reopening) is done on the objective's page.

The dry run carries the moves out in its rolled-back transaction, so a refused move shows in the
report before anything is applied.
"""

from __future__ import annotations

from ambit.accounts.models import Membership
from ambit.core.errors import Conflict
from ambit.okrs import services as okrs
from ambit.okrs.models import Objective, ObjectiveState
from ambit.planning import services as planning

SHEET_STATES = (ObjectiveState.DRAFT, ObjectiveState.PROPOSED, ObjectiveState.ACTIVE)
SEND_BACK_REFUSED = "Sending a proposal back to draft needs a comment for its owner, which the sheet has no column for."
SEND_BACK_HINT = "Send it back on the objective's page, in the approval queue or through the API."
OTHER_REFUSED = "The sheet moves objectives from draft to proposed to active only."
OTHER_HINT = "Close, cancel or reopen the objective on its page."


def state_refusal(current: str | None, wanted: str) -> tuple[str, str] | None:
    """Why the sheet cannot move an objective from ``current`` (None: a new one, a draft) to
    ``wanted``: (message, hint), or None when it can."""
    before = current or ObjectiveState.DRAFT
    if wanted == before:
        return None
    if wanted not in SHEET_STATES:
        return OTHER_REFUSED, OTHER_HINT
    if before == ObjectiveState.PROPOSED and wanted == ObjectiveState.DRAFT:
        return SEND_BACK_REFUSED, SEND_BACK_HINT
    if before not in (ObjectiveState.DRAFT, ObjectiveState.PROPOSED) or wanted == ObjectiveState.DRAFT:
        return OTHER_REFUSED, OTHER_HINT
    return None


def parse_state(value: str) -> str | None:
    """The state a cell names (value or label, any case), or None."""
    text = value.strip().lower()
    for state, label in ObjectiveState.choices:
        if text in (str(state), str(label).lower()):
            return str(state)
    return None


def move_state(actor: Membership, objective: Objective, wanted: str | None) -> None:
    """Carry out the sheet's move through the approval services (their refusals raise)."""
    if not wanted or wanted == objective.state:
        return
    refused = state_refusal(objective.state, wanted)
    if refused is not None:
        raise Conflict(f"{refused[0]} {refused[1]}", field="state")
    if wanted == ObjectiveState.PROPOSED:
        planning.objective_propose(actor=actor, objective=objective)
    elif objective.state == ObjectiveState.DRAFT and not actor.organisation.approval_required:
        okrs.objective_set_state(actor=actor, objective=objective, state=ObjectiveState.ACTIVE)
    else:
        planning.objective_approve(actor=actor, objective=objective)
