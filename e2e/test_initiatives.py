"""Sprint planning in the browser: the Platform lead opens the team's sprint plan (the key results
behind pace first), plans a backlog initiative into the sprint with the keyboard alone (focus stays
on the moved initiative), and the page fits a phone. CSP and accessibility are checked on every
page by the audited context; screenshots on desktop and phone."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from e2e.conftest import check_accessibility, login, shot

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.e2e


def test_a_lead_plans_an_initiative_into_the_sprint_by_keyboard(demo: str, page: Page, phone: Page) -> None:
    from ambit.initiatives.models import Initiative

    login(page, demo, "lead@northwind.test")
    page.goto(f"{demo}/teams/platform/sprints/")
    page.get_by_role("heading", level=1).wait_for()
    assert "plan · Platform" in page.get_by_role("heading", level=1).inner_text()
    check_accessibility(page)
    waiting = Initiative.objects.filter(
        key_result__objective__team__slug="platform", sprint__isnull=True, status="planned"
    ).order_by("pk")[0]
    item = f'li[data-initiative="{waiting.pk}"]'
    page.locator(f"{item} button").focus()
    page.keyboard.press("Enter")
    page.locator(f'{item} button:has-text("Move to backlog")').wait_for()
    # The board was swapped in by htmx; focus follows the initiative that moved (once it settles).
    page.locator(f'{item} button:focus:has-text("Move to backlog")').wait_for()
    assert page.evaluate("() => document.activeElement.textContent").startswith("Move to backlog")
    page.get_by_text(f"“{waiting.title}” planned into sprint").first.wait_for()
    waiting.refresh_from_db()
    assert waiting.sprint is not None
    shot(page, "sprint-plan-desktop")
    page.keyboard.press("Enter")  # and back to the backlog, still by keyboard
    page.locator(f'{item} button:has-text("Plan into sprint")').wait_for()
    waiting.refresh_from_db()
    assert waiting.sprint is None

    login(phone, demo, "lead@northwind.test")
    phone.goto(f"{demo}/teams/platform/sprints/")
    phone.get_by_role("heading", level=1).wait_for()
    assert phone.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0
    check_accessibility(phone)
    shot(phone, "sprint-plan-phone")
