"""Forms of the review pages: they parse what was typed; the services validate and decide (their
messages land on these forms through ``ambit.core.forms.errors_on``)."""

from __future__ import annotations

from django import forms

from ambit.core.forms import DateInput
from ambit.reviews.models import DEFAULT_HOUR
from ambit.reviews.services import MAX_ANSWER, MAX_DECISION


class OpenForm(forms.Form):
    meeting_on = forms.DateField(label="Meeting day", widget=DateInput())
    hour = forms.IntegerField(label="Hour (local)", min_value=0, max_value=23, initial=DEFAULT_HOUR)


def _answer(label: str, help_text: str) -> forms.CharField:
    # Required and the length are the service's rules (its messages name them); the browser helps.
    return forms.CharField(
        label=label,
        required=False,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": MAX_ANSWER}),
    )


class CommentaryForm(forms.Form):
    what_happened = _answer("What happened", "Why is it behind or at risk?")
    what_will_change = _answer("What will change", "What you will do differently from now on.")
    help_needed = _answer("What help is needed", "From whom; write “none” if you need none.")

    def __init__(self, *args: object, prefix_id: str = "", **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if prefix_id:
            # One form per key result on the page: ids stay unique, names stay the service's.
            self.auto_id = f"id_{prefix_id}_%s"


class DecisionForm(forms.Form):
    text = forms.CharField(label="Decision", max_length=MAX_DECISION, widget=forms.Textarea(attrs={"rows": 2}))
    owner = forms.TypedChoiceField(label="Owner (optional)", coerce=int, required=False, empty_value=None)
    due_on = forms.DateField(label="Due (optional)", required=False, widget=DateInput())
    key_result = forms.TypedChoiceField(label="Key result (optional)", coerce=int, required=False, empty_value=None)

    def __init__(
        self,
        *args: object,
        owners: list[tuple[int, str]],
        key_results: list[tuple[int, str]],
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["owner"].choices = [("", "No owner"), *owners]  # type: ignore[attr-defined]
        self.fields["key_result"].choices = [("", "None"), *key_results]  # type: ignore[attr-defined]
