"""The dashboard's time travel worked out from the audit log: ``rewind`` (pure) reads the entries
since a past moment back from today's values, and ``links_then`` puts alignment links as they were."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ambit.dashboards.rewind import KEY_RESULT, OBJECTIVE, Change, rewind
from ambit.okrs.metrics_then import links_then
from ambit.okrs.models import KeyResult, Objective

MOMENT = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)


def objective(oid: int, action: str, **changes: object) -> Change:
    return Change(OBJECTIVE, str(oid), action, changes)


def key_result(kid: int, action: str, **changes: object) -> Change:
    return Change(KEY_RESULT, str(kid), action, changes)


def test_a_field_then_is_the_before_of_its_first_change_since() -> None:
    then = rewind(
        [
            objective(1, "objective.closed", state=["active", "closed"]),
            objective(1, "objective.active", state=["closed", "active"]),
            objective(1, "objective.cancel", state=["active", "cancelled"], cancel_reason=["", "No budget"]),
            key_result(7, "key_result.update", weight=[1.0, 3.0]),
            key_result(7, "key_result.update", weight=[3.0, 0.5], target_value=["100", "120"]),
        ]
    )
    assert then.value(OBJECTIVE, 1, "state", "cancelled") == "active"
    assert then.value(KEY_RESULT, 7, "weight", 0.5) == 1.0
    assert then.value(KEY_RESULT, 7, "target_value", Decimal(120)) == Decimal(100)
    # Never changed since: as today.
    assert then.value(KEY_RESULT, 7, "start_value", Decimal(5)) == Decimal(5)
    assert then.value(OBJECTIVE, 2, "state", "active") == "active"
    assert then.changed(OBJECTIVE, "state") == {1: "active"}


def test_team_ambition_and_plan_start_read_into_their_types_and_junk_is_ignored() -> None:
    then = rewind(
        [
            objective(3, "objective.update", team=[4, 9], ambition=["committed", "aspirational"], level=["team", "x"]),
            objective(3, "objective.update", team=[9, None], plan_start=[None, "2026-11-25"]),
            key_result(8, "key_result.update", weight=["heavy", 2.0], plan_start=["2026-10-01", None]),
            key_result(8, "key_result.update", start_value=[None, "1.5"], progress_from_children=[False, True]),
            key_result(9, "check_in.record", value="12", confidence=7),  # not a [before, after] pair
            Change("okrs.milestone", "1", "key_result.update", {"weight": [1.0, 2.0]}),  # not rewound
            Change(OBJECTIVE, "5", "objective.update", "not a mapping"),
        ]
    )
    assert then.fields[(OBJECTIVE, "3")] == {"team_id": 4, "ambition": "committed", "plan_start": None}
    assert then.fields[(KEY_RESULT, "8")] == {
        "plan_start": dt.date(2026, 10, 1),
        "start_value": None,
        "progress_from_children": False,
    }  # "heavy" is no weight: today's stays
    assert (KEY_RESULT, "9") not in then.fields and len(then.fields) == 2


def test_apply_sets_the_values_then_on_unsaved_instances() -> None:
    then = rewind(
        [
            objective(1, "objective.cancel", state=["active", "cancelled"]),
            objective(1, "objective.update", team=[4, 9]),
            key_result(2, "key_result.cancel", state=["active", "cancelled"]),
            key_result(2, "key_result.update", weight=[2.0, 1.0]),
        ]
    )
    o = Objective(pk=1, state="cancelled", team_id=9)
    kr = KeyResult(pk=2, state="cancelled", weight=1.0)
    then.apply(o, OBJECTIVE)
    then.apply(kr, KEY_RESULT)
    assert (o.state, o.team_id) == ("active", 4)
    assert (kr.state, kr.weight) == ("active", 2.0)


def test_links_made_since_were_not_there_and_links_removed_since_were() -> None:
    then = rewind(
        [
            # Re-aligned since: 10 left parent 1 (weight 2) for parent 3.
            objective(10, "alignment.remove", parent=[1, None], weight=[2.0, None]),
            objective(10, "alignment.add", parent=[None, 3], weight=[None, 1.0]),
            # Added then removed since: not there then either way.
            objective(11, "alignment.add", parent=[None, 1], weight=[None, 1.0]),
            objective(11, "alignment.remove", parent=[1, None], weight=[1.0, None]),
            # Removed and re-added since, heavier: there then, with its old weight.
            objective(12, "alignment.remove", parent=[3, None], weight=[0.5, None]),
            objective(12, "alignment.add", parent=[None, 3], weight=[None, 4.0]),
            # Logged before removals recorded the weight: the default.
            objective(13, "alignment.remove", parent=[1, None]),
        ]
    )
    assert then.links == {(10, 1): 2.0, (10, 3): None, (11, 1): None, (12, 3): 0.5, (13, 1): 1.0}
    today = [(10, 3, 1.0), (12, 3, 4.0), (14, 1, 1.5)]
    past = links_then(today, then.links_at(MOMENT), parents=[1, 3])
    assert sorted(past) == [(10, 1, 2.0), (12, 3, 0.5), (13, 1, 1.0), (14, 1, 1.5)]
    # Only parents asked for come back; without a past moment, links are today's.
    assert sorted(links_then(today, then.links_at(MOMENT), parents=[3])) == [(12, 3, 0.5), (14, 1, 1.5)]
    assert links_then(today, None, parents=[1, 3]) == today


def test_links_at_carries_the_moment_and_the_objective_states_then() -> None:
    then = rewind(
        [
            objective(1, "objective.cancel", state=["active", "cancelled"]),
            key_result(2, "key_result.cancel", state=["active", "cancelled"]),
        ]
    )
    links = then.links_at(MOMENT)
    assert (links.moment, links.links, links.states) == (MOMENT, {}, {1: "active"})
    assert links.key_results is not None and links.rewind is not None  # feeders read as they were
