"""A chat message as a Microsoft Teams incoming-webhook (or Workflows) body: a ``message`` whose one
attachment is an Adaptive Card, schema version 1.5 (pure).

Each part is a heading TextBlock, then a FactSet when it has facts (progress against expected,
check-in discipline), else one wrapped TextBlock per line; an ``Action.OpenUrl`` opens the page.
Lines start with "• " so Teams' markdown never reads an entry as a list marker or a heading. The
whole body stays under :data:`MAX_BYTES` (Teams refuses a card over 28 KB): the longest parts
give up lines for one "… and N more" until it fits.
"""

from __future__ import annotations

import json
from typing import Any

from ambit.chat.messages import ChatMessage, Part, left_out, more_line

CARD_VERSION = "1.5"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
MAX_BYTES = 27_000  # under Teams' 28 KB, with room for the envelope
LINE_LIMIT = 400
BULLET = "• "


def _clip(text: str, limit: int = LINE_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _split(lines: list[str]) -> tuple[list[str], int]:
    """A part's entries, and how many it already says it left out."""
    if lines and left_out(lines[-1]):
        return lines[:-1], left_out(lines[-1])
    return list(lines), 0


def _part_elements(part: Part, keep: int | None) -> list[dict[str, Any]]:
    elements: list[dict[str, Any]] = []
    if part.heading:
        elements.append(
            {
                "type": "TextBlock",
                "text": _clip(part.heading, 200),
                "weight": "Bolder",
                "size": "Medium",
                "wrap": True,
                "spacing": "Large",
                "separator": True,
            }
        )
    if part.facts:
        facts = [{"title": _clip(t, 200), "value": _clip(v)} for t, v in part.facts]
        elements.append({"type": "FactSet", "facts": facts})
        return elements
    entries, extra = _split(part.lines)
    shown = entries if keep is None else entries[:keep]
    dropped = len(entries) - len(shown) + extra
    texts = [BULLET + _clip(line) for line in shown] + ([BULLET + more_line(dropped)] if dropped else [])
    elements.extend({"type": "TextBlock", "text": text, "wrap": True, "spacing": "Small"} for text in texts)
    return elements


def adaptive_card(message: ChatMessage, keep: dict[int, int] | None = None) -> dict[str, Any]:
    """The Adaptive Card alone (``keep``: at most this many entries of part i)."""
    keep = keep or {}
    body: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "text": _clip(message.title, 300),
            "size": "Large",
            "weight": "Bolder",
            "style": "heading",
            "wrap": True,
        }
    ]
    if message.subtitle:
        body.append(
            {"type": "TextBlock", "text": _clip(message.subtitle), "isSubtle": True, "spacing": "None", "wrap": True}
        )
    for index, part in enumerate(message.parts):
        body.extend(_part_elements(part, keep.get(index)))
    return {
        "type": "AdaptiveCard",
        "$schema": SCHEMA,
        "version": CARD_VERSION,
        "msteams": {"width": "Full"},
        "fallbackText": _clip(message.summary, 1000),
        "speak": _clip(message.summary, 1000),
        "body": body,
        "actions": [{"type": "Action.OpenUrl", "title": _clip(message.link_label, 80), "url": message.link_url}],
    }


def _envelope(card: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "message",
        "attachments": [{"contentType": CONTENT_TYPE, "contentUrl": None, "content": card}],
    }


def size_of(payload: dict[str, Any]) -> int:
    return len(json.dumps(payload, ensure_ascii=False).encode())


def teams_payload(message: ChatMessage) -> dict[str, Any]:
    """The JSON body to POST to a Teams incoming webhook or Workflows URL."""
    keep: dict[int, int] = {}
    payload = _envelope(adaptive_card(message))
    while size_of(payload) > MAX_BYTES:
        sizes = {i: keep.get(i, len(_split(part.lines)[0])) for i, part in enumerate(message.parts) if not part.facts}
        longest = max(sizes, key=lambda i: sizes[i], default=None)
        if longest is None or sizes[longest] == 0:
            break  # nothing left to drop: each line is already cut to LINE_LIMIT
        keep[longest] = sizes[longest] - 1
        payload = _envelope(adaptive_card(message, keep))
    return payload
