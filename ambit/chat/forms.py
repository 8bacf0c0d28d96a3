"""The Chat channels form. It only collects input: ``services.clean_url`` and the other cleaners are
the one place a channel is checked, and their messages land on these fields."""

from __future__ import annotations

from typing import Any

from django import forms

from ambit.accounts.models import Team
from ambit.chat.models import Service
from ambit.core.params import parse_id

ORGANISATION = ""  # the team choice that means "the whole organisation"


class ChannelForm(forms.Form):
    service = forms.ChoiceField(
        label="Service", choices=Service.choices, widget=forms.RadioSelect, initial=Service.SLACK
    )
    url = forms.CharField(
        label="Webhook URL",
        required=False,  # services.clean_url says what is missing, as it says everything else
        max_length=2000,
        widget=forms.URLInput(
            attrs={"placeholder": "https://hooks.slack.com/services/…", "autocomplete": "off", "spellcheck": "false"}
        ),
        help_text=(
            "Slack: an app's Incoming Webhook for the channel (api.slack.com/apps → Incoming Webhooks). "
            "Teams: the channel's Workflows → “Post to a channel when a webhook request is received”. "
            "Anyone with this address can post to the channel: after saving, Ambit shows only its end."
        ),
    )
    team = forms.ChoiceField(label="Posts for", required=False)
    name = forms.CharField(
        label="Channel name", required=False, max_length=150, help_text="To tell channels apart, e.g. “#platform”."
    )
    posts_digest = forms.BooleanField(label="The weekly digest", required=False, initial=True)
    posts_announcements = forms.BooleanField(label="Cycle announcements", required=False, initial=True)
    posts_standups = forms.BooleanField(
        label="The daily standup (a team's channel)",
        required=False,
        initial=True,
        help_text="Who posted, blockers first, two hours after the team's standup hour on weekdays.",
    )

    def __init__(self, *args: Any, teams: list[Team], whole_organisation: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(ORGANISATION, "The whole organisation")] if whole_organisation else []
        choices += [(str(t.pk), f"Team {t.name}") for t in teams]
        field = self.fields["team"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices
        field.required = not whole_organisation
        field.help_text = "A team's channel gets that team's digest; the organisation's gets the whole organisation's."

    def clean_team(self) -> int | None:
        return parse_id(self.cleaned_data.get("team") or None)
