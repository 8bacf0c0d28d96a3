"""Quality check: is this a good OKR? (PRODUCT.md §2 "Write good OKRs", seed 000 "S.M.A.R.T.",
"ramp up ambition"). Pure rules: plain facts in, findings out; no Django, no database.

Each rule is a function with a stable ``code``, a severity, the reason (``message``) and a
suggested ``fix``. The feeder (``ambit.okrs.quality``) loads the facts for many objectives in a
constant number of queries; the web form check builds them from what is being typed.

Severities:
- ``problem``: the OKR cannot be scored honestly as written (nothing measurable, a task instead
  of an outcome, a target already met, no owner, no key results at all);
- ``warning``: it can be scored but it is likely to mislead or to spread focus (one key result,
  more than five, a number as the objective, missing unit, duplicates, competing key results, too
  many objectives, an aspirational objective without stretch);
- ``tip``: craft (two key results where three to five is ideal, a short title, no description).

Score: 100 minus the sum of the findings' weights (``SEVERITY_WEIGHTS``), never below 0, so
adding a finding never raises it. A team's score is the plain mean of its objectives' scores.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final

from .constants import AMBITION_ASPIRATIONAL, KIND_BINARY, KIND_DECREASE, KIND_INCREASE, KIND_MILESTONES, VALUE_KINDS
from .quality_text import (
    COMPETING_JACCARD,
    DIGIT,
    DUPLICATE_SIMILARITY,
    TASK_ANYWHERE,
    WORD,
    is_duplicate,
    is_task_title,
    jaccard,
    metric_words,
    objective_is_number,
)

__all__ = [
    "ASPIRATIONAL_MIN_STRETCH",
    "DUPLICATE_SIMILARITY",
    "IDEAL_MAX_KEY_RESULTS",
    "IDEAL_MIN_KEY_RESULTS",
    "MAX_OBJECTIVES_PER_PERSON",
    "MAX_OBJECTIVES_PER_TEAM",
    "SEVERITIES",
    "SEVERITY_WEIGHTS",
    "Assessment",
    "Context",
    "Finding",
    "KRFacts",
    "Limits",
    "ObjectiveFacts",
    "PeerKR",
    "assess",
    "is_competing",
    "is_duplicate",
    "is_task_title",
    "objective_is_number",
    "score",
    "team_score",
]

PROBLEM: Final = "problem"
WARNING: Final = "warning"
TIP: Final = "tip"
SEVERITIES: Final[tuple[str, ...]] = (PROBLEM, WARNING, TIP)
# What each finding takes off the objective's 100: a problem is a quarter of the score, so four
# problems make 0; a warning a tenth; a tip barely moves it.
SEVERITY_WEIGHTS: Final[dict[str, int]] = {PROBLEM: 25, WARNING: 10, TIP: 3}
MAX_SCORE: Final = 100

# Seed 000: three to five key results per objective; two is acceptable, one is not a set.
IDEAL_MIN_KEY_RESULTS: Final = 3
IDEAL_MAX_KEY_RESULTS: Final = 5
# Seed 000: three to five objectives: the defaults of the charter's own limits (Organisation.max_objectives_*).
MAX_OBJECTIVES_PER_TEAM: Final = 5
MAX_OBJECTIVES_PER_PERSON: Final = 3
# An aspirational objective whose every moving key result stays within 10% of its start has no stretch.
ASPIRATIONAL_MIN_STRETCH: Final = 0.10
# Shorter titles are too vague to guide anyone.
MIN_TITLE_WORDS: Final = 3
MIN_TITLE_CHARS: Final = 12


@dataclass(frozen=True)
class KRFacts:
    """What the rules need to know about one live key result."""

    title: str
    kind: str
    start: Decimal | None = None
    target: Decimal | None = None
    stretch: Decimal | None = None
    unit: str = ""
    unit_kind: str = "number"
    has_owner: bool = True
    milestone_count: int = 0
    id: int | None = None
    # Its place in the objective's list (0-based): identifies rows not saved yet (the form check).
    position: int = 0


@dataclass(frozen=True)
class ObjectiveFacts:
    title: str
    description: str = ""
    ambition: str = "committed"
    has_owner: bool = True
    key_results: tuple[KRFacts, ...] = ()
    id: int | None = None


@dataclass(frozen=True)
class PeerKR:
    """A key result of another objective in the same team (or the same person's) and cycle."""

    objective_title: str
    key_result: KRFacts
    # Not public: findings name neither it nor its key result (the reader may not see them).
    hidden: bool = False


@dataclass(frozen=True)
class Limits:
    """The charter's limits on objectives per team and per person (defaults: seed 000's)."""

    max_objectives_per_team: int = MAX_OBJECTIVES_PER_TEAM
    max_objectives_per_person: int = MAX_OBJECTIVES_PER_PERSON


@dataclass(frozen=True)
class Context:
    """Where the objective sits: how many live objectives share its team (or, for an individual
    objective, its owner) in the cycle, itself included, and those objectives' key results."""

    team_objective_count: int = 0
    person_objective_count: int = 0
    peers: tuple[PeerKR, ...] = ()
    limits: Limits = field(default_factory=Limits)


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    message: str
    fix: str
    key_result_id: int | None = None
    # The key result's place in its objective's list, None for a finding about the objective.
    key_result_position: int | None = None

    @property
    def is_problem(self) -> bool:
        return self.severity == PROBLEM


@dataclass(frozen=True)
class Assessment:
    score: int
    findings: list[Finding]

    def for_key_result(self, key_result_id: int) -> list[Finding]:
        return [f for f in self.findings if f.key_result_id == key_result_id]

    @property
    def objective_findings(self) -> list[Finding]:
        return [f for f in self.findings if f.key_result_position is None]

    @property
    def problem_count(self) -> int:
        return sum(1 for f in self.findings if f.severity == PROBLEM)


def _kr_finding(kr: KRFacts, code: str, severity: str, message: str, fix: str) -> Finding:
    return Finding(code, severity, message, fix, key_result_id=kr.id, key_result_position=kr.position)


def _quoted(title: str) -> str:
    return f"“{title.strip()}”"


# ---- key result rules ------------------------------------------------------------------------


def rule_kr_no_target(kr: KRFacts) -> Finding | None:
    """A value key result with no target, or one that asks for no change (target == start)."""
    if kr.kind not in VALUE_KINDS:
        return None
    if kr.target is None:
        return _kr_finding(
            kr,
            "kr_no_target",
            PROBLEM,
            f"{_quoted(kr.title)} has no target, so nobody can tell whether it was reached.",
            "Set the number you want to reach by the end of the cycle.",
        )
    if kr.kind in (KIND_INCREASE, KIND_DECREASE) and kr.start is not None and kr.start == kr.target:
        return _kr_finding(
            kr,
            "kr_no_target",
            PROBLEM,
            f"{_quoted(kr.title)} starts where it ends ({kr.start}): it asks for no change.",
            "Set a target that differs from the start value, or use “stay above/below” to hold a level.",
        )
    return None


def rule_kr_no_unit(kr: KRFacts) -> Finding | None:
    """A number or an amount of money without saying of what."""
    if kr.kind not in VALUE_KINDS or kr.unit.strip():
        return None
    if kr.unit_kind == "number":
        return _kr_finding(
            kr,
            "kr_no_unit",
            WARNING,
            f"{_quoted(kr.title)} counts a number without saying of what.",
            "Add a unit (users, tickets, days…) so the target reads on its own.",
        )
    if kr.unit_kind == "currency":
        return _kr_finding(
            kr,
            "kr_no_unit",
            WARNING,
            f"{_quoted(kr.title)} is an amount of money without a currency.",
            "Add the currency (€, $, £…) as the unit.",
        )
    return None


def rule_kr_is_task(kr: KRFacts) -> Finding | None:
    """A key result that is really a task: done or not done, it says nothing about what changed."""
    fix = "Ask what changes when it is done and measure that (e.g. adoption, conversion, time saved)."
    measured = kr.kind in VALUE_KINDS
    if is_task_title(kr.title) or (not measured and TASK_ANYWHERE.search(kr.title) and not DIGIT.search(kr.title)):
        return _kr_finding(kr, "kr_is_task", PROBLEM, f"{_quoted(kr.title)} describes work to do, not a result.", fix)
    if kr.kind == KIND_BINARY:
        return _kr_finding(
            kr,
            "kr_is_task",
            WARNING,
            f"{_quoted(kr.title)} is done or not done: it measures activity, not an outcome.",
            fix,
        )
    if kr.kind == KIND_MILESTONES and kr.milestone_count == 0:
        return _kr_finding(
            kr,
            "kr_no_measure",
            PROBLEM,
            f"{_quoted(kr.title)} is a milestone checklist with no milestones: nothing measures it.",
            "Add its milestones, or better, a number that shows what they change.",
        )
    return None


def rule_kr_already_met(kr: KRFacts) -> Finding | None:
    """The target is already behind the start: reached on day one."""
    if kr.start is None or kr.target is None:
        return None
    met = (kr.kind == KIND_INCREASE and kr.start > kr.target) or (kr.kind == KIND_DECREASE and kr.start < kr.target)
    if not met:
        return None
    direction = "above" if kr.kind == KIND_INCREASE else "below"
    return _kr_finding(
        kr,
        "kr_target_already_met",
        PROBLEM,
        f"{_quoted(kr.title)} starts at {kr.start}, already {direction} its target {kr.target}: "
        "it is met before it begins.",
        "Raise the target beyond where you are today, or check that start and target are not swapped.",
    )


def rule_kr_owner(kr: KRFacts) -> Finding | None:
    if kr.has_owner:
        return None
    return _kr_finding(
        kr,
        "kr_no_owner",
        PROBLEM,
        f"{_quoted(kr.title)} has no active owner: nobody will check in on it.",
        "Give it an owner who can move the number.",
    )


KR_RULES: Final = (rule_kr_no_target, rule_kr_no_unit, rule_kr_is_task, rule_kr_already_met, rule_kr_owner)


# ---- objective rules -------------------------------------------------------------------------


def rule_objective_number(obj: ObjectiveFacts) -> Finding | None:
    if not objective_is_number(obj.title):
        return None
    return Finding(
        "objective_is_number",
        WARNING,
        f"The objective {_quoted(obj.title)} is a number: objectives say what you want and why, numbers measure it.",
        "Write the objective as a qualitative, inspiring goal and move the number into a key result.",
    )


def rule_objective_kr_count(obj: ObjectiveFacts) -> Finding | None:
    n = len(obj.key_results)
    if n == 0:
        return Finding(
            "kr_none",
            PROBLEM,
            "This objective has no key results: nothing says when it is achieved.",
            f"Add {IDEAL_MIN_KEY_RESULTS} to {IDEAL_MAX_KEY_RESULTS} measurable key results.",
        )
    if n == 1:
        return Finding(
            "kr_too_few",
            WARNING,
            "One key result is the objective restated as a number; one measure is easy to game.",
            f"Add key results until there are {IDEAL_MIN_KEY_RESULTS} to {IDEAL_MAX_KEY_RESULTS}, "
            "including one that guards quality.",
        )
    if n < IDEAL_MIN_KEY_RESULTS:
        return Finding(
            "kr_few",
            TIP,
            f"Two key results can work; {IDEAL_MIN_KEY_RESULTS} to {IDEAL_MAX_KEY_RESULTS} "
            "describe an objective better.",
            "Consider a third key result that balances the other two.",
        )
    if n > IDEAL_MAX_KEY_RESULTS:
        return Finding(
            "kr_too_many",
            WARNING,
            f"{n} key results spread focus: more than {IDEAL_MAX_KEY_RESULTS} is a to-do list.",
            f"Keep the {IDEAL_MAX_KEY_RESULTS} that matter most; track the rest as KPIs or initiatives.",
        )
    return None


def rule_objective_owner(obj: ObjectiveFacts) -> Finding | None:
    if obj.has_owner:
        return None
    return Finding(
        "objective_no_owner",
        PROBLEM,
        "This objective has no active owner: nobody is accountable for it.",
        "Give it an owner.",
    )


def rule_objective_title(obj: ObjectiveFacts) -> Finding | None:
    title = obj.title.strip()
    if len(WORD.findall(title.lower())) >= MIN_TITLE_WORDS and len(title) >= MIN_TITLE_CHARS:
        return None
    return Finding(
        "objective_vague",
        TIP,
        f"{_quoted(title)} is short: a reader outside the team may not know what it means.",
        "Say what you want to achieve and, if it helps, for whom.",
    )


def rule_objective_description(obj: ObjectiveFacts) -> Finding | None:
    if obj.description.strip():
        return None
    return Finding(
        "objective_no_description",
        TIP,
        "There is no description: why this objective matters now is left unsaid.",
        "Add a sentence or two on why it matters this cycle.",
    )


def _relative_change(kr: KRFacts) -> float | None:
    if kr.kind not in (KIND_INCREASE, KIND_DECREASE) or kr.start is None or kr.target is None:
        return None
    goal = kr.stretch if kr.stretch is not None else kr.target
    if kr.start == 0:
        return math.inf if goal != 0 else 0.0
    return float(abs(goal - kr.start) / abs(kr.start))


def rule_aspirational_stretch(obj: ObjectiveFacts) -> Finding | None:
    if obj.ambition != AMBITION_ASPIRATIONAL:
        return None
    changes = [c for c in (_relative_change(kr) for kr in obj.key_results) if c is not None]
    if not changes or max(changes) > ASPIRATIONAL_MIN_STRETCH:
        return None
    return Finding(
        "aspirational_no_stretch",
        WARNING,
        f"It is aspirational, yet every key result moves less than {ASPIRATIONAL_MIN_STRETCH:.0%} from its start.",
        "Set targets you would reach only with a leap (about 70% is a success), or make it committed.",
    )


def rule_objective_count(obj: ObjectiveFacts, ctx: Context) -> Finding | None:
    limit_team = ctx.limits.max_objectives_per_team
    limit_person = ctx.limits.max_objectives_per_person
    if ctx.team_objective_count > limit_team:
        return Finding(
            "team_too_many_objectives",
            WARNING,
            f"The team has {ctx.team_objective_count} objectives this cycle; "
            f"the charter suggests at most {limit_team}.",
            "Merge or drop objectives until the team's focus is clear.",
        )
    if ctx.person_objective_count > limit_person:
        return Finding(
            "person_too_many_objectives",
            WARNING,
            f"The owner has {ctx.person_objective_count} individual objectives this cycle; "
            f"the charter suggests at most {limit_person}.",
            "Keep the few that matter most.",
        )
    return None


OBJECTIVE_RULES: Final = (
    rule_objective_owner,
    rule_objective_kr_count,
    rule_objective_number,
    rule_aspirational_stretch,
    rule_objective_title,
    rule_objective_description,
)


# ---- duplicate and competing key results ------------------------------------------------------


def _unit_key(kr: KRFacts) -> tuple[str, str]:
    return (kr.unit_kind, kr.unit.strip().lower())


def is_competing(a: KRFacts, b: KRFacts) -> bool:
    """Same metric and unit, pushed in opposite directions."""
    directions = {a.kind, b.kind}
    if directions != {KIND_INCREASE, KIND_DECREASE} or _unit_key(a) != _unit_key(b):
        return False
    return jaccard(metric_words(a.title), metric_words(b.title)) >= COMPETING_JACCARD


def _pair_findings(kr: KRFacts, other: KRFacts, where: str, hidden: bool = False) -> Finding | None:
    other_title = "a key result of another objective in this team" if hidden else _quoted(other.title)
    where = "" if hidden else where
    if is_competing(kr, other):
        return _kr_finding(
            kr,
            "kr_competing",
            WARNING,
            f"{_quoted(kr.title)} pushes the same metric the other way from {other_title}{where}.",
            "Agree on one direction, or make the trade-off explicit in one key result with a guard rail.",
        )
    if is_duplicate(kr.title, other.title):
        return _kr_finding(
            kr,
            "kr_duplicate",
            WARNING,
            f"{_quoted(kr.title)} duplicates {other_title}{where}.",
            "Keep one of them; align to the other objective instead of copying its key result.",
        )
    return None


def rule_duplicates(obj: ObjectiveFacts, ctx: Context) -> list[Finding]:
    findings: list[Finding] = []
    krs = obj.key_results
    for i, kr in enumerate(krs):
        found: Finding | None = None
        for j, other in enumerate(krs):
            if i != j:
                found = _pair_findings(kr, other, " in this objective")
                if found:
                    break
        if found is None:
            for peer in ctx.peers:
                found = _pair_findings(kr, peer.key_result, f" in {_quoted(peer.objective_title)}", peer.hidden)
                if found:
                    break
        if found is not None:
            findings.append(found)
    return findings


# ---- the whole check ---------------------------------------------------------------------------


def score(findings: Iterable[Finding]) -> int:
    """100 minus the findings' weights, never below 0."""
    lost = sum(SEVERITY_WEIGHTS[f.severity] for f in findings)
    return max(0, MAX_SCORE - lost)


def team_score(scores: Sequence[int]) -> int | None:
    """A team's quality: the rounded mean of its objectives' scores; None without objectives."""
    if not scores:
        return None
    return round(math.fsum(scores) / len(scores))


_SEVERITY_ORDER: Final = {s: i for i, s in enumerate(SEVERITIES)}


def assess(obj: ObjectiveFacts, ctx: Context | None = None) -> Assessment:
    """Every finding for one objective and its key results, most severe first, with its score."""
    ctx = ctx or Context()
    findings: list[Finding] = []
    for rule in OBJECTIVE_RULES:
        found = rule(obj)
        if found is not None:
            findings.append(found)
    count = rule_objective_count(obj, ctx)
    if count is not None:
        findings.append(count)
    for kr in obj.key_results:
        for kr_rule in KR_RULES:
            kr_found = kr_rule(kr)
            if kr_found is not None:
                findings.append(kr_found)
    findings.extend(rule_duplicates(obj, ctx))
    # Stable order: severity, then objective before key results, then list order.
    findings.sort(
        key=lambda f: (
            _SEVERITY_ORDER[f.severity],
            -1 if f.key_result_position is None else f.key_result_position,
            f.code,
        )
    )
    return Assessment(score=score(findings), findings=findings)
