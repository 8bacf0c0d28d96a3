"""The weekly digest as a page, and the one-click unsubscribe page an email links to, in a real
browser at desktop and phone width, with axe-core and the CSP watched (e2e/conftest.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from e2e.conftest import PHONE, check_accessibility, login, shot

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.e2e


def test_a_member_reads_the_digest_from_the_inbox_and_the_team_digest(demo: str, page: Page) -> None:
    login(page, demo, "lead@northwind.test")
    page.goto(f"{demo}/notifications/")
    page.get_by_role("link", name="Weekly digest for Northwind Labs").first.click()
    page.wait_for_url(f"{demo}/digest/*")
    assert page.locator("h1").inner_text() == "Weekly digest"
    for heading in ("Progress against expected", "What moved", "Wins", "Risks", "Gone quiet", "Check-in discipline"):
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
    assert page.locator("[role=progressbar], progress, .bar").count() >= 1  # progress drawn as bars
    check_accessibility(page)
    shot(page, "digest-organisation")
    page.get_by_role("link", name="Previous week").click()
    page.wait_for_url(f"{demo}/digest/?week=*")
    assert page.locator("h1").inner_text() == "Weekly digest"

    page.goto(f"{demo}/teams/platform/digest/")
    assert "Platform" in page.title()
    page.set_viewport_size(PHONE)
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    check_accessibility(page)
    shot(page, "digest-team-phone")


def test_the_unsubscribe_link_stops_email_without_logging_in(demo: str, phone: Page) -> None:
    from ambit.accounts.models import Membership
    from ambit.notify.models import Preference
    from ambit.notify.preferences import unsubscribe_token

    member = Membership.objects.get(user__email="member@northwind.test")
    phone.goto(demo + reverse("notify_email:unsubscribe", kwargs={"token": unsubscribe_token(member)}))
    assert phone.locator("h1").inner_text() == "Stop email from Ambit"
    check_accessibility(phone)
    shot(phone, "unsubscribe-phone")
    phone.get_by_role("button", name="Stop all email").click()
    expect(phone.locator("h1")).to_have_text("Email stopped")
    assert Preference.objects.get(membership=member).email_stopped_at is not None
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    check_accessibility(phone)
    shot(phone, "unsubscribe-done-phone")
