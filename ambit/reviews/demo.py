"""The demo's monthly review (``seed_demo`` sends ``okrs.signals.demo_seeded``): the champion opens
this month's review (its meeting on the charter's default day), and about half of the owners of
the behind and at-risk key results have written their commentary; the others, the demo's member
(Aisha) among them, have not yet, so the page shows who still owes it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.utils import timezone

from ambit.accounts.models import Membership, Organisation, Role
from ambit.reviews import services
from ambit.reviews.models import Review, ReviewItem
from ambit.reviews.scope import key_results_in_scope

# Left without commentary, whatever else: the e2e journey writes it.
LEAVE_MISSING = "member@"

COMMENTARIES = (
    (
        "Two deals slipped into next quarter when budgets froze, and we lost a month to the pricing rework.",
        "We qualify on budget in the first call and run two pilots in parallel instead of one after the other.",
        "An introduction to the finance leads of our three largest prospects, from the leadership team.",
    ),
    (
        "The alerting work waited behind the database migration: we had one engineer on it instead of two.",
        "From this sprint the on-call engineer spends half their week on alerts until we reach the target.",
        "None for now; we will ask in the next review if the migration slips again.",
    ),
    (
        "Paid channels got more expensive in October and the new landing pages shipped three weeks late.",
        "We moved budget from the two worst channels to referrals and test one new page every week.",
        "Design time: one day a week from the brand team for landing pages.",
    ),
)


def seed_review(*, organisation: Organisation, now: dt.datetime | None = None) -> Review | None:
    """Open this month's review as the champion and write some of its commentary."""
    now = now or timezone.now()
    if not key_results_in_scope(organisation=organisation, now=now):
        return None  # nothing behind or at risk (Globex): no review to hold
    editors = Membership.objects.filter(organisation=organisation, is_active=True)
    editors = editors.select_related("user", "organisation")
    opener = (
        editors.filter(role=Role.CHAMPION).order_by("pk").first()
        or editors.filter(role=Role.ADMIN).order_by("pk").first()
    )
    if opener is None:
        return None
    review = services.review_open(actor=opener, now=now)
    items = list(
        ReviewItem.objects.filter(review=review)
        .select_related("review", "key_result__owner__user", "key_result__owner__organisation")
        .order_by("position", "pk")
    )
    written = 0
    for i, item in enumerate(items):
        owner = item.key_result.owner
        if i % 2 or owner.user.email.startswith(LEAVE_MISSING) or not owner.can_write:
            continue
        happened, change, help_needed = COMMENTARIES[written % len(COMMENTARIES)]
        services.commentary_write(
            actor=owner,
            item=item,
            what_happened=happened,
            what_will_change=change,
            help_needed=help_needed,
            now=now,
        )
        written += 1
    return review


def on_demo_seeded(
    sender: Any, *, organisations: Sequence[Organisation], now: dt.datetime | None, **kwargs: Any
) -> None:
    for organisation in organisations:
        seed_review(organisation=organisation, now=now)
