"""The planning grid in the browser: a team lead moves through the grid with the keyboard, edits a
target, adds a key result row, checks (the sheet's dry run), applies, and finds the new key result
on the objective's page; on a phone the grid scrolls inside its own box, never the page."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from e2e.conftest import check_accessibility, login, shot

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from ambit.okrs.models import Cycle, KeyResult

pytestmark = pytest.mark.e2e


def _cycle() -> Cycle:
    from ambit.okrs.models import Cycle

    cycle = Cycle.objects.filter(organisation__slug="northwind", state="active", kind="quarter").first()
    assert cycle is not None
    return cycle


def _platform_kr(cycle: Cycle) -> KeyResult:
    """A key result of the platform team measuring a number upwards (its target can go up)."""
    from ambit.okrs.models import KeyResult

    kr = (
        KeyResult.objects.filter(
            objective__cycle=cycle,
            objective__team__slug="platform",
            kind="increase",
            target_value__isnull=False,
            state="active",
        )
        .exclude(objective__state="cancelled")
        .order_by("objective__position", "objective_id", "position", "id")
        .first()
    )
    assert kr is not None
    return kr


def _focused_label(page: Page) -> str:
    return str(page.evaluate("() => document.activeElement && document.activeElement.getAttribute('aria-label')"))


def test_a_lead_edits_the_plan_in_the_grid(demo: str, page: Page) -> None:
    from ambit.core.services import plain_number
    from ambit.okrs.models import KeyResult

    cycle = _cycle()
    kr = _platform_kr(cycle)
    new_target = kr.target_value + 1 if kr.target_value is not None else 1
    login(page, demo, "lead@northwind.test")
    page.goto(f"{demo}/sheets/cycles/{cycle.pk}/grid/?team=platform")
    page.locator("#planning-grid").wait_for()
    shot(page, "planning-grid")

    row = page.locator(f'tr[data-grid-row]:has(input[data-col=id][value="O{kr.objective_id}-KR{kr.pk}"])')
    number = row.locator("[data-grid-number]").first.inner_text()
    row.locator("[data-col=kr]").focus()
    assert _focused_label(page) == f"Key result, row {number}"
    # The arrow keys move from cell to cell; over a select they move on instead of changing it.
    kind_before = row.locator("[data-col=kind]").input_value()
    for label in ("KR owner email", "Kind", "Start", "Target"):
        page.keyboard.press("ArrowRight")
        assert _focused_label(page) == f"{label}, row {number}"
    assert row.locator("[data-col=kind]").input_value() == kind_before
    if int(number) > 2:
        page.keyboard.press("ArrowUp")
        assert _focused_label(page) == f"Target, row {int(number) - 1}"
        page.keyboard.press("ArrowDown")
    assert _focused_label(page) == f"Target, row {number}"
    # F2 edits, Esc puts the cell back; typing replaces the cell, Enter keeps it and moves down.
    target = row.locator("[data-col=target]")
    before = target.input_value()
    page.keyboard.press("F2")
    page.keyboard.type("999")
    page.keyboard.press("Escape")
    assert target.input_value() == before
    page.keyboard.type(plain_number(new_target))
    page.keyboard.press("Enter")
    assert target.input_value() == plain_number(new_target)
    assert _focused_label(page).startswith("Target, row ")

    # Ctrl+Enter adds a key result row below, for the same objective, with the focus on its title.
    row.locator("[data-col=kr]").focus()
    page.keyboard.press("Control+Enter")
    new_number = int(number) + 1
    assert _focused_label(page) == f"Key result, row {new_number}"
    page.keyboard.type("Grid journey: p99 checkout latency")
    new_row = page.locator("tr[data-grid-row]").nth(new_number - 2)
    assert new_row.locator("input[data-col=id]").input_value() == f"O{kr.objective_id}"
    new_row.locator("[data-col=kind]").select_option("stay_below")
    new_row.locator("[data-col=target]").fill("450")
    new_row.locator("[data-col=unit]").fill("ms")

    page.click("#grid-check")
    page.get_by_text("Dry run — Planning grid").wait_for()
    report = page.locator("#sheet-report").inner_text()
    assert "1 to create" in report.replace("\n", " ") and "Grid journey: p99 checkout latency" in report
    assert KeyResult.objects.filter(title__startswith="Grid journey").count() == 0  # a check writes nothing
    check_accessibility(page)
    shot(page, "planning-grid-check")

    page.click("#grid-apply")
    page.get_by_text("Saved: 1 created, 1 updated.").wait_for()
    shot(page, "planning-grid-applied")
    created = KeyResult.objects.get(title="Grid journey: p99 checkout latency")
    assert created.objective_id == kr.objective_id and created.unit == "ms"
    kr.refresh_from_db()
    assert kr.target_value == new_target

    page.goto(f"{demo}/objectives/{kr.objective_id}/")
    page.get_by_text("Grid journey: p99 checkout latency").first.wait_for()


def test_problems_are_marked_on_their_cells(demo: str, page: Page) -> None:
    cycle = _cycle()
    kr = _platform_kr(cycle)
    login(page, demo, "lead@northwind.test")
    page.goto(f"{demo}/sheets/cycles/{cycle.pk}/grid/?team=platform")
    row = page.locator(f'tr[data-grid-row]:has(input[data-col=id][value="O{kr.objective_id}-KR{kr.pk}"])')
    row.locator("[data-col=target]").fill("lots")
    page.click("#grid-check")
    page.locator("[aria-invalid=true]").first.wait_for()
    # The first problem's cell has the focus, with the reason beside it; nothing to apply.
    assert page.evaluate("() => document.activeElement.getAttribute('data-col')") == "target"
    assert "lots" in page.locator(".grid-cell-error .field-error").first.inner_text()
    assert page.locator("#grid-apply").count() == 0
    check_accessibility(page)
    shot(page, "planning-grid-problems")


def test_on_a_phone_the_grid_scrolls_inside_its_box(demo: str, phone: Page) -> None:
    cycle = _cycle()
    login(phone, demo, "lead@northwind.test")
    phone.goto(f"{demo}/sheets/cycles/{cycle.pk}/grid/?team=platform")
    phone.locator("#planning-grid").wait_for()
    layout = phone.evaluate(
        """() => {
          const box = document.querySelector(".grid-scroll");
          return {page: document.documentElement.scrollWidth, viewport: window.innerWidth,
                  inner: box.scrollWidth, outer: box.clientWidth};
        }"""
    )
    assert layout["page"] <= layout["viewport"], layout  # the page never scrolls sideways
    assert layout["inner"] > layout["outer"], layout  # the grid does, in its own box
    shot(phone, "planning-grid-phone")
