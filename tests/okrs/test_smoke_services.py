import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from ambit.core.errors import Conflict
from ambit.core.models import AuditEntry
from ambit.okrs import services
from ambit.okrs.metrics import compute_metrics
from ambit.okrs.models import CheckIn, KeyResult
from ambit.okrs.selectors import objective_list
from tests.builders import World

pytestmark = pytest.mark.django_db


def test_member_creates_objective_key_result_and_checks_in(world: World) -> None:
    obj = services.objective_create(actor=world.member, cycle=world.cycle, title="Ship it", state="active")
    kr = services.key_result_create(actor=world.member, objective=obj, title="Users", start_value=0, target_value=200)
    result = services.check_in_record(actor=world.member, key_result=kr, value="50", confidence=7, note="ok")
    kr.refresh_from_db()
    assert kr.current_value is not None
    assert float(kr.current_value) == 50.0
    assert kr.current_confidence == 7
    assert result.check_in.pk
    assert AuditEntry.objects.filter(action="check_in.record", object_id=str(kr.pk)).count() == 1
    metrics = compute_metrics(organisation=world.org, objectives=objective_list(actor=world.member, cycle=world.cycle))
    assert metrics.kr(kr).progress == pytest.approx(0.25)
    assert metrics.objective(obj).progress == pytest.approx(0.25)


def test_viewer_cannot_write_and_outsider_gets_404(world: World) -> None:
    obj = services.objective_create(actor=world.member, cycle=world.cycle, title="Ship it", state="active")
    with pytest.raises(PermissionDenied):
        services.objective_update(actor=world.viewer, objective=obj, title="x")
    with pytest.raises(Http404):
        services.objective_update(actor=world.outsider, objective=obj, title="x")
    obj.refresh_from_db()
    assert obj.title == "Ship it"


def test_alignment_cycle_refused(world: World) -> None:
    a = services.objective_create(actor=world.champion, cycle=world.cycle, title="A", team=world.company)
    b = services.objective_create(actor=world.champion, cycle=world.cycle, title="B", team=world.team, parents=[(a, 1)])
    with pytest.raises(Conflict):
        services.alignment_add(actor=world.champion, child=a, parent=b)


def test_bulk_check_in_is_all_or_nothing(world: World) -> None:
    obj = services.objective_create(actor=world.member, cycle=world.cycle, title="O", state="active")
    k1 = services.key_result_create(actor=world.member, objective=obj, title="A", start_value=0, target_value=10)
    k2 = services.key_result_create(actor=world.member, objective=obj, title="B", start_value=0, target_value=10)
    with pytest.raises(ValidationError) as exc:
        services.check_in_many(
            actor=world.member,
            entries=[services.CheckInEntry(key_result=k1, value=3), services.CheckInEntry(key_result=k2, value="abc")],
        )
    assert f"{k2.pk}.value" in exc.value.message_dict
    assert CheckIn.objects.count() == 0
    assert KeyResult.objects.get(pk=k1.pk).current_value is None
