"""A chat message as a Slack incoming-webhook body in Block Kit (pure).

Within Slack's limits, degrading instead of being refused: the header's plain text at most 150
characters, each section's mrkdwn at most 3,000, at most 50 blocks, a button's label at most 75
and its URL at most 3,000. A part too long for its section keeps the lines that fit and ends with
"… and N more" (N counts every entry left out, those the digest itself left out included). The
top-level ``text`` is the notification's fallback. User text is escaped as Slack asks (``&``,
``<`` and ``>``), so a title cannot open a link or mention a channel.
"""

from __future__ import annotations

from typing import Any

from ambit.chat.messages import ChatMessage, Part, left_out, more_line

HEADER_LIMIT = 150
SECTION_LIMIT = 3000
BLOCK_LIMIT = 50
BUTTON_TEXT_LIMIT = 75
URL_LIMIT = 3000
CONTEXT_LIMIT = 3000
FALLBACK_LIMIT = 3000
LINE_LIMIT = 600  # one entry's line (a very long title is cut, not the whole section)
BULLET = "• "

_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def escape(text: str) -> str:
    """Text for a mrkdwn or plain_text field: Slack's three control characters escaped."""
    return "".join(_ESCAPES.get(c, c) for c in text)


def clip(text: str, limit: int, *, escaped: bool = True) -> str:
    """``text`` (escaped when ``escaped``) cut to at most ``limit`` characters with "…", never
    through the middle of an escape."""
    out: list[str] = []
    used = 0
    for c in text:
        piece = _ESCAPES.get(c, c) if escaped else c
        if used + len(piece) > limit - 1:
            return "".join(out).rstrip() + "…"
        out.append(piece)
        used += len(piece)
    return "".join(out)


def fit_lines(lines: list[str], budget: int, *, prefix: str = "", line_limit: int = LINE_LIMIT) -> list[str]:
    """As many of ``lines`` (escaped, each cut to ``line_limit``, after ``prefix``) as fit in
    ``budget`` characters joined by newlines; the rest become one "… and N more" line."""
    extra = 0
    content = list(lines)
    if content and left_out(content[-1]):
        extra = left_out(content.pop())
    rendered = [prefix + clip(line, line_limit) for line in content]
    for kept in range(len(rendered), -1, -1):
        dropped = len(rendered) - kept + extra
        chosen = rendered[:kept] + ([prefix + more_line(dropped)] if dropped else [])
        if len("\n".join(chosen)) <= budget:
            return chosen
    return [clip(more_line(len(rendered) + extra), budget, escaped=False)]


def section_text(part: Part) -> str:
    """A part as one section's mrkdwn: the heading in bold, then one bullet per line."""
    heading = f"*{clip(part.heading, 200)}*" if part.heading else ""
    budget = SECTION_LIMIT - (len(heading) + 1 if heading else 0)
    body = "\n".join(fit_lines(part.lines, budget, prefix=BULLET))
    return f"{heading}\n{body}" if heading else body


def slack_payload(message: ChatMessage) -> dict[str, Any]:
    """The JSON body to POST to a Slack incoming webhook."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": clip(message.title, HEADER_LIMIT), "emoji": False}}
    ]
    if message.subtitle:
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(message.subtitle, CONTEXT_LIMIT)}]}
        )
    sections: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": section_text(part)}} for part in message.parts
    ]
    room = BLOCK_LIMIT - len(blocks) - 1  # the button's actions block comes last
    if len(sections) > room:
        note = f"{len(sections) - room + 1} more parts on the page."
        sections = [*sections[: room - 1], {"type": "context", "elements": [{"type": "mrkdwn", "text": note}]}]
    blocks.extend(sections)
    blocks.append(
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": "open-in-ambit",
                    "text": {"type": "plain_text", "text": clip(message.link_label, BUTTON_TEXT_LIMIT), "emoji": False},
                    "url": message.link_url[:URL_LIMIT],
                    "style": "primary",
                }
            ],
        }
    )
    return {
        "text": clip(message.summary, FALLBACK_LIMIT),
        "blocks": blocks,
        "unfurl_links": False,
        "unfurl_media": False,
    }
