"""A key result's daily readings kept between writes (``okrs.history.kept_daily``): equal to the
full pass over every check-in, and after a check-in only the newer rows are read, so a check-in's
answer (its forecast) costs the same with 3 or 3,000 check-ins behind it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from ambit.okrs import services
from ambit.okrs.engine import daily_readings
from ambit.okrs.engine.daily import DailyState
from ambit.okrs.history import _KeptDaily, compact_history, kept_daily
from ambit.okrs.metrics import _forecast_points
from ambit.okrs.models import KeyResult
from tests.api.conftest import ApiClient, token_for
from tests.builders import World, backdate, key_results_for
from tests.querycount import count_queries

pytestmark = pytest.mark.django_db


def _fresh(kr: KeyResult) -> KeyResult:
    return KeyResult.objects.get(pk=kr.pk)


def test_an_api_check_in_reads_only_the_new_check_ins_for_its_forecast(world: World) -> None:
    (kr,) = key_results_for(world.member, world.cycle, world.admin, 1, prefix="Busy")
    backdate(kr)
    now = timezone.now()
    for i in range(30):
        services.check_in_record(actor=world.member, key_result=kr, value=i, at=now - dt.timedelta(hours=30 - i))
    client = ApiClient(token_for(world.member))
    assert client.post(f"key-results/{kr.pk}/check-ins", {"value": 40, "confidence": 7}).status_code == 201
    with count_queries() as queries:
        response = client.post(f"key-results/{kr.pk}/check-ins", {"value": 41, "confidence": 7})
    assert response.status_code == 201
    assert response.json()["key_result"]["checkin_count"] == 32
    history_reads = [sql for sql in queries.statements if 'FROM "okrs_checkin"' in sql and "SELECT" in sql]
    assert len(history_reads) == 1 and '"okrs_checkin"."id" >' in history_reads[0], history_reads


START = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
END = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)


def _daily(kr: KeyResult, basis: object = "value") -> list[tuple[dt.datetime, float]]:
    return kept_daily(
        kr,
        basis=basis,
        readings=lambda rows: _forecast_points(kr, rows),
        cycle_start=START,
        cycle_end=END,
    )


def _full(kr: KeyResult) -> list[tuple[dt.datetime, float]]:
    points = _forecast_points(kr, compact_history([kr.pk]).get(kr.pk, []))
    return daily_readings(points, cycle_start=START, cycle_end=END)


def _history_reads(statements: list[str]) -> list[str]:
    return [sql for sql in statements if 'FROM "okrs_checkin"' in sql and "SELECT" in sql]


def test_kept_daily_is_the_full_pass_and_reads_only_what_is_new(world: World) -> None:
    (kr,) = key_results_for(world.member, world.cycle, world.admin, 1, prefix="Kept daily")
    backdate(kr)
    now = timezone.now()
    for i in range(30):
        services.check_in_record(actor=world.member, key_result=kr, value=i, at=now - dt.timedelta(hours=7 * (30 - i)))
    with count_queries() as first:
        built = _daily(_fresh(kr))
    assert built == _full(kr) and len(built) > 5
    assert '"okrs_checkin"."id" >' not in _history_reads(first.statements)[0]  # all of them, once
    loaded = _fresh(kr)
    with count_queries() as again:
        assert _daily(loaded) == built
    assert len(again) == 0  # nothing new: the cache answers

    # A late entry, a correction of a day's last reading and one of an earlier reading of its day.
    rows = compact_history([kr.pk])[kr.pk]
    day = [r.created_at.astimezone(dt.UTC).date() for r in rows]
    i = next(i for i in range(1, len(rows) - 1) if day[i - 1] == day[i] != day[i + 1])
    last_of_a_day, earlier_that_day = rows[i], rows[i - 1]
    services.check_in_record(actor=world.member, key_result=kr, value=100, at=now - dt.timedelta(days=3, hours=1))
    services.check_in_record(
        actor=world.member, key_result=kr, value=200, corrects=kr.checkins.get(pk=last_of_a_day.pk)
    )
    services.check_in_record(
        actor=world.member, key_result=kr, value=300, corrects=kr.checkins.get(pk=earlier_that_day.pk)
    )
    loaded = _fresh(kr)
    with count_queries() as queries:
        daily = _daily(loaded)
    assert daily == _full(kr) != built
    (read,) = _history_reads(queries.statements)
    assert '"okrs_checkin"."id" >' in read and "JOIN" in read  # the new ones, with what they correct
    assert len(queries) == 1


def test_a_back_dated_correction_of_a_corrected_check_in_keeps_the_later_correction(world: World) -> None:
    (kr,) = key_results_for(world.member, world.cycle, world.admin, 1, prefix="Twice corrected")
    backdate(kr)
    now = timezone.now()
    first = services.check_in_record(
        actor=world.member, key_result=kr, value=10, at=now - dt.timedelta(days=10)
    ).check_in
    services.check_in_record(actor=world.member, key_result=kr, value=20, at=now - dt.timedelta(days=2))
    assert len(_daily(_fresh(kr))) == 2
    services.check_in_record(actor=world.member, key_result=kr, value=30, corrects=first, at=now - dt.timedelta(days=1))
    assert [v for _, v in _daily(_fresh(kr))] == [30.0, 20.0]
    # Written last, dated before the correction above: the day keeps 30, as in the full pass.
    services.check_in_record(actor=world.member, key_result=kr, value=40, corrects=first, at=now - dt.timedelta(days=5))
    assert [v for _, v in _daily(_fresh(kr))] == [30.0, 20.0] == [v for _, v in _full(kr)]


def test_kept_daily_starts_again_on_another_basis_or_a_stale_copy(world: World) -> None:
    (kr,) = key_results_for(world.member, world.cycle, world.admin, 1, prefix="Basis")
    services.check_in_record(actor=world.member, key_result=kr, value=5)
    old = _fresh(kr)  # loaded with one check-in
    services.check_in_record(actor=world.member, key_result=kr, value=6)
    assert _daily(_fresh(kr)) == _full(kr)
    with count_queries() as queries:
        assert _daily(old) == _full(kr)  # the cache holds more than the copy knows: read in full
    assert '"okrs_checkin"."id" >' not in _history_reads(queries.statements)[0]
    with count_queries() as queries:
        assert _daily(_fresh(kr), basis="another cycle") == _full(kr)
    assert '"okrs_checkin"."id" >' not in _history_reads(queries.statements)[0]


def test_a_check_in_committed_late_with_a_lower_id_is_not_missed(world: World) -> None:
    (kr,) = key_results_for(world.member, world.cycle, world.admin, 1, prefix="Late commit")
    backdate(kr)
    now = timezone.now()
    for days, value in ((6, 1), (4, 2), (2, 3)):
        services.check_in_record(actor=world.member, key_result=kr, value=value, at=now - dt.timedelta(days=days))
    first, _late, newest = compact_history([kr.pk])[kr.pk]
    # Kept by a writer that saw the newest check-in but not ``_late`` (another writer's, committed after).
    state = DailyState.build(_forecast_points(kr, [first, newest]), cycle_start=START, cycle_end=END)
    key = f"kr-daily:{kr.pk}:{kr.created_at.timestamp()}"
    cache.set(key, _KeptDaily("value", 2, newest.pk, state))
    assert _daily(_fresh(kr)) == _full(kr) and len(_full(kr)) == 3
