"""Fixtures every dashboard test shares."""

from __future__ import annotations

import pytest

from tests.builders import DashboardScenario, World, build_dashboard_scenario


@pytest.fixture
def scenario(world: World) -> DashboardScenario:
    return build_dashboard_scenario(world)
