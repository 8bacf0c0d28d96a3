"""The daily standup and the week plan (Monday commitments, Friday wins): a team's standups for a
day, posting and changing one's own, and one's own week plan; a team's ritual settings (the
standup hour); and one's own weekly reflections, which no other token reads, whatever its role."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from ambit.api.common import actor_of
from ambit.api.schemas import Id, PageQuery, as_page, page_of, paginate, reads, writes
from ambit.core.permissions import require_writer
from ambit.rituals import reflections, services
from ambit.rituals import selectors as sel
from ambit.rituals.models import Section, Standup, WeeklyReflection, WeekPlan
from ambit.rituals.services import MAX_LINE, MAX_LINES, LineIn

router = Router(tags=["rituals"])

LINES_DOC = f"At most {MAX_LINES} lines of at most {MAX_LINE} characters each."


class LineSchema(Schema):
    text: str = Field(max_length=MAX_LINE * 4, description="One item, on one line.")
    key_result_id: Id | None = Field(None, description="One of the author's active key results, or null.")


class StandupIn(Schema):
    day: dt.date | None = Field(None, description="The organisation's local day: today (default) or yesterday.")
    yesterday: list[LineSchema] = Field(default_factory=list, max_length=MAX_LINES, description=LINES_DOC)
    today: list[LineSchema] = Field(default_factory=list, max_length=MAX_LINES, description=LINES_DOC)
    blockers: list[LineSchema] = Field(default_factory=list, max_length=MAX_LINES, description=LINES_DOC)


class StandupPatch(Schema):
    yesterday: list[LineSchema] = Field(default_factory=list, max_length=MAX_LINES, description=LINES_DOC)
    today: list[LineSchema] = Field(default_factory=list, max_length=MAX_LINES, description=LINES_DOC)
    blockers: list[LineSchema] = Field(default_factory=list, max_length=MAX_LINES, description=LINES_DOC)


class StandupOut(Schema):
    id: int
    author_id: int
    author_name: str
    day: dt.date
    yesterday: list[LineSchema]
    today: list[LineSchema]
    blockers: list[LineSchema]
    created_at: dt.datetime
    updated_at: dt.datetime


class StandupDayOut(Schema):
    team_id: int
    day: dt.date
    standups: list[StandupOut]
    not_posted: list[int] = Field(description="Membership ids of the team's people who have not posted that day.")


class DayQuery(Schema):
    day: dt.date | None = Field(None, description="Default: today in the organisation's time zone.")


class WeekQuery(Schema):
    week: str | None = Field(None, max_length=20, description="YYYY-Www or a date in the week; default this week.")


class WeekItemOut(Schema):
    id: int
    text: str
    key_result_id: int | None
    done: bool | None = Field(description="Commitments: marked from Friday on; null until then.")


class WeekPlanOut(Schema):
    week: str
    week_start: dt.date
    commitments: list[WeekItemOut]
    wins: list[WeekItemOut]
    committed_at: dt.datetime | None
    wins_shared_at: dt.datetime | None


class CommitmentsIn(Schema):
    week: str | None = Field(None, max_length=20, description="This week (default) or the next one.")
    items: list[LineSchema] = Field(default_factory=list, max_length=MAX_LINES, description=LINES_DOC)


class WinsIn(Schema):
    week: str = Field(max_length=20, description="YYYY-Www or a date in it; from the week's Friday on.")
    done_ids: list[Id] = Field(default_factory=list, max_length=MAX_LINES, description="The commitments done.")
    wins: list[str] = Field(default_factory=list, max_length=MAX_LINES, description=LINES_DOC)


def _standup_out(standup: Standup) -> dict[str, Any]:
    lines = sel.lines_of(standup)
    user = standup.author.user
    return {
        "id": standup.pk,
        "author_id": standup.author_id,
        "author_name": user.get_full_name() or user.email,
        "day": standup.day,
        **{s.value: [{"text": x.text, "key_result_id": x.key_result_id} for x in lines[s.value]] for s in Section},
        "created_at": standup.created_at,
        "updated_at": standup.updated_at,
    }


def _lines(rows: list[LineSchema]) -> list[LineIn]:
    return [LineIn(r.text, r.key_result_id) for r in rows]


def _reload(standup_id: int) -> Standup:
    return Standup.objects.select_related("author__user").prefetch_related(sel.lines_prefetch()).get(pk=standup_id)


def _plan_out(plan: WeekPlan | None, monday: dt.date) -> dict[str, Any]:
    def item(i: Any) -> dict[str, Any]:
        return {"id": i.pk, "text": i.text, "key_result_id": i.key_result_id, "done": i.done}

    return {
        "week": sel.iso_week_label(monday),
        "week_start": monday,
        "commitments": [item(i) for i in sel.commitments_of(plan)],
        "wins": [item(i) for i in sel.wins_of(plan)],
        "committed_at": plan.committed_at if plan else None,
        "wins_shared_at": plan.wins_shared_at if plan else None,
    }


def _week(actor: Any, value: str | None) -> dt.date:
    try:
        return sel.parse_week(value, default=sel.local_today(actor.organisation))
    except ValueError as exc:
        raise ValidationError({"week": str(exc)}) from None


@router.get("/teams/{team_id}/standups", response=reads(StandupDayOut), operation_id="standup_list")
def standup_list(request: HttpRequest, team_id: Id, query: Query[DayQuery]) -> Any:
    """The team's standups for a day (its people's, leads first), and who has not posted yet."""
    actor = actor_of(request)
    team = sel.team_by_id(actor=actor, team_id=team_id)
    day = query.day or sel.local_today(actor.organisation)
    people = sel.team_people(team)
    found = sel.standups_on(actor=actor, day=day, author_ids=[p.membership_id for p in people])
    for p in people:
        if p.membership_id in found:
            found[p.membership_id].author = p.membership
    return {
        "team_id": team.pk,
        "day": day,
        "standups": [_standup_out(found[p.membership_id]) for p in people if p.membership_id in found],
        "not_posted": [p.membership_id for p in people if p.membership_id not in found],
    }


@router.post("/standups", response=writes(StandupOut, 201), operation_id="standup_create")
def standup_create(request: HttpRequest, payload: StandupIn) -> Any:
    """Post my standup for today (or yesterday): 409 when it is already posted (change it instead).
    A blocker reaches my teams' leads once."""
    actor = actor_of(request)
    standup = services.standup_post(
        actor=actor,
        day=payload.day,
        yesterday=_lines(payload.yesterday),
        today=_lines(payload.today),
        blockers=_lines(payload.blockers),
    )
    return Status(201, _standup_out(_reload(standup.pk)))


@router.patch("/standups/{standup_id}", response=writes(StandupOut), operation_id="standup_update")
def standup_update(request: HttpRequest, standup_id: Id, payload: StandupPatch) -> Any:
    """Replace the lines of my standup, on its day or the day after (only its author may)."""
    actor = actor_of(request)
    require_writer(actor)
    standup = sel.standup_get(actor=actor, standup_id=standup_id)
    services.standup_edit(
        actor=actor,
        standup=standup,
        yesterday=_lines(payload.yesterday),
        today=_lines(payload.today),
        blockers=_lines(payload.blockers),
    )
    return _standup_out(_reload(standup.pk))


@router.get("/week-plan", response=reads(WeekPlanOut), operation_id="week_plan_get")
def week_plan_get(request: HttpRequest, query: Query[WeekQuery]) -> Any:
    """My week plan: commitments (with their done marks) and wins."""
    actor = actor_of(request)
    monday = _week(actor, query.week)
    return _plan_out(sel.week_plan_of(actor, monday), monday)


@router.put("/week-plan/commitments", response=writes(WeekPlanOut), operation_id="week_commitments_set")
def week_commitments_set(request: HttpRequest, payload: CommitmentsIn) -> Any:
    """Set my commitments for this week or the next (replacing the list)."""
    actor = actor_of(request)
    monday = _week(actor, payload.week)
    services.week_set_commitments(actor=actor, items=_lines(payload.items), week_start=monday)
    return _plan_out(sel.week_plan_of(actor, monday), monday)


@router.put("/week-plan/wins", response=writes(WeekPlanOut), operation_id="week_wins_set")
def week_wins_set(request: HttpRequest, payload: WinsIn) -> Any:
    """From the week's Friday on: mark which commitments are done (the others are not) and share wins."""
    actor = actor_of(request)
    monday = _week(actor, payload.week)
    services.week_set_wins(actor=actor, week_start=monday, done_ids=payload.done_ids, wins=payload.wins)
    return _plan_out(sel.week_plan_of(actor, monday), monday)


# --- A team's ritual settings ------------------------------------------------------------------


class RitualSettingsOut(Schema):
    team_id: int
    standup_hour: int = Field(description="Local hour (the organisation's time zone) of the standup, weekdays.")
    time_zone: str = Field(description="The organisation's time zone the hour is in.")
    can_change: bool = Field(description="Whether the caller may change them (the team's leads, champions, admins).")


class RitualSettingsPatch(Schema):
    standup_hour: int = Field(ge=0, le=23, description="0–23, local time; 9 by default.")


def _settings_out(actor: Any, team: Any) -> dict[str, Any]:
    return {
        "team_id": team.pk,
        "standup_hour": sel.standup_hour_of(team),
        "time_zone": actor.organisation.time_zone,
        "can_change": services.may_set_standup_hour(actor, team),
    }


@router.get("/teams/{team_id}/ritual-settings", response=reads(RitualSettingsOut), operation_id="ritual_settings_get")
def ritual_settings_get(request: HttpRequest, team_id: Id) -> Any:
    """The team's ritual settings: its standup hour, which the reminders and the chat post follow."""
    actor = actor_of(request)
    return _settings_out(actor, sel.team_by_id(actor=actor, team_id=team_id))


@router.patch(
    "/teams/{team_id}/ritual-settings", response=writes(RitualSettingsOut), operation_id="ritual_settings_update"
)
def ritual_settings_update(request: HttpRequest, team_id: Id, payload: RitualSettingsPatch) -> Any:
    """Change the team's standup hour (its leads, champions and admins)."""
    actor = actor_of(request)
    team = sel.team_by_id(actor=actor, team_id=team_id)
    services.standup_hour_set(actor=actor, team=team, standup_hour=payload.standup_hour)
    return _settings_out(actor, team)


# --- My weekly reflections ----------------------------------------------------------------------


class ReflectionOut(Schema):
    week: str = Field(description="The ISO week, e.g. 2026-W49.")
    week_start: dt.date
    learned: str = Field(description="What I learned (empty when not written).")
    in_my_way: str = Field(description="What's in my way (empty when not written).")
    saved: bool = Field(description="False when nothing is written for that week yet.")
    updated_at: dt.datetime | None


class ReflectionItemOut(ReflectionOut):
    id: int


class ReflectionIn(Schema):
    week: str | None = Field(None, max_length=20, description="This week (default) or last week: YYYY-Www or a date.")
    learned: str = Field("", max_length=reflections.MAX_TEXT * 4, description="At most 2,000 characters.")
    in_my_way: str = Field("", max_length=reflections.MAX_TEXT * 4, description="At most 2,000 characters.")


def _reflection_out(found: WeeklyReflection | None, monday: dt.date) -> dict[str, Any]:
    return {
        "week": sel.iso_week_label(monday),
        "week_start": monday,
        "learned": found.learned if found else "",
        "in_my_way": found.in_my_way if found else "",
        "saved": found is not None,
        "updated_at": found.updated_at if found else None,
    }


@router.get("/reflections", response=reads(page_of(ReflectionItemOut)), operation_id="reflection_list")
def reflection_list(request: HttpRequest, page: Query[PageQuery]) -> Any:
    """My weekly reflections (mine only, whatever the token's role), by id."""
    rows, nxt = paginate(reflections.reflection_list(actor=actor_of(request)), page)
    return as_page([{"id": r.pk, **_reflection_out(r, r.week_start)} for r in rows], nxt)


@router.get("/reflection", response=reads(ReflectionOut), operation_id="reflection_get")
def reflection_get(request: HttpRequest, query: Query[WeekQuery]) -> Any:
    """My reflection for a week (default this week): empty, with saved false, when not written."""
    actor = actor_of(request)
    monday = _week(actor, query.week)
    return _reflection_out(reflections.reflection_of(actor=actor, week_start=monday), monday)


@router.put("/reflection", response=writes(ReflectionOut), operation_id="reflection_put")
def reflection_put(request: HttpRequest, payload: ReflectionIn) -> Any:
    """Write my reflection for this week or last (in place when it exists): what I learned, what's in
    my way, at least one of them. Private: read by me, and by my manager on our 1:1's agenda."""
    actor = actor_of(request)
    monday = _week(actor, payload.week)
    found = reflections.save_reflection(
        actor=actor, week_start=monday, learned=payload.learned, in_my_way=payload.in_my_way
    )
    return _reflection_out(found, monday)
