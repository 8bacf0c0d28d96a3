"""The objective page and the actions on it (state, cancel, align, cascade a key result).

The page's content is built by ``ambit.okrs.pages``; these views only load, check and render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from ambit.core.errors import Conflict
from ambit.core.forms import errors_on
from ambit.core.http import MemberRequest
from ambit.core.page_cache import PageCache
from ambit.core.params import parse_id
from ambit.core.permissions import require_can_create_objective_for, require_can_edit_objective
from ambit.core.web import member_required, render_page
from ambit.okrs import services
from ambit.okrs.access import objective_for_edit
from ambit.okrs.data_version import kept_page_key
from ambit.okrs.forms import AlignForm, CancelForm, CascadeForm, StateForm
from ambit.okrs.pages import history_page, objective_page
from ambit.okrs.selectors import key_result_get, objective_get, objective_head
from ambit.okrs.selectors_align import alignment_choices
from ambit.okrs.selectors_tree import alignment_candidates
from ambit.okrs.views_common import cycle_switcher_context
from ambit.trash.notice import moved_to_trash

# The element the picker's search swaps its results into (okrs/partials/align_picker.html).
ALIGN_RESULTS_ID = "align-results"


@member_required
def objective_detail(request: MemberRequest, pk: int) -> HttpResponse:
    """The objective page. Its header and body are kept between writes (``core.page_cache``):
    until the organisation's data moves, each viewer's page is computed once."""
    actor = request.member
    objective = objective_head(actor=actor, objective_id=pk)  # 404 before anything else
    page = PageCache(
        key=kept_page_key(request, member=actor, view=f"objective-{objective.pk}"),
        build=lambda: objective_page(actor=actor, objective=objective_get(actor=actor, objective_id=objective.pk)),
    )
    context = {
        "page_cache": page,
        "objective": objective,
        **cycle_switcher_context(actor, objective.cycle, reverse("okrs:company")),
    }
    return render_page(request, "okrs/objective_detail.html", context)


@member_required
def kr_history(request: MemberRequest, pk: int) -> HttpResponse:
    """A page of a key result's check-in history, older than ``before`` (a check-in id): with HTMX
    the rows that replace the objective page's "Older check-ins" row, without it a page of its own."""
    actor = request.member
    kr = key_result_get(actor=actor, key_result_id=pk)
    before = request.GET.get("before")
    before_id = parse_id(before) if before else None
    if before and before_id is None:
        raise Http404("No such check-in.")
    rows, older_than = history_page(actor=actor, key_result=kr, before_id=before_id)
    context = {"kr": kr, "objective": kr.objective, "rows": rows, "older_than": older_than}
    return render_page(request, "okrs/kr_history.html", context, fragment="okrs/partials/checkin_rows.html")


@member_required
@require_POST
def objective_state(request: MemberRequest, pk: int) -> HttpResponse:
    objective = objective_for_edit(request.member, pk)
    form = StateForm(request.POST)
    if form.is_valid():
        try:
            services.objective_set_state(
                actor=request.member,
                objective=objective,
                state=form.cleaned_data["state"],
                note=form.cleaned_data["note"],
            )
        except (ValidationError, Conflict) as exc:
            messages.error(request, getattr(exc, "message", None) or "; ".join(getattr(exc, "messages", [])))
        else:
            messages.success(request, f"The objective is now {objective.get_state_display().lower()}.")
    else:
        messages.error(request, "Choose a valid state.")
    return redirect("okrs:objective-detail", pk=objective.pk)


@member_required
@require_http_methods(["GET", "POST"])
def objective_cancel(request: MemberRequest, pk: int) -> HttpResponse:
    objective = objective_for_edit(request.member, pk)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            services.objective_cancel(actor=request.member, objective=objective, reason=form.cleaned_data["reason"])
        if not form.errors:
            messages.success(request, "The objective is cancelled; its history stays.")
            return redirect("okrs:objective-detail", pk=objective.pk)
    status = 400 if form.errors else 200
    return render_page(request, "okrs/objective_cancel.html", {"objective": objective, "form": form}, status=status)


@member_required
@require_http_methods(["GET", "POST"])
def objective_align(request: MemberRequest, pk: int) -> HttpResponse:
    """Add a parent (``parent`` and ``weight``) or, with ``remove=<parent id>``, remove one."""
    actor = request.member
    objective = objective_for_edit(request.member, pk)
    if request.method == "POST" and request.POST.get("remove"):
        remove_id = parse_id(request.POST["remove"])
        if remove_id is None:
            raise Http404("No such objective.")
        parent = objective_get(actor=actor, objective_id=remove_id)
        try:
            services.alignment_remove(actor=actor, child=objective, parent=parent)
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
        else:
            messages.success(request, f"No longer aligned to “{parent.title}”.")
        return redirect("okrs:objective-detail", pk=objective.pk)
    candidates = alignment_candidates(actor=actor, objective=objective)
    form = AlignForm(request.POST or None, candidates=candidates)
    if request.method == "POST":
        # The service decides about loops; the form only offers what is visible and in range.
        parent_id = parse_id(request.POST.get("parent"))
        if parent_id is not None and not candidates.filter(pk=parent_id).exists():
            parent = objective_get(actor=actor, objective_id=parent_id)
            form = AlignForm(request.POST, candidates=candidates.model.objects.filter(pk=parent.pk))
        if form.is_valid():
            with errors_on(form):
                services.alignment_add(
                    actor=actor, child=objective, parent=form.cleaned_data["parent"], weight=form.cleaned_data["weight"]
                )
            if not form.errors:
                messages.success(request, f"Aligned to “{form.cleaned_data['parent'].title}”.")
                return redirect("okrs:objective-detail", pk=objective.pk)
    status = 400 if form.errors else 200
    # The search rides along in the POST (a hidden field), so a refused choice keeps its results.
    text = (request.POST if request.method == "POST" else request.GET).get("q", "")
    context = {
        "objective": objective,
        "form": form,
        "align_choices": alignment_choices(actor=actor, objective=objective, text=text, candidates=candidates),
    }
    # Only the picker's own search gets the bare list; any other HTMX request gets the page.
    fragment = "okrs/partials/align_results.html" if request.htmx.target == ALIGN_RESULTS_ID else None
    context["oob"] = fragment is not None
    return render_page(request, "okrs/objective_align.html", context, fragment=fragment, status=status)


@member_required
@require_http_methods(["GET", "POST"])
def kr_cascade(request: MemberRequest, pk: int) -> HttpResponse:
    """Duality: turn a key result into the next level's objective."""
    actor = request.member
    kr = key_result_get(actor=actor, key_result_id=pk)
    # Cascading can make the child drive the key result's progress: it takes edit rights on its objective.
    require_can_edit_objective(actor, kr.objective)
    initial = {"title": kr.title, "owner": kr.owner_id, "state": "draft", "progress_from_child": True}
    form = CascadeForm(request.POST or None, actor=actor, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        require_can_create_objective_for(
            actor, team_id=data["team"].pk if data["team"] else None, owner_id=data["owner"].pk
        )
        with errors_on(form):
            child = services.objective_create_from_key_result(
                actor=actor,
                key_result=kr,
                owner=data["owner"],
                team=data["team"],
                title=data["title"],
                progress_from_child=data["progress_from_child"],
                state=data["state"],
            )
        if not form.errors:
            messages.success(request, f"“{child.title}” now carries “{kr.title}” to the next level.")
            return redirect("okrs:objective-detail", pk=child.pk)
    status = 400 if form.errors else 200
    return render_page(request, "okrs/kr_cascade.html", {"key_result": kr, "form": form}, status=status)


# --- Deleting into the trash (issue 17) -----------------------------------------------------------


@member_required
@require_http_methods(["GET", "POST"])
def objective_delete(request: MemberRequest, pk: int) -> HttpResponse:
    """A confirmation page, then the delete: into the trash, restorable for 30 days."""
    objective = objective_for_edit(request.member, pk)
    if request.method == "POST":
        team = objective.team
        back = reverse("okrs:team-detail", args=[team.slug]) if team is not None else reverse("okrs:company")
        notice = moved_to_trash(f"The objective “{objective.title}”")
        services.objective_delete(actor=request.member, objective=objective)
        messages.success(request, notice)
        return redirect(back)
    context = {"objective": objective, "what": "objective", "title": objective.title, "back": objective.pk}
    return render_page(request, "okrs/confirm_delete.html", context)


@member_required
@require_http_methods(["GET", "POST"])
def kr_delete(request: MemberRequest, pk: int) -> HttpResponse:
    """A confirmation page, then the delete: into the trash, restorable for 30 days."""
    kr = key_result_get(actor=request.member, key_result_id=pk)
    objective = objective_for_edit(request.member, kr.objective_id)
    if request.method == "POST":
        notice = moved_to_trash(f"The key result “{kr.title}”")
        services.key_result_delete(actor=request.member, key_result=kr)
        messages.success(request, notice)
        return redirect("okrs:objective-detail", pk=objective.pk)
    context = {"objective": objective, "what": "key result", "title": kr.title, "back": objective.pk}
    return render_page(request, "okrs/confirm_delete.html", context)
