from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from ambit.accounts.models import Membership
from ambit.strategy.models import BigMove, Strategy, Value


def strategy_get(*, actor: Membership) -> Strategy:
    """The organisation's strategy; an unsaved empty one when none was written yet (a read never writes)."""
    return Strategy.objects.filter(organisation_id=actor.organisation_id).first() or Strategy(
        organisation_id=actor.organisation_id
    )


def value_list(*, actor: Membership) -> QuerySet[Value]:
    return Value.objects.filter(organisation_id=actor.organisation_id)


def big_move_list(*, actor: Membership, include_archived: bool = False) -> QuerySet[BigMove]:
    qs = BigMove.objects.filter(organisation_id=actor.organisation_id).select_related("owner__user")
    return qs if include_archived else qs.filter(is_archived=False)


def big_move_get(*, actor: Membership, big_move_id: int) -> BigMove:
    move = big_move_list(actor=actor, include_archived=True).filter(pk=big_move_id).first()
    if move is None:
        raise Http404("No such big move.")
    return move


def value_get(*, actor: Membership, value_id: int) -> Value:
    value = value_list(actor=actor).filter(pk=value_id).first()
    if value is None:
        raise Http404("No such value.")
    return value
