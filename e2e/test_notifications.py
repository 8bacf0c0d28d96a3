"""Notifications in a real browser: a lead acknowledges an early warning on My week and reads the
inbox; a reminder's signed link opens the person's check-in without logging in, saves it, and opens
nothing else. At desktop and phone width, with axe-core and the CSP watched (e2e/conftest.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import expect

from e2e.conftest import PHONE, check_accessibility, login, shot

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.e2e


def test_a_lead_acknowledges_an_early_warning_and_reads_the_inbox(demo: str, page: Page) -> None:
    login(page, demo, "lead@northwind.test")
    panel = page.locator("#early-warnings")
    panel.get_by_role("heading", name="Early warnings to acknowledge").wait_for()
    items = panel.locator("li")
    before = items.count()
    assert before >= 1
    first = items.first.locator(".notification-title").inner_text()
    assert first.startswith("Early warning on")
    check_accessibility(page)
    shot(page, "my-week-early-warnings")
    items.first.get_by_role("button", name=f"Acknowledge: {first}").click()
    expect(panel.locator("li")).to_have_count(before - 1)
    assert first not in page.locator("main").inner_text()

    page.get_by_role("link", name="Inbox").first.click()
    page.wait_for_url(f"{demo}/notifications/")
    assert page.locator("h1").inner_text() == "Notifications"
    assert page.locator(".notification.is-unread").count() >= 1
    page.get_by_role("button", name="Mark all read").click()
    expect(page.locator(".notification.is-unread")).to_have_count(0)
    page.locator("#notifications-link .badge").wait_for(state="detached")
    check_accessibility(page)
    shot(page, "notifications-inbox")
    page.set_viewport_size(PHONE)
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    check_accessibility(page)
    shot(page, "notifications-inbox-phone")


def test_a_reminders_link_opens_the_check_in_and_nothing_else(demo: str, phone: Page) -> None:
    from ambit.front.week import check_in_candidates, week_cycle
    from ambit.notify.links import checkin_path
    from ambit.notify.models import Kind, Notification

    reminder = Notification.objects.filter(kind=Kind.CHECKIN_REMINDER).select_related("recipient").first()
    assert reminder is not None, "the demo has check-in reminders"
    person = reminder.recipient
    cycle = week_cycle(actor=person, cycle_param=None)[1]
    assert cycle is not None
    due, _ = check_in_candidates(actor=person, cycle=cycle, show_all=False)
    assert due, "the reminder's person has key results due"

    phone.goto(f"{demo}{checkin_path(person)}")
    assert phone.locator("h1").count() == 1
    assert phone.get_by_role("button", name="Save check-in").is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    check_accessibility(phone)
    shot(phone, "checkin-link-phone")
    phone.get_by_role("button", name="Save check-in").click()  # due rows are recorded as they stand
    phone.wait_for_load_state()
    status = phone.get_by_role("status").first.inner_text()
    assert f"Checked in {len(due)} key result" in status, status
    shot(phone, "checkin-link-done-phone")

    # The link signed nobody in: every other page asks to log in.
    phone.goto(f"{demo}/")
    assert "/accounts/login/" in phone.url
    link = checkin_path(person)
    changed = link[:-4] + ("A" if link[-4] != "A" else "B") + link[-3:]  # one character of the signature
    phone.goto(f"{demo}{changed}")
    assert "not valid" in phone.locator("main").inner_text()
