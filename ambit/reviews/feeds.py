"""The organisation's monthly reviews in every member's calendar feed
(``ambit.calendars.ics.register_person_events``): the review is the whole organisation's meeting,
so each person's feed carries it, from its opening on (a review not opened yet has no date).

One event per review, at its meeting's hour in the organisation's time zone, an hour long; the
UID names the review, so a client updates the event instead of adding another. Times are written
in UTC, so the feed needs no extra VTIMEZONE. It links to the review page and says nothing of the
key results on it (a feed is read outside Ambit's visibility rules).
"""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from icalendar import Event

from ambit.accounts.models import Organisation
from ambit.calendars.ics import UID_DOMAIN, register_person_events
from ambit.notify.schedule import zone
from ambit.reviews.models import MEETING_MINUTES, Review, ReviewState

# Past reviews stay in the feed this long (a calendar keeps its history), then drop out.
KEEP_DAYS = 120


def review_events(membership_id: int, organisation: Organisation, base_url: str) -> list[Event]:
    """The organisation's reviews (one query), for any of its members."""
    tz = zone(organisation.time_zone)
    today = dt.datetime.now(tz).date()
    rows = Review.objects.filter(
        organisation_id=organisation.pk, meeting_on__gte=today - dt.timedelta(days=KEEP_DAYS)
    ).order_by("meeting_on", "pk")
    events: list[Event] = []
    for review in rows:
        start = dt.datetime.combine(review.meeting_on, dt.time(review.hour), tzinfo=tz).astimezone(dt.UTC)
        url = base_url + reverse("reviews:detail", kwargs={"review_id": review.pk})
        stamp = review.updated_at.astimezone(dt.UTC)
        closed = review.state == ReviewState.CLOSED
        event = Event.new(
            uid=f"review-{review.pk}@{UID_DOMAIN}",
            stamp=stamp,
            last_modified=stamp,
            start=start,
            end=start + dt.timedelta(minutes=MEETING_MINUTES),
            summary=f"Monthly OKR review ({review.month:%B %Y})",
            description=(
                "The monthly review is closed: its decisions are on the page."
                if closed
                else "The behind and at-risk key results: if you own one, write your commentary before the meeting "
                "(what happened, what will change, what help you need)."
            )
            + f"\n\n{url}",
            url=url,
            categories=["OKR"],
        )
        event.add("status", "CONFIRMED")
        events.append(event)
    return events


register_person_events(review_events)
