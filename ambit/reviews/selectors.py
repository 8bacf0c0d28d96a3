"""Reads of monthly reviews, scoped to the acting member's organisation (another organisation's
review is a 404, like an unknown id) and, for the key results on a review, to what the member may
see: an item whose objective is team-only or private is left out for anyone its visibility
(``ambit.okrs.selectors.visibility_q``) does not let through. Champions and admins see them all.

The rules the pages show as buttons (``can_*``) are the ones the services enforce."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from ambit.accounts.models import Membership, TeamMember
from ambit.okrs.selectors import objective_base
from ambit.reviews.models import Decision, Review, ReviewItem, ReviewState


def _visible(actor: Membership) -> Q:
    """Items whose objective the actor may see (a subquery; nothing for champions and admins)."""
    if actor.is_org_wide_editor:
        return Q()
    return Q(key_result__objective_id__in=objective_base(actor=actor).values("pk"))


def review_list(*, actor: Membership) -> QuerySet[Review]:
    """The organisation's reviews, newest month first, each with how many key results the actor
    sees on it (``item_count``) and how many of those have their commentary (``written_count``)."""
    if not actor.is_active:
        return Review.objects.none()
    seen = Q(items__key_result__objective_id__in=objective_base(actor=actor).values("pk"))
    if actor.is_org_wide_editor:
        seen = Q()
    return (
        Review.objects.filter(organisation_id=actor.organisation_id)
        .annotate(
            item_count=Count("items", filter=seen, distinct=True),
            written_count=Count("items", filter=seen & Q(items__commentary__isnull=False), distinct=True),
        )
        .order_by("-month", "-id")
    )


def review_get(*, actor: Membership, review_id: int) -> Review:
    found = (
        Review.objects.filter(organisation_id=actor.organisation_id, pk=review_id)
        .select_related("organisation")
        .first()
        if actor.is_active
        else None
    )
    if found is None:
        raise Http404("No such monthly review.")
    return found


def review_for_month(*, actor: Membership, month: dt.date) -> Review | None:
    return Review.objects.filter(organisation_id=actor.organisation_id, month=month.replace(day=1)).first()


def _team_q(team_ids: set[int]) -> Q:
    """Key results of objectives of these teams, and the individual ones of their people."""
    people = TeamMember.objects.filter(team_id__in=team_ids).values("membership_id")
    return Q(key_result__objective__team_id__in=team_ids) | Q(
        key_result__objective__team__isnull=True, key_result__owner_id__in=people
    )


def review_items(*, actor: Membership, review: Review, team_ids: set[int] | None = None) -> list[ReviewItem]:
    """The agenda: the review's key results the actor may see (optionally those of a team
    subtree), in agenda order, with objective, team, owner and commentary (one query)."""
    if review.organisation_id != actor.organisation_id:
        raise Http404("No such monthly review.")
    qs = ReviewItem.objects.filter(review=review).filter(_visible(actor))
    if team_ids is not None:
        qs = qs.filter(_team_q(team_ids))
    return list(
        qs.select_related(
            "key_result__objective__team",
            "key_result__owner__user",
            "commentary__author__user",
        ).order_by("position", "pk")
    )


def item_for_key_result(*, actor: Membership, review: Review, key_result_id: int) -> ReviewItem:
    """The review's item for this key result, if the actor may see it (404 otherwise)."""
    if review.organisation_id != actor.organisation_id:
        raise Http404("No such monthly review.")
    found = (
        ReviewItem.objects.filter(review=review, key_result_id=key_result_id)
        .filter(_visible(actor))
        .select_related("review", "key_result__objective__team", "key_result__owner__user", "commentary__author__user")
        .first()
    )
    if found is None:
        raise Http404("This key result is not on this review's agenda.")
    return found


@dataclass
class Owner:
    """A person who owes commentary: their key results on the review still without one."""

    membership: Membership
    items: list[ReviewItem] = field(default_factory=list)

    @property
    def name(self) -> str:
        user = self.membership.user
        return str(user.get_full_name() or user.email)


def missing_by_owner(items: Sequence[ReviewItem]) -> list[Owner]:
    """Who has not written yet (from items already loaded), by name."""
    owners: dict[int, Owner] = {}
    for item in items:
        if _has_commentary(item):
            continue
        owner = item.key_result.owner
        owners.setdefault(owner.pk, Owner(owner)).items.append(item)
    return sorted(owners.values(), key=lambda o: (o.name.lower(), o.membership.pk))


def _has_commentary(item: ReviewItem) -> bool:
    try:
        return item.commentary is not None
    except ReviewItem.commentary.RelatedObjectDoesNotExist:
        return False


def has_commentary(item: ReviewItem) -> bool:
    return _has_commentary(item)


def missing_owner_ids(*, review: Review) -> dict[int, int]:
    """Every owner with commentary missing on the review (whatever anyone may see): membership id
    → how many key results (one query). For reminders, which go to the owners themselves."""
    rows = (
        ReviewItem.objects.filter(review=review, commentary__isnull=True, key_result__owner__is_active=True)
        .values("key_result__owner_id")
        .annotate(n=Count("pk"))
    )
    return {r["key_result__owner_id"]: r["n"] for r in rows}


def decision_list(*, actor: Membership, review: Review) -> list[Decision]:
    if review.organisation_id != actor.organisation_id:
        raise Http404("No such monthly review.")
    return list(
        Decision.objects.filter(review=review)
        .select_related("owner__user", "key_result", "author__user")
        .order_by("created_at", "pk")
    )


def decision_get(*, actor: Membership, decision_id: int) -> Decision:
    found = (
        Decision.objects.filter(organisation_id=actor.organisation_id, pk=decision_id)
        .select_related("review", "owner__user", "key_result", "author__user")
        .first()
        if actor.is_active
        else None
    )
    if found is None:
        raise Http404("No such decision.")
    return found


@dataclass(frozen=True)
class Owed:
    review_id: int
    month: dt.date
    meeting_on: dt.date
    count: int


def commentary_owed(*, member: Membership) -> list[Owed]:
    """The open reviews where ``member`` owns key results still without commentary (one query)."""
    if not member.is_active:
        return []
    rows = (
        ReviewItem.objects.filter(
            organisation_id=member.organisation_id,
            review__state=ReviewState.OPEN,
            key_result__owner_id=member.pk,
            commentary__isnull=True,
        )
        .values("review_id", "review__month", "review__meeting_on")
        .annotate(n=Count("pk"))
        .order_by("review__meeting_on", "review_id")
    )
    return [Owed(r["review_id"], r["review__month"], r["review__meeting_on"], r["n"]) for r in rows]


# --- Who may do what (the services enforce the same rules) ------------------------------------


def can_manage(actor: Membership) -> bool:
    """Open and close reviews: champions and admins."""
    return actor.can_write and actor.is_org_wide_editor


def can_record_decisions(actor: Membership) -> bool:
    """Record the meeting's decisions: champions, admins and team leads."""
    return actor.can_write and (actor.is_org_wide_editor or bool(actor.led_team_ids()))


def can_remind(actor: Membership, owner_id: int) -> bool:
    """Remind an owner: champions and admins anyone, team leads the people of their teams."""
    if not actor.can_write:
        return False
    return actor.is_org_wide_editor or owner_id in actor.led_member_ids()


def can_write_commentary(actor: Membership, item: ReviewItem, review: Review) -> bool:
    """Only the key result's owner, while the review is open."""
    return actor.can_write and review.is_open and item.key_result.owner_id == actor.pk
