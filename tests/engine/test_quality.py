"""The quality rules: pure, each with positive and negative examples, and the score's properties."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from ambit.okrs.engine import quality as q
from ambit.okrs.engine.quality import Context, Finding, KRFacts, Limits, ObjectiveFacts, PeerKR, assess


def kr(title: str = "Grow weekly active teams", kind: str = "increase", **kw: object) -> KRFacts:
    values: dict[str, object] = {"start": Decimal(40), "target": Decimal(80), "unit": "teams"}
    values.update(kw)
    return KRFacts(title=title, kind=kind, **values)  # type: ignore[arg-type]


GOOD = ObjectiveFacts(
    title="Delight new customers in their first week",
    description="Churn starts in week one.",
    key_results=(
        kr(position=0),
        kr("Cut onboarding time", "decrease", start=Decimal(14), target=Decimal(5), unit="days", position=1),
        kr("Raise activation rate", unit="", unit_kind="percent", start=Decimal(20), target=Decimal(45), position=2),
    ),
)


def codes(obj: ObjectiveFacts, ctx: Context | None = None) -> list[str]:
    return [f.code for f in assess(obj, ctx).findings]


def with_krs(*krs: KRFacts, **kw: object) -> ObjectiveFacts:
    return replace(GOOD, key_results=tuple(replace(k, position=i) for i, k in enumerate(krs)), **kw)  # type: ignore[arg-type]


def test_good_objective_has_no_findings() -> None:
    assert assess(GOOD).findings == []
    assert assess(GOOD).score == 100


# --- key results ---------------------------------------------------------------------------------


def test_no_target() -> None:
    assert "kr_no_target" in codes(with_krs(kr(target=None), *GOOD.key_results[1:]))
    assert "kr_no_target" in codes(with_krs(kr(start=Decimal(5), target=Decimal(5)), *GOOD.key_results[1:]))
    assert "kr_no_target" not in codes(with_krs(kr("Keep uptime", "stay_above", start=None, target=Decimal(99))))


def test_no_unit() -> None:
    assert "kr_no_unit" in codes(with_krs(kr(unit=""), *GOOD.key_results[1:]))
    assert "kr_no_unit" in codes(with_krs(kr("Grow revenue", unit="", unit_kind="currency"), *GOOD.key_results[1:]))
    assert "kr_no_unit" not in codes(with_krs(kr(unit="", unit_kind="percent"), *GOOD.key_results[1:]))
    assert "kr_no_unit" not in codes(with_krs(kr(unit="users"), *GOOD.key_results[1:]))


def test_task_key_results() -> None:
    task = with_krs(kr("Launch the new pricing page", "binary", start=None, target=None), *GOOD.key_results[1:])
    found = [f for f in assess(task).findings if f.code == "kr_is_task"]
    assert found and found[0].severity == "problem" and found[0].key_result_position == 0
    assert "measure that" in found[0].fix
    assert "kr_is_task" in codes(with_krs(kr("Implement SSO"), *GOOD.key_results[1:]))
    assert "kr_is_task" in codes(with_krs(kr("Set up the data warehouse"), *GOOD.key_results[1:]))
    # a binary key result without a task verb is still activity, a warning
    binary = assess(with_krs(kr("Pricing page is live", "binary"), *GOOD.key_results[1:]))
    assert [(f.code, f.severity) for f in binary.findings] == [("kr_is_task", "warning")]
    # a number makes it a measure; "launch" inside an outcome title is fine for a value kind
    assert "kr_is_task" not in codes(with_krs(kr("Ship 12 customer-requested fixes"), *GOOD.key_results[1:]))
    assert "kr_is_task" not in codes(with_krs(kr("Grow conversion after the launch"), *GOOD.key_results[1:]))
    assert "kr_is_task" not in codes(GOOD)


def test_milestones_without_milestones() -> None:
    empty = with_krs(kr("Checkout flow milestones", "milestones"), *GOOD.key_results[1:])
    assert "kr_no_measure" in codes(empty)
    assert "kr_no_measure" not in codes(
        with_krs(kr("Checkout flow milestones", "milestones", milestone_count=3), *GOOD.key_results[1:])
    )


def test_already_met() -> None:
    assert "kr_target_already_met" in codes(with_krs(kr(start=Decimal(90), target=Decimal(80)), *GOOD.key_results[1:]))
    assert "kr_target_already_met" in codes(
        with_krs(kr("Cut churn", "decrease", start=Decimal(2), target=Decimal(5)), *GOOD.key_results[1:])
    )
    assert "kr_target_already_met" not in codes(GOOD)


def test_missing_owner() -> None:
    assert "objective_no_owner" in codes(replace(GOOD, has_owner=False))
    found = assess(with_krs(kr(has_owner=False, id=7), *GOOD.key_results[1:])).findings
    assert [(f.code, f.key_result_id) for f in found] == [("kr_no_owner", 7)]


# --- objectives ----------------------------------------------------------------------------------


def test_objective_is_a_number() -> None:
    for title in ("Reach $2M ARR", "Grow revenue 30%", "Get to 10k users", "Close 150 deals", "€500k pipeline"):
        assert q.objective_is_number(title), title
    for title in ("Delight customers in Q3", "Win the 2026 enterprise market", "Be the team people want to join"):
        assert not q.objective_is_number(title), title
    assert "objective_is_number" in codes(replace(GOOD, title="Reach $2M ARR this year"))


def test_key_result_count() -> None:
    assert codes(with_krs()) == ["kr_none"]
    assert codes(with_krs(GOOD.key_results[0])) == ["kr_too_few"]
    assert codes(with_krs(*GOOD.key_results[:2])) == ["kr_few"]
    six = [kr(f"Grow metric {name}", unit="u") for name in ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot")]
    assert codes(with_krs(*six)) == ["kr_too_many"]
    assert codes(with_krs(*six[:5])) == []
    severities = {f.code: f.severity for f in assess(with_krs()).findings}
    assert severities == {"kr_none": "problem"}


def test_aspirational_without_stretch() -> None:
    timid = with_krs(
        kr(start=Decimal(100), target=Decimal(105)),
        kr("Cut onboarding time", "decrease", start=Decimal(10), target=Decimal("9.5"), unit="days"),
        kr("Keep uptime", "stay_above", start=None, target=Decimal(99), unit="%"),
        ambition="aspirational",
    )
    assert "aspirational_no_stretch" in codes(timid)
    assert "aspirational_no_stretch" not in codes(replace(timid, ambition="committed"))
    # a stretch target counts as the leap
    leap = replace(timid, key_results=(replace(timid.key_results[0], stretch=Decimal(150)), *timid.key_results[1:]))
    assert "aspirational_no_stretch" not in codes(leap)
    assert "aspirational_no_stretch" not in codes(replace(GOOD, ambition="aspirational"))


def test_vague_title_and_description_are_tips() -> None:
    found = assess(replace(GOOD, title="Growth", description="")).findings
    assert {(f.code, f.severity) for f in found} == {("objective_vague", "tip"), ("objective_no_description", "tip")}


def test_too_many_objectives_from_context() -> None:
    assert "team_too_many_objectives" in codes(GOOD, Context(team_objective_count=6))
    assert "team_too_many_objectives" not in codes(GOOD, Context(team_objective_count=5))
    assert "team_too_many_objectives" not in codes(
        GOOD, Context(team_objective_count=6, limits=Limits(max_objectives_per_team=8))
    )
    assert "person_too_many_objectives" in codes(GOOD, Context(person_objective_count=4))
    assert "person_too_many_objectives" not in codes(GOOD, Context(person_objective_count=3))


def test_duplicates_and_competing() -> None:
    twin = with_krs(
        GOOD.key_results[0], replace(GOOD.key_results[0], title="Grow the weekly active teams"), GOOD.key_results[1]
    )
    assert codes(twin).count("kr_duplicate") == 2
    peer = PeerKR("Sales objective", kr("Grow weekly active teams!"))
    found = [f for f in assess(GOOD, Context(peers=(peer,))).findings if f.code == "kr_duplicate"]
    assert len(found) == 1 and "Sales objective" in found[0].message
    hidden = PeerKR("Secret objective", kr("Grow weekly active teams!"), hidden=True)
    found = [f for f in assess(GOOD, Context(peers=(hidden,))).findings if f.code == "kr_duplicate"]
    assert len(found) == 1 and "Secret" not in found[0].message and "another objective" in found[0].message
    rival = PeerKR(
        "Finance objective", kr("Reduce weekly active teams", "decrease", start=Decimal(80), target=Decimal(60))
    )
    assert "kr_competing" in codes(GOOD, Context(peers=(rival,)))
    other_unit = PeerKR("Finance", kr("Reduce weekly active teams", "decrease", unit="€", unit_kind="currency"))
    assert "kr_competing" not in codes(GOOD, Context(peers=(other_unit,)))
    assert "kr_duplicate" not in codes(GOOD, Context(peers=(PeerKR("x", kr("Hire support engineers", unit="people")),)))


# --- the score -----------------------------------------------------------------------------------


def test_score_weights() -> None:
    f = [Finding("a", "problem", "", ""), Finding("b", "warning", "", ""), Finding("c", "tip", "", "")]
    assert q.score(f) == 100 - 25 - 10 - 3
    assert q.score(f * 10) == 0
    assert q.team_score([100, 50, 61]) == 70
    assert q.team_score([]) is None


titles = st.text(alphabet=st.sampled_from("abcdefgh launch implement 0123456789$%€"), max_size=40)
decimals = st.one_of(st.none(), st.decimals(min_value=-1000, max_value=1000, places=2, allow_nan=False))
kr_strategy = st.builds(
    KRFacts,
    title=titles,
    kind=st.sampled_from(["increase", "decrease", "stay_above", "stay_below", "milestones", "binary"]),
    start=decimals,
    target=decimals,
    stretch=decimals,
    unit=st.sampled_from(["", "users", "%", "€"]),
    unit_kind=st.sampled_from(["number", "percent", "currency"]),
    has_owner=st.booleans(),
    milestone_count=st.integers(0, 4),
)
objective_strategy = st.builds(
    ObjectiveFacts,
    title=titles,
    description=st.sampled_from(["", "why"]),
    ambition=st.sampled_from(["committed", "aspirational"]),
    has_owner=st.booleans(),
    key_results=st.lists(kr_strategy, max_size=8).map(
        lambda ks: tuple(replace(k, position=i) for i, k in enumerate(ks))
    ),
)
context_strategy = st.builds(
    Context,
    team_objective_count=st.integers(0, 9),
    person_objective_count=st.integers(0, 6),
    peers=st.lists(st.builds(PeerKR, objective_title=titles, key_result=kr_strategy), max_size=4).map(tuple),
)


@given(objective_strategy, context_strategy)
def test_score_in_range_and_stable(obj: ObjectiveFacts, ctx: Context) -> None:
    first = assess(obj, ctx)
    assert 0 <= first.score <= 100
    assert assess(obj, ctx) == first  # same input, same findings in the same order
    assert all(f.severity in q.SEVERITIES and f.message and f.fix for f in first.findings)


@given(st.lists(st.sampled_from(q.SEVERITIES), max_size=12), st.sampled_from(q.SEVERITIES))
def test_adding_a_finding_never_raises_the_score(severities: list[str], extra: str) -> None:
    findings = [Finding(str(i), s, "m", "f") for i, s in enumerate(severities)]
    assert q.score([*findings, Finding("x", extra, "m", "f")]) <= q.score(findings)


@given(objective_strategy, context_strategy)
def test_a_new_problem_never_raises_the_score(obj: ObjectiveFacts, ctx: Context) -> None:
    # Losing the owner (a problem) or every key result's owner lowers the score or keeps it at 0.
    before = assess(obj, ctx).score
    assert assess(replace(obj, has_owner=False), ctx).score <= before
    orphaned = tuple(replace(k, has_owner=False) for k in obj.key_results)
    assert assess(replace(obj, key_results=orphaned), ctx).score <= before
