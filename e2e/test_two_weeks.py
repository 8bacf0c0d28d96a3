"""Two weeks of the demo's Platform team, lived through in the browser with the clock moved forward
(issue 16's check): Monday commitments, three standups with a blocker, a check-in whose confidence
drop raises an early warning, the weekly reflection, Friday done and wins; then the manager's 1:1
with the warning, the blocker and the reflection on its agenda, sprint planning with the key
result behind pace first, the team check-in in meeting mode, the wins in the weekly digest, and the
monthly review asking the owners of behind and at-risk key results for their commentary.

The live server runs in this process, so ``time_machine`` moves its clock too: the demo is seeded
on the first Monday (a fixed date, mid-quarter, so the journey reads the same whatever day it runs)
and the scheduler ticks at the moments a deployment's would. Screenshots of each step go to
e2e/screenshots/two-weeks-*.png; CSP and axe-core are checked on every page by the audited context.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from e2e.conftest import check_accessibility, login, shot

if TYPE_CHECKING:
    import time_machine
    from playwright.sync_api import Page
    from pytest_django.live_server_helper import LiveServer

pytestmark = pytest.mark.e2e

# A Monday in the middle of a quarter (Q1 2031: nine weeks of check-in history behind it), late
# enough that the browser's own clock (not moved) never finds a session cookie expired.
MONDAY = dt.datetime(2031, 3, 3, 9, 0, tzinfo=dt.UTC)
MEMBER = "member@northwind.test"  # Aisha Khan, Platform; her manager is the lead
LEAD = "lead@northwind.test"  # Jonas Weber, Platform's lead
CHAMPION = "champion@northwind.test"
COMMITMENT = "Ship the retry queue to staging"
BLOCKER = "Waiting on the data team for the events schema"
LEARNED = "Small pull requests get reviewed the same day"
IN_MY_WAY = "The staging database is shared with the load tests"
WIN = "Retry queue live on staging, two days early"
DECISION = "Retry queue goes to production behind a flag"


@pytest.fixture
def clock(transactional_db: None, live_server: LiveServer) -> Iterator[tuple[str, time_machine.Traveller]]:
    """The demo, seeded on ``MONDAY`` with the clock running from there."""
    import time_machine
    from django.core.cache import cache
    from django.core.management import call_command

    with time_machine.travel(MONDAY, tick=True) as traveller:
        call_command("seed_demo", verbosity=0)
        cache.clear()
        yield live_server.url, traveller


def _at(traveller: time_machine.Traveller, day: int, hour: int, minute: int = 0) -> None:
    """Move the clock to ``day`` days after the first Monday, at ``hour``:``minute`` UTC (the
    demo organisation's time zone)."""
    traveller.move_to(MONDAY.replace(hour=hour, minute=minute) + dt.timedelta(days=day))


def _tick() -> None:
    """One scheduler tick at the moved clock, as ``run_scheduler`` runs beside the server."""
    from django.core.management import call_command

    call_command("run_scheduler", "--once", verbosity=0)


def _switch(page: Page, base: str, email: str) -> None:
    page.context.clear_cookies()
    login(page, base, email)


def _post_standup(page: Page, base: str, *, yesterday: str, today: str, blockers: str = "") -> None:
    page.goto(f"{base}/standups/platform/")
    page.fill("#standup-yesterday", yesterday)
    page.fill("#standup-today", today)
    page.fill("#standup-blockers", blockers)
    page.get_by_role("button", name=re.compile(r"^(Post standup|Save changes)$")).click()
    page.get_by_text(today).first.wait_for()


def test_two_weeks_of_the_platform_team(clock: tuple[str, time_machine.Traveller], page: Page) -> None:
    from ambit.accounts.models import Membership
    from ambit.notify.models import Kind, Notification
    from ambit.rituals.models import Standup, WeekPlan
    from ambit.rituals.selectors import active_key_results_of

    base, traveller = clock
    member = Membership.objects.select_related("manager").get(user__email=MEMBER)
    assert member.manager is not None and member.manager.user.email == LEAD

    # The key result this story is about: Aisha's first under a Platform team objective (the one
    # the team's sprint plan and check-in show); ``n`` is its number in her list on the pages.
    mine = list(active_key_results_of(member).select_related("objective__team"))
    n, kr = next(
        (i, k) for i, k in enumerate(mine, start=1) if k.objective.team and k.objective.team.slug == "platform"
    )

    # --- Week 1, Monday: the week's commitments, the first linked to that key result.
    _at(traveller, 0, 9, 10)
    login(page, base, MEMBER)
    page.goto(f"{base}/week-plan/")
    page.fill("#commitments", f"[{n}] {COMMITMENT}\nPair with Mateo on the on-call runbook")
    page.get_by_role("button", name="Save commitments").click()
    page.get_by_text(COMMITMENT).first.wait_for()
    plan = WeekPlan.objects.get(author=member, week_start=MONDAY.date())
    assert plan.committed_at is not None
    assert [i.key_result_id is not None for i in plan.items.filter(kind="commitment")] == [True, False]
    shot(page, "two-weeks-01-monday-commitments")

    # --- Tuesday to Thursday: three standups, Wednesday's with a blocker on that key result.
    _at(traveller, 1, 9, 15)
    _post_standup(page, base, yesterday="Retry queue: consumer side", today="Retry queue: producer side")
    blocker_notes = Notification.objects.filter(recipient=member.manager, kind=Kind.STANDUP_BLOCKER)
    before = blocker_notes.count()  # the demo's own standups may have raised one already
    _at(traveller, 2, 9, 15)
    _post_standup(
        page, base, yesterday="Retry queue: producer side", today="Dead-letter handling", blockers=f"[{n}] {BLOCKER}"
    )
    page.get_by_text(BLOCKER).first.wait_for()
    shot(page, "two-weeks-02-standup-with-a-blocker")
    _at(traveller, 3, 9, 15)
    _post_standup(page, base, yesterday="Dead-letter handling", today="Load test of the retry queue")
    days = set(Standup.objects.filter(author=member).values_list("day", flat=True))
    assert {MONDAY.date() + dt.timedelta(days=d) for d in (1, 2, 3)} <= days
    # The blocker reached the team's lead, once.
    _tick()
    _tick()
    assert blocker_notes.count() == before + 1

    # --- Thursday afternoon: the weekly check-in, confidence down to 2 on the first key result,
    # and the reflection beside it.
    _at(traveller, 3, 16)
    warnings = Notification.objects.filter(recipient=member.manager, kind=Kind.EARLY_WARNING)
    earlier = set(warnings.values_list("pk", flat=True))
    page.goto(f"{base}/check-in/?all=1")
    first = page.locator("fieldset.checkin-kr", has=page.locator(f"input[name=kr][value='{kr.pk}']"))
    number = first.locator("input[type=number][name$='-confidence']")
    if number.count():
        number.fill("2")
    else:  # the organisation's scale is red / amber / green
        first.locator("input[type=radio][name$='-confidence']").first.check()
    first.locator("textarea[name$='-note']").fill(BLOCKER)
    page.get_by_role("button", name="Save check-in").click()
    page.wait_for_url(re.compile(rf"^{re.escape(base)}/(\?cycle=\d+)?$"))
    page.goto(f"{base}/check-in/")
    page.locator("#reflection-learned").wait_for()
    page.fill("#reflection-learned", LEARNED)
    page.fill("#reflection-in-my-way", IN_MY_WAY)
    page.get_by_role("button", name="Save reflection").click()
    page.locator("#reflection-status", has_text="Saved for").wait_for()
    shot(page, "two-weeks-03-check-in-and-reflection")
    _at(traveller, 3, 16, 5)
    _tick()
    (warning,) = warnings.exclude(pk__in=earlier)  # the manager is warned about this check-in, once
    assert "Aisha Khan" in warning.title + warning.body, (warning.title, warning.body)

    # --- Friday: the commitments marked, the week's wins shared.
    _at(traveller, 4, 15)
    page.goto(f"{base}/week-plan/")
    page.locator("label.choice", has_text=COMMITMENT).locator("input[type=checkbox]").check()
    page.fill("#wins", WIN)
    page.get_by_role("button", name="Save done and wins").click()
    page.get_by_text(WIN).first.wait_for()
    plan.refresh_from_db()
    assert plan.wins_shared_at is not None
    assert plan.items.get(kind="commitment", text=COMMITMENT).done is True
    shot(page, "two-weeks-04-friday-wins")

    # --- The weekly digest: the wins of the week are in it.
    page.goto(f"{base}/digest/")
    wins = page.locator("section, div").filter(has=page.get_by_role("heading", name="Wins of the week")).last
    wins.get_by_text(WIN).wait_for()
    shot(page, "two-weeks-05-digest-with-the-wins")

    # --- Week 2, Monday: the manager opens the 1:1; the early warning, the blocker and the
    # reflection are on its agenda.
    _at(traveller, 7, 10)
    _switch(page, base, LEAD)
    page.goto(f"{base}/one-on-ones/")
    page.get_by_role("link", name=re.compile("Aisha Khan")).first.click()
    page.get_by_role("heading", name=re.compile(r"^Agenda")).wait_for()
    assert page.locator(".callout-warning", has_text="Early warning").count() >= 1
    page.locator("#agenda-blockers").get_by_text(BLOCKER).wait_for()
    page.get_by_text(LEARNED).wait_for()
    page.get_by_text(IN_MY_WAY).wait_for()
    check_accessibility(page)
    shot(page, "two-weeks-06-one-on-one-agenda")

    # --- Sprint planning: the key results behind pace come first, the blocker beside its own.
    _at(traveller, 7, 11)
    page.goto(f"{base}/teams/platform/sprints/")
    page.get_by_role("heading", name="Key results, behind pace first").wait_for()
    statuses = page.locator("#board-h ~ * .badge[class*='status-'], .sprint-kr .badge[class*='status-']")
    order = [s.strip() for s in statuses.all_inner_texts() if s.strip()]
    rank = {"Behind": 0, "At risk": 1}
    ranks = [rank.get(s, 2) for s in order]
    assert ranks and ranks == sorted(ranks) and ranks[0] < 2, order
    page.locator(".sprint-kr, [data-kr], li, article").filter(has_text=kr.title).get_by_text(BLOCKER).first.wait_for()
    shot(page, "two-weeks-07-sprint-planning")

    # --- Tuesday: the bi-weekly team check-in in meeting mode; a decision recorded.
    _at(traveller, 8, 10)
    page.goto(f"{base}/teams/platform/check-in-meeting/")
    with page.expect_navigation():
        page.get_by_role("button", name="Start the check-in").click()
    badges = page.locator("[data-kr] .tm-kr-head .badge").all_inner_texts()
    flagged = [b in ("Behind", "At risk") for b in badges]
    assert any(flagged) and flagged == sorted(flagged, reverse=True), badges
    page.select_option("#tm-kind", "decision")
    page.fill("#tm-text", DECISION)
    page.get_by_role("button", name="Record it").click()
    page.locator("#meeting-items").get_by_text(DECISION).wait_for()
    shot(page, "two-weeks-08-team-check-in")
    with page.expect_navigation():
        page.get_by_role("button", name="End the check-in").click()

    # --- The monthly review: the owners of behind and at-risk key results are asked for their
    # commentary before the meeting, and reminded.
    _review(page, base, traveller)


def _review(page: Page, base: str, traveller: time_machine.Traveller) -> None:
    """The champion opens the next monthly review: its agenda is frozen from the key results behind
    or at risk, their owners are asked for their commentary at once, and the page says who has not
    written yet; the owner finds the request on My week."""
    from ambit.accounts.models import Membership
    from ambit.notify.models import Kind, Notification
    from ambit.reviews.models import Review

    _at(traveller, 9, 9)
    _switch(page, base, CHAMPION)
    page.goto(f"{base}/reviews/")
    before = set(Review.objects.values_list("pk", flat=True))
    with page.expect_navigation():
        page.get_by_role("button", name="Open the review").click()
    assert Review.objects.exclude(pk__in=before).exists(), page.locator("main").inner_text()[:1500]
    review = Review.objects.exclude(pk__in=before).get()
    assert page.url.rstrip("/").endswith(f"/reviews/{review.pk}")
    page.get_by_role("heading", name=re.compile(r"^Who has not written yet")).wait_for()
    missing = int(page.locator("#review-missing-count").inner_text())
    owners = set(review.items.values_list("key_result__owner_id", flat=True))
    assert missing == len(owners) > 0
    asked = set(
        Notification.objects.filter(kind=Kind.REVIEW_COMMENTARY, recipient_id__in=owners).values_list(
            "recipient_id", flat=True
        )
    )
    assert asked == owners
    check_accessibility(page)
    shot(page, "two-weeks-09-monthly-review-asks-for-commentary")

    owner = Membership.objects.select_related("user").get(pk=min(owners))
    _switch(page, base, owner.user.email)
    page.goto(f"{base}/")
    page.get_by_role("heading", name=re.compile("your commentary is needed")).first.wait_for()
    shot(page, "two-weeks-10-my-week-asks-for-commentary")
