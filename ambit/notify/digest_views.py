"""The weekly digest as a page: the organisation's (``/digest/``) and a team's
(``/teams/<slug>/digest/``), for the week ending ``?week=YYYY-MM-DD`` (default: today)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from ambit.accounts.models import Membership, Team
from ambit.accounts.selectors import team_get
from ambit.core.http import MemberRequest
from ambit.core.web import member_required
from ambit.notify.digest import cached_digest, digest_title, digest_url, org_zone
from ambit.notify.digest_text import digest_sections


def _week_ending(member: Membership, raw: str | None) -> dt.date:
    """The week asked for, never after today (an unreadable date means this week)."""
    today = timezone.localtime(timezone.now(), org_zone(member.organisation)).date()
    try:
        day = dt.date.fromisoformat(raw or "")
    except ValueError:
        return today
    return min(day, today)


def _page(request: MemberRequest, team: Team | None) -> HttpResponse:
    member = request.member
    week_ending = _week_ending(member, request.GET.get("week"))
    digest = cached_digest(member.organisation, team, week_ending)
    previous = week_ending - dt.timedelta(days=7)
    context = {
        "digest": digest,
        "title": digest_title(digest),
        "sections": digest_sections(digest),
        "team": team,
        "previous_url": digest_url(team, previous),
        "next_url": digest_url(team, week_ending + dt.timedelta(days=7))
        if week_ending + dt.timedelta(days=7) <= _week_ending(member, None)
        else "",
    }
    return render(request, "notify/digest.html", context)


@member_required
@require_GET
def organisation_digest(request: MemberRequest) -> HttpResponse:
    return _page(request, None)


@member_required
@require_GET
def team_digest(request: MemberRequest, slug: str) -> HttpResponse:
    return _page(request, team_get(actor=request.member, slug=slug))
