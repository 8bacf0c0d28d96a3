"""Friday wins feed the weekly digest: a "Wins of the week" section, the team's people's in a team
digest, everyone's in the organisation's, at the same number of queries for both."""

from __future__ import annotations

import datetime as dt

import pytest

from ambit.notify.digest import build_digest
from ambit.notify.digest_text import digest_text
from ambit.rituals import services
from ambit.rituals.services import LineIn
from tests.builders import World
from tests.querycount import count_queries

pytestmark = pytest.mark.django_db

FRIDAY = dt.datetime(2026, 12, 4, 16, 0, tzinfo=dt.UTC)


def test_wins_of_the_week_in_the_team_and_organisation_digests(world: World) -> None:
    monday = dt.date(2026, 11, 30)
    services.week_set_commitments(actor=world.member, items=[LineIn("Ship")], now=FRIDAY - dt.timedelta(days=4))
    services.week_set_wins(actor=world.member, week_start=monday, wins=["Search is live"], now=FRIDAY)
    services.week_set_wins(actor=world.champion, week_start=monday, wins=["Board approved"], now=FRIDAY)
    team = build_digest(world.org, world.team, dt.date(2026, 12, 4), now=FRIDAY)
    member_name = world.member.user.get_full_name()
    assert team["sections"] == [{"heading": "Wins of the week", "lines": [f"Search is live ({member_name})"]}]
    whole = build_digest(world.org, None, dt.date(2026, 12, 4), now=FRIDAY)
    assert [line.split(" (")[0] for line in whole["sections"][0]["lines"]] == ["Search is live", "Board approved"]
    assert "Wins of the week\n- Search is live" in digest_text(team)
    # Last week's digest has none.
    assert build_digest(world.org, world.team, dt.date(2026, 11, 27), now=FRIDAY)["sections"] == []


def test_the_section_costs_one_query_for_a_team_and_for_the_organisation(world: World) -> None:
    build_digest(world.org, world.team, dt.date(2026, 12, 4), now=FRIDAY)
    with count_queries() as team:
        build_digest(world.org, world.team, dt.date(2026, 12, 4), now=FRIDAY)
    with count_queries() as whole:
        build_digest(world.org, None, dt.date(2026, 12, 4), now=FRIDAY)
    assert len(team.matching('"rituals_weekitem"')) == 1
    assert len(whole.matching('"rituals_weekitem"')) == 1
