"""The main journeys in a real browser: sign in, My week, the weekly check-in by keyboard alone."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from e2e.conftest import PHONE, login, shot

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.e2e


def _due_rows(page: Page) -> dict[str | None, str | None]:
    """{row id: aria-valuenow} of the key results listed under "Due now"."""
    rows = page.locator("section[aria-labelledby=due-list-title] li.kr-row")
    return {
        rows.nth(i).get_attribute("id"): rows.nth(i).locator(".progress").get_attribute("aria-valuenow")
        for i in range(rows.count())
    }


def _tab_to(page: Page, predicate: str, limit: int = 60) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const el = document.activeElement; return {predicate}; }})()"):
            return
    raise AssertionError(f"Tab never reached: {predicate}")


def _fill_check_in_by_keyboard(page: Page) -> int:
    """Walk the form with Tab; set each value to its target, tick every milestone, mark binaries
    done, confidence 8, a short note; stop on the submit button and press Enter."""
    _tab_to(page, "el.closest('form.stack') !== null && el.type !== 'hidden'")
    edited = 0
    for _ in range(400):
        info = page.evaluate(
            """(() => { const el = document.activeElement;
                 return {tag: el.tagName, type: el.type || '', name: el.name || '', checked: !!el.checked,
                         value: el.value || '', target: el.dataset.target || '', text: el.textContent.trim()}; })()"""
        )
        if info["tag"] == "BUTTON" and info["type"] == "submit":
            page.keyboard.press("Enter")
            return edited
        name = info["name"]
        if name.endswith("-value") and info["type"] == "text":
            page.keyboard.press("Control+A")
            page.keyboard.type(info["target"])
            edited += 1
        elif name.endswith("-value") and info["type"] == "radio":
            if info["value"] != "1":
                page.keyboard.press("ArrowLeft")  # arrow keys move (and select) within a radio group
            page.keyboard.press("Space")
            edited += 1
        elif name.endswith("-milestones") and not info["checked"]:
            page.keyboard.press("Space")
        elif name.endswith("-confidence") and info["type"] == "number":
            page.keyboard.press("Control+A")
            page.keyboard.type("8")
        elif name.endswith("-note"):
            page.keyboard.type("Moved by keyboard")
        page.keyboard.press("Tab")
    raise AssertionError("never reached the submit button")


def test_member_does_the_weekly_check_in_by_keyboard_alone(demo: str, page: Page) -> None:
    base = demo
    page.goto(f"{base}/")
    shot(page, "login")
    login(page, base, "member@northwind.test")
    assert page.locator("h1").first.inner_text() == "My week"
    before = _due_rows(page)
    assert before, "the demo member should have key results due"
    assert page.locator("#due-title .due-count").inner_text() == str(len(before))
    shot(page, "my-week")

    _tab_to(page, "el.textContent.trim() === 'Do my weekly check-in'")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/check-in/"))
    assert page.locator("fieldset.checkin-kr").count() == len(before)
    shot(page, "check-in")

    edited = _fill_check_in_by_keyboard(page)
    page.wait_for_url(re.compile(rf"^{re.escape(base)}/(\?cycle=\d+)?$"))
    assert edited >= 1
    assert f"Checked in {len(before)} key result" in page.locator(".messages").inner_text()
    assert page.locator("text=Do my weekly check-in").count() == 0
    for row_id, old in before.items():
        row = page.locator(f"#{row_id}").first
        now = row.locator(".progress").get_attribute("aria-valuenow")
        assert now == "100", (row_id, old, now)
        assert row.locator(".badge.status-on_track").count() == 1
    shot(page, "my-week-after")


def test_bad_value_keeps_everything_and_points_at_the_field(demo: str, page: Page) -> None:
    base = demo
    login(page, base, "member@northwind.test")
    page.goto(f"{base}/check-in/")
    first_value = page.locator("input[name$='-value'][type=text]").first
    first_value.fill("lots")
    page.locator("button[type=submit]", has_text="Save check-in").click()
    summary = page.locator("#error-summary")
    summary.wait_for()  # the answer to the submit, not the page before it
    assert summary.is_visible()
    assert "is not a number" in summary.inner_text()
    assert first_value.get_attribute("aria-invalid") == "true"
    assert first_value.input_value() == "lots"
    shot(page, "check-in-errors")
    summary.locator("a").first.click()
    assert page.evaluate("document.activeElement.name") == first_value.get_attribute("name")


def test_quick_check_in_inline_with_htmx(demo: str, page: Page) -> None:
    base = demo
    login(page, base, "member@northwind.test")
    row = page.locator("li.kr-row").first
    row_id = row.get_attribute("id")
    row.get_by_role("link", name=re.compile("Check in on")).click()
    value = page.locator(f"#{row_id}-slot input[type=text]")
    if value.count():
        value.wait_for()
        assert value.evaluate("el => el === document.activeElement")
        target = value.get_attribute("data-target")
        assert target is not None
        value.fill(target)
    page.locator(f"#{row_id}-slot button[type=submit]").click()
    page.locator(f"#{row_id} >> text=Checked in.").wait_for()
    assert page.url.rstrip("/") == base  # no navigation: the row was swapped in place


@pytest.mark.parametrize("email", ["lead@northwind.test", "admin@northwind.test"])
def test_lead_and_admin_sign_in_and_see_their_pages(demo: str, page: Page, email: str) -> None:
    base = demo
    login(page, base, email)
    assert page.locator("h1").first.inner_text() == "My week"
    page.goto(f"{base}/accounts/members/")
    assert page.locator("h1").first.inner_text() == "People"
    invite_form = page.locator("text=Invite someone")
    assert invite_form.count() == (1 if email.startswith("admin") else 0)


def test_globex_admin_gets_404_on_northwind_urls(demo: str, page: Page) -> None:
    from ambit.okrs.models import KeyResult

    base = demo
    kr = KeyResult.objects.filter(organisation__slug="northwind").select_related("objective").first()
    assert kr is not None
    login(page, base, "admin@globex.test")
    for path in (f"/objectives/{kr.objective_id}/", f"/key-results/{kr.pk}/check-in/"):
        response = page.goto(f"{base}{path}")
        assert response is not None and response.status == 404, path


def test_my_week_on_a_phone(demo: str, phone: Page) -> None:
    login(phone, demo, "member@northwind.test")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"page scrolls sideways at {PHONE['width']}px ({width}px)"
    shot(phone, "my-week-phone")
    phone.goto(f"{demo}/check-in/")
    shot(phone, "check-in-phone")
