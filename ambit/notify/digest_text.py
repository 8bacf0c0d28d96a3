"""The digest as text: sections a chat channel (Slack, Teams) lays out its own way, and the plain
text of the email. The same content as the page and the HTML email, from the same data
(``digest_title`` lives with the builder, which names its notifications with it)."""

from __future__ import annotations

from ambit.core.display import pct, status_label
from ambit.notify.digest import Digest, DigestItem, digest_title


def digest_sections(digest: Digest) -> list[tuple[str, list[str]]]:
    """(heading, lines) per part of the digest: what a Slack or Teams channel lays out its own way."""

    def line(item: DigestItem) -> str:
        return f"{item['title']} ({item['objective']}, {item['owner']}): {pct(item['progress'])} — {item['reason']}"

    progress = [
        f"{c['name']}: {pct(c['progress'])} against {pct(c['expected'])} expected ({status_label(c['status'])})"
        for c in digest["cycles"]
    ] or ["No cycle is running this week."]
    d = digest["discipline"]
    discipline = [
        f"{d['key_results_checked_in']} of {d['key_results']} key results checked in ({pct(d['key_result_share'])})",
        f"{d['people_checked_in']} of {d['people']} people checked in ({pct(d['people_share'])})",
    ]
    sections: list[tuple[str, list[str]]] = [("Progress against expected", progress)]
    for name, heading in (("moved", "What moved"), ("wins", "Wins"), ("risks", "Risks"), ("stale", "Gone quiet")):
        items: list[DigestItem] = digest[name]  # type: ignore[literal-required]
        total = digest["totals"][name]
        lines = [line(i) for i in items] or ["Nothing this week."]
        if total > len(items):
            lines.append(f"… and {total - len(items)} more")
        sections.append((heading, lines))
    sections.extend((extra["heading"], extra["lines"]) for extra in digest.get("sections", []))
    sections.append(("Check-in discipline", discipline))
    return sections


def digest_text(digest: Digest, *, base_url: str = "") -> str:
    """The digest as plain text: the email's text part, and a chat message's body."""
    out = [digest_title(digest), f"{digest['week_start']} – {digest['week_ending']}", ""]
    for heading, lines in digest_sections(digest):
        out.append(heading)
        out.extend(f"- {text}" for text in lines)
        out.append("")
    if base_url:
        out.append(f"The whole digest: {base_url}{digest['url']}")
    return "\n".join(out).rstrip() + "\n"
