"""Fixtures every dashboard test shares."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache

from tests.builders import DashboardScenario, World, build_dashboard_scenario


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    # The summary lives in the process-wide cache; ids repeat across rolled-back tests.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def scenario(world: World) -> DashboardScenario:
    return build_dashboard_scenario(world)
