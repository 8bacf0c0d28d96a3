"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server,
on the demo world from ``manage.py seed_demo``. Run with ``.venv/bin/pytest e2e -p no:xdist``."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM refuses that unless told.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).parent / "screenshots"
DEMO_PASSWORD = "ambit-demo"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def demo(transactional_db, live_server) -> str:  # type: ignore[no-untyped-def]
    """The Northwind demo organisation (and Globex), served at the returned base URL."""
    from django.core.management import call_command

    call_command("seed_demo", verbosity=0)
    return live_server.url


# Runs in every document before its own scripts: records each Content-Security-Policy violation
# in window.__cspViolations (for the page at hand) and hands it to Python (across navigations).
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  var line = e.effectiveDirective + " blocked " + (e.blockedURI || "inline")
    + " in " + e.sourceFile + ":" + e.lineNumber + (e.sample ? " (" + e.sample + ")" : "");
  window.__cspViolations.push(line);
  if (window.__ambitCspViolation) window.__ambitCspViolation(line);
}, true);
"""


def watch_csp(context) -> list[str]:  # type: ignore[no-untyped-def]
    """Collect every CSP violation in a browser context: the DOM event, and Chromium's console
    message ("Refused to … because it violates the following Content Security Policy …")."""
    violations: list[str] = []

    def record(line: str) -> None:
        violations.append(line)

    context.expose_function("__ambitCspViolation", record)
    context.add_init_script(CSP_LISTENER)

    def on_console(message) -> None:  # type: ignore[no-untyped-def]
        if "Content Security Policy" in message.text:
            violations.append(f"console: {message.text}")

    context.on("console", on_console)
    return violations


def close_checking_csp(context, violations: list[str]) -> None:  # type: ignore[no-untyped-def]
    """Close the context, then fail the test if any page in it broke the policy."""
    for open_page in context.pages:
        # A page that is gone or mid-navigation has nothing left to report.
        with contextlib.suppress(Exception):
            violations.extend(open_page.evaluate("window.__cspViolations || []"))
    context.close()
    unique = list(dict.fromkeys(violations))
    assert not unique, "Content-Security-Policy violations:\n" + "\n".join(unique)


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    violations = watch_csp(context)
    page = context.new_page()
    yield page
    close_checking_csp(context, violations)


@pytest.fixture
def phone(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 360, "height": 760}, device_scale_factor=2, is_mobile=True)
    violations = watch_csp(context)
    page = context.new_page()
    yield page
    close_checking_csp(context, violations)


def login(page, base: str, email: str, password: str = DEMO_PASSWORD) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
