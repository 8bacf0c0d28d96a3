"""Key results that take their progress from their initiatives (``KeyResult.progress_from_initiatives``,
issue 16: initiatives never count toward progress "unless the key result says so").

Such a key result's attainment is the engine's ``initiatives_share``: the share of its initiatives
done, dropped ones left out, not measurable while none counts. ``compute_metrics`` and
``key_result_metrics`` read it from :func:`initiative_tallies` (one grouped query, none when no
key result asked for has the option) and everything else — status, pace, suggested score, verdict,
the objective's roll-up, the forecast — follows from that one progress number. The forecast fits
the share done after each initiative was marked done (its ``done_at``), as a checklist's forecast
fits the share ticked at each check-in: its check-ins' values do not move it, so they are not read.

The initiatives app imports okrs, not the other way round, so the statuses are named here by
their stored values (and the model is reached through ``KeyResult.initiatives``)
(``tests/okrs/test_progress_from_initiatives.py`` checks they match).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Q

from ambit.okrs import engine
from ambit.okrs.models import KeyResult, KeyResultKind

DONE = "done"
DROPPED = "dropped"
OPTION_ERROR = {
    "progress_from_initiatives": (
        "This key result takes its progress from its child objectives: it cannot also take it from its initiatives."
    ),
}
CHECKLIST_ERROR = {
    "progress_from_initiatives": (
        "A milestone checklist takes its progress from its milestones: "
        "choose another kind to count its initiatives instead."
    ),
}


def value_at(kr: KeyResult, progress: float) -> float | None:
    """The value a key result would show at ``progress`` (a forecast's ``end_value`` when the
    forecast is of its progress: a linked key result's, one counting its initiatives)."""
    if kr.kind in (KeyResultKind.MILESTONES, KeyResultKind.BINARY):
        return progress
    start, target = kr.start_value, kr.target_value
    if kr.kind in (KeyResultKind.INCREASE, KeyResultKind.DECREASE) and start is not None and target is not None:
        return float(start) + progress * (float(target) - float(start))
    return None


@dataclass(frozen=True)
class Tally:
    """A key result's initiatives: how many are done, and how many count (all but dropped ones);
    for forecasts, when the done ones were marked done (None: not loaded)."""

    done: int
    counted: int
    done_at: tuple[dt.datetime, ...] | None = field(default=None, compare=False)

    @property
    def attainment(self) -> float | None:
        return engine.initiatives_share(done=self.done, counted=self.counted)

    @property
    def progress(self) -> float:
        attainment = self.attainment
        return 0.0 if attainment is None else attainment

    def forecast(self, kr: KeyResult, *, cycle_start: dt.datetime, cycle_end: dt.datetime) -> engine.Forecast | None:
        """Where the share done is on course to land: the engine's checklist projection (equal
        weights, counting only initiatives that would be finished) of the share after each one was
        done. None without done times (not loaded, or none done yet), as without a check-in."""
        if not self.done_at or self.counted <= 0:
            return None
        points = [engine.Reading(at=at, value=min(1.0, n / self.counted)) for n, at in enumerate(self.done_at, 1)]
        fc = engine.forecast(
            kind=engine.KIND_MILESTONES,
            start=None,
            target=None,
            cycle_start=cycle_start,
            cycle_end=cycle_end,
            points=points,
            milestones_total=self.counted,
            created_at=kr.created_at,
        )
        if fc is None or fc.is_too_early or fc.progress is None or fc.method is None:
            return fc
        return engine.Forecast.landing(value_at(kr, fc.progress), fc.progress, fc.progress, fc.method)


def initiative_tallies(
    key_results: Iterable[KeyResult], *, moment: dt.datetime | None = None, with_times: bool = False
) -> dict[int, Tally]:
    """The tally of every key result among ``key_results`` that has the option, in one grouped
    query (none when no key result has it); ``with_times`` (for forecasts) reads when the done ones
    were done, in one query more. At a past ``moment`` (the dashboard's time travel), the
    initiatives that existed then, done if they were marked done before it."""
    ids = sorted({kr.pk for kr in key_results if kr.progress_from_initiatives})
    if not ids:
        return {}
    existed = Q(initiatives__created_at__lt=moment) if moment is not None else Q(initiatives__isnull=False)
    done = Q(initiatives__status=DONE)
    if moment is not None:
        done &= Q(initiatives__done_at__lt=moment)
    rows = (
        KeyResult.objects.filter(pk__in=ids)
        .values("pk")
        .annotate(
            total=Count("initiatives", filter=existed),
            dropped=Count("initiatives", filter=existed & Q(initiatives__status=DROPPED)),
            done=Count("initiatives", filter=existed & done),
        )
        .values_list("pk", "total", "dropped", "done")
    )
    tallies = {pk: Tally(done=done_count, counted=total - dropped) for pk, total, dropped, done_count in rows}
    if not with_times or not any(t.done for t in tallies.values()):
        return tallies
    # The initiatives app's model, reached through the relation (okrs does not import that app).
    initiative: Any = KeyResult._meta.get_field("initiatives").related_model
    rows_done = initiative.objects.filter(
        key_result_id__in=[pk for pk, t in tallies.items() if t.done], status=DONE, done_at__isnull=False
    )
    if moment is not None:
        rows_done = rows_done.filter(created_at__lt=moment, done_at__lt=moment)
    times: dict[int, list[dt.datetime]] = {}
    for pk, at in rows_done.order_by("key_result_id", "done_at", "pk").values_list("key_result_id", "done_at"):
        times.setdefault(pk, []).append(at)
    return {pk: replace(t, done_at=tuple(times.get(pk, ()))) for pk, t in tallies.items()}


def check_option(*, on: bool, from_children: bool, kind: str) -> None:
    """The one rule for the option, on every surface (form, API, sheet): a key result reads its
    progress from one place only."""
    if not on:
        return
    if from_children:
        raise ValidationError(OPTION_ERROR)
    if kind == KeyResultKind.MILESTONES:
        raise ValidationError(CHECKLIST_ERROR)


@dataclass(frozen=True)
class InitiativeHistory:
    """A key result's initiatives as far as its progress over time needs them: for each, when it
    was created, its status now and when it was marked done. Its progress at a past moment is the
    tally ``initiative_tallies(moment=...)`` reads, and now the one the metrics read, worked out
    without a query per moment (the dashboards sample many)."""

    rows: tuple[tuple[dt.datetime, str, dt.datetime | None], ...] = ()

    def tally_at(self, moment: dt.datetime) -> Tally:
        existed = [(status, done_at) for created, status, done_at in self.rows if created < moment]
        done = sum(1 for status, at in existed if status == DONE and at is not None and at < moment)
        return Tally(done=done, counted=sum(1 for status, _ in existed if status != DROPPED))

    @property
    def tally(self) -> Tally:
        statuses = [status for _c, status, _d in self.rows]
        return Tally(done=statuses.count(DONE), counted=len(statuses) - statuses.count(DROPPED))

    def progress_at(self, moment: dt.datetime | None) -> float:
        """The share done as of ``moment`` (None: now, as the metrics have it)."""
        return (self.tally if moment is None else self.tally_at(moment)).progress

    def series(self) -> list[tuple[dt.datetime, float]]:
        """The share done just after each initiative was marked done, oldest first (a chart's points,
        as a key result's progress after each check-in); the last one is the progress now."""
        moments = sorted({at for _c, status, at in self.rows if at is not None and status == DONE})
        return [(at, self.progress_at(at + dt.timedelta(microseconds=1))) for at in moments]


def initiative_histories(key_results: Iterable[KeyResult]) -> dict[int, InitiativeHistory]:
    """The one source of a past progress for key results with the option (charts, trends, digest,
    agendas, wins): every one among ``key_results`` that has it, in one query (none when none
    has it). One without initiatives gets an empty history (progress 0)."""
    ids = sorted({kr.pk for kr in key_results if kr.progress_from_initiatives})
    if not ids:
        return {}
    initiative: Any = KeyResult._meta.get_field("initiatives").related_model
    found: dict[int, list[tuple[dt.datetime, str, dt.datetime | None]]] = {pk: [] for pk in ids}
    for pk, created, status, done_at in (
        initiative.objects.filter(key_result_id__in=ids)
        .order_by("key_result_id", "created_at", "pk")
        .values_list("key_result_id", "created_at", "status", "done_at")
    ):
        found[pk].append((created, status, done_at))
    return {pk: InitiativeHistory(rows=tuple(rows)) for pk, rows in found.items()}


def progress_then(key_results: Iterable[KeyResult], moment: dt.datetime | None) -> dict[int, float]:
    """Each key result with the option among ``key_results``: its progress (share done) as of
    ``moment`` (None: now). One query, none when none has the option."""
    return {pk: h.progress_at(moment) for pk, h in initiative_histories(key_results).items()}
