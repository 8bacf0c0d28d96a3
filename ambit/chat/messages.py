"""What a chat post says, before it is laid out for Slack (``slack.py``) or Teams (``teams.py``):
pure functions, no database.

A :class:`ChatMessage` is a title, a line under it, parts (a heading with lines, and optionally
facts: label and value pairs a Teams card shows as a FactSet), and one link. The weekly digest's
parts are ``digest_sections`` (the same text as the page and the email); its progress and
discipline parts also carry facts worded with the same ``pct``/``status_label`` as every page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ambit.core.display import pct, status_label
from ambit.notify.digest import Digest, digest_summary, digest_title
from ambit.notify.digest_text import digest_sections

PROGRESS_HEADING = "Progress against expected"
DISCIPLINE_HEADING = "Check-in discipline"
MORE_PREFIX = "… and "


@dataclass(frozen=True)
class Part:
    heading: str
    lines: list[str]
    facts: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class ChatMessage:
    title: str
    subtitle: str
    parts: list[Part]
    link_url: str  # absolute
    link_label: str
    summary: str  # one line: the notification's text and a screen reader's


def more_line(count: int) -> str:
    """The line that stands for ``count`` entries left out (the digest's own wording)."""
    return f"{MORE_PREFIX}{count} more"


def left_out(line: str) -> int:
    """How many entries a "… and N more" line stands for (0 for any other line)."""
    if line.startswith(MORE_PREFIX) and line.endswith(" more"):
        number = line[len(MORE_PREFIX) : -len(" more")]
        if number.isdigit():
            return int(number)
    return 0


def _day(iso: str) -> str:
    day = dt.date.fromisoformat(iso)
    return f"{day.day} {day:%b %Y}"


def _progress_facts(digest: Digest) -> list[tuple[str, str]]:
    return [
        (c["name"], f"{pct(c['progress'])} of {pct(c['expected'])} expected · {status_label(c['status'])}")
        for c in digest["cycles"]
    ]


def _discipline_facts(digest: Digest) -> list[tuple[str, str]]:
    d = digest["discipline"]
    return [
        (
            "Key results checked in",
            f"{d['key_results_checked_in']} of {d['key_results']} ({pct(d['key_result_share'])})",
        ),
        ("People checked in", f"{d['people_checked_in']} of {d['people']} ({pct(d['people_share'])})"),
    ]


def digest_message(digest: Digest, *, site_url: str) -> ChatMessage:
    """The weekly digest as a chat message, linking to its page on the site."""
    facts = {PROGRESS_HEADING: _progress_facts(digest), DISCIPLINE_HEADING: _discipline_facts(digest)}
    parts = [Part(heading, lines, facts.get(heading, [])) for heading, lines in digest_sections(digest)]
    return ChatMessage(
        title=digest_title(digest),
        subtitle=f"Week of {_day(digest['week_start'])} to {_day(digest['week_ending'])}",
        parts=parts,
        link_url=f"{site_url}{digest['url']}",
        link_label="Open the digest",
        summary=f"{digest_title(digest)}: {digest_summary(digest)}",
    )


def announcement_message(
    *, cycle_name: str, start: dt.date, end: dt.date, objectives: int, path: str, site_url: str
) -> ChatMessage:
    """A cycle that became active (the in-app announcement's words)."""
    when = f"{start.day} {start:%b} – {end.day} {end:%b %Y}"
    title = f"{cycle_name} has started"
    body = f"{cycle_name} ({when}) is now active: its OKRs are live and check-ins count from today."
    facts = [("Runs", when), ("Active objectives", str(objectives))]
    return ChatMessage(
        title=title,
        subtitle="Cycle announcement",
        parts=[Part("What it means", [body], facts)],
        link_url=f"{site_url}{path}",
        link_label="See the cycle's OKRs",
        summary=f"{title}: {body}",
    )


def probe_message(*, organisation: str, scope: str, posts: list[str], path: str, site_url: str) -> ChatMessage:
    """The "Send test message" post: what this channel is connected to and what it will receive."""
    receives = ", ".join(posts) if posts else "nothing yet (tick what it should post)"
    line = f"This channel is connected to Ambit for {scope} of {organisation}. It will receive: {receives}."
    return ChatMessage(
        title="Test message from Ambit",
        subtitle=organisation,
        parts=[Part("Connected", [line])],
        link_url=f"{site_url}{path}",
        link_label="Chat channels in Ambit",
        summary=f"Test message from Ambit: {line}",
    )
