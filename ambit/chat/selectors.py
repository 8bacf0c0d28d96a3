"""Who may manage which chat channel, and the reads of the Chat channels page, scoped to the acting
member's organisation (another organisation's channel is a 404, as if it did not exist).

Champions and admins manage the organisation's channel and every team's; a team lead manages the
channels of the teams they lead (and the teams below them); nobody else manages any.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from ambit.accounts.models import Membership, Team
from ambit.chat.models import ChatPost, ChatWebhook
from ambit.core.permissions import require_same_org, require_writer

DENIED = "Only OKR champions, admins and team leads may manage chat channels."
TEAM_DENIED = "You may manage the chat channels of the teams you lead; champions and admins manage the others."
RECENT_POSTS = 20


def can_manage_channel(actor: Membership, team_id: int | None) -> bool:
    """Whether ``actor`` may add, change or remove a channel of ``team_id`` (None: organisation's)."""
    if not actor.can_write:
        return False
    if actor.is_org_wide_editor:
        return True
    return team_id is not None and team_id in actor.led_team_ids()


def may_manage_any(actor: Membership) -> bool:
    return actor.can_write and (actor.is_org_wide_editor or bool(actor.led_team_ids()))


def require_chat_manager(actor: Membership) -> None:
    """The page's rule: a writer who manages at least one channel scope."""
    require_writer(actor)
    if not may_manage_any(actor):
        raise PermissionDenied(DENIED)


def require_can_manage(actor: Membership, organisation_id: int, team_id: int | None) -> None:
    require_same_org(actor, organisation_id)
    require_writer(actor)
    if not can_manage_channel(actor, team_id):
        raise PermissionDenied(TEAM_DENIED if team_id is not None or not may_manage_any(actor) else DENIED)


def webhook_list(*, actor: Membership) -> list[ChatWebhook]:
    """The channels ``actor`` manages, the organisation's first, then by team name."""
    require_chat_manager(actor)
    qs = ChatWebhook.objects.filter(organisation_id=actor.organisation_id).select_related("team")
    if not actor.is_org_wide_editor:
        qs = qs.filter(team_id__in=actor.led_team_ids())
    return sorted(qs, key=lambda w: (w.team_id is not None, w.team.name if w.team else "", w.pk))


def webhook_get(*, actor: Membership, webhook_id: int) -> ChatWebhook:
    webhook = (
        ChatWebhook.objects.filter(organisation_id=actor.organisation_id, pk=webhook_id).select_related("team").first()
    )
    if webhook is None or not actor.is_active:
        raise Http404("No such chat channel.")
    require_can_manage(actor, webhook.organisation_id, webhook.team_id)
    return webhook


def team_choices(*, actor: Membership) -> list[Team]:
    """The teams ``actor`` may add a channel for."""
    qs = Team.objects.filter(organisation_id=actor.organisation_id).order_by("name", "pk")
    if not actor.is_org_wide_editor:
        qs = qs.filter(pk__in=actor.led_team_ids())
    return list(qs)


def recent_posts(*, actor: Membership, webhooks: list[ChatWebhook]) -> list[ChatPost]:
    """The newest posts to the channels ``actor`` manages (``webhooks``, from :func:`webhook_list`)."""
    require_chat_manager(actor)
    if not webhooks:
        return []
    by_id = {w.pk: w for w in webhooks}
    posts = list(ChatPost.objects.filter(webhook_id__in=list(by_id)).defer("payload").order_by("-id")[:RECENT_POSTS])
    for post in posts:
        post.webhook = by_id[post.webhook_id]  # already loaded with its team: no query per row
    return posts
