"""Forms of the KPI pages: they parse; the services decide (their errors land on the fields)."""

from __future__ import annotations

from typing import Any

from django import forms

from ambit.accounts.models import Membership, Team
from ambit.kpis.models import Cadence, Direction

COMPANY = ""


class KpiForm(forms.Form):
    name = forms.CharField(max_length=200)
    team = forms.ChoiceField(required=False, help_text="Leave on “Company” for a company-wide KPI.")
    owner = forms.ChoiceField(help_text="Keeps it up to date: records the readings.")
    unit = forms.CharField(max_length=24, required=False, help_text="E.g. %, €, ms, users.")
    direction = forms.ChoiceField(choices=Direction.choices)
    healthy_threshold = forms.CharField(label="Healthy at", help_text="At or past this value the KPI is healthy.")
    critical_threshold = forms.CharField(
        label="Critical at", help_text="At or past this value (the other way) it is critical; between: watch."
    )
    cadence = forms.ChoiceField(label="Update cadence", choices=Cadence.choices)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args: Any, teams: list[Team], people: list[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.teams = {str(t.pk): t for t in teams}
        self.people = {str(m.pk): m for m in people}
        team_field = self.fields["team"]
        owner_field = self.fields["owner"]
        assert isinstance(team_field, forms.ChoiceField) and isinstance(owner_field, forms.ChoiceField)
        team_field.choices = [(COMPANY, "Company"), *((str(t.pk), t.name) for t in teams)]
        owner_field.choices = [(str(m.pk), m.user.full_name or m.user.email) for m in people]

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        team_id = data.pop("team") or COMPANY
        data["team"] = self.teams.get(team_id) if team_id else None
        data["owner"] = self.people[data.pop("owner")]
        return data


class ReadingForm(forms.Form):
    value = forms.CharField(help_text="The KPI's value now.")
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class LinkForm(forms.Form):
    key_result = forms.ChoiceField(label="Key result", help_text="Its check-ins become this KPI's readings.")

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["key_result"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices
