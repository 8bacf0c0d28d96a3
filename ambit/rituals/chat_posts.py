"""The day's standup of a team, posted to the team's Slack and Teams channels (issue 16, part 4).

On weekdays, :data:`POST_AFTER_HOURS` after the team's standup hour (``RitualSettings``, local time;
at 23:00 at the latest), each enabled channel of the team (``ChatWebhook.team``) that posts
standups (``ChatWebhook.posts_standups``) gets one post keyed ``standup:<day>``: who posted, the
blockers first, then each person's yesterday and today, every line that names a key result linked
to it. A day nobody posted is not
posted (the digest's quiet default).

The posts go through ``ambit.chat``'s delivery: written as pending ``ChatPost`` rows (UNIQUE(webhook,
key), so two schedulers or a tick run twice post nothing twice), sent by its task and swept by its
producer, so claims, retries, back-off and auto-disable apply as for the digest. The channel's log
shows them as "Daily standup" posts, titled "<team> standup, <day>".

The body is laid out here, not by ``chat.slack``/``chat.teams`` (which escape every line, so a
line could not carry a link): Block Kit for Slack, an Adaptive Card 1.5 for Teams, within the same
limits those modules keep."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse

from ambit.accounts.models import Organisation, Team
from ambit.chat import slack as slack_layout
from ambit.chat import teams as teams_layout
from ambit.chat.models import ChatWebhook, PostKind, Service
from ambit.chat.producer import queue_posts
from ambit.core.web import site_url
from ambit.notify import marks
from ambit.notify.schedule import zone
from ambit.notify.scheduler import register_producer
from ambit.rituals import selectors as sel
from ambit.rituals.models import DEFAULT_STANDUP_HOUR, RitualSettings, Section, StandupLine

PRODUCER = "standup_chat"
POST_AFTER_HOURS = 2
LATEST_HOUR = 23
LINE_LIMIT = 400
MAX_PEOPLE_PARTS = 40  # Slack allows 50 blocks: header, context, blockers, people, "more", button


@dataclass(frozen=True)
class Line:
    text: str
    key_result_title: str = ""
    key_result_url: str = ""  # absolute; empty when the line names no key result


@dataclass
class Person:
    name: str
    yesterday: list[Line] = field(default_factory=list)
    today: list[Line] = field(default_factory=list)


@dataclass
class Summary:
    team: str
    day: dt.date
    url: str
    posted: list[Person]
    blockers: list[tuple[str, Line]]  # (who, line)
    missing: list[str]

    @property
    def title(self) -> str:
        return f"{self.team} standup, {self.day:%a} {self.day.day} {self.day:%b}"

    @property
    def subtitle(self) -> str:
        size = len(self.posted) + len(self.missing)
        count = len(self.blockers)
        return f"{len(self.posted)} of {size} posted · {count} blocker{'s' if count != 1 else ''}"


def post_hour(standup_hour: int) -> int:
    return min(standup_hour + POST_AFTER_HOURS, LATEST_HOUR)


def team_has_channel(team: Team) -> bool:
    """Whether the team has an enabled chat channel that would get its standup (one query)."""
    return ChatWebhook.objects.filter(team=team, enabled=True, posts_standups=True).exists()


def _name(member: Any) -> str:
    return str(member.user.get_full_name() or member.user.email)


def _line(line: StandupLine, base: str) -> Line:
    kr = line.key_result
    if kr is None:
        return Line(line.text)
    url = f"{base}{reverse('okrs:objective-detail', args=[kr.objective_id])}#kr-{kr.pk}"
    return Line(line.text, kr.title, url)


def build_summary(team: Team, day: dt.date, *, base: str) -> Summary:
    """The team's standup of ``day`` (three queries: the people, their standups, the lines)."""
    people = sel.team_people(team)
    found = sel.standups_in(organisation_id=team.organisation_id, day=day, author_ids=[p.membership_id for p in people])
    posted: list[Person] = []
    blockers: list[tuple[str, Line]] = []
    for link in people:
        standup = found.get(link.membership_id)
        if standup is None:
            continue
        name = _name(link.membership)
        lines = sel.lines_of(standup)
        posted.append(
            Person(
                name,
                [_line(x, base) for x in lines[Section.YESTERDAY]],
                [_line(x, base) for x in lines[Section.TODAY]],
            )
        )
        blockers.extend((name, _line(x, base)) for x in lines[Section.BLOCKERS])
    url = f"{base}{reverse('rituals:standup', args=[team.slug])}?day={day.isoformat()}"
    missing = [_name(link.membership) for link in people if link.membership_id not in found]
    return Summary(team.name, day, url, posted, blockers, missing)


# --- Slack: Block Kit -----------------------------------------------------------------------------


def _slack_line(line: Line, who: str = "") -> str:
    text = slack_layout.BULLET + slack_layout.clip(line.text, LINE_LIMIT)
    if who:
        text += f" ({slack_layout.clip(who, 100)})"
    if line.key_result_url:
        text += f" · <{line.key_result_url}|{slack_layout.clip(line.key_result_title, 150)}>"
    return text


def _fit(lines: list[str], budget: int) -> list[str]:
    """As many rendered lines as fit in ``budget`` characters, the rest as one "… and N more"."""
    for kept in range(len(lines), -1, -1):
        dropped = len(lines) - kept
        chosen = lines[:kept] + ([slack_layout.BULLET + f"… and {dropped} more"] if dropped else [])
        if len("\n".join(chosen)) <= budget:
            return chosen
    return []


def _slack_section(heading: str, lines: list[str]) -> dict[str, Any]:
    head = f"*{slack_layout.clip(heading, 200)}*"
    body = "\n".join(_fit(lines, slack_layout.SECTION_LIMIT - len(head) - 1))
    return {"type": "section", "text": {"type": "mrkdwn", "text": f"{head}\n{body}" if body else head}}


def _person_lines(person: Person) -> list[tuple[str, list[Line]]]:
    return [(label, lines) for label, lines in (("Yesterday", person.yesterday), ("Today", person.today)) if lines]


def slack_payload(summary: Summary) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": slack_layout.clip(summary.title, 150)}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": slack_layout.clip(summary.subtitle, 300)}]},
    ]
    if summary.blockers:
        blocks.append(_slack_section("Blockers", [_slack_line(line, who) for who, line in summary.blockers]))
    for person in summary.posted[:MAX_PEOPLE_PARTS]:
        lines: list[str] = []
        for label, entries in _person_lines(person):
            lines.append(f"_{label}_")
            lines.extend(_slack_line(line) for line in entries)
        blocks.append(_slack_section(person.name, lines))
    extra = len(summary.posted) - MAX_PEOPLE_PARTS
    notes = []
    if extra > 0:
        notes.append(f"{extra} more people posted: see the page.")
    if summary.missing:
        notes.append("Not posted yet: " + ", ".join(summary.missing))
    if notes:
        text = slack_layout.clip(" ".join(notes), slack_layout.CONTEXT_LIMIT)
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": text}]})
    blocks.append(
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": "open-in-ambit",
                    "text": {"type": "plain_text", "text": "Open the standup"},
                    "url": summary.url[: slack_layout.URL_LIMIT],
                    "style": "primary",
                }
            ],
        }
    )
    return {
        "text": slack_layout.clip(f"{summary.title}: {summary.subtitle}", slack_layout.FALLBACK_LIMIT),
        "blocks": blocks,
        "unfurl_links": False,
        "unfurl_media": False,
    }


# --- Teams: an Adaptive Card -----------------------------------------------------------------------


def _md(text: str, limit: int = LINE_LIMIT) -> str:
    """User text inside the card's markdown: brackets would open a link, so they become parentheses."""
    clipped = text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
    return clipped.replace("[", "(").replace("]", ")")


def _teams_line(line: Line, who: str = "") -> dict[str, Any]:
    text = teams_layout.BULLET + _md(line.text)
    if who:
        text += f" ({_md(who, 100)})"
    if line.key_result_url:
        text += f" · [{_md(line.key_result_title, 150)}]({line.key_result_url})"
    return {"type": "TextBlock", "text": text, "wrap": True, "spacing": "Small"}


def _heading(text: str) -> dict[str, Any]:
    return {
        "type": "TextBlock",
        "text": _md(text, 200),
        "weight": "Bolder",
        "size": "Medium",
        "wrap": True,
        "spacing": "Large",
        "separator": True,
    }


def _card(summary: Summary, people: int) -> dict[str, Any]:
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": _md(summary.title, 300), "size": "Large", "weight": "Bolder", "wrap": True},
        {"type": "TextBlock", "text": summary.subtitle, "isSubtle": True, "spacing": "None", "wrap": True},
    ]
    if summary.blockers:
        body.append(_heading("Blockers"))
        body.extend(_teams_line(line, who) for who, line in summary.blockers)
    for person in summary.posted[:people]:
        body.append(_heading(person.name))
        for label, entries in _person_lines(person):
            body.append({"type": "TextBlock", "text": label, "isSubtle": True, "wrap": True, "spacing": "Small"})
            body.extend(_teams_line(line) for line in entries)
    notes = []
    if len(summary.posted) > people:
        notes.append(f"{len(summary.posted) - people} more people posted: see the page.")
    if summary.missing:
        notes.append("Not posted yet: " + ", ".join(_md(n, 100) for n in summary.missing))
    if notes:
        body.append({"type": "TextBlock", "text": " ".join(notes), "isSubtle": True, "wrap": True})
    fallback = f"{summary.title}: {summary.subtitle}"
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": teams_layout.CONTENT_TYPE,
                "contentUrl": None,
                "content": {
                    "type": "AdaptiveCard",
                    "$schema": teams_layout.SCHEMA,
                    "version": teams_layout.CARD_VERSION,
                    "msteams": {"width": "Full"},
                    "fallbackText": fallback,
                    "speak": fallback,
                    "body": body,
                    "actions": [{"type": "Action.OpenUrl", "title": "Open the standup", "url": summary.url}],
                },
            }
        ],
    }


def teams_payload(summary: Summary) -> dict[str, Any]:
    """The card, with the last people left for the page until it is under Teams' size limit."""
    people = min(len(summary.posted), MAX_PEOPLE_PARTS)
    payload = _card(summary, people)
    while people > 0 and len(json.dumps(payload, ensure_ascii=False).encode()) > teams_layout.MAX_BYTES:
        people -= 1
        payload = _card(summary, people)
    return payload


def payload_for(service: str, summary: Summary) -> dict[str, Any]:
    return teams_payload(summary) if service == Service.TEAMS else slack_payload(summary)


# --- The scheduler's producer -----------------------------------------------------------------------


def _post(webhooks: list[ChatWebhook], summary: Summary, now: dt.datetime) -> int:
    return queue_posts(
        webhooks,
        key=f"standup:{summary.day.isoformat()}",
        kind=PostKind.STANDUP,
        title=summary.title,
        payload=lambda service: payload_for(service, summary),
        now=now,
    )


def standup_posts_for(organisation: Organisation, now: dt.datetime) -> int:
    """The standups due at ``now`` for the organisation's teams with a channel; how many posts."""
    local = now.astimezone(zone(organisation.time_zone))
    today = local.date()
    if today.weekday() >= 5:
        return 0
    webhooks = list(
        ChatWebhook.objects.filter(
            organisation=organisation,
            enabled=True,
            posts_standups=True,
            team__isnull=False,
            team__archived_at__isnull=True,
        ).select_related("team__organisation")
    )
    if not webhooks:
        return 0
    by_team: dict[int, list[ChatWebhook]] = {}
    for webhook in webhooks:
        by_team.setdefault(webhook.team_id or 0, []).append(webhook)
    hours = dict(
        RitualSettings.objects.filter(organisation=organisation, team_id__in=list(by_team)).values_list(
            "team_id", "standup_hour"
        )
    )
    due = [t for t in by_team if local.hour >= post_hour(hours.get(t, DEFAULT_STANDUP_HOUR))]
    keys = {t: f"{t}:{today.isoformat()}" for t in due}
    handled = marks.handled(organisation.pk, PRODUCER, list(keys.values()))
    created = 0
    base = site_url()
    for team_id in due:
        if keys[team_id] in handled:
            continue
        group = by_team[team_id]
        team = group[0].team
        assert team is not None
        summary = build_summary(team, today, base=base)
        if summary.posted:
            created += _post(group, summary, now)
        # The posts are written before the mark: a tick that dies in between is redone, harmlessly.
        marks.mark(organisation.pk, PRODUCER, keys[team_id])
    return created


def produce_standup_posts(now: dt.datetime) -> int:
    with_channels = ChatWebhook.objects.filter(enabled=True, team__isnull=False).values("organisation_id")
    return sum(standup_posts_for(org, now) for org in Organisation.objects.filter(pk__in=with_channels))


register_producer(PRODUCER, produce_standup_posts)
