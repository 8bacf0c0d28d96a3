"""Writing comments: add (or reply), edit and delete, each checked, audited and in one transaction.

Whoever may read the target may comment on it, unless they are a viewer (viewers read only). The
author edits and deletes their comment; an admin may delete anyone's (moderation), audited as
theirs. Mentions notify each mentioned member once per comment (``Kind.MENTION``, key
``comment:<id>``), and only those who may read the target: a private objective's comments (its
initiatives' too) never reach someone who cannot see it.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from ambit.accounts.models import Membership
from ambit.core.audit import AuditAction, audit_record
from ambit.core.permissions import require_same_org, require_writer
from ambit.core.throttle import throttle_hit
from ambit.core.validation import MAX_LONG_TEXT, clean_text
from ambit.discussion import mentions
from ambit.discussion.models import Comment
from ambit.discussion.selectors import Target, can_read
from ambit.notify.models import Kind
from ambit.notify.produce import Draft, produce

# At most RATE_LIMIT new comments per person per RATE_WINDOW seconds.
RATE_LIMIT = 10
RATE_WINDOW = 60
EDIT_DENIED = "Only the author may edit a comment."
DELETE_DENIED = "Only the author or an admin may delete a comment."


class CommentRateLimited(Exception):
    """Too many comments in a short time: the web answers 429 with this message, the API 429."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        self.message = (
            f"You have posted {RATE_LIMIT} comments in the last minute: wait {retry_after} seconds and post again."
        )
        super().__init__(self.message)


def _body(value: object) -> str:
    return clean_text(value, field="body", label="comment", max_length=MAX_LONG_TEXT, required=True)


def _notify(comment: Comment, target: Target, mentioned: list[Membership], *, skip: set[int], now: dt.datetime) -> int:
    """One MENTION notification per mentioned member who may read the target (not the author,
    nor those in ``skip``: already notified for this comment)."""
    author_name = comment.author.user.get_full_name()
    drafts = [
        Draft(
            recipient=m,
            kind=Kind.MENTION,
            key=f"comment:{comment.pk}",
            title=f"{author_name} mentioned you on {target.title}"[:300],
            body=comment.body[:500],
            url=f"{target.url}#comment-{comment.pk}",
            data={
                "comment_id": comment.pk,
                "kind": str(target.kind),
                "target_id": target.pk,
                "objective_id": target.objective_id,
            },
        )
        for m in mentioned
        if m.pk != comment.author_id and m.pk not in skip and can_read(m, target)
    ]
    return produce(drafts, now=now) if drafts else 0


def _require_can_comment(actor: Membership, target: Target) -> None:
    require_same_org(actor, target.organisation_id)
    require_writer(actor)


@transaction.atomic
def comment_add(*, actor: Membership, target: Target, body: object, parent: Comment | None = None) -> Comment:
    """A new comment on ``target`` (which the caller loaded for ``actor`` through
    ``selectors.target_get``: readable), or a reply to ``parent`` in the same thread (a reply to a
    reply joins the top-level comment's thread)."""
    _require_can_comment(actor, target)
    text = _body(body)
    if parent is not None:
        if (
            parent.organisation_id != actor.organisation_id
            or not Comment.objects.filter(target.filter(), pk=parent.pk).exists()
        ):
            raise ValidationError({"parent_id": "Reply to a comment of this thread."})
        if parent.parent_id is not None:
            parent = Comment.objects.get(pk=parent.parent_id)
        if parent.is_deleted:
            raise ValidationError({"parent_id": "That comment was deleted: start a new comment instead."})
    mentioned = mentions.resolve(text, organisation_id=actor.organisation_id)
    wait = throttle_hit("comment-add", str(actor.pk), limit=RATE_LIMIT, window_seconds=RATE_WINDOW)
    if wait:
        raise CommentRateLimited(wait)
    comment = Comment.objects.create(
        organisation_id=actor.organisation_id,
        kind=target.kind,
        objective=target.objective,
        key_result=target.key_result,
        check_in=target.check_in,
        initiative=target.initiative,
        kpi=target.kpi,
        author=actor,
        body=text,
        parent=parent,
    )
    if mentioned:
        comment.mentions.set(mentioned)
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.COMMENT_ADD,
        obj=comment,
        changes={
            "target": [None, f"{target.kind}:{target.pk}"],
            "parent": [None, parent.pk if parent else None],
            "mentions": [None, [m.pk for m in mentioned]],
        },
    )
    _notify(comment, target, mentioned, skip=set(), now=timezone.now())
    return comment


@transaction.atomic
def comment_edit(*, actor: Membership, comment: Comment, target: Target, body: object) -> Comment:
    """The author changes their comment's text; people newly mentioned are notified."""
    require_same_org(actor, comment.organisation_id)
    require_writer(actor)
    if comment.author_id != actor.pk:
        raise PermissionDenied(EDIT_DENIED)
    if comment.is_deleted:
        raise ValidationError({"body": "This comment was deleted: it can no longer be edited."})
    text = _body(body)
    if text == comment.body:
        return comment
    mentioned = mentions.resolve(text, organisation_id=actor.organisation_id)
    before = set(comment.mentions.values_list("pk", flat=True))
    old = comment.body
    comment.body = text
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "edited_at", "updated_at"])
    comment.mentions.set(mentioned)
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.COMMENT_EDIT,
        obj=comment,
        changes={"body": [old, text], "mentions": [sorted(before), [m.pk for m in mentioned]]},
    )
    _notify(comment, target, mentioned, skip=before, now=timezone.now())
    return comment


def can_delete(actor: Membership, comment: Comment) -> bool:
    return actor.can_write and not comment.is_deleted and (comment.author_id == actor.pk or actor.is_admin)


def can_edit(actor: Membership, comment: Comment) -> bool:
    return actor.can_write and not comment.is_deleted and comment.author_id == actor.pk


@transaction.atomic
def comment_delete(*, actor: Membership, comment: Comment) -> Comment:
    """Delete a comment: its text and mentions go, the row stays so its replies keep their thread
    ("Comment deleted"). The author, or an admin (moderation). Deleting twice changes nothing."""
    require_same_org(actor, comment.organisation_id)
    require_writer(actor)
    if comment.author_id != actor.pk and not actor.is_admin:
        raise PermissionDenied(DELETE_DENIED)
    if comment.is_deleted:
        return comment
    now = timezone.now()
    comment.deleted_at = now
    comment.deleted_by = actor
    comment.body = ""
    comment.save(update_fields=["deleted_at", "deleted_by", "body", "updated_at"])
    comment.mentions.clear()
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.COMMENT_DELETE,
        obj=comment,
        changes={"deleted_at": [None, now], "by_author": [None, comment.author_id == actor.pk]},
    )
    return comment
