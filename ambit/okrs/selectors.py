"""Every read of cycles, objectives, key results and check-ins, scoped to the acting member's
organisation and to what they may see (objective visibility). Outside it: 404."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, prefetch_related_objects
from django.http import Http404
from django.utils import timezone

from ambit.accounts.models import Membership, Team, TeamMember
from ambit.core.models import AuditEntry
from ambit.core.permissions import led_team_ids
from ambit.okrs.models import (
    Alignment,
    CheckIn,
    Checkpoint,
    Cycle,
    CycleKind,
    CycleState,
    KeyResult,
    KeyResultKind,
    KeyResultState,
    Milestone,
    Objective,
    ObjectiveState,
    Sprint,
    Visibility,
)

# --- Cycles -----------------------------------------------------------------------------------


def cycle_list(*, actor: Membership, kind: str | None = None, state: str | None = None) -> QuerySet[Cycle]:
    qs = Cycle.objects.filter(organisation_id=actor.organisation_id)
    if kind:
        qs = qs.filter(kind=kind)
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("start_date", "kind", "name")


def cycle_get(*, actor: Membership, cycle_id: int) -> Cycle:
    cycle = cycle_list(actor=actor).filter(pk=cycle_id).first()
    if cycle is None:
        raise Http404("No such cycle.")
    return cycle


def cycle_by_name(*, actor: Membership, name: str) -> Cycle:
    cycle = cycle_list(actor=actor).filter(name__iexact=name.strip()).first()
    if cycle is None:
        raise Http404(f"No cycle named “{name}”.")
    return cycle


def cycle_current(*, actor: Membership, on: dt.date | None = None) -> Cycle | None:
    """The cycle people work in today: an active non-annual cycle covering today, else the
    active one nearest today, else any non-annual cycle covering today, else the latest."""
    on = on or timezone.localdate()
    qs = cycle_list(actor=actor).exclude(kind=CycleKind.ANNUAL)
    return (
        qs.filter(state=CycleState.ACTIVE, start_date__lte=on, end_date__gte=on).first()
        or qs.filter(state=CycleState.ACTIVE).order_by("-start_date").first()
        or qs.filter(start_date__lte=on, end_date__gte=on).first()
        or qs.order_by("-start_date").first()
        or cycle_list(actor=actor).order_by("-start_date").first()
    )


def cycle_current_among(cycles: list[Cycle], *, on: dt.date | None = None) -> Cycle | None:
    """``cycle_current``'s choice made among ``cycles`` (``cycle_list``'s, in its order) without a
    query, for a page that loads the list anyway (its cycle switcher)."""
    on = on or timezone.localdate()
    seasonal = [c for c in cycles if c.kind != CycleKind.ANNUAL]
    active = [c for c in seasonal if c.state == CycleState.ACTIVE]
    covering = [c for c in seasonal if c.start_date <= on <= c.end_date]
    latest = max(active, key=lambda c: c.start_date, default=None)  # the first of equals, as listed
    return (
        next((c for c in active if c.start_date <= on <= c.end_date), None)
        or latest
        or next(iter(covering), None)
        or max(seasonal, key=lambda c: c.start_date, default=None)
        or max(cycles, key=lambda c: c.start_date, default=None)
    )


def sprint_list(*, actor: Membership, cycle: Cycle) -> QuerySet[Sprint]:
    if cycle.organisation_id != actor.organisation_id:
        raise Http404("No such cycle.")
    return Sprint.objects.filter(cycle=cycle).order_by("number")


# --- Objectives -------------------------------------------------------------------------------


def _member_team_ids(actor: Membership) -> set[int]:
    return actor.member_team_ids()  # one query with the led teams (``Membership._load_teams``)


def visibility_q(actor: Membership) -> Q:
    """What the actor may see: public objectives; team ones of their (or led) teams; private ones
    they own, manage or lead. Champions and admins see everything."""
    if actor.is_org_wide_editor:
        return Q()
    led = led_team_ids(actor)
    teams = _member_team_ids(actor) | led
    # The people in the teams the actor leads, as a subquery: a lead high in a large organisation
    # has thousands of them, too many to pass as parameters on every query.
    q = (
        Q(visibility="public")
        | Q(owner_id=actor.pk)
        | Q(owner__manager_id=actor.pk)
        | Q(visibility="team", team_id__in=teams)
        | Q(
            visibility="team",
            team__isnull=True,
            owner_id__in=TeamMember.objects.filter(team_id__in=teams).values("membership_id"),
        )
    )
    if led:
        q |= Q(owner_id__in=TeamMember.objects.filter(team_id__in=led).values("membership_id"))
    return q


def objective_base(*, actor: Membership) -> QuerySet[Objective]:
    qs = Objective.objects.filter(organisation_id=actor.organisation_id)
    q = visibility_q(actor)
    if q:
        # Subqueries and forward joins only: no row is repeated, so no DISTINCT is needed.
        qs = qs.filter(q)
    return qs


def key_results_prefetch() -> Prefetch[str, QuerySet[KeyResult], str]:
    return Prefetch(
        "key_results",
        queryset=KeyResult.objects.select_related("owner__user").prefetch_related("milestones", "checkpoints"),
    )


def objective_list(
    *,
    actor: Membership,
    cycle: Cycle | None = None,
    team: Team | None = None,
    owner: Membership | None = None,
    state: str | None = None,
    level: str | None = None,
    include_cancelled: bool = True,
    with_key_results: bool = True,
) -> QuerySet[Objective]:
    qs = objective_base(actor=actor).select_related("cycle", "team", "owner__user", "theme")
    if cycle is not None:
        qs = qs.filter(cycle=cycle)
    if team is not None:
        qs = qs.filter(team=team)
    if owner is not None:
        qs = qs.filter(owner=owner)
    if state:
        qs = qs.filter(state=state)
    elif not include_cancelled:
        qs = qs.exclude(state=ObjectiveState.CANCELLED)
    if level:
        qs = qs.filter(level=level)
    if with_key_results:
        qs = qs.prefetch_related(key_results_prefetch())
    return qs.order_by("position", "id")


def objective_get(*, actor: Membership, objective_id: int) -> Objective:
    # Rollover (issue 17): the source's cycle joined, the first copy's id and cycle as subqueries,
    # so the page's "Rolled over from / to" costs no query of its own.
    copies = Objective.objects.filter(rolled_over_from=OuterRef("pk")).order_by("pk")
    obj = (
        objective_base(actor=actor)
        .select_related(
            "cycle", "team", "owner__user", "theme", "source_key_result__objective", "rolled_over_from__cycle"
        )
        .annotate(
            rolled_to_id=Subquery(copies.values("pk")[:1]),
            rolled_to_cycle=Subquery(copies.values("cycle__name")[:1]),
        )
        .prefetch_related(key_results_prefetch(), "contributors__user")
        .filter(pk=objective_id)
        .first()
    )
    if obj is None:
        raise Http404("No such objective.")
    return obj


def objective_head(*, actor: Membership, objective_id: int) -> Objective:
    """The objective with its cycle and nothing below it, under the same visibility rule as
    ``objective_get``: for a page whose body may come from the cache (``core.page_cache``)."""
    obj = objective_base(actor=actor).select_related("cycle").defer("description").filter(pk=objective_id).first()
    if obj is None:
        raise Http404("No such objective.")
    return obj


def objective_parents(*, actor: Membership, objective: Objective) -> list[tuple[Objective, float]]:
    links = Alignment.objects.filter(child=objective).select_related("parent__owner__user", "parent__team")
    visible = set(objective_base(actor=actor).filter(pk__in=[x.parent_id for x in links]).values_list("pk", flat=True))
    return [(x.parent, x.weight) for x in links if x.parent_id in visible]


def objective_children(*, actor: Membership, objective: Objective, with_key_results: bool = True) -> list[Objective]:
    """Objectives aligned to this one (classic) or created from its key results (duality), with
    their key results (unless ``with_key_results=False``: the caller prefetches them)."""
    # One id subquery (a UNION of the two link indexes), not an OR: an OR, across joins or of
    # two subqueries, made the database read every objective of the organisation to find a few.
    child_ids = (
        Alignment.objects.filter(parent=objective)
        .order_by()
        .values("child_id")
        .union(Objective.objects.filter(source_key_result__objective=objective).order_by().values("pk"))
    )
    children = (
        objective_base(actor=actor)
        .filter(pk__in=child_ids)
        .select_related("owner__user", "team", "cycle", "source_key_result")
        .distinct()
        .order_by("level", "title")
    )
    return list(children.prefetch_related(key_results_prefetch()) if with_key_results else children)


def objective_descendant_ids(*, objective: Objective, stop_at: int | None = None) -> set[int]:
    """Ids of every objective below ``objective``, through classic links and duality children,
    whoever may see them (a loop is about the organisation, not the viewer). Walks down one level
    per query and stops at an empty level, so the cost follows the objective's own subtree, not
    the organisation. With ``stop_at`` the walk ends as soon as that id turns up."""
    below: set[int] = set()
    frontier = {objective.pk}
    while frontier:
        # No organisation filter: links only join objectives of one organisation, and the filter
        # would tempt the planner into the organisation index instead of the link indexes.
        classic = Alignment.objects.filter(parent_id__in=frontier).order_by().values_list("child_id", flat=True)
        duality = (
            Objective.objects.filter(source_key_result__objective_id__in=frontier)
            .order_by()
            .values_list("pk", flat=True)
        )
        frontier = set(classic.union(duality)) - below - {objective.pk}
        below |= frontier
        if stop_at is not None and stop_at in below:
            break
    return below


def objective_audit_entries(*, actor: Membership, objective: Objective, limit: int = 100) -> QuerySet[AuditEntry]:
    """Audit entries about this objective and its key results, newest first, in this org only.

    The entries are found through the object index (one lookup per object type) and only then
    sorted. Filtering the organisation's log as it is read newest first, which is what the
    database does with a plain OR, reads the whole log when the objective has fewer than
    ``limit`` entries: a second per page once the organisation has half a million."""
    if objective.organisation_id != actor.organisation_id:
        raise Http404("No such objective.")
    about = AuditEntry.objects.filter(organisation_id=actor.organisation_id).order_by()
    ids = about.filter(object_type="okrs.objective", object_id=str(objective.pk)).values("id")
    kr_ids = [str(kr.pk) for kr in objective.key_results.all()]
    if kr_ids:
        ids = ids.union(about.filter(object_type="okrs.keyresult", object_id__in=kr_ids).values("id"))
    return AuditEntry.objects.filter(pk__in=ids).select_related("actor").order_by("-created_at", "-id")[:limit]


# --- Key results and check-ins ---------------------------------------------------------------


def key_result_get(*, actor: Membership, key_result_id: int) -> KeyResult:
    kr = (
        KeyResult.objects.filter(organisation_id=actor.organisation_id, pk=key_result_id)
        .select_related("objective__cycle", "objective__owner__user", "objective__team", "owner__user")
        .prefetch_related("milestones", "checkpoints")
        .first()
    )
    if kr is None or not objective_base(actor=actor).filter(pk=kr.objective_id).exists():
        raise Http404("No such key result.")
    return kr


def _plainly_visible(actor: Membership, objective: Objective) -> bool:
    """What ``visibility_q`` lets through that the loaded objective shows without a query."""
    return actor.is_org_wide_editor or objective.visibility == Visibility.PUBLIC or objective.owner_id == actor.pk


def key_result_for_check_in(*, actor: Membership, key_result_id: int) -> KeyResult:
    """The key result a check-in is written on, visible as by ``key_result_get`` (404 otherwise),
    with what the write and the response's metrics read: its objective and cycle in the same
    query; its milestones only for a checklist and its checkpoints only if it has any. One query
    when its objective is public or the actor's own (a team or private one adds the visibility
    check)."""
    kr = (
        KeyResult.objects.filter(organisation_id=actor.organisation_id, pk=key_result_id)
        .select_related("objective__cycle")
        .annotate(has_checkpoints=Exists(Checkpoint.objects.filter(key_result=OuterRef("pk"))))
        .first()
    )
    if kr is None or not (
        _plainly_visible(actor, kr.objective) or objective_base(actor=actor).filter(pk=kr.objective_id).exists()
    ):
        raise Http404("No such key result.")
    # An empty queryset fills the cache without a query: nothing reads what the key result lacks.
    milestones = None if kr.kind == KeyResultKind.MILESTONES else Milestone.objects.none()
    checkpoints = None if kr.has_checkpoints else Checkpoint.objects.none()
    prefetch_related_objects(
        [kr], Prefetch("milestones", queryset=milestones), Prefetch("checkpoints", queryset=checkpoints)
    )
    return kr


def key_results_of_member(*, actor: Membership, member: Membership, cycle: Cycle | None) -> QuerySet[KeyResult]:
    """The key results a person owns in a cycle (active, in live objectives), for "My week"."""
    if member.organisation_id != actor.organisation_id:
        raise Http404("No such member.")
    qs = KeyResult.objects.filter(organisation_id=actor.organisation_id, owner=member, state=KeyResultState.ACTIVE)
    qs = qs.exclude(objective__state__in=[ObjectiveState.CANCELLED, ObjectiveState.CLOSED])
    if cycle is not None:
        qs = qs.filter(objective__cycle=cycle)
    return (
        qs.select_related("objective__cycle", "objective__owner__user", "objective__team", "owner__user")
        .prefetch_related("milestones", "checkpoints")
        .order_by("objective__position", "objective_id", "position", "id")
    )


def check_in_history(*, actor: Membership, key_result: KeyResult) -> QuerySet[CheckIn]:
    if key_result.organisation_id != actor.organisation_id:
        raise Http404("No such key result.")
    return CheckIn.objects.filter(key_result=key_result).select_related("author__user").order_by("created_at", "id")


def milestone_list(*, actor: Membership, key_result: KeyResult) -> QuerySet[Milestone]:
    if key_result.organisation_id != actor.organisation_id:
        raise Http404("No such key result.")
    return key_result.milestones.all()
