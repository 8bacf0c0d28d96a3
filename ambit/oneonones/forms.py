"""Forms of the 1:1 pages: they parse what was typed; the services validate and decide."""

from __future__ import annotations

from django import forms

from ambit.core.forms import DateInput
from ambit.oneonones.models import DEFAULT_CADENCE_DAYS, DEFAULT_HOUR, ItemKind
from ambit.oneonones.services import MAX_CADENCE, MAX_ITEM, MAX_NOTES


class StartForm(forms.Form):
    other = forms.TypedChoiceField(
        label="With",
        coerce=int,
        choices=(),
        error_messages={"invalid_choice": "Pick one of your reports or your manager from the list."},
    )
    first_on = forms.DateField(label="First meeting", widget=DateInput())
    hour = forms.IntegerField(label="Hour", min_value=0, max_value=23, initial=DEFAULT_HOUR)

    def __init__(self, *args: object, choices: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["other"].choices = choices  # type: ignore[attr-defined]


class ScheduleForm(forms.Form):
    next_on = forms.DateField(label="Next meeting", widget=DateInput())
    hour = forms.IntegerField(label="Hour", min_value=0, max_value=23)
    cadence_days = forms.IntegerField(
        label="Every (days)", min_value=1, max_value=MAX_CADENCE, initial=DEFAULT_CADENCE_DAYS
    )


class NotesForm(forms.Form):
    notes = forms.CharField(
        label="Shared notes",
        required=False,
        strip=False,
        # The length is the service's rule (its message names the limit); the browser stops there too.
        widget=forms.Textarea(attrs={"rows": 8, "maxlength": MAX_NOTES}),
    )


class ItemForm(forms.Form):
    kind = forms.ChoiceField(label="Kind", choices=ItemKind.choices)
    text = forms.CharField(label="Text", max_length=MAX_ITEM)
