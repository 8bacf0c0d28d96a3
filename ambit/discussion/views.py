"""Comment threads as HTMX partials: the objective page loads its section after it renders (so the
page's own queries and cache are untouched), and every action answers with the thread it changed.

- ``comments/objective/<id>/section/``: the objective's thread and a "Comments (n)" toggle per key
  result that loads that key result's thread;
- ``comments/<objective|key-result|check-in|initiative|kpi>/<id>/``: a thread (GET), add a comment or
  reply (POST); the KPI page loads its KPI's thread, the initiatives list each initiative's;
- ``comments/<id>/edit/`` (GET the form, POST the text), ``comments/<id>/delete/`` (POST);
- ``comments/mentions/?q=``: the members matching what follows an "@", for the picker.

404 for anything outside the member's organisation or on an objective (or KPI) they may not see; 403 for
a write they may not make; 422 with the field's message for bad input; 429 when posting too fast.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ambit.accounts.models import Membership
from ambit.core.http import MemberRequest
from ambit.core.web import member_required
from ambit.discussion import mentions, selectors, services
from ambit.discussion.models import Comment, TargetKind
from ambit.discussion.selectors import KINDS_BY_SLUG, Target
from ambit.okrs.models import KeyResult

_FIELD_ID = re.compile(r"[A-Za-z0-9_-]{1,80}")


def _target(request: MemberRequest, slug: str, pk: int) -> Target:
    kind = KINDS_BY_SLUG.get(slug)
    if kind is None:
        raise Http404("No such kind of comment target.")
    return selectors.target_get(actor=request.member, kind=kind, pk=pk)


def _thread_context(
    request: MemberRequest, target: Target, *, editing: int | None = None, errors: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    actor = request.member
    threads = selectors.thread(actor=actor, target=target)
    for t in threads:
        for c in [t.comment, *t.replies]:
            c.pk_str = str(c.pk)  # type: ignore[attr-defined]
            c.html = mentions.render(c.body, c.mentions.all())  # type: ignore[attr-defined]
            c.can_edit = services.can_edit(actor, c)  # type: ignore[attr-defined]
            c.can_delete = services.can_delete(actor, c)  # type: ignore[attr-defined]
    return {
        "target": target,
        "threads": threads,
        "count": sum((0 if t.comment.is_deleted else 1) + len(t.replies) for t in threads),
        "can_comment": actor.can_write,
        "editing": editing,
        "errors": errors or {},
        "form_id": f"{target.slug}-{target.pk}",
        "values": request.POST if request.method == "POST" else {},
    }


def _thread(request: MemberRequest, target: Target, *, status: int = 200, **kwargs: Any) -> HttpResponse:
    response = render(
        request, "discussion/partials/thread.html", _thread_context(request, target, **kwargs), status=status
    )
    response["Cache-Control"] = "no-store"
    return response


def _errors(exc: ValidationError) -> dict[str, list[str]]:
    return exc.message_dict if hasattr(exc, "error_dict") else {"body": exc.messages}


@member_required
@require_GET
def objective_section(request: MemberRequest, pk: int) -> HttpResponse:
    """The objective page's comments: its thread and one toggle per key result with its count."""
    target = selectors.target_get(actor=request.member, kind=TargetKind.OBJECTIVE, pk=pk)
    objective = target.objective
    assert objective is not None
    counts = selectors.key_result_counts(actor=request.member, objective=objective)
    key_results = [
        (kr, counts.get(kr.pk, 0))
        for kr in KeyResult.objects.filter(objective=objective).only("pk", "title").order_by("position", "id")
    ]
    context = _thread_context(request, target)
    context["key_results"] = key_results
    response = render(request, "discussion/partials/section.html", context)
    response["Cache-Control"] = "no-store"
    return response


@member_required
@require_http_methods(["GET", "POST"])
def thread(request: MemberRequest, slug: str, pk: int) -> HttpResponse:
    """A target's thread (GET), or a new comment or reply on it (POST) answered with the thread."""
    target = _target(request, slug, pk)
    if request.method == "GET":
        return _thread(request, target)
    parent: Comment | None = None
    parent_id = request.POST.get("parent_id", "")
    try:
        if parent_id:
            if not parent_id.isdigit():
                raise ValidationError({"parent_id": "Reply to a comment of this thread."})
            parent = Comment.objects.filter(organisation_id=request.member.organisation_id, pk=int(parent_id)).first()
            if parent is None:
                raise ValidationError({"parent_id": "Reply to a comment of this thread."})
        services.comment_add(actor=request.member, target=target, body=request.POST.get("body", ""), parent=parent)
    except ValidationError as exc:
        return _thread(request, target, status=422, errors=_errors(exc))
    except services.CommentRateLimited as exc:
        response = _thread(request, target, status=429, errors={"body": [exc.message]})
        response["Retry-After"] = str(exc.retry_after)
        return response
    return _thread(request, target)


@member_required
@require_http_methods(["GET", "POST"])
def edit(request: MemberRequest, pk: int) -> HttpResponse:
    """The thread with this comment's text in a form (GET), or the edited text saved (POST)."""
    comment = selectors.comment_get(actor=request.member, comment_id=pk)
    target = selectors.target_of(comment)
    if request.method == "GET":
        if not services.can_edit(request.member, comment):
            raise PermissionDenied(services.EDIT_DENIED)
        return _thread(request, target, editing=comment.pk)
    try:
        services.comment_edit(actor=request.member, comment=comment, target=target, body=request.POST.get("body", ""))
    except ValidationError as exc:
        return _thread(request, target, status=422, editing=comment.pk, errors=_errors(exc))
    return _thread(request, target)


@member_required
@require_POST
def delete(request: MemberRequest, pk: int) -> HttpResponse:
    comment = selectors.comment_get(actor=request.member, comment_id=pk)
    services.comment_delete(actor=request.member, comment=comment)
    return _thread(request, selectors.target_of(comment))


@member_required
@require_GET
def mention_search(request: MemberRequest) -> HttpResponse:
    """Up to eight members matching the "@" being typed, each with the text the picker inserts."""
    target_id = request.GET.get("for", "")
    if not _FIELD_ID.fullmatch(target_id):
        target_id = ""
    people = selectors.mention_candidates(actor=request.member, query=request.GET.get("q", "")[:150])
    locals_ = {mentions.handle_of(m) for m in people}
    shared: set[str] = set()
    if locals_:
        q = Q()
        for local in locals_:
            q |= Q(user__email__istartswith=f"{local}@")
        seen: dict[str, int] = {}
        for email in Membership.objects.filter(
            q, organisation_id=request.member.organisation_id, is_active=True
        ).values_list("user__email", flat=True):
            local = email.split("@", 1)[0].lower()
            seen[local] = seen.get(local, 0) + 1
        shared = {local for local, n in seen.items() if n > 1}
    options = [(m, mentions.token_for(m, unique_handle=mentions.handle_of(m) not in shared)) for m in people]
    return render(request, "discussion/partials/mention_options.html", {"options": options, "for": target_id})
