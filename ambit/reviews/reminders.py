"""The monthly review's timed reminders (``review_commentary_reminder``, registered with
``ambit.notify.scheduler``): each owner whose commentary is still missing on an open review hears
it twice, in the organisation's time zone:

* two days before the meeting, at 9:00 (skipped when the review was opened after that moment:
  opening it already told them);
* on the morning of the meeting, at 8:00 (or an hour before a meeting earlier than 9:00).

Once per review, moment and person: the notification's key names the review and the moment, so
a repeated tick or a second scheduler produces nothing twice; each handled moment is marked
(``notify.marks``) so the ticks in between cost one query. A scheduler that was down catches up
with the latest moment only, and never after the meeting has started.

Reviews are not opened automatically: a champion opens the month's review (choosing its meeting
day; the first Tuesday of the month by default), which freezes its agenda at that moment.
"""

from __future__ import annotations

import datetime as dt

from ambit.accounts.models import Membership
from ambit.notify import marks
from ambit.notify.produce import Draft, produce
from ambit.notify.schedule import zone
from ambit.notify.scheduler import register_producer
from ambit.reviews import selectors
from ambit.reviews.models import Review, ReviewState
from ambit.reviews.services import commentary_draft

PRODUCER = "review_commentary_reminder"
DAYS_BEFORE = 2
BEFORE_HOUR = 9
MORNING_HOUR = 8


def due_moment(review: Review, now: dt.datetime) -> str | None:
    """Which reminder of ``review`` is due at ``now`` ("two_days" or "morning"), if any."""
    tz = zone(review.organisation.time_zone)
    meeting_at = dt.datetime.combine(review.meeting_on, dt.time(review.hour), tzinfo=tz)
    if now >= meeting_at:
        return None
    morning = dt.datetime.combine(review.meeting_on, dt.time(min(MORNING_HOUR, max(review.hour - 1, 0))), tzinfo=tz)
    before = dt.datetime.combine(review.meeting_on - dt.timedelta(days=DAYS_BEFORE), dt.time(BEFORE_HOUR), tzinfo=tz)
    if now >= morning:
        return "morning"
    if now >= before and review.created_at < before:
        return "two_days"
    return None


def _title(review: Review, moment: str) -> str:
    if moment == "morning":
        return f"Monthly review today at {review.hour}:00: your commentary is still missing"
    return f"Monthly review in {DAYS_BEFORE} days ({review.meeting_on:%a %-d %b}): your commentary is still missing"


def produce_review_reminders(now: dt.datetime) -> int:
    """Remind the owners with missing commentary of every open review whose moment has come."""
    reviews = list(
        Review.objects.filter(
            state=ReviewState.OPEN,
            meeting_on__gte=(now - dt.timedelta(days=1)).date(),
            meeting_on__lte=(now + dt.timedelta(days=DAYS_BEFORE + 1)).date(),
        )
        .select_related("organisation")
        .order_by("pk")
    )
    produced = 0
    for review in reviews:
        moment = due_moment(review, now)
        if moment is None:
            continue
        mark = f"{review.pk}:{moment}"
        if marks.done(review.organisation_id, PRODUCER, mark):
            continue
        missing = selectors.missing_owner_ids(review=review)
        owners = (
            Membership.objects.filter(pk__in=list(missing), is_active=True)
            .order_by("pk")
            .select_related("user", "organisation")
        )
        drafts: list[Draft] = [
            commentary_draft(review, m, missing[m.pk], f"due:{moment}", _title(review, moment)) for m in owners
        ]
        produced += produce(drafts, now=now)
        marks.mark(review.organisation_id, PRODUCER, mark)
    return produced


register_producer(PRODUCER, produce_review_reminders)
