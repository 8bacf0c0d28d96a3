"""The fixtures every folder shares, built by ``tests/builders.py``: the personas' ``world`` (admin,
champion, lead, member, viewer — and an outsider from another organisation — so permission tests
are one-liners) and the OKR data sets on top of it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache

from tests.builders import OkrData, Plan, Tree, World, build_okr_data, build_plan, build_tree, build_world


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    # Cached pages, the dashboard's summary and rate-limit counters live in the process-wide
    # cache, and ids repeat across rolled-back tests: each test starts with none.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(db: None) -> World:
    return build_world()


@pytest.fixture
def tree(world: World) -> Tree:
    """The web pages' tree: company → Platform → member objectives (see ``builders.build_tree``)."""
    return build_tree(world)


@pytest.fixture
def okr_data(world: World) -> OkrData:
    """One object of every kind the API serves (see ``builders.build_okr_data``)."""
    return build_okr_data(world)


@pytest.fixture
def plan(world: World) -> Plan:
    """A cycle planned for the sheets (see ``builders.build_plan``)."""
    return build_plan(world)
