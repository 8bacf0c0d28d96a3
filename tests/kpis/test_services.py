"""KPI services: who may create, change and read; readings and their bands; the alert once; a
linked key result's check-ins becoming readings; every write audited; other organisations 404."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from ambit.core.errors import Conflict
from ambit.core.models import AuditAction, AuditEntry
from ambit.kpis import services, sync
from ambit.kpis.models import Kpi, KpiLink, KpiReading
from ambit.notify.models import Kind, Notification
from ambit.okrs import services as okrs
from tests.builders import OkrData, World

pytestmark = pytest.mark.django_db


def _churn(world: World, **extra: object) -> Kpi:
    fields: dict[str, object] = {
        "name": "Churn",
        "team": world.team,
        "owner": world.member,
        "unit": "%",
        "direction": "lower",
        "healthy_threshold": 3,
        "critical_threshold": 5,
    }
    fields.update(extra)
    return services.kpi_create(actor=world.lead, **fields)  # type: ignore[arg-type]


def _actions(kpi: Kpi) -> list[str]:
    return list(
        AuditEntry.objects.filter(object_type="kpis.kpi", object_id=str(kpi.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )


def test_a_lead_creates_a_team_kpi_audited(world: World) -> None:
    kpi = _churn(world)
    kpi.refresh_from_db()
    assert (kpi.team_id, kpi.owner_id, kpi.direction, kpi.healthy_threshold) == (
        world.team.pk,
        world.member.pk,
        "lower",
        Decimal(3),
    )
    assert kpi.current_band == "" and kpi.current_value is None
    assert _actions(kpi) == [AuditAction.KPI_CREATE]


def test_company_kpis_are_for_champions_and_admins(world: World) -> None:
    for actor in (world.lead, world.member):
        with pytest.raises(PermissionDenied, match="champions and admins"):
            services.kpi_create(actor=actor, name="Revenue", healthy_threshold=10, critical_threshold=5)
    with pytest.raises(PermissionDenied, match="Viewers"):
        services.kpi_create(actor=world.viewer, name="Revenue", healthy_threshold=10, critical_threshold=5)
    with pytest.raises(PermissionDenied):  # a member cannot make their team's KPI either
        services.kpi_create(
            actor=world.member, name="Uptime", team=world.team, healthy_threshold=1, critical_threshold=0
        )
    kpi = services.kpi_create(actor=world.champion, name="Revenue", healthy_threshold=10, critical_threshold=5)
    assert kpi.team_id is None and kpi.owner_id == world.champion.pk
    assert not Kpi.objects.filter(name="Uptime").exists()


def test_another_organisations_team_kpi_or_owner_is_404(world: World) -> None:
    with pytest.raises(Http404):
        services.kpi_create(actor=world.outsider, name="X", team=world.team, healthy_threshold=1, critical_threshold=0)
    with pytest.raises(Http404):
        services.kpi_create(
            actor=world.admin, name="X", owner=world.outsider, healthy_threshold=1, critical_threshold=0
        )
    kpi = _churn(world)
    with pytest.raises(Http404):
        services.kpi_record_reading(actor=world.outsider, kpi=kpi, value=1)
    with pytest.raises(Http404):
        services.kpi_update(world.outsider, kpi, name="Mine")
    assert not KpiReading.objects.exists()


def test_bad_input_names_the_field_and_writes_nothing(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        _churn(world, healthy_threshold=6)
    assert "at most the critical" in exc.value.message_dict["critical_threshold"][0]
    with pytest.raises(ValidationError) as exc:
        _churn(world, healthy_threshold="lots")
    assert "not a number" in exc.value.message_dict["healthy_threshold"][0]
    with pytest.raises(ValidationError) as exc:
        _churn(world, name="  ")
    assert "name" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        _churn(world, cadence="daily")
    assert "weekly, monthly" in exc.value.message_dict["cadence"][0]
    assert not Kpi.objects.exists() and not AuditEntry.objects.filter(action=AuditAction.KPI_CREATE).exists()


def test_update_saves_only_what_changed_and_rebands(world: World) -> None:
    kpi = _churn(world)
    services.kpi_record_reading(actor=world.member, kpi=kpi, value=4)
    assert kpi.current_band == "watch"
    services.kpi_update(world.lead, kpi, critical_threshold=4, name="Churn")  # name unchanged
    kpi.refresh_from_db()
    assert (kpi.critical_threshold, kpi.current_band) == (Decimal(4), "critical")
    entry = AuditEntry.objects.filter(action=AuditAction.KPI_UPDATE).get()
    assert set(entry.changes) == {"critical_threshold", "current_band"}
    assert entry.changes["current_band"] == ["watch", "critical"]
    # Nothing changed: no audit entry.
    services.kpi_update(world.lead, kpi, name="Churn")
    assert AuditEntry.objects.filter(action=AuditAction.KPI_UPDATE).count() == 1
    with pytest.raises(PermissionDenied):
        services.kpi_update(world.member, kpi, name="Mine")  # the owner records, not edits
    with pytest.raises(PermissionDenied):  # the lead cannot move it to a team they do not lead
        services.kpi_update(world.lead, kpi, team=world.other_team)
    with pytest.raises(ValidationError):
        services.kpi_update(world.lead, kpi, archived_at=None)


def test_readings_band_and_who_may_record(world: World) -> None:
    kpi = _churn(world)
    r1 = services.kpi_record_reading(actor=world.member, kpi=kpi, value="2.5", note="Good month")
    assert (r1.band, kpi.current_value, kpi.current_band) == ("healthy", Decimal("2.5"), "healthy")
    services.kpi_record_reading(actor=world.lead, kpi=kpi, value=6)
    kpi.refresh_from_db()
    assert (kpi.current_value, kpi.current_band) == (Decimal(6), "critical")
    with pytest.raises(PermissionDenied, match="Viewers"):
        services.kpi_record_reading(actor=world.viewer, kpi=kpi, value=1)
    other = services.kpi_create(actor=world.champion, name="NPS", healthy_threshold=50, critical_threshold=20)
    with pytest.raises(PermissionDenied, match="owner"):
        services.kpi_record_reading(actor=world.member, kpi=other, value=40)
    with pytest.raises(ValidationError) as exc:
        services.kpi_record_reading(actor=world.member, kpi=kpi, value="")
    assert "value" in exc.value.message_dict
    assert KpiReading.objects.filter(kpi=kpi).count() == 2
    assert _actions(kpi).count(AuditAction.KPI_READING) == 2


def test_leaving_healthy_alerts_the_owner_and_the_teams_leads_once(world: World) -> None:
    kpi = _churn(world)
    services.kpi_record_reading(actor=world.member, kpi=kpi, value=2)  # healthy: no alert
    assert not Notification.objects.filter(kind=Kind.KPI_ALERT).exists()
    watch = services.kpi_record_reading(actor=world.member, kpi=kpi, value=4)
    alerts = Notification.objects.filter(kind=Kind.KPI_ALERT).all  # a fresh query each time
    assert sorted(alerts().values_list("recipient_id", flat=True)) == sorted([world.member.pk, world.lead.pk])
    assert {n.key for n in alerts()} == {f"kpi:{kpi.pk}:reading:{watch.pk}"}
    first = alerts().first()
    assert first is not None and "Churn is watch: 4 %" in first.title and first.url == f"/kpis/{kpi.pk}/"
    services.kpi_record_reading(actor=world.member, kpi=kpi, value="4.5")  # still watch: no new alert
    assert alerts().count() == 2
    services.kpi_record_reading(actor=world.member, kpi=kpi, value=7)  # watch → critical: alert
    assert alerts().count() == 4
    services.kpi_record_reading(actor=world.member, kpi=kpi, value=4)  # better: none
    assert alerts().count() == 4


def test_archived_kpis_take_nothing_and_leave_the_list(world: World, okr_data: OkrData) -> None:
    kpi = _churn(world)
    services.kpi_link(actor=world.lead, kpi=kpi, key_result=okr_data.kr)
    services.kpi_archive(actor=world.lead, kpi=kpi)
    assert kpi.archived_at is not None and not KpiLink.objects.exists()
    with pytest.raises(Conflict, match="archived"):
        services.kpi_record_reading(actor=world.lead, kpi=kpi, value=1)
    with pytest.raises(Conflict, match="archived"):
        services.kpi_archive(actor=world.lead, kpi=kpi)
    assert AuditAction.KPI_DELETE in _actions(kpi)


def test_a_linked_key_results_check_ins_become_readings_once(world: World, okr_data: OkrData) -> None:
    kr = okr_data.kr  # "Weekly users", owned by the member, checked in once before the link
    kpi = services.kpi_create(
        actor=world.lead,
        name="Weekly users",
        team=world.team,
        owner=world.member,
        healthy_threshold=100,
        critical_threshold=40,
    )
    link = services.kpi_link(actor=world.lead, kpi=kpi, key_result=kr)
    assert sync.sync_linked_check_ins() == 0  # the check-in before the link is not a reading
    okrs.check_in_record(actor=world.member, key_result=kr, value=120, confidence=7, note="Launch week")
    okrs.check_in_record(actor=world.member, key_result=kr, value=30, confidence=5)
    assert sync.sync_linked_check_ins() == 2
    assert sync.sync_linked_check_ins() == 0  # once
    readings = list(KpiReading.objects.filter(kpi=kpi).order_by("pk"))
    assert [(r.value, r.band, r.author_id) for r in readings] == [
        (Decimal(120), "healthy", world.member.pk),
        (Decimal(30), "critical", world.member.pk),
    ]
    assert readings[0].check_in_id is not None and "Launch week" in readings[0].note
    kpi.refresh_from_db()
    assert (kpi.current_value, kpi.current_band) == (Decimal(30), "critical")
    assert Notification.objects.filter(kind=Kind.KPI_ALERT, key=f"kpi:{kpi.pk}:reading:{readings[1].pk}").count() == 2
    link.refresh_from_db()
    assert link.cursor == readings[1].check_in_id
    # Unlinked: later check-ins stay with the key result.
    services.kpi_unlink(actor=world.lead, link=link)
    okrs.check_in_record(actor=world.member, key_result=kr, value=90, confidence=6)
    assert sync.sync_linked_check_ins() == 0
    assert KpiReading.objects.filter(kpi=kpi).count() == 2


def test_linking_rules(world: World, okr_data: OkrData) -> None:
    kpi = _churn(world)
    with pytest.raises(ValidationError, match="number"):
        services.kpi_link(actor=world.lead, kpi=kpi, key_result=okr_data.milestone_kr)
    with pytest.raises(PermissionDenied):
        services.kpi_link(actor=world.member, kpi=kpi, key_result=okr_data.kr)
    services.kpi_link(actor=world.lead, kpi=kpi, key_result=okr_data.kr)
    other = _churn(world, name="Churn (B2B)")
    with pytest.raises(Conflict, match="already feeds"):
        services.kpi_link(actor=world.lead, kpi=other, key_result=okr_data.kr)
    with pytest.raises(Http404):
        services.kpi_link(actor=world.outsider, kpi=kpi, key_result=okr_data.kr)
    assert KpiLink.objects.count() == 1


def test_the_scheduler_runs_the_sync(world: World, okr_data: OkrData) -> None:
    from django.utils import timezone

    from ambit.notify.scheduler import PRODUCERS, run_due

    assert sync.PRODUCER in PRODUCERS
    kpi = _churn(world, name="Weekly users", direction="higher", healthy_threshold=100, critical_threshold=40)
    services.kpi_link(actor=world.lead, kpi=kpi, key_result=okr_data.kr)
    okrs.check_in_record(actor=world.member, key_result=okr_data.kr, value=77, confidence=7)
    run_due(timezone.now())
    kpi.refresh_from_db()
    assert (kpi.current_value, kpi.current_band) == (Decimal(77), "watch")


def test_a_team_with_kpis_cannot_be_deleted(world: World) -> None:
    from ambit.accounts import services as accounts

    kpi = services.kpi_create(
        actor=world.champion, name="Pipeline", team=world.other_team, healthy_threshold=10, critical_threshold=5
    )
    with pytest.raises(Conflict, match="still has KPIs: move them"):
        accounts.team_delete(actor=world.admin, team=world.other_team)
    assert Kpi.objects.filter(pk=kpi.pk, team=world.other_team).exists()
    services.kpi_update(world.champion, kpi, team=world.team)
    accounts.team_delete(actor=world.admin, team=world.other_team)
    assert not type(world.other_team).objects.filter(pk=world.other_team.pk).exists()
