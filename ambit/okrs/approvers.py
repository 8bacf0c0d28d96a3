"""Who approves an objective (issue 15, part 3): the one rule the approval services, the approval
queues, the objective page and the proposal notifications all call.

- An **individual** objective is approved by the leads of the owner's teams (never the owner);
  when the owner has no such lead, by their manager; when they have neither, by the council.
- A **team, department or company** objective is approved by the **council**: the executive
  sponsors, the OKR champions and the admins.
- Champions and admins may approve any objective of their organisation (they may edit them all).
- With ``Organisation.approval_required`` nobody approves their own objective. Without it,
  activation is free: whoever may edit an objective may also approve (activate) it; proposing is
  then a "ready for review" signal that still reaches the approvers.

``approvers_for`` answers for many objectives in a fixed number of queries, so a queue or a
notification batch costs the same with 1 or 500 proposals.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from ambit.accounts.models import Membership, Role, TeamMember
from ambit.core.permissions import VIEWER_DENIED, can_edit_objective
from ambit.okrs.models import Objective

COUNCIL = "the council (executive sponsors, OKR champions and admins)"
OWN_DENIED = "Approval is required: you may not approve your own objective; {who} approve it."
NOT_APPROVER = "Only {who} approve this objective."


def is_council(actor: Membership) -> bool:
    """An executive sponsor, OKR champion or admin who may write."""
    return actor.can_write and (actor.is_org_wide_editor or actor.is_executive_sponsor)


def council(organisation_id: int) -> list[Membership]:
    """The organisation's active council members (one query)."""
    return list(
        Membership.objects.filter(organisation_id=organisation_id, is_active=True, user__is_active=True)
        .exclude(role=Role.VIEWER)
        .filter(Q(role__in=[Role.ADMIN, Role.CHAMPION]) | Q(is_executive_sponsor=True))
        .select_related("user", "organisation")
        .order_by("user__email")
    )


def _usable(member: Membership | None, owner_id: int) -> bool:
    return (
        member is not None
        and member.pk != owner_id
        and member.is_active
        and member.role != Role.VIEWER
        and member.user.is_active
    )


def approvers_for(objectives: Sequence[Objective]) -> dict[int, list[Membership]]:
    """The designated approvers of each objective, by objective id (at most four queries)."""
    out: dict[int, list[Membership]] = {}
    individual = [o for o in objectives if o.team_id is None]
    owner_ids = {o.owner_id for o in individual}
    owner_teams: dict[int, set[int]] = {}
    leads: dict[int, list[Membership]] = {}
    managers: dict[int, Membership | None] = {}
    if owner_ids:
        for membership_id, team_id in TeamMember.objects.filter(membership_id__in=owner_ids).values_list(
            "membership_id", "team_id"
        ):
            owner_teams.setdefault(membership_id, set()).add(team_id)
        team_ids = {t for ts in owner_teams.values() for t in ts}
        if team_ids:
            for link in TeamMember.objects.filter(team_id__in=team_ids, is_lead=True).select_related(
                "membership__user", "membership__organisation"
            ):
                leads.setdefault(link.team_id, []).append(link.membership)
        managers = {
            m.pk: m.manager
            for m in Membership.objects.filter(pk__in=owner_ids)
            .order_by()
            .select_related("manager__user", "manager__organisation")
        }
    councils: dict[int, list[Membership]] = {}

    def council_of(organisation_id: int) -> list[Membership]:
        if organisation_id not in councils:
            councils[organisation_id] = council(organisation_id)
        return councils[organisation_id]

    for objective in objectives:
        found: list[Membership] = []
        if objective.team_id is None:
            seen: dict[int, Membership] = {}
            for team_id in sorted(owner_teams.get(objective.owner_id, set())):
                for lead in leads.get(team_id, []):
                    if _usable(lead, objective.owner_id):
                        seen.setdefault(lead.pk, lead)
            found = list(seen.values())
            manager = managers.get(objective.owner_id)
            if not found and manager is not None and _usable(manager, objective.owner_id):
                found = [manager]
        if not found:
            found = [m for m in council_of(objective.organisation_id) if m.pk != objective.owner_id]
        out[objective.pk] = found
    return out


def approver_label(objective: Objective) -> str:
    return COUNCIL if objective.team_id is not None else "the leads of the owner's team (or a champion)"


def approval_refusal(
    actor: Membership, objective: Objective, approvers: Sequence[Membership] | None = None
) -> str | None:
    """Why ``actor`` may not approve ``objective`` (None: they may). ``approvers`` are the objective's
    from :func:`approvers_for`, looked up when not given (only when the answer depends on them)."""
    if actor.organisation_id != objective.organisation_id or not actor.can_write:
        return VIEWER_DENIED
    required = actor.organisation.approval_required
    who = approver_label(objective)
    if required and objective.owner_id == actor.pk:
        return OWN_DENIED.format(who=who)
    if actor.is_org_wide_editor:
        return None
    if not required and can_edit_objective(actor, objective):
        return None  # approval is off: activation is free for whoever may edit
    if approvers is None:
        approvers = approvers_for([objective]).get(objective.pk, [])
    if any(m.pk == actor.pk for m in approvers):
        return None
    return NOT_APPROVER.format(who=who)


def can_approve(actor: Membership, objective: Objective, approvers: Sequence[Membership] | None = None) -> bool:
    return approval_refusal(actor, objective, approvers) is None


def require_can_approve(actor: Membership, objective: Objective) -> None:
    reason = approval_refusal(actor, objective)
    if reason is not None:
        raise PermissionDenied(reason)


def may_activate(actor: Membership, objective: Objective) -> bool:
    """Whether the objective page offers ``actor`` the "Activate" move: with approval required,
    activating a draft or a proposal is approving it (the rule ``objective_set_state`` enforces)."""
    if actor.organisation.approval_required and objective.state in ("draft", "proposed"):
        return can_approve(actor, objective)
    return True


def page_approval(actor: Membership, objective: Objective, entries: Sequence[Any]) -> dict[str, Any]:
    """The objective page's approval box: the send-back comment the owner still has to answer
    (from the page's audit entries, newest first) and the approve / send back buttons."""
    sent_back = None
    if objective.state == "draft":
        for entry in entries:
            if entry.action == "objective.proposed":
                break
            if entry.action == "objective.sent_back":
                sent_back = entry
                break
    pending = objective.state == "proposed" or (objective.state == "draft" and is_council(actor))
    approver = pending and actor.can_write and can_approve(actor, objective)
    return {
        "sent_back": sent_back,
        "comment": str((sent_back.changes or {}).get("comment", "")) if sent_back is not None else "",
        "can_approve": approver,
        "can_send_back": approver and objective.state == "proposed",
    }
