"""Reads for presentation mode and the quarter's wins (issue 17). ``quarter_wins`` is the contract
the closing announcement and the cycle report use.

Visibility: the objectives shown are those the viewer may see (``ambit.okrs.selectors.visibility_q``)
or, for the organisation-wide public view (``viewer_id=None``, the shareable link), only the
objectives visible to everyone. Drafts, proposals and cancelled objectives are never shown, nor
cancelled key results. Friday wins are shared with the whole organisation (the team week page),
so they follow the team filter only; the shareable link leaves them out (they are people's own
words, not OKRs).

Numbers: a key result's progress is ``ambit.okrs.metrics.kr_current_progress`` (the engine's rule
on its latest check-in); one that takes its progress from child objectives is read through
``compute_metrics``. A gain is the progress of its latest reading minus that of its first check-in
(corrections of the first put in its place), both by the engine's ``kr_progress``.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from ambit.accounts.models import Membership, TeamMember
from ambit.core.display import pct
from ambit.core.services import plain_number
from ambit.notify.schedule import zone
from ambit.okrs import engine
from ambit.okrs.metrics import compute_metrics, kr_current_progress
from ambit.okrs.metrics_initiatives import initiative_histories
from ambit.okrs.models import (
    CheckIn,
    KeyResult,
    KeyResultKind,
    KeyResultState,
    Objective,
    ObjectiveState,
    Visibility,
)
from ambit.okrs.selectors import key_results_prefetch, visibility_q
from ambit.okrs.services.objectives import score_text
from ambit.present.models import PresentationLink, token_hash
from ambit.rituals.models import ItemKind, WeekItem
from ambit.rituals.selectors import iso_week_label

if TYPE_CHECKING:
    from ambit.okrs.models import Cycle

# What a presentation shows: work committed to, running or done.
SHOWN_STATES = (ObjectiveState.ACTIVE, ObjectiveState.CLOSED)
MET_SCORE = 0.7  # a recorded score from here is a success whatever the ambition (PRODUCT.md section 3)
MAX_GAINS = 10
MAX_FRIDAY_WINS = 100  # the newest; the team week pages keep every one


@dataclass(frozen=True)
class Win:
    text: str  # "Shipped the new onboarding" / "Activation rate 42% → 61% (target 60%)"
    who: str  # the person's or owner's display name
    team_name: str
    on: dt.date | None
    url: str  # a page about it ("" when none)
    # Added for the pages' bars (optional, so the contract's readers are unaffected): the key
    # result's progress now and, for a gain, how much it moved (0–1 shares).
    progress: float | None = None
    gain: float | None = None


@dataclass(frozen=True)
class QuarterWins:
    friday_wins: list[Win] = field(default_factory=list)  # shared on Fridays during the cycle
    key_results_met: list[Win] = field(default_factory=list)  # progress reached 1.0 (or scored ≥ 0.7 when scored)
    biggest_gains: list[Win] = field(default_factory=list)  # largest progress gains over the cycle, at most 10

    @property
    def empty(self) -> bool:
        return not (self.friday_wins or self.key_results_met or self.biggest_gains)


def quarter_wins(
    cycle: Cycle, *, team_ids: set[int] | None = None, viewer_id: int | None = None, met_limit: int | None = None
) -> QuarterWins:
    """``viewer_id`` (a membership id) hides private objectives the viewer may not see; None is the
    organisation-wide public view (only objectives visible to everyone). ``met_limit``: see
    ``wins_for``."""
    viewer = None
    if viewer_id is not None:
        viewer = (
            Membership.objects.filter(pk=viewer_id, organisation_id=cycle.organisation_id, is_active=True)
            .select_related("organisation")
            .first()
        )
    return wins_for(cycle, team_ids=team_ids, visible=_visible_q(viewer), met_limit=met_limit)


def wins_for_member(cycle: Cycle, *, actor: Membership, team_ids: set[int] | None = None) -> QuarterWins:
    """``quarter_wins`` as ``actor`` sees it (the pages: no second load of the member)."""
    if cycle.organisation_id != actor.organisation_id or not actor.is_active:
        raise Http404("No such cycle.")
    return wins_for(cycle, team_ids=team_ids, visible=_visible_q(actor))


def _visible_q(viewer: Membership | None) -> Q:
    return Q(visibility=Visibility.PUBLIC) if viewer is None else visibility_q(viewer)


def shown_objectives(cycle: Cycle, visible: Q) -> QuerySet[Objective]:
    """The cycle's objectives a presentation shows, under ``visible``."""
    qs = Objective.objects.filter(organisation_id=cycle.organisation_id, cycle=cycle, state__in=SHOWN_STATES)
    return qs.filter(visible) if visible else qs


def _team_objectives_q(team_ids: set[int]) -> Q:
    """Objectives of these teams, and the individual ones of their people."""
    people = TeamMember.objects.filter(team_id__in=team_ids).values("membership_id")
    return Q(team_id__in=team_ids) | Q(team__isnull=True, owner_id__in=people)


def wins_for(
    cycle: Cycle, *, team_ids: set[int] | None, visible: Q, with_friday: bool = True, met_limit: int | None = None
) -> QuarterWins:
    """The three lists, in a fixed number of queries: key results (with their first check-in),
    their milestones, corrections of those first check-ins, the Friday wins and their authors'
    teams (and, only when some key result follows child objectives, their metrics). ``met_limit``
    keeps only the first key results met (a slide shows five of the thousands a large
    organisation meets)."""
    objectives = shown_objectives(cycle, visible)
    if team_ids is not None:
        objectives = objectives.filter(_team_objectives_q(team_ids))
    tz = zone(cycle.organisation.time_zone)
    krs = _key_results(objectives)
    linked = _linked_progress(cycle, krs)
    firsts = _first_readings(krs)
    # Key results counting their initiatives: progress is the share done (now, and at the cycle's
    # start for the gain), not their check-in values (one query, only with the option).
    histories = initiative_histories(krs)
    began = dt.datetime.combine(cycle.start_date, dt.time.min, tzinfo=tz)
    met: list[Win] = []
    gains: list[tuple[float, str, KeyResult, float, float]] = []
    for kr in krs:
        history = histories.get(kr.pk)
        if kr.pk in linked:
            progress = linked[kr.pk]
        else:
            progress = kr_current_progress(kr)[0] if history is None else history.progress_at(None)
        scored = kr.score is not None and kr.score >= MET_SCORE
        checked_in = kr.last_checkin_at is not None or kr.pk in linked or history is not None
        if ((progress >= 1.0 and checked_in) or scored) and (met_limit is None or len(met) < met_limit):
            met.append(_win(kr, _met_text(kr, progress), tz, progress=progress))
        first = firsts.get(kr.pk) if history is None else history.progress_at(began)
        if first is not None and kr.pk not in linked and progress - first > 0:
            gains.append((progress - first, kr.title.lower(), kr, first, progress))
    # Sorted as the texts would be (the title leads each), and only the shown ones made into wins.
    gains.sort(key=lambda g: (-g[0], f"{g[1]}: {pct(g[3])} → {pct(g[4])}"))
    return QuarterWins(
        friday_wins=_friday_wins(cycle, team_ids, tz) if with_friday else [],
        key_results_met=met,
        biggest_gains=[
            _win(kr, f"{kr.title}: {pct(first)} → {pct(progress)}", tz, progress=progress, gain=gain)
            for gain, _title, kr, first, progress in gains[:MAX_GAINS]
        ],
    )


def _key_results(objectives: QuerySet[Objective]) -> list[KeyResult]:
    first = CheckIn.objects.filter(key_result=OuterRef("pk"), is_correction=False).order_by("created_at", "id")
    return list(
        KeyResult.objects.filter(objective__in=objectives.values("pk"), state=KeyResultState.ACTIVE)
        .select_related("objective__team", "objective__cycle", "owner__user")
        .prefetch_related("milestones")
        .annotate(
            first_id=Subquery(first.values("pk")[:1]),
            first_value=Subquery(first.values("value")[:1]),
            first_done=Subquery(first.values("milestones_done")[:1]),
        )
        .order_by("objective__position", "objective_id", "position", "id")
    )


def _linked_progress(cycle: Cycle, krs: list[KeyResult]) -> dict[int, float]:
    """The progress of key results that follow their child objectives (duality), by the metrics."""
    objective_ids = {kr.objective_id for kr in krs if kr.progress_from_children}
    if not objective_ids:
        return {}
    objectives = list(
        Objective.objects.filter(pk__in=objective_ids).select_related("cycle").prefetch_related(key_results_prefetch())
    )
    metrics = compute_metrics(organisation=cycle.organisation, objectives=objectives)
    return {
        kr.pk: metrics.kr(kr.pk).progress
        for kr in krs
        if kr.progress_from_children and kr.pk in metrics.krs and metrics.kr(kr.pk).linked
    }


def _done_ids(raw: Any) -> set[int]:
    if isinstance(raw, str):  # a JSON column read through a subquery may come back as text
        try:
            raw = json.loads(raw)
        except ValueError:
            return set()
    return {int(x) for x in raw or [] if isinstance(x, int | str) and str(x).isdigit()}


def _progress_of(kr: KeyResult, value: Any, done: Any) -> float:
    milestones = tuple(
        engine.MilestoneState(weight=m.weight, done=m.pk in _done_ids(done)) for m in kr.milestones.all()
    )
    number = None if value is None else float(value)
    return engine.kr_progress(
        kr.kind,
        start=None if kr.start_value is None else float(kr.start_value),
        target=None if kr.target_value is None else float(kr.target_value),
        current=number,
        milestones=milestones,
    )


def _first_readings(krs: list[KeyResult]) -> dict[int, float]:
    """Each key result's progress at its first check-in, a correction of it put in its place (one
    query for the corrections)."""
    first_ids = {kr.first_id: kr for kr in krs if getattr(kr, "first_id", None) is not None}  # type: ignore[attr-defined]
    fixed: dict[int, tuple[Any, Any]] = {}
    if first_ids:
        rows = CheckIn.objects.filter(corrects_id__in=list(first_ids)).order_by("created_at", "id")
        for corrects_id, value, done in rows.values_list("corrects_id", "value", "milestones_done"):
            fixed[corrects_id] = (value, done)
    out: dict[int, float] = {}
    for first_id, kr in first_ids.items():
        value, done = fixed.get(first_id, (kr.first_value, kr.first_done))  # type: ignore[attr-defined]
        out[kr.pk] = _progress_of(kr, value, done)
    return out


def _name(member: Membership | None) -> str:
    if member is None:
        return ""
    return str(member.user.get_full_name() or member.user.email)


def _value(kr: KeyResult, value: Any) -> str:
    if value is None:
        return "—"
    number = plain_number(value)
    unit = kr.unit.strip()
    if not unit:
        return number
    return f"{number}{unit}" if unit == "%" else f"{number} {unit}"


def _met_text(kr: KeyResult, progress: float) -> str:
    if kr.progress_from_children:
        text = f"{kr.title}: {pct(progress)}"
    elif kr.progress_from_initiatives:
        text = f"{kr.title}: {pct(progress)} of its initiatives done"
    elif kr.kind in (KeyResultKind.INCREASE, KeyResultKind.DECREASE):
        text = (
            f"{kr.title} {_value(kr, kr.start_value)} → {_value(kr, kr.current_value)} "
            f"(target {_value(kr, kr.target_value)})"
        )
    elif kr.kind in (KeyResultKind.STAY_ABOVE, KeyResultKind.STAY_BELOW):
        side = "above" if kr.kind == KeyResultKind.STAY_ABOVE else "below"
        text = f"{kr.title}: {_value(kr, kr.current_value)} (stay {side} {_value(kr, kr.target_value)})"
    elif kr.kind == KeyResultKind.MILESTONES:
        text = f"{kr.title}: every milestone done" if progress >= 1.0 else f"{kr.title}: {pct(progress)} done"
    else:
        text = f"{kr.title}: done" if progress >= 1.0 else kr.title
    if kr.score is not None:
        text += f" · scored {score_text(kr.score)}"
    return text


def _win(kr: KeyResult, text: str, tz: dt.tzinfo, *, progress: float, gain: float | None = None) -> Win:
    objective = kr.objective
    on = timezone.localtime(kr.last_checkin_at, tz).date() if kr.last_checkin_at else None
    return Win(
        text=text,
        who=_name(kr.owner),
        team_name=objective.team.name if objective.team else "",
        on=on,
        url=reverse("okrs:objective-detail", kwargs={"pk": objective.pk}),
        progress=progress,
        gain=gain,
    )


def _friday_wins(cycle: Cycle, team_ids: set[int] | None, tz: dt.tzinfo) -> list[Win]:
    """Wins shared on a Friday that falls in the cycle, newest first (two queries)."""
    items = WeekItem.objects.filter(
        kind=ItemKind.WIN,
        plan__organisation_id=cycle.organisation_id,
        plan__wins_shared_at__isnull=False,
        plan__week_start__gte=cycle.start_date - dt.timedelta(days=4),
        plan__week_start__lte=cycle.end_date - dt.timedelta(days=4),
        plan__author__is_active=True,
    )
    if team_ids is not None:
        items = items.filter(
            plan__author_id__in=TeamMember.objects.filter(team_id__in=team_ids).values("membership_id")
        )
    rows = list(
        items.select_related("plan__author__user").order_by(
            "-plan__week_start", "-plan__wins_shared_at", "plan_id", "position"
        )[:MAX_FRIDAY_WINS]
    )
    teams = _teams_of({item.plan.author_id for item in rows}, team_ids)
    out = []
    for item in rows:
        plan = item.plan
        team = teams.get(plan.author_id)
        url = ""
        if team is not None:
            url = reverse("rituals:team-week", kwargs={"slug": team[1]}) + f"?week={iso_week_label(plan.week_start)}"
        out.append(
            Win(
                text=item.text,
                who=_name(plan.author),
                team_name=team[0] if team else "",
                on=plan.week_start + dt.timedelta(days=4),
                url=url,
            )
        )
    return out


def _teams_of(author_ids: Iterable[int], team_ids: set[int] | None) -> dict[int, tuple[str, str]]:
    """Each author's team (name, slug): one in ``team_ids`` first, a team they lead next, by name."""
    links = (
        TeamMember.objects.filter(membership_id__in=list(author_ids), team__archived_at__isnull=True)
        .select_related("team")
        .order_by("-is_lead", "team__name", "team_id")
    )
    chosen: dict[int, tuple[bool, str, str]] = {}
    for link in links:
        preferred = team_ids is not None and link.team_id in team_ids
        current = chosen.get(link.membership_id)
        if current is None or (preferred and not current[0]):
            chosen[link.membership_id] = (preferred, link.team.name, link.team.slug)
    return {pk: (name, slug) for pk, (_, name, slug) in chosen.items()}


# --- Presentation links -----------------------------------------------------------------------


def link_list(*, actor: Membership, cycle: Cycle) -> list[PresentationLink]:
    """The cycle's links, newest first, with who made them (one query)."""
    if cycle.organisation_id != actor.organisation_id or not actor.is_active:
        raise Http404("No such cycle.")
    return list(
        PresentationLink.objects.filter(organisation_id=actor.organisation_id, cycle=cycle)
        .select_related("created_by__user")
        .order_by("-created_at", "-id")
    )


def link_get(*, actor: Membership, link_id: int) -> PresentationLink:
    found = (
        PresentationLink.objects.filter(organisation_id=actor.organisation_id, pk=link_id)
        .select_related("cycle", "created_by__user")
        .first()
        if actor.is_active
        else None
    )
    if found is None:
        raise Http404("No such presentation link.")
    return found


def link_for_token(*, token: str) -> PresentationLink | None:
    """The link whose address carries ``token``, live or not, with its cycle and organisation (one
    query; none for a malformed token). The hash is compared again in constant time."""
    if not token or len(token) > 128:
        return None
    hashed = token_hash(token)
    link = PresentationLink.objects.filter(token_hash=hashed).select_related("cycle", "organisation").first()
    if link is None or not hmac.compare_digest(link.token_hash, hashed):
        return None
    return link


def can_manage_links(actor: Membership) -> bool:
    """Create and revoke links: champions and admins (the services enforce the same rule)."""
    return actor.can_write and actor.is_org_wide_editor
