"""The link form: it parses what was typed; the service validates (its message lands here)."""

from __future__ import annotations

from django import forms

from ambit.present.models import DEFAULT_DAYS, MAX_DAYS, MIN_DAYS


class LinkForm(forms.Form):
    # Free text: the range and its message are the service's (``services.check_days``).
    days = forms.CharField(
        label="Works for (days)",
        initial=DEFAULT_DAYS,
        help_text=f"From {MIN_DAYS} to {MAX_DAYS} days; the link stops working after that, or when you revoke it.",
        widget=forms.NumberInput(attrs={"min": MIN_DAYS, "max": MAX_DAYS, "inputmode": "numeric"}),
    )
