"""The built-in library holds itself to the quality rules of seed 000: qualitative objectives,
three or four measurable key results each, outcomes rather than tasks."""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import parse_qs

from ambit.library.builtin import BUILTIN, builtin_get
from ambit.library.specs import Function, TemplateSpec, search_words

TASK_VERBS = ("launch", "implement", "build", "ship", "release", "create", "complete")
PER_FUNCTION = {
    "company": 6,
    "engineering": 6,
    "product": 6,
    "sales": 5,
    "marketing": 5,
    "customer_success": 5,
    "people": 5,
    "finance": 5,
    "operations": 5,
}


def test_at_least_forty_templates_spread_over_every_function() -> None:
    assert len(BUILTIN) == 48
    assert dict(Counter(t.function for t in BUILTIN)) == PER_FUNCTION
    assert set(PER_FUNCTION) == set(Function.values)


def test_keys_are_unique_and_found_by_slug() -> None:
    keys = [t.key for t in BUILTIN]
    assert len(set(keys)) == len(keys)
    assert builtin_get("eng-reliability") is not None
    assert builtin_get("eng-reliability").title == "Make our platform something customers never have to think about"  # type: ignore[union-attr]
    assert builtin_get("no-such-template") is None


def test_every_template_has_three_or_four_measurable_key_results() -> None:
    for template in BUILTIN:
        assert 3 <= len(template.key_results) <= 4, template.key
        for kr in template.key_results:
            assert kr.unit.strip() and len(kr.unit) <= 24, (template.key, kr.title)
            assert kr.kind in ("increase", "decrease"), (template.key, kr.title)
            assert kr.start is not None and kr.target is not None
            assert kr.target != kr.start, (template.key, kr.title)
            # The direction agrees with the numbers: "increase to" goes up, "decrease to" down.
            assert (kr.target > kr.start) == (kr.direction == "up"), (template.key, kr.title)


def test_no_key_result_is_a_task() -> None:
    for template in BUILTIN:
        for kr in template.key_results:
            first = kr.title.split()[0].casefold()
            assert first not in TASK_VERBS, (template.key, kr.title)


def test_objectives_are_qualitative_and_described() -> None:
    for template in BUILTIN:
        assert not re.search(r"\d", template.title), f"{template.key}: an objective is not a number"
        assert template.description.strip(), template.key
        assert len(template.title) <= 300
        assert template.ambition in ("committed", "aspirational")
    assert {t.ambition for t in BUILTIN} == {"committed", "aspirational"}


def test_titles_are_not_repeated() -> None:
    titles = Counter(t.title.casefold() for t in BUILTIN)
    assert [t for t, n in titles.items() if n > 1] == []


def test_prefill_carries_the_objective_and_each_key_result_row() -> None:
    template = builtin_get("eng-performance")
    assert isinstance(template, TemplateSpec)
    params = parse_qs(template.use_query(cycle_id=7, team_id=3))
    assert params["title"] == ["Make every page feel instant"]
    assert params["ambition"] == ["committed"]
    assert params["cycle"] == ["7"] and params["team"] == ["3"]
    assert params["kr-0-title"] == ["p95 page load time"]
    assert params["kr-0-kind"] == ["decrease"]
    assert (params["kr-0-start_value"], params["kr-0-target_value"], params["kr-0-unit"]) == (
        ["2800"],
        ["1200"],
        ["ms"],
    )
    assert params["kr-2-title"] == ["Sessions with good Core Web Vitals"]
    assert "kr-3-title" not in params


def test_search_matches_title_description_and_key_results_with_every_word() -> None:
    def found(query: str) -> set[str]:
        return {t.key for t in BUILTIN if t.matches(search_words(query))}

    assert "builtin:eng-performance" in found("core web vitals")  # a key result's title
    assert "builtin:eng-reliability" in found("TRUST outage")  # description, any case
    assert found("instant page") == {"builtin:eng-performance"}
    assert found("") == {t.key for t in BUILTIN}
    assert found("zzzz nothing") == set()


def test_the_quality_check_finds_no_problem_or_warning_in_any_template() -> None:
    from ambit.okrs.engine.quality import KRFacts, ObjectiveFacts, assess

    for template in BUILTIN:
        facts = ObjectiveFacts(
            title=template.title,
            description=template.description,
            ambition=template.ambition,
            key_results=tuple(
                KRFacts(title=kr.title, kind=kr.kind, start=kr.start, target=kr.target, unit=kr.unit, position=i)
                for i, kr in enumerate(template.key_results)
            ),
        )
        serious = [f.code for f in assess(facts).findings if f.severity in ("problem", "warning")]
        assert serious == [], template.key
