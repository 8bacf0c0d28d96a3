"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server,
on the demo world from ``manage.py seed_demo``. Run with ``.venv/bin/pytest e2e -p no:xdist``."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Request, ViewportSize
    from pytest_django.live_server_helper import LiveServer

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
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}
# axe-core 4.10.3 from npm (``npm pack axe-core@4.10.3``), vendored with its licence so nothing is
# fetched at test time. The strict CSP blocks an inline <script>, which is what
# ``add_script_tag(path=...)`` makes, so the file is served from the app's own origin instead:
# a route answers AXE_PATH with it and ``script-src 'self'`` lets the page load it.
AXE_SCRIPT = Path(__file__).parent / "vendor" / "axe.min.js"
AXE_PATH = "/__axe.js"
# Pages drawn by other projects' templates (Django's admin, the API reference) are not ours to fix.
AXE_SKIP_PREFIXES = ("/admin/", "/api/")
AXE_RUN = """() => axe.run(document, {resultTypes: ["violations"]}).then(result => result.violations.map(v =>
  v.id + " (" + v.impact + "): " + v.help + " at " + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", ")))"""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        item.add_marker(pytest.mark.e2e)
        # A real browser against a threaded server on a loaded two-core machine now and then misses
        # a moment (an HTMX settle, a lazy load): a journey that fails runs once more, from a fresh
        # demo, and the summary counts it as a rerun. A journey that fails twice fails the suite.
        item.add_marker(pytest.mark.flaky(reruns=1))


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


# The live server and the test share one in-memory SQLite connection (pytest-django hands the
# server thread the test's connection). SQLite refuses a write to a table while another statement
# on the same connection is still reading it ("database table is locked"): a journey that writes
# through the ORM while a page's HTMX loads are being served failed now and then under load. So
# the database has one user at a time: each request is served whole under this lock, and each
# statement of the test thread waits for it.
_ONE_AT_A_TIME = threading.RLock()


class _Serialised:
    """The live server's WSGI application, one request at a time under ``_ONE_AT_A_TIME`` (the
    body drained inside it, in case a response streams rows)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: Any, start_response: Any) -> list[bytes]:
        with _ONE_AT_A_TIME:
            result = self.app(environ, start_response)
            try:
                return list(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()


def _one_statement_at_a_time(execute: Any, sql: Any, params: Any, many: bool, context: Any) -> Any:
    with _ONE_AT_A_TIME:
        return execute(sql, params, many, context)


@pytest.fixture(autouse=True)
def one_database_user_at_a_time(request: pytest.FixtureRequest) -> Iterator[None]:
    if "live_server" not in request.fixturenames:
        yield
        return
    from django.db import connection

    server: LiveServer = request.getfixturevalue("live_server")
    httpd = server.thread.httpd
    if not isinstance(httpd.get_app(), _Serialised):
        httpd.set_app(_Serialised(httpd.get_app()))
    with connection.execute_wrapper(_one_statement_at_a_time):
        yield


@pytest.fixture
def demo(transactional_db: None, live_server: LiveServer) -> str:
    """The Northwind demo organisation (and Globex), served at the returned base URL."""
    from django.core.cache import cache
    from django.core.management import call_command

    call_command("seed_demo", verbosity=0)
    cache.clear()
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


def watch_csp(context: BrowserContext) -> list[str]:
    """Collect every CSP violation in a browser context: the DOM event, and Chromium's console
    message ("Refused to … because it violates the following Content Security Policy …")."""
    violations: list[str] = []

    def record(line: str) -> None:
        violations.append(line)

    context.expose_function("__ambitCspViolation", record)
    context.add_init_script(CSP_LISTENER)

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            violations.append(f"console: {message.text}")

    context.on("console", on_console)
    return violations


def close_checking_csp(context: BrowserContext, violations: list[str]) -> None:
    """Close the context, then fail the test if any page in it broke the policy."""
    for open_page in context.pages:
        # A page that is gone or mid-navigation has nothing left to report.
        with contextlib.suppress(Exception):
            violations.extend(open_page.evaluate("window.__cspViolations || []"))
    context.close()
    unique = list(dict.fromkeys(violations))
    assert not unique, "Content-Security-Policy violations:\n" + "\n".join(unique)


def serve_axe(context: BrowserContext) -> None:
    """Answer AXE_PATH on any origin of ``context`` with the vendored axe-core."""
    context.route(
        f"**{AXE_PATH}",
        lambda route: route.fulfill(path=str(AXE_SCRIPT), content_type="text/javascript; charset=utf-8"),
    )


def axe_violations(page: Page) -> list[str]:
    """axe-core's violations on the page as it is now, one line each ("" when none).
    Its context must have been given ``serve_axe``."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(url=page.evaluate("location.origin") + AXE_PATH)
    return [str(line) for line in page.evaluate(AXE_RUN)]


def check_accessibility(page: Page) -> None:
    """Fail on any axe-core violation on the page as it is now (e.g. with a form's errors shown)."""
    violations = axe_violations(page)
    assert not violations, f"axe-core on {page.url} at {page.viewport_size}:\n" + "\n".join(violations)


def track_pages(context: BrowserContext) -> list[str]:
    """Every page a tab of ``context`` loads with GET, in order, as the journey goes (a form's
    POST answer is not one: replaying it as a GET would only meet "405 Method Not Allowed")."""
    visited: list[str] = []

    def on_request(request: Request) -> None:
        with contextlib.suppress(Exception):  # a request from a frame already gone
            if request.is_navigation_request() and request.method == "GET" and request.frame.parent_frame is None:
                visited.append(request.url)

    context.on("request", on_request)
    return visited


def audit_visited(context: BrowserContext, visited: list[str]) -> list[str]:
    """Open every page the journey showed again, at desktop and phone size, and run axe-core on
    each: the journeys then check accessibility on every page they pass without saying so.
    Only GET pages of the app are reopened; what a journey changed in place (an HTMX form, an
    error report) it checks itself with ``check_accessibility``."""
    urls = [
        u for u in dict.fromkeys(visited) if u.startswith("http") and not urlsplit(u).path.startswith(AXE_SKIP_PREFIXES)
    ]
    if not urls:
        return []
    from playwright.sync_api import Error as PlaywrightError

    problems: list[str] = []
    auditor = context.new_page()
    for url in urls:
        for size in (DESKTOP, PHONE):
            if (url, size["width"]) in _AUDITED:  # this page, at this size, already passed in this process
                continue
            _AUDITED.add((url, size["width"]))
            auditor.set_viewport_size(size)
            try:
                response = auditor.goto(url)
            except PlaywrightError:  # a download, or an error answer with no page to check
                continue
            if response is None or "text/html" not in (response.headers.get("content-type") or ""):
                continue
            found = axe_violations(auditor)
            problems.extend(f"{url} at {size['width']}×{size['height']}: {line}" for line in found)
    return problems


# The (URL, width) pairs audit_visited has checked in this test process: each journey starts from
# the same demo, so a page another journey already passed is not reopened.
_AUDITED: set[tuple[str, int]] = set()


@contextlib.contextmanager
def audited_context(browser: Browser, **options: Any) -> Iterator[BrowserContext]:
    """A browser context whose pages are checked for CSP violations and, when the test is done,
    for accessibility (axe-core at desktop and phone size) on every page they showed."""
    context = browser.new_context(**options)
    violations = watch_csp(context)
    serve_axe(context)
    visited = track_pages(context)
    yield context
    problems = audit_visited(context, visited)
    close_checking_csp(context, violations)
    assert not problems, "axe-core violations:\n" + "\n".join(dict.fromkeys(problems))


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    with audited_context(browser, viewport=DESKTOP) as context:
        yield context.new_page()


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    with audited_context(browser, viewport=PHONE, device_scale_factor=2, is_mobile=True) as context:
        yield context.new_page()


def login(page: Page, base: str, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
