"""Comments with mentions (issue 16): the threads of objectives, key results, initiatives and KPIs,
and editing or deleting one's own comment. The same services as the pages: whoever may read the target may
comment (viewers read only), the author edits, the author or an admin deletes; at most
``RATE_LIMIT`` new comments a minute per person (429 with ``Retry-After``). Mention someone with
``@handle`` (their email address before the @, when unique) or ``@[Name](member:<id>)``."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from ambit.accounts.models import Membership
from ambit.api.common import actor_of, resolve_optional
from ambit.api.problems import RateLimited
from ambit.api.schemas import Id, LongText, PageQuery, as_page, page_of, paginate, reads, writes
from ambit.discussion import selectors as sel
from ambit.discussion import services
from ambit.discussion.models import Comment, TargetKind
from ambit.discussion.selectors import Target

router = Router(tags=["comments"])


class CommentIn(Schema):
    body: LongText = Field(
        description="Plain text (never rendered as HTML). Mentions: `@handle` or `@[Name](member:<id>)`."
    )
    parent_id: Id | None = Field(None, description="Reply to this comment of the same thread (one level of replies).")


class CommentPatch(Schema):
    body: LongText = Field(description="The new text. Only the author may edit.")


class CommentOut(Schema):
    id: int
    kind: Literal["objective", "key_result", "check_in", "initiative", "kpi"] = Field(
        description="What the comment is about."
    )
    objective_id: int | None = Field(
        description="The objective the comment is about, or whose key result, check-in or initiative it is "
        "about. Empty on a KPI's comments (KPIs belong to no objective)."
    )
    key_result_id: int | None
    check_in_id: int | None
    initiative_id: int | None
    kpi_id: int | None
    parent_id: int | None
    author_id: int
    author_name: str
    body: str = Field(description="Empty once the comment is deleted.")
    mention_ids: list[int] = Field(description="The members this comment mentions.")
    created_at: dt.datetime
    edited_at: dt.datetime | None
    deleted: bool


def comment_out(c: Comment) -> dict[str, Any]:
    return {
        "id": c.pk,
        "kind": c.kind,
        "objective_id": c.objective_id,
        "key_result_id": c.key_result_id,
        "check_in_id": c.check_in_id,
        "initiative_id": c.initiative_id,
        "kpi_id": c.kpi_id,
        "parent_id": c.parent_id,
        "author_id": c.author_id,
        "author_name": c.author.user.get_full_name(),
        "body": c.body,
        "mention_ids": sorted(m.pk for m in c.mentions.all()),
        "created_at": c.created_at,
        "edited_at": c.edited_at,
        "deleted": c.is_deleted,
    }


def _list(actor: Membership, target: Target, page: PageQuery) -> dict[str, Any]:
    rows, nxt = paginate(sel.comment_queryset(actor=actor, target=target), page)
    return as_page([comment_out(c) for c in rows], nxt)


def _create(actor: Membership, target: Target, payload: CommentIn) -> Any:
    parent = resolve_optional(
        "parent_id", payload.parent_id, sel.comment_get, actor=actor, comment_id=payload.parent_id or 0
    )
    try:
        comment = services.comment_add(actor=actor, target=target, body=payload.body, parent=parent)
    except services.CommentRateLimited as exc:
        raise RateLimited(exc.retry_after) from None
    return Status(201, comment_out(sel.comment_get(actor=actor, comment_id=comment.pk)))


@router.get(
    "/objectives/{objective_id}/comments", response=reads(page_of(CommentOut)), operation_id="comment_list_objective"
)
def comment_list_objective(request: HttpRequest, objective_id: Id, page: Query[PageQuery]) -> Any:
    """The objective's own comments and replies (not its key results'), by id."""
    actor = actor_of(request)
    return _list(actor, sel.target_get(actor=actor, kind=TargetKind.OBJECTIVE, pk=objective_id), page)


@router.post(
    "/objectives/{objective_id}/comments", response=writes(CommentOut, 201), operation_id="comment_create_objective"
)
def comment_create_objective(request: HttpRequest, objective_id: Id, payload: CommentIn) -> Any:
    """Comment on the objective (or reply with `parent_id`); mentioned members who can see it are notified."""
    actor = actor_of(request)
    return _create(actor, sel.target_get(actor=actor, kind=TargetKind.OBJECTIVE, pk=objective_id), payload)


@router.get(
    "/key-results/{key_result_id}/comments", response=reads(page_of(CommentOut)), operation_id="comment_list_key_result"
)
def comment_list_key_result(request: HttpRequest, key_result_id: Id, page: Query[PageQuery]) -> Any:
    """The key result's comments and replies, by id."""
    actor = actor_of(request)
    return _list(actor, sel.target_get(actor=actor, kind=TargetKind.KEY_RESULT, pk=key_result_id), page)


@router.post(
    "/key-results/{key_result_id}/comments", response=writes(CommentOut, 201), operation_id="comment_create_key_result"
)
def comment_create_key_result(request: HttpRequest, key_result_id: Id, payload: CommentIn) -> Any:
    """Comment on the key result (or reply with `parent_id`)."""
    actor = actor_of(request)
    return _create(actor, sel.target_get(actor=actor, kind=TargetKind.KEY_RESULT, pk=key_result_id), payload)


@router.get(
    "/initiatives/{initiative_id}/comments", response=reads(page_of(CommentOut)), operation_id="comment_list_initiative"
)
def comment_list_initiative(request: HttpRequest, initiative_id: Id, page: Query[PageQuery]) -> Any:
    """The initiative's comments and replies, by id (404 when its objective is hidden from you)."""
    actor = actor_of(request)
    return _list(actor, sel.target_get(actor=actor, kind=TargetKind.INITIATIVE, pk=initiative_id), page)


@router.post(
    "/initiatives/{initiative_id}/comments", response=writes(CommentOut, 201), operation_id="comment_create_initiative"
)
def comment_create_initiative(request: HttpRequest, initiative_id: Id, payload: CommentIn) -> Any:
    """Comment on the initiative (or reply with `parent_id`); mentioned members who can see its objective are
    notified."""
    actor = actor_of(request)
    return _create(actor, sel.target_get(actor=actor, kind=TargetKind.INITIATIVE, pk=initiative_id), payload)


@router.get("/kpis/{kpi_id}/comments", response=reads(page_of(CommentOut)), operation_id="comment_list_kpi")
def comment_list_kpi(request: HttpRequest, kpi_id: Id, page: Query[PageQuery]) -> Any:
    """The KPI's comments and replies, by id."""
    actor = actor_of(request)
    return _list(actor, sel.target_get(actor=actor, kind=TargetKind.KPI, pk=kpi_id), page)


@router.post("/kpis/{kpi_id}/comments", response=writes(CommentOut, 201), operation_id="comment_create_kpi")
def comment_create_kpi(request: HttpRequest, kpi_id: Id, payload: CommentIn) -> Any:
    """Comment on the KPI (or reply with `parent_id`); mentioned members who can see the KPI are notified."""
    actor = actor_of(request)
    return _create(actor, sel.target_get(actor=actor, kind=TargetKind.KPI, pk=kpi_id), payload)


@router.patch("/comments/{comment_id}", response=writes(CommentOut), operation_id="comment_update")
def comment_update(request: HttpRequest, comment_id: Id, payload: CommentPatch) -> Any:
    """Change your comment's text (the author only); newly mentioned members are notified."""
    actor = actor_of(request)
    comment = sel.comment_get(actor=actor, comment_id=comment_id)
    services.comment_edit(actor=actor, comment=comment, target=sel.target_of(comment), body=payload.body)
    return comment_out(sel.comment_get(actor=actor, comment_id=comment_id))


@router.delete("/comments/{comment_id}", response=writes(None, 204), operation_id="comment_delete")
def comment_delete(request: HttpRequest, comment_id: Id) -> Any:
    """Delete a comment (its author, or an admin): its text goes, its replies stay."""
    actor = actor_of(request)
    services.comment_delete(actor=actor, comment=sel.comment_get(actor=actor, comment_id=comment_id))
    return Status(204, None)
