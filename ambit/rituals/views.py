"""The rituals' pages: a team's standup for a day, a team's week (commitments and wins), my week
plan, and the blockers partial the objective page loads with HTMX. Each reads a fixed number of
queries whatever the size of the team; every write goes through ``ambit.rituals.services``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from ambit.core.errors import Conflict
from ambit.core.http import MemberRequest
from ambit.core.web import member_required
from ambit.rituals import selectors as sel
from ambit.rituals import services
from ambit.rituals.forms import format_lines, parse_lines
from ambit.rituals.models import Section


def _day_param(request: MemberRequest, today: dt.date) -> tuple[dt.date, str]:
    raw = request.GET.get("day") or request.POST.get("day") or ""
    if not raw:
        return today, ""
    try:
        return dt.date.fromisoformat(raw), ""
    except ValueError:
        return today, "Give the day as YYYY-MM-DD (2026-11-30): showing today instead."


def _errors(exc: ValidationError | Conflict) -> dict[str, list[str]]:
    if isinstance(exc, Conflict):
        return {exc.field or "__all__": [exc.message]}
    return {k: list(v) for k, v in exc.message_dict.items()}


def _pairs(lines: list[Any]) -> list[tuple[str, int | None]]:
    return [(line.text, line.key_result_id) for line in lines]


@member_required
@require_http_methods(["GET", "POST"])
def standup(request: MemberRequest, slug: str) -> HttpResponse:
    member = request.member
    team = sel.team_get(actor=member, slug=slug)
    today = sel.local_today(member.organisation)
    day, notice = _day_param(request, today)
    people = sel.team_people(team)
    found = sel.standups_on(actor=member, day=day, author_ids=[link.membership_id for link in people])
    in_team = any(link.membership_id == member.pk for link in people)
    can_post = in_team and member.can_write and day in (today, today - dt.timedelta(days=1))
    my_krs = list(sel.active_key_results_of(member)) if can_post else []
    mine = found.get(member.pk)
    values = {s.value: format_lines(_pairs(sel.lines_of(mine)[s.value]), my_krs) for s in Section}
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        if not can_post:
            raise PermissionDenied("Post your standup from one of your teams, on its day or the day after.")
        values = {s.value: request.POST.get(s.value, "") for s in Section}
        try:
            lines = {s.value: parse_lines(values[s.value], my_krs, field=s.value, label=s.label) for s in Section}
            if mine is None:
                services.standup_post(
                    actor=member,
                    day=day,
                    yesterday=lines["yesterday"],
                    today=lines["today"],
                    blockers=lines["blockers"],
                )
            else:
                services.standup_edit(
                    actor=member,
                    standup=mine,
                    yesterday=lines["yesterday"],
                    today=lines["today"],
                    blockers=lines["blockers"],
                )
        except (ValidationError, Conflict) as exc:
            errors, status = _errors(exc), 422
        else:
            return redirect(f"{reverse('rituals:standup', args=[team.slug])}?day={day.isoformat()}")
    rows = []
    blocker_count = 0
    for link in people:
        if link.membership_id not in found:
            continue
        by_section = sel.lines_of(found[link.membership_id])
        blocker_count += len(by_section[Section.BLOCKERS])
        parts = [{"value": s.value, "label": s.label, "lines": by_section[s.value]} for s in Section]
        rows.append({"link": link, "standup": found[link.membership_id], "parts": parts})
    fields = [
        {"name": s.value, "label": s.label, "value": values[s.value], "errors": errors.get(s.value, [])}
        for s in Section
    ]
    context = {
        "team": team,
        "day": day,
        "today": today,
        "previous_day": day - dt.timedelta(days=1),
        "next_day": day + dt.timedelta(days=1) if day < today else None,
        "rows": rows,
        "missing": [link for link in people if link.membership_id not in found],
        "blocker_count": blocker_count,
        "team_size": len(people),
        "fields": fields,
        "form_errors": errors.get("day", []) + errors.get("__all__", []),
        "can_post": can_post,
        "mine": mine,
        "my_krs": my_krs,
        "notice": notice,
    }
    return render(request, "rituals/standup.html", context, status=status)


def _week_param(request: MemberRequest, today: dt.date) -> tuple[dt.date, str]:
    try:
        return sel.parse_week(request.GET.get("week") or request.POST.get("week"), default=today), ""
    except ValueError as exc:
        return sel.monday_of(today), str(exc)


@member_required
def team_week(request: MemberRequest, slug: str) -> HttpResponse:
    member = request.member
    team = sel.team_get(actor=member, slug=slug)
    today = sel.local_today(member.organisation)
    monday, notice = _week_param(request, today)
    people = sel.team_people(team)
    plans = sel.week_plans_for(actor=member, team=team, monday=monday, author_ids=[p.membership_id for p in people])
    rows = [
        {
            "link": link,
            "plan": plans.get(link.membership_id),
            "commitments": sel.commitments_of(plans.get(link.membership_id)),
            "wins": sel.wins_of(plans.get(link.membership_id)),
        }
        for link in people
    ]
    this_monday = sel.monday_of(today)
    context = {
        "team": team,
        "monday": monday,
        "week": sel.iso_week_label(monday),
        "friday": monday + dt.timedelta(days=4),
        "previous_week": sel.iso_week_label(monday - dt.timedelta(days=7)),
        "next_week": sel.iso_week_label(monday + dt.timedelta(days=7)) if monday < this_monday else None,
        "rows": rows,
        "notice": notice,
    }
    return render(request, "rituals/team_week.html", context)


@member_required
@require_http_methods(["GET", "POST"])
def week_plan(request: MemberRequest) -> HttpResponse:
    member = request.member
    today = sel.local_today(member.organisation)
    monday = sel.monday_of(today)
    last_monday = monday - dt.timedelta(days=7)
    my_krs = list(sel.active_key_results_of(member))
    plan = sel.week_plan_of(member, monday)
    last = sel.week_plan_of(member, last_monday)
    errors: dict[str, list[str]] = {}
    status = 200
    commitments_text = format_lines(_pairs(sel.commitments_of(plan)), my_krs)
    wins_text = "\n".join(i.text for i in sel.wins_of(plan))
    wins_week = monday if today.weekday() >= 4 else last_monday
    wins_plan = plan if wins_week == monday else last
    if request.method == "POST":
        if not member.can_write:
            raise PermissionDenied("Viewers can read but not change anything.")
        action = request.POST.get("action")
        try:
            if action == "commitments":
                commitments_text = request.POST.get("commitments", "")
                items = parse_lines(commitments_text, my_krs, field="items", label="Commitments")
                services.week_set_commitments(actor=member, items=items, week_start=monday)
            elif action == "wins":
                wins_text = request.POST.get("wins", "")
                done_ids = [int(v) for v in request.POST.getlist("done") if v.isdigit()]
                wins = [line for line in wins_text.splitlines() if line.strip()]
                services.week_set_wins(actor=member, week_start=wins_week, done_ids=done_ids, wins=wins)
            else:
                raise ValidationError({"action": "Choose what to save: commitments or wins."})
        except ValidationError as exc:
            errors, status = _errors(exc), 422
            if "items" in errors:  # the service's name for the commitments (the API's body)
                errors["commitments"] = errors.pop("items")
        else:
            return redirect("rituals:week-plan")
    if wins_plan is not plan and request.method != "POST":
        wins_text = "\n".join(i.text for i in sel.wins_of(wins_plan))
    context = {
        "week": sel.iso_week_label(monday),
        "monday": monday,
        "plan": plan,
        "last": last,
        "last_week": sel.iso_week_label(last_monday),
        "commitments": sel.commitments_of(plan),
        "last_commitments": sel.commitments_of(last),
        "last_wins": sel.wins_of(last),
        "wins_week": sel.iso_week_label(wins_week),
        "wins_commitments": sel.commitments_of(wins_plan),
        "wins_open": today.weekday() >= 4 or wins_week != monday,
        "my_krs": my_krs,
        "commitments_text": commitments_text,
        "wins_text": wins_text,
        "errors": errors,
        "can_write": member.can_write,
    }
    return render(request, "rituals/week_plan.html", context, status=status)


@member_required
def objective_blockers(request: MemberRequest, pk: int) -> HttpResponse:
    groups = sel.objective_blockers(actor=request.member, objective_id=pk)
    return render(request, "rituals/partials/objective_blockers.html", {"groups": groups})
