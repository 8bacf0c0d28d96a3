"""Forms of the reflection pages: they parse what was typed; the services validate and decide
(their messages land on these forms through ``ambit.core.forms.errors_on``)."""

from __future__ import annotations

from django import forms

from ambit.retros.selectors import QUESTIONS, Target
from ambit.retros.services import MAX_ANSWER, MAX_NOTE

HELP = {
    "achieved": "What the final progress and score say, in your words.",
    "aligned": "Did they serve the objectives above them and the big moves?",
    "dependencies": "Who did you need, and did you know it when you planned?",
    "unexpected": "What you did not plan for, and why it happened.",
    "lessons": "Optional: what the next quarter's planning should keep in mind.",
}


class ReflectionForm(forms.Form):
    def __init__(self, *args: object, prefix_id: str = "", **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for name, question in QUESTIONS:
            # Required and the length are the service's rules (its messages name them).
            self.fields[name] = forms.CharField(
                label=question,
                required=False,
                help_text=HELP[name],
                widget=forms.Textarea(attrs={"rows": 3, "maxlength": MAX_ANSWER}),
            )
        if prefix_id:
            # Several forms on one page: ids stay unique, names stay the service's.
            self.auto_id = f"id_{prefix_id}_%s"


class TargetField(forms.ChoiceField):
    """The choices help the browser; any objective or key result id may be posted, and the service
    says why one is refused (the API's message, not "select a valid choice")."""

    def valid_value(self, value: object) -> bool:
        return isinstance(value, str) and value[:1] in ("o", "k") and value[1:].isascii() and value[1:].isdigit()


class DependencyForm(forms.Form):
    target = TargetField(label="Depends on")
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        help_text="What you need from them, and by when.",
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": MAX_NOTE}),
    )

    def __init__(self, *args: object, targets: list[tuple[str, list[Target]]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["target"].choices = [  # type: ignore[attr-defined]
            ("", "Pick another team's objective or key result"),
            *[(team, [(t.value, t.label) for t in group]) for team, group in targets],
        ]
