"""A team's ritual settings page (``/standups/<team>/settings/``): the standup hour, which the
reminders and the standup's chat post follow. Anyone in the organisation reads it; the team's
leads, champions and admins change it, through ``services.standup_hour_set``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from ambit.core.http import MemberRequest
from ambit.core.web import member_required
from ambit.rituals import selectors as sel
from ambit.rituals import services
from ambit.rituals.chat_posts import POST_AFTER_HOURS, team_has_channel


@member_required
@require_http_methods(["GET", "POST"])
def standup_settings(request: MemberRequest, slug: str) -> HttpResponse:
    member = request.member
    team = sel.team_get(actor=member, slug=slug)
    hour = sel.standup_hour_of(team)
    may_change = services.may_set_standup_hour(member, team)
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        if not may_change:
            raise PermissionDenied(services.SETTINGS_DENIED)
        raw = request.POST.get("standup_hour", "").strip()
        try:
            if not raw.isdigit():
                raise ValidationError({"standup_hour": services.HOUR_MESSAGE})
            services.standup_hour_set(actor=member, team=team, standup_hour=int(raw))
        except ValidationError as exc:
            errors = exc.message_dict.get("standup_hour", exc.messages)
            status = 422
        else:
            messages.success(request, f"{team.name}'s standup is now at {int(raw):02d}:00.")
            return redirect("rituals:standup-settings", team.slug)
    context = {
        "team": team,
        "hour": hour,
        "hours": list(range(24)),
        "may_change": may_change,
        "errors": errors,
        "time_zone": member.organisation.time_zone,
        "has_channel": team_has_channel(team),
        "post_hour": (hour + POST_AFTER_HOURS) % 24,
    }
    return render(request, "rituals/settings.html", context, status=status)
