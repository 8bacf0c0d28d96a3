"""Phones (390×844) and accessibility: every main page fits the screen, the header stays
compact, the whole menu is reachable, and axe-core finds nothing (issue 12, item 15)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from e2e.conftest import PHONE, check_accessibility, login, shot

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.e2e

PAGES = [
    ("my-week", "/"),
    ("check-in", "/check-in/"),
    ("company", "/company/"),
    ("dashboard", "/dashboard/"),
    ("teams", "/teams/"),
    ("strategy", "/strategy/"),
    # Closing the quarter (issue 17): the cycles with their close-out links, a team's dashboard,
    # the quarter's wins, the lessons search and the trash.
    ("cycles", "/cycles/"),
    ("team-dashboard", "/teams/platform/dashboard/"),
    ("wins", "/wins/"),
    ("lessons", "/lessons/"),
    ("trash", "/trash/"),
]


def _layout(page: Page) -> dict[str, float]:
    layout: dict[str, float] = page.evaluate(
        """() => {
          const header = document.querySelector("header.topbar").getBoundingClientRect();
          const tables = [...document.querySelectorAll("main table")];
          const widest = Math.max(0, ...tables.map(t => t.getBoundingClientRect().right));
          return {scroll: document.documentElement.scrollWidth, header: header.height, table_right: widest};
        }"""
    )
    return layout


def _nav_links_reachable(page: Page) -> list[str]:
    """The main navigation's links, each checked to lie fully inside the screen once shown."""
    toggle = page.locator("[data-nav-toggle]")
    if toggle.is_visible():
        toggle.click()
    links = page.get_by_role("navigation", name="Main").get_by_role("link")
    names = []
    for i in range(links.count()):
        link = links.nth(i)
        assert link.is_visible(), f"{link.inner_text()} is hidden"
        box = link.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], link.inner_text()
        names.append(link.inner_text())
    if toggle.is_visible():
        toggle.click()
    return names


def _some_key_results_at_risk() -> None:
    """A few key results behind the pace, so the dashboard's at-risk table has rows."""
    from django.core.cache import cache

    from ambit.accounts.models import Membership
    from ambit.okrs import services
    from ambit.okrs.models import KeyResult, Objective
    from ambit.okrs.selectors import cycle_current

    cache.clear()  # the live server shares this process's cache; ids repeat between seeded tests
    champion = Membership.objects.get(user__email="champion@northwind.test", organisation__slug="northwind")
    cycle = cycle_current(actor=champion)
    assert cycle is not None
    spare = services.objective_create(
        actor=champion, cycle=cycle, title="Catch up on everything", team=None, owner=champion, state="active"
    )
    # Planned from the cycle's first day, so they are judged against the whole cycle's pace.
    Objective.objects.filter(pk=spare.pk).update(plan_start=cycle.start_date)
    for i in range(3):
        kr = services.key_result_create(
            actor=champion, objective=spare, title=f"Overdue item {i:02d}", start_value=0, target_value=1000
        )
        KeyResult.objects.filter(pk=kr.pk).update(plan_start=cycle.start_date)
        services.check_in_record(actor=champion, key_result=kr, value=0, confidence=3)


def test_every_main_page_fits_a_phone(demo: str, phone: Page) -> None:
    from ambit.accounts.models import Membership

    _some_key_results_at_risk()
    login(phone, demo, "champion@northwind.test")
    me = Membership.objects.get(user__email="champion@northwind.test", organisation__slug="northwind")
    for name, path in [*PAGES, ("my-dashboard", f"/people/{me.pk}/dashboard/")]:
        phone.goto(f"{demo}{path}")
        layout = _layout(phone)
        assert layout["scroll"] <= PHONE["width"], f"{path} scrolls sideways: {layout['scroll']} px"
        assert layout["header"] <= 0.15 * PHONE["height"], f"{path}: the header is {layout['header']} px high"
        assert layout["table_right"] <= PHONE["width"], f"{path}: a table reaches {layout['table_right']} px"
        if path == "/dashboard/":
            rows = phone.locator("#at_risk-rows th[scope=row]")
            assert rows.filter(has_text="Overdue item").count() == 3  # beside the demo's own
        check_accessibility(phone)
        shot(phone, f"phone-{name}")
    names = _nav_links_reachable(phone)
    assert {"My week", "Company", "Dashboard", "Teams", "Strategy"} <= set(names)
    phone.locator("[data-nav-toggle]").click()
    shot(phone, "phone-menu-open")
    phone.keyboard.press("Escape")
    assert not phone.get_by_role("navigation", name="Main").is_visible()
    assert phone.evaluate("document.activeElement.hasAttribute('data-nav-toggle')")


def test_the_account_menu_and_company_tree_pass_axe(demo: str, page: Page) -> None:
    login(page, demo, "champion@northwind.test")
    page.goto(f"{demo}/company/")
    page.locator("details.menu > summary").last.click()
    check_accessibility(page)
    page.set_viewport_size(PHONE)
    check_accessibility(page)
