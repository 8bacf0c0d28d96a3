"""Writes of an organisation's OKR templates: create (by hand or from an objective), update,
delete. Each checks permission, runs in one transaction, saves only what changed and writes an
audit entry.

Who may do what: any member who can write creates templates (from an objective only one they
can read); the template's creator, champions and admins edit and delete it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from ambit.accounts.models import Membership
from ambit.core.audit import AuditAction, audit_record, snapshot
from ambit.core.permissions import require_same_org, require_writer
from ambit.core.services import apply_changes, lock_and_refresh, plain_number, to_decimal
from ambit.core.validation import MAX_LONG_TEXT, MAX_TITLE, MAX_UNIT, TextRule, clean_text, clean_texts
from ambit.library.models import OkrTemplate
from ambit.library.specs import KR_KINDS, MAX_KEY_RESULTS, Function, KrSpec, search_text
from ambit.okrs.models import Ambition, Objective

MANAGE_DENIED = "Only the person who saved this template, a champion or an admin may change or delete it."
TEMPLATE_TEXT = {
    "title": TextRule(MAX_TITLE, required=True, single_line=True),
    "description": TextRule(MAX_LONG_TEXT),
}
AUDITED = ("function", "title", "description", "ambition", "key_results")


def can_manage_template(actor: Membership, template: OkrTemplate) -> bool:
    """Its creator (while they can write), or a champion or admin of its organisation."""
    if actor.organisation_id != template.organisation_id or not actor.can_write:
        return False
    return actor.is_org_wide_editor or (template.created_by_id is not None and template.created_by_id == actor.pk)


def require_can_manage_template(actor: Membership, template: OkrTemplate) -> None:
    require_same_org(actor, template.organisation_id)
    require_writer(actor)
    if not can_manage_template(actor, template):
        raise PermissionDenied(MANAGE_DENIED)


def _clean_function(value: Any) -> str:
    if value not in Function.values:
        raise ValidationError({"function": f"Choose a function: {', '.join(Function.values)}."})
    return str(value)


def _clean_ambition(value: Any) -> str:
    if value not in Ambition.values:
        raise ValidationError({"ambition": "Choose committed or aspirational."})
    return str(value)


def _clean_kr(index: int, raw: Mapping[str, Any]) -> KrSpec:
    """One key result, or a ValidationError keyed ``key_results.<index>.<field>``."""
    prefix = f"key_results.{index}."
    errors: dict[str, list[str]] = {}

    def keep(exc: ValidationError) -> None:
        for field, messages in exc.message_dict.items():
            errors.setdefault(prefix + field, []).extend(messages)

    title = unit = ""
    try:
        title = clean_text(raw.get("title"), field="title", max_length=MAX_TITLE, required=True, single_line=True)
    except ValidationError as exc:
        keep(exc)
    kind = str(raw.get("kind") or "increase")
    if kind not in KR_KINDS:
        keep(ValidationError({"kind": f"Choose one of: {', '.join(KR_KINDS.values())}."}))
    start: Decimal | None = None
    target: Decimal | None = None
    if kind in ("increase", "decrease"):
        try:
            unit = clean_text(raw.get("unit"), field="unit", max_length=MAX_UNIT, single_line=True)
        except ValidationError as exc:
            keep(exc)
        for name, label in (("start", "start value"), ("target", "target value")):
            try:
                value = to_decimal(raw.get(name), field=f"{name}_value", label=label, required=True)
            except ValidationError as exc:
                keep(exc)
                continue
            if name == "start":
                start = value
            else:
                target = value
        if start is not None and target is not None:
            if start == target:
                same = "The target equals the start: a key result must move something."
                keep(ValidationError({"target_value": same}))
            elif (kind == "increase") != (target > start):
                better = "decrease to" if kind == "increase" else "increase to"
                keep(
                    ValidationError(
                        {
                            "target_value": f"The target ({plain_number(target)}) goes the other way from the start "
                            f"({plain_number(start)}): use “{better}”."
                        }
                    )
                )
    if errors:
        raise ValidationError(errors)
    return KrSpec(title=title, kind=kind, start=start, target=target, unit=unit)


def clean_key_results(rows: Sequence[Mapping[str, Any]]) -> list[KrSpec]:
    """Between one and MAX_KEY_RESULTS key results, each checked; every mistake reported at once."""
    if not rows:
        raise ValidationError({"key_results": "Give the template at least one key result."})
    if len(rows) > MAX_KEY_RESULTS:
        raise ValidationError({"key_results": f"A template holds at most {MAX_KEY_RESULTS} key results."})
    errors: dict[str, list[str]] = {}
    specs: list[KrSpec] = []
    for index, raw in enumerate(rows):
        if not isinstance(raw, Mapping):
            errors[f"key_results.{index}"] = ["Give each key result as an object with its title, kind and numbers."]
            continue
        try:
            specs.append(_clean_kr(index, raw))
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    return specs


def _clean_key_results_json(rows: Any) -> list[dict[str, Any]]:
    if not isinstance(rows, list | tuple):
        raise ValidationError({"key_results": "Give the key results as a list."})
    return [kr.as_json() for kr in clean_key_results(rows)]


def _clean_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The given fields cleaned; ``key_results`` becomes its stored JSON. All mistakes at once."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    checks: dict[str, Callable[[Any], Any]] = {
        "function": _clean_function,
        "ambition": _clean_ambition,
        "key_results": _clean_key_results_json,
    }
    texts = {name: fields[name] for name in TEMPLATE_TEXT if name in fields}
    try:
        cleaned |= clean_texts(texts, TEMPLATE_TEXT)
    except ValidationError as exc:
        errors |= exc.message_dict
    for name, check in checks.items():
        if name in fields:
            try:
                cleaned[name] = check(fields[name])
            except ValidationError as exc:
                errors |= exc.message_dict
    if errors:
        raise ValidationError(errors)
    return cleaned


def _search_text(template: OkrTemplate) -> str:
    return search_text(template.title, template.description, [kr.title for kr in template.kr_specs()])


@transaction.atomic
def template_create(
    *,
    actor: Membership,
    function: str,
    title: str,
    description: str = "",
    ambition: str = Ambition.COMMITTED,
    key_results: Sequence[Mapping[str, Any]],
    source_objective: Objective | None = None,
) -> OkrTemplate:
    """A template of the actor's organisation. ``key_results``: ``{title, kind, start, target,
    unit}`` each (numbers as text or numbers). ``source_objective`` must be one the caller read
    through ``okrs.selectors.objective_get`` (visibility is the selector's rule)."""
    require_writer(actor)
    if source_objective is not None:
        require_same_org(actor, source_objective.organisation_id)
    cleaned = _clean_fields(
        {"function": function, "title": title, "description": description, "ambition": ambition}
        | {"key_results": list(key_results)}
    )
    template = OkrTemplate(
        organisation_id=actor.organisation_id, created_by=actor, source_objective=source_objective, **cleaned
    )
    template.search_text = _search_text(template)
    template.save()
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.TEMPLATE_CREATE,
        obj=template,
        changes=snapshot(template, (*AUDITED, "source_objective")),
    )
    return template


@transaction.atomic
def template_update(*, actor: Membership, template: OkrTemplate, **fields: Any) -> OkrTemplate:
    """Change any of function, title, description, ambition, key_results; saves and audits only
    what really changed."""
    require_can_manage_template(actor, template)
    unknown = set(fields) - set(AUDITED)
    if unknown:
        raise ValidationError({name: "This field cannot be changed here." for name in sorted(unknown)})
    cleaned = _clean_fields(fields)
    lock_and_refresh(template)
    changes = apply_changes(template, cleaned, AUDITED)
    if not changes:
        return template
    saved = list(changes)
    text = _search_text(template)
    if text != template.search_text:
        template.search_text = text
        saved.append("search_text")
    template.save(update_fields=[*saved, "updated_at"])
    audit_record(
        actor=actor, organisation=actor.organisation, action=AuditAction.TEMPLATE_UPDATE, obj=template, changes=changes
    )
    return template


@transaction.atomic
def template_delete(*, actor: Membership, template: OkrTemplate) -> None:
    require_can_manage_template(actor, template)
    lock_and_refresh(template)
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.TEMPLATE_DELETE,
        obj=template,
        changes=snapshot(template, ("function", "title")),
    )
    template.delete()


def key_results_from_objective(objective: Objective) -> list[dict[str, Any]]:
    """An objective's live key results shaped for a template (at most MAX_KEY_RESULTS). Kinds a
    template cannot hold become "done / not done" for the person to adjust before saving: a
    milestone checklist has no numbers, and "stay above/below" holds a level rather than moving."""
    rows: list[dict[str, Any]] = []
    live: Iterable[Any] = (kr for kr in objective.key_results.all() if not kr.is_cancelled)
    for kr in live:
        if kr.kind in ("increase", "decrease"):
            start = "" if kr.start_value is None else plain_number(kr.start_value)
            target = "" if kr.target_value is None else plain_number(kr.target_value)
            rows.append({"title": kr.title, "kind": kr.kind, "start": start, "target": target, "unit": kr.unit})
        else:
            rows.append({"title": kr.title, "kind": "binary", "start": "", "target": "", "unit": ""})
    return rows[:MAX_KEY_RESULTS]
