"""The people page (``/settings/people/``): everyone with role, sponsor flag, manager and teams;
admins change those and deactivate or reactivate people (``services.membership_update``: the
last-admin and manager-loop rules live there). Invitations stay on ``/accounts/members/``."""

from __future__ import annotations

import functools

from django.contrib import messages
from django.db.models import Prefetch, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from ambit.accounts import services
from ambit.accounts.models import TeamMember
from ambit.accounts.selectors import membership_get, membership_list
from ambit.accounts.setup_forms import MembershipEditForm
from ambit.accounts.setup_views import champions_and_admins
from ambit.core.forms import errors_on
from ambit.core.http import MemberRequest
from ambit.core.web import member_required

editor_required = member_required(permission=functools.partial(champions_and_admins, what="see the people settings"))
EDITED_FIELDS = ("role", "is_executive_sponsor", "manager", "is_active")


@editor_required
def people(request: MemberRequest) -> HttpResponse:
    member = request.member
    q = request.GET.get("q", "").strip()[:100]
    qs = (
        membership_list(actor=member, include_inactive=True)
        .prefetch_related(
            Prefetch(
                "team_links",
                queryset=TeamMember.objects.filter(team__archived_at__isnull=True).select_related("team"),
            )
        )
        .order_by("-is_active", "user__full_name", "user__email")
    )
    if q:
        qs = qs.filter(
            Q(user__full_name__icontains=q)
            | Q(user__email__icontains=q)
            | Q(title__icontains=q)
            | Q(team_links__team__name__icontains=q)
        ).distinct()
    context = {"people": list(qs), "q": q, "can_edit": member.is_admin}
    return render(request, "accounts/setup/people.html", context)


@editor_required
@require_http_methods(["GET", "POST"])
def person_edit(request: MemberRequest, pk: int) -> HttpResponse:
    member = request.member
    person = membership_get(actor=member, membership_id=pk)
    initial = {
        "role": person.role,
        "is_executive_sponsor": person.is_executive_sponsor,
        "manager": person.manager,
        "is_active": person.is_active,
    }
    candidates = (
        membership_list(actor=member, include_inactive=True)
        .filter(Q(is_active=True) | Q(pk=person.manager_id))
        .exclude(pk=person.pk)
        .order_by("user__full_name", "user__email")
    )
    form = MembershipEditForm(request.POST or None, initial=initial, people=candidates)
    if not member.is_admin:
        for field in form.fields.values():
            field.disabled = True
    if request.method == "POST" and form.is_valid():
        changed = {k: v for k, v in form.cleaned_data.items() if k in EDITED_FIELDS and v != initial[k]}
        with errors_on(form):
            services.membership_update(actor=member, membership=person, **changed)
        if not form.errors:
            name = person.user.get_full_name()
            messages.success(request, f"{name} saved." if changed else f"Nothing changed for {name}.")
            return redirect("setup:people")
    context = {"person": person, "form": form, "can_edit": member.is_admin}
    return render(request, "accounts/setup/person_edit.html", context, status=400 if form.errors else 200)
