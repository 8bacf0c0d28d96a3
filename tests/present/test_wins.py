"""The quarter's wins: Friday wins shared in the cycle, key results met (progress 1.0, or scored
0.7+), the biggest gains from the first check-in, each under the viewer's visibility; the public
view shows only objectives visible to everyone; a team filter keeps its subtree."""

from __future__ import annotations

import pytest

from ambit.okrs import services as okrs
from ambit.present.selectors import quarter_wins
from tests.builders import World
from tests.present.helpers import build_scene
from tests.querycount import assert_queries, count_queries

pytestmark = pytest.mark.django_db


def _texts(wins: list) -> list[str]:  # type: ignore[type-arg]
    return [w.text for w in wins]


def test_the_public_view_lists_the_three_kinds_of_win(world: World) -> None:
    scene = build_scene(world)
    wins = quarter_wins(scene.cycle)
    assert _texts(wins.friday_wins) == ["Closed the Initech deal", "Fixed the flaky build"]
    friday = wins.friday_wins[0]
    assert friday.who == world.member.user.get_full_name() and friday.team_name == "Platform"
    assert friday.on is not None and friday.on.weekday() == 4
    assert friday.url.startswith("/standups/platform/week/?week=")
    assert _texts(wins.key_results_met) == ["Activation rate 40% → 61% (target 60%)"]
    met = wins.key_results_met[0]
    assert (met.who, met.team_name, met.progress) == (world.lead.user.get_full_name(), "Acme", 1.0)
    assert met.url == f"/objectives/{scene.company_obj.pk}/"
    assert _texts(wins.biggest_gains) == ["Activation rate: 10% → 100%", "Deploys a day: 20% → 70%"]
    assert [round(w.gain or 0, 6) for w in wins.biggest_gains] == [0.9, 0.5]


def test_a_member_sees_their_team_s_objectives_but_not_others_private_ones(world: World) -> None:
    scene = build_scene(world)
    member = quarter_wins(scene.cycle, viewer_id=world.member.pk)
    assert _texts(member.key_results_met) == [
        "Activation rate 40% → 61% (target 60%)",
        "Uptime: 99.9% (stay above 99.5%) · scored 0.8",
    ]
    champion = quarter_wins(scene.cycle, viewer_id=world.champion.pk)
    assert "Secret plan: done" in _texts(champion.key_results_met)
    outsider = quarter_wins(scene.cycle, viewer_id=world.outsider.pk)  # not of this organisation: public only
    assert _texts(outsider.key_results_met) == ["Activation rate 40% → 61% (target 60%)"]


def test_a_correction_of_the_first_check_in_takes_its_place(world: World) -> None:
    scene = build_scene(world)
    first = scene.deploys.checkins.order_by("created_at").first()
    okrs.check_in_record(actor=world.champion, key_result=scene.deploys, value=5, confidence=5, corrects=first)
    okrs.check_in_record(actor=world.champion, key_result=scene.deploys, value=9, confidence=6)
    gains = {w.text: w.gain for w in quarter_wins(scene.cycle).biggest_gains}
    assert round(gains["Deploys a day: 50% → 90%"] or 0, 6) == 0.4


def test_a_team_filter_keeps_its_people_and_objectives(world: World) -> None:
    scene = build_scene(world)
    wins = quarter_wins(scene.cycle, team_ids={scene.department.pk}, viewer_id=world.champion.pk)
    assert _texts(wins.friday_wins) == []  # the member is in Platform, not Engineering
    assert _texts(wins.key_results_met) == []
    assert _texts(wins.biggest_gains) == ["Deploys a day: 20% → 70%"]


def test_the_queries_do_not_grow_with_the_wins(world: World) -> None:
    scene = build_scene(world)
    with count_queries() as small:
        quarter_wins(scene.cycle, viewer_id=world.member.pk)
    for i in range(4):
        obj = okrs.objective_create(actor=world.champion, cycle=scene.cycle, title=f"More {i}", state="active")
        kr = okrs.key_result_create(actor=world.champion, objective=obj, title=f"KR {i}", start_value=0, target_value=2)
        okrs.check_in_record(actor=world.champion, key_result=kr, value=1, confidence=5)
        okrs.check_in_record(actor=world.champion, key_result=kr, value=2, confidence=5)
    with assert_queries(small):
        wins = quarter_wins(scene.cycle, viewer_id=world.member.pk)
    assert len(wins.key_results_met) == 6


def test_a_checklist_gains_and_is_met_by_its_milestones(world: World) -> None:
    obj = okrs.objective_create(actor=world.champion, cycle=world.cycle, title="Launch", state="active")
    kr = okrs.key_result_create(
        actor=world.champion,
        objective=obj,
        title="Status page",
        kind="milestones",
        milestones=["Design", ("Build", 3.0)],
    )
    design, build = kr.milestones.all()
    okrs.check_in_record(actor=world.champion, key_result=kr, milestones_done=[design.pk], confidence=5)
    okrs.check_in_record(actor=world.champion, key_result=kr, milestones_done=[design.pk, build.pk], confidence=8)
    wins = quarter_wins(world.cycle)
    assert _texts(wins.key_results_met) == ["Status page: every milestone done"]
    assert _texts(wins.biggest_gains) == ["Status page: 25% → 100%"]
