"""The bi-weekly team check-in in the browser: Platform's lead opens meeting mode, walks the key
results by keyboard (J / K), records a decision (D) and an action item (A) with HTMX, ends the
meeting; the next check-in opens with that action carried over. The page fits a phone in the
presenting layout. CSP and accessibility are checked on every page by the audited contexts;
screenshots on desktop and phone."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from e2e.conftest import check_accessibility, login, shot

if TYPE_CHECKING:
    from playwright.sync_api import Page, Route

pytestmark = pytest.mark.e2e

DECISION = "Status page before the billing work"
ACTION = "Draft the status page copy"


# After an item is recorded, meeting.js puts the focus back in the form's text field on
# htmx:afterSettle. A locator wait: a string predicate would be eval'd, which the CSP forbids.
FOCUS_IN_ITEM_TEXT = "[data-item-text]:focus"


def test_the_lead_runs_the_check_in_by_keyboard_and_the_action_carries_over(demo: str, page: Page, phone: Page) -> None:
    from ambit.teammeetings.demo import ACTION as DEMO_ACTION
    from ambit.teammeetings.models import TeamMeeting, TeamMeetingItem

    url = f"{demo}/teams/platform/check-in-meeting/"
    login(page, demo, "lead@northwind.test")
    page.goto(url)
    # The demo's last check-in left an action open: it is carried over.
    page.locator("#meeting-items .tm-item-text", has_text=DEMO_ACTION).wait_for()
    with page.expect_navigation():
        page.get_by_role("button", name="Start the check-in").click()
    page.get_by_text("Under way since").wait_for()
    first, second = page.locator("[data-kr]").nth(0), page.locator("[data-kr]").nth(1)
    page.keyboard.press("j")
    assert first.evaluate("el => el === document.activeElement")
    page.keyboard.press("j")
    assert second.evaluate("el => el === document.activeElement")
    page.keyboard.press("k")
    assert first.evaluate("el => el === document.activeElement")
    # Behind and at risk come first.
    statuses = page.locator("[data-kr] .tm-kr-head .badge").all_inner_texts()
    flagged = [s in ("Behind", "At risk") for s in statuses]
    assert flagged == sorted(flagged, reverse=True) and any(flagged), statuses
    page.keyboard.press("d")
    page.keyboard.type(DECISION)
    page.keyboard.press("Enter")
    page.locator("#meeting-items .tm-item-text", has_text=DECISION).wait_for()
    # Focus is back in the text field after the answer (once HTMX has settled the swap): A switches
    # to an action item.
    page.locator(FOCUS_IN_ITEM_TEXT).wait_for()
    page.keyboard.press("Escape")
    page.keyboard.press("a")
    page.keyboard.type(ACTION)
    # Esc while the answer is still on its way: once it lands the focus stays out of the field
    # (the request is held until Esc is pressed, so the order is certain).
    held: list[Route] = []

    def hold(route: Route) -> None:
        held.append(route)

    page.route("**/check-in-meeting/items/", hold)
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    while not held:
        page.wait_for_timeout(20)
    held[0].continue_()
    page.unroute("**/check-in-meeting/items/")
    page.locator("#meeting-items .tm-item-text", has_text=ACTION).wait_for()
    page.wait_for_timeout(200)  # past HTMX's settle, when the focus would have been put back
    assert not page.locator("[data-item-text]").evaluate("el => el === document.activeElement")
    page.keyboard.press("?")
    assert page.locator("#meeting-help").is_visible()
    page.keyboard.press("Escape")
    check_accessibility(page)
    shot(page, "team-check-in-desktop")
    with page.expect_navigation():
        page.get_by_role("button", name="End the check-in").click()
    ended = TeamMeeting.objects.filter(team__slug="platform", ended_at__isnull=False).order_by("-pk").first()
    assert ended is not None
    assert set(TeamMeetingItem.objects.filter(meeting=ended).values_list("text", flat=True)) == {DECISION, ACTION}
    # The next check-in: the action recorded today is carried over until done.
    with page.expect_navigation():
        page.get_by_role("button", name="Start the check-in").click()
    carried = page.locator("#meeting-items section").first
    carried.locator(".tm-item-text", has_text=ACTION).wait_for()
    carried.locator(".tm-item-text", has_text=DEMO_ACTION).wait_for()

    login(phone, demo, "lead@northwind.test")
    phone.goto(url)
    phone.get_by_role("button", name="Present").click()
    assert phone.locator("body.is-presenting").count() == 1
    assert phone.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0
    check_accessibility(phone)
    shot(phone, "team-check-in-phone")
