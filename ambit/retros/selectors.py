"""Reads of reflections and dependencies (issue 17). The functions below are the contract other
apps (closeout's checklist, the cycle report) build on: keep their names, arguments and results.

``reflection_progress`` and ``reflections_for_report`` take no actor: they are the cycle's own
numbers and the report's whole content. Everything a member reads (pages, API) goes through the
functions further down, scoped to the member's organisation and to the objectives they may see
(``ambit.okrs.selectors.objective_base``): another organisation's ids, and objectives hidden from
the member, are a 404 there, and left out of every list."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.http import Http404

from ambit.accounts.models import Membership, Team
from ambit.okrs.models import Cycle, KeyResult, Objective, ObjectiveState
from ambit.okrs.selectors import objective_base
from ambit.retros.models import ANSWER_FIELDS, REQUIRED_FIELDS, Dependency, ObjectiveReflection, TeamReflection

if TYPE_CHECKING:
    from ambit.retros.models import ReflectionFields

# The four questions of seed 004, then lessons learned: the keys of ``Reflection.answers``.
QUESTIONS: tuple[tuple[str, str], ...] = (
    ("achieved", "Did we achieve our goals?"),
    ("aligned", "Were they well aligned?"),
    ("dependencies", "Did we capture all dependencies?"),
    ("unexpected", "What changed unexpectedly, and why?"),
    ("lessons", "Lessons learned"),
)
LESSONS_LIMIT = 100  # hits per kind on the lessons page: refine the search past that


@dataclass(frozen=True)
class Reflection:
    subject: str  # the objective's title or the team's name
    objective_id: int | None
    team_id: int | None
    team_name: str
    answers: dict[str, str]  # QUESTIONS keys → text ("" when left empty)
    author_name: str
    updated_at: dt.datetime
    dependencies: list[str] = field(default_factory=list)  # "depends on <title> (<team>)", objective reflections only


@dataclass(frozen=True)
class ReflectionProgress:
    objectives_total: int  # the cycle's objectives that are not cancelled
    objectives_done: int  # … with a reflection whose four questions are answered
    teams_total: int  # teams owning at least one of those objectives
    teams_done: int  # … with a team reflection


def _complete(prefix: str = "") -> Q:
    """Reflections whose four questions are answered (the services save no other; this keeps the
    count right for rows written another way)."""
    q = Q(**{f"{prefix}pk__isnull": False}) if prefix else Q()
    for name in REQUIRED_FIELDS:
        q &= ~Q(**{f"{prefix}{name}": ""})
    return q


def reflection_progress(cycle: Cycle) -> ReflectionProgress:
    """How far the cycle's reflections are (whoever may see what): three queries."""
    live = Objective.objects.filter(cycle=cycle).exclude(state=ObjectiveState.CANCELLED)
    total = live.count()
    done = live.filter(_complete("reflection__")).count()
    team_ids = set(live.filter(team__isnull=False).order_by().values_list("team_id", flat=True).distinct())
    teams_done = (
        TeamReflection.objects.filter(cycle=cycle, team_id__in=team_ids).filter(_complete()).count() if team_ids else 0
    )
    return ReflectionProgress(total, done, len(team_ids), teams_done)


def _name(member: Membership | None) -> str:
    if member is None:
        return ""
    return str(member.user.get_full_name() or member.user.email)


def dependency_label(dep: Dependency) -> str:
    """ "depends on <title> (<team>)" for a dependency loaded with its target and team."""
    if dep.target_objective is not None:
        target = dep.target_objective
        title, team = target.title, target.team
    else:
        kr = dep.target_key_result
        assert kr is not None
        title, team = kr.title, kr.objective.team
    return f"depends on {title} ({team.name if team else 'no team'})"


def _dependencies_loaded(qs: QuerySet[Dependency]) -> QuerySet[Dependency]:
    return qs.select_related(
        "objective__team", "objective__cycle", "target_objective__team", "target_key_result__objective__team"
    ).order_by("created_at", "pk")


def reflections_for_report(cycle: Cycle, *, team_ids: set[int] | None = None) -> list[Reflection]:
    """Team reflections first (by team name), then objective reflections (by team, then title);
    ``team_ids`` limits both to those teams (a team report passes its subtree)."""
    teams = TeamReflection.objects.filter(cycle=cycle).select_related("team", "author__user")
    objectives = ObjectiveReflection.objects.filter(objective__cycle=cycle).select_related(
        "objective__team", "author__user"
    )
    deps = Dependency.objects.filter(objective__cycle=cycle)
    if team_ids is not None:
        teams = teams.filter(team_id__in=team_ids)
        objectives = objectives.filter(objective__team_id__in=team_ids)
        deps = deps.filter(objective__team_id__in=team_ids)
    by_objective: dict[int, list[str]] = {}
    for dep in _dependencies_loaded(deps):
        by_objective.setdefault(dep.objective_id, []).append(dependency_label(dep))
    out = [
        Reflection(
            subject=r.team.name,
            objective_id=None,
            team_id=r.team_id,
            team_name=r.team.name,
            answers=r.answers(),
            author_name=_name(r.author),
            updated_at=r.updated_at,
        )
        for r in sorted(teams, key=lambda r: (r.team.name.lower(), r.team_id))
    ]
    rows = sorted(
        objectives,
        key=lambda r: (r.objective.team.name.lower() if r.objective.team else "\uffff", r.objective.title.lower()),
    )
    out += [
        Reflection(
            subject=r.objective.title,
            objective_id=r.objective_id,
            team_id=r.objective.team_id,
            team_name=r.objective.team.name if r.objective.team else "",
            answers=r.answers(),
            author_name=_name(r.author),
            updated_at=r.updated_at,
            dependencies=by_objective.get(r.objective_id, []),
        )
        for r in rows
    ]
    return out


# --- What a member reads -----------------------------------------------------------------------


def _visible_ids(actor: Membership) -> QuerySet[Objective, Any]:
    """The ids of the objectives the actor may see, as a subquery."""
    return objective_base(actor=actor).values("pk")


def objective_for_reflection(*, actor: Membership, objective_id: int) -> Objective:
    """The objective (404 outside the organisation or when hidden from the actor) with its cycle,
    team, owner and reflection (one query)."""
    found = (
        objective_base(actor=actor)
        .select_related("cycle", "team", "owner__user", "reflection__author__user")
        .filter(pk=objective_id)
        .first()
        if actor.is_active
        else None
    )
    if found is None:
        raise Http404("No such objective.")
    return found


def reflection_of(objective: Objective) -> ObjectiveReflection | None:
    """The objective's reflection, from a ``select_related("reflection")`` (no query)."""
    try:
        return objective.reflection
    except ObjectiveReflection.DoesNotExist:
        return None


def team_reflection_get(*, actor: Membership, cycle: Cycle, team: Team) -> TeamReflection | None:
    if cycle.organisation_id != actor.organisation_id or team.organisation_id != actor.organisation_id:
        raise Http404("No such team.")
    return TeamReflection.objects.filter(cycle=cycle, team=team).select_related("author__user").first()


@dataclass
class ObjectiveRow:
    objective: Objective
    reflection: ObjectiveReflection | None
    can_write: bool = False

    @property
    def done(self) -> bool:
        return self.reflection is not None and self.reflection.is_complete


@dataclass
class TeamBlock:
    team: Team | None  # None: the individual objectives
    reflection: TeamReflection | None
    objectives: list[ObjectiveRow] = field(default_factory=list)
    can_write: bool = False

    @property
    def done_count(self) -> int:
        return sum(1 for row in self.objectives if row.done)

    @property
    def dom_id(self) -> str:
        return f"team-{self.team.pk}" if self.team is not None else "team-none"

    @property
    def team_done(self) -> bool:
        return self.reflection is not None and self.reflection.is_complete


def retrospective(*, actor: Membership, cycle: Cycle) -> list[TeamBlock]:
    """The cycle's teams (by name; individual objectives last), each with its reflection and the
    live objectives the actor may see with theirs: two queries."""
    if cycle.organisation_id != actor.organisation_id:
        raise Http404("No such cycle.")
    objectives = (
        objective_base(actor=actor)
        .filter(cycle=cycle)
        .exclude(state=ObjectiveState.CANCELLED)
        .select_related("team", "owner__user", "reflection__author__user")
        .order_by("position", "pk")
    )
    team_reflections = {
        r.team_id: r for r in TeamReflection.objects.filter(cycle=cycle).select_related("team", "author__user")
    }
    blocks: dict[int | None, TeamBlock] = {}
    for objective in objectives:
        key = objective.team_id
        if key not in blocks:
            blocks[key] = TeamBlock(objective.team, team_reflections.get(key) if key is not None else None)
        blocks[key].objectives.append(ObjectiveRow(objective, reflection_of(objective)))
    for team_id, reflection in team_reflections.items():
        blocks.setdefault(team_id, TeamBlock(reflection.team, reflection))
    return sorted(
        blocks.values(), key=lambda b: (b.team is None, b.team.name.lower() if b.team else "", b.team and b.team.pk)
    )


def cycle_reflections(*, actor: Membership, cycle: Cycle) -> tuple[list[TeamReflection], list[ObjectiveReflection]]:
    """The cycle's team reflections and the reflections on objectives the actor may see."""
    if cycle.organisation_id != actor.organisation_id:
        raise Http404("No such cycle.")
    teams = list(
        TeamReflection.objects.filter(cycle=cycle).select_related("team", "author__user").order_by("team__name", "pk")
    )
    objectives = list(
        ObjectiveReflection.objects.filter(objective__cycle=cycle, objective_id__in=_visible_ids(actor))
        .select_related("objective__team", "author__user")
        .order_by("objective__team__name", "objective__title", "pk")
    )
    return teams, objectives


# --- Dependencies ------------------------------------------------------------------------------


@dataclass
class Dependencies:
    depends_on: list[Dependency]  # this objective depends on these (targets the viewer sees)
    depended_by: list[Dependency]  # these objectives (the viewer sees) depend on this one


def dependencies_of(*, actor: Membership, objective: Objective) -> Dependencies:
    """Both sides of ``objective``'s dependencies, each only where the viewer may see the other
    end (one query)."""
    if objective.organisation_id != actor.organisation_id:
        raise Http404("No such objective.")
    visible = _visible_ids(actor)
    outgoing = Q(objective_id=objective.pk) & (
        Q(target_objective_id__in=visible) | Q(target_key_result__objective_id__in=visible)
    )
    incoming = (Q(target_objective_id=objective.pk) | Q(target_key_result__objective_id=objective.pk)) & Q(
        objective_id__in=visible
    )
    rows = list(
        _dependencies_loaded(
            Dependency.objects.filter(organisation_id=actor.organisation_id).filter(outgoing | incoming)
        )
    )
    return Dependencies(
        depends_on=[d for d in rows if d.objective_id == objective.pk],
        depended_by=[d for d in rows if d.objective_id != objective.pk],
    )


def dependency_get(*, actor: Membership, dependency_id: int) -> Dependency:
    """A dependency whose declaring objective the actor may see (404 otherwise)."""
    found = (
        _dependencies_loaded(
            Dependency.objects.filter(
                organisation_id=actor.organisation_id, pk=dependency_id, objective_id__in=_visible_ids(actor)
            )
        ).first()
        if actor.is_active
        else None
    )
    if found is None:
        raise Http404("No such dependency.")
    return found


@dataclass(frozen=True)
class Target:
    value: str  # "o<id>" or "k<id>": what the form posts
    label: str


def dependency_targets(*, actor: Membership, objective: Objective) -> list[tuple[str, list[Target]]]:
    """What ``objective`` may depend on, for the form: the live objectives of other teams in its
    cycle that the actor sees, each with its active key results, grouped by team (two queries)."""
    qs = objective_base(actor=actor).filter(cycle_id=objective.cycle_id, team__isnull=False)
    if objective.team_id is not None:
        qs = qs.exclude(team_id=objective.team_id)
    others = list(
        qs.exclude(state=ObjectiveState.CANCELLED).select_related("team").order_by("team__name", "position", "pk")
    )
    krs: dict[int, list[KeyResult]] = {}
    for kr in KeyResult.objects.filter(objective__in=[o.pk for o in others], state="active").order_by("position", "pk"):
        krs.setdefault(kr.objective_id, []).append(kr)
    groups: dict[str, list[Target]] = {}
    for o in others:
        assert o.team is not None
        group = groups.setdefault(o.team.name, [])
        group.append(Target(f"o{o.pk}", o.title))
        group += [Target(f"k{kr.pk}", f"{o.title} → {kr.title}") for kr in krs.get(o.pk, [])]
    return list(groups.items())


# --- Lessons -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LessonHit:
    cycle: Cycle
    team: Team | None
    objective: Objective | None  # None: a team's reflection
    reflection: ReflectionFields
    author_name: str

    @property
    def subject(self) -> str:
        if self.objective is not None:
            return self.objective.title
        return self.team.name if self.team else ""

    @property
    def answers(self) -> list[tuple[str, str]]:
        """(question, answer) pairs, in the order of ``QUESTIONS``."""
        values = self.reflection.answers()
        return [(question, values[key]) for key, question in QUESTIONS]


def _text_q(q: str, prefix: str = "") -> Q:
    found = Q()
    for name in ANSWER_FIELDS:
        found |= Q(**{f"{prefix}{name}__icontains": q})
    return found


def lessons_search(
    *, actor: Membership, q: str = "", cycle: Cycle | None = None, team: Team | None = None
) -> tuple[list[LessonHit], bool]:
    """Every reflection of the organisation (on objectives the actor sees), newest cycle first,
    whose answers contain ``q``, optionally of one cycle and one team; and whether there were more
    than shown (two queries)."""
    teams_qs = TeamReflection.objects.filter(organisation_id=actor.organisation_id).select_related(
        "cycle", "team", "author__user"
    )
    objs_qs = ObjectiveReflection.objects.filter(
        organisation_id=actor.organisation_id, objective_id__in=_visible_ids(actor)
    ).select_related("objective__cycle", "objective__team", "author__user")
    if q:
        teams_qs = teams_qs.filter(_text_q(q))
        objs_qs = objs_qs.filter(_text_q(q))
    if cycle is not None:
        teams_qs = teams_qs.filter(cycle=cycle)
        objs_qs = objs_qs.filter(objective__cycle=cycle)
    if team is not None:
        teams_qs = teams_qs.filter(team=team)
        objs_qs = objs_qs.filter(objective__team=team)
    team_rows = list(teams_qs.order_by("-cycle__start_date", "team__name", "pk")[: LESSONS_LIMIT + 1])
    obj_rows = list(
        objs_qs.order_by("-objective__cycle__start_date", "objective__team__name", "objective__title", "pk")[
            : LESSONS_LIMIT + 1
        ]
    )
    more = len(team_rows) > LESSONS_LIMIT or len(obj_rows) > LESSONS_LIMIT
    hits = [LessonHit(r.cycle, r.team, None, r, _name(r.author)) for r in team_rows[:LESSONS_LIMIT]]
    hits += [
        LessonHit(r.objective.cycle, r.objective.team, r.objective, r, _name(r.author))
        for r in obj_rows[:LESSONS_LIMIT]
    ]
    # Newest cycle first; in a cycle, each team's own reflection before its objectives'.
    hits.sort(
        key=lambda h: (
            -h.cycle.start_date.toordinal(),
            h.cycle.pk,
            h.team is None,
            (h.team.name.lower() if h.team else ""),
            h.objective is not None,
            (h.objective.title.lower() if h.objective else ""),
        )
    )
    return hits, more


@dataclass(frozen=True)
class LastLessons:
    cycle: Cycle
    team: Team
    team_reflection: TeamReflection | None
    objective_lessons: list[ObjectiveReflection]


def team_last_lessons(*, actor: Membership, team: Team, cycle: Cycle) -> LastLessons | None:
    """The lessons of ``team``'s most recent cycle before ``cycle`` that has a reflection with
    lessons: the team's own and those on its objectives the actor sees (two queries)."""
    if team.organisation_id != actor.organisation_id:
        return None
    own = (
        TeamReflection.objects.filter(team=team, cycle__start_date__lt=cycle.start_date)
        .exclude(lessons="")
        .select_related("cycle", "author__user")
        .order_by("-cycle__start_date", "-pk")
        .first()
    )
    on_objectives = list(
        ObjectiveReflection.objects.filter(
            objective__team=team,
            objective__cycle__start_date__lt=cycle.start_date,
            objective_id__in=_visible_ids(actor),
        )
        .exclude(lessons="")
        .select_related("objective__cycle", "author__user")
        .order_by("-objective__cycle__start_date", "objective__position", "pk")[:20]
    )
    cycles = [c for c in ((own.cycle if own else None), *(r.objective.cycle for r in on_objectives[:1])) if c]
    if not cycles:
        return None
    latest = max(cycles, key=lambda c: (c.start_date, c.pk))
    return LastLessons(
        cycle=latest,
        team=team,
        team_reflection=own if own is not None and own.cycle_id == latest.pk else None,
        objective_lessons=[r for r in on_objectives if r.objective.cycle_id == latest.pk],
    )
