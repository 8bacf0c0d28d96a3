"""``core.build_once``: one caller builds, the others wait for its result."""

from __future__ import annotations

import threading
import time

import pytest
from django.core.cache import cache

from ambit.core import build_once as module
from ambit.core.build_once import build_once


@pytest.fixture(autouse=True)
def _clean() -> None:
    cache.clear()


def test_a_kept_value_is_not_built_again() -> None:
    calls: list[str] = []

    def build() -> str:
        calls.append("built")
        return f"built {len(calls)}"

    assert build_once("k", build, 60) == "built 1"
    assert build_once("k", build, 60) == "built 1"
    assert calls == ["built"]
    assert cache.get("k:building") is None  # the lock is let go


def test_while_another_builds_it_the_caller_waits_for_its_result(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(module, "POLL_SECONDS", 0.01)
    assert cache.add("k:building", 1, 60)  # someone else is building it

    def finish() -> None:
        time.sleep(0.1)
        cache.set("k", "theirs", 60)
        cache.delete("k:building")

    other = threading.Thread(target=finish)
    other.start()

    def refuse() -> str:
        raise AssertionError("built twice")

    assert build_once("k", refuse, 60) == "theirs"
    other.join()


def test_a_builder_that_died_leaves_the_caller_to_build_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(module, "POLL_SECONDS", 0.01)
    assert cache.add("k:building", 1, 60)
    threading.Timer(0.05, lambda: cache.delete("k:building")).start()  # it stopped without keeping anything
    assert build_once("k", lambda: "mine", 60) == "mine"
    assert cache.get("k") == "mine" and cache.get("k:building") is None


def test_the_wait_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(module, "POLL_SECONDS", 0.01)
    assert cache.add("k:building", 1, 60)  # a builder that hangs: after the wait, the caller builds
    assert build_once("k", lambda: "mine", 60, wait=0.1) == "mine"
    assert cache.get("k:building") == 1  # not ours to let go
