"""Presentation in the API (issue 17): the quarter's wins of a cycle, and the shareable read-only
links to its slides (champions and admins create, list and revoke them; the secret is in the
creation's answer only). Another organisation's cycle or link is a 404."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import Field

from ambit.accounts import selectors as acc
from ambit.accounts.models import Team
from ambit.accounts.selectors import team_subtree_ids
from ambit.api.common import actor_of, resolve_optional
from ambit.api.schemas import READ_ERRORS, Id, Problem, reads, writes
from ambit.core.web import site_url
from ambit.okrs import selectors as okr_sel
from ambit.present import selectors, services
from ambit.present.models import DEFAULT_DAYS, MAX_DAYS, MIN_DAYS, PresentationLink
from ambit.present.slides import wins_kept

router = Router(tags=["presentation"])

LinkStatus = Literal["live", "expired", "revoked"]
MET_PAGE, MAX_MET_PAGE = 50, 500
MANAGE_DENIED = "Only OKR champions and admins manage presentation links."


class WinOut(Schema):
    text: str
    who: str = Field(description="The person's (Friday wins) or the key result owner's name.")
    team_name: str = Field(description="Empty when none.")
    on: dt.date | None = Field(description="The Friday it was shared, or the key result's last check-in day.")
    url: str = Field(description="The page about it (a path on the site), empty when none.")
    progress: float | None = Field(description="Key results: progress now (0–1); null for Friday wins.")
    gain: float | None = Field(description="Biggest gains: progress gained since the first check-in (0–1).")


class QuarterWinsOut(Schema):
    cycle_id: int
    friday_wins: list[WinOut] = Field(description="Shared on a Friday during the cycle, newest first (at most 100).")
    key_results_met: list[WinOut] = Field(
        description="Progress reached 1.0, or a recorded score of 0.7 or more: the page `met_offset`, `met_limit` "
        "asks for, in the order of the objectives (a large organisation meets thousands a quarter)."
    )
    key_results_met_total: int = Field(description="How many key results met in all; page with `met_offset`.")
    biggest_gains: list[WinOut] = Field(description="The largest progress gains over the cycle (at most 10).")
    figures_from: dt.datetime = Field(
        description="When these lists were gathered. They are kept until the next write; when gathering takes "
        "seconds (thousands of key results), the last lists are answered while the worker gathers new ones."
    )
    behind: bool = Field(description="True when a write came after `figures_from` and newer lists are on the way.")


class WinsQuery(Schema):
    team_id: Id | None = Field(None, description="Only this team and the teams below it (and their people).")
    met_offset: int = Field(0, ge=0, le=1_000_000, description="How many key results met to skip.")
    met_limit: int = Field(
        MET_PAGE, ge=1, le=MAX_MET_PAGE, description=f"How many key results met to return (1–{MAX_MET_PAGE})."
    )


class PresentationLinkOut(Schema):
    id: int
    cycle_id: int
    created_by_id: int | None
    created_by_name: str
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    status: LinkStatus


class PresentationLinkCreated(PresentationLinkOut):
    token: str = Field(description="The secret in the address: shown in this answer only.")
    url: str = Field(description="The link to share: it opens the slides read-only, without an account.")


class PresentationLinkIn(Schema):
    # The range is the service's rule (its message on a 422), documented here.
    days: int = Field(
        DEFAULT_DAYS,
        description=f"How long the link works, in days ({MIN_DAYS}–{MAX_DAYS}; default {DEFAULT_DAYS}).",
        json_schema_extra={"minimum": MIN_DAYS, "maximum": MAX_DAYS},
    )


def _link_out(link: PresentationLink) -> dict[str, Any]:
    creator = link.created_by
    return {
        "id": link.pk,
        "cycle_id": link.cycle_id,
        "created_by_id": link.created_by_id,
        "created_by_name": str(creator.user.get_full_name() or creator.user.email) if creator else "",
        "created_at": link.created_at,
        "expires_at": link.expires_at,
        "revoked_at": link.revoked_at,
        "status": link.status(timezone.now()),
    }


def _win_out(w: selectors.Win) -> dict[str, Any]:
    return {
        "text": w.text,
        "who": w.who,
        "team_name": w.team_name,
        "on": w.on,
        "url": w.url,
        "progress": w.progress,
        "gain": w.gain,
    }


def _team(request: HttpRequest, team_id: int | None) -> tuple[Team | None, set[int] | None]:
    actor = actor_of(request)
    team = resolve_optional("team_id", team_id, acc.team_get, actor=actor, team_id=team_id)
    if team is None:
        return None, None
    teams = list(acc.team_list(actor=actor, include_archived=True))
    return team, team_subtree_ids(team, teams)


@router.get("/cycles/{cycle_id}/wins", response=reads(QuarterWinsOut), operation_id="cycle_wins")
def cycle_wins(request: HttpRequest, cycle_id: Id, query: Query[WinsQuery]) -> Any:
    """The quarter's wins: Friday wins shared during the cycle, key results met (paged) and the
    biggest progress gains, among the objectives the caller may see. The same lists as the wins
    page, kept the same way."""
    actor = actor_of(request)
    cycle = okr_sel.cycle_get(actor=actor, cycle_id=cycle_id)
    cycle.organisation = actor.organisation
    team, team_ids = _team(request, query.team_id)
    found = wins_kept(actor, cycle, team=team, team_ids=team_ids)
    wins = found.wins
    met = wins.key_results_met[query.met_offset : query.met_offset + query.met_limit]
    return {
        "cycle_id": cycle.pk,
        "friday_wins": [_win_out(w) for w in wins.friday_wins],
        "key_results_met": [_win_out(w) for w in met],
        "key_results_met_total": len(wins.key_results_met),
        "biggest_gains": [_win_out(w) for w in wins.biggest_gains],
        "figures_from": found.computed_at,
        "behind": found.behind,
    }


def _require_manager(request: HttpRequest) -> None:
    if not selectors.can_manage_links(actor_of(request)):
        raise PermissionDenied(MANAGE_DENIED)


@router.get(
    "/cycles/{cycle_id}/presentation-links",
    response={200: list[PresentationLinkOut], 403: Problem, **dict.fromkeys(READ_ERRORS, Problem)},
    operation_id="presentation_link_list",
)
def presentation_link_list(request: HttpRequest, cycle_id: Id) -> Any:
    """The cycle's presentation links, newest first, live or not (champions and admins). The
    secrets are never listed."""
    actor = actor_of(request)
    cycle = okr_sel.cycle_get(actor=actor, cycle_id=cycle_id)
    _require_manager(request)
    return [_link_out(link) for link in selectors.link_list(actor=actor, cycle=cycle)]


@router.post(
    "/cycles/{cycle_id}/presentation-links",
    response=writes(PresentationLinkCreated, 201),
    operation_id="presentation_link_create",
)
def presentation_link_create(request: HttpRequest, cycle_id: Id, payload: PresentationLinkIn) -> Any:
    """Create a read-only link to the cycle's slides, working for ``days`` days (champions and
    admins). The answer carries the secret address once."""
    actor = actor_of(request)
    cycle = okr_sel.cycle_get(actor=actor, cycle_id=cycle_id)
    issued = services.presentation_link_create(actor=actor, cycle=cycle, days=payload.days)
    path = reverse("present:public", kwargs={"token": issued.token})
    return Status(201, {**_link_out(issued.link), "token": issued.token, "url": site_url(request) + path})


@router.delete(
    "/presentation-links/{link_id}", response=writes(PresentationLinkOut), operation_id="presentation_link_revoke"
)
def presentation_link_revoke(request: HttpRequest, link_id: Id) -> Any:
    """Revoke a link: it stops working at once for everyone who has it (champions and admins)."""
    actor = actor_of(request)
    link = selectors.link_get(actor=actor, link_id=link_id)
    return _link_out(services.presentation_link_revoke(actor=actor, link=link))
