"""The ICS feed (served without a login: the secret address is the credential) and the
settings page where a person makes, copies, rotates and revokes their own and their teams' feeds.

The page's buttons are forms that post without JavaScript (the whole page comes back) and with
HTMX (only the feed's row comes back). A new address is in that one response and nowhere else:
the database keeps only its hash, so the page cannot show it again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from ambit.accounts.models import Team
from ambit.calendars import selectors, services
from ambit.calendars.ics import FeedSubject, build_calendar, org_zone, person_events, team_events
from ambit.calendars.models import CalendarFeed
from ambit.core.errors import Conflict
from ambit.core.http import MemberRequest
from ambit.core.web import member_required, site_url

CONTENT_TYPE = "text/calendar; charset=utf-8"
# Private: the address is a secret, so no shared cache may keep the answer; short, so a
# revoked address stops serving from a client's cache soon (clients poll about hourly anyway).
CACHE_CONTROL = "private, max-age=900"
ACTIONS = ("create", "rotate", "revoke")


def feed_address(request: HttpRequest, token: str) -> str:
    return site_url(request) + reverse("calendars:feed", kwargs={"token": token})


def _subject(request: HttpRequest, feed: CalendarFeed) -> FeedSubject:
    base = site_url(request)
    org = feed.organisation
    if feed.team is not None:
        team_url = base + reverse("okrs:team-detail", kwargs={"slug": feed.team.slug})
        return FeedSubject(
            name=f"{feed.team.name} OKRs · {org.name}",
            checkin_url=team_url,
            checkin_text=f"Check-in day for {feed.team.name}: update each key result's value, confidence and note.",
            cycle_url=lambda cycle: f"{team_url}?cycle={cycle.pk}",
        )
    assert feed.membership is not None
    company_url = base + reverse("okrs:company")
    return FeedSubject(
        name=f"OKRs of {feed.membership.user.get_full_name() or feed.membership.user.email} · {org.name}",
        checkin_url=base + reverse("front:checkin"),
        checkin_text="Your weekly check-in: update each of your key results' value, confidence and note in one page.",
        cycle_url=lambda cycle: f"{company_url}?cycle={cycle.pk}",
    )


@require_safe
def feed_ics(request: HttpRequest, token: str) -> HttpResponse:
    """The calendar: 404 for an unknown or revoked address, the same answer for both."""
    feed = selectors.feed_for_token(token=token)
    if feed is None:
        raise Http404("No such calendar.")
    services.calendar_feed_mark_used(feed=feed)
    today = dt.datetime.now(org_zone(feed.organisation)).date()
    cadence = selectors.feed_cadence(feed=feed, today=today)
    body = build_calendar(
        organisation=feed.organisation,
        cycles=cadence.cycles,
        parent_ids=cadence.parent_ids,
        sprints=cadence.sprints,
        subject=_subject(request, feed),
        calendar_uid=f"feed-{feed.pk}@ambit.calendar",
        extra=(
            person_events(feed.membership_id, feed.organisation, site_url(request))
            if feed.membership_id
            else team_events(feed.team_id, feed.organisation, site_url(request))
            if feed.team_id
            else ()
        ),
    )
    response = HttpResponse(body, content_type=CONTENT_TYPE)
    response["Cache-Control"] = CACHE_CONTROL
    response["ETag"] = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    response["Content-Disposition"] = 'inline; filename="ambit.ics"'
    response["X-Robots-Tag"] = "noindex, nofollow"
    # A client that already has this version gets 304 and no body.
    conditional = get_conditional_response(request, etag=response["ETag"], response=response)
    return conditional or response


def _row_context(
    request: MemberRequest,
    *,
    team: Team | None,
    feed: CalendarFeed | None,
    issued: services.IssuedFeed | None = None,
    error: str = "",
) -> dict[str, Any]:
    member = request.member
    if team is None:
        urls = {action: reverse("calendars:own-action", args=[action]) for action in ACTIONS}
    else:
        urls = {action: reverse("calendars:team-action", args=[team.pk, action]) for action in ACTIONS}
    return {
        "dom_id": f"feed-team-{team.pk}" if team else "feed-own",
        "urls": urls,
        "team": team,
        "feed": issued.feed if issued else feed,
        "issued_url": feed_address(request, issued.token) if issued else "",
        "can_manage": True if team is None else services.can_manage_team_feed(member, team),
        "error": error,
    }


def _page(request: MemberRequest, *, rows: dict[str, dict[str, Any]] | None = None, status: int = 200) -> HttpResponse:
    page = selectors.feed_page(actor=request.member)
    rows = rows or {}
    own = rows.get("own") or _row_context(request, team=None, feed=page.own)
    teams = [rows.get(f"team-{r.team.pk}") or _row_context(request, team=r.team, feed=r.feed) for r in page.teams]
    response = render(request, "calendars/feeds.html", {"own": own, "teams": teams}, status=status)
    response["Cache-Control"] = "no-store"
    return response


def _answer(request: MemberRequest, key: str, row: dict[str, Any], status: int) -> HttpResponse:
    """The row alone for HTMX, else the whole page with that row as it now is."""
    if request.htmx:
        response = render(request, "calendars/partials/feed_row.html", {"row": row}, status=status)
        # The new address is in this answer only: never keep it in a cache or history.
        response["Cache-Control"] = "no-store"
        return response
    return _page(request, rows={key: row}, status=status)


@member_required
@require_http_methods(["GET"])
def feeds_page(request: MemberRequest) -> HttpResponse:
    return _page(request)


@member_required
@require_POST
def own_action(request: MemberRequest, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404("No such action.")
    member = request.member
    issued: services.IssuedFeed | None = None
    error = ""
    status = 200
    try:
        if action == "create":
            issued = services.calendar_feed_create_own(actor=member)
        elif action == "rotate":
            issued = services.calendar_feed_rotate_own(actor=member)
        else:
            live = selectors.own_feed(actor=member)
            if live is None:
                raise Conflict("You have no calendar feed to revoke.", field="feed")
            services.calendar_feed_revoke(actor=member, feed=live)
    except Conflict as exc:
        error, status = exc.message, 409
    feed = None if issued else selectors.own_feed(actor=member)
    return _answer(request, "own", _row_context(request, team=None, feed=feed, issued=issued, error=error), status)


@member_required
@require_POST
def team_action(request: MemberRequest, team_id: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404("No such action.")
    member = request.member
    team = selectors.feed_team_get(actor=member, team_id=team_id)
    if not services.can_manage_team_feed(member, team):
        raise PermissionDenied(services.TEAM_FEED_DENIED)
    issued: services.IssuedFeed | None = None
    error = ""
    status = 200
    try:
        if action == "create":
            issued = services.calendar_feed_create_team(actor=member, team=team)
        elif action == "rotate":
            issued = services.calendar_feed_rotate_team(actor=member, team=team)
        else:
            live = selectors.team_feed(actor=member, team=team)
            if live is None:
                raise Conflict("This team has no calendar feed to revoke.", field="feed")
            services.calendar_feed_revoke(actor=member, feed=live)
    except Conflict as exc:
        error, status = exc.message, 409
    feed = None if issued else selectors.team_feed(actor=member, team=team)
    row = _row_context(request, team=team, feed=feed, issued=issued, error=error)
    return _answer(request, f"team-{team.pk}", row, status)
