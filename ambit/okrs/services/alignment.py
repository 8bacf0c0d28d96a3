"""Alignment: link an objective to the parents it supports, refusing loops."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from ambit.accounts.models import Membership
from ambit.core.audit import AuditAction, audit_record
from ambit.core.errors import Conflict
from ambit.core.permissions import require_can_edit_objective, require_same_org
from ambit.core.validation import check_weight
from ambit.okrs import rollups
from ambit.okrs.models import Alignment, Objective
from ambit.okrs.selectors import objective_descendant_ids


def _would_cycle(child: Objective, parent_id: int) -> bool:
    """True when ``parent`` already sits below ``child`` (classic links or duality links)."""
    return parent_id in objective_descendant_ids(objective=child, stop_at=parent_id)


@transaction.atomic
def alignment_add(*, actor: Membership, child: Objective, parent: Objective, weight: float = 1.0) -> Alignment:
    require_can_edit_objective(actor, child)
    require_same_org(actor, parent.organisation_id)
    if actor.organisation.cascade_method == "duality":
        raise Conflict(
            "This organisation cascades by duality only: cascade a key result into a child objective instead "
            "of aligning, or ask an admin to allow classic alignment in the charter.",
            field="parent",
        )
    if child.pk == parent.pk:
        raise ValidationError({"parent": "An objective cannot align to itself."})
    weight = check_weight(weight)
    if Alignment.objects.filter(child=child, parent=parent).exists():
        raise Conflict(f"“{child.title}” is already aligned to “{parent.title}”.", field="parent")
    if _would_cycle(child, parent.pk):
        raise Conflict(
            f"Aligning to “{parent.title}” would make a loop: it already supports “{child.title}”.", field="parent"
        )
    link = Alignment.objects.create(organisation_id=actor.organisation_id, child=child, parent=parent, weight=weight)
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.ALIGNMENT_ADD,
        obj=child,
        changes={"parent": [None, parent.pk], "weight": [None, weight]},
    )
    rollups.schedule_objective(child)
    return link


@transaction.atomic
def alignment_remove(*, actor: Membership, child: Objective, parent: Objective) -> None:
    require_can_edit_objective(actor, child)
    link = Alignment.objects.filter(child=child, parent=parent).select_for_update().first()
    if link is None:
        raise ValidationError({"parent": "These objectives are not aligned."})
    link.delete()
    # The weight too: the dashboard's past days put the link back as it was (dashboards/rewind.py).
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.ALIGNMENT_REMOVE,
        obj=child,
        changes={"parent": [parent.pk, None], "weight": [link.weight, None]},
    )
    rollups.schedule_objective(child, former_parent_id=parent.pk)
