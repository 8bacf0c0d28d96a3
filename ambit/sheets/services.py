"""Import a planning sheet: a dry run that shows what would change, or the real thing, all or
nothing. Every write goes through the okrs services (objective_create/update, alignment_add/
remove, key_result_create/update), so permissions and the audit log hold per row.

The dry run runs those same services inside transactions it then rolls back: what the page
promises is what applying does, including the permission and validation errors of each row. It
works in short batches (groups of objectives that do not refer to each other), each rolled back on
its own, so that on SQLite (where every transaction takes the single write lock at BEGIN) other
writers wait a fraction of a second instead of failing while a 5,000-row file is checked. The apply
stays one transaction: all or nothing.

Large files take longer than a web request may last, so the pages run each dry run and each apply
as an ``ImportJob`` (``import_job_start`` / ``import_job_run``, in the background with django-tasks).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.http import Http404
from django.utils import timezone

from ambit.accounts.models import Membership
from ambit.core.errors import Conflict
from ambit.core.permissions import require_same_org
from ambit.okrs import services as okrs
from ambit.okrs.models import Cycle, Objective
from ambit.sheets.diffing import KR_LABELS, OBJ_LABELS, show_value
from ambit.sheets.importer import KR_KEYS, OBJECTIVE_KEYS, KrPlan, ObjectivePlan, Planner
from ambit.sheets.layout import BY_KEY
from ambit.sheets.models import ImportJob, ImportJobState
from ambit.sheets.parsing import LOCALES
from ambit.sheets.progress_from import FLAG_FIELDS
from ambit.sheets.quality_notes import with_quality
from ambit.sheets.reader import SheetRefused, read_upload
from ambit.sheets.reference_import import reference_import
from ambit.sheets.report import Change, ImportReport, Item, Problem
from ambit.sheets.selectors import import_context
from ambit.sheets.uploads import UploadGone, upload_discard, upload_load

logger = logging.getLogger(__name__)

# A dry-run batch ends once it has worked this long; on SQLite the write lock is then released
# for LOCK_PAUSE_SECONDS (longer than SQLite's longest busy-handler sleep, 100 ms), so writers
# waiting for it get their turn: a check-in beside a dry run waits at most half a second.
BATCH_SECONDS = 0.5
LOCK_PAUSE_SECONDS = 0.15

_OBJ_FIELD_COLUMNS = {
    **{k: k for k in ("owner", "team", "theme", "ambition", "visibility", "parent", "plan_start")},
    "title": "objective",
    "description": "objective_description",
    "weight": "parent",
}
_KR_FIELD_COLUMNS = {
    "title": "kr",
    "kind": "kind",
    "start_value": "start",
    "target_value": "target",
    "stretch_target": "stretch",
    "unit": "unit",
    "unit_kind": "unit",
    "weight": "weight",
    "owner": "kr_owner",
    "milestones": "kind",
    "objective": "objective",
    "plan_start": "kr_plan_start",
    "progress_from_initiatives": "progress_from",
    "progress_from_children": "progress_from",
}
_OBJ_HEADERS = {BY_KEY[k].header for k in (*OBJECTIVE_KEYS, "id")}
_KR_HEADERS = {BY_KEY[k].header for k in KR_KEYS}


class _Rollback(Exception):
    pass


class _Executor:
    def __init__(self, *, actor: Membership, cycle: Cycle, sheet: str, problems: list[Problem]) -> None:
        self.actor, self.cycle, self.sheet, self.problems = actor, cycle, sheet, problems
        mine = [p for p in problems if p.sheet == sheet]  # not the Initiatives and KPIs sheets' rows
        self.bad_objective_rows = {p.row for p in mine if p.column is None or p.column in _OBJ_HEADERS}
        self.bad_kr_rows = {p.row for p in mine if p.column in _KR_HEADERS}

    def _problem(self, row: int, key: str | None, message: str, hint: str = "", permission: bool = False) -> None:
        column = BY_KEY[key].header if key else None
        self.problems.append(Problem(self.sheet, row, column, message, hint, is_permission=permission))

    def _guard(self, row: int, columns: dict[str, str], fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for name, messages in exc.message_dict.items():
                    self._problem(row, columns.get(name), " ".join(messages))
            else:
                self._problem(row, None, " ".join(exc.messages))
        except Conflict as exc:
            self._problem(row, columns.get(exc.field or ""), exc.message)
        except PermissionDenied as exc:
            self._problem(
                row,
                None,
                f"Permission: {exc}" if str(exc) else "Permission: you may not change this.",
                "Ask the owner, their team lead or an OKR champion to make this change.",
                permission=True,
            )
        except Http404:
            self._problem(row, None, "Something this row refers to does not exist or is not visible to you.")
        return None

    def run(self, plans: list[ObjectivePlan]) -> None:
        live = [p for p in plans if not self.bad_objective_rows.intersection(p.rows)]
        for p in live:
            self._objective(p)
        by_title = {p.title.strip().lower(): p for p in plans if p.existing is None}
        for p in live:
            if p.result is not None:
                self._parents(p, by_title)
        for p in plans:
            target = p.result or p.existing
            if target is None:
                continue
            for kr in p.key_results:
                if kr.row not in self.bad_kr_rows:
                    self._key_result(kr, target)

    def _objective(self, p: ObjectivePlan) -> None:
        if p.existing is None:
            f = p.fields
            p.result = self._guard(
                p.row,
                _OBJ_FIELD_COLUMNS,
                lambda: okrs.objective_create(
                    actor=self.actor,
                    cycle=self.cycle,
                    title=f.get("title", p.title),
                    owner=f.get("owner"),
                    team=f.get("team"),
                    description=f.get("description", ""),
                    theme=f.get("theme"),
                    ambition=f.get("ambition") or "committed",
                    visibility=f.get("visibility") or "public",
                    plan_start=f.get("plan_start"),
                ),
            )
        elif p.fields:
            existing = p.existing
            p.result = self._guard(
                p.row,
                _OBJ_FIELD_COLUMNS,
                lambda: okrs.objective_update(actor=self.actor, objective=existing, **p.fields),
            )
        else:
            p.result = p.existing
        if p.state and p.result is not None:
            self._guard(p.row, {"state": "state"}, functools.partial(p.move_state, self.actor, p.result))

    def _parents(self, p: ObjectivePlan, by_title: dict[str, ObjectivePlan]) -> None:
        child = p.result
        assert child is not None
        for parent in p.parents_remove:
            self._guard(
                p.row,
                _OBJ_FIELD_COLUMNS,
                functools.partial(okrs.alignment_remove, actor=self.actor, child=child, parent=parent),
            )
        for ref in p.parents_add:
            target: Objective | None = ref.existing
            if target is None:
                other = by_title.get(ref.new_title.lower())
                target = other.result if other else None
                if target is None:
                    continue  # that new objective failed: its own row carries the problem
            self._guard(
                p.row,
                _OBJ_FIELD_COLUMNS,
                functools.partial(okrs.alignment_add, actor=self.actor, child=child, parent=target),
            )

    def _key_result(self, kr: KrPlan, objective: Objective) -> None:
        if kr.existing is None:
            f = kr.fields
            kr.result = self._guard(
                kr.row,
                _KR_FIELD_COLUMNS,
                lambda: okrs.key_result_create(
                    actor=self.actor,
                    objective=objective,
                    title=kr.title,
                    kind=f.get("kind") or "increase",
                    start_value=f.get("start_value"),
                    target_value=f.get("target_value"),
                    stretch_target=f.get("stretch_target"),
                    unit=f.get("unit", ""),
                    unit_kind=f.get("unit_kind", "number"),
                    weight=f.get("weight", 1.0),
                    owner=f.get("owner"),
                    plan_start=f.get("plan_start"),
                    progress_from_initiatives=f.get("progress_from_initiatives", False),
                ),
            )
        elif kr.fields:
            existing = kr.existing
            kr.result = self._guard(
                kr.row,
                _KR_FIELD_COLUMNS,
                lambda: okrs.key_result_update(actor=self.actor, key_result=existing, **kr.fields),
            )


def _created_changes(fields: dict[str, Any], labels: dict[str, str]) -> list[Change]:
    return [Change(labels.get(k, k), "", show_value(v)) for k, v in fields.items() if v not in (None, "")]


def _items(plans: list[ObjectivePlan]) -> list[Item]:
    items = []
    for p in plans:
        if p.existing is None:
            item = Item("objective", "create", p.title, p.row, changes=_created_changes(p.fields, OBJ_LABELS))
            item.changes.extend(p.changes)
        else:
            action = "update" if p.changes else "unchanged"
            item = Item("objective", action, p.existing.title, p.row, ref=f"O{p.existing.pk}", changes=p.changes)
        for kr in p.key_results:
            if kr.existing is None:
                shown = {k: v for k, v in kr.fields.items() if k not in FLAG_FIELDS}  # kr.changes says it in words
                changes = [*_created_changes(shown, KR_LABELS), *kr.changes]
                child = Item("key_result", "create", kr.title, kr.row, changes=changes)
            else:
                ref = f"O{kr.existing.objective_id}-KR{kr.existing.pk}"
                action = "update" if kr.changes else "unchanged"
                child = Item("key_result", action, kr.existing.title, kr.row, ref=ref, changes=kr.changes)
            item.children.append(child)
        items.append(item)
    return items


def _components(plans: list[ObjectivePlan]) -> list[list[ObjectivePlan]]:
    """Split the plan into groups that can be validated each in its own rolled-back transaction.

    A new objective and every row that names it as parent stay together (the alignment needs the
    objective created in the same transaction). Every row that adds or removes a link between
    objectives that already exist joins one group, in file order, so that a loop made by two rows
    of the file is caught as it would be when applying. Everything else is independent: the okrs
    services check each objective and its key results on their own.
    """
    parent_of = list(range(len(plans)))

    def find(i: int) -> int:
        while parent_of[i] != i:
            parent_of[i] = parent_of[parent_of[i]]
            i = parent_of[i]
        return i

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent_of[max(ra, rb)] = min(ra, rb)

    new_by_title = {p.title.strip().lower(): i for i, p in enumerate(plans) if p.existing is None}
    relinking: list[int] = []
    for i, p in enumerate(plans):
        for ref in p.parents_add:
            if ref.existing is None:
                j = new_by_title.get(ref.new_title.lower())
                if j is not None:
                    union(i, j)
            elif p.existing is not None:
                relinking.append(i)
        if p.parents_remove:
            relinking.append(i)
    for i in relinking[1:]:
        union(relinking[0], i)
    groups: dict[int, list[ObjectivePlan]] = {}
    for i, p in enumerate(plans):
        groups.setdefault(find(i), []).append(p)
    return list(groups.values())


def _dry_run(executor: _Executor, plans: list[ObjectivePlan], progress: Callable[[int], None] | None) -> None:
    """Run the services over ``plans`` in short batches, rolling each back (see the module doc)."""
    components = _components(plans)
    pause = connection.vendor == "sqlite" and not connection.in_atomic_block
    done = index = 0
    while index < len(components):
        started = time.monotonic()
        try:
            with transaction.atomic():
                while index < len(components):
                    executor.run(components[index])
                    done += sum(len(p.rows) for p in components[index])
                    index += 1
                    if time.monotonic() - started > BATCH_SECONDS:
                        break
                raise _Rollback
        except _Rollback:
            pass
        if progress is not None:
            progress(done)
        if pause and index < len(components):
            time.sleep(LOCK_PAUSE_SECONDS)


def plan_digest(report: ImportReport) -> str:
    """What a plan would do (each create and update, with the values before and after), hashed:
    an apply whose plan no longer matches the confirmed dry run is refused."""
    body = json.dumps(
        [report.sheet, report.rows_read, [dataclasses.asdict(i) for i in report.items]], sort_keys=True, default=str
    )
    return hashlib.sha256(body.encode()).hexdigest()


def _changed_since_dry_run(sheet: str) -> Problem:
    return Problem(
        sheet,
        None,
        None,
        "Ambit changed since the dry run: applying this file now would do something else than the "
        "report you confirmed.",
        "Upload the file again to see the new dry run, then apply it.",
    )


def sheet_import(
    *,
    actor: Membership,
    cycle: Cycle,
    data: bytes,
    filename: str = "",
    locale: str = "en",
    dry_run: bool = True,
    progress: Callable[[int, int], None] | None = None,
    expected_digest: str = "",
    before_apply: Callable[[], None] | None = None,
    after_apply: Callable[[ImportReport], None] | None = None,
) -> ImportReport:
    """Validate (and unless ``dry_run``, apply) an uploaded planning file. Applying writes
    everything or nothing: any problem on any row leaves the database as it was.

    ``progress(rows_done, rows_total)`` is called between dry-run batches, outside any
    transaction. ``expected_digest`` (the dry run's ``plan_digest``) refuses an apply whose plan
    changed since. ``before_apply`` and ``after_apply`` run inside the apply's transaction, before
    the first and after the last write, so a caller can record the outcome atomically with it.
    """
    require_same_org(actor, cycle.organisation_id)
    if locale not in LOCALES:
        raise ValidationError({"locale": f"Unknown locale “{locale}”: use one of {', '.join(LOCALES)}."})
    name = filename or "upload"
    try:
        raw = read_upload(data, filename)
    except SheetRefused as exc:
        return ImportReport(sheet=name, dry_run=dry_run, problems=[Problem(name, None, None, exc.message, exc.hint)])
    ctx = import_context(actor=actor, cycle=cycle)
    planner = Planner(actor=actor, ctx=ctx, raw=raw, locale=locale)
    plans = planner.plan()
    report = ImportReport(
        sheet=raw.sheet,
        rows_read=len(raw.rows),
        items=with_quality(_items(plans), plans, actor.organisation),
        problems=planner.problems,
        skipped_examples=planner.skipped_examples,
        dry_run=dry_run,
    )
    refs = reference_import(report, actor=actor, cycle=cycle, data=data, ctx=ctx, locale=locale, dry_run=dry_run)
    if expected_digest and plan_digest(report) != expected_digest:
        report.problems.append(_changed_since_dry_run(raw.sheet))
    if report.created or report.updated:
        if progress is not None:
            progress(0, report.rows_read)
        executor = _Executor(actor=actor, cycle=cycle, sheet=raw.sheet, problems=report.problems)
        if dry_run or report.problems:
            # Nothing will be written: report every row's problem, in short batches.
            _dry_run(executor, plans, (lambda done: progress(done, report.rows_read)) if progress else None)
        else:
            _apply(executor, plans, report, refs.before_apply(before_apply), after_apply)
    report.problems.sort(key=lambda p: (p.sheet != raw.sheet, p.sheet, p.row or 0))
    report.applied = not dry_run and report.ok and bool(report.created or report.updated)
    return report


def _apply(
    executor: _Executor,
    plans: list[ObjectivePlan],
    report: ImportReport,
    before_apply: Callable[[], None] | None,
    after_apply: Callable[[ImportReport], None] | None,
) -> None:
    """One transaction for the whole file; the plan is built before it, so the write lock is held
    only while the services write."""
    try:
        with transaction.atomic():
            if before_apply is not None:
                before_apply()
            executor.run(plans)
            if report.problems:
                raise _Rollback
            report.problems.sort(key=lambda p: p.row or 0)
            report.applied = True
            if after_apply is not None:
                after_apply(report)
    except _Rollback:
        pass


# --- Import jobs ------------------------------------------------------------------------------


class AlreadyFinished(Exception):
    """The job was finished by an earlier run (a retried task): there is nothing left to do."""


def report_to_json(report: ImportReport) -> dict[str, Any]:
    return dataclasses.asdict(report)


def report_from_json(data: dict[str, Any]) -> ImportReport:
    def item(d: dict[str, Any]) -> Item:
        return Item(
            **{
                **d,
                "changes": [Change(**c) for c in d.get("changes", [])],
                "children": [item(c) for c in d.get("children", [])],
            }
        )

    return ImportReport(
        **{
            **data,
            "items": [item(i) for i in data.get("items", [])],
            "problems": [Problem(**p) for p in data.get("problems", [])],
        }
    )


def _problem_report(job: ImportJob, message: str, hint: str) -> ImportReport:
    name = job.filename or "upload"
    return ImportReport(sheet=name, dry_run=job.dry_run, problems=[Problem(name, None, None, message, hint)])


def upload_gone_report(*, sheet: str = "upload", dry_run: bool = False) -> ImportReport:
    gone = "This upload is no longer available (uploads are kept for one hour)."
    return ImportReport(
        sheet=sheet, dry_run=dry_run, problems=[Problem(sheet, None, None, gone, "Upload the file again.")]
    )


def import_job_start(
    *,
    actor: Membership,
    cycle: Cycle,
    token: str,
    filename: str,
    locale: str,
    source: ImportJob | None = None,
) -> ImportJob:
    """Record a dry run (or, with ``source``, the apply of that dry run) and queue it.

    The job row is bookkeeping, not organisation data: the apply's own writes carry the audit
    entries. ``source`` is one-to-one, so confirming the same dry run twice returns the apply job
    of the first confirmation instead of queuing the changes again. Call it outside a
    transaction: with the database backend the worker must see the committed job.
    """
    from ambit.sheets.tasks import sheet_import_run  # tasks.py imports this module

    require_same_org(actor, cycle.organisation_id)
    if source is not None and (source.membership_id != actor.pk or not source.dry_run or source.cycle_id != cycle.pk):
        raise Http404("No such dry run.")
    job = ImportJob(
        organisation_id=actor.organisation_id,
        membership=actor,
        cycle=cycle,
        token=token,
        filename=filename[:200],
        locale=locale,
        dry_run=source is None,
        source=source,
    )
    if source is None:
        job.save()
    else:
        try:
            with transaction.atomic():
                job.save()
        except IntegrityError:
            return _job_fresh(ImportJob.objects.get(source=source).pk)
    sheet_import_run.enqueue(job.pk)
    return _job_fresh(job.pk)


def _job_fresh(job_id: int) -> ImportJob:
    """The job as the worker left it (with the immediate backend: finished)."""
    return ImportJob.objects.select_related("cycle", "source", "apply_job").get(pk=job_id)


def import_job_run(*, job_id: int) -> str:
    """Carry out a queued job; safe to run again after a crash or a kill.

    A finished job is left alone. A dry run only ever rolls back, so re-running it is harmless.
    An apply locks its job row and records ``done`` inside the transaction that writes the rows:
    if the worker dies before the commit nothing was written and the re-run applies once; if it
    dies after, the re-run finds the job done.
    """
    job = (
        ImportJob.objects.select_related("membership__organisation", "membership__user", "cycle", "source")
        .filter(pk=job_id)
        .first()
    )
    if job is None or job.finished:
        return job.state if job else "missing"
    try:
        report = _run(job)
    except AlreadyFinished:
        return ImportJobState.DONE
    except Exception:
        logger.exception("Sheet import job %s failed", job.pk)
        failed = _problem_report(
            job,
            "The import stopped unexpectedly: nothing was written.",
            "Try again in a few minutes; if it keeps failing, tell your Ambit administrator.",
        )
        job.mark(state=ImportJobState.FAILED, report=report_to_json(failed))
        raise
    if job.state != ImportJobState.DONE:  # an apply records its success inside its transaction
        digest = plan_digest(report) if job.dry_run else ""
        job.mark(
            state=ImportJobState.DONE,
            report=report_to_json(report),
            rows_total=report.rows_read,
            rows_done=report.rows_read,
            plan_digest=digest,
        )
    if report.applied or (job.dry_run and not (report.ok and (report.created or report.updated))):
        upload_discard(token=job.token)  # used up, or nothing to confirm
    return job.state


def _run(job: ImportJob) -> ImportReport:
    try:
        stored = upload_load(token=job.token, membership_id=job.membership_id)
    except UploadGone:
        return upload_gone_report(sheet=job.filename or "upload", dry_run=job.dry_run)
    if stored.cycle_id != job.cycle_id:
        return upload_gone_report(sheet=job.filename or "upload", dry_run=job.dry_run)

    def progress(done: int, total: int) -> None:
        if job.state == ImportJobState.QUEUED:  # one write for both: there is work to do
            job.mark(state=ImportJobState.RUNNING, started_at=timezone.now(), rows_done=done, rows_total=total)
        else:
            job.mark(rows_done=done, rows_total=total)

    def claim() -> None:
        if ImportJob.objects.select_for_update().filter(pk=job.pk, state=ImportJobState.DONE).exists():
            raise AlreadyFinished

    def finish(report: ImportReport) -> None:
        job.mark(
            state=ImportJobState.DONE,
            report=report_to_json(report),
            rows_total=report.rows_read,
            rows_done=report.rows_read,
        )

    try:
        report = sheet_import(
            actor=job.membership,
            cycle=job.cycle,
            data=stored.data,
            filename=stored.filename,
            locale=stored.locale,
            dry_run=job.dry_run,
            progress=progress,
            expected_digest="" if job.dry_run else (job.source.plan_digest if job.source else "-"),
            before_apply=claim,
            after_apply=finish,
        )
    except Http404:
        return _problem_report(
            job, "You are no longer an active member of this organisation.", "Ask an admin to reactivate you."
        )
    return report
