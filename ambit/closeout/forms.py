"""Forms of the close-out pages: they parse what was typed; the services validate and decide (their
messages land on these forms through ``ambit.core.forms.errors_on``)."""

from __future__ import annotations

from django import forms

from ambit.core.validation import MAX_REASON


class ScoreForm(forms.Form):
    # Range and the note rule are the services' (their messages name them); the browser helps.
    score = forms.FloatField(
        label="Your score (0.0–1.0)",
        required=False,
        widget=forms.NumberInput(attrs={"step": "0.05", "min": "0", "max": "1", "inputmode": "decimal"}),
    )
    note = forms.CharField(
        label="Note",
        required=False,
        help_text="Required when your score is more than 0.1 away from the suggestion.",
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": MAX_REASON}),
    )
    accept = forms.BooleanField(required=False)

    def __init__(self, *args: object, prefix_id: str = "", **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if prefix_id:
            # One form per key result and objective on the page: ids stay unique, names the service's.
            self.auto_id = f"id_{prefix_id}_%s"
