"""Writes of the quarter's close-out. Pages, the API and the signal receiver call these; each
checks the permission, runs in one transaction and writes its audit entry.

- scoring from the scoring page: through ``okrs.key_result_score`` / ``okrs.objective_score``
  (which lock scores once the cycle is closed and ask for a note when a score is more than 0.1
  from the suggestion), only while the cycle is in review;
- entering review (``okrs.signals.cycle_state_changed``) asks each owner of an unscored key result
  to score, once per cycle (``Kind.SCORING_REMINDER``);
- reminding the late: champions and admins anyone, team leads the people of their teams, at most
  once per person per day (``scoring.remind``);
- closing: champions and admins, only when the close checklist is done: the cycle and its active
  objectives close, ``cycle.close`` is written and every active member hears the results once
  (``Kind.CYCLE_CLOSED``);
- reopening (closed → review): admins only, ``cycle.reopen``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ambit.accounts.models import Membership
from ambit.closeout import selectors
from ambit.closeout.models import ClosingReport
from ambit.core.audit import audit_record
from ambit.core.errors import Conflict
from ambit.core.models import AuditAction
from ambit.core.permissions import VIEWER_DENIED, require_admin, require_org_editor, require_same_org
from ambit.notify.models import Kind, Notification
from ambit.notify.produce import Draft, produce
from ambit.notify.schedule import zone
from ambit.notify.selectors import active_members
from ambit.okrs import services as okrs
from ambit.okrs.metrics_one import key_result_metrics
from ambit.okrs.models import Cycle, CycleState, KeyResult, Objective
from ambit.okrs.services.objectives import SCORES_LOCKED, score_text, suggested_objective_score
from ambit.present.selectors import QuarterWins, quarter_wins

MAX_HIGHLIGHTS = 5  # wins named in the closing announcement
NOT_OPEN = "Scoring opens when the cycle enters review."
REMIND_DENIED = "Only OKR champions, admins and team leads send reminders (leads: to the people of their teams)."


def local_today(cycle: Cycle, now: dt.datetime | None = None) -> dt.date:
    return (now or timezone.now()).astimezone(zone(cycle.organisation.time_zone)).date()


def scoring_url(cycle: Cycle) -> str:
    return reverse("closeout:scoring", kwargs={"cycle_id": cycle.pk})


def _require_review(cycle: Cycle) -> None:
    state = Cycle.objects.filter(pk=cycle.pk).values_list("state", flat=True).first()
    if state == CycleState.CLOSED:
        raise Conflict(SCORES_LOCKED, field="score")
    if state != CycleState.REVIEW:
        raise Conflict(NOT_OPEN, field="score")


# --- Scoring from the scoring page ------------------------------------------------------------


@transaction.atomic
def key_result_score_set(
    *, actor: Membership, cycle: Cycle, key_result: KeyResult, score: float | None, note: str = "", accept: bool = False
) -> KeyResult:
    """Record a key result's score while the cycle is in review: the engine's suggestion
    (``accept``) or the owner's own number (a note when it is more than 0.1 from the suggestion)."""
    require_same_org(actor, cycle.organisation_id)
    _require_review(cycle)
    if accept:
        score = key_result_metrics(
            organisation=actor.organisation, key_result=key_result, with_forecast=False
        ).suggested_score
        note = ""
    elif score is None:
        raise ValidationError({"score": "Enter a score from 0.0 to 1.0, or accept the suggestion."})
    return okrs.key_result_score(actor=actor, key_result=key_result, score=score, note=note)


@transaction.atomic
def objective_score_set(
    *, actor: Membership, cycle: Cycle, objective: Objective, score: float | None, note: str = "", accept: bool = False
) -> Objective:
    """Record an objective's score while the cycle is in review (the suggestion is the weighted
    mean of its key results' scores)."""
    require_same_org(actor, cycle.organisation_id)
    _require_review(cycle)
    if accept:
        score = suggested_objective_score(actor, objective)
        note = ""
        if score is None:
            raise Conflict("There is no suggested score yet: enter one.", field="score")
    elif score is None:
        raise ValidationError({"score": "Enter a score from 0.0 to 1.0, or accept the suggestion."})
    return okrs.objective_score(actor=actor, objective=objective, score=score, note=note)


# --- Reminders ----------------------------------------------------------------------------------


def scoring_draft(cycle: Cycle, owner: Membership, count: int, key: str) -> Draft:
    plural = "" if count == 1 else "s"
    return Draft(
        recipient=owner,
        kind=Kind.SCORING_REMINDER,
        key=f"scoring:{cycle.pk}:{key}",
        title=f"{cycle.name} is in review: score your OKRs",
        body=(
            f"{count} key result{plural} you own {'has' if count == 1 else 'have'} no score yet. Accept the "
            "suggested score in one click, or set your own with a note saying why."
        ),
        url=scoring_url(cycle),
        data={"cycle": cycle.pk, "key_results": count},
    )


def scoring_open_notify(*, cycle_id: int, now: dt.datetime | None = None) -> int:
    """Ask every owner of an unscored key result to score, once per cycle (the notification key);
    nothing when the cycle is no longer in review by the time this runs."""
    cycle = Cycle.objects.filter(pk=cycle_id, state=CycleState.REVIEW).select_related("organisation").first()
    if cycle is None:
        return 0
    counts = selectors.unscored_by_owner(cycle)
    owners = (
        Membership.objects.filter(pk__in=list(counts), is_active=True)
        .order_by("pk")
        .select_related("user", "organisation")
    )
    return produce([scoring_draft(cycle, m, counts[m.pk], "open") for m in owners], now=now or timezone.now())


def on_cycle_state_changed(sender: Any, *, cycle_id: int, before: str, after: str, **kwargs: Any) -> None:
    """Connected in ``CloseoutConfig.ready``: a cycle entering review asks its owners to score
    (in the background: thousands of owners in a large organisation)."""
    if after == CycleState.REVIEW:
        from ambit.closeout.tasks import announce_scoring_open

        announce_scoring_open.enqueue(cycle_id, timezone.now().isoformat())


@dataclass(frozen=True)
class Reminded:
    reminded: list[int]  # membership ids notified now
    already: list[int]  # reminded earlier today: not again


@transaction.atomic
def scoring_remind(
    *, actor: Membership, cycle: Cycle, owner_ids: Iterable[int] | None = None, now: dt.datetime | None = None
) -> Reminded:
    """Remind the owners with unscored key results (all of them the actor may remind, or those of
    ``owner_ids``), at most once per person per day."""
    require_same_org(actor, cycle.organisation_id)
    if not actor.can_write:
        raise PermissionDenied(VIEWER_DENIED)
    if not (actor.is_org_wide_editor or actor.led_team_ids()):
        raise PermissionDenied(REMIND_DENIED)
    _require_review(cycle)
    late = selectors.unscored_by_owner(cycle)
    if owner_ids is not None:
        wanted = set(owner_ids)
        if wanted - set(late):
            raise ValidationError({"member_ids": "Pick people who still have key results to score in this cycle."})
        if any(not selectors.can_remind(actor, pk) for pk in wanted):
            raise PermissionDenied(REMIND_DENIED)
    else:
        wanted = {pk for pk in late if selectors.can_remind(actor, pk)}
    if not wanted:
        return Reminded([], [])
    now = now or timezone.now()
    key = f"nudge:{local_today(cycle, now).isoformat()}"
    already = set(
        Notification.objects.filter(
            kind=Kind.SCORING_REMINDER, key=f"scoring:{cycle.pk}:{key}", recipient_id__in=wanted
        ).values_list("recipient_id", flat=True)
    )
    fresh = sorted(wanted - already)
    owners = Membership.objects.filter(pk__in=fresh).select_related("user", "organisation").order_by("pk")
    produce([scoring_draft(cycle, m, late[m.pk], key) for m in owners], now=now)
    if fresh:
        audit_record(
            actor=actor,
            organisation=actor.organisation,
            action=AuditAction.SCORING_REMIND,
            obj=cycle,
            changes={"reminded": [None, fresh]},
        )
    return Reminded(fresh, sorted(already))


# --- Closing and reopening --------------------------------------------------------------------


def report_url(cycle: Cycle) -> str:
    return reverse("reports:cycle", kwargs={"cycle_id": cycle.pk})


def _closed_drafts(cycle: Cycle, results: selectors.Results, wins: QuarterWins) -> list[Draft]:
    score = f"organisation score {score_text(results.score)}" if results.score is not None else "no score"
    counts = f"{results.met} key results met, {results.partial} partial, {results.missed} missed"
    highlights = [w.text for w in [*wins.key_results_met, *wins.friday_wins, *wins.biggest_gains][:MAX_HIGHLIGHTS]]
    body = f"{cycle.name} is closed: {score}; {counts}."
    if highlights:
        body += " Wins of the quarter: " + "; ".join(highlights) + "."
    url = report_url(cycle)
    data = {
        "cycle": cycle.pk,
        "score": results.score,
        "met": results.met,
        "partial": results.partial,
        "missed": results.missed,
        "wins": highlights,
        "report": url,
    }
    return [
        Draft(
            recipient=member,
            kind=Kind.CYCLE_CLOSED,
            key=f"cycle:{cycle.pk}:closed",
            title=f"{cycle.name} is closed: the results",
            body=body,
            url=url,
            data=data,
        )
        for member in active_members(cycle.organisation)
    ]


@transaction.atomic
def cycle_close(*, actor: Membership, cycle: Cycle, now: dt.datetime | None = None) -> selectors.Results:
    """Close the cycle once its checklist is done: the cycle and its active objectives close
    (their own audit entries), ``cycle.close`` records the results, and every active member is
    told them once (the notification key: closing again after a reopening tells nobody twice)."""
    require_same_org(actor, cycle.organisation_id)
    require_org_editor(actor, "close a cycle")
    cycle = Cycle.objects.select_for_update().select_related("organisation").get(pk=cycle.pk)
    if cycle.state == CycleState.CLOSED:
        raise Conflict(f"{cycle.name} is already closed.", field="state")
    if cycle.state != CycleState.REVIEW:
        raise Conflict(f"Move {cycle.name} to review first: a {cycle.state} cycle cannot close.", field="state")
    checklist = selectors.close_checklist(cycle)
    if not checklist.ready:
        raise Conflict(f"{cycle.name} cannot close yet: {'; '.join(checklist.blockers())}.", field="state")
    now = now or timezone.now()
    okrs.cycle_objectives_close(actor=actor, cycle=cycle, note="Cycle closed.")
    okrs.cycle_set_closed(actor=actor, cycle=cycle, closed=True)
    results = selectors.cycle_results(cycle, now=now)
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.CYCLE_CLOSE,
        obj=cycle,
        changes={
            "state": [CycleState.REVIEW, CycleState.CLOSED],
            "score": [None, results.score],
            "met": [None, results.met],
            "partial": [None, results.partial],
            "missed": [None, results.missed],
        },
    )
    # The quarter's wins and one notification per member: seconds at 10,000 people, so after
    # the commit, by the worker (queued in this transaction: only if the close commits).
    from ambit.closeout.tasks import announce_cycle_closed

    announce_cycle_closed.enqueue(cycle.pk, dataclasses.asdict(results), now.isoformat())
    return results


def cycle_closed_notify(*, cycle_id: int, results: dict[str, Any], now: dt.datetime) -> int:
    """Tell every active member the results of closed cycle ``cycle_id`` and the quarter's wins,
    once (the notification key: closing again after a reopening tells nobody twice). Nothing when
    the cycle is no longer closed by the time this runs."""
    cycle = Cycle.objects.filter(pk=cycle_id, state=CycleState.CLOSED).select_related("organisation").first()
    if cycle is None:
        return 0
    known = {f.name for f in dataclasses.fields(selectors.Results)}
    told = selectors.Results(**{k: v for k, v in results.items() if k in known})
    return produce(_closed_drafts(cycle, told, quarter_wins(cycle, met_limit=MAX_HIGHLIGHTS)), now=now)


@transaction.atomic
def cycle_reopen(*, actor: Membership, cycle: Cycle) -> Cycle:
    """Reopen a closed cycle for scoring (admins only): closed → review. Its objectives stay closed."""
    require_same_org(actor, cycle.organisation_id)
    require_admin(actor, "reopen a closed cycle")
    cycle = okrs.cycle_set_closed(actor=actor, cycle=cycle, closed=False)
    # Closing it again makes a fresh report for whoever has not been sent one yet.
    ClosingReport.objects.filter(cycle=cycle).delete()
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.CYCLE_REOPEN,
        obj=cycle,
        changes={"state": [CycleState.CLOSED, CycleState.REVIEW]},
    )
    return cycle
