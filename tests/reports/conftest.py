"""The report tests' scene (``helpers.build_scene``) with reflections stubbed at the retros
contract's edge, so their sheet and section hold known text."""

from __future__ import annotations

import pytest
from django.utils import timezone

from ambit.retros.selectors import QUESTIONS, Reflection
from tests.builders import World
from tests.reports.helpers import LESSON, Scene, build_scene


def reflections(world: World, scene: Scene) -> list[Reflection]:
    now = timezone.now()
    answers = {key: "" for key, _q in QUESTIONS}
    return [
        Reflection("Platform", None, world.team.pk, "Platform", {**answers, "lessons": LESSON}, "Lead", now),
        Reflection(
            "Private growth plan", scene.private_obj.pk, None, "", {**answers, "achieved": "Secret"}, "Member", now
        ),
        Reflection(
            scene.platform_obj.title,
            scene.platform_obj.pk,
            world.team.pk,
            "Platform",
            {**answers, "achieved": "Half of it."},
            "Lead",
            now,
            ["depends on Close bigger deals (Sales)"],
        ),
    ]


@pytest.fixture
def scene(world: World, monkeypatch: pytest.MonkeyPatch) -> Scene:
    built = build_scene(world)
    written = reflections(world, built)
    monkeypatch.setattr(
        "ambit.reports.data.reflections_for_report",
        lambda cycle, team_ids=None: [r for r in written if team_ids is None or r.team_id in team_ids],
    )
    return built


@pytest.fixture
def no_pdf_library(monkeypatch: pytest.MonkeyPatch) -> None:
    """WeasyPrint as on a server without pango: it cannot load."""
    monkeypatch.setattr("ambit.reports.pdf._weasyprint", lambda: (None, "cannot load library 'libpango-1.0-0'"))
