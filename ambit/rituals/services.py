"""Writes of the daily standup and the week plan: each checks who may write, runs in one
transaction, saves only what changed and records one audit entry.

- A standup is its author's, one per local day (the organisation's time zone), posted or edited
  on that day or the next. A blocker linked to a key result reaches the author's team leads once
  per standup (``Kind.STANDUP_BLOCKER``, keyed by the standup).
- A week plan is its author's, one per ISO week: commitments are set during the week (from its
  Monday, or the week before for the coming one); from the week's Friday on each commitment is
  marked done or not and wins are shared.

Lines are short texts, each optionally linked to one of the author's active key results; every
surface (page, API) hands them in as :class:`LineIn` and gets the same messages back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from ambit.accounts.models import Membership, Team, TeamMember
from ambit.core.audit import AuditAction, audit_record
from ambit.core.errors import Conflict
from ambit.core.permissions import require_same_org, require_writer
from ambit.core.validation import clean_text
from ambit.notify.models import Kind
from ambit.notify.produce import Draft, produce
from ambit.rituals import selectors as sel
from ambit.rituals.models import ItemKind, RitualSettings, Section, Standup, StandupLine, WeekItem, WeekPlan

MAX_LINE = 300
MAX_LINES = 20
EDIT_DENIED = "Only its author may change a standup."
WINDOW_MESSAGE = "A standup is posted or changed on its day or the day after."


@dataclass(frozen=True)
class LineIn:
    text: str
    key_result_id: int | None = None


def _clean_lines(
    lines: Sequence[LineIn], *, field: str, label: str, allowed: set[int], errors: dict[str, list[str]]
) -> list[LineIn]:
    out: list[LineIn] = []
    kept = [line for line in lines if (line.text or "").strip()]
    if len(kept) > MAX_LINES:
        errors.setdefault(field, []).append(f"{label} has {len(kept)} lines: keep it within {MAX_LINES}.")
        return []
    for n, line in enumerate(kept, start=1):
        try:
            text = clean_text(
                line.text, field=field, label=f"line {n} of {label.lower()}", max_length=MAX_LINE, single_line=True
            )
        except ValidationError as exc:
            errors.setdefault(field, []).extend(exc.message_dict[field])
            continue
        if line.key_result_id is not None and line.key_result_id not in allowed:
            errors.setdefault(field, []).append(
                f"Line {n} of {label.lower()} links to a key result that is not one of your active key results: "
                "choose one of yours or leave the link out."
            )
            continue
        out.append(LineIn(text, line.key_result_id))
    return out


def _as_json(lines: Sequence[LineIn]) -> list[str]:
    return [f"{line.text} [KR {line.key_result_id}]" if line.key_result_id else line.text for line in lines]


def _allowed_key_results(member: Membership) -> set[int]:
    return set(sel.active_key_results_of(member).values_list("pk", flat=True))


def _check_window(day: dt.date, today: dt.date, *, field: str = "day") -> None:
    if day not in (today, today - dt.timedelta(days=1)):
        raise ValidationError({field: f"{WINDOW_MESSAGE} Today is {today.isoformat()}."})


def _clean_sections(
    actor: Membership, yesterday: Sequence[LineIn], today: Sequence[LineIn], blockers: Sequence[LineIn]
) -> dict[str, list[LineIn]]:
    allowed = _allowed_key_results(actor)
    errors: dict[str, list[str]] = {}
    cleaned = {
        Section.YESTERDAY.value: _clean_lines(
            yesterday, field="yesterday", label="Yesterday", allowed=allowed, errors=errors
        ),
        Section.TODAY.value: _clean_lines(today, field="today", label="Today", allowed=allowed, errors=errors),
        Section.BLOCKERS.value: _clean_lines(
            blockers, field="blockers", label="Blockers", allowed=allowed, errors=errors
        ),
    }
    if errors:
        raise ValidationError(errors)
    if not any(cleaned.values()):
        raise ValidationError(
            {"today": "Write at least one line: what you did yesterday, will do today, or what blocks you."}
        )
    return cleaned


def _write_lines(standup: Standup, sections: dict[str, list[LineIn]]) -> None:
    StandupLine.objects.bulk_create(
        [
            StandupLine(standup=standup, section=section, position=n, text=line.text, key_result_id=line.key_result_id)
            for section, lines in sections.items()
            for n, line in enumerate(lines)
        ]
    )


def _leads_of(member: Membership) -> list[TeamMember]:
    """The leads of the teams ``member`` is in (one link per lead, the first team's), not themselves."""
    team_ids = TeamMember.objects.filter(membership=member).values("team_id")
    links = (
        TeamMember.objects.filter(team_id__in=team_ids, is_lead=True, membership__is_active=True)
        .exclude(membership=member)
        .select_related("membership__user", "membership__organisation", "team")
        .order_by("team__name", "pk")
    )
    first: dict[int, TeamMember] = {}
    for link in links:
        first.setdefault(link.membership_id, link)
    return list(first.values())


def _notify_blockers(standup: Standup, blockers: list[LineIn], now: dt.datetime) -> None:
    """The team leads hear of a standup's blockers once (keyed by the standup)."""
    if not blockers or standup.blocker_notified_at is not None:
        return
    name = standup.author.user.get_full_name() or standup.author.user.email
    drafts = [
        Draft(
            recipient=link.membership,
            kind=Kind.STANDUP_BLOCKER,
            key=f"standup:{standup.pk}",
            title=f"{name} is blocked ({len(blockers)} blocker{'s' if len(blockers) != 1 else ''})",
            body="\n".join(f"• {line.text}" for line in blockers),
            url=reverse("rituals:standup", args=[link.team.slug]) + f"?day={standup.day.isoformat()}",
            data={"standup_id": standup.pk, "day": standup.day.isoformat(), "blockers": [b.text for b in blockers]},
        )
        for link in _leads_of(standup.author)
    ]
    produce(drafts, now=now)
    standup.blocker_notified_at = now
    standup.save(update_fields=["blocker_notified_at"])


@transaction.atomic
def standup_post(
    *,
    actor: Membership,
    yesterday: Sequence[LineIn] = (),
    today: Sequence[LineIn] = (),
    blockers: Sequence[LineIn] = (),
    day: dt.date | None = None,
    now: dt.datetime | None = None,
) -> Standup:
    """Post the actor's standup for ``day`` (default: today, the organisation's local day)."""
    require_writer(actor)
    now = now or timezone.now()
    local = sel.local_today(actor.organisation, now)
    day = day or local
    _check_window(day, local)
    sections = _clean_sections(actor, yesterday, today, blockers)
    if Standup.objects.filter(author=actor, day=day).exists():
        raise Conflict(f"You have already posted your standup for {day.isoformat()}: change it instead.", field="day")
    try:
        with transaction.atomic():
            standup = Standup.objects.create(
                organisation_id=actor.organisation_id, author=actor, day=day, created_at=now
            )
    except IntegrityError:
        raise Conflict(
            f"You have already posted your standup for {day.isoformat()}: change it instead.", field="day"
        ) from None
    _write_lines(standup, sections)
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.STANDUP_POST,
        obj=standup,
        changes={"day": [None, day.isoformat()], **{k: [[], _as_json(v)] for k, v in sections.items() if v}},
    )
    _notify_blockers(standup, sections[Section.BLOCKERS], now)
    return standup


@transaction.atomic
def standup_edit(
    *,
    actor: Membership,
    standup: Standup,
    yesterday: Sequence[LineIn] = (),
    today: Sequence[LineIn] = (),
    blockers: Sequence[LineIn] = (),
    now: dt.datetime | None = None,
) -> Standup:
    """Replace the lines of the actor's own standup (on its day or the next)."""
    require_same_org(actor, standup.organisation_id)
    require_writer(actor)
    if standup.author_id != actor.pk:
        raise PermissionDenied(EDIT_DENIED)
    now = now or timezone.now()
    _check_window(standup.day, sel.local_today(actor.organisation, now))
    sections = _clean_sections(actor, yesterday, today, blockers)
    standup = Standup.objects.select_for_update().get(pk=standup.pk)
    old: dict[str, list[LineIn]] = {s.value: [] for s in Section}
    for line in standup.lines.order_by("section", "position"):
        old[line.section].append(LineIn(line.text, line.key_result_id))
    changes = {k: [_as_json(old[k]), _as_json(v)] for k, v in sections.items() if old[k] != v}
    if not changes:
        return standup
    standup.lines.all().delete()
    _write_lines(standup, sections)
    audit_record(
        actor=actor, organisation=actor.organisation, action=AuditAction.STANDUP_EDIT, obj=standup, changes=changes
    )
    _notify_blockers(standup, sections[Section.BLOCKERS], now)
    return standup


# --- The week plan ------------------------------------------------------------------------------


def _plan_for(actor: Membership, monday: dt.date, now: dt.datetime) -> WeekPlan:
    plan = WeekPlan.objects.select_for_update().filter(author=actor, week_start=monday).first()
    if plan is not None:
        return plan
    try:
        with transaction.atomic():
            return WeekPlan.objects.create(
                organisation_id=actor.organisation_id, author=actor, week_start=monday, created_at=now
            )
    except IntegrityError:
        return WeekPlan.objects.select_for_update().get(author=actor, week_start=monday)


def _items(plan: WeekPlan, kind: str) -> list[WeekItem]:
    return list(plan.items.filter(kind=kind).order_by("position"))


@transaction.atomic
def week_set_commitments(
    *, actor: Membership, items: Sequence[LineIn], week_start: dt.date | None = None, now: dt.datetime | None = None
) -> WeekPlan:
    """Set the actor's commitments for the week of ``week_start`` (default: this week). Allowed for
    this week and the next; a commitment kept word for word keeps its done mark."""
    require_writer(actor)
    now = now or timezone.now()
    this_monday = sel.monday_of(sel.local_today(actor.organisation, now))
    monday = sel.monday_of(week_start) if week_start else this_monday
    if monday not in (this_monday, this_monday + dt.timedelta(days=7)):
        raise ValidationError(
            {"week": f"Commitments are set for this week ({sel.iso_week_label(this_monday)}) or the next one."}
        )
    errors: dict[str, list[str]] = {}
    cleaned = _clean_lines(
        items, field="items", label="Commitments", allowed=_allowed_key_results(actor), errors=errors
    )
    if errors:
        raise ValidationError(errors)
    plan = _plan_for(actor, monday, now)
    old = _items(plan, ItemKind.COMMITMENT)
    before = _as_json([LineIn(i.text, i.key_result_id) for i in old])
    after = _as_json(cleaned)
    if before == after and plan.committed_at is not None:
        return plan
    done_by_text = {(i.text, i.key_result_id): i.done for i in old}
    plan.items.filter(kind=ItemKind.COMMITMENT).delete()
    WeekItem.objects.bulk_create(
        [
            WeekItem(
                plan=plan,
                kind=ItemKind.COMMITMENT,
                position=n,
                text=line.text,
                key_result_id=line.key_result_id,
                done=done_by_text.get((line.text, line.key_result_id)),
            )
            for n, line in enumerate(cleaned)
        ]
    )
    plan.committed_at = now
    plan.save(update_fields=["committed_at", "updated_at"])
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.WEEK_COMMITMENTS,
        obj=plan,
        changes={"commitments": [before, after]},
    )
    return plan


@transaction.atomic
def week_set_wins(
    *,
    actor: Membership,
    week_start: dt.date,
    done_ids: Sequence[int] = (),
    wins: Sequence[str] = (),
    now: dt.datetime | None = None,
) -> WeekPlan:
    """From the week's Friday on: mark each commitment done (its id in ``done_ids``) or not, and
    share the week's wins (lines)."""
    require_writer(actor)
    now = now or timezone.now()
    monday = sel.monday_of(week_start)
    today = sel.local_today(actor.organisation, now)
    friday = monday + dt.timedelta(days=4)
    if today < friday:
        raise ValidationError({"week": f"Wins are shared from the week's Friday ({friday.isoformat()}) on."})
    errors: dict[str, list[str]] = {}
    cleaned = _clean_lines([LineIn(w) for w in wins], field="wins", label="Wins", allowed=set(), errors=errors)
    plan = _plan_for(actor, monday, now)
    commitments = _items(plan, ItemKind.COMMITMENT)
    known = {c.pk for c in commitments}
    unknown = sorted(set(done_ids) - known)
    if unknown:
        errors.setdefault("done_ids", []).append(
            f"These are not commitments of that week: {', '.join(map(str, unknown[:5]))}. "
            "Tick only your own commitments."
        )
    if errors:
        raise ValidationError(errors)
    old_wins = [i.text for i in _items(plan, ItemKind.WIN)]
    new_wins = [line.text for line in cleaned]
    changes: dict[str, list[object]] = {}
    marks_before = {c.pk: c.done for c in commitments}
    for c in commitments:
        c.done = c.pk in set(done_ids)
    marks_after = {c.pk: c.done for c in commitments}
    if marks_before != marks_after:
        WeekItem.objects.bulk_update(commitments, ["done"])
        changes["done"] = [
            [c.text for c in commitments if marks_before[c.pk]],
            [c.text for c in commitments if marks_after[c.pk]],
        ]
    if old_wins != new_wins:
        plan.items.filter(kind=ItemKind.WIN).delete()
        WeekItem.objects.bulk_create(
            [WeekItem(plan=plan, kind=ItemKind.WIN, position=n, text=text) for n, text in enumerate(new_wins)]
        )
        changes["wins"] = [old_wins, new_wins]
    if plan.wins_shared_at is None:
        plan.wins_shared_at = now
        plan.save(update_fields=["wins_shared_at", "updated_at"])
        changes.setdefault("wins", [old_wins, new_wins])
    if changes:
        audit_record(
            actor=actor, organisation=actor.organisation, action=AuditAction.WEEK_WINS, obj=plan, changes=changes
        )
    return plan


# --- A team's settings ----------------------------------------------------------------------------


HOUR_MESSAGE = "The standup hour is a whole hour from 0 to 23 (9 is the default)."
SETTINGS_DENIED = "Only the team's lead, champions and admins may set its standup hour."


def may_set_standup_hour(actor: Membership, team: Team) -> bool:
    """Whether the actor may change the team's ritual settings (what the page offers)."""
    return actor.can_write and (actor.is_org_wide_editor or team.pk in actor.led_team_ids())


@transaction.atomic
def standup_hour_set(*, actor: Membership, team: Team, standup_hour: int) -> RitualSettings:
    """Set the team's standup hour (0–23, the organisation's time zone): its leads (of it or of a
    team above it), champions and admins may. The reminders (``reminders.py``) and the standup's
    chat post (``chat_posts.py``) read it. Audited as ``ritual_settings.update``."""
    require_same_org(actor, team.organisation_id)
    require_writer(actor)
    if not may_set_standup_hour(actor, team):
        raise PermissionDenied(SETTINGS_DENIED)
    if isinstance(standup_hour, bool) or not isinstance(standup_hour, int) or not 0 <= standup_hour <= 23:
        raise ValidationError({"standup_hour": HOUR_MESSAGE})
    settings, _ = RitualSettings.objects.get_or_create(team=team, defaults={"organisation_id": team.organisation_id})
    if settings.standup_hour == standup_hour:
        return settings
    before = settings.standup_hour
    settings.standup_hour = standup_hour
    settings.save(update_fields=["standup_hour", "updated_at"])
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.RITUAL_SETTINGS_UPDATE,
        obj=settings,
        changes={"team": [team.pk, team.pk], "standup_hour": [before, standup_hour]},
    )
    return settings
