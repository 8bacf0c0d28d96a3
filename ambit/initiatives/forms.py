"""Forms of the initiative and sprint pages: they parse what was typed; the services validate and decide."""

from __future__ import annotations

from typing import Any

from django import forms

from ambit.core.forms import DateInput
from ambit.initiatives.links import MAX_LINK
from ambit.initiatives.models import InitiativeStatus
from ambit.initiatives.services import MAX_GOAL, MAX_INITIATIVE_TITLE


class InitiativeForm(forms.Form):
    title = forms.CharField(label="Initiative", max_length=MAX_INITIATIVE_TITLE)
    owner = forms.TypedChoiceField(
        label="Owner",
        coerce=int,
        required=False,
        empty_value=None,
        choices=(),
        error_messages={"invalid_choice": "Choose an owner from the list."},
    )
    status = forms.ChoiceField(label="Status", choices=InitiativeStatus.choices, initial=InitiativeStatus.PLANNED)
    due_date = forms.DateField(label="Due", required=False, widget=DateInput())
    # A plain text input: the service's rule (http or https) gives the one message on every surface.
    link_url = forms.CharField(
        label="Issue link (GitHub, GitLab or Jira)",
        required=False,
        max_length=MAX_LINK,
        widget=forms.TextInput(attrs={"inputmode": "url", "placeholder": "https://github.com/org/repo/issues/12"}),
    )

    def __init__(self, *args: Any, owners: list[tuple[int, str]], prefix_id: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", "Nobody yet"), *owners]  # type: ignore[attr-defined]
        if prefix_id:
            self.auto_id = f"id_{prefix_id}_%s"


class GoalForm(forms.Form):
    goal = forms.CharField(
        label="Sprint goal",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": MAX_GOAL}),
    )
