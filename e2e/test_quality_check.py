"""Issue 15's quality check in the browser: a member writing an objective sees, as they type, that
a key result is really a task, fixes it, and the findings clear; a champion opens the planning-
readiness board. Every page is checked for CSP violations and by axe-core (e2e/conftest.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from e2e.conftest import login, shot

if TYPE_CHECKING:
    from playwright.sync_api import Page


def test_member_fixes_a_task_like_key_result_as_they_type(demo: str, page: Page) -> None:
    base = demo
    login(page, base, "member@northwind.test")
    page.goto(f"{base}/objectives/new/")
    page.get_by_label("Title").first.fill("Reach $2M ARR")
    page.locator("#id_kr-0-title").press_sequentially("Launch the pricing page", delay=10)
    page.locator("#id_kr-0-kind").select_option("binary")
    live = page.locator("#quality-live")
    live.locator("[data-code=kr_is_task]").wait_for()
    live.locator("[data-code=objective_is_number]").wait_for()
    assert live.get_attribute("aria-live") == "polite"
    assert "measure that" in live.inner_text()
    shot(page, "quality-check-task")

    page.locator("#id_kr-0-kind").select_option("increase")
    page.locator("#id_kr-0-title").fill("Grow paid conversion from the pricing page")
    page.locator("#id_kr-0-start_value").fill("2")
    page.locator("#id_kr-0-target_value").press_sequentially("4", delay=10)
    page.locator("#id_kr-0-unit").press_sequentially("%", delay=10)
    live.locator("[data-code=kr_is_task]").wait_for(state="detached")
    assert live.locator("[data-code=kr_is_task]").count() == 0
    assert page.url == f"{base}/objectives/new/"  # checked in place, nothing submitted


def test_champion_opens_the_readiness_board(demo: str, page: Page) -> None:
    base = demo
    login(page, base, "champion@northwind.test")
    page.goto(f"{base}/planning/readiness/")
    page.locator("#readiness").wait_for()
    assert page.locator("#readiness tbody tr").count() >= 3
    shot(page, "readiness-board")
