"""Forms for mission, vision, values and big moves; the strategy services validate and write."""

from __future__ import annotations

from typing import Any

from django import forms

from ambit.accounts.forms import MemberChoiceField
from ambit.accounts.models import Membership
from ambit.accounts.selectors import membership_list


class StrategyForm(forms.Form):
    mission = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text="Why we exist.")
    vision = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text="Where we want to be in a few years."
    )


class ValueForm(forms.Form):
    name = forms.CharField(max_length=120)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class BigMoveForm(forms.Form):
    title = forms.CharField(max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    horizon_start = forms.IntegerField(min_value=2000, max_value=2200, label="First year")
    horizon_end = forms.IntegerField(min_value=2000, max_value=2200, label="Last year")
    owner = MemberChoiceField(queryset=None, required=False, empty_label="— nobody yet —")
    is_archived = forms.BooleanField(required=False, label="Archived (kept for history, hidden from planning)")

    def __init__(self, *args: Any, actor: Membership, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = membership_list(actor=actor).order_by("user__full_name", "user__email")  # type: ignore[attr-defined]
        if not editing:
            del self.fields["is_archived"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("horizon_start"), data.get("horizon_end")
        if start is not None and end is not None and end < start:
            self.add_error("horizon_end", "The last year must be the first year or later.")
        return data
