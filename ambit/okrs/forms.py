"""Browser forms for OKRs. They collect and shape input; the services validate it and write.

Choice fields are filled from selectors scoped to the acting member, so a form can never offer
another organisation's people, teams, cycles or objectives.
"""

from __future__ import annotations

from typing import Any

from django import forms

from ambit.accounts.forms import MemberChoiceField
from ambit.accounts.models import Membership, Team
from ambit.accounts.selectors import membership_list, team_list
from ambit.core.forms import DateInput
from ambit.okrs.models import (
    Ambition,
    Cycle,
    CycleKind,
    CycleState,
    KeyResultKind,
    Objective,
    ObjectiveState,
    UnitKind,
    Visibility,
)
from ambit.okrs.selectors import cycle_list
from ambit.strategy.models import BigMove
from ambit.strategy.selectors import big_move_list


class ObjectiveChoiceField(forms.ModelChoiceField[Objective]):
    def label_from_instance(self, obj: Objective) -> str:
        team = obj.team.name if obj.team is not None else "individual"
        return f"{obj.title} ({team}, {obj.cycle.name})"


class ObjectiveForm(forms.Form):
    title = forms.CharField(max_length=300, widget=forms.TextInput(attrs={"autofocus": True}))
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    cycle: forms.ModelChoiceField[Cycle] = forms.ModelChoiceField(queryset=None, empty_label=None)
    owner = MemberChoiceField(queryset=None, empty_label=None)
    team: forms.ModelChoiceField[Team] = forms.ModelChoiceField(
        queryset=None,
        required=False,
        empty_label="— none: an individual objective —",
    )
    theme: forms.ModelChoiceField[BigMove] = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label="Big move",
        empty_label="— none —",
    )
    ambition = forms.ChoiceField(choices=Ambition.choices, initial=Ambition.COMMITTED)
    visibility = forms.ChoiceField(choices=Visibility.choices, initial=Visibility.PUBLIC)
    state = forms.ChoiceField(
        choices=[(s, ObjectiveState(s).label) for s in ("draft", "proposed", "active")],
        initial=ObjectiveState.DRAFT,
        label="Start as",
    )
    plan_start = forms.DateField(
        required=False,
        label="Plan starts",
        widget=DateInput(),
        help_text="The day its pace counts from. Empty: the cycle start, or the day it is created if later.",
    )
    parent = ObjectiveChoiceField(
        queryset=None,
        required=False,
        label="Aligned to",
        empty_label="— not aligned yet —",
    )

    def __init__(self, *args: Any, actor: Membership, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cycle"].queryset = cycle_list(actor=actor).exclude(state=CycleState.CLOSED)  # type: ignore[attr-defined]
        self.fields["owner"].queryset = membership_list(actor=actor).order_by("user__full_name", "user__email")  # type: ignore[attr-defined]
        # Only teams of the charter's levels in use (and not archived: ``team_list``).
        teams = team_list(actor=actor).filter(kind__in=actor.organisation.levels)
        self.fields["team"].queryset = teams.order_by("name")  # type: ignore[attr-defined]
        self.fields["theme"].queryset = big_move_list(actor=actor)  # type: ignore[attr-defined]
        if editing:
            for name in ("cycle", "state", "parent"):
                del self.fields[name]
        elif actor.organisation.cascade_method == "duality":
            del self.fields["parent"]  # the charter cascades key results; nothing aligns
        else:
            from ambit.okrs.selectors import objective_base

            self.fields["parent"].queryset = (  # type: ignore[attr-defined]
                objective_base(actor=actor)
                .exclude(state=ObjectiveState.CANCELLED)
                # A closed cycle is history: nothing new aligns to its objectives.
                .exclude(cycle__state=CycleState.CLOSED)
                .select_related("team", "cycle")
                .order_by("cycle__start_date", "level", "title")
            )


class KeyResultForm(forms.Form):
    title = forms.CharField(max_length=300)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    kind = forms.ChoiceField(choices=KeyResultKind.choices, initial=KeyResultKind.INCREASE)
    # Numbers stay text here so the service's messages (which name the fix) reach the person.
    start_value = forms.CharField(required=False, help_text="Where you are today.")
    target_value = forms.CharField(required=False)
    stretch_target = forms.CharField(required=False, help_text="Optional: beyond the target.")
    unit = forms.CharField(max_length=24, required=False, help_text='Shown after the value: "%", "€", "users".')
    unit_kind = forms.ChoiceField(choices=UnitKind.choices, initial=UnitKind.NUMBER, label="Unit kind")
    weight = forms.FloatField(initial=1.0, min_value=0.01, help_text="Relative weight in the objective (1 = normal).")
    owner = MemberChoiceField(queryset=None, empty_label=None)
    milestones = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One milestone per line (milestone checklists only).",
    )
    add_milestone = forms.CharField(
        required=False, max_length=300, label="Add a milestone", help_text="Milestone checklists only."
    )
    plan_start = forms.DateField(
        required=False,
        label="Plan starts",
        widget=DateInput(),
        help_text="The day its pace counts from. Empty: the cycle start, or the day it is created if later.",
    )
    progress_from_initiatives = forms.BooleanField(
        required=False,
        label="Count its initiatives toward its progress",
        help_text="Progress = share of its initiatives done",
    )

    VALUE_FIELDS = ("start_value", "target_value", "stretch_target", "unit", "unit_kind")

    def __init__(self, *args: Any, actor: Membership, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = membership_list(actor=actor).order_by("user__full_name", "user__email")  # type: ignore[attr-defined]
        del self.fields["add_milestone" if not editing else "milestones"]

    def milestone_titles(self) -> list[str]:
        raw = self.cleaned_data.get("milestones") or ""
        return [line.strip() for line in raw.splitlines() if line.strip()]

    def service_fields(self) -> dict[str, Any]:
        """Cleaned data shaped for the services: value fields only for the kinds that use them."""
        data = self.cleaned_data
        kind = data["kind"]
        out: dict[str, Any] = {
            "title": data["title"],
            "description": data.get("description", ""),
            "kind": kind,
            "weight": data["weight"],
            "owner": data["owner"],
            "plan_start": data.get("plan_start"),
            "progress_from_initiatives": bool(data.get("progress_from_initiatives")),
        }
        if kind in (KeyResultKind.MILESTONES, KeyResultKind.BINARY):
            out.update(start_value=None, target_value=None, stretch_target=None, unit="", unit_kind=UnitKind.NUMBER)
        else:
            for name in self.VALUE_FIELDS:
                out[name] = data.get(name)
        return out


# How many key results the new-objective form takes at once (PRODUCT.md: three to five per objective).
KR_ROWS = 5
ROW_KINDS = [
    (k, KeyResultKind(k).label) for k in (KeyResultKind.INCREASE, KeyResultKind.DECREASE, KeyResultKind.BINARY)
]


class KeyResultRowForm(forms.Form):
    """One key-result row of the new-objective form. A row left blank is skipped; the numbers stay
    text so the service's messages (which name the fix) reach the person."""

    title = forms.CharField(max_length=300, required=False, label="Key result")
    kind = forms.ChoiceField(choices=ROW_KINDS, initial=KeyResultKind.INCREASE)
    start_value = forms.CharField(required=False, label="Start")
    target_value = forms.CharField(required=False, label="Target")
    unit = forms.CharField(max_length=24, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        filled = any((data.get(name) or "").strip() for name in ("start_value", "target_value", "unit"))
        if not (data.get("title") or "").strip() and filled:
            self.add_error("title", "Give this key result a title, or clear its row.")
        return data

    @property
    def is_blank(self) -> bool:
        return not (self.cleaned_data.get("title") or "").strip()

    def service_fields(self) -> dict[str, Any]:
        """The row shaped for ``key_result_create``: a yes/no key result has no numbers."""
        data = self.cleaned_data
        out: dict[str, Any] = {"title": data["title"], "kind": data["kind"]}
        if data["kind"] != KeyResultKind.BINARY:
            out.update(start_value=data["start_value"], target_value=data["target_value"], unit=data["unit"])
        return out


KeyResultRowFormSet = forms.formset_factory(
    KeyResultRowForm, extra=KR_ROWS, max_num=KR_ROWS, absolute_max=KR_ROWS, validate_max=True
)


class AlignForm(forms.Form):
    """Validates a chosen parent and weight. The parent is picked from a bounded search (see
    ``okrs/partials/align_picker.html``), so the field is never drawn as a list of every candidate:
    its queryset is only filtered by the posted id."""

    parent = ObjectiveChoiceField(
        queryset=None,
        label="Align to",
        empty_label=None,
        widget=forms.HiddenInput,
    )
    weight = forms.FloatField(initial=1.0, min_value=0.01, help_text="How much this objective counts for the parent.")

    def __init__(self, *args: Any, candidates: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = candidates  # type: ignore[attr-defined]


class CascadeForm(forms.Form):
    title = forms.CharField(max_length=300, help_text="The key result becomes this objective at the next level.")
    owner = MemberChoiceField(queryset=None, empty_label=None)
    team: forms.ModelChoiceField[Team] = forms.ModelChoiceField(
        queryset=None,
        required=False,
        empty_label="— none: an individual objective —",
    )
    state = forms.ChoiceField(
        choices=[(s, ObjectiveState(s).label) for s in ("draft", "proposed", "active")], initial="draft"
    )
    progress_from_child = forms.BooleanField(
        required=False,
        initial=True,
        label="The key result takes its progress from the new objective",
    )

    def __init__(self, *args: Any, actor: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = membership_list(actor=actor).order_by("user__full_name", "user__email")  # type: ignore[attr-defined]
        # Only teams of the charter's levels in use (and not archived: ``team_list``).
        teams = team_list(actor=actor).filter(kind__in=actor.organisation.levels)
        self.fields["team"].queryset = teams.order_by("name")  # type: ignore[attr-defined]


class CancelForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="Why is it cancelled? The reason stays in the objective's history.",
    )


class StateForm(forms.Form):
    state = forms.ChoiceField(choices=ObjectiveState.choices)
    note = forms.CharField(required=False, max_length=2000)


class CycleForm(forms.Form):
    name = forms.CharField(max_length=80)
    kind = forms.ChoiceField(choices=CycleKind.choices, initial=CycleKind.QUARTER)
    parent: forms.ModelChoiceField[Cycle] = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label="Inside annual cycle",
        empty_label="— none —",
    )
    start_date = forms.DateField(widget=DateInput())
    end_date = forms.DateField(widget=DateInput())
    state = forms.ChoiceField(choices=CycleState.choices, initial=CycleState.PLANNING)

    def __init__(self, *args: Any, actor: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = cycle_list(actor=actor, kind=CycleKind.ANNUAL)  # type: ignore[attr-defined]


def objective_initial(objective: Objective) -> dict[str, Any]:
    return {
        "title": objective.title,
        "description": objective.description,
        "owner": objective.owner_id,
        "team": objective.team_id,
        "theme": objective.theme_id,
        "ambition": objective.ambition,
        "visibility": objective.visibility,
        "plan_start": objective.plan_start,
    }
