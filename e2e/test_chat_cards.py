"""Slack and Teams in a real browser.

* The Teams message Ambit posts for the demo organisation's weekly digest is rendered by Microsoft's
  own ``adaptivecards`` renderer in Chromium (parsed with no validation event), shot at desktop and
  phone width, and its text holds every heading of the digest.
* Settings → Chat channels: a lead adds their team's Teams channel (aimed at a local stand-in),
  sends a test message and sees the 200 in the recent posts; at desktop and phone width, with
  axe-core and the CSP watched on every page (e2e/conftest.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from e2e.conftest import DESKTOP, PHONE, check_accessibility, login, shot
from tests.chat.receiver import running_channel

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page
    from pytest_django.fixtures import Settings

pytestmark = pytest.mark.e2e

# adaptivecards 3.0.6 from npm (``npm pack adaptivecards@3.0.6``, file ``package/dist/adaptivecards.min.js``:
# a UMD build that sets ``window.AdaptiveCards``), vendored with its licence in e2e/vendor like
# axe-core; loaded into a blank page, nothing is fetched at test time.
ADAPTIVE_CARDS = Path(__file__).parent / "vendor" / "adaptivecards.min.js"

RENDER = """(card) => {
  const context = new AdaptiveCards.SerializationContext();
  const adaptive = new AdaptiveCards.AdaptiveCard();
  adaptive.parse(card, context);
  const events = [];
  for (let i = 0; i < context.eventCount; i++) events.push(context.getEventAt(i).message);
  const validation = adaptive.validateProperties();
  const rendered = adaptive.render();
  document.getElementById("card").appendChild(rendered);
  return {
    events: events,
    validation: validation.validationEvents.map(e => e.message),
    text: rendered.innerText,
    facts: rendered.querySelectorAll(".ac-factset").length,
    actions: Array.from(rendered.querySelectorAll("button")).map(b => b.innerText),
  };
}"""


def _digest_payload(base: str) -> tuple[dict[str, Any], list[str]]:
    from ambit.accounts.models import Organisation
    from ambit.chat.messages import digest_message
    from ambit.chat.teams import teams_payload
    from ambit.notify.digest import build_digest
    from ambit.notify.digest_text import digest_sections

    digest = build_digest(Organisation.objects.get(slug="northwind"))
    headings = [heading for heading, _lines in digest_sections(digest)]
    return teams_payload(digest_message(digest, site_url=base)), headings


def test_the_teams_digest_card_renders_with_every_heading(demo: str, browser: Browser) -> None:
    payload, headings = _digest_payload(demo)
    card = payload["attachments"][0]["content"]
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.set_content('<!doctype html><html lang="en"><body><main id="card"></main></body></html>')
    page.add_script_tag(path=str(ADAPTIVE_CARDS))
    result = page.evaluate(RENDER, card)
    assert result["events"] == [] and result["validation"] == []
    for heading in headings:
        assert heading in result["text"]
    assert "Weekly digest for Northwind Labs" in result["text"]
    assert result["facts"] == 2  # progress against expected, check-in discipline
    assert result["actions"] == ["Open the digest"]
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        shot(page, f"teams-digest-card-{size['width']}")
    context.close()


def test_a_lead_adds_a_teams_channel_and_sends_a_test_message(demo: str, page: Page, settings: Settings) -> None:
    settings.CHAT_ALLOW_HTTP = True  # the stand-in channel is http://127.0.0.1
    with running_channel(default=202, body=b"") as channel:
        login(page, demo, "lead@northwind.test")
        page.goto(f"{demo}/settings/")
        page.get_by_role("link", name="Chat channels (Slack, Teams)").click()
        page.wait_for_url(f"{demo}/settings/chat/")
        assert page.locator("h1").inner_text() == "Chat channels"
        page.get_by_label("Microsoft Teams").check()
        page.get_by_label("Webhook URL").fill(channel.url)
        assert "The whole organisation" not in page.get_by_label("Posts for").inner_text()
        page.get_by_label("Posts for").select_option(label="Team Platform")
        page.get_by_label("Channel name").fill("#platform")
        check_accessibility(page)
        shot(page, "chat-channels-new")
        page.get_by_label("Channel name").press("Enter")  # submits by keyboard

        page.wait_for_url(f"{demo}/settings/chat/")
        assert page.get_by_role("status").filter(has_text="Microsoft Teams channel added").count() == 1
        assert channel.url not in page.content()  # the secret URL is not shown after saving
        page.get_by_role("button", name="Send test message").click()
        page.wait_for_load_state()
        assert page.get_by_role("status").filter(has_text="the channel answered HTTP 202").count() == 1
        row = page.locator("section[aria-labelledby=posts-heading] tbody tr").first
        assert "Test message" in row.inner_text()
        assert row.locator("td").nth(4).inner_text() == "202"
        (body,) = channel.bodies
        assert body["attachments"][0]["content"]["body"][0]["text"] == "Test message from Ambit"
        check_accessibility(page)
        shot(page, "chat-channels")

        page.set_viewport_size(PHONE)
        page.reload()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        check_accessibility(page)
        shot(page, "chat-channels-phone")
