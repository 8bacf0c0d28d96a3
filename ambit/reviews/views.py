"""The monthly review pages (``/reviews/``): the list of reviews (champions and admins open the
month's), and one review: how much commentary is written (a bar), who has not written yet (with a
remind button), the agenda (each behind or at-risk key result with its numbers frozen at opening
and its commentary, which its owner writes inline), the meeting's decisions, and closing it.

Anyone in the organisation reads a review; each key result on it only if its objective is
visible to them. Another organisation's review is a 404, on the page and on every partial. Forms
post without JavaScript (the page comes back) and with HTMX (only the part that changed)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from ambit.accounts.models import Membership
from ambit.accounts.selectors import team_list, team_subtree_ids
from ambit.core.errors import Conflict
from ambit.core.forms import errors_on
from ambit.core.http import MemberRequest
from ambit.core.web import member_required, render_page
from ambit.okrs import engine
from ambit.okrs.models import KeyResult
from ambit.reviews import selectors, services
from ambit.reviews.forms import CommentaryForm, DecisionForm, OpenForm
from ambit.reviews.models import Review, ReviewItem
from ambit.reviews.scope import default_meeting_on


def _name(member: Membership | None) -> str:
    if member is None:
        return ""
    return str(member.user.get_full_name() or member.user.email)


def _errors(form: Any) -> str:
    return "; ".join(str(e) for errs in form.errors.values() for e in errs)


def _listed(actor: Membership) -> list[Review]:
    reviews = list(selectors.review_list(actor=actor))
    for r in reviews:
        r.written_share = r.written_count / r.item_count if r.item_count else 0.0  # type: ignore[attr-defined]
        r.bar_label = f"Commentary written for {r.month:%B %Y}"  # type: ignore[attr-defined]
    return reviews


@member_required
@require_http_methods(["GET"])
def review_list(request: MemberRequest) -> HttpResponse:
    actor = request.member
    today = services.local_today(actor.organisation)
    context = {
        "reviews": _listed(actor),
        "can_manage": selectors.can_manage(actor),
        "form": OpenForm(initial={"meeting_on": default_meeting_on(today)}),
    }
    return render_page(request, "reviews/list.html", context)


@member_required
@require_POST
def review_open(request: MemberRequest) -> HttpResponse:
    actor = request.member
    form = OpenForm(request.POST)
    if form.is_valid():
        with errors_on(form):
            review = services.review_open(
                actor=actor, meeting_on=form.cleaned_data["meeting_on"], hour=form.cleaned_data["hour"]
            )
        if not form.errors:
            count = ReviewItem.objects.filter(review=review).count()
            messages.success(
                request,
                f"The {review.month:%B %Y} review is open with {count} key result{'' if count == 1 else 's'} "
                "behind or at risk: their owners have been asked for their commentary.",
            )
            return redirect("reviews:detail", review.pk)
    context = {"reviews": _listed(actor), "can_manage": True, "form": form}
    return render_page(request, "reviews/list.html", context, status=400)


# --- One review -------------------------------------------------------------------------------


def _team_filter(request: MemberRequest) -> tuple[list[Any], Any, set[int] | None]:
    teams = list(team_list(actor=request.member))
    slug = request.GET.get("team", "")
    chosen = next((t for t in teams if t.slug == slug), None) if slug else None
    return teams, chosen, team_subtree_ids(chosen, teams) if chosen else None


def _decorate(items: list[ReviewItem], actor: Membership, review: Review) -> None:
    scale = actor.organisation.confidence_scale
    for item in items:
        item.confidence_display = engine.to_scale(item.confidence, scale)  # type: ignore[attr-defined]
        item.has_commentary = selectors.has_commentary(item)  # type: ignore[attr-defined]
        item.can_write = selectors.can_write_commentary(actor, item, review)  # type: ignore[attr-defined]
        if item.can_write:  # type: ignore[attr-defined]
            item.form = CommentaryForm(prefix_id=f"kr{item.key_result_id}", initial=_initial(item))  # type: ignore[attr-defined]


def _summary(items: list[ReviewItem], actor: Membership) -> dict[str, Any]:
    written = sum(1 for i in items if selectors.has_commentary(i))
    missing = selectors.missing_by_owner(items)
    for owner in missing:
        owner.can_remind = selectors.can_remind(actor, owner.membership.pk)  # type: ignore[attr-defined]
    return {
        "total": len(items),
        "written": written,
        "share": written / len(items) if items else 1.0,
        "missing": missing,
        "can_remind_any": any(o.can_remind for o in missing),  # type: ignore[attr-defined]
    }


def _decision_form(review: Review, items: list[ReviewItem], actor: Membership, data: Any = None) -> DecisionForm:
    owners = {actor.pk: _name(actor)}
    for item in items:
        owners.setdefault(item.key_result.owner_id, _name(item.key_result.owner))
    return DecisionForm(
        data,
        owners=sorted(owners.items(), key=lambda o: o[1].lower()),
        key_results=[(i.key_result_id, i.key_result.title) for i in items],
    )


def _detail_context(request: MemberRequest, review: Review, **extra: Any) -> dict[str, Any]:
    actor = request.member
    teams, team, team_ids = _team_filter(request)
    items = selectors.review_items(actor=actor, review=review, team_ids=team_ids)
    _decorate(items, actor, review)
    all_items = items if team_ids is None else selectors.review_items(actor=actor, review=review)
    can_decide = review.is_open and selectors.can_record_decisions(actor)
    context: dict[str, Any] = {
        "review": review,
        "items": items,
        "teams": teams,
        "team": team,
        "summary": _summary(items, actor),
        "decisions": selectors.decision_list(actor=actor, review=review),
        "can_decide": can_decide,
        "can_manage": review.is_open and selectors.can_manage(actor),
        "decision_form": _decision_form(review, all_items, actor) if can_decide else None,
        "visible_kr_ids": {i.key_result_id for i in all_items},
    }
    context.update(extra)
    return context


def _initial(item: ReviewItem) -> dict[str, str]:
    if not selectors.has_commentary(item):
        return {}
    c = item.commentary
    return {"what_happened": c.what_happened, "what_will_change": c.what_will_change, "help_needed": c.help_needed}


@member_required
@require_http_methods(["GET"])
def review_detail(request: MemberRequest, review_id: int) -> HttpResponse:
    review = selectors.review_get(actor=request.member, review_id=review_id)
    return render_page(request, "reviews/detail.html", _detail_context(request, review))


def _back(review: Review, request: MemberRequest) -> HttpResponse:
    url = reverse("reviews:detail", kwargs={"review_id": review.pk})
    team = request.GET.get("team") or request.POST.get("team")
    return redirect(f"{url}?team={team}" if team else url)


@member_required
@require_POST
def commentary_write(request: MemberRequest, review_id: int, key_result_id: int) -> HttpResponse:
    actor = request.member
    review = selectors.review_get(actor=actor, review_id=review_id)
    item = selectors.item_for_key_result(actor=actor, review=review, key_result_id=key_result_id)
    item.review = review
    form = CommentaryForm(request.POST, prefix_id=f"kr{key_result_id}")
    if form.is_valid():
        with errors_on(form):
            services.commentary_write(actor=actor, item=item, **form.cleaned_data)
    if request.htmx:
        return _item_answer(request, review, item, form)
    if form.errors:
        messages.error(request, _errors(form))
    else:
        messages.success(request, f"Commentary saved on “{item.key_result.title}”.")
    return _back(review, request)


def _item_answer(request: MemberRequest, review: Review, item: ReviewItem, form: CommentaryForm) -> HttpResponse:
    """The key result's row, and (out of band) the progress bar and who has not written yet."""
    actor = request.member
    fresh = selectors.item_for_key_result(actor=actor, review=review, key_result_id=item.key_result_id)
    items = selectors.review_items(actor=actor, review=review, team_ids=_team_filter(request)[2])
    _decorate([fresh], actor, review)
    saved = not form.errors
    if not saved:
        fresh.form = form  # type: ignore[attr-defined]
    context = {
        "review": review,
        "item": fresh,
        "saved": saved,
        "summary": _summary(items, actor),
        "team": None,
        "oob": True,
    }
    return render_page(request, "reviews/partials/item_answer.html", context, status=200 if saved else 422)


@member_required
@require_POST
def review_remind(request: MemberRequest, review_id: int) -> HttpResponse:
    actor = request.member
    review = selectors.review_get(actor=actor, review_id=review_id)
    raw = request.POST.get("member", "")
    owner_ids = [int(raw)] if raw.isdigit() else None
    message, ok = "", True
    try:
        done = services.review_remind(actor=actor, review=review, owner_ids=owner_ids)
    except (Conflict, ValidationError) as exc:
        message, ok = (exc.message if isinstance(exc, Conflict) else " ".join(exc.messages)), False
    else:
        n = len(done.reminded)
        if n:
            message = f"Reminded {n} {'person' if n == 1 else 'people'}."
        else:
            message = "Everyone you can remind has already been reminded today."
        if done.already and n:
            message += f" {len(done.already)} already reminded today."
    if request.htmx:
        items = selectors.review_items(actor=actor, review=review, team_ids=_team_filter(request)[2])
        context = {"review": review, "summary": _summary(items, actor), "status": message, "team": None}
        return render_page(request, "reviews/partials/missing.html", context, status=200 if ok else 409)
    (messages.success if ok else messages.error)(request, message)
    return _back(review, request)


@member_required
@require_POST
def decision_add(request: MemberRequest, review_id: int) -> HttpResponse:
    actor = request.member
    review = selectors.review_get(actor=actor, review_id=review_id)
    if not selectors.can_record_decisions(actor):
        raise PermissionDenied(services.DECISIONS_DENIED)
    items = selectors.review_items(actor=actor, review=review)
    form = _decision_form(review, items, actor, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        by_kr = {i.key_result_id: i.key_result for i in items}
        owner = (
            Membership.objects.filter(organisation_id=actor.organisation_id, pk=data["owner"], is_active=True)
            .select_related("user")
            .first()
            if data["owner"]
            else None
        )
        key_result: KeyResult | None = by_kr.get(data["key_result"]) if data["key_result"] else None
        with errors_on(form):
            services.decision_add(
                actor=actor, review=review, text=data["text"], owner=owner, due_on=data["due_on"], key_result=key_result
            )
    if request.htmx:
        context = {
            "review": review,
            "decisions": selectors.decision_list(actor=actor, review=review),
            "visible_kr_ids": {i.key_result_id for i in items},
            "can_decide": review.is_open,
            "decision_form": form if form.errors else _decision_form(review, items, actor),
        }
        return render_page(request, "reviews/partials/decisions.html", context, status=422 if form.errors else 200)
    if form.errors:
        messages.error(request, _errors(form))
    else:
        messages.success(request, "Decision recorded.")
    return _back(review, request)


@member_required
@require_POST
def decision_delete(request: MemberRequest, decision_id: int) -> HttpResponse:
    actor = request.member
    decision = selectors.decision_get(actor=actor, decision_id=decision_id)
    review = decision.review
    try:
        services.decision_delete(actor=actor, decision=decision)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Decision removed.")
    return _back(review, request)


@member_required
@require_POST
def review_close(request: MemberRequest, review_id: int) -> HttpResponse:
    actor = request.member
    review = selectors.review_get(actor=actor, review_id=review_id)
    try:
        services.review_close(actor=actor, review=review)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"The {review.month:%B %Y} review is closed: its commentary and decisions are kept.")
    return _back(review, request)
