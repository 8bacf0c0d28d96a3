"""Forms of the team check-in pages: they parse what was typed; the services validate and decide
(the owner and the key result are looked up in the organisation, then checked by the service)."""

from __future__ import annotations

from django import forms

from ambit.teammeetings.models import ItemKind
from ambit.teammeetings.services import DUE_INVALID, MAX_ITEM

ITEM_KINDS = [(ItemKind.DECISION.value, "Decision"), (ItemKind.ACTION.value, "Action item")]


class ItemForm(forms.Form):
    kind = forms.ChoiceField(
        label="Kind",
        choices=ITEM_KINDS,
        error_messages={"invalid_choice": "Choose a decision or an action item."},
    )
    text = forms.CharField(label="What was decided or is to be done", strip=False, required=False)
    owner = forms.IntegerField(label="Owner (action items)", required=False, min_value=1)
    due_on = forms.DateField(label="Due (action items)", required=False, error_messages={"invalid": DUE_INVALID})
    key_result = forms.IntegerField(label="About the key result", required=False, min_value=1)

    # The length is the service's rule (its message names the limit); the browser stops there too.
    max_length = MAX_ITEM


class NoteForm(forms.Form):
    text = forms.CharField(label="Owner's note for this check-in", strip=False, required=False)


class EditForm(forms.Form):
    text = forms.CharField(label="Text", strip=False, required=False)
    owner = forms.IntegerField(label="Owner", required=False, min_value=1)
    due_on = forms.DateField(label="Due", required=False, error_messages={"invalid": DUE_INVALID})
