"""The quarterly OKR meeting in the browser: the champion walks the next quarter's drafts and
proposals with the keyboard (J next, K previous, S send back with a comment, A approve, N note),
then publishes the cycle; the approval queue answers inline. CSP and accessibility are checked on
every page by the audited context; screenshots on desktop and phone."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest

from e2e.conftest import check_accessibility, login, shot

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from ambit.okrs.models import Cycle

pytestmark = pytest.mark.e2e


def _next_quarter() -> Cycle:
    from ambit.accounts.models import Membership, Team
    from ambit.okrs import services as okrs
    from ambit.planning import services as planning

    champion = Membership.objects.get(user__email="champion@northwind.test")
    lead = Membership.objects.get(user__email="lead@northwind.test")
    member = Membership.objects.get(user__email="member@northwind.test")
    platform = Team.objects.get(organisation=champion.organisation, slug="platform")
    company = Team.objects.filter(organisation=champion.organisation, kind="company").first()
    start = dt.date.today() + dt.timedelta(days=120)
    cycle = okrs.cycle_create(
        actor=champion, name="Meeting quarter", start_date=start, end_date=start + dt.timedelta(days=90)
    )
    win = okrs.objective_create(actor=champion, cycle=cycle, title="Win the mid-market", team=company)
    team = okrs.objective_create(
        actor=lead, cycle=cycle, title="A platform customers trust", team=platform, parents=[(win, 1.0)]
    )
    for title, target in (("p95 latency under 200 ms", 200), ("Uptime 99.95%", 99.95)):
        okrs.key_result_create(actor=lead, objective=team, title=title, start_value=0, target_value=target)
    okrs.key_result_create(actor=lead, objective=team, title="Launch the status page", kind="binary")
    planning.objective_propose(actor=lead, objective=team)
    mine = okrs.objective_create(actor=member, cycle=cycle, title="Grow as an engineer", parents=[(team, 1.0)])
    okrs.key_result_create(actor=member, objective=mine, title="Give talks", start_value=0, target_value=3)
    planning.objective_propose(actor=member, objective=mine)
    return cycle


def test_the_champion_runs_the_meeting_with_the_keyboard_and_publishes(demo: str, page: Page) -> None:
    from ambit.okrs.models import Objective

    cycle = _next_quarter()
    login(page, demo, "champion@northwind.test")
    page.goto(f"{demo}/cycles/{cycle.pk}/meeting/")
    assert page.locator("body.is-meeting").count() == 1
    page.get_by_text("Objective 1 of 3 to decide").wait_for()
    check_accessibility(page)
    shot(page, "meeting-desktop")
    with page.expect_navigation():
        page.keyboard.press("j")
    page.get_by_text("Objective 2 of 3 to decide").wait_for()
    assert "A platform customers trust" in page.locator("#meeting-title").inner_text()
    page.keyboard.press("?")
    assert page.locator("#meeting-help").is_visible()
    page.keyboard.press("Escape")
    assert not page.locator("#meeting-help").is_visible()
    page.keyboard.press("n")
    page.keyboard.type("Decision: platform first, the status page can wait")
    with page.expect_navigation():
        page.get_by_role("button", name="Add note").first.click()
    page.get_by_text("platform first, the status page can wait").first.wait_for()
    with page.expect_navigation():
        page.keyboard.press("a")
    page.get_by_text("Objective 2 of 2 to decide").wait_for()
    assert Objective.objects.get(title="A platform customers trust").state == "active"
    page.keyboard.press("s")
    page.keyboard.type("Make the talks a measurable target for the quarter")
    with page.expect_navigation():
        page.get_by_role("button", name="Send back").click()
    assert Objective.objects.get(title="Grow as an engineer").state == "draft"
    shot(page, "meeting-after-decisions")
    page.goto(f"{demo}/cycles/{cycle.pk}/publish/")
    check_accessibility(page)
    shot(page, "meeting-publish")
    with page.expect_navigation():
        page.get_by_role("button", name="Publish Meeting quarter").click()
    cycle.refresh_from_db()
    assert cycle.state == "active"


def test_the_meeting_and_the_queue_fit_a_phone(demo: str, phone: Page) -> None:
    cycle = _next_quarter()
    login(phone, demo, "champion@northwind.test")
    phone.goto(f"{demo}/cycles/{cycle.pk}/meeting/")
    phone.get_by_text("Objective 1 of 3 to decide").wait_for()
    overflow = phone.evaluate("() => document.querySelector('.meeting').scrollWidth - window.innerWidth")
    assert overflow <= 0
    shot(phone, "meeting-phone")
    phone.goto(f"{demo}/approvals/")
    check_accessibility(phone)
    assert phone.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0
    row = phone.locator("tr.approval-row").first
    row.get_by_role("button", name="Approve").click()
    row = phone.locator("tr.approval-row.is-done").first
    row.wait_for()
    shot(phone, "approvals-phone")
