"""Writes for mission, vision, values and big moves (champions and admins)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from ambit.accounts.models import Membership
from ambit.core.audit import AuditAction, audit_record, snapshot
from ambit.core.errors import Conflict
from ambit.core.permissions import require_org_editor, require_same_org
from ambit.core.services import apply_changes, full_clean_or_raise, lock_and_refresh
from ambit.core.validation import MAX_BIG_MOVE_TITLE, MAX_LONG_TEXT, MAX_VALUE_NAME, TextRule, clean_texts
from ambit.strategy.models import BigMove, Strategy, Value

# The free text each entity stores, cleaned by ambit.core.validation on every surface.
STRATEGY_TEXT = {"mission": TextRule(MAX_LONG_TEXT), "vision": TextRule(MAX_LONG_TEXT)}
VALUE_TEXT = {
    "name": TextRule(MAX_VALUE_NAME, required=True, single_line=True),
    "description": TextRule(MAX_LONG_TEXT),
}
BIG_MOVE_TEXT = {
    "title": TextRule(MAX_BIG_MOVE_TITLE, required=True, single_line=True),
    "description": TextRule(MAX_LONG_TEXT),
}


@transaction.atomic
def strategy_update(*, actor: Membership, **fields: Any) -> Strategy:
    require_org_editor(actor, "change the mission and vision")
    fields = clean_texts(fields, STRATEGY_TEXT)
    strategy, _ = Strategy.objects.select_for_update().get_or_create(organisation_id=actor.organisation_id)
    changes = apply_changes(strategy, fields, ("mission", "vision"))
    if changes:
        strategy.save(update_fields=[*changes, "updated_at"])
        audit_record(
            actor=actor,
            organisation=actor.organisation,
            action=AuditAction.STRATEGY_UPDATE,
            obj=strategy,
            changes=changes,
        )
    return strategy


@transaction.atomic
def value_create(*, actor: Membership, name: str, description: str = "", position: int | None = None) -> Value:
    require_org_editor(actor, "change the values")
    texts = clean_texts({"name": name, "description": description}, VALUE_TEXT)
    if position is None:
        position = Value.objects.filter(organisation_id=actor.organisation_id).count()
    value = Value(organisation_id=actor.organisation_id, position=position, **texts)
    full_clean_or_raise(value, exclude=["organisation"])
    value.save()
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.VALUE_CREATE,
        obj=value,
        changes=snapshot(value, ("name", "description")),
    )
    return value


@transaction.atomic
def value_update(*, actor: Membership, value: Value, **fields: Any) -> Value:
    require_same_org(actor, value.organisation_id)
    require_org_editor(actor, "change the values")
    lock_and_refresh(value)
    fields = clean_texts(fields, VALUE_TEXT)
    changes = apply_changes(value, fields, ("name", "description", "position"))
    if changes:
        full_clean_or_raise(value, exclude=["organisation"])
        value.save(update_fields=[*changes, "updated_at"])
        audit_record(
            actor=actor, organisation=actor.organisation, action=AuditAction.VALUE_UPDATE, obj=value, changes=changes
        )
    return value


@transaction.atomic
def value_delete(*, actor: Membership, value: Value) -> None:
    require_same_org(actor, value.organisation_id)
    require_org_editor(actor, "change the values")
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.VALUE_DELETE,
        obj=value,
        changes=snapshot(value, ("name",)),
    )
    value.delete()


def _check_horizon(start: int, end: int) -> None:
    if end < start:
        raise ValidationError({"horizon_end": f"The horizon ends ({end}) before it starts ({start}): swap the years."})


@transaction.atomic
def big_move_create(
    *,
    actor: Membership,
    title: str,
    horizon_start: int,
    horizon_end: int,
    description: str = "",
    owner: Membership | None = None,
    position: int | None = None,
) -> BigMove:
    require_org_editor(actor, "set big moves")
    if owner is not None:
        require_same_org(actor, owner.organisation_id)
    _check_horizon(horizon_start, horizon_end)
    texts = clean_texts({"title": title, "description": description}, BIG_MOVE_TEXT)
    if position is None:
        position = BigMove.objects.filter(organisation_id=actor.organisation_id).count()
    move = BigMove(
        organisation_id=actor.organisation_id,
        title=texts["title"],
        description=texts["description"],
        horizon_start=horizon_start,
        horizon_end=horizon_end,
        owner=owner,
        position=position,
    )
    full_clean_or_raise(move, exclude=["organisation"])
    move.save()
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.BIG_MOVE_CREATE,
        obj=move,
        changes=snapshot(move, ("title", "horizon_start", "horizon_end")),
    )
    return move


@transaction.atomic
def big_move_update(*, actor: Membership, big_move: BigMove, **fields: Any) -> BigMove:
    require_same_org(actor, big_move.organisation_id)
    require_org_editor(actor, "change big moves")
    if fields.get("owner") is not None:
        require_same_org(actor, fields["owner"].organisation_id)
    # The horizon check reads both years: check it against the current row, not the caller's copy.
    lock_and_refresh(big_move)
    fields = clean_texts(fields, BIG_MOVE_TEXT)
    changes = apply_changes(
        big_move, fields, ("title", "description", "horizon_start", "horizon_end", "owner", "position", "is_archived")
    )
    if changes:
        _check_horizon(big_move.horizon_start, big_move.horizon_end)
        full_clean_or_raise(big_move, exclude=["organisation"])
        big_move.save(update_fields=[*changes, "updated_at"])
        audit_record(
            actor=actor,
            organisation=actor.organisation,
            action=AuditAction.BIG_MOVE_UPDATE,
            obj=big_move,
            changes=changes,
        )
    return big_move


@transaction.atomic
def big_move_delete(*, actor: Membership, big_move: BigMove) -> None:
    require_same_org(actor, big_move.organisation_id)
    require_org_editor(actor, "delete big moves")
    if big_move.objectives.exists():
        raise Conflict("Objectives still have this big move as their theme: archive it instead.", field="big_move")
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.BIG_MOVE_DELETE,
        obj=big_move,
        changes=snapshot(big_move, ("title",)),
    )
    big_move.delete()
