"""The first-run wizard (``/setup/``) and the charter page (``/settings/charter/``).

Each wizard step is a plain form with Back and Next; saving a step writes through the services
and records the step on the organisation, so a reload or a later visit resumes where it stopped.
Champions walk the wizard and see the charter; admins alone change the charter, teams and people
(``core.permissions``: the one place for that rule), so champions see those steps read-only.
"""

from __future__ import annotations

import functools
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from ambit.accounts import setup
from ambit.accounts.middleware import SESSION_KEY
from ambit.accounts.models import Membership
from ambit.accounts.selectors import team_tree
from ambit.accounts.services import CHARTER_FIELDS, organisation_update
from ambit.accounts.setup_forms import (
    CharterForm,
    SetupBasicsForm,
    SetupCadenceForm,
    SetupCycleForm,
    SetupLevelsForm,
    SetupPeopleForm,
    SetupTeamsForm,
)
from ambit.accounts.setup_hooks import cycle_planner
from ambit.core.errors import Conflict
from ambit.core.forms import errors_on
from ambit.core.http import MemberRequest
from ambit.core.permissions import require_org_editor
from ambit.core.web import acting_member, member_required, site_url


def champions_and_admins(member: Membership, *, what: str) -> None:
    """These pages are read by champions and admins (never viewers); the services decide the writes."""
    if not member.is_org_wide_editor:
        raise PermissionDenied(
            f"Only OKR champions and admins may {what}. Ask one of them if something needs changing."
        )


editor_required = member_required(permission=functools.partial(champions_and_admins, what="set up the organisation"))
charter_reader = member_required(permission=functools.partial(champions_and_admins, what="see the OKR charter"))

CHARTER_STEPS: dict[int, type[forms.Form]] = {1: SetupBasicsForm, 2: SetupCadenceForm, 3: SetupLevelsForm}


def _charter_initial(org: Any, names: Any) -> dict[str, Any]:
    return {name: getattr(org, name) for name in names}


def _step_url(step: int) -> str:
    return reverse("setup:step", args=[step])


@require_http_methods(["GET", "POST"])
def setup_home(request: HttpRequest) -> HttpResponse:
    """Someone without an organisation starts one here; a champion or admin resumes its set-up."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    member = acting_member(request)
    if member is not None:
        champions_and_admins(member, what="set up the organisation")
        org = member.organisation
        if org.setup_completed_at is not None:
            return redirect("setup:done")
        return redirect("setup:step", step=min(org.setup_step + 1, setup.LAST_STEP))
    form = SetupBasicsForm(request.POST or None, initial={"time_zone": "UTC", "fiscal_year_start_month": 1})
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            org = setup.setup_start(user=request.user, **form.cleaned_data)
        if not form.errors:
            membership = org.memberships.get(user=request.user)
            request.session[SESSION_KEY] = membership.pk
            messages.success(request, f"{org.name} is set up, with you as its admin. Next: the cadence.")
            return redirect("setup:step", step=2)
    context = {"form": form, "step": 1, "steps": setup.STEPS, "new_org": True, "can_edit": True}
    return render(request, "accounts/setup/step.html", context, status=400 if form.errors else 200)


@editor_required
@require_http_methods(["GET", "POST"])
def setup_step(request: MemberRequest, step: int) -> HttpResponse:
    member = request.member
    org = member.organisation
    if step not in dict(setup.STEPS):
        raise Http404("The set-up has steps 1 to 6.")
    # The charter steps are the champions' too (only renaming is the admins'); teams and people are admins'.
    can_edit = member.is_org_wide_editor if step in CHARTER_STEPS else member.is_admin
    planner = cycle_planner()
    context: dict[str, Any] = {"step": step, "steps": setup.STEPS, "can_edit": can_edit, "org": org}
    form: forms.Form
    if step in CHARTER_STEPS:
        form_class = CHARTER_STEPS[step]
        initial = _charter_initial(org, form_class().fields)
        form = form_class(request.POST or None, initial=initial)
        if not can_edit:
            form.disable()  # type: ignore[attr-defined]
        elif not member.is_admin and "name" in form.fields:
            form.fields["name"].disabled = True
        if request.method == "POST" and form.is_valid():
            if can_edit:
                changed = {k: v for k, v in form.cleaned_data.items() if v != initial[k]}
                with errors_on(form):
                    organisation_update(actor=member, **changed)
            if not form.errors:
                setup.setup_step_save(actor=member, step=step)
                return redirect("setup:step", step=step + 1)
    elif step == 4:
        form = SetupTeamsForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            created: list[Any] = []
            if can_edit and form.cleaned_data["names"].strip():
                with errors_on(form):
                    created = setup.setup_teams_create(actor=member, names=form.cleaned_data["names"])
            if not form.errors:
                if created:
                    messages.success(request, f"{len(created)} team{'s' if len(created) != 1 else ''} created.")
                setup.setup_step_save(actor=member, step=step)
                return redirect("setup:step", step=5)
        context["teams"] = team_tree(actor=member)
    elif step == 5:
        form = SetupPeopleForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            count = 0
            if can_edit and form.cleaned_data["emails"].strip():
                with errors_on(form):
                    count = setup.setup_invite(
                        actor=member,
                        emails=form.cleaned_data["emails"],
                        role=form.cleaned_data["role"],
                        base_url=site_url(request),
                    )
            if not form.errors:
                if count:
                    messages.success(request, f"{count} invitation{'s' if count != 1 else ''} sent.")
                setup.setup_step_save(actor=member, step=step)
                return redirect("setup:step", step=6)
    else:
        choices = planner.choices(org)
        open_choices = [(c.key, c.label) for c in choices if not c.exists]
        form = SetupCycleForm(request.POST or None, choices=open_choices)
        if request.method == "POST" and form.is_valid():
            key = form.cleaned_data["period"]
            if key:
                try:
                    name = planner.create(member, key)
                except (Conflict, ValidationError) as exc:
                    form.add_error("period", exc.message if isinstance(exc, Conflict) else "; ".join(exc.messages))
                else:
                    messages.success(request, f"Cycle “{name}” created, in planning.")
            if not form.errors:
                setup.setup_finish(actor=member)
                return redirect("setup:done")
        context["existing_periods"] = [c for c in choices if c.exists]
        context["cycle_count"] = planner.cycle_count(org)
    context["form"] = form
    return render(request, "accounts/setup/step.html", context, status=400 if form.errors else 200)


@editor_required
def setup_done(request: MemberRequest) -> HttpResponse:
    return render(request, "accounts/setup/done.html", {"org": request.member.organisation})


def _display(form: CharterForm, name: str, value: Any) -> str:
    field = form.fields[name]
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        labels = dict(getattr(field, "choices", []))
        return ", ".join(str(labels.get(v, v)) for v in value) or "none"
    choices = dict(getattr(field, "choices", []) or [])
    return str(choices.get(value, value))


@charter_reader
@require_http_methods(["GET", "POST"])
def charter(request: MemberRequest) -> HttpResponse:
    """Every charter setting, grouped and explained; champions and admins change it (only admins rename)."""
    member = request.member
    org = member.organisation
    initial = _charter_initial(org, CHARTER_FIELDS)
    form = CharterForm(request.POST or None, initial=initial)
    if not member.is_org_wide_editor:
        form.disable()
    elif not member.is_admin:
        form.fields["name"].disabled = True  # renaming is the admins'
    if request.method == "POST":
        require_org_editor(member, "change the OKR charter")
        if form.is_valid():
            changed = {k: v for k, v in form.cleaned_data.items() if v != initial[k]}
            with errors_on(form):
                organisation_update(actor=member, **changed)
            if not form.errors:
                if changed:
                    lines = [
                        f"{form.fields[k].label}: {_display(form, k, initial[k])} → {_display(form, k, v)}"
                        for k, v in changed.items()
                    ]
                    messages.success(request, "Charter saved. Changed: " + "; ".join(lines) + ".")
                else:
                    messages.info(request, "Nothing changed.")
                return redirect("setup:charter")
    context = {"form": form, "org": org, "can_edit": member.is_org_wide_editor, "periods": cycle_planner().choices(org)}
    return render(request, "accounts/setup/charter.html", context, status=400 if form.errors else 200)


@charter_reader
@require_POST
def charter_cycle_create(request: MemberRequest) -> HttpResponse:
    """Create the charter's current or next period as a cycle (champions and admins)."""
    key = request.POST.get("period", "")
    try:
        name = cycle_planner().create(request.member, key)
    except Conflict as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    else:
        messages.success(request, f"Cycle “{name}” created, in planning.")
    return redirect("setup:charter")
