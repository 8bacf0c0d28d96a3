"""The trash (issue 17): deleted objectives, key results, KPIs and initiatives kept 30 days, through
the same services and visibility as the page. Champions and admins see the whole trash, anyone else
what they own or deleted; another organisation's item is a 404."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import Field

from ambit.api.common import actor_of
from ambit.api.schemas import Id, PageQuery, as_page, page_of, paginate, reads, writes
from ambit.core.permissions import require_admin, require_writer
from ambit.trash import selectors, services
from ambit.trash.models import TrashItem

router = Router(tags=["trash"])


class TrashItemOut(Schema):
    id: int
    model: Literal["okrs.Objective", "okrs.KeyResult", "kpis.Kpi", "initiatives.Initiative"] = Field(
        description="The deleted object's model."
    )
    object_id: str = Field(description="Its id, which it gets back when restored.")
    kind: Literal["objective", "key result", "KPI", "initiative"] = Field(description="What it is, in words.")
    title: str
    owner_id: int | None
    deleted_by_id: int | None
    deleted_at: dt.datetime
    purge_after: dt.datetime = Field(description="When it is deleted for good.")
    days_left: int
    counts: dict[str, int] = Field(description="Rows deleted with it, per model label.")
    summary: str = Field(description="What comes back with it, in words.")
    can_restore: bool
    can_delete: bool = Field(description="Whether the caller may delete it for good now (admins).")


class RestoredOut(Schema):
    model: str
    object_id: str
    title: str
    rows: dict[str, list[int | str]] = Field(description="The ids restored, per model label.")


def _item_out(actor: Any, item: TrashItem, now: dt.datetime) -> dict[str, Any]:
    return {
        "id": item.pk,
        "model": item.model_label,
        "object_id": item.object_id,
        "kind": item.kind,
        "title": item.title,
        "owner_id": item.owner_id,
        "deleted_by_id": item.deleted_by_id,
        "deleted_at": item.deleted_at,
        "purge_after": item.purge_after,
        "days_left": item.days_left(now),
        "counts": item.counts,
        "summary": item.summary,
        "can_restore": selectors.can_restore(actor, item),
        "can_delete": selectors.can_delete_permanently(actor),
    }


@router.get("/trash", response=reads(page_of(TrashItemOut)), operation_id="trash_list")
def trash_list(request: HttpRequest, page: Query[PageQuery]) -> Any:
    """What the caller may see in the trash, by id."""
    actor = actor_of(request)
    rows, nxt = paginate(selectors.trash_list(actor=actor), page)
    now = timezone.now()
    return as_page([_item_out(actor, item, now) for item in rows], nxt)


@router.post("/trash/{trash_item_id}/restore", response=writes(RestoredOut), operation_id="trash_restore")
def trash_restore(request: HttpRequest, trash_item_id: Id) -> Any:
    """Restore an item with everything deleted with it, under their original ids (its owner, the
    person who deleted it, champions and admins). 409 when something it needs is gone since (its
    cycle, or the objective of a key result: restore that first)."""
    actor = actor_of(request)
    require_writer(actor)  # a viewer is told so, whatever the id
    item = selectors.trash_get(actor=actor, item_id=trash_item_id)
    done = services.trash_restore(actor=actor, item=item)
    return {"model": item.model_label, "object_id": item.object_id, "title": done.title, "rows": done.rows}


@router.delete("/trash/{trash_item_id}", response=writes(None, 204), operation_id="trash_delete")
def trash_delete(request: HttpRequest, trash_item_id: Id) -> Any:
    """Delete an item for good now, before its 30 days are over (admins)."""
    actor = actor_of(request)
    require_admin(actor, services.DELETE_WHAT)  # anyone else is told so, whatever the id
    services.trash_delete(actor=actor, item=selectors.trash_get(actor=actor, item_id=trash_item_id))
    return Status(204, None)
