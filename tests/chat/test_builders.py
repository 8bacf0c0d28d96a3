"""The message builders, pure: the Slack Block Kit body within Slack's limits (header ≤ 150, each
section ≤ 3,000, ≤ 50 blocks, a fallback text, a button with an absolute URL, &, < and > escaped),
cut gracefully with "… and N more"; the Teams message with a valid Adaptive Card 1.5."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from ambit.chat.messages import Part, announcement_message, digest_message, left_out
from ambit.chat.slack import BLOCK_LIMIT, HEADER_LIMIT, SECTION_LIMIT, escape, fit_lines, slack_payload
from ambit.chat.teams import CONTENT_TYPE, MAX_BYTES, size_of, teams_payload
from ambit.notify.digest_text import digest_sections
from tests.chat.digests import digest

SITE = "https://okr.example.com"
HEADINGS = ["Progress against expected", "What moved", "Wins", "Risks", "Gone quiet", "Check-in discipline"]


def _texts(blocks: list[dict[str, Any]]) -> list[str]:
    out = []
    for block in blocks:
        if "text" in block:
            out.append(block["text"]["text"])
        for element in block.get("elements", []):
            out.append(element["text"] if isinstance(element["text"], str) else element["text"]["text"])
    return out


def assert_within_slack_limits(payload: dict[str, Any]) -> None:
    blocks = payload["blocks"]
    assert 0 < len(blocks) <= BLOCK_LIMIT
    assert isinstance(payload["text"], str) and payload["text"]
    header = blocks[0]
    assert header["type"] == "header" and header["text"]["type"] == "plain_text"
    assert len(header["text"]["text"]) <= HEADER_LIMIT
    for block in blocks:
        assert block["type"] in {"header", "context", "section", "actions"}
        if block["type"] == "section":
            assert block["text"]["type"] == "mrkdwn"
            assert 0 < len(block["text"]["text"]) <= SECTION_LIMIT
    (button,) = blocks[-1]["elements"]
    assert button["type"] == "button" and len(button["text"]["text"]) <= 75 and len(button["url"]) <= 3000


def test_slack_digest_has_a_header_every_section_and_a_button_to_the_page() -> None:
    payload = slack_payload(digest_message(digest(), site_url=SITE))
    assert_within_slack_limits(payload)
    blocks = payload["blocks"]
    assert blocks[0]["text"]["text"] == "Weekly digest for Platform &lt;core&gt;, week 2026-W48"
    assert blocks[1] == {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": "Week of 21 Nov 2026 to 27 Nov 2026"}],
    }
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert [s.split("\n")[0] for s in sections] == [f"*{h}*" for h in HEADINGS]
    assert sections[0] == "*Progress against expected*\n• Q4 2026: 42% against 50% expected (At risk)"
    assert "• Ship &lt;the&gt; thing &amp; more #0 (Objective 0, Mia Member): 40% — At risk" in sections[1]
    assert sections[5] == (
        "*Check-in discipline*\n• 6 of 9 key results checked in (67%)\n• 3 of 4 people checked in (75%)"
    )
    (button,) = blocks[-1]["elements"]
    assert button["url"] == "https://okr.example.com/teams/platform/digest/?week=2026-11-27"
    assert button["text"]["text"] == "Open the digest"
    assert payload["text"].startswith("Weekly digest for Platform &lt;core&gt;, week 2026-W48: Q4 2026 at 42%")
    assert "<" not in "".join(_texts(blocks[1:]))  # no user text can open a link or a mention


def test_escape_covers_the_three_characters_slack_reserves() -> None:
    assert escape("a & b <@U123> <!channel>") == "a &amp; b &lt;@U123&gt; &lt;!channel&gt;"


def test_long_titles_and_many_items_are_cut_to_the_limits_with_and_n_more() -> None:
    huge = digest(title="Reduce p99 latency & errors " * 200, items=10, total=250)
    payload = slack_payload(digest_message(huge, site_url=SITE))
    assert_within_slack_limits(payload)
    sections = [b["text"]["text"] for b in payload["blocks"] if b["type"] == "section"]
    moved = sections[1].split("\n")
    # Each line cut to its own limit, as many as fit in 3,000 characters, the rest counted.
    assert moved[0] == "*What moved*"
    shown = moved[1:-1]
    assert shown and all(line.startswith("• Reduce p99 latency &amp; errors") for line in shown)
    assert all(line.endswith("…") and len(line) <= 602 for line in shown)
    assert moved[-1] == f"• … and {250 - len(shown)} more"
    assert len(sections[1]) <= SECTION_LIMIT


def test_a_long_title_is_cut_in_the_header_and_never_through_an_escape() -> None:
    long_team = digest()
    long_team["team"] = "R&D " * 100
    payload = slack_payload(digest_message(long_team, site_url=SITE))
    header = payload["blocks"][0]["text"]["text"]
    assert HEADER_LIMIT - 5 <= len(header) <= HEADER_LIMIT and header.endswith("R…")
    for line in fit_lines(["&" * 1000], 50):
        assert line.endswith("…") or line.startswith("…")
        assert not line.rstrip("…").endswith(("&amp", "&am", "&a"))


def test_fit_lines_counts_the_entries_the_digest_already_left_out() -> None:
    lines = [f"Line {n}" for n in range(5)] + ["… and 7 more"]
    assert fit_lines(lines, 10_000) == [f"Line {n}" for n in range(5)] + ["… and 7 more"]
    assert fit_lines(lines, 20) == ["Line 0", "… and 11 more"]
    assert left_out("… and 11 more") == 11 and left_out("Line 0") == 0


def test_more_parts_than_blocks_allowed_are_clamped_to_fifty() -> None:
    message = digest_message(digest(), site_url=SITE)
    many = type(message)(
        title=message.title,
        subtitle=message.subtitle,
        parts=[Part(f"Part {n}", ["x"]) for n in range(80)],
        link_url=message.link_url,
        link_label=message.link_label,
        summary=message.summary,
    )
    payload = slack_payload(many)
    assert len(payload["blocks"]) == BLOCK_LIMIT
    assert payload["blocks"][-2]["elements"][0]["text"] == "34 more parts on the page."
    assert payload["blocks"][-1]["type"] == "actions"


def _card(payload: dict[str, Any]) -> dict[str, Any]:
    assert payload["type"] == "message"
    (attachment,) = payload["attachments"]
    assert attachment["contentType"] == CONTENT_TYPE == "application/vnd.microsoft.card.adaptive"
    assert attachment["contentUrl"] is None
    card: dict[str, Any] = attachment["content"]
    return card


def assert_valid_card(card: dict[str, Any]) -> None:
    assert card["type"] == "AdaptiveCard"
    assert card["version"] in {"1.4", "1.5"}
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    for element in card["body"]:
        assert element["type"] in {"TextBlock", "FactSet"}
        if element["type"] == "TextBlock":
            assert isinstance(element["text"], str) and element["text"] and element["wrap"] is True
        else:
            assert element["facts"] and all(set(f) == {"title", "value"} for f in element["facts"])
            assert all(isinstance(f["title"], str) and isinstance(f["value"], str) for f in element["facts"])
    (action,) = card["actions"]
    assert action["type"] == "Action.OpenUrl" and action["url"].startswith("https://") and action["title"]


def test_teams_digest_is_an_adaptive_card_with_facts_and_a_link() -> None:
    payload = teams_payload(digest_message(digest(), site_url=SITE))
    card = _card(payload)
    assert_valid_card(card)
    texts = [e["text"] for e in card["body"] if e["type"] == "TextBlock"]
    assert texts[0] == "Weekly digest for Platform <core>, week 2026-W48"
    assert card["body"][0]["style"] == "heading" and card["body"][0]["size"] == "Large"
    for heading in HEADINGS:
        assert heading in texts
    facts = [e["facts"] for e in card["body"] if e["type"] == "FactSet"]
    assert facts == [
        [{"title": "Q4 2026", "value": "42% of 50% expected · At risk"}],
        [
            {"title": "Key results checked in", "value": "6 of 9 (67%)"},
            {"title": "People checked in", "value": "3 of 4 (75%)"},
        ],
    ]
    assert "• Ship <the> thing & more #0 (Objective 0, Mia Member): 40% — At risk" in texts
    assert card["actions"][0]["url"] == "https://okr.example.com/teams/platform/digest/?week=2026-11-27"
    assert json.loads(json.dumps(payload)) == payload


def test_a_huge_digest_card_stays_under_the_teams_size_limit() -> None:
    huge = digest(title="Reduce p99 latency & errors " * 200, items=10, total=250)
    payload = teams_payload(digest_message(huge, site_url=SITE))
    card = _card(payload)
    assert_valid_card(card)
    assert size_of(payload) <= MAX_BYTES
    texts = [e["text"] for e in card["body"] if e["type"] == "TextBlock"]
    mores = [t for t in texts if t.startswith("• … and ")]
    assert len(mores) == 4  # one per list
    assert all(left_out(t.removeprefix("• ")) >= 240 for t in mores)


def test_the_same_digest_text_feeds_the_chat_parts() -> None:
    d = digest()
    message = digest_message(d, site_url=SITE)
    assert [(p.heading, p.lines) for p in message.parts] == digest_sections(d)


def test_announcement_in_both_layouts() -> None:
    message = announcement_message(
        cycle_name="Q1 2027",
        start=dt.date(2027, 1, 1),
        end=dt.date(2027, 3, 31),
        objectives=12,
        path="/?cycle=4",
        site_url=SITE,
    )
    slack = slack_payload(message)
    assert_within_slack_limits(slack)
    assert slack["blocks"][0]["text"]["text"] == "Q1 2027 has started"
    assert "now active" in slack["blocks"][2]["text"]["text"]
    card = _card(teams_payload(message))
    assert_valid_card(card)
    assert {"title": "Active objectives", "value": "12"} in card["body"][-1]["facts"]
    assert card["actions"][0]["url"] == "https://okr.example.com/?cycle=4"
