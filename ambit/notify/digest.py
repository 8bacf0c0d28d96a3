"""The weekly digest of an organisation or a team: progress against expected, what moved, wins,
risks, stale key results and check-in discipline, as plain data (:func:`build_digest`), the same
for the page, the email and the text a chat channel posts (:func:`digest_text`).

Every number comes from the engine: ``compute_metrics`` gives each key result's progress, pace,
status and confidence; the week's gains read each key result's latest check-in before the week
(``engine.kr_progress`` of it); risks are the engine's behind and at-risk statuses and its
confidence warnings. A digest is the same for everyone who gets it, so it reads only public
objectives that are active in a cycle running that week.

Cost: a fixed number of queries per digest, whatever the number of people (the cycles, the team
tree, the objectives with their key results, the metrics' own fixed set, the key results' readings
before the week and the week's check-ins), and one pass in Python over the key results.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NotRequired, TypedDict

from django.core.cache import cache
from django.db.models import Count, JSONField, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone

from ambit.accounts.models import Membership, Organisation, Team, TeamMember
from ambit.core.build_once import build_once
from ambit.core.display import pct, status_label
from ambit.notify import marks
from ambit.notify.models import Kind
from ambit.notify.produce import Draft, produce
from ambit.notify.schedule import due_moment
from ambit.notify.scheduler import register_producer
from ambit.okrs import engine
from ambit.okrs.engine.confidence import DROP_WARNING_AT
from ambit.okrs.metrics import KRMetrics, Metrics, compute_metrics
from ambit.okrs.metrics_initiatives import progress_then as initiatives_then
from ambit.okrs.models import (
    CheckIn,
    Cycle,
    CycleState,
    KeyResult,
    KeyResultKind,
    Objective,
    ObjectiveState,
    Visibility,
)
from ambit.okrs.prefetch import attach_key_results

LIST_LIMIT = 10  # entries shown per list; the totals count them all
CACHE_PREFIX = "ambit:digest:v1"
CACHE_SECONDS = 60 * 60
COUNTED_OUT = (engine.STATUS_CANCELLED, engine.STATUS_CLOSED)
RISK_STATUSES = (engine.STATUS_BEHIND, engine.STATUS_AT_RISK)


class DigestItem(TypedDict):
    id: int
    title: str
    objective: str
    owner: str
    url: str
    progress: float
    expected: float
    status: str
    confidence: int
    confidence_shown: str
    gain: float
    reason: str


class CycleLine(TypedDict):
    id: int
    name: str
    progress: float | None
    expected: float
    status: str
    objectives: int
    key_results: int
    ends_on: str


class Discipline(TypedDict):
    key_results: int
    key_results_checked_in: int
    key_result_share: float | None
    people: int
    people_checked_in: int
    people_share: float | None


class Digest(TypedDict):
    scope: str  # "organisation" or "team"
    organisation: str
    team: str | None
    team_slug: str | None
    week: str  # ISO week of week_ending, e.g. "2026-W48"
    week_start: str
    week_ending: str
    url: str  # the digest page, relative to the site
    cycles: list[CycleLine]
    moved: list[DigestItem]
    wins: list[DigestItem]
    risks: list[DigestItem]
    stale: list[DigestItem]
    totals: dict[str, int]
    discipline: Discipline
    sections: NotRequired[list[DigestSection]]  # what other apps add (see SECTION_PROVIDERS)


class DigestSection(TypedDict):
    heading: str
    lines: list[str]


# Sections other apps add to every digest ("Wins of the week" from ambit.rituals), registered at
# start-up with ``register_section``: ``fn(organisation, team, week_start, week_ending)``, one fixed
# number of queries per digest. notify imports none of those apps (no import cycle).
SectionProvider = Callable[[Organisation, "Team | None", dt.date, dt.date], list[DigestSection]]
SECTION_PROVIDERS: dict[str, SectionProvider] = {}


def register_section(name: str, fn: SectionProvider) -> SectionProvider:
    SECTION_PROVIDERS[name] = fn
    return fn


def digest_title(digest: Digest) -> str:
    where = digest["team"] or digest["organisation"]
    return f"Weekly digest for {where}, week {digest['week']}"


def iso_week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def org_zone(organisation: Organisation) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(organisation.time_zone or "UTC")


def _midnight(day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=tz)


def digest_url(team: Team | None, week_ending: dt.date) -> str:
    if team is None:
        path = reverse("notify_email:digest")
    else:
        path = reverse("notify_email:team-digest", kwargs={"slug": team.slug})
    return f"{path}?week={week_ending.isoformat()}"


# --- Loading ------------------------------------------------------------------------------------


TeamTree = dict[int | None, list[int]]


def team_tree_of(organisation: Organisation) -> TeamTree:
    """The organisation's teams by parent (one query)."""
    children: TeamTree = {}
    for tid, parent in Team.objects.filter(organisation=organisation).values_list("id", "parent_id"):
        children.setdefault(parent, []).append(tid)
    return children


def team_subtree(organisation: Organisation, team: Team, tree: TeamTree | None = None) -> set[int]:
    """``team`` and every team below it (one query for the organisation's tree, unless given)."""
    children = tree if tree is not None else team_tree_of(organisation)
    seen: set[int] = set()
    stack = [team.pk]
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(children.get(node, []))
    return seen


def digest_objectives(
    organisation: Organisation, cycles: list[Cycle], team: Team | None, tree: TeamTree | None = None
) -> QuerySet[Objective]:
    """Public, active objectives of ``cycles``: the organisation's, or those of ``team``'s subtree
    and the individual objectives of the people in it."""
    qs = Objective.objects.filter(
        organisation=organisation, cycle__in=cycles, state=ObjectiveState.ACTIVE, visibility=Visibility.PUBLIC
    )
    if team is not None:
        subtree = team_subtree(organisation, team, tree)
        people = TeamMember.objects.filter(team_id__in=subtree).values("membership_id")
        qs = qs.filter(Q(team_id__in=subtree) | Q(team__isnull=True, owner_id__in=Subquery(people)))
    return qs.select_related("cycle").defer("description").order_by("position", "id")


def _readings_before(key_results: QuerySet[KeyResult], moment: dt.datetime) -> dict[int, tuple[Any, Any, Any]]:
    """Each key result's latest check-in before ``moment``: (value, milestones ticked, confidence),
    Nones when there was none. One query, one index probe per key result and column."""

    def latest(column: str, **extra: Any) -> Subquery:
        qs = CheckIn.objects.filter(key_result=OuterRef("pk"), created_at__lt=moment).order_by("-created_at")
        return Subquery(qs.values(column)[:1], **extra)

    rows = key_results.annotate(
        before_value=latest("value"),
        before_done=latest("milestones_done", output_field=JSONField()),
        before_confidence=latest("confidence"),
    ).values_list("pk", "before_value", "before_done", "before_confidence")
    return {pk: (value, done, confidence) for pk, value, done, confidence in rows}


def _checked_in(
    organisation: Organisation, key_results: QuerySet[KeyResult], start: dt.datetime, end: dt.datetime
) -> set[int]:
    """Ids of the key results with a check-in from ``start`` to ``end`` (one aggregate query)."""
    rows = (
        CheckIn.objects.filter(
            organisation=organisation,
            key_result_id__in=key_results.values("pk"),
            created_at__gte=start,
            created_at__lt=end,
        )
        .values("key_result_id")
        .annotate(n=Count("id"))
        .values_list("key_result_id", flat=True)
    )
    return set(rows)


def _progress_before(kr: KeyResult, reading: tuple[Any, Any, Any] | None) -> float:
    """The engine's progress of ``kr`` at its reading before the week (0 before any)."""
    value, done, _confidence = reading or (None, None, None)
    if kr.kind == KeyResultKind.MILESTONES:
        ticked = set(done or [])
        milestones = tuple(engine.MilestoneState(weight=m.weight, done=m.pk in ticked) for m in kr.milestones.all())
        return engine.kr_progress(kr.kind, start=None, target=None, current=None, milestones=milestones)
    return engine.kr_progress(
        kr.kind,
        start=float(kr.start_value) if kr.start_value is not None else None,
        target=float(kr.target_value) if kr.target_value is not None else None,
        current=float(value) if value is not None else None,
    )


# --- Building -----------------------------------------------------------------------------------


@dataclass
class _Week:
    """What a digest reads for one week, loaded once: the cycles running then, their public active
    objectives (the organisation's, or a team's), their metrics as of the week's end, and each key
    result's reading before the week and whether it was checked in during it."""

    week_start: dt.date
    week_ending: dt.date
    moment: dt.datetime
    cycles: list[Cycle]
    objectives: list[Objective]
    metrics: Metrics
    before: dict[int, tuple[Any, Any, Any]]
    heard: set[int]
    shares_before: dict[int, float]  # key results counting their initiatives: their share done before it


def _load_week(
    organisation: Organisation,
    team: Team | None,
    week_ending: dt.date | None,
    now: dt.datetime | None,
    tree: TeamTree | None,
) -> _Week:
    tz = org_zone(organisation)
    now = now or timezone.now()
    week_ending = week_ending or timezone.localtime(now, tz).date()
    week_start = week_ending - dt.timedelta(days=6)
    start, end = _midnight(week_start, tz), _midnight(week_ending + dt.timedelta(days=1), tz)
    moment = min(now, end)
    cycles = list(
        Cycle.objects.filter(
            organisation=organisation,
            state__in=(CycleState.ACTIVE, CycleState.REVIEW),
            start_date__lte=week_ending,
            end_date__gte=week_start,
        )
    )
    objectives = list(digest_objectives(organisation, cycles, team, tree)) if cycles else []
    krs = KeyResult.objects.filter(
        organisation=organisation, objective_id__in=[o.pk for o in objectives]
    ).select_related("owner__user")
    attach_key_results(objectives, krs.defer("description"), key_result_ids=krs.values("pk"))
    metrics = compute_metrics(
        organisation=organisation, objectives=objectives, now=moment - dt.timedelta(microseconds=1)
    )
    any_kr = any(o.key_results.all() for o in objectives)
    before = _readings_before(krs, start) if any_kr else {}
    heard = _checked_in(organisation, krs, start, min(end, moment + dt.timedelta(microseconds=1))) if any_kr else set()
    shares = initiatives_then([kr for o in objectives for kr in o.key_results.all()], start)
    return _Week(week_start, week_ending, moment, cycles, objectives, metrics, before, heard, shares)


def build_digest(
    organisation: Organisation,
    team: Team | None = None,
    week_ending: dt.date | None = None,
    *,
    now: dt.datetime | None = None,
    tree: TeamTree | None = None,
) -> Digest:
    """The digest of ``organisation`` (or of ``team`` in it) for the week ending ``week_ending``
    (inclusive, in the organisation's time zone; default today). Numbers are as of the end of
    that week, or now when it has not ended. ``tree`` (``team_tree_of``) saves its query when
    one caller builds many teams' digests."""
    week = _load_week(organisation, team, week_ending, now, tree)
    return _assemble(organisation, team, week, week.objectives)


def _assemble(organisation: Organisation, team: Team | None, week: _Week, objectives: list[Objective]) -> Digest:
    """The digest of ``objectives`` (all of ``week``'s, or a team's share of the organisation's)."""
    builder = _Lists(organisation, week.moment, week.shares_before)
    for obj in objectives:
        for kr in obj.key_results.all():
            builder.add(obj, kr, week.metrics.kr(kr), week.before.get(kr.pk), kr.pk in week.heard)
    # Cycles with nothing in this digest (no public objective, or none of the team's) are left out.
    in_digest = {o.cycle_id for o in objectives}
    cycle_lines = [
        _cycle_line(c, objectives, week.metrics, week.week_ending, organisation, team)
        for c in week.cycles
        if c.pk in in_digest
    ]
    return Digest(
        scope="team" if team is not None else "organisation",
        organisation=organisation.name,
        team=team.name if team is not None else None,
        team_slug=team.slug if team is not None else None,
        week=iso_week(week.week_ending),
        week_start=week.week_start.isoformat(),
        week_ending=week.week_ending.isoformat(),
        url=digest_url(team, week.week_ending),
        cycles=cycle_lines,
        moved=sorted(builder.moved, key=lambda i: (-i["gain"], i["id"]))[:LIST_LIMIT],
        wins=sorted(builder.wins, key=lambda i: (-i["gain"], i["id"]))[:LIST_LIMIT],
        risks=sorted(builder.risks, key=lambda i: (i["progress"] - i["expected"], i["id"]))[:LIST_LIMIT],
        stale=sorted(builder.stale, key=lambda i: (-i["gain"], i["id"]))[:LIST_LIMIT],
        totals={
            "moved": len(builder.moved),
            "wins": len(builder.wins),
            "risks": len(builder.risks),
            "stale": len(builder.stale),
        },
        discipline=builder.discipline(),
        sections=[
            s for fn in SECTION_PROVIDERS.values() for s in fn(organisation, team, week.week_start, week.week_ending)
        ],
    )


def _cycle_line(
    cycle: Cycle,
    objectives: list[Objective],
    metrics: Any,
    day: dt.date,
    organisation: Organisation,
    team: Team | None,
) -> CycleLine:
    mine = [o for o in objectives if o.cycle_id == cycle.pk]
    values = [metrics.objective(o).progress for o in mine]
    progress = engine.team_progress(values) if team is not None else engine.organisation_progress(values)
    expected = engine.expected_progress(start=cycle.start_date, end=cycle.end_date, on=day)
    thresholds = engine.PaceThresholds(on_track=organisation.pace_on_track, at_risk=organisation.pace_at_risk)
    status = (
        engine.STATUS_NOT_STARTED
        if progress is None
        else engine.pace_status(progress=progress, expected=expected, thresholds=thresholds)
    )
    return CycleLine(
        id=cycle.pk,
        name=cycle.name,
        progress=progress,
        expected=expected,
        status=status,
        objectives=len(mine),
        key_results=sum(len(o.key_results.all()) for o in mine),
        ends_on=cycle.end_date.isoformat(),
    )


class _Lists:
    """The digest's lists and counts, filled one key result at a time."""

    def __init__(self, organisation: Organisation, moment: dt.datetime, shares: dict[int, float]) -> None:
        self.organisation, self.moment, self.shares = organisation, moment, shares
        self.moved: list[DigestItem] = []
        self.wins: list[DigestItem] = []
        self.risks: list[DigestItem] = []
        self.stale: list[DigestItem] = []
        self.counted = 0
        self.counted_heard = 0
        self.people: set[int] = set()
        self.people_heard: set[int] = set()

    def _item(self, obj: Objective, kr: KeyResult, km: KRMetrics, *, gain: float = 0.0, reason: str = "") -> DigestItem:
        return DigestItem(
            id=kr.pk,
            title=kr.title,
            objective=obj.title,
            owner=kr.owner.user.get_full_name(),
            url=reverse("okrs:objective-detail", kwargs={"pk": obj.pk}),
            progress=km.progress,
            expected=km.expected,
            status=km.status,
            confidence=km.confidence,
            confidence_shown=str(km.confidence_display),
            gain=gain,
            reason=reason,
        )

    def add(
        self, obj: Objective, kr: KeyResult, km: KRMetrics, reading: tuple[Any, Any, Any] | None, heard: bool
    ) -> None:
        share_before = self.shares.get(kr.pk)  # counting its initiatives: it moves with or without a check-in
        if km.status in COUNTED_OUT or kr.is_cancelled:
            return
        self.counted += 1
        self.counted_heard += heard
        self.people.add(kr.owner_id)
        if heard:
            self.people_heard.add(kr.owner_id)
        confidence_before = reading[2] if reading is not None and reading[2] is not None else None
        if (heard or share_before is not None) and not kr.progress_from_children:
            before = _progress_before(kr, reading) if share_before is None else share_before
            gain = km.progress - before
            if gain > 0:
                self.moved.append(self._item(obj, kr, km, gain=gain, reason=f"+{pct(gain)}"))
            if km.progress >= 1.0 > before:
                self.wins.append(self._item(obj, kr, km, gain=gain, reason="Reached its target"))
            elif confidence_before is not None and km.confidence - confidence_before >= DROP_WARNING_AT:
                reason = f"Confidence up from {confidence_before} to {km.confidence}"
                self.wins.append(self._item(obj, kr, km, gain=gain, reason=reason))
        if km.status == engine.STATUS_STALE:
            since = kr.last_checkin_at or max(
                _midnight(obj.cycle.start_date, org_zone(self.organisation)), kr.created_at
            )
            days = max(0, (self.moment - since).days)
            self.stale.append(self._item(obj, kr, km, gain=float(days), reason=f"Silent for {days} days"))
            return
        warnings = engine.confidence_warnings(
            confidence_before if heard else None, km.confidence, self.organisation.confidence_scale
        )
        reasons = [status_label(km.status)] if km.status in RISK_STATUSES else []
        reasons += [w.message for w in warnings]
        if reasons:
            self.risks.append(self._item(obj, kr, km, reason="; ".join(reasons)))

    def discipline(self) -> Discipline:
        return Discipline(
            key_results=self.counted,
            key_results_checked_in=self.counted_heard,
            key_result_share=self.counted_heard / self.counted if self.counted else None,
            people=len(self.people),
            people_checked_in=len(self.people_heard),
            people_share=len(self.people_heard) / len(self.people) if self.people else None,
        )


# --- Sharing one build --------------------------------------------------------------------------


def cached_digest(organisation: Organisation, team: Team | None, week_ending: dt.date) -> Digest:
    """The digest built once and kept for an hour (``CACHE_URL`` shares it between processes):
    every recipient's email and page view of one week and team reads the same build, and views
    arriving while it is built wait for it (``core.build_once``: seconds at 10,000 people)."""
    key = _cache_key(organisation, team, week_ending)
    return build_once(key, lambda: build_digest(organisation, team, week_ending), CACHE_SECONDS)


def _cache_key(organisation: Organisation, team: Team | None, week_ending: dt.date) -> str:
    return f"{CACHE_PREFIX}:{organisation.pk}:{team.pk if team else 0}:{week_ending.isoformat()}"


def keep_digest(organisation: Organisation, team: Team | None, digest: Digest) -> Digest:
    """Keep a digest just built for :func:`cached_digest` (the producer builds, the emails read)."""
    cache.set(_cache_key(organisation, team, dt.date.fromisoformat(digest["week_ending"])), digest, CACHE_SECONDS)
    return digest


def digest_for_notification(notification: Any) -> Digest | None:
    """The digest a digest notification stands for (``data``: ``team_id``, ``week_ending``)."""
    data = notification.data if isinstance(notification.data, dict) else {}
    try:
        week_ending = dt.date.fromisoformat(str(data.get("week_ending")))
    except ValueError:
        return None
    organisation = notification.recipient.organisation
    team = None
    if data.get("team_id") is not None:
        team = Team.objects.filter(organisation=organisation, pk=data["team_id"]).first()
        if team is None:
            return None
    return cached_digest(organisation, team, week_ending)


# --- The weekly producer ------------------------------------------------------------------------

PRODUCER = "digest"


def digest_drafts(organisation: Organisation, week_ending: dt.date, *, now: dt.datetime) -> list[Draft]:
    """Every active member's organisation digest and each of their teams' digests for the week
    ending ``week_ending``: one build per digest (kept for the emails), a fixed number of queries
    per team. A digest with no key result in it is not sent (quiet defaults: nothing to say)."""
    members = list(Membership.objects.filter(organisation=organisation, is_active=True).select_related("user"))
    by_id = {m.pk: m for m in members}
    teams = {t.pk: t for t in Team.objects.filter(organisation=organisation)}
    tree: TeamTree = {}
    for t in teams.values():
        tree.setdefault(t.parent_id, []).append(t.pk)
    in_team: dict[int, list[int]] = {}
    links = TeamMember.objects.filter(team__organisation=organisation, membership__is_active=True)
    for team_id, membership_id in links.values_list("team_id", "membership_id"):
        in_team.setdefault(team_id, []).append(membership_id)
    week = iso_week(week_ending)
    drafts: list[Draft] = []

    def add(digest: Digest, key: str, recipients: list[Membership], team: Team | None) -> None:
        keep_digest(organisation, team, digest)
        title = digest_title(digest)
        data = {"scope": digest["scope"], "team_id": team.pk if team else None, "week_ending": digest["week_ending"]}
        body = digest_summary(digest)
        drafts.extend(
            Draft(recipient=m, kind=Kind.DIGEST, key=key, title=title, body=body, url=digest["url"], data=data)
            for m in recipients
        )

    # The organisation's week is loaded once; each team's digest is its share of it (the objectives
    # ``digest_objectives`` would pick for the team), so 1,250 teams cost no query each.
    loaded = _load_week(organisation, None, week_ending, now, tree)
    whole = _assemble(organisation, None, loaded, loaded.objectives)
    if not _has_key_results(whole):
        return []  # nothing runs this week: no team has anything to say either
    add(whole, f"org:{week}", members, None)
    people_of: dict[int, set[int]] = {}
    for team_id, membership_id in TeamMember.objects.filter(team__organisation=organisation).values_list(
        "team_id", "membership_id"
    ):
        people_of.setdefault(team_id, set()).add(membership_id)
    for team_id in sorted(in_team):
        team = teams[team_id]
        subtree = team_subtree(organisation, team, tree)
        people = set().union(*(people_of.get(t, set()) for t in subtree))
        share = [o for o in loaded.objectives if o.team_id in subtree or (o.team_id is None and o.owner_id in people)]
        digest = _assemble(organisation, team, loaded, share)
        if _has_key_results(digest):
            add(digest, f"team:{team_id}:{week}", [by_id[m] for m in in_team[team_id] if m in by_id], team)
    return drafts


def _has_key_results(digest: Digest) -> bool:
    return sum(c["key_results"] for c in digest["cycles"]) > 0


def digest_summary(digest: Digest) -> str:
    """One line for the inbox and the email's preview: progress, then the counts."""
    totals = digest["totals"]
    progress = "; ".join(
        f"{c['name']} at {pct(c['progress'])} (expected {pct(c['expected'])})" for c in digest["cycles"]
    )
    counts = f"{totals['moved']} moved, {totals['wins']} wins, {totals['risks']} risks, {totals['stale']} gone quiet."
    return f"{progress}. {counts}" if progress else counts


def produce_digests(now: dt.datetime) -> int:
    """The scheduler's producer: each organisation whose digest moment (its charter's reminder
    weekday and hour, in its time zone) has passed this week and whose digests for that week are
    not yet marked done gets them; the unique key makes a repeat produce nothing twice."""
    produced = 0
    for organisation in Organisation.objects.all():
        moment = due_moment(
            now,
            weekday=organisation.reminder_weekday,
            hour=organisation.reminder_hour,
            time_zone=organisation.time_zone,
            cadence_days=7,
        )
        if moment is None:
            continue
        key = iso_week(moment.local_day)
        if marks.done(organisation.pk, PRODUCER, key):
            continue
        produced += produce(digest_drafts(organisation, moment.local_day, now=now), now=now)
        marks.mark(organisation.pk, PRODUCER, key)
    return produced


register_producer(PRODUCER, produce_digests)
