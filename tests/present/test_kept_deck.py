"""The deck is kept between writes, per set of objectives a viewer may see; after a write it is
computed again (at once when quick; by the worker when slow, the room keeping the one it has)."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from ambit.dashboards.tasks import refresh_dashboard
from ambit.okrs import services as okrs
from ambit.okrs.selectors import visibility_q
from ambit.present import services, slides
from tests.builders import World
from tests.present.helpers import build_scene

pytestmark = pytest.mark.django_db


def _headline(html: str) -> str:
    found = re.search(r"<strong>(\d+%)</strong> across the company and department objectives", html)
    assert found is not None
    return found.group(1)


def test_a_write_shows_in_the_next_view(client: Client, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    scene = build_scene(world)
    client.force_login(world.champion.user)
    url = reverse("present:slides", args=[scene.cycle.pk])
    before = _headline(client.get(url).content.decode())
    calls: list[int] = []
    real = slides.build_deck

    def counted(*args: Any, **kwargs: Any) -> slides.Deck:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(slides, "build_deck", counted)
    assert _headline(client.get(url).content.decode()) == before and calls == []  # kept
    okrs.check_in_record(actor=world.champion, key_result=scene.deploys, value=10, confidence=9)
    after = _headline(client.get(url).content.decode())
    assert after != before and calls == [1]


def test_what_is_kept_holds_only_the_wins_a_slide_shows(client: Client, world: World) -> None:
    scene = build_scene(world)
    deck = slides.deck_for(world.champion, scene.cycle)
    full = slides.build_deck(scene.cycle, visible=visibility_q(world.champion))
    assert deck.wins.key_results_met == full.wins.key_results_met[: slides.WINS_PER_LIST]
    assert deck.wins_shown == full.wins_shown


def test_a_slow_deck_is_refreshed_by_the_worker_and_the_link_too(client: Client, world: World) -> None:
    scene = build_scene(world)
    token = services.presentation_link_create(actor=world.champion, cycle=scene.cycle, days=3).token
    public_url = reverse("present:public", kwargs={"token": token})
    client.force_login(world.champion.user)
    url = reverse("present:slides", args=[scene.cycle.pk])
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        first = client.get(url).context["deck"]
        public = Client().get(public_url).context["deck"]
        for deck in (first, public):  # as in a large organisation
            cache.set(deck.cache_key, dataclasses.replace(deck, compute_seconds=5.0), 3600)
        okrs.check_in_record(actor=world.champion, key_result=scene.deploys, value=10, confidence=9)
        response = client.get(url)
        assert response.context["deck"].behind and "data-summary-behind" in response.content.decode()
        assert Client().get(public_url).context["deck"].behind
        tasks = list(DBTaskResult.objects.filter(task_path="ambit.dashboards.tasks.refresh_dashboard"))
        assert sorted(t.args_kwargs["args"][1] for t in tasks) == ["deck", "deck-public"]
        for task in tasks:
            assert refresh_dashboard.call(*task.args_kwargs["args"]) is True
        again = client.get(url).context["deck"]
        assert not again.behind and _headline(client.get(url).content.decode()) != _headline(response.content.decode())
        assert not Client().get(public_url).context["deck"].behind
