"""The weekly check-in's submit validates against ``check_in_candidates`` (its rows alone) where the
page draws its rows from My week: the two must give the same rows, in the same order, due alike,
for every person in the demo organisation, or a submit would accept a row the page never showed
or refuse one it did."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from pytest_django import Settings

from ambit.accounts.models import Membership, Team
from ambit.front.views import _checkin_form
from ambit.front.week import check_in_candidates, week_cycle
from ambit.okrs.models import KeyResult, Visibility
from ambit.okrs.selectors import objective_base
from ambit.okrs.services import check_in_record
from tests import factories as f
from tests.builders import World
from tests.querycount import check_count, count_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings: Settings) -> list[Membership]:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.AMBIT_DEMO_PASSWORD = "demo-pass-for-tests"
    call_command("seed_demo", stdout=StringIO())
    return list(Membership.objects.filter(is_active=True).select_related("organisation", "user").order_by("pk"))


def test_the_submit_validates_the_rows_the_page_shows_for_everyone_in_the_demo(demo: list[Membership]) -> None:
    # Whatever the day, some rows are checked in this period: every other person's first due one.
    for member in demo[::2]:
        cycle = week_cycle(actor=member, cycle_param=None)[1]
        assert cycle is not None
        first = next(iter(check_in_candidates(actor=member, cycle=cycle, show_all=False)[0]), None)
        if first is not None and first.kind == "increase":
            check_in_record(actor=member, key_result=first, value=first.target_value, confidence=7)
    seen_due = seen_not_due = seen_linked = 0
    for member in demo:
        cycles, cycle = week_cycle(actor=member, cycle_param=None)
        assert cycle is not None
        for show_all in (False, True):
            page = _checkin_form(member, cycle, cycles, show_all=show_all, locale="en", data=None)["form"].rows
            krs, flags = check_in_candidates(actor=member, cycle=cycle, show_all=show_all)
            label = f"{member.user.email}, show_all={show_all}"
            assert [kr.pk for kr in krs] == [row.kr.pk for row in page], label
            assert [flags[kr.pk].due for kr in krs] == [row.due for row in page], label
            if show_all:
                seen_due += sum(row.due for row in page)
                seen_not_due += sum(not row.due for row in page)
                seen_linked += sum(f.linked for f in flags.values())
    # The demo exercises every case: due rows, rows checked in this period, key results that
    # follow their child objectives (left out of both).
    assert seen_due and seen_not_due and seen_linked, (seen_due, seen_not_due, seen_linked)


def test_a_check_in_this_period_takes_the_row_off_the_due_form_on_both_sides(demo: list[Membership]) -> None:
    member, cycle, kr = next(
        (m, c, krs[0])
        for m in demo
        for c in [week_cycle(actor=m, cycle_param=None)[1]]
        if c is not None
        for krs in [check_in_candidates(actor=m, cycle=c, show_all=False)[0]]
        if krs and krs[0].kind == "increase"
    )
    check_in_record(actor=member, key_result=kr, value=kr.target_value, confidence=8)
    cycles = week_cycle(actor=member, cycle_param=None)[0]
    due_krs, _ = check_in_candidates(actor=member, cycle=cycle, show_all=False)
    page = _checkin_form(member, cycle, cycles, show_all=False, locale="en", data=None)["form"].rows
    assert kr.pk not in [k.pk for k in due_krs]
    assert [k.pk for k in due_krs] == [row.kr.pk for row in page]
    every, flags = check_in_candidates(actor=member, cycle=cycle, show_all=True)
    assert kr.pk in [k.pk for k in every] and flags[kr.pk] == (False, False)


def test_a_viewer_has_no_rows(demo: list[Membership]) -> None:
    viewer = next(m for m in demo if not m.can_write)
    cycle = week_cycle(actor=viewer, cycle_param=None)[1]
    assert cycle is not None
    assert check_in_candidates(actor=viewer, cycle=cycle, show_all=True) == ([], {})


def test_rows_under_objectives_the_person_cannot_see_are_left_out_and_asked_about_once(world: World) -> None:
    """The rows come from one query; the visibility rule is asked only about objectives that are
    neither public nor the person's own, in one more query, and keeps out the ones they cannot see."""

    def kr_under(owner: Membership, visibility: str, team: Team | None) -> KeyResult:
        objective = f.ObjectiveFactory.create(
            cycle=world.cycle, owner=owner, team=team, visibility=visibility, title=f"{visibility} of {owner.pk}"
        )
        return f.KeyResultFactory.create(objective=objective, owner=world.member, title=f"KR under {objective.title}")

    public = kr_under(world.admin, Visibility.PUBLIC, world.other_team)
    with count_queries() as only_public:
        krs, _ = check_in_candidates(actor=world.member, cycle=world.cycle, show_all=True)
    assert [kr.pk for kr in krs] == [public.pk]
    check_count(only_public, 1, label="rows under public objectives")

    own_private = kr_under(world.member, Visibility.PRIVATE, None)
    team_visible = kr_under(world.lead, Visibility.TEAM, world.team)  # the member's team
    hidden_team = kr_under(world.admin, Visibility.TEAM, world.other_team)  # not their team
    hidden_private = kr_under(world.admin, Visibility.PRIVATE, None)  # the admin is not their report
    with count_queries() as mixed:
        krs, _ = check_in_candidates(actor=world.member, cycle=world.cycle, show_all=True)
    assert {kr.pk for kr in krs} == {public.pk, own_private.pk, team_visible.pk}
    assert hidden_team.pk not in {kr.pk for kr in krs} and hidden_private.pk not in {kr.pk for kr in krs}
    # + the visibility rule's question, with the teams the member belongs to and leads.
    assert len(mixed.statements) > len(only_public.statements)
    visible_to_member = set(objective_base(actor=world.member).filter(cycle=world.cycle).values_list("pk", flat=True))
    assert {kr.objective_id for kr in krs} == visible_to_member & {
        k.objective_id for k in (public, own_private, team_visible, hidden_team, hidden_private)
    }
