"""Early warnings (issue 14, item 3; PRODUCT.md section 3): a check-in whose confidence fell by 2
or more since the previous one, or is under 4 (the engine's ``confidence_warnings``), reaches the
owner's manager at once (``Membership.manager``, else the lead(s) of the objective's team, else of
the owner's teams). Acknowledging it is marking it read.

The check-in services are not touched: each tick reads the check-ins recorded since the last scan
(``ScanCursor``, started a few minutes early so a check-in committed late is still seen), and keys
each warning by the check-in, so reading one twice produces it once.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import OuterRef, Subquery
from django.urls import reverse

from ambit.accounts.models import Membership, TeamMember
from ambit.notify.models import Kind, ScanCursor
from ambit.notify.produce import Draft, produce
from ambit.notify.scheduler import register_producer
from ambit.notify.selectors import team_leads
from ambit.okrs import engine
from ambit.okrs.models import CheckIn, KeyResultState

PRODUCER = "early_warning"
OVERLAP = dt.timedelta(minutes=10)
# The first scan (no cursor yet) looks back this far: a new installation warns about today's
# check-ins, not about the whole history.
FIRST_LOOKBACK = dt.timedelta(days=1)


def _window(now: dt.datetime) -> dt.datetime:
    cursor = ScanCursor.objects.filter(name=PRODUCER).values_list("position", flat=True).first()
    if cursor is None or cursor > now:
        return now - FIRST_LOOKBACK
    return cursor - OVERLAP


def _advance(now: dt.datetime) -> None:
    """Move the cursor to ``now`` (never back: a scheduler ticking for an earlier moment, or a
    slower one, leaves it where the other put it)."""
    ScanCursor.objects.bulk_create([ScanCursor(name=PRODUCER, position=now)], ignore_conflicts=True)
    ScanCursor.objects.filter(name=PRODUCER, position__lt=now).update(position=now)


def _recent(since: dt.datetime, now: dt.datetime) -> list[CheckIn]:
    previous = CheckIn.objects.filter(key_result=OuterRef("key_result"), created_at__lt=OuterRef("created_at"))
    return list(
        CheckIn.objects.filter(created_at__gt=since, created_at__lte=now, key_result__state=KeyResultState.ACTIVE)
        .annotate(previous_confidence=Subquery(previous.order_by("-created_at", "-id").values("confidence")[:1]))
        .select_related(
            "organisation",
            "key_result__objective",
            "key_result__owner__user",
            "key_result__owner__manager__user",
            "key_result__owner__manager__organisation",
        )
        .order_by("created_at", "id")
    )


def _owner_team_ids(owner_ids: set[int]) -> dict[int, set[int]]:
    out: dict[int, set[int]] = {}
    for membership_id, team_id in TeamMember.objects.filter(membership_id__in=owner_ids).values_list(
        "membership_id", "team_id"
    ):
        out.setdefault(membership_id, set()).add(team_id)
    return out


def _recipients(
    check_in: CheckIn, leads: dict[int, list[Membership]], owner_teams: dict[int, set[int]]
) -> list[Membership]:
    kr = check_in.key_result
    owner = kr.owner
    if owner.manager is not None and owner.manager.is_active:
        return [owner.manager]
    team_ids = [kr.objective.team_id] if kr.objective.team_id else sorted(owner_teams.get(owner.pk, set()))
    found: dict[int, Membership] = {}
    for team_id in team_ids:
        for lead in leads.get(team_id, []):
            if lead.pk != owner.pk:
                found[lead.pk] = lead
    return list(found.values())


def produce_warnings(now: dt.datetime) -> int:
    check_ins = _recent(_window(now), now)
    flagged = []
    for c in check_ins:
        found = engine.confidence_warnings(
            getattr(c, "previous_confidence", None), c.confidence, c.organisation.confidence_scale
        )
        if found:
            flagged.append((c, found))
    owners = {c.key_result.owner_id for c, _ in flagged}
    owner_teams = _owner_team_ids(owners) if owners else {}
    team_ids = {c.key_result.objective.team_id for c, _ in flagged if c.key_result.objective.team_id}
    team_ids |= {t for teams in owner_teams.values() for t in teams}
    leads = team_leads(team_ids) if team_ids else {}
    drafts: list[Draft] = []
    for c, found in flagged:
        kr = c.key_result
        owner = kr.owner.user.get_full_name()
        said = "; ".join(w.message for w in found)
        url = reverse("okrs:objective-detail", kwargs={"pk": kr.objective_id}) + f"#kr-{kr.pk}"
        for recipient in _recipients(c, leads, owner_teams):
            drafts.append(
                Draft(
                    recipient=recipient,
                    kind=Kind.EARLY_WARNING,
                    key=f"checkin:{c.pk}",
                    title=f"Early warning on “{kr.title}” ({owner}): {said}",
                    body=f"Objective: {kr.objective.title}." + (f"\nTheir note: {c.note}" if c.note else ""),
                    url=url,
                    data={
                        "check_in": c.pk,
                        "key_result": kr.pk,
                        "owner": kr.owner_id,
                        "warnings": [w.kind for w in found],
                        "confidence": c.confidence,
                        "previous_confidence": getattr(c, "previous_confidence", None),
                    },
                )
            )
    produced = produce(drafts, now=now)
    _advance(now)
    return produced


register_producer(PRODUCER, produce_warnings)
