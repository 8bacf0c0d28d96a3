"""The notification preferences page and the one-click unsubscribe page.

The preferences page is the person's own (``/settings/notifications/``). The unsubscribe page
needs no login: its signed token stands for the person, and a mail client's RFC 8058 one-click
POST carries no CSRF token, so it is CSRF-exempt (it can only stop email, never start it).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from ambit.accounts.models import Membership
from ambit.core.forms import errors_on
from ambit.core.http import MemberRequest
from ambit.core.web import member_required
from ambit.notify.models import Kind
from ambit.notify.preferences import (
    PERSONAL_CHANNELS,
    chosen_channels,
    email_stop,
    membership_from_token,
    preference_of,
    preference_update,
    time_zone_names,
)

CHANNEL_LABELS = {"in_app": "In Ambit", "email": "Email"}
KIND_HELP = {
    Kind.CHECKIN_REMINDER: "On your check-in day, naming the key results not yet updated.",
    Kind.STALE: "A key result of yours (or your team's) has gone quiet.",
    Kind.EARLY_WARNING: "Confidence in a key result you look after dropped or is low.",
    Kind.DIGEST: "The organisation's and your teams' week: progress, wins, risks.",
    Kind.ANNOUNCEMENT: "A cycle starts; an objective you are part of changes state.",
}


def _field_name(kind: str) -> str:
    return f"channels_{kind}"


class PreferencesForm(forms.Form):
    """Per kind, the channels it goes out on; reminder hour and time zone (blank: the
    organisation's); email on or off. The service validates again: it is the one authority."""

    email_enabled = forms.BooleanField(
        required=False,
        label="Send me email",
        help_text="Off stops every email from Ambit, whatever is ticked below.",
    )
    reminder_hour = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Reminder hour")
    time_zone = forms.ChoiceField(required=False, label="Time zone")

    def __init__(self, *args: Any, member: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org = member.organisation
        hour, zone = self.fields["reminder_hour"], self.fields["time_zone"]
        assert isinstance(hour, forms.ChoiceField) and isinstance(zone, forms.ChoiceField)
        hour.choices = [("", f"The organisation's ({org.reminder_hour:02d}:00)")] + [
            (str(h), f"{h:02d}:00") for h in range(24)
        ]
        hour.help_text = "When your check-in reminder arrives, in your time zone."
        zone.choices = [("", f"The organisation's ({org.time_zone})")] + [
            (z, z.replace("_", " ")) for z in time_zone_names()
        ]
        zone.help_text = "Reminders and digests arrive at this zone's hours."
        for kind in Kind:
            self.fields[_field_name(kind.value)] = forms.MultipleChoiceField(
                required=False,
                label=kind.label,
                choices=[(c, CHANNEL_LABELS.get(c, c)) for c in PERSONAL_CHANNELS],
                widget=forms.CheckboxSelectMultiple,
                help_text=KIND_HELP.get(kind, ""),
            )

    def kind_fields(self) -> list[forms.BoundField]:
        return [self[_field_name(kind.value)] for kind in Kind]

    def channels(self) -> dict[str, list[str]]:
        return {kind.value: list(self.cleaned_data.get(_field_name(kind.value)) or []) for kind in Kind}


def _initial(member: Membership) -> dict[str, Any]:
    preference = preference_of(member)
    initial: dict[str, Any] = {
        "email_enabled": preference is None or preference.email_stopped_at is None,
        "reminder_hour": ""
        if preference is None or preference.reminder_hour is None
        else str(preference.reminder_hour),
        "time_zone": preference.time_zone if preference is not None else "",
    }
    for kind in Kind:
        initial[_field_name(kind.value)] = chosen_channels(preference, kind.value)
    return initial


@member_required
@require_http_methods(["GET", "POST"])
def preferences(request: MemberRequest) -> HttpResponse:
    member = request.member
    form = PreferencesForm(request.POST or None, member=member, initial=_initial(member))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            with errors_on(form):
                preference_update(
                    actor=member,
                    membership=member,
                    channels=form.channels(),
                    reminder_hour=form.cleaned_data["reminder_hour"],
                    time_zone=form.cleaned_data["time_zone"],
                    email_enabled=form.cleaned_data["email_enabled"],
                )
            if not form.errors:
                messages.success(request, "Your notification preferences are saved.")
                return redirect("notify_email:preferences")
        status = 400
    return render(request, "notify/preferences.html", {"form": form, "member": member}, status=status)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET: what the link will do, with a button. POST (the button, or a mail client's one-click
    ``List-Unsubscribe=One-Click``): stop all email to the person, and say so."""
    membership = membership_from_token(token)
    if membership is None:
        return render(request, "notify/preferences_unsubscribe.html", {"invalid": True}, status=400)
    # "person", not "membership": the base template reads "membership" as the signed-in member.
    context: dict[str, Any] = {"person": membership, "token": token}
    if request.method == "POST":
        email_stop(membership=membership)
        context["done"] = True
    else:
        preference = preference_of(membership)
        context["already"] = preference is not None and preference.email_stopped_at is not None
    return render(request, "notify/preferences_unsubscribe.html", context)
