"""The strict Content-Security-Policy in a real browser: the API docs and the Django admin work
under it. (Every other journey runs under it too: the ``page`` and ``phone`` fixtures fail a test
on any violation.)"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from e2e.conftest import login, shot

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page
    from pytest_django.live_server_helper import LiveServer

pytestmark = pytest.mark.e2e


def _operation_count(page: Page, base: str) -> int:
    schema = page.request.get(f"{base}/api/v1/openapi.json").json()
    return sum(
        1
        for operations in schema["paths"].values()
        for method in operations
        if method in {"get", "post", "patch", "put", "delete"}
    )


def test_api_docs_render_every_operation_under_the_policy(
    transactional_db: None, live_server: LiveServer, page: Page
) -> None:
    # The docs are public (the API itself needs a token), so no demo data or login is needed.
    base = live_server.url
    response = page.goto(f"{base}/api/v1/docs")
    assert response is not None and response.status == 200
    policy = response.headers["content-security-policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy

    operations = page.locator(".opblock")
    operations.first.wait_for()
    assert operations.count() == _operation_count(page, base)
    page.get_by_role("heading", name="Ambit API").wait_for()

    # Opening an operation renders its parameters and responses (more React, more styling).
    operations.first.locator(".opblock-summary").click()
    page.locator(".opblock-body").first.wait_for()
    assert page.get_by_role("button", name="Try it out").first.is_visible()
    shot(page, "api-docs")


ADMIN_PAGES = [
    "/admin/",
    "/admin/okrs/objective/",
    "/admin/okrs/objective/add/",
    "/admin/accounts/user/",
    "/admin/core/auditentry/",
]


def test_admin_pages_work_under_the_policy(demo: str, page: Page) -> None:
    from ambit.okrs.models import Objective

    login(page, demo, "admin@northwind.test")
    objective = Objective.objects.filter(organisation__slug="northwind").order_by("pk").first()
    assert objective is not None
    for path in [*ADMIN_PAGES, f"/admin/okrs/objective/{objective.pk}/change/"]:
        response = page.goto(f"{demo}{path}")
        assert response is not None and response.status == 200, path
        assert "default-src 'self'" in response.headers["content-security-policy"], path
        page.locator("#content").wait_for()

    # The admin's own JavaScript still runs (static files, styling through the DOM): the nav
    # sidebar toggles, and the date widget adds its "Today" shortcut and calendar, which fill a field.
    page.goto(f"{demo}/admin/okrs/objective/")
    shifted = "shifted" in (page.locator("#main").get_attribute("class") or "")
    page.locator("#toggle-nav-sidebar").click()
    assert ("shifted" in (page.locator("#main").get_attribute("class") or "")) is not shifted

    page.goto(f"{demo}/admin/okrs/cycle/add/")
    page.locator("#id_start_date + .datetimeshortcuts a", has_text="Today").click()
    assert page.locator("#id_start_date").input_value() != ""
    page.locator("#id_end_date + .datetimeshortcuts .date-icon").click()
    calendar = page.locator(".calendarbox:visible")
    calendar.wait_for()
    calendar.get_by_role("link", name="Tomorrow").click()
    assert page.locator("#id_end_date").input_value() != ""
    shot(page, "admin-cycle-add")


def test_the_watch_catches_a_violation(browser: Browser) -> None:
    """The fixtures' watch is real: an inline style and script under the policy are both reported."""
    from e2e.conftest import watch_csp

    context = browser.new_context()
    violations = watch_csp(context)
    page = context.new_page()
    page.route(
        "http://csp.test/",
        lambda route: route.fulfill(
            status=200,
            headers={"Content-Type": "text/html", "Content-Security-Policy": "default-src 'self'"},
            body='<!doctype html><p style="color:red">x</p><script>document.title = "ran"</script>',
        ),
    )
    page.goto("http://csp.test/")
    recorded: list[str] = []
    for _ in range(50):  # page.evaluate, not wait_for_function: polling a string predicate uses eval
        recorded = page.evaluate("window.__cspViolations")
        if len(recorded) >= 2:
            break
        page.wait_for_timeout(100)
    title = page.title()
    context.close()
    assert title != "ran"
    assert any(line.startswith("style-src-attr") for line in recorded)
    assert any(line.startswith("script-src-elem") for line in recorded)
    assert any("Content Security Policy" in line for line in violations)


def test_behaviour_moved_out_of_inline_scripts_still_works(demo: str, page: Page) -> None:
    """The key result form's kind switch and the select-on-focus fields now live in ambit.js."""
    from ambit.okrs.models import Objective

    login(page, demo, "admin@northwind.test")
    objective = Objective.objects.filter(organisation__slug="northwind", state="active").order_by("pk").first()
    assert objective is not None
    page.goto(f"{demo}/objectives/{objective.pk}/key-results/new/")
    numbers = page.locator("fieldset[data-kinds~=increase]")
    milestones = page.locator("fieldset[data-kinds=milestones]")
    page.locator("#id_kind").select_option("milestones")
    assert numbers.is_hidden() and milestones.is_visible()
    page.locator("#id_kind").select_option("increase")
    assert numbers.is_visible() and milestones.is_hidden()

    page.goto(f"{demo}/settings/tokens/")
    page.get_by_label("Name").first.fill("CI")
    page.get_by_role("button", name="Create token").click()
    page.wait_for_load_state("domcontentloaded")
    page.locator("#new-token").focus()
    selected = page.locator("#new-token").evaluate("el => el.value.substring(el.selectionStart, el.selectionEnd)")
    assert selected.startswith("amb_") and selected == page.locator("#new-token").input_value()
