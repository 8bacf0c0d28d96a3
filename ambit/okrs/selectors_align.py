"""Reads behind the parent picker on the objective and align pages: a search over the objectives
an objective may align to, and, before anything is typed, a few suggestions. Each is one query
with a LIMIT on top of ``alignment_candidates``, so the pages cost the same in an organisation of
200 people and of 10,000.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from ambit.accounts.models import Membership, Team, TeamMember
from ambit.okrs.models import Objective
from ambit.okrs.selectors_tree import LEVEL_ORDER, alignment_candidates

SEARCH_LIMIT = 20
SUGGESTION_LIMIT = 10
MAX_QUERY_LENGTH = 100
MAX_TERMS = 5
# Team ancestors looked up in one query (a self-join per level); deeper trees still get the
# company-level objectives, which are suggested whatever the depth.
ANCESTOR_DEPTH = 5


@dataclass
class AlignChoices:
    """What the picker lists: matches for ``query``, or suggestions when it is empty."""

    objectives: list[Objective] = field(default_factory=list)
    query: str = ""
    has_more: bool = False  # the search matched more than it shows

    @property
    def is_search(self) -> bool:
        return bool(self.query)

    @property
    def limit(self) -> int:
        return SEARCH_LIMIT if self.is_search else SUGGESTION_LIMIT


def clean_query(text: str | None) -> str:
    """The search as typed, trimmed, whitespace collapsed and capped in length."""
    return " ".join((text or "").split())[:MAX_QUERY_LENGTH].strip()


def _level_rank() -> Case:
    """Company first, then department, team, individual (the stored level is plain text)."""
    whens = [When(level=level, then=Value(rank)) for level, rank in LEVEL_ORDER.items()]
    return Case(*whens, default=Value(len(LEVEL_ORDER)), output_field=IntegerField())


def _ordered(qs: QuerySet[Objective]) -> QuerySet[Objective]:
    return qs.annotate(level_rank=_level_rank()).order_by("level_rank", "title", "id")


def alignment_search(
    *,
    actor: Membership,
    objective: Objective,
    text: str,
    limit: int = SEARCH_LIMIT,
    candidates: QuerySet[Objective] | None = None,
) -> AlignChoices:
    """Up to ``limit`` candidates whose title or team name contains every word of ``text``,
    by level then title. ``has_more`` says the search matched more than that."""
    query = clean_query(text)
    if not query:
        return AlignChoices(query="")
    qs = candidates if candidates is not None else alignment_candidates(actor=actor, objective=objective)
    for term in query.split()[:MAX_TERMS]:
        qs = qs.filter(Q(title__icontains=term) | Q(team__name__icontains=term))
    rows = list(_ordered(qs)[: limit + 1])
    return AlignChoices(objectives=rows[:limit], query=query, has_more=len(rows) > limit)


def _ancestor_team_ids(objective: Objective) -> set[int]:
    """The teams above the objective's team; for an individual objective, the owner's teams and
    the teams above them. One query whatever the depth (up to ``ANCESTOR_DEPTH``)."""
    chain = ["parent_id"] + ["__".join(["parent"] * n) + "__parent_id" for n in range(1, ANCESTOR_DEPTH)]
    if objective.team_id is not None:
        rows = list(Team.objects.filter(pk=objective.team_id).values_list(*chain))
    else:
        rows = list(
            TeamMember.objects.filter(membership_id=objective.owner_id).values_list(
                "team_id", *[f"team__{c}" for c in chain]
            )
        )
    return {team_id for row in rows for team_id in row if team_id is not None}


def alignment_suggestions(
    *,
    actor: Membership,
    objective: Objective,
    limit: int = SUGGESTION_LIMIT,
    candidates: QuerySet[Objective] | None = None,
) -> AlignChoices:
    """The likeliest parents before anything is typed: candidates of the teams above the
    objective's team (an individual objective: its owner's teams and those above them) and
    company-level candidates, by level then title."""
    qs = candidates if candidates is not None else alignment_candidates(actor=actor, objective=objective)
    likely = Q(level="company")
    teams = _ancestor_team_ids(objective)
    if teams:
        likely |= Q(team_id__in=teams)
    return AlignChoices(objectives=list(_ordered(qs.filter(likely))[:limit]))


def alignment_choices(
    *,
    actor: Membership,
    objective: Objective,
    text: str | None,
    candidates: QuerySet[Objective] | None = None,
) -> AlignChoices:
    """Search results for ``text``, or suggestions when it is empty."""
    query = clean_query(text)
    if candidates is None:
        candidates = alignment_candidates(actor=actor, objective=objective)
    if query:
        return alignment_search(actor=actor, objective=objective, text=query, candidates=candidates)
    return alignment_suggestions(actor=actor, objective=objective, candidates=candidates)
