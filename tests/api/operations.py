"""Every operation of the API with real path ids and a valid body, for tests that walk them all."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from ambit.api.api import api
from ambit.discussion.models import Comment
from tests.api.conftest import Multipart

PREFIX = "/api/v1/"


@cache
def schema() -> dict[str, Any]:
    return api.get_openapi_schema(path_prefix=PREFIX)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    operation_id: str
    has_body: bool  # a JSON body
    success: int
    multipart: bool = False  # a multipart/form-data body (file uploads): see MULTIPART_BODIES

    @property
    def params(self) -> list[str]:
        return re.findall(r"{(\w+)}", self.path)

    @property
    def is_write(self) -> bool:
        return self.method not in ("GET", "HEAD", "OPTIONS")


def operations() -> Iterator[Operation]:
    for path, methods in schema()["paths"].items():
        for method, op in methods.items():
            codes = sorted(int(c) for c in op["responses"] if str(c).startswith("2"))
            content = op.get("requestBody", {}).get("content", {})
            multipart = "multipart/form-data" in content
            yield Operation(
                method.upper(), path, op["operationId"], "requestBody" in op and not multipart, codes[0], multipart
            )


# Which object each path parameter names, per operation when the default does not fit
# (deleting needs something deletable; milestones need a milestone checklist).
DEFAULT_PARAMS: dict[str, Callable[[Any, Any], int]] = {
    "objective_id": lambda w, d: d.team_obj.pk,
    "key_result_id": lambda w, d: d.kr.pk,
    "cycle_id": lambda w, d: w.cycle.pk,
    "sprint_id": lambda w, d: d.sprint.pk,
    "member_id": lambda w, d: w.member.pk,
    "invitation_id": lambda w, d: d.invitation.pk,
    "team_id": lambda w, d: w.team.pk,
    "value_id": lambda w, d: d.value.pk,
    "big_move_id": lambda w, d: d.spare_move.pk,
    "parent_id": lambda w, d: d.company_obj.pk,
    "kpi_id": lambda w, d: _kpi_of(w),  # the team KPI build_okr_data makes (issue 16)
    "comment_id": lambda w, d: _comment(d.team_obj),
    # The lead's 1:1 with the member build_okr_data makes, and its action item (issue 16).
    "one_on_one_id": lambda w, d: _one_on_one_of(w),
    "item_id": lambda w, d: _one_on_one_item_of(w),
    "standup_id": lambda w, d: _standup_of(w),  # the admin's standup build_okr_data makes (issue 16)
    # The open monthly review build_okr_data makes, and its decision (issue 16).
    "review_id": lambda w, d: _review_of(w),
    "decision_id": lambda w, d: _review_decision_of(w),
    # Platform's open check-in build_okr_data makes, and its action item for the member (issue 16).
    "team_meeting_id": lambda w, d: _team_meeting_of(w),
    "team_meeting_item_id": lambda w, d: _team_meeting_item_of(w),
    "initiative_id": lambda w, d: _initiative_of(d),  # the initiative build_okr_data makes (issue 16)
    "dependency_id": lambda w, d: _dependency_of(d),  # Platform's on the company's ARR (issue 17)
    "trash_item_id": lambda w, d: _trash_item_of(w),  # the member's objective in the trash (issue 17)
    "link_id": lambda w, d: _presentation_link_of(w),  # the live link build_okr_data makes (issue 17)
}
PARAM_OVERRIDES: dict[str, dict[str, Callable[[Any, Any], int]]] = {
    # Platform's check-in is open already (one at a time): the walk starts Sales'.
    "team_meeting_start": {"team_id": lambda w, d: w.other_team.pk},
    "objective_delete": {"objective_id": lambda w, d: d.company_obj.pk},
    "key_result_delete": {"key_result_id": lambda w, d: d.milestone_kr.pk},
    "milestone_add": {"key_result_id": lambda w, d: d.milestone_kr.pk},
    "team_delete": {"team_id": lambda w, d: w.other_team.pk},
    # Approval (issue 15): a draft to propose or approve, a proposal to send back.
    "objective_propose": {"objective_id": lambda w, d: d.spare_obj.pk},
    "objective_approve": {"objective_id": lambda w, d: d.spare_obj.pk},
    "objective_send_back": {"objective_id": lambda w, d: _proposed(d.spare_obj)},
    # Closing the quarter (issue 17): reminders to score go out while the cycle is in review.
    "scoring_remind": {"cycle_id": lambda w, d: _in_review(w.cycle)},
}


def _in_review(cycle: Any) -> int:
    """``cycle`` moved to review in place (no audit entry, no row added), as scoring needs."""
    type(cycle).objects.filter(pk=cycle.pk).update(state="review")
    return int(cycle.pk)


def _proposed(objective: Any) -> int:
    """``objective`` made a proposal in place (no audit entry, no row added: the walks compare row
    counts), so sending it back has something to act on."""
    type(objective).objects.filter(pk=objective.pk).update(state="proposed")
    return int(objective.pk)


def _one_on_one_of(world: Any) -> int:
    from ambit.oneonones.models import OneOnOne

    return int(OneOnOne.objects.filter(manager=world.lead, report=world.member).values_list("pk", flat=True)[0])


def _one_on_one_item_of(world: Any) -> int:
    from ambit.oneonones.models import Item

    found = Item.objects.filter(meeting__one_on_one__manager=world.lead, meeting__one_on_one__report=world.member)
    return int(found.order_by("pk").values_list("pk", flat=True)[0])


def _dependency_of(data: Any) -> int:
    """The dependency ``build_okr_data`` declared for Platform's objective (issue 17); once a walk
    has removed it, an id that is no longer there (a 404, as for any removed object)."""
    from ambit.retros.models import Dependency

    found = Dependency.objects.filter(objective=data.team_obj).order_by("pk").values_list("pk", flat=True).first()
    return int(found) if found is not None else 2**31


def _next_quarter(world: Any) -> int:
    """The quarter after the walk's, which build_okr_data makes (the rollover target)."""
    from ambit.okrs.models import Cycle

    return int(Cycle.objects.get(organisation=world.org, name="Rollover quarter").pk)


def _presentation_link_of(world: Any) -> int:
    from ambit.present.models import PresentationLink

    return int(PresentationLink.objects.filter(organisation=world.org).order_by("pk").values_list("pk", flat=True)[0])


def _trash_item_of(world: Any) -> int:
    """The deleted objective ``build_okr_data`` put in the trash (issue 17); once a walk has restored
    or deleted it, an id that is no longer there (a 404)."""
    from ambit.trash.models import TrashItem

    found = TrashItem.objects.filter(organisation=world.org).order_by("pk").values_list("pk", flat=True).first()
    return int(found) if found is not None else 2**31


def _comment(objective: Any) -> int:
    """The admin's comment ``build_okr_data`` left on the objective (issue 16)."""
    return int(Comment.objects.filter(objective=objective).order_by("pk").values_list("pk", flat=True)[0])


def _today(world: Any) -> dt.date:
    from ambit.rituals.selectors import local_today

    return local_today(world.org)


def _standup_of(world: Any) -> int:
    from ambit.rituals.models import Standup

    return int(Standup.objects.get(author=world.admin).pk)


def _last_week(world: Any) -> str:
    """Last ISO week in the organisation's time zone: its Friday has passed, so wins may be shared."""
    from ambit.rituals.selectors import iso_week_label, local_today, monday_of

    return iso_week_label(monday_of(local_today(world.org)) - dt.timedelta(days=7))


def _initiative_of(data: Any) -> int:
    from ambit.initiatives.models import Initiative

    found = Initiative.objects.filter(key_result=data.kr).order_by("pk").values_list("pk", flat=True).first()
    # Deleted (into the trash) by an earlier example of the same schema run: a 404.
    return int(found) if found is not None else 2**31


def _team_meeting_of(world: Any) -> int:
    from ambit.teammeetings.models import TeamMeeting

    return int(TeamMeeting.objects.filter(team=world.team).values_list("pk", flat=True)[0])


def _team_meeting_item_of(world: Any) -> int:
    from ambit.teammeetings.models import TeamMeetingItem

    found = TeamMeetingItem.objects.filter(team=world.team).order_by("pk").values_list("pk", flat=True).first()
    # Deleted by an earlier example of the same schema run: an id that no longer exists (a 404).
    return int(found) if found is not None else 2**31


def _review_of(world: Any) -> int:
    from ambit.reviews.models import Review

    return int(Review.objects.filter(organisation=world.org).values_list("pk", flat=True)[0])


def _review_decision_of(world: Any) -> int:
    """The review's decision; once a walk has deleted it (schemathesis repeats a call), an id that
    names none, so the repeat meets the documented 404."""
    from ambit.reviews.models import Decision

    found = Decision.objects.filter(organisation=world.org).order_by("pk").values_list("pk", flat=True).first()
    return int(found) if found is not None else 2**31


def _kpi_of(world: Any) -> int:
    from ambit.kpis.models import Kpi

    return int(Kpi.objects.filter(organisation=world.org).values_list("pk", flat=True).get())


_REFLECTION = {
    "achieved": "Mostly",
    "aligned": "Yes",
    "dependencies": "Not all of them",
    "unexpected": "A large customer's integration",
    "lessons": "Declare dependencies in planning",
}
BODIES: dict[str, Callable[[Any, Any], dict[str, Any]]] = {
    "organisation_update": lambda w, d: {"name": "Acme Corp", "confidence_scale": "0-1"},
    "invitation_create": lambda w, d: {"email": "new@acme.test", "role": "member", "send_email": False},
    "member_update": lambda w, d: {"title": "Engineer", "manager_id": w.lead.pk},
    "team_create": lambda w, d: {"name": "Data", "parent_id": w.company.pk},
    "team_update": lambda w, d: {"description": "Builds the platform"},
    "team_member_set": lambda w, d: {"is_lead": True},
    "strategy_update": lambda w, d: {"mission": "Help teams focus"},
    "value_create": lambda w, d: {"name": "Candour"},
    "value_update": lambda w, d: {"description": "Say it kindly"},
    "big_move_create": lambda w, d: {"title": "Go global", "horizon_start": 2026, "horizon_end": 2028},
    "big_move_update": lambda w, d: {"is_archived": True},
    "cycle_create": lambda w, d: {
        "name": "Next quarter",
        "start_date": (w.cycle.end_date + dt.timedelta(days=1)).isoformat(),
        "end_date": (w.cycle.end_date + dt.timedelta(days=91)).isoformat(),
    },
    "cycle_update": lambda w, d: {"name": "This quarter"},
    "cycle_transition": lambda w, d: {"state": "review"},
    "objective_create": lambda w, d: {
        "cycle_id": w.cycle.pk,
        "title": "Delight customers",
        "team_id": w.team.pk,
        "parents": [{"parent_id": d.company_obj.pk, "weight": 1}],
    },
    "objective_update": lambda w, d: {"title": "Ship the new platform", "owner_id": w.lead.pk},
    "objective_set_state": lambda w, d: {"state": "closed"},
    "objective_cancel": lambda w, d: {"reason": "Superseded"},
    "objective_score": lambda w, d: {"score": 0.7, "note": "Good quarter"},
    "alignment_add": lambda w, d: {"parent_id": d.spare_obj.pk, "weight": 0.5},
    "key_result_create": lambda w, d: {
        "title": "Latency p95",
        "kind": "decrease",
        "start_value": 300,
        "target_value": 150,
    },
    "key_result_update": lambda w, d: {"title": "Weekly active users"},
    "key_result_cancel": lambda w, d: {"reason": "Wrong metric"},
    "key_result_score": lambda w, d: {"score": 0.4, "note": "Agreed at the review"},
    "scoring_remind": lambda w, d: {},
    "milestone_add": lambda w, d: {"title": "Docs"},
    "objective_create_from_key_result": lambda w, d: {"title": "Grow weekly users", "team_id": w.team.pk},
    "check_in_create": lambda w, d: {"value": 80, "confidence": 6, "note": "Picking up"},
    "objective_send_back": lambda w, d: {"comment": "Make the key results measurable"},
    "approvals_approve": lambda w, d: {"objective_ids": [d.spare_obj.pk]},
    # KPIs (issue 16): a team KPI (its lead may create it), a reading by its owner.
    "kpi_create": lambda w, d: {
        "name": "Uptime",
        "team_id": w.team.pk,
        "unit": "%",
        "healthy_threshold": 99.9,
        "critical_threshold": 99,
    },
    # Standups and week plans (issue 16): the admin posts yesterday's (today's exists already).
    "standup_create": lambda w, d: {
        "day": (_today(w) - dt.timedelta(days=1)).isoformat(),
        "today": [{"text": "Review the plan"}],
        "blockers": [{"text": "Waiting on legal", "key_result_id": None}],
    },
    "standup_update": lambda w, d: {"today": [{"text": "Review the plan"}], "blockers": []},
    "week_commitments_set": lambda w, d: {"items": [{"text": "Close the hiring plan"}]},
    "week_wins_set": lambda w, d: {"week": _last_week(w), "done_ids": [], "wins": ["Signed Globex"]},
    "kpi_update": lambda w, d: {"name": "Monthly churn", "cadence": "monthly"},
    "kpi_reading_create": lambda w, d: {"value": 3.5, "note": "Up after the price change"},
    "comment_create_objective": lambda w, d: {"body": "Looks good @member"},
    "comment_create_key_result": lambda w, d: {"body": "On track?"},
    "comment_create_initiative": lambda w, d: {"body": "Blocked on review?"},
    "comment_create_kpi": lambda w, d: {"body": "Why the jump @member?"},
    "comment_update": lambda w, d: {"body": "Looks great"},
    "one_on_one_item_add": lambda w, d: {"kind": "talking_point", "text": "How is the launch going?"},
    "one_on_one_item_update": lambda w, d: {"done": True},
    "one_on_one_notes": lambda w, d: {"notes": "Agreed to pair on the migration"},
    # Monthly reviews (issue 16): next month's opened; the member's commentary on their key result.
    "review_open": lambda w, d: {"meeting_on": (_today(w) + dt.timedelta(days=40)).isoformat(), "hour": 9},
    "review_commentary_write": lambda w, d: {
        "what_happened": "Sign-ups stalled while the form was rebuilt",
        "what_will_change": "We ship the new form on Monday",
        "help_needed": "None",
    },
    "review_remind": lambda w, d: {},
    "review_decision_add": lambda w, d: {"text": "Ship the form first", "key_result_id": d.kr.pk},
    "review_decision_update": lambda w, d: {"text": "Ship the form first, then the emails"},
    # Team check-ins (issue 16): the member records an action for themselves and ticks the lead's.
    "team_meeting_item_add": lambda w, d: {
        "kind": "action",
        "text": "Draft the incident review",
        "owner_id": w.member.pk,
        "due_on": w.cycle.end_date.isoformat(),
        "key_result_id": d.kr.pk,
    },
    "team_meeting_item_update": lambda w, d: {"done": True},
    # Initiatives and sprint planning (issue 16): on the member's key result, into the walk's sprint.
    "initiative_create": lambda w, d: {
        "title": "Cache the dashboard",
        "link_url": "https://github.com/acme/platform/issues/12",
        "sprint_id": d.sprint.pk,
    },
    "initiative_update": lambda w, d: {"status": "in_progress", "due_date": w.cycle.end_date.isoformat()},
    "initiative_plan": lambda w, d: {"sprint_id": d.sprint.pk},
    "initiative_reorder": lambda w, d: {"initiative_ids": [_initiative_of(d)]},
    "sprint_goal_set": lambda w, d: {"goal": "Sign-ups instrumented end to end"},
    # A team's standup hour (issue 16): its leads, champions and admins; my own weekly reflection.
    "ritual_settings_update": lambda w, d: {"standup_hour": 10},
    "reflection_put": lambda w, d: {"learned": "Smaller releases land better", "in_my_way": ""},
    # End-of-quarter reflections (issue 17): Platform's objective and team; a dependency of
    # Platform's objective on the company's (another team's).
    "objective_reflection_put": lambda w, d: _REFLECTION,
    "team_reflection_put": lambda w, d: _REFLECTION,
    "dependency_add": lambda w, d: {"target_objective_id": d.company_obj.pk, "note": "Their pricing first"},
    "presentation_link_create": lambda w, d: {"days": 3},
    # Rollover (issue 17): every objective the caller may roll over into build_okr_data's next quarter.
    "rollover_run": lambda w, d: {"target_cycle_id": _next_quarter(w), "threshold": 1},
    "rollover_nothing": lambda w, d: {"note": "Nothing left."},
}

# Uploads, sent as multipart/form-data by ApiClient (a dry run by default: the walk changes nothing).
MULTIPART_BODIES: dict[str, Callable[[Any, Any], Multipart]] = {
    "people_import": lambda w, d: Multipart(
        file=SimpleUploadedFile("people.csv", b"Name,Email,Team\nNew Person,new@acme.test,Platform\n")
    ),
}


def url_for(op: Operation, world: Any, data: Any) -> str:
    getters = {**DEFAULT_PARAMS, **PARAM_OVERRIDES.get(op.operation_id, {})}
    path = op.path
    for name in op.params:
        path = path.replace("{" + name + "}", str(getters[name](world, data)))
    return path


def body_for(op: Operation, world: Any, data: Any) -> dict[str, Any] | None:
    if op.multipart:
        return MULTIPART_BODIES[op.operation_id](world, data)
    if not op.has_body:
        return None
    return BODIES[op.operation_id](world, data)
