"""My week and the check-in page cost the same number of queries for 1 key result or 30."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from ambit.okrs import services
from tests.builders import World, key_results_for
from tests.querycount import Queries, assert_queries, count_queries

pytestmark = pytest.mark.django_db


def _count(client: Client, url: str) -> Queries:
    client.get(url)  # warm the session and the per-process caches the first request fills
    cache.clear()  # the page drawn afresh, as the first view after a write is (core.page_cache)
    with count_queries() as queries:
        response = client.get(url)
    assert response.status_code == 200
    return queries


@pytest.mark.parametrize("name", ["front:home", "front:checkin"])
def test_query_count_is_the_same_for_1_and_30_key_results(client: Client, world: World, name: str) -> None:
    url = reverse(name)
    (first,) = key_results_for(world.member, world.cycle, world.admin, 1)
    services.check_in_record(actor=world.member, key_result=first, value=5)
    client.force_login(world.member.user)
    one = _count(client, url + "?all=1")
    more = key_results_for(world.member, world.cycle, world.admin, 29, prefix="More")
    for kr in more[::2]:
        services.check_in_record(actor=world.member, key_result=kr, value=10)
    with assert_queries(one, label=f"{name} with 30 key results against 1"):
        response = client.get(url + "?all=1")
    html = response.content.decode()
    assert more[-1].title in html
    assert html.count('class="progress') >= 30
