"""The fixtures every folder shares, built by ``tests/builders.py``: the personas' ``world`` (admin,
champion, lead, member, viewer — and an outsider from another organisation — so permission tests
are one-liners) and the OKR data sets on top of it."""

from __future__ import annotations

import pytest

from tests.builders import OkrData, Plan, Tree, World, build_okr_data, build_plan, build_tree, build_world


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
