"""The presentation pages: the quarter's celebration (``/cycles/<id>/wins/``, and ``/wins/`` for
the current cycle), the all-hands slides (``/cycles/<id>/present/``), the shareable links'
management page (``/cycles/<id>/present/links/``, champions and admins) and the read-only deck a
link opens without an account (``/p/<token>/``).

Members see what their objectives' visibility lets them see; a link shows only the objectives
visible to everyone, without the Friday wins, no navigation into the app, and is ``noindex``.
Another organisation's cycle or link is a 404; an expired or revoked link a 410 that says which.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from ambit.accounts.models import Team
from ambit.accounts.selectors import team_list, team_subtree_ids
from ambit.core.error_pages import error_page
from ambit.core.errors import Conflict
from ambit.core.forms import errors_on
from ambit.core.http import MemberRequest
from ambit.core.paging import Pager, page_of
from ambit.core.throttle import client_ip, throttle_blocked, throttle_hit
from ambit.core.web import member_required, render_page, site_url
from ambit.dashboards.selectors import TODAY_TTL_SECONDS
from ambit.notify.schedule import zone
from ambit.okrs import selectors as okr_sel
from ambit.okrs.models import Cycle
from ambit.present import selectors, services
from ambit.present.forms import LinkForm
from ambit.present.models import PresentationLink
from ambit.present.slides import Deck, deck_for, public_deck, wins_kept

MANAGE_DENIED = "Only OKR champions and admins manage presentation links."
REVOKED = "This presentation link was revoked: ask whoever shared it with you for a new one."
EXPIRED = "This presentation link expired on {when}: ask whoever shared it with you for a new one."
TOO_MANY = "Too many wrong presentation links from your address: try again in {minutes} minutes."
# Wrong tokens per address before a pause (a guess is 256 bits: this only keeps scanners quiet).
GUESS_LIMIT = 20
GUESS_WINDOW = 15 * 60
MET_PER_PAGE = 50  # key results met per page (a large organisation meets thousands a quarter)


def _team_filter(request: MemberRequest) -> tuple[list[Team], Team | None, set[int] | None]:
    teams = list(team_list(actor=request.member))
    slug = request.GET.get("team", "")
    chosen = next((t for t in teams if t.slug == slug), None) if slug else None
    return teams, chosen, team_subtree_ids(chosen, teams) if chosen else None


def _cycle(request: MemberRequest, cycle_id: int) -> Cycle:
    cycle = okr_sel.cycle_get(actor=request.member, cycle_id=cycle_id)
    cycle.organisation = request.member.organisation
    return cycle


@member_required
@require_safe
def wins_current(request: MemberRequest) -> HttpResponse:
    """The current cycle's celebration, for every member."""
    cycle = okr_sel.cycle_current(actor=request.member)
    if cycle is None:
        raise Http404("There is no cycle yet: the quarter's wins appear here once one runs.")
    return redirect("present:wins", cycle.pk)


@member_required
@require_safe
def wins_page(request: MemberRequest, cycle_id: int) -> HttpResponse:
    actor = request.member
    cycle = _cycle(request, cycle_id)
    teams, team, team_ids = _team_filter(request)
    found = wins_kept(actor, cycle, team=team, team_ids=team_ids)
    met = found.wins.key_results_met
    noun = "key results met"
    shown, pager = page_of(met, request, per_page=MET_PER_PAGE, noun=noun, param="met_page", anchor="wins-met-heading")
    context = {
        "cycle": cycle,
        "wins": found.wins,
        "met_shown": shown,
        "met_page": pager or Pager(first=1, last=len(met), total=len(met), number=1, previous="", next="", noun=noun),
        "behind": found if found.behind else None,
        "teams": teams,
        "team": team,
        "can_manage_links": selectors.can_manage_links(actor),
    }
    return render_page(request, "present/wins.html", context, fragment="present/partials/wins_lists.html")


@member_required
@require_safe
def slides(request: MemberRequest, cycle_id: int) -> HttpResponse:
    actor = request.member
    cycle = _cycle(request, cycle_id)
    deck = deck_for(actor, cycle)
    context = {
        "deck": deck,
        "slides_html": slides_html(deck),
        "exit_url": reverse("present:wins", args=[cycle.pk]),
        "can_manage_links": selectors.can_manage_links(actor),
    }
    return render(request, "present/slides.html", context)


def slides_html(deck: Deck) -> SafeString:
    """The deck's slides, rendered once per kept deck (a large organisation's has a slide per
    department: dozens) and kept beside it; only the bar around them is drawn per request."""

    def render_slides() -> str:
        return render_to_string("present/partials/deck_slides.html", {"deck": deck})

    if not deck.cache_key:
        return mark_safe(render_slides())
    # Our own template's output, escaped when rendered; the cache hands back a plain str.
    return mark_safe(str(cache.get_or_set(f"{deck.cache_key}:slides-html", render_slides, TODAY_TTL_SECONDS)))


# --- Shareable links --------------------------------------------------------------------------


def link_address(request: HttpRequest, token: str) -> str:
    return site_url(request) + reverse("present:public", kwargs={"token": token})


def _links_context(request: MemberRequest, cycle: Cycle, form: LinkForm, issued_url: str = "") -> dict[str, Any]:
    now = timezone.now()
    links = selectors.link_list(actor=request.member, cycle=cycle)
    for link in links:
        link.status_now = link.status(now)  # type: ignore[attr-defined]
    return {"cycle": cycle, "links": links, "form": form, "issued_url": issued_url}


@member_required
@require_http_methods(["GET", "POST"])
def links_page(request: MemberRequest, cycle_id: int) -> HttpResponse:
    actor = request.member
    cycle = _cycle(request, cycle_id)
    if not selectors.can_manage_links(actor):
        raise PermissionDenied(MANAGE_DENIED)
    issued_url = ""
    status = 200
    if request.method == "POST":
        form = LinkForm(request.POST)
        if form.is_valid():
            with errors_on(form):
                issued = services.presentation_link_create(actor=actor, cycle=cycle, days=form.cleaned_data["days"])
                issued_url = link_address(request, issued.token)
        if form.errors:
            status = 400
        else:
            form = LinkForm()
    else:
        form = LinkForm()
    response = render(request, "present/links.html", _links_context(request, cycle, form, issued_url), status=status)
    # A new address is in this answer only: never keep it in a cache or the history.
    response["Cache-Control"] = "no-store"
    return response


@member_required
@require_POST
def link_revoke(request: MemberRequest, link_id: int) -> HttpResponse:
    link = selectors.link_get(actor=request.member, link_id=link_id)
    try:
        services.presentation_link_revoke(actor=request.member, link=link)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "The link is revoked: it stopped working for everyone who has it.")
    return redirect("present:links", link.cycle_id)


def _gone(request: HttpRequest, link: PresentationLink, now: dt.datetime) -> HttpResponse | None:
    state = link.status(now)
    if state == "live":
        return None
    if state == "revoked":
        message = REVOKED
    else:
        local = timezone.localtime(link.expires_at, zone(link.organisation.time_zone))
        when = f"{local:%-d %B %Y at %H:%M} ({link.organisation.time_zone or 'UTC'})"
        message = EXPIRED.format(when=when)
    response = error_page(request, status=410, message=message)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_safe
def public_slides(request: HttpRequest, token: str) -> HttpResponse:
    """The deck, read-only and without an account: the objectives visible to everyone."""
    ip = client_ip(request)
    wait = throttle_blocked("presentation-link", ip, limit=GUESS_LIMIT, window_seconds=GUESS_WINDOW)
    if wait:
        message = TOO_MANY.format(minutes=max(1, -(-wait // 60)))
        return render(request, "present/refused.html", {"message": message}, status=429)
    link = selectors.link_for_token(token=token)
    if link is None:
        throttle_hit("presentation-link", ip, limit=GUESS_LIMIT, window_seconds=GUESS_WINDOW)
        raise Http404("No such presentation link: check that it was copied whole.")
    now = timezone.now()
    gone = _gone(request, link, now)
    if gone is not None:
        return gone
    cycle = link.cycle
    cycle.organisation = link.organisation
    deck = public_deck(cycle)
    local = timezone.localtime(link.expires_at, zone(link.organisation.time_zone))
    expires = f"{local:%-d %b %Y, %H:%M} ({link.organisation.time_zone or 'UTC'})"
    context = {"deck": deck, "slides_html": slides_html(deck), "exit_url": "", "expires": expires}
    response = render(request, "present/slides.html", context)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "private, no-store"
    return response
