"""A cycle exactly half over (expected progress about 50%) with key results behind, at risk and on
track, one behind in a champion's private objective, and one behind in another organisation."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from ambit.okrs import services as okrs
from ambit.okrs.models import Cycle, KeyResult, Objective
from ambit.reviews import services
from ambit.reviews.models import Review, ReviewItem
from tests import factories as f
from tests.builders import World, backdate, days_ago

HAPPENED = "The migration ate two sprints."
CHANGE = "We pair on it every morning from now on."
HELP = "One more reviewer from the data team."


@dataclass
class Scene:
    cycle: Cycle
    team_obj: Objective
    behind: KeyResult  # the member's, 20% of about 50% expected
    at_risk: KeyResult  # the lead's, 30%
    on_track: KeyResult  # the member's, 45%
    private_obj: Objective
    private: KeyResult  # the champion's, 10%, in a private objective
    outside: KeyResult  # Globex's, behind


def _half_over(org: object, name: str) -> Cycle:
    today = timezone.localdate()
    return f.CycleFactory.create(
        organisation=org, name=name, start_date=today - dt.timedelta(days=50), end_date=today + dt.timedelta(days=50)
    )


def build_scene(world: World) -> Scene:
    cycle = _half_over(world.org, "Review cycle")
    team_obj = okrs.objective_create(
        actor=world.lead, cycle=cycle, title="Ship the platform", team=world.team, state="active"
    )
    behind = okrs.key_result_create(
        actor=world.lead, objective=team_obj, title="Weekly users", start_value=0, target_value=100, owner=world.member
    )
    at_risk = okrs.key_result_create(
        actor=world.lead, objective=team_obj, title="Green builds", start_value=0, target_value=100
    )
    on_track = okrs.key_result_create(
        actor=world.lead, objective=team_obj, title="Docs pages", start_value=0, target_value=100, owner=world.member
    )
    private_obj = okrs.objective_create(
        actor=world.champion, cycle=cycle, title="Quiet hiring", visibility="private", state="active"
    )
    private = okrs.key_result_create(
        actor=world.champion, objective=private_obj, title="Secret hires", start_value=0, target_value=100
    )
    outsider_cycle = _half_over(world.other_org, "Globex cycle")
    outside_obj = okrs.objective_create(actor=world.outsider, cycle=outsider_cycle, title="Globex goal", state="active")
    outside = okrs.key_result_create(
        actor=world.outsider, objective=outside_obj, title="Globex deals", start_value=0, target_value=100
    )
    backdate(team_obj, behind, at_risk, on_track, private_obj, private, outside_obj, outside)
    for actor, kr, value in (
        (world.member, behind, 20),
        (world.lead, at_risk, 30),
        (world.member, on_track, 45),
        (world.champion, private, 10),
        (world.outsider, outside, 5),
    ):
        okrs.check_in_record(actor=actor, key_result=kr, value=value, confidence=4, at=days_ago(1))
    return Scene(cycle, team_obj, behind, at_risk, on_track, private_obj, private, outside)


def open_review(world: World, *, days_ahead: int = 3) -> Review:
    return services.review_open(actor=world.champion, meeting_on=timezone.localdate() + dt.timedelta(days=days_ahead))


def item_of(review: Review, kr: KeyResult) -> ReviewItem:
    return ReviewItem.objects.select_related("review", "key_result__owner").get(review=review, key_result=kr)


def write(actor: object, review: Review, kr: KeyResult) -> None:
    services.commentary_write(
        actor=actor,  # type: ignore[arg-type]
        item=item_of(review, kr),
        what_happened=HAPPENED,
        what_will_change=CHANGE,
        help_needed=HELP,
    )
