import pytest
from hypothesis import given
from hypothesis import strategies as st

from ambit.okrs.engine import KRNode, ObjectiveNode, RollupResult, rollup


def tree(*nodes: ObjectiveNode) -> dict[int, ObjectiveNode]:
    return {n.id: n for n in nodes}


def test_empty_input() -> None:
    result = rollup({})
    assert isinstance(result, RollupResult)
    assert result.objective_progress == {}
    assert result.kr_progress == {}


def test_single_objective_weighted_mean() -> None:
    result = rollup(tree(ObjectiveNode(1, (KRNode(10, 1, 0.2), KRNode(11, 3, 0.6)))))
    assert result.objective_progress == {1: pytest.approx(0.5)}
    assert result.kr_progress == {10: pytest.approx(0.2), 11: pytest.approx(0.6)}


def test_objective_without_key_results_is_zero() -> None:
    assert rollup(tree(ObjectiveNode(1, ()))).objective_progress == {1: 0.0}


def test_cancelled_key_results_drop_out_but_are_reported() -> None:
    result = rollup(tree(ObjectiveNode(1, (KRNode(10, 1, 0.8), KRNode(11, 5, 0.0, cancelled=True)))))
    assert result.objective_progress[1] == pytest.approx(0.8)
    assert result.kr_progress[11] == 0.0


def test_only_cancelled_key_results_is_zero() -> None:
    result = rollup(tree(ObjectiveNode(1, (KRNode(10, 1, 0.8, cancelled=True),))))
    assert result.objective_progress[1] == 0.0


def test_zero_weight_key_result_ignored() -> None:
    result = rollup(tree(ObjectiveNode(1, (KRNode(10, 0, 1.0), KRNode(11, 1, 0.3)))))
    assert result.objective_progress[1] == pytest.approx(0.3)


def test_key_result_progress_is_clamped() -> None:
    result = rollup(tree(ObjectiveNode(1, (KRNode(10, 1, 1.7), KRNode(11, 1, -0.2)))))
    assert result.kr_progress == {10: 1.0, 11: 0.0}
    assert result.objective_progress[1] == pytest.approx(0.5)


def test_duality_key_result_takes_child_progress() -> None:
    nodes = tree(
        ObjectiveNode(1, (KRNode(10, 1, 0.0, from_children=(2,)), KRNode(11, 1, 0.4))),
        ObjectiveNode(2, (KRNode(20, 1, 0.6), KRNode(21, 1, 1.0))),
    )
    result = rollup(nodes)
    assert result.objective_progress[2] == pytest.approx(0.8)
    assert result.kr_progress[10] == pytest.approx(0.8)
    assert result.objective_progress[1] == pytest.approx(0.6)


def test_duality_takes_plain_mean_of_several_children() -> None:
    nodes = tree(
        ObjectiveNode(1, (KRNode(10, 1, 0.0, from_children=(2, 3)),)),
        ObjectiveNode(2, (KRNode(20, 1, 0.2),)),
        ObjectiveNode(3, (KRNode(30, 9, 0.6),)),
    )
    result = rollup(nodes)
    assert result.kr_progress[10] == pytest.approx(0.4)
    assert result.objective_progress[1] == pytest.approx(0.4)


def test_duality_ignores_unknown_children_and_falls_back_to_own_progress() -> None:
    nodes = tree(
        ObjectiveNode(
            1,
            (KRNode(10, 1, 0.3, from_children=(99,)), KRNode(11, 1, 0.0, from_children=(2, 98))),
        ),
        ObjectiveNode(2, (KRNode(20, 1, 0.5),)),
    )
    result = rollup(nodes)
    assert result.kr_progress[10] == pytest.approx(0.3)
    assert result.kr_progress[11] == pytest.approx(0.5)
    assert result.objective_progress[1] == pytest.approx(0.4)


def test_duality_through_three_levels() -> None:
    nodes = tree(
        ObjectiveNode(3, (KRNode(30, 1, 0.9),)),
        ObjectiveNode(1, (KRNode(10, 1, 0.0, from_children=(2,)),)),
        ObjectiveNode(2, (KRNode(20, 1, 0.0, from_children=(3,)), KRNode(21, 1, 0.1))),
    )
    result = rollup(nodes)
    assert result.objective_progress == {
        3: pytest.approx(0.9),
        2: pytest.approx(0.5),
        1: pytest.approx(0.5),
    }


@pytest.mark.parametrize(
    ("blend", "expected"),
    [
        (0.0, 0.2),  # children do not count without a blend
        (0.5, 0.2 * 0.5 + 0.5 * (0.6 * 1 + 1.0 * 3) / 4),
        (1.0, (0.6 * 1 + 1.0 * 3) / 4),
    ],
)
def test_classic_blend_uses_alignment_weights(blend: float, expected: float) -> None:
    nodes = tree(
        ObjectiveNode(1, (KRNode(10, 1, 0.2),), children=((2, 1.0), (3, 3.0))),
        ObjectiveNode(2, (KRNode(20, 1, 0.6),)),
        ObjectiveNode(3, (KRNode(30, 1, 1.0),)),
    )
    assert rollup(nodes, child_blend=blend).objective_progress[1] == pytest.approx(expected)


def test_classic_children_only_parent_takes_children_mean() -> None:
    nodes = tree(
        ObjectiveNode(1, (), children=((2, 1.0), (3, 1.0), (404, 5.0))),
        ObjectiveNode(2, (KRNode(20, 1, 0.2),)),
        ObjectiveNode(3, (KRNode(30, 1, 0.4),)),
    )
    assert rollup(nodes).objective_progress[1] == pytest.approx(0.3)


def test_classic_blend_propagates_through_levels() -> None:
    nodes = tree(
        ObjectiveNode(1, (KRNode(10, 1, 0.0),), children=((2, 1.0),)),
        ObjectiveNode(2, (KRNode(20, 1, 0.0),), children=((3, 1.0),)),
        ObjectiveNode(3, (KRNode(30, 1, 1.0),)),
    )
    result = rollup(nodes, child_blend=0.5)
    assert result.objective_progress == {3: 1.0, 2: pytest.approx(0.5), 1: pytest.approx(0.25)}


def test_cycle_falls_back_to_own_key_results() -> None:
    nodes = tree(
        ObjectiveNode(1, (KRNode(10, 1, 0.2, from_children=(2,)),), children=((2, 1.0),)),
        ObjectiveNode(2, (KRNode(20, 1, 0.6),), children=((1, 1.0),)),
    )
    result = rollup(nodes, child_blend=0.5)
    assert result.objective_progress == {1: pytest.approx(0.2), 2: pytest.approx(0.6)}
    assert result.kr_progress == {10: pytest.approx(0.2), 20: pytest.approx(0.6)}


def test_self_loop_is_a_cycle() -> None:
    nodes = tree(ObjectiveNode(1, (KRNode(10, 1, 0.3, from_children=(1,)),), children=((1, 1.0),)))
    assert rollup(nodes, child_blend=0.5).objective_progress == {1: pytest.approx(0.3)}


def test_parent_of_a_cycle_still_rolls_up_from_it() -> None:
    nodes = tree(
        ObjectiveNode(1, (KRNode(10, 1, 0.0),), children=((2, 1.0),)),
        ObjectiveNode(2, (KRNode(20, 1, 0.4),), children=((3, 1.0),)),
        ObjectiveNode(3, (KRNode(30, 1, 0.8),), children=((2, 1.0),)),
        ObjectiveNode(4, (KRNode(40, 1, 0.0, from_children=(3,)),)),
    )
    result = rollup(nodes, child_blend=0.5)
    assert result.objective_progress[2] == pytest.approx(0.4)
    assert result.objective_progress[3] == pytest.approx(0.8)
    assert result.objective_progress[1] == pytest.approx(0.2)
    assert result.objective_progress[4] == pytest.approx(0.8)


def test_deep_chain_does_not_recurse() -> None:
    depth = 5000
    nodes = {
        i: ObjectiveNode(i, (KRNode(i, 1, 1.0 if i == depth - 1 else 0.0),), children=((i + 1, 1.0),))
        for i in range(depth)
    }
    result = rollup(nodes, child_blend=1.0)
    assert all(v == pytest.approx(1.0) for v in result.objective_progress.values())


def test_long_cycle_terminates() -> None:
    size = 3000
    # Every objective aligns to the next one, and the last back to the first.
    links = {i: (((i + 1) % size, 1.0),) for i in range(size)}
    nodes = {i: ObjectiveNode(i, (KRNode(i, 1, 0.5),), children=links[i]) for i in range(size)}
    result = rollup(nodes, child_blend=1.0)
    assert set(result.objective_progress.values()) == {0.5}


def test_blend_outside_unit_range_rejected() -> None:
    with pytest.raises(ValueError, match="child_blend"):
        rollup(tree(ObjectiveNode(1, ())), child_blend=2.0)


@st.composite
def graphs(draw: st.DrawFn) -> dict[int, ObjectiveNode]:
    size = draw(st.integers(min_value=1, max_value=12))
    ids = list(range(size))
    nodes: dict[int, ObjectiveNode] = {}
    kr_id = 0
    for oid in ids:
        krs: list[KRNode] = []
        for _ in range(draw(st.integers(0, 3))):
            krs.append(
                KRNode(
                    kr_id,
                    draw(st.floats(0, 10)),
                    draw(st.floats(-2, 3)),
                    cancelled=draw(st.booleans()),
                    from_children=tuple(draw(st.lists(st.integers(0, size + 2), max_size=2))),
                )
            )
            kr_id += 1
        children = tuple(draw(st.lists(st.tuples(st.integers(0, size + 2), st.floats(0, 5)), max_size=3)))
        nodes[oid] = ObjectiveNode(oid, tuple(krs), children)
    return nodes


@given(nodes=graphs(), blend=st.floats(0, 1))
def test_rollup_values_within_unit_range(nodes: dict[int, ObjectiveNode], blend: float) -> None:
    result = rollup(nodes, child_blend=blend)
    assert set(result.objective_progress) == set(nodes)
    assert all(0.0 <= v <= 1.0 for v in result.objective_progress.values())
    assert all(0.0 <= v <= 1.0 for v in result.kr_progress.values())
