"""Reads of 1:1s. Every read goes through :func:`mine`: the 1:1s where the acting member is the
manager or the report, inside their organisation. Anyone else (champions and admins included)
gets a 404 exactly like for an id that does not exist, so not even a 1:1's existence leaks."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404

from ambit.accounts.models import Membership
from ambit.oneonones.models import Item, ItemKind, Meeting, OneOnOne


def mine(*, actor: Membership) -> QuerySet[OneOnOne]:
    """The 1:1s the actor is one of the two people of (nobody else's, whatever their role)."""
    if not actor.is_active:
        return OneOnOne.objects.none()
    return OneOnOne.objects.filter(organisation_id=actor.organisation_id).filter(
        Q(manager_id=actor.pk) | Q(report_id=actor.pk)
    )


def one_on_one_list(*, actor: Membership) -> list[OneOnOne]:
    """The actor's 1:1s, as manager and as report, soonest first (one query)."""
    return list(
        mine(actor=actor)
        .filter(manager__is_active=True, report__is_active=True)
        .select_related("manager__user", "report__user")
        .order_by("next_on", "pk")
    )


def one_on_one_get(*, actor: Membership, one_on_one_id: int) -> OneOnOne:
    found = (
        mine(actor=actor)
        .select_related("organisation", "manager__user", "report__user", "report__organisation")
        .filter(pk=one_on_one_id)
        .first()
    )
    if found is None:
        raise Http404("No such 1:1.")
    return found


def current_meeting(*, one_on_one: OneOnOne) -> Meeting | None:
    """The meeting not yet held (the next one); None only for a 1:1 whose every meeting is held."""
    return Meeting.objects.filter(one_on_one=one_on_one, held=False).order_by("date", "pk").first()


def previous_meetings(*, one_on_one: OneOnOne, limit: int = 12) -> list[Meeting]:
    return list(Meeting.objects.filter(one_on_one=one_on_one, held=True).order_by("-date", "-pk")[:limit])


def meeting_items(*, meeting: Meeting) -> list[Item]:
    return list(Item.objects.filter(meeting=meeting).select_related("author__user").order_by("created_at", "pk"))


def item_get(*, actor: Membership, item_id: int) -> Item:
    """An item of one of the actor's 1:1s (404 otherwise)."""
    found = (
        Item.objects.filter(pk=item_id, meeting__one_on_one__in=mine(actor=actor))
        .select_related("meeting__one_on_one", "author__user")
        .first()
    )
    if found is None:
        raise Http404("No such 1:1 item.")
    return found


@dataclass
class PairChoice:
    other: Membership
    as_manager: bool  # the actor would be the manager (``other`` reports to them)


def startable(*, actor: Membership) -> list[PairChoice]:
    """The people the actor may start a 1:1 with and has none with yet: their direct reports
    (``Membership.manager``), and their own manager."""
    taken = set(mine(actor=actor).values_list("manager_id", "report_id"))
    taken_ids = {m for pair in taken for m in pair}
    reports = (
        Membership.objects.filter(organisation_id=actor.organisation_id, manager_id=actor.pk, is_active=True)
        .exclude(pk__in=taken_ids)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )
    out = [PairChoice(other=m, as_manager=True) for m in reports]
    if actor.manager_id and actor.manager_id not in taken_ids:
        manager = (
            Membership.objects.filter(pk=actor.manager_id, organisation_id=actor.organisation_id, is_active=True)
            .select_related("user")
            .first()
        )
        if manager is not None:
            out.append(PairChoice(other=manager, as_manager=False))
    return out


def open_counts(*, meeting: Meeting) -> dict[str, int]:
    """Talking points and open action items of a meeting (one query)."""
    kinds = list(Item.objects.filter(meeting=meeting).values_list("kind", "done"))
    return {
        "talking_points": sum(1 for k, _ in kinds if k == ItemKind.TALKING_POINT),
        "open_actions": sum(1 for k, d in kinds if k == ItemKind.ACTION and not d),
    }
