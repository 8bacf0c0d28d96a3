"""Settings → Webhooks in a real browser: an admin adds an endpoint aimed at a local receiver, sends
a test event and sees the receiver's 200 in the delivery log; at desktop and phone width, with
axe-core and the CSP watched on every page (e2e/conftest.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from e2e.conftest import PHONE, check_accessibility, login, shot
from tests.hooks.receiver import running_receiver

if TYPE_CHECKING:
    from playwright.sync_api import Page
    from pytest_django.fixtures import Settings

pytestmark = pytest.mark.e2e


def test_admin_adds_an_endpoint_and_sends_a_test_event(demo: str, page: Page, settings: Settings) -> None:
    settings.WEBHOOKS_ALLOW_HTTP = True  # the receiver is http://127.0.0.1
    with running_receiver() as receiver:
        login(page, demo, "admin@northwind.test")
        page.goto(f"{demo}/settings/")
        page.get_by_role("link", name="Webhooks").click()
        page.wait_for_url(f"{demo}/settings/webhooks/")
        assert page.locator("h1").inner_text() == "Webhooks"
        page.get_by_role("link", name="Add endpoint").click()

        page.get_by_label("URL").fill(receiver.url)
        page.get_by_label("Description").fill("Local receiver")
        page.get_by_label("check_in (record)").check()
        check_accessibility(page)
        shot(page, "webhooks-new")
        page.get_by_label("Description").press("Enter")  # submits by keyboard

        page.wait_for_url(f"{demo}/settings/webhooks/*/")
        receiver.secret = page.get_by_label("Secret for verifying signatures").input_value()
        assert receiver.secret.startswith("whsec_")
        page.get_by_role("button", name="Send test event").click()
        page.wait_for_load_state()

        assert page.get_by_role("status").filter(has_text="Test event delivered").count() == 1
        row = page.locator("section[aria-labelledby=log-heading] tbody tr").first
        assert "webhook.test" in row.inner_text()
        assert row.locator("td").nth(3).inner_text() == "200"
        assert row.locator(".badge").inner_text() == "Delivered"
        (got,) = receiver.received
        assert got.verified and got.payload["type"] == "webhook.test"
        check_accessibility(page)
        shot(page, "webhooks-endpoint")

        page.set_viewport_size(PHONE)
        page.reload()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        check_accessibility(page)
        shot(page, "webhooks-endpoint-phone")
        page.goto(f"{demo}/settings/webhooks/")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        check_accessibility(page)
        shot(page, "webhooks-list-phone")
