"""The trash page (``/trash/``): what the member may restore (their own, what they deleted;
champions and admins: everything), what comes back with each, who deleted it and when, the days
left before the purge; Restore, and for admins Delete for good after a confirmation page.
Another organisation's item, or one the member may not see, is a 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_http_methods, require_POST

from ambit.accounts.models import Membership
from ambit.core.errors import Conflict
from ambit.core.http import MemberRequest
from ambit.core.permissions import require_admin, require_writer
from ambit.core.web import member_required, render_page
from ambit.trash import selectors, services
from ambit.trash.models import KEEP_DAYS, TrashItem


def _name(member: Membership | None) -> str:
    if member is None:
        return "someone no longer here"
    return str(member.user.get_full_name() or member.user.email)


def _rows(actor: Membership, items: list[TrashItem]) -> list[dict[str, Any]]:
    now = timezone.now()
    may_delete = selectors.can_delete_permanently(actor)
    return [
        {
            "item": item,
            "deleted_by": _name(item.deleted_by),
            "owner": _name(item.owner) if item.owner_id else "",
            "days_left": item.days_left(now),
            "can_restore": selectors.can_restore(actor, item),
            "can_delete": may_delete,
        }
        for item in items
    ]


@member_required
@require_http_methods(["GET"])
def trash_list(request: MemberRequest) -> HttpResponse:
    actor = request.member
    items = list(selectors.trash_list(actor=actor))
    context = {"rows": _rows(actor, items), "keep_days": KEEP_DAYS, "sees_all": actor.is_org_wide_editor}
    return render_page(request, "trash/list.html", context)


@member_required
@require_POST
def trash_restore(request: MemberRequest, item_id: int) -> HttpResponse:
    actor = request.member
    require_writer(actor)
    item = selectors.trash_get(actor=actor, item_id=item_id)
    try:
        done = services.trash_restore(actor=actor, item=item)
    except (Conflict, PermissionDenied) as exc:
        messages.error(request, getattr(exc, "message", None) or str(exc))
        return redirect("trash:list")
    with_it = f", with {done.summary}" if done.summary else ""
    if done.url:
        messages.success(
            request,
            format_html('The {} “{}” is back{}. <a href="{}">Open it</a>.', done.kind, done.title, with_it, done.url),
        )
    else:
        messages.success(request, f"The {done.kind} “{done.title}” is back{with_it}.")
    return redirect("trash:list")


@member_required
@require_http_methods(["GET", "POST"])
def trash_delete(request: MemberRequest, item_id: int) -> HttpResponse:
    """A confirmation page, then the delete for good (admins)."""
    actor = request.member
    require_admin(actor, services.DELETE_WHAT)
    item = selectors.trash_get(actor=actor, item_id=item_id)
    if request.method == "POST":
        services.trash_delete(actor=actor, item=item)
        messages.success(request, f"The {item.kind} “{item.title}” is deleted for good.")
        return redirect("trash:list")
    return render_page(request, "trash/delete.html", {"row": _rows(actor, [item])[0]})
