"""The quality check in the planning sheet's dry-run report (issue 15): each objective of the
file with its score and findings, shown beside the changes and never blocking the import.

The facts are what the objective and its key results will be after the import: the file's values
over the saved ones. The context is the file itself (the objectives it plans for the same team,
or the same owner's individual ones), so this reads nothing more from the database.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ambit.okrs.engine.quality import Context, KRFacts, ObjectiveFacts, PeerKR, assess
from ambit.okrs.models import KeyResultKind, KeyResultState
from ambit.okrs.quality import limits_for
from ambit.sheets.importer import KrPlan, ObjectivePlan
from ambit.sheets.report import Item


def _value(fields: dict[str, Any], existing: Any, name: str, default: Any = None) -> Any:
    if name in fields:
        return fields[name]
    return getattr(existing, name, default) if existing is not None else default


def _kr_facts(kr: KrPlan, position: int) -> KRFacts:
    f, e = kr.fields, kr.existing
    kind = _value(f, e, "kind", KeyResultKind.INCREASE)
    return KRFacts(
        id=e.pk if e is not None else None,
        position=position,
        title=_value(f, e, "title", kr.title) or "",
        kind=kind,
        start=_value(f, e, "start_value"),
        target=_value(f, e, "target_value"),
        stretch=_value(f, e, "stretch_target"),
        unit=_value(f, e, "unit", "") or "",
        unit_kind=_value(f, e, "unit_kind", "number") or "number",
        # Milestones are not in the sheet: a saved checklist is taken to have them.
        milestone_count=1 if e is not None else 0,
    )


def _facts(plan: ObjectivePlan) -> ObjectiveFacts:
    f, e = plan.fields, plan.existing
    krs = [k for k in plan.key_results if k.existing is None or k.existing.state == KeyResultState.ACTIVE]
    return ObjectiveFacts(
        id=e.pk if e is not None else None,
        title=_value(f, e, "title", plan.title) or "",
        description=_value(f, e, "description", "") or "",
        ambition=_value(f, e, "ambition", "committed") or "committed",
        key_results=tuple(_kr_facts(k, i) for i, k in enumerate(krs)),
    )


def _scope(plan: ObjectivePlan) -> tuple[str, int | None]:
    """("team", id) or, for an individual objective, ("person", owner id): ids only, no query."""
    f, e = plan.fields, plan.existing
    team_id = getattr(f["team"], "pk", None) if "team" in f else (e.team_id if e is not None else None)
    if team_id is not None:
        return ("team", team_id)
    owner_id = getattr(f["owner"], "pk", None) if "owner" in f else (e.owner_id if e is not None else None)
    return ("person", owner_id)


def with_quality(items: list[Item], plans: list[ObjectivePlan], organisation: Any = None) -> list[Item]:
    """``items`` (one per plan, in order) with each objective's ``quality``: its score and its
    findings, each with the row it is about."""
    facts = [_facts(p) for p in plans]
    scopes = [_scope(p) for p in plans]
    together: dict[tuple[str, int | None], list[int]] = defaultdict(list)
    for i, scope in enumerate(scopes):
        if scope[1] is not None:
            together[scope].append(i)
    limits = limits_for(organisation)
    for i, (item, plan, objective) in enumerate(zip(items, plans, facts, strict=True)):
        shared = [j for j in together.get(scopes[i], []) if j != i]
        count = len(shared) + 1
        ctx = Context(
            team_objective_count=count if scopes[i][0] == "team" else 0,
            person_objective_count=count if scopes[i][0] == "person" else 0,
            peers=tuple(PeerKR(facts[j].title, kr) for j in shared for kr in facts[j].key_results),
            limits=limits,
        )
        assessment = assess(objective, ctx)
        live = [k for k in plan.key_results if k.existing is None or k.existing.state == KeyResultState.ACTIVE]
        item.quality = {
            "score": assessment.score,
            "findings": [
                {
                    "code": finding.code,
                    "severity": finding.severity,
                    "message": finding.message,
                    "fix": finding.fix,
                    "row": plan.row if finding.key_result_position is None else live[finding.key_result_position].row,
                }
                for finding in assessment.findings
            ],
        }
    return items
