"""Forms for the set-up wizard, the charter, the team editor and the people page. They shape
input; the rules (time zone, thresholds, levels, loops, last admin) stay in the services."""

from __future__ import annotations

import calendar
import zoneinfo
from functools import cache
from typing import Any

from django import forms

from ambit.accounts.forms import MemberChoiceField
from ambit.accounts.models import (
    CascadeMethod,
    CheckInCadence,
    ConfidenceScale,
    CycleCadence,
    Level,
    Membership,
    Role,
    Team,
    TeamKind,
)

MONTHS = [(i, calendar.month_name[i]) for i in range(1, 13)]
WEEKDAYS = [(i, calendar.day_name[i]) for i in range(7)]
HOURS = [(h, f"{h:02d}:00") for h in range(24)]


@cache
def time_zone_choices() -> list[tuple[str, str]]:
    names = sorted(n for n in zoneinfo.available_timezones() if "/" in n or n == "UTC")
    return [(n, n.replace("_", " ")) for n in names]


class TeamChoiceField(forms.ModelChoiceField[Team]):
    def label_from_instance(self, obj: Team) -> str:
        depth = int(getattr(obj, "depth", 0))
        return f"{'— ' * depth}{obj.name}"


# The charter, one form field per Organisation field, grouped for the page (label, fields, why).
def _basics() -> dict[str, forms.Field]:
    return {
        "name": forms.CharField(label="Organisation name", max_length=150),
        "time_zone": forms.ChoiceField(
            label="Time zone",
            choices=time_zone_choices,
            initial="UTC",
            help_text="Reminders, check-in deadlines and “today” follow this zone.",
        ),
        "fiscal_year_start_month": forms.TypedChoiceField(
            label="Fiscal year starts in",
            choices=MONTHS,
            coerce=int,
            initial=1,
            help_text="Cycles are cut from this month: a year starting in April has FY quarters April–June, …",
        ),
    }


def _cadence() -> dict[str, forms.Field]:
    return {
        "cycle_cadence": forms.ChoiceField(
            label="Cycle cadence",
            choices=CycleCadence.choices,
            help_text="How the fiscal year is cut into OKR cycles; quarters are the usual choice.",
        ),
        "checkin_cadence": forms.ChoiceField(
            label="Check-in cadence", choices=CheckInCadence.choices, help_text="How often people update key results."
        ),
        "reminder_weekday": forms.TypedChoiceField(
            label="Reminder day", choices=WEEKDAYS, coerce=int, help_text="The day check-in reminders go out."
        ),
        "reminder_hour": forms.TypedChoiceField(
            label="Reminder hour", choices=HOURS, coerce=int, help_text="The hour, in the organisation's time zone."
        ),
        "confidence_scale": forms.ChoiceField(
            label="Confidence scale",
            choices=ConfidenceScale.choices,
            help_text="How people say how sure they are to reach a key result.",
        ),
        "approval_required": forms.BooleanField(
            label="OKRs need approval",
            required=False,
            help_text="Members' OKRs are proposed and approved by their lead; teams' by the council.",
        ),
    }


def _levels() -> dict[str, forms.Field]:
    return {
        "levels": forms.MultipleChoiceField(
            label="Levels in use",
            choices=Level.choices,
            widget=forms.CheckboxSelectMultiple,
            help_text="Which levels have OKRs. Teams and objectives can only be created at these levels.",
        ),
        "cascade_method": forms.ChoiceField(
            label="Cascade method",
            choices=CascadeMethod.choices,
            help_text="Classic: objectives align to parents. Duality: a key result becomes a child objective.",
        ),
        "max_objectives_per_team": forms.IntegerField(
            label="Objectives per team at most",
            min_value=1,
            max_value=20,
            help_text="The quality check flags a team with more in one cycle (seed 000: three to five).",
        ),
        "max_objectives_per_person": forms.IntegerField(
            label="Individual objectives per person at most",
            min_value=1,
            max_value=20,
            help_text="The quality check flags a person with more of their own objectives in one cycle.",
        ),
    }


def _rules() -> dict[str, forms.Field]:
    return {
        "pace_on_track": forms.FloatField(
            label="On track from a gap of",
            max_value=0,
            help_text="Gap between actual and expected progress (e.g. −0.10 = 10 points behind) still on track.",
        ),
        "pace_at_risk": forms.FloatField(
            label="At risk from a gap of",
            max_value=0,
            help_text="Below the on-track gap and at or above this: at risk; below it: behind.",
        ),
        "stale_grace_days": forms.IntegerField(
            label="Stale after (days past the cadence)",
            min_value=0,
            max_value=60,
            help_text="Days after a missed check-in before a key result is called stale.",
        ),
        "sprint_length_days": forms.IntegerField(
            label="Sprint length (days)",
            min_value=1,
            max_value=60,
            help_text="New cycles are cut into sprints this long.",
        ),
        "child_blend": forms.FloatField(
            label="Blend with aligned children",
            min_value=0,
            max_value=1,
            help_text="Share (0–1) of an objective's progress taken from the objectives aligned to it.",
        ),
    }


CHARTER_GROUPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Organisation and calendar", "The name, the clock and the fiscal year.", tuple(_basics())),
    ("Rhythm", "Cycles, check-ins, reminders, confidence and approval.", tuple(_cadence())),
    ("Levels and cascading", "Which levels have OKRs and how they connect.", tuple(_levels())),
    ("Status rules", "How progress turns into on track / at risk / behind, staleness and sprints.", tuple(_rules())),
)


def _levels_in_order(values: list[str]) -> list[str]:
    return [lv for lv in Level.values if lv in values]


class _CharterBase(forms.Form):
    def clean_levels(self) -> list[str]:
        return _levels_in_order(list(self.cleaned_data.get("levels") or []))

    def disable(self) -> None:
        for field in self.fields.values():
            field.disabled = True


class CharterForm(_CharterBase):
    """Every charter setting (``services.CHARTER_FIELDS``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update({**_basics(), **_cadence(), **_levels(), **_rules()})

    def groups(self) -> list[tuple[str, str, list[forms.BoundField]]]:
        return [(title, why, [self[name] for name in names]) for title, why, names in CHARTER_GROUPS]


class SetupBasicsForm(_CharterBase):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(_basics())


class SetupCadenceForm(_CharterBase):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(_cadence())


class SetupLevelsForm(_CharterBase):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(_levels())


class SetupTeamsForm(forms.Form):
    names = forms.CharField(
        label="Departments or teams, one per line",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Each becomes a team under the company. Leave empty to skip, or use the team editor.",
    )


class SetupPeopleForm(forms.Form):
    emails = forms.CharField(
        label="Email addresses to invite",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "autocomplete": "off"}),
        help_text="One per line (or separated by commas). Each gets an invitation email. Leave empty to skip.",
    )
    role = forms.ChoiceField(label="Their role", choices=Role.choices, initial=Role.MEMBER)


class SetupCycleForm(forms.Form):
    period = forms.ChoiceField(label="First cycle", widget=forms.RadioSelect, required=False)

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = [*choices, ("", "Not now")]  # type: ignore[attr-defined]
        self.fields["period"].initial = choices[0][0] if choices else ""


class TeamForm(forms.Form):
    name = forms.CharField(label="Name", max_length=150)
    kind = forms.ChoiceField(label="Level", choices=TeamKind.choices)
    parent = TeamChoiceField(queryset=Team.objects.none(), required=False, label="Sits under", empty_label="— top —")
    description = forms.CharField(label="Description", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, teams: list[Team], levels: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kinds = [(k, label) for k, label in TeamKind.choices if k in levels]
        self.fields["kind"].choices = kinds  # type: ignore[attr-defined]
        parent = self.fields["parent"]
        assert isinstance(parent, TeamChoiceField)
        parent.queryset = Team.objects.filter(pk__in=[t.pk for t in teams])
        # Keep the tree order and indentation of ``teams`` (no second query for the labels).
        parent.choices = [("", "— top —"), *((t.pk, parent.label_from_instance(t)) for t in teams)]


class TeamMemberForm(forms.Form):
    membership = MemberChoiceField(queryset=Membership.objects.none(), label="Person", empty_label="— choose someone —")
    is_lead = forms.BooleanField(label="Leads this team", required=False)

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["membership"].queryset = people  # type: ignore[attr-defined]


class MembershipEditForm(forms.Form):
    role = forms.ChoiceField(label="Role", choices=Role.choices)
    is_executive_sponsor = forms.BooleanField(
        label="Executive sponsor", required=False, help_text="Sponsors sit on the leadership council."
    )
    manager = MemberChoiceField(
        queryset=Membership.objects.none(), required=False, label="Manager", empty_label="— none —"
    )
    is_active = forms.BooleanField(
        label="Active", required=False, help_text="Deactivated people cannot sign in to this organisation."
    )

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["manager"].queryset = people  # type: ignore[attr-defined]
