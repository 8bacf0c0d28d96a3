"""The reflection pages: a cycle's retrospective (``/cycles/<id>/retrospective/``: per team, its
reflection and its objectives' reflections, done or missing), one objective's reflection
(``/objectives/<id>/reflection/``: the form beside its final progress, score and dependencies,
which are declared there), and the lessons search across cycles (``/lessons/``).

Another organisation's cycle, objective or dependency is a 404, as is an objective the member may
not see. Forms post without JavaScript (the page comes back or redirects) and with HTMX (only
the part that changed)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from ambit.accounts.models import Membership, Team
from ambit.accounts.selectors import team_get, team_list
from ambit.core.errors import Conflict
from ambit.core.forms import add_service_error, errors_on
from ambit.core.http import MemberRequest
from ambit.core.paging import page_of
from ambit.core.params import parse_id
from ambit.core.web import member_required, render_page
from ambit.okrs.metrics import compute_metrics
from ambit.okrs.models import Cycle, KeyResult, Objective
from ambit.okrs.selectors import cycle_get, cycle_list, key_result_get, objective_get
from ambit.retros import rules, selectors, services
from ambit.retros.forms import DependencyForm, ReflectionForm
from ambit.retros.models import ObjectiveReflection, ReflectionFields
from ambit.retros.selectors import QUESTIONS, TeamBlock


def _errors(form: Any) -> str:
    return "; ".join(str(e) for errs in form.errors.values() for e in errs)


def _answers(reflection: ReflectionFields | None) -> list[tuple[str, str]]:
    """(question, answer) pairs for display ("" when left empty)."""
    answers = reflection.answers() if reflection is not None else {}
    return [(question, answers.get(key, "")) for key, question in QUESTIONS]


def _initial(reflection: ReflectionFields | None) -> dict[str, str]:
    return reflection.answers() if reflection is not None else {}


# --- The cycle's retrospective ------------------------------------------------------------------

# Team blocks per page: a champion of a 10,000-person organisation sees 1,250, each with a form.
TEAMS_PER_PAGE = 25
# Objectives listed in one block; the rest are counted (each has its reflection on its own page).
ROWS_SHOWN = 100


def _decorate(blocks: list[TeamBlock], actor: Membership, cycle: Cycle) -> None:
    for block in blocks:
        block.answers = _answers(block.reflection)  # type: ignore[attr-defined]
        if block.team is not None:
            block.can_write = rules.can_write_team_reflection(actor, block.team.pk, cycle)
        if block.can_write and block.team is not None:
            block.form = ReflectionForm(prefix_id=f"team{block.team.pk}", initial=_initial(block.reflection))  # type: ignore[attr-defined]
        # The individual objectives of a large organisation are one block of thousands.
        block.rows_shown = block.objectives[:ROWS_SHOWN]  # type: ignore[attr-defined]
        block.rows_more = len(block.objectives) - len(block.rows_shown)  # type: ignore[attr-defined]
        for row in block.rows_shown:  # type: ignore[attr-defined]
            row.can_write = rules.can_write_objective_reflection(actor, row.objective, cycle)


def _counts(blocks: list[TeamBlock]) -> dict[str, Any]:
    rows = [row for b in blocks for row in b.objectives]
    teams = [b for b in blocks if b.team is not None and b.objectives]
    done = sum(1 for r in rows if r.done)
    teams_done = sum(1 for b in teams if b.team_done)
    return {
        "objectives_total": len(rows),
        "objectives_done": done,
        "objectives_share": done / len(rows) if rows else 0.0,
        "teams_total": len(teams),
        "teams_done": teams_done,
        "teams_share": teams_done / len(teams) if teams else 0.0,
    }


@member_required
@require_http_methods(["GET"])
def cycle_retrospective(request: MemberRequest, cycle_id: int) -> HttpResponse:
    actor = request.member
    cycle = cycle_get(actor=actor, cycle_id=cycle_id)
    blocks = selectors.retrospective(actor=actor, cycle=cycle)
    shown, pager = page_of(blocks, request, per_page=TEAMS_PER_PAGE, noun="teams", anchor="retro-progress")
    _decorate(shown, actor, cycle)
    context = {
        "cycle": cycle,
        "blocks": shown,
        "pager": pager,
        "counts": _counts(blocks),
        "open": rules.reflection_open(cycle),
    }
    return render_page(request, "retros/cycle.html", context)


@member_required
@require_POST
def team_reflection(request: MemberRequest, cycle_id: int, team_id: int) -> HttpResponse:
    actor = request.member
    cycle = cycle_get(actor=actor, cycle_id=cycle_id)
    team = team_get(actor=actor, team_id=team_id)
    form = ReflectionForm(request.POST, prefix_id=f"team{team.pk}")
    if form.is_valid():
        with errors_on(form):
            services.team_reflection_save(actor=actor, cycle=cycle, team=team, **form.cleaned_data)
    url = reverse("retros:cycle", kwargs={"cycle_id": cycle.pk})
    if request.htmx:
        return _team_answer(request, cycle, team, form)
    if form.errors:
        messages.error(request, _errors(form))
    else:
        messages.success(request, f"{team.name}'s reflection is saved.")
    return redirect(f"{url}#team-{team.pk}")


def _team_answer(request: MemberRequest, cycle: Cycle, team: Team, form: ReflectionForm) -> HttpResponse:
    """The team's block with its reflection as saved (or the form with its errors)."""
    actor = request.member
    blocks = [b for b in selectors.retrospective(actor=actor, cycle=cycle) if b.team and b.team.pk == team.pk]
    block = blocks[0] if blocks else TeamBlock(team, selectors.team_reflection_get(actor=actor, cycle=cycle, team=team))
    _decorate([block], actor, cycle)
    saved = not form.errors
    if not saved:
        block.form = form  # type: ignore[attr-defined]
    context = {"cycle": cycle, "block": block, "saved": saved}
    return render_page(request, "retros/partials/team_block.html", context, status=200 if saved else 422)


# --- One objective's reflection -------------------------------------------------------------------


def _objective_context(actor: Membership, objective: Objective, **extra: Any) -> dict[str, Any]:
    cycle = objective.cycle
    reflection = ObjectiveReflection.objects.filter(objective=objective).select_related("author__user").first()
    metrics = compute_metrics(organisation=actor.organisation, objectives=[objective]).objective(objective)
    can_write = rules.can_write_objective_reflection(actor, objective, cycle)
    context: dict[str, Any] = {
        "objective": objective,
        "cycle": cycle,
        "metrics": metrics,
        "score": objective.score if objective.score is not None else metrics.suggested_score,
        "scored": objective.score is not None,
        "reflection": reflection,
        "answers": _answers(reflection),
        "can_write": can_write,
        "form": ReflectionForm(initial=_initial(reflection)) if can_write else None,
        "open": rules.reflection_open(cycle),
    }
    context.update(_dependency_context(actor, objective))
    context.update(extra)
    return context


def _dependency_context(actor: Membership, objective: Objective, form: DependencyForm | None = None) -> dict[str, Any]:
    can_manage = rules.can_manage_dependencies(actor, objective, objective.cycle)
    if can_manage and form is None:
        form = DependencyForm(targets=selectors.dependency_targets(actor=actor, objective=objective))
    return {
        "objective": objective,
        "deps": selectors.dependencies_of(actor=actor, objective=objective),
        "can_manage_deps": can_manage,
        "dep_form": form if can_manage else None,
    }


@member_required
@require_http_methods(["GET", "POST"])
def objective_reflection(request: MemberRequest, objective_id: int) -> HttpResponse:
    actor = request.member
    objective = objective_get(actor=actor, objective_id=objective_id)
    if request.method == "GET":
        return render_page(request, "retros/objective.html", _objective_context(actor, objective))
    form = ReflectionForm(request.POST)
    if form.is_valid():
        with errors_on(form):
            services.objective_reflection_save(actor=actor, objective=objective, **form.cleaned_data)
    if not form.errors:
        messages.success(request, f"Your reflection on “{objective.title}” is saved.")
        return redirect("retros:objective", objective.pk)
    context = _objective_context(actor, objective, form=form)
    return render_page(request, "retros/objective.html", context, status=422)


def _target(actor: Membership, raw: str) -> tuple[Objective | None, KeyResult | None]:
    """``o<id>`` or ``k<id>`` from the form, through the selectors (an unseen one is a 404)."""
    number = parse_id(raw[1:]) if raw[:1] in ("o", "k") else None
    if number is None:
        raise ValidationError({"target": services.DEPENDENCY_TARGET})
    if raw[0] == "o":
        return objective_get(actor=actor, objective_id=number), None
    return None, key_result_get(actor=actor, key_result_id=number)


def _on_target(exc: ValidationError | Conflict) -> ValidationError | Conflict:
    """The service names the target's kind (``target_objective``); the form has one ``target``."""
    kinds = ("target_objective", "target_key_result")
    if isinstance(exc, Conflict):
        return Conflict(exc.message, field="target" if exc.field in kinds else exc.field)
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError({("target" if k in kinds else k): v for k, v in exc.message_dict.items()})


@member_required
@require_POST
def dependency_add(request: MemberRequest, objective_id: int) -> HttpResponse:
    actor = request.member
    objective = objective_get(actor=actor, objective_id=objective_id)
    form = DependencyForm(request.POST, targets=selectors.dependency_targets(actor=actor, objective=objective))
    if form.is_valid():
        try:
            target_objective, target_key_result = _target(actor, form.cleaned_data["target"])
            services.dependency_add(
                actor=actor,
                objective=objective,
                target_objective=target_objective,
                target_key_result=target_key_result,
                note=form.cleaned_data["note"],
            )
        except (ValidationError, Conflict) as exc:
            add_service_error(form, _on_target(exc))
    return _dependencies_answer(request, objective, form, "Dependency added.")


def _dependencies_answer(request: MemberRequest, objective: Objective, form: Any, done: str) -> HttpResponse:
    actor = request.member
    ok = not (form is not None and form.errors)
    if request.htmx:
        context = _dependency_context(actor, objective, None if ok else form)
        context["status"] = done if ok else ""
        return render_page(request, "retros/partials/dependencies.html", context, status=200 if ok else 422)
    if ok:
        messages.success(request, done)
    else:
        messages.error(request, _errors(form))
    return redirect(reverse("retros:objective", args=[objective.pk]) + "#dependencies")


@member_required
@require_POST
def dependency_remove(request: MemberRequest, dependency_id: int) -> HttpResponse:
    actor = request.member
    dependency = selectors.dependency_get(actor=actor, dependency_id=dependency_id)
    objective = objective_get(actor=actor, objective_id=dependency.objective_id)
    dependency.objective = objective
    try:
        services.dependency_remove(actor=actor, dependency=dependency)
    except Conflict as exc:
        if request.htmx:
            context = {**_dependency_context(actor, objective), "status": exc.message}
            return render_page(request, "retros/partials/dependencies.html", context, status=409)
        messages.error(request, exc.message)
        return redirect(reverse("retros:objective", args=[objective.pk]) + "#dependencies")
    return _dependencies_answer(request, objective, None, "Dependency removed.")


# --- Lessons --------------------------------------------------------------------------------------


@member_required
@require_http_methods(["GET"])
def lessons(request: MemberRequest) -> HttpResponse:
    actor = request.member
    q = request.GET.get("q", "").strip()[:200]
    cycles = list(cycle_list(actor=actor).order_by("-start_date", "name"))
    teams = list(team_list(actor=actor, include_archived=True).order_by("name"))
    cycle_id = parse_id(request.GET.get("cycle", "").strip()) if request.GET.get("cycle", "").strip() else None
    cycle = next((c for c in cycles if c.pk == cycle_id), None)
    slug = request.GET.get("team", "").strip()
    team = next((t for t in teams if t.slug == slug), None)
    if (request.GET.get("cycle", "").strip() and cycle is None) or (slug and team is None):
        raise Http404("No such cycle or team.")
    hits, more = selectors.lessons_search(actor=actor, q=q, cycle=cycle, team=team)
    context = {
        "q": q,
        "cycles": cycles,
        "teams": teams,
        "cycle": cycle,
        "team": team,
        "hits": hits,
        "more": more,
        "filtered": bool(q or cycle or team),
    }
    return render_page(request, "retros/lessons.html", context)
