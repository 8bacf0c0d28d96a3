"""A key result's history kept between writes (``okrs.history.kept_history``): the same rows as a
full read, oldest first, and after a check-in only the newer rows are read, so a check-in's answer
(its forecast) costs the same with 3 or 300 check-ins behind it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from ambit.okrs import services
from ambit.okrs.history import compact_history, kept_history
from ambit.okrs.models import KeyResult
from tests.api.conftest import ApiClient, token_for
from tests.builders import World, backdate, key_results_for
from tests.querycount import count_queries

pytestmark = pytest.mark.django_db


def _fresh(kr: KeyResult) -> KeyResult:
    return KeyResult.objects.get(pk=kr.pk)


def test_kept_history_is_the_full_history_and_reads_only_what_is_new(world: World) -> None:
    (kr,) = key_results_for(world.member, world.cycle, world.admin, 1, prefix="Kept")
    backdate(kr)
    now = timezone.now()
    for days, value in ((20, 10), (10, 30)):
        services.check_in_record(actor=world.member, key_result=kr, value=value, at=now - dt.timedelta(days=days))
    first = kept_history(_fresh(kr))
    assert first == compact_history([kr.pk])[kr.pk] and [r.value for r in first] == [Decimal(10), Decimal(30)]
    with count_queries() as again:
        assert kept_history(_fresh(kr)) == first
    assert len(again) == 1  # the key result itself; the history came from the cache

    # A check-in dated between the two (a late entry) and a new one: read alone, put in place.
    services.check_in_record(actor=world.member, key_result=kr, value=20, at=now - dt.timedelta(days=15))
    services.check_in_record(actor=world.member, key_result=kr, value=40)
    loaded = _fresh(kr)
    with count_queries() as queries:
        rows = kept_history(loaded)
    assert [r.value for r in rows] == [Decimal(10), Decimal(20), Decimal(30), Decimal(40)]
    assert rows == compact_history([kr.pk])[kr.pk]
    (read,) = queries.statements
    assert '"okrs_checkin"."id" >' in read  # only the check-ins after the last one kept


def test_a_stale_copy_of_the_key_result_never_shortens_the_kept_history(world: World) -> None:
    (kr,) = key_results_for(world.member, world.cycle, world.admin, 1, prefix="Stale copy")
    services.check_in_record(actor=world.member, key_result=kr, value=5)
    old = _fresh(kr)  # loaded with one check-in
    services.check_in_record(actor=world.member, key_result=kr, value=6)
    assert len(kept_history(_fresh(kr))) == 2
    assert len(kept_history(old)) == 2  # the cache holds more than the copy knows: read in full
    assert len(kept_history(_fresh(kr))) == 2


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
