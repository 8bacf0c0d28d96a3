"""The endpoint form. It only collects input: ``services.clean_url`` and ``clean_prefixes`` are the
one place URLs and event filters are checked, and their messages land on these fields."""

from __future__ import annotations

from django import forms

from ambit.hooks.events import event_groups


class EndpointForm(forms.Form):
    url = forms.CharField(
        label="URL",
        max_length=2000,
        widget=forms.URLInput(attrs={"placeholder": "https://example.com/ambit-events", "autocomplete": "off"}),
        help_text="Where Ambit sends each event as a signed POST. It must start with https://.",
    )
    description = forms.CharField(
        required=False, max_length=300, help_text="What receives the events, e.g. “Data warehouse sync”."
    )
    event_prefixes = forms.MultipleChoiceField(
        label="Events",
        required=False,
        choices=event_groups,
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick the kinds of events to send; tick none to send every event Ambit records.",
    )
