"""Monthly reviews (issue 16, part 8): the behind and at-risk key results frozen when a review
opens, their owners' commentary, who has not written yet, reminders and the meeting's decisions,
through the same services and visibility as the pages. Another organisation's review is a 404."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from ambit.accounts import selectors as acc
from ambit.api.common import actor_of, changed, resolve, resolve_optional
from ambit.api.schemas import Day, Id, PageQuery, as_page, page_of, paginate, reads, writes
from ambit.okrs import selectors as okr_sel
from ambit.reviews import selectors, services
from ambit.reviews.models import DEFAULT_HOUR, Commentary, Decision, Review, ReviewItem

router = Router(tags=["monthly reviews"])

ReviewStateName = Literal["open", "closed"]
ReviewStatusName = Literal["behind", "at_risk"]


def _answer(description: str) -> Any:
    # Required and bounded by the service's rule, so the message is the page's own.
    return Field(description=description, json_schema_extra={"maxLength": services.MAX_ANSWER})


class ReviewOut(Schema):
    id: int
    month: dt.date = Field(description="The first day of the month the meeting falls in.")
    meeting_on: dt.date
    hour: int = Field(description="Local hour of the meeting, in the organisation's time zone.")
    state: ReviewStateName
    item_count: int = Field(description="Key results on the review the caller may see.")
    written_count: int = Field(description="Of those, how many have their commentary.")


class CommentaryOut(Schema):
    what_happened: str
    what_will_change: str
    help_needed: str
    author_id: int | None
    written_at: dt.datetime
    edited_at: dt.datetime | None = Field(description="When it was last rewritten; null if never.")


class ReviewItemOut(Schema):
    key_result_id: int
    title: str
    objective_id: int
    owner_id: int
    status: ReviewStatusName = Field(description="When the review opened.")
    progress: float = Field(description="0–1, when the review opened.")
    expected: float = Field(description="The expected progress (pace) when the review opened.")
    confidence: int = Field(description="Stored 0–10, when the review opened.")
    commentary: CommentaryOut | None = Field(description="Null while the owner has not written it.")


class DecisionOut(Schema):
    id: int
    review_id: int
    text: str
    owner_id: int | None
    due_on: dt.date | None
    key_result_id: int | None
    author_id: int | None


class ReviewDetailOut(ReviewOut):
    items: list[ReviewItemOut] = Field(description="The agenda: the largest shortfall first.")
    decisions: list[DecisionOut]


class MissingOwnerOut(Schema):
    member_id: int
    name: str
    key_result_ids: list[int]


class MissingOut(Schema):
    owners: list[MissingOwnerOut] = Field(description="People who have not written yet, by name.")


class ReviewOpenIn(Schema):
    meeting_on: Day | None = Field(
        None, description="Default: the first Tuesday of this month, or of the next once this month's has passed."
    )
    hour: int = Field(DEFAULT_HOUR, ge=0, le=23, description="Local hour of the meeting.")


class CommentaryIn(Schema):
    what_happened: str = _answer("What happened: why it is behind or at risk.")
    what_will_change: str = _answer("What will change from now on.")
    help_needed: str = _answer("What help is needed, from whom (“none” if none).")


class RemindIn(Schema):
    member_ids: list[Id] | None = Field(
        None, max_length=500, description="Only these people (default: everyone the caller may remind)."
    )


class RemindOut(Schema):
    reminded: list[int] = Field(description="Membership ids notified now.")
    already: list[int] = Field(description="Already reminded today: not again.")


class DecisionIn(Schema):
    text: str = Field(json_schema_extra={"maxLength": services.MAX_DECISION})
    owner_id: Id | None = None
    due_on: Day | None = None
    key_result_id: Id | None = Field(None, description="One of the key results on the review's agenda.")


class DecisionPatch(Schema):
    text: str | None = Field(None, json_schema_extra={"maxLength": services.MAX_DECISION})
    owner_id: Id | None = None
    due_on: Day | None = None
    key_result_id: Id | None = None


def _review_out(r: Review, item_count: int, written_count: int) -> dict[str, Any]:
    return {
        "id": r.pk,
        "month": r.month,
        "meeting_on": r.meeting_on,
        "hour": r.hour,
        "state": r.state,
        "item_count": item_count,
        "written_count": written_count,
    }


def _commentary_out(c: Commentary) -> dict[str, Any]:
    return {
        "what_happened": c.what_happened,
        "what_will_change": c.what_will_change,
        "help_needed": c.help_needed,
        "author_id": c.author_id,
        "written_at": c.written_at,
        "edited_at": c.edited_at,
    }


def _item_out(i: ReviewItem) -> dict[str, Any]:
    kr = i.key_result
    return {
        "key_result_id": kr.pk,
        "title": kr.title,
        "objective_id": kr.objective_id,
        "owner_id": kr.owner_id,
        "status": i.status,
        "progress": i.progress,
        "expected": i.expected,
        "confidence": i.confidence,
        "commentary": _commentary_out(i.commentary) if selectors.has_commentary(i) else None,
    }


def _decision_out(d: Decision) -> dict[str, Any]:
    return {
        "id": d.pk,
        "review_id": d.review_id,
        "text": d.text,
        "owner_id": d.owner_id,
        "due_on": d.due_on,
        "key_result_id": d.key_result_id,
        "author_id": d.author_id,
    }


def _counted(request: HttpRequest, review: Review) -> dict[str, Any]:
    items = selectors.review_items(actor=actor_of(request), review=review)
    return _review_out(review, len(items), sum(1 for i in items if selectors.has_commentary(i)))


@router.get("/reviews", response=reads(page_of(ReviewOut)), operation_id="review_list")
def review_list(request: HttpRequest, page: Query[PageQuery]) -> Any:
    """The organisation's monthly reviews, by id, each with how much commentary is written."""
    rows, nxt = paginate(selectors.review_list(actor=actor_of(request)), page)
    return as_page([_review_out(r, r.item_count, r.written_count) for r in rows], nxt)


@router.post("/reviews", response=writes(ReviewOut, 201), operation_id="review_open")
def review_open(request: HttpRequest, payload: ReviewOpenIn) -> Any:
    """Open the review of the month the meeting falls in (champions and admins): the key results
    behind or at risk now are frozen on its agenda and their owners asked for commentary."""
    review = services.review_open(actor=actor_of(request), meeting_on=payload.meeting_on, hour=payload.hour)
    return Status(201, _counted(request, review))


@router.get("/reviews/{review_id}", response=reads(ReviewDetailOut), operation_id="review_get")
def review_get(request: HttpRequest, review_id: Id) -> Any:
    """One review: its agenda (the key results the caller may see, with their commentary or null)
    and its decisions."""
    actor = actor_of(request)
    review = selectors.review_get(actor=actor, review_id=review_id)
    items = selectors.review_items(actor=actor, review=review)
    return {
        **_review_out(review, len(items), sum(1 for i in items if selectors.has_commentary(i))),
        "items": [_item_out(i) for i in items],
        "decisions": [_decision_out(d) for d in selectors.decision_list(actor=actor, review=review)],
    }


@router.get("/reviews/{review_id}/missing", response=reads(MissingOut), operation_id="review_missing")
def review_missing(request: HttpRequest, review_id: Id) -> Any:
    """Who has not written their commentary yet (among the key results the caller may see)."""
    actor = actor_of(request)
    review = selectors.review_get(actor=actor, review_id=review_id)
    owners = selectors.missing_by_owner(selectors.review_items(actor=actor, review=review))
    return {
        "owners": [
            {"member_id": o.membership.pk, "name": o.name, "key_result_ids": [i.key_result_id for i in o.items]}
            for o in owners
        ]
    }


@router.put(
    "/reviews/{review_id}/key-results/{key_result_id}/commentary",
    response=writes(CommentaryOut),
    operation_id="review_commentary_write",
)
def review_commentary_write(request: HttpRequest, review_id: Id, key_result_id: Id, payload: CommentaryIn) -> Any:
    """Write or rewrite the commentary on a key result of an open review: its owner only. All
    three answers are required."""
    actor = actor_of(request)
    review = selectors.review_get(actor=actor, review_id=review_id)
    item = selectors.item_for_key_result(actor=actor, review=review, key_result_id=key_result_id)
    commentary = services.commentary_write(
        actor=actor,
        item=item,
        what_happened=payload.what_happened,
        what_will_change=payload.what_will_change,
        help_needed=payload.help_needed,
    )
    return _commentary_out(commentary)


@router.post("/reviews/{review_id}/remind", response=writes(RemindOut), operation_id="review_remind")
def review_remind(request: HttpRequest, review_id: Id, payload: RemindIn) -> Any:
    """Remind the people who have not written (champions and admins anyone, team leads the people
    of their teams), at most once per person per day."""
    actor = actor_of(request)
    review = selectors.review_get(actor=actor, review_id=review_id)
    done = services.review_remind(actor=actor, review=review, owner_ids=payload.member_ids)
    return {"reminded": done.reminded, "already": done.already}


def _decision_refs(request: HttpRequest, fields: dict[str, Any]) -> dict[str, Any]:
    actor = actor_of(request)
    out = dict(fields)
    if "owner_id" in out:
        owner_id = out.pop("owner_id")
        out["owner"] = resolve_optional("owner_id", owner_id, acc.membership_get, actor=actor, membership_id=owner_id)
    if "key_result_id" in out:
        kr_id = out.pop("key_result_id")
        out["key_result"] = resolve_optional(
            "key_result_id", kr_id, okr_sel.key_result_get, actor=actor, key_result_id=kr_id
        )
    return out


@router.post("/reviews/{review_id}/decisions", response=writes(DecisionOut, 201), operation_id="review_decision_add")
def review_decision_add(request: HttpRequest, review_id: Id, payload: DecisionIn) -> Any:
    """Record a decision of the meeting (champions, admins and team leads; open reviews only)."""
    actor = actor_of(request)
    review = resolve("review_id", selectors.review_get, actor=actor, review_id=review_id)
    refs = _decision_refs(request, payload.model_dump())
    decision = services.decision_add(actor=actor, review=review, **refs)
    return Status(201, _decision_out(decision))


@router.patch("/reviews/decisions/{decision_id}", response=writes(DecisionOut), operation_id="review_decision_update")
def review_decision_update(request: HttpRequest, decision_id: Id, payload: DecisionPatch) -> Any:
    """Change a decision (send only the fields that change; null clears owner, due day or key result)."""
    actor = actor_of(request)
    decision = selectors.decision_get(actor=actor, decision_id=decision_id)
    refs = _decision_refs(request, changed(payload))
    return _decision_out(services.decision_update(actor=actor, decision=decision, **refs))


@router.delete("/reviews/decisions/{decision_id}", response=writes(None, 204), operation_id="review_decision_delete")
def review_decision_delete(request: HttpRequest, decision_id: Id) -> Any:
    """Remove a decision recorded by mistake (champions, admins and team leads; open reviews only)."""
    actor = actor_of(request)
    services.decision_delete(actor=actor, decision=selectors.decision_get(actor=actor, decision_id=decision_id))
    return Status(204, None)


@router.post("/reviews/{review_id}/close", response=writes(ReviewOut), operation_id="review_close")
def review_close(request: HttpRequest, review_id: Id) -> Any:
    """Close the review after its meeting (champions and admins): commentary and decisions lock."""
    actor = actor_of(request)
    review = services.review_close(actor=actor, review=selectors.review_get(actor=actor, review_id=review_id))
    return _counted(request, review)
