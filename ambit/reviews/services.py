"""Writes of monthly reviews. Pages, the API, the scheduler and the demo call these; each checks
the permission, runs in one transaction, saves only what changed and writes its audit entry.

Who may do what (``selectors.can_*`` answers the same questions for the pages):

- open and close a review: champions and admins;
- write a key result's commentary: its owner only (nobody writes it for them), while the review
  is open;
- remind people who have not written: champions and admins anyone, team leads the people of
  their teams (once per person per day);
- record, change and remove the meeting's decisions: champions, admins and team leads, while the
  review is open. Closing locks commentary and decisions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from ambit.accounts.models import Membership
from ambit.core.audit import audit_record
from ambit.core.errors import Conflict
from ambit.core.models import AuditAction
from ambit.core.permissions import VIEWER_DENIED, require_org_editor
from ambit.core.validation import TextRule, clean_text, clean_texts
from ambit.notify.models import Kind, Notification
from ambit.notify.produce import Draft, produce
from ambit.notify.schedule import zone
from ambit.okrs.models import KeyResult
from ambit.reviews import selectors
from ambit.reviews.models import DEFAULT_HOUR, Commentary, Decision, Review, ReviewItem, ReviewState
from ambit.reviews.scope import default_meeting_on, key_results_in_scope

MAX_ANSWER = 2_000
MAX_DECISION = 1_000
MAX_DAYS_AHEAD = 92
COMMENTARY_RULES = {
    "what_happened": TextRule(MAX_ANSWER, label="what happened", required=True),
    "what_will_change": TextRule(MAX_ANSWER, label="what will change", required=True),
    "help_needed": TextRule(MAX_ANSWER, label="help needed (write “none” if you need none)", required=True),
}
COMMENTARY_FIELDS = tuple(COMMENTARY_RULES)
OWNER_ONLY = "Only the key result's owner writes its commentary."
CLOSED = "This review is closed: its commentary and decisions are locked."
DECISIONS_DENIED = "Only OKR champions, admins and team leads record the meeting's decisions."
REMIND_DENIED = "Only OKR champions, admins and team leads send reminders (leads: to the people of their teams)."
UNSET: Any = object()


def local_today(review_or_org: Any, now: dt.datetime | None = None) -> dt.date:
    organisation = getattr(review_or_org, "organisation", review_or_org)
    return (now or timezone.now()).astimezone(zone(organisation.time_zone)).date()


def _same_org(actor: Membership, review: Review) -> None:
    if not actor.is_active or actor.organisation_id != review.organisation_id:
        raise Http404("No such monthly review.")


def _require_open(review: Review) -> None:
    if review.state != ReviewState.OPEN:
        raise Conflict(CLOSED)


def review_url(review: Review) -> str:
    return reverse("reviews:detail", kwargs={"review_id": review.pk})


def _check_schedule(meeting_on: object, hour: object, today: dt.date) -> tuple[dt.date, int]:
    if not isinstance(meeting_on, dt.date) or isinstance(meeting_on, dt.datetime):
        raise ValidationError({"meeting_on": "Enter the day of the meeting as a date (YYYY-MM-DD)."})
    if meeting_on < today:
        raise ValidationError({"meeting_on": "The meeting cannot be in the past: pick today or a later day."})
    if meeting_on > today + dt.timedelta(days=MAX_DAYS_AHEAD):
        raise ValidationError({"meeting_on": f"Pick a day within {MAX_DAYS_AHEAD} days: open a review a month ahead."})
    if not isinstance(hour, int) or isinstance(hour, bool) or not 0 <= hour <= 23:
        raise ValidationError({"hour": "Enter the hour as a whole number from 0 to 23."})
    return meeting_on, hour


@transaction.atomic
def review_open(
    *,
    actor: Membership,
    meeting_on: dt.date | None = None,
    hour: int = DEFAULT_HOUR,
    now: dt.datetime | None = None,
) -> Review:
    """Open the review of the month ``meeting_on`` falls in (default: the first Tuesday of this
    month, or of the next when this one's has passed), freezing the key results in scope with
    their numbers now, and tell each owner their commentary is needed."""
    require_org_editor(actor, "open a monthly review")
    now = now or timezone.now()
    organisation = actor.organisation
    today = local_today(organisation, now)
    meeting_on, hour = _check_schedule(meeting_on or default_meeting_on(today), hour, today)
    month = meeting_on.replace(day=1)
    taken = f"The review for {month:%B %Y} is already opened: open it from the list."
    if Review.objects.filter(organisation_id=organisation.pk, month=month).exists():
        raise Conflict(taken, field="meeting_on")
    try:
        with transaction.atomic():
            review = Review.objects.create(
                organisation=organisation, month=month, meeting_on=meeting_on, hour=hour, opened_by=actor
            )
    except IntegrityError:
        raise Conflict(taken, field="meeting_on") from None
    rows = key_results_in_scope(organisation=organisation, now=now)
    ReviewItem.objects.bulk_create(
        [
            ReviewItem(
                organisation=organisation,
                review=review,
                key_result=r.key_result,
                status=r.status,
                progress=r.progress,
                expected=r.expected,
                confidence=r.confidence,
                position=i,
            )
            for i, r in enumerate(rows)
        ]
    )
    audit_record(
        actor=actor,
        organisation=organisation,
        action=AuditAction.REVIEW_OPEN,
        obj=review,
        changes={
            "month": [None, month],
            "meeting_on": [None, meeting_on],
            "hour": [None, hour],
            "key_results": [None, [r.key_result.pk for r in rows]],
        },
    )
    _notify_owners(review, [r.key_result for r in rows], key="opened", now=now)
    return review


def _notify_owners(review: Review, key_results: Iterable[KeyResult], *, key: str, now: dt.datetime) -> int:
    """One notification per owner with missing commentary (``Kind.REVIEW_COMMENTARY``), keyed by
    the review and ``key`` so a repeat produces nothing twice."""
    counts: dict[int, int] = {}
    for kr in key_results:
        counts[kr.owner_id] = counts.get(kr.owner_id, 0) + 1
    owners = (
        Membership.objects.filter(pk__in=list(counts), is_active=True)
        .order_by("pk")
        .select_related("user", "organisation")
    )
    return produce([commentary_draft(review, m, counts[m.pk], key) for m in owners], now=now)


def commentary_draft(review: Review, owner: Membership, count: int, key: str, title: str = "") -> Draft:
    """The notification asking ``owner`` for their commentary on ``count`` key results."""
    plural = "" if count == 1 else "s"
    return Draft(
        recipient=owner,
        kind=Kind.REVIEW_COMMENTARY,
        key=f"review:{review.pk}:{key}",
        title=title or f"Monthly review on {review.meeting_on:%a %-d %b}: your commentary is needed",
        body=(
            f"{count} key result{plural} you own {'is' if count == 1 else 'are'} behind or at risk. Before the "
            "meeting, write what happened, what will change and what help you need."
        ),
        url=review_url(review),
        data={"review": review.pk, "meeting_on": review.meeting_on.isoformat(), "key_results": count},
    )


@transaction.atomic
def review_close(*, actor: Membership, review: Review, now: dt.datetime | None = None) -> Review:
    """Close the review after its meeting: commentary and decisions are locked from now on."""
    _same_org(actor, review)
    require_org_editor(actor, "close a monthly review")
    review = Review.objects.select_for_update().get(pk=review.pk)
    _require_open(review)
    review.state = ReviewState.CLOSED
    review.closed_at = now or timezone.now()
    review.closed_by = actor
    review.save(update_fields=["state", "closed_at", "closed_by", "updated_at"])
    items = ReviewItem.objects.filter(review=review)
    written = items.filter(commentary__isnull=False).count()
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.REVIEW_CLOSE,
        obj=review,
        changes={
            "state": [ReviewState.OPEN, ReviewState.CLOSED],
            "written": [None, written],
            "missing": [None, items.count() - written],
        },
    )
    return review


@transaction.atomic
def commentary_write(
    *,
    actor: Membership,
    item: ReviewItem,
    what_happened: str,
    what_will_change: str,
    help_needed: str,
    now: dt.datetime | None = None,
) -> Commentary:
    """Write or rewrite the commentary on one key result of an open review (its owner only)."""
    review = item.review
    _same_org(actor, review)
    if not actor.can_write:
        raise PermissionDenied(VIEWER_DENIED)
    if item.key_result.owner_id != actor.pk:
        raise PermissionDenied(OWNER_ONLY)
    review = Review.objects.select_for_update().get(pk=review.pk)
    _require_open(review)
    values = clean_texts(
        {"what_happened": what_happened, "what_will_change": what_will_change, "help_needed": help_needed},
        COMMENTARY_RULES,
    )
    now = now or timezone.now()
    existing = Commentary.objects.filter(item=item).first()
    if existing is None:
        commentary = Commentary.objects.create(
            organisation_id=review.organisation_id, item=item, author=actor, written_at=now, **values
        )
        changes: dict[str, list[Any]] = {name: [None, values[name]] for name in COMMENTARY_FIELDS}
    else:
        commentary = existing
        before = {n: getattr(commentary, n) for n in COMMENTARY_FIELDS}
        changes = {n: [before[n], values[n]] for n in COMMENTARY_FIELDS if before[n] != values[n]}
        if not changes:
            return commentary
        for name in changes:
            setattr(commentary, name, values[name])
        commentary.edited_at = now
        commentary.author = actor
        commentary.save(update_fields=[*changes, "edited_at", "author", "updated_at"])
    item.commentary = commentary
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.REVIEW_COMMENTARY,
        obj=commentary,
        changes={"review": [review.pk, review.pk], "key_result": [item.key_result_id, item.key_result_id], **changes},
    )
    return commentary


@dataclass(frozen=True)
class Reminded:
    reminded: list[int]  # membership ids notified now
    already: list[int]  # reminded earlier today: not again


@transaction.atomic
def review_remind(
    *, actor: Membership, review: Review, owner_ids: Iterable[int] | None = None, now: dt.datetime | None = None
) -> Reminded:
    """Remind the owners with missing commentary (all of them the actor may remind, or those of
    ``owner_ids``), at most once per person per day."""
    _same_org(actor, review)
    if not actor.can_write:
        raise PermissionDenied(VIEWER_DENIED)
    if not (actor.is_org_wide_editor or actor.led_team_ids()):
        raise PermissionDenied(REMIND_DENIED)
    _require_open(review)
    missing = selectors.missing_owner_ids(review=review)
    if owner_ids is not None:
        wanted = set(owner_ids)
        unknown = wanted - set(missing)
        if unknown:
            raise ValidationError({"member_ids": "Pick people who still owe commentary on this review."})
        if any(not selectors.can_remind(actor, pk) for pk in wanted):
            raise PermissionDenied(REMIND_DENIED)
    else:
        wanted = {pk for pk in missing if selectors.can_remind(actor, pk)}
    if not wanted:
        return Reminded([], [])
    now = now or timezone.now()
    key = f"nudge:{local_today(review, now).isoformat()}"
    already = set(
        Notification.objects.filter(
            kind=Kind.REVIEW_COMMENTARY, key=f"review:{review.pk}:{key}", recipient_id__in=wanted
        ).values_list("recipient_id", flat=True)
    )
    fresh = sorted(wanted - already)
    owners = Membership.objects.filter(pk__in=fresh).select_related("user", "organisation").order_by("pk")
    produce([commentary_draft(review, m, missing[m.pk], key) for m in owners], now=now)
    if fresh:
        audit_record(
            actor=actor,
            organisation=actor.organisation,
            action=AuditAction.REVIEW_REMIND,
            obj=review,
            changes={"reminded": [None, fresh]},
        )
    return Reminded(fresh, sorted(already))


# --- Decisions --------------------------------------------------------------------------------


def _require_decider(actor: Membership, review: Review) -> None:
    _same_org(actor, review)
    if not actor.can_write:
        raise PermissionDenied(VIEWER_DENIED)
    if not selectors.can_record_decisions(actor):
        raise PermissionDenied(DECISIONS_DENIED)
    _require_open(review)


def _clean_decision(review: Review, *, text: Any, owner: Any, due_on: Any, key_result: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    errors: dict[str, str] = {}
    if text is not UNSET:
        try:
            out["text"] = clean_text(text, field="text", label="decision", max_length=MAX_DECISION, required=True)
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if owner is not UNSET:
        if owner is not None and (owner.organisation_id != review.organisation_id or not owner.is_active):
            errors["owner"] = "Pick the owner among the organisation's people."
        out["owner"] = owner
    if due_on is not UNSET:
        if due_on is not None and (not isinstance(due_on, dt.date) or not 2000 <= due_on.year <= 2199):
            errors["due_on"] = "Enter the due day as a date (YYYY-MM-DD)."
        out["due_on"] = due_on
    if key_result is not UNSET:
        if key_result is not None and not ReviewItem.objects.filter(review=review, key_result=key_result).exists():
            errors["key_result"] = "Pick one of the key results on this review's agenda."
        out["key_result"] = key_result
    if errors:
        raise ValidationError(errors)
    return out


@transaction.atomic
def decision_add(
    *,
    actor: Membership,
    review: Review,
    text: str,
    owner: Membership | None = None,
    due_on: dt.date | None = None,
    key_result: KeyResult | None = None,
) -> Decision:
    """Record a decision of the meeting."""
    _require_decider(actor, review)
    values = _clean_decision(review, text=text, owner=owner, due_on=due_on, key_result=key_result)
    decision = Decision.objects.create(organisation_id=review.organisation_id, review=review, author=actor, **values)
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.REVIEW_DECISION_ADD,
        obj=decision,
        changes={
            "review": [None, review.pk],
            "text": [None, decision.text],
            "owner": [None, decision.owner_id],
            "due_on": [None, decision.due_on],
            "key_result": [None, decision.key_result_id],
        },
    )
    return decision


@transaction.atomic
def decision_update(
    *,
    actor: Membership,
    decision: Decision,
    text: Any = UNSET,
    owner: Any = UNSET,
    due_on: Any = UNSET,
    key_result: Any = UNSET,
) -> Decision:
    """Change a decision (only the fields given)."""
    review = decision.review
    _require_decider(actor, review)
    values = _clean_decision(review, text=text, owner=owner, due_on=due_on, key_result=key_result)
    ids = {"owner": "owner_id", "key_result": "key_result_id"}
    changes: dict[str, list[Any]] = {}
    for name, value in values.items():
        before = getattr(decision, ids.get(name, name))
        after = value.pk if name in ids and value is not None else value
        if before != after:
            changes[name] = [before, after]
            setattr(decision, name, value)
    if not changes:
        return decision
    decision.save(update_fields=[*changes, "updated_at"])
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.REVIEW_DECISION_UPDATE,
        obj=decision,
        changes={"review": [review.pk, review.pk], **changes},
    )
    return decision


@transaction.atomic
def decision_delete(*, actor: Membership, decision: Decision) -> None:
    """Remove a decision recorded by mistake."""
    review = decision.review
    _require_decider(actor, review)
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.REVIEW_DECISION_DELETE,
        obj=decision,
        changes={"review": [review.pk, review.pk], "text": [decision.text, None]},
    )
    decision.delete()
