"""The quality check while writing (issue 15): the objective and key result forms post their
fields here as the person types (``hx-trigger="input changed delay:500ms"``), and get back the
findings partial for the form's live region. Nothing is saved.

- The new-objective form: the objective's fields and its key-result rows (``kr-<n>-…``).
- The edit-objective form (``?objective=<id>``): the typed fields with the saved key results.
- The key result form (``?objective=<id>``, editing ``&key_result=<id>``): the objective's
  saved key results with this one as typed (replacing its saved self, or added).

Ids typed into the form (cycle, team, owner) are only used when they belong to the member's
organisation; ids in the query string go through the same selectors as the pages (another
organisation's → 404).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.views.decorators.http import require_POST

from ambit.accounts.models import Membership, Team
from ambit.core.http import MemberRequest
from ambit.core.params import parse_id
from ambit.core.permissions import require_writer
from ambit.core.web import member_required
from ambit.okrs.engine.quality import KRFacts, ObjectiveFacts
from ambit.okrs.forms import KR_ROWS
from ambit.okrs.models import Ambition, Cycle, KeyResultKind, Objective
from ambit.okrs.quality import (
    DraftScope,
    assess_draft,
    kr_facts_from_row,
    loaded_facts,
    quality_view,
    scope_of,
)
from ambit.okrs.selectors import key_result_get, objective_get
from ambit.okrs.views_common import id_param

MAX_TEXT = 2000  # what the check reads of a typed field; the forms themselves limit further


def _text(data: QueryDict, name: str) -> str:
    return (data.get(name) or "")[:MAX_TEXT]


def _own_id(actor: Membership, model: type[Cycle | Team | Membership], raw: str | None) -> int | None:
    """A typed id, kept only when it names a row of the member's organisation."""
    number = parse_id(raw or "")
    if number is None:
        return None
    return number if model.objects.filter(pk=number, organisation_id=actor.organisation_id).exists() else None


def _ambition(raw: str) -> str:
    return raw if raw in Ambition.values else Ambition.COMMITTED


def _rows(data: QueryDict) -> list[KRFacts]:
    """The new-objective form's key-result rows that have a title."""
    facts: list[KRFacts] = []
    for i in range(KR_ROWS):
        title = _text(data, f"kr-{i}-title").strip()
        if not title:
            continue
        kind = _text(data, f"kr-{i}-kind") or KeyResultKind.INCREASE
        values: dict[str, Any] = {}
        if kind != KeyResultKind.BINARY:
            values = {
                "start": _text(data, f"kr-{i}-start_value"),
                "target": _text(data, f"kr-{i}-target_value"),
                "unit": _text(data, f"kr-{i}-unit")[:24],
            }
        facts.append(kr_facts_from_row(len(facts), title=title, kind=kind, **values))
    return facts


def _typed_kr(data: QueryDict, position: int, key_result_id: int | None, milestones: int) -> KRFacts:
    """The key result form as typed."""
    kind = _text(data, "kind") or KeyResultKind.INCREASE
    typed = [line for line in _text(data, "milestones").splitlines() if line.strip()]
    numbers = kind not in (KeyResultKind.MILESTONES, KeyResultKind.BINARY)
    return kr_facts_from_row(
        position,
        key_result_id=key_result_id,
        title=_text(data, "title").strip(),
        kind=kind,
        start=_text(data, "start_value") if numbers else None,
        target=_text(data, "target_value") if numbers else None,
        stretch=_text(data, "stretch_target") if numbers else None,
        unit=_text(data, "unit")[:24] if numbers else "",
        unit_kind=_text(data, "unit_kind") or "number",
        milestone_count=milestones + len(typed) + (1 if _text(data, "add_milestone").strip() else 0),
    )


def _key_result_check(
    actor: Membership, objective: Objective, data: QueryDict, key_result_id: int | None
) -> tuple[DraftScope, ObjectiveFacts]:
    facts = loaded_facts(objective)
    krs = list(facts.key_results)
    index = next((i for i, kr in enumerate(krs) if kr.id is not None and kr.id == key_result_id), None)
    if index is None:
        krs.append(_typed_kr(data, len(krs), None, 0))
    else:
        krs[index] = _typed_kr(data, index, key_result_id, krs[index].milestone_count)
    return scope_of(objective, actor.organisation), replace(facts, key_results=tuple(krs))


def _objective_check(
    actor: Membership, objective: Objective | None, data: QueryDict
) -> tuple[DraftScope, ObjectiveFacts]:
    krs = loaded_facts(objective).key_results if objective is not None else tuple(_rows(data))
    scope = DraftScope(
        organisation=actor.organisation,
        cycle_id=_own_id(actor, Cycle, data.get("cycle")) or (objective.cycle_id if objective else None),
        team_id=_own_id(actor, Team, data.get("team")),
        owner_id=_own_id(actor, Membership, data.get("owner")) or (objective.owner_id if objective else None),
        objective_id=objective.pk if objective else None,
    )
    facts = ObjectiveFacts(
        id=objective.pk if objective else None,
        title=_text(data, "title"),
        description=_text(data, "description"),
        ambition=_ambition(_text(data, "ambition")),
        has_owner="owner" not in data or scope.owner_id is not None,
        key_results=krs,
    )
    return scope, facts


@member_required(permission=require_writer)
@require_POST
def quality_check(request: MemberRequest) -> HttpResponse:
    actor = request.member
    key_result_id = id_param(request, "key_result")
    objective_id = id_param(request, "objective")
    if key_result_id is not None:
        objective_id = key_result_get(actor=actor, key_result_id=key_result_id).objective_id
    objective = objective_get(actor=actor, objective_id=objective_id) if objective_id is not None else None
    if objective is not None and "kind" in request.POST:
        scope, facts = _key_result_check(actor, objective, request.POST, key_result_id)
    else:
        scope, facts = _objective_check(actor, objective, request.POST)
    assessment = assess_draft(scope, facts)
    view = quality_view(assessment, [kr.title for kr in facts.key_results])
    return render(request, "okrs/partials/quality_live.html", {"quality": view})
