"""The strategy page: mission, vision, values, and each big move with the objectives serving it
and its progress (the same number as the company tree). It lives with the OKR pages because it
reads objectives and their metrics; the strategy forms are in ``ambit.strategy.views``."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.urls import reverse

from ambit.core.http import MemberRequest
from ambit.core.web import member_required, render_page
from ambit.okrs import engine
from ambit.okrs.metrics import compute_metrics
from ambit.okrs.selectors import objective_list
from ambit.okrs.selectors_tree import is_company_root, tree_cycles, with_tree_root_flag
from ambit.okrs.views_common import cycle_switcher_context, selected_cycle
from ambit.strategy.selectors import big_move_list, strategy_get, value_list


@member_required
def strategy_detail(request: MemberRequest) -> HttpResponse:
    actor = request.member
    cycle = selected_cycle(request, actor)
    moves = list(big_move_list(actor=actor))
    cycles = tree_cycles(cycle=cycle) if cycle is not None else []
    objectives = (
        list(
            with_tree_root_flag(
                objective_list(actor=actor, include_cancelled=False).filter(
                    cycle_id__in=[c.pk for c in cycles], theme_id__in=[m.pk for m in moves]
                ),
                cycle=cycle,
            )
        )
        if cycle is not None and moves
        else []
    )
    metrics = compute_metrics(organisation=actor.organisation, objectives=objectives)
    by_move: dict[int, list[tuple[Any, Any]]] = {}
    for o in sorted(objectives, key=lambda o: (o.cycle.start_date, o.level != "company", o.position, o.pk)):
        by_move.setdefault(o.theme_id, []).append((o, metrics.objective(o)))  # type: ignore[arg-type]
    rows = []
    for move in moves:
        items = by_move.get(move.pk, [])
        # The same number as the company tree: the big move's top objectives, rolled up there.
        progress = engine.big_move_progress(m.progress for o, m in items if is_company_root(o))
        rows.append((move, items, progress))
    context = {
        "strategy": strategy_get(actor=actor),
        "values": list(value_list(actor=actor)),
        "rows": rows,
        "cycle": cycle,
        "cycles": cycles,
        "can_edit": actor.is_org_wide_editor,
        **cycle_switcher_context(actor, cycle, reverse("strategy:detail")),
    }
    return render_page(request, "strategy/detail.html", context)
