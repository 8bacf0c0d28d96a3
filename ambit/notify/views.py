"""The in-app inbox, the header's unread count, and the check-in page a reminder's signed link opens."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from ambit.accounts.models import Membership
from ambit.core.http import MemberRequest
from ambit.core.web import member_required
from ambit.front.forms import RAG_CHOICES, CheckInForm, build_rows
from ambit.front.views import number_locale
from ambit.front.week import my_week, week_cycle
from ambit.notify import selectors, services
from ambit.notify.links import LinkRefusal, membership_for_token
from ambit.okrs.services import check_in_many

CHANGED_EVENT = "notifications-changed"


@member_required
def inbox(request: MemberRequest) -> HttpResponse:
    member = request.member
    items = selectors.notification_list(actor=member)
    unread = sum(1 for n in items if n.read_at is None)
    return render(request, "notify/inbox.html", {"notifications": items, "unread": unread, "member": member})


@member_required
@require_POST
def mark_read(request: MemberRequest, pk: int) -> HttpResponse:
    member = request.member
    notification = selectors.notification_get(actor=member, notification_id=pk)
    services.notification_mark_read(actor=member, notification=notification)
    if request.htmx:
        response = render(request, "notify/partials/item.html", {"n": notification})
        return trigger_client_event(response, CHANGED_EVENT)
    return redirect("notify:inbox")


@member_required
@require_POST
def mark_all_read(request: MemberRequest) -> HttpResponse:
    member = request.member
    count = services.notification_mark_all_read(actor=member)
    if request.htmx:
        items = selectors.notification_list(actor=member)
        response = render(request, "notify/partials/list.html", {"notifications": items, "unread": 0})
        return trigger_client_event(response, CHANGED_EVENT)
    messages.success(request, f"Marked {count} notification{'' if count == 1 else 's'} read.")
    return redirect("notify:inbox")


@member_required
def unread_badge(request: MemberRequest) -> HttpResponse:
    """The header's link with the unread count: loaded by HTMX after the page, so no page pays for it.
    A page with an early-warnings slot (My week: ``?warnings=mine``, a team page:
    ``?warnings=team:<slug>``) gets the warnings its reader has not acknowledged with it, swapped
    into the slot out of band; they stay until marked read (here, or in the inbox)."""
    member = request.member
    context: dict[str, Any] = {"unread": selectors.unread_count(actor=member)}
    scope = request.GET.get("warnings", "")
    if scope == "mine" or scope.startswith("team:"):
        slug = scope.removeprefix("team:") if scope != "mine" else None
        context["warnings_scope"] = scope
        context["warnings"] = selectors.early_warnings(actor=member, team_slug=slug)
    return render(request, "notify/partials/header_link.html", context)


@member_required
@require_POST
def revoke_links(request: MemberRequest) -> HttpResponse:
    services.checkin_links_revoke(actor=request.member)
    messages.success(
        request, "Every check-in link sent to you so far has stopped working. New reminders bring new ones."
    )
    return redirect("notify:inbox")


# --- The check-in a reminder's link opens ----------------------------------------------------------


@require_http_methods(["GET", "POST"])
def checkin_link(request: HttpRequest, token: str) -> HttpResponse:
    """The person's weekly check-in, acting as the membership the signed link names, for this page
    only: the browser is not logged in, so the link opens nothing else. The form and the service
    are the weekly check-in's own (``front.forms``, ``okrs.services.check_in_many``)."""
    found = membership_for_token(token)
    if isinstance(found, LinkRefusal):
        refused: dict[str, Any] = {
            "reason": found.reason,
            "login_url": reverse("accounts:login") + "?next=" + reverse("front:checkin"),
        }
        return render(request, "notify/checkin_link_refused.html", refused, status=410)
    member = found
    cycles, cycle = week_cycle(actor=member, cycle_param=None)
    data = request.POST if request.method == "POST" else None
    week = my_week(actor=member, cycle=cycle, cycles=cycles, with_forecast=False)
    items = [i for i in week.items if i.can_check_in and not i.km.linked and i.km.due]
    rows = build_rows(
        key_results=[i.kr for i in items],
        metrics={i.kr.pk: i.km for i in items},
        organisation=member.organisation,
        locale=number_locale(request),
    )
    form = CheckInForm(rows, data)
    if data is not None and member.can_write and form.is_valid(only_changed_unless_due=True):
        saved = _save(request, member, form)
        if saved is not None:
            return saved
    context = {
        "form": form,
        "cycle": cycle,
        "person": member,
        "org": member.organisation,
        "can_write": member.can_write,
        "rag_choices": RAG_CHOICES,
        "action": request.path,
    }
    return render(request, "notify/checkin_link.html", context, status=400 if form.errors else 200)


def _save(request: HttpRequest, member: Membership, form: CheckInForm) -> HttpResponse | None:
    """Record the check-in; the thank-you page, or None with the service's errors on the form."""
    results = []
    if form.entries:
        try:
            results = check_in_many(actor=member, entries=form.entries)
        except ValidationError as exc:
            form.add_service_errors(exc.message_dict)
            return None
    warnings = [(e.key_result.title, w) for e, r in zip(form.entries, results, strict=True) for w in r.warnings]
    context = {"count": len(results), "warnings": warnings, "person": member, "again": request.path}
    return render(request, "notify/checkin_link_done.html", context)
