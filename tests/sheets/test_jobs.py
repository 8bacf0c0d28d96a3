"""Uploads and confirmations run as background import jobs: progress, result, idempotent apply,
refusal when the plan changed, and tenant scoping of the job pages."""

from __future__ import annotations

from typing import Any, NoReturn

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from pytest_django import Settings

from ambit.accounts.models import Membership
from ambit.core.models import AuditEntry
from ambit.okrs import services as okrs
from ambit.okrs.models import Cycle, KeyResult, Objective
from ambit.sheets import uploads
from ambit.sheets.exporter import export_workbook
from ambit.sheets.importer import ObjectivePlan
from ambit.sheets.models import ImportJob, ImportJobState
from ambit.sheets.services import import_job_run, import_job_start
from tests import factories as f
from tests.builders import Plan, World
from tests.helpers import ClientResponse
from tests.sheets.conftest import db_state
from tests.sheets.helpers import edit_xlsx, row, xlsx

pytestmark = pytest.mark.django_db

DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def _client(client: Client, membership: Membership) -> Client:
    client.force_login(membership.user)
    return client


def _upload(client: Client, cycle: Cycle, data: bytes, **extra: Any) -> ClientResponse:
    return client.post(
        reverse("sheets:upload", args=[cycle.pk]),
        {"file": SimpleUploadedFile("plan.xlsx", data), "locale": "en"},
        **extra,
    )


def _new_objectives_file() -> bytes:
    return xlsx(
        [
            row(
                team="platform",
                objective="Cut cloud costs",
                owner="lead@acme.test",
                kr="Monthly bill",
                kind="decrease",
                start=100,
                target=70,
            ),
            row(kr="Idle machines", kind="decrease", start=40, target=0),
            row(
                team="platform",
                objective="Ship the API",
                owner="lead@acme.test",
                parent="Cut cloud costs",
                kr="Documented endpoints",
                start=0,
                target=10,
            ),
        ]
    )


def test_upload_creates_a_dry_run_job_whose_page_shows_the_report(client: Client, world: World) -> None:
    c = _client(client, world.lead)
    before = db_state()
    res = _upload(c, world.cycle, _new_objectives_file())
    assert res.status_code == 200
    assert db_state() == before
    job = ImportJob.objects.get()
    assert (job.dry_run, job.state, job.membership_id, job.organisation_id) == (
        True,
        "done",
        world.lead.pk,
        world.org.pk,
    )
    assert (job.rows_total, job.rows_done) == (3, 3)
    assert len(job.plan_digest) == 64
    assert job.report is not None
    assert job.report["items"][0]["title"] == "Cut cloud costs" and job.report["problems"] == []
    assert res.context["job"] == job and res.context["token"] == job.token

    page = c.get(reverse("sheets:job", args=[job.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert '<strong data-count="created">5</strong>' in html
    assert "Apply these changes" in html and job.token in html
    poll = c.get(reverse("sheets:job-progress", args=[job.pk]))
    assert poll.status_code == 200
    assert poll.content.decode().lstrip().startswith('<section class="card" id="sheet-report"')
    assert "hx-trigger" not in poll.content.decode()  # finished: the polling stops


def test_a_queued_job_shows_a_polling_progress_card(client: Client, world: World, settings: Settings) -> None:
    settings.TASKS = DUMMY_TASKS  # nothing runs the job
    c = _client(client, world.lead)
    res = _upload(c, world.cycle, _new_objectives_file())
    assert res.status_code == 202
    job = ImportJob.objects.get()
    assert job.state == ImportJobState.QUEUED
    for url in (reverse("sheets:job", args=[job.pk]), reverse("sheets:job-progress", args=[job.pk])):
        html = c.get(url).content.decode()
        assert 'hx-trigger="every 2s"' in html
        assert f'hx-get="{reverse("sheets:job-progress", args=[job.pk])}"' in html
        assert "<progress" in html
        assert "<script" not in html.split('id="sheet-job"')[1] and "style=" not in html.split('id="sheet-job"')[1]

    import_job_run(job_id=job.pk)  # the worker picks it up
    job.refresh_from_db()
    assert job.state == ImportJobState.DONE
    html = c.get(reverse("sheets:job-progress", args=[job.pk])).content.decode()
    assert '<strong data-count="created">5</strong>' in html and "hx-trigger" not in html


def test_progress_counts_rows_while_a_dry_run_runs(
    world: World, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.TASKS = DUMMY_TASKS
    token = uploads.upload_store(
        membership_id=world.lead.pk,
        cycle_id=world.cycle.pk,
        data=_new_objectives_file(),
        filename="p.xlsx",
        locale="en",
    )
    job = import_job_start(actor=world.lead, cycle=world.cycle, token=token, filename="p.xlsx", locale="en")
    seen: list[tuple[str, int, int]] = []
    real_mark = ImportJob.mark

    def spy(self: ImportJob, **fields: object) -> None:
        real_mark(self, **fields)
        stored = ImportJob.objects.get(pk=self.pk)
        seen.append((stored.state, stored.rows_done, stored.rows_total))

    monkeypatch.setattr(ImportJob, "mark", spy)
    import_job_run(job_id=job.pk)
    assert seen[0] == ("running", 0, 3)
    assert seen[-1] == ("done", 3, 3)
    assert all(total == 3 for _, _, total in seen)


def test_apply_job_applies_once_even_when_run_again(client: Client, world: World) -> None:
    c = _client(client, world.lead)
    res = _upload(c, world.cycle, _new_objectives_file())
    audit_before = AuditEntry.objects.count()
    res = c.post(reverse("sheets:apply", args=[world.cycle.pk]), {"token": res.context["token"]})
    assert res.status_code == 200 and res.context["report"].applied
    apply_job = ImportJob.objects.get(dry_run=False)
    assert apply_job.report is not None
    assert apply_job.state == "done" and apply_job.report["applied"] is True
    assert apply_job.source == ImportJob.objects.get(dry_run=True)
    created = Objective.objects.filter(title__in=["Cut cloud costs", "Ship the API"])
    assert created.count() == 2
    assert KeyResult.objects.filter(objective__in=created).count() == 3
    state = db_state()

    # A retried task (the worker was killed after the commit): nothing more is written.
    assert import_job_run(job_id=apply_job.pk) == "done"
    assert db_state() == state
    # Confirming the same dry run again queues nothing new.
    same = import_job_start(
        actor=world.lead,
        cycle=world.cycle,
        token=apply_job.token,
        filename="p.xlsx",
        locale="en",
        source=apply_job.source,
    )
    assert same.pk == apply_job.pk and ImportJob.objects.filter(dry_run=False).count() == 1
    assert db_state() == state
    assert AuditEntry.objects.count() - audit_before == 6  # 2 objectives, 1 alignment, 3 key results


def test_apply_job_killed_before_its_commit_applies_once_on_retry(world: World, settings: Settings) -> None:
    token = uploads.upload_store(
        membership_id=world.lead.pk,
        cycle_id=world.cycle.pk,
        data=_new_objectives_file(),
        filename="p.xlsx",
        locale="en",
    )
    dry = import_job_start(actor=world.lead, cycle=world.cycle, token=token, filename="p.xlsx", locale="en")
    assert dry.state == "done"
    settings.TASKS = DUMMY_TASKS
    job = import_job_start(actor=world.lead, cycle=world.cycle, token=token, filename="p.xlsx", locale="en", source=dry)
    # The worker took the job and died mid-transaction: the rows rolled back, the job says running.
    ImportJob.objects.filter(pk=job.pk).update(state=ImportJobState.RUNNING)
    assert not Objective.objects.filter(title="Cut cloud costs").exists()
    assert import_job_run(job_id=job.pk) == "done"
    assert import_job_run(job_id=job.pk) == "done"
    assert Objective.objects.filter(title="Cut cloud costs").count() == 1
    assert Objective.objects.filter(title="Ship the API").count() == 1


def test_apply_is_refused_when_the_plan_changed_since_the_dry_run(client: Client, world: World, plan: Plan) -> None:
    c = _client(client, world.champion)
    data = edit_xlsx(
        export_workbook(actor=world.champion, cycle=world.cycle),
        {(f"O{plan.platform.pk}-KR{plan.kr_latency.pk}", "target"): 250},
    )
    res = _upload(c, world.cycle, data)
    assert res.status_code == 200 and res.context["report"].updated == 1
    # Someone changes the key result in Ambit between the dry run and the confirmation.
    okrs.key_result_update(actor=world.champion, key_result=plan.kr_latency, target_value=280)
    before = db_state()
    res = c.post(reverse("sheets:apply", args=[world.cycle.pk]), {"token": res.context["token"]})
    assert res.status_code == 422
    report = res.context["report"]
    assert not report.applied
    assert any("changed since the dry run" in p.message for p in report.problems)
    assert db_state() == before
    assert KeyResult.objects.get(pk=plan.kr_latency.pk).target_value == 280


def test_apply_without_a_dry_run_of_that_upload_is_gone(client: Client, world: World) -> None:
    token = uploads.upload_store(
        membership_id=world.lead.pk,
        cycle_id=world.cycle.pk,
        data=_new_objectives_file(),
        filename="p.xlsx",
        locale="en",
    )
    before = db_state()
    res = _client(client, world.lead).post(reverse("sheets:apply", args=[world.cycle.pk]), {"token": token})
    assert res.status_code == 410
    assert db_state() == before and not ImportJob.objects.exists()


@pytest.mark.parametrize("who", ["outsider", "member"])
def test_someone_else_gets_404_on_the_job_pages(client: Client, world: World, who: str) -> None:
    _upload(_client(client, world.lead), world.cycle, _new_objectives_file())
    job = ImportJob.objects.get()
    other = getattr(world, who)  # another organisation's admin, or a colleague of the uploader
    c = _client(client, other)
    before = ImportJob.objects.values().get()
    assert c.get(reverse("sheets:job", args=[job.pk])).status_code == 404
    assert c.get(reverse("sheets:job-progress", args=[job.pk])).status_code == 404
    assert c.post(reverse("sheets:apply", args=[world.cycle.pk]), {"token": job.token}).status_code in (404, 410)
    assert ImportJob.objects.values().get() == before
    assert not Objective.objects.filter(title="Cut cloud costs").exists()


def test_anonymous_is_sent_to_login_from_the_job_page(client: Client, world: World) -> None:
    org_job = ImportJob.objects.create(
        organisation=world.org, membership=world.lead, cycle=world.cycle, token="x" * 32, filename="p.xlsx"
    )
    res = client.get(reverse("sheets:job", args=[org_job.pk]))
    assert res.status_code == 302 and "login" in res["Location"]


def test_a_failing_job_is_marked_failed_with_a_message(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    token = uploads.upload_store(
        membership_id=world.lead.pk,
        cycle_id=world.cycle.pk,
        data=_new_objectives_file(),
        filename="p.xlsx",
        locale="en",
    )
    job = ImportJob.objects.create(
        organisation=world.org, membership=world.lead, cycle=world.cycle, token=token, filename="p.xlsx"
    )

    def boom(**kwargs: object) -> NoReturn:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("ambit.sheets.services.import_context", boom)
    with pytest.raises(RuntimeError):
        import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.state == "failed" and job.finished_at is not None
    assert job.report is not None
    assert job.report["problems"][0]["message"] == "The import stopped unexpectedly: nothing was written."


def test_large_dry_run_is_checked_in_batches_and_writes_nothing(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from ambit.sheets import services

    monkeypatch.setattr(services, "BATCH_SECONDS", 0)  # one group of objectives per batch
    rollbacks = 0
    real = services._Executor.run

    def counting(self: services._Executor, plans: list[ObjectivePlan]) -> None:
        nonlocal rollbacks
        rollbacks += 1
        return real(self, plans)

    monkeypatch.setattr(services._Executor, "run", counting)
    rows = [
        row(team="platform", objective=f"Goal {i}", owner="lead@acme.test", kr=f"KR {i}", start=0, target=1)
        for i in range(12)
    ]
    rows.append(row(team="platform", objective="Child", owner="lead@acme.test", parent="Goal 3"))
    before = db_state()
    report = services.sheet_import(actor=world.lead, cycle=world.cycle, data=xlsx(rows), filename="b.xlsx")
    assert report.ok and report.created == 25
    assert rollbacks == 12  # "Child" is checked with "Goal 3", which it aligns to
    assert db_state() == before
    f.TeamFactory.create(organisation=world.org, slug="unused")  # the database is writable afterwards
