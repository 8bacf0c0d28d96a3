"""The end of a quarter on the demo, lived through in the browser with the clock moved past the
quarter's last day (issue 17's check): the champion starts the review, the member accepts one
suggested score and overrides another (refused until a note says why), the lead writes the team's
reflection and an objective's, the champion rolls two unfinished objectives into the next quarter,
deletes an objective by mistake and restores it from the trash with its check-ins, closes the cycle
from its checklist, downloads the PDF report (rendered to PNG pages with poppler's pdftoppm) and
walks the all-hands slides by keyboard.

The demo is seeded a week before the end of a fixed quarter (Q1 2031), so the journey reads the
same whatever day it runs. What the other owners and leads do (score their key results, write
their reflections) is done through the same services, as they would from their own browsers.
Screenshots go to e2e/screenshots/close-quarter-*.png; CSP and axe-core are checked on every page by
the audited contexts.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from e2e.conftest import SCREENSHOTS, check_accessibility, login, shot

if TYPE_CHECKING:
    import time_machine
    from playwright.sync_api import Page
    from pytest_django.live_server_helper import LiveServer

    from ambit.okrs.models import Cycle

pytestmark = pytest.mark.e2e

SEEDED = dt.datetime(2031, 3, 24, 9, 0, tzinfo=dt.UTC)  # a Monday, one week before Q1 2031 ends
AFTER = dt.datetime(2031, 4, 1, 9, 0, tzinfo=dt.UTC)  # the quarter is over
MEMBER = "member@northwind.test"  # Aisha Khan, Platform
LEAD = "lead@northwind.test"  # Jonas Weber, Platform's lead
CHAMPION = "champion@northwind.test"
OVERRIDE_NOTE = "The last release landed after the quarter ended"
LESSON = "Ship the smallest useful slice first"


@pytest.fixture
def quarter(transactional_db: None, live_server: LiveServer) -> Iterator[tuple[str, time_machine.Traveller]]:
    """The demo, seeded a week before the quarter's end, with the clock running from there."""
    import time_machine
    from django.core.cache import cache
    from django.core.management import call_command

    with time_machine.travel(SEEDED, tick=True) as traveller:
        call_command("seed_demo", verbosity=0)
        cache.clear()
        yield live_server.url, traveller


def _cycle(name: str) -> Cycle:
    from ambit.okrs.models import Cycle

    return Cycle.objects.get(organisation__slug="northwind", name=name)


def _member(email: str):  # type: ignore[no-untyped-def]
    from ambit.accounts.models import Membership

    return Membership.objects.select_related("user", "organisation").get(
        user__email=email, organisation__slug="northwind"
    )


def _switch(page: Page, base: str, email: str) -> None:
    page.context.clear_cookies()
    login(page, base, email)


def _others_score(cycle: Cycle) -> None:
    """Every owner scores what is still unscored at the suggestion, as they would on their page."""
    from ambit.closeout.selectors import counted_key_results
    from ambit.okrs import services
    from ambit.okrs.metrics_one import key_result_metrics

    for kr in counted_key_results(cycle).filter(score__isnull=True).select_related("owner", "objective"):
        metrics = key_result_metrics(organisation=kr.owner.organisation, key_result=kr, with_forecast=False)
        services.key_result_score(actor=kr.owner, key_result=kr, score=metrics.suggested_score)


def _others_reflect(cycle: Cycle) -> None:
    """The champion writes what is still missing of the reflections, team by team."""
    from ambit.okrs.models import Objective, ObjectiveState
    from ambit.retros import services
    from ambit.retros.models import ObjectiveReflection, TeamReflection

    champion = _member(CHAMPION)
    answers = {
        "achieved": "Mostly.",
        "aligned": "Yes, with the company's first objective.",
        "dependencies": "One was missed: the data team's schema.",
        "unexpected": "A hiring freeze in February.",
    }
    live = Objective.objects.filter(cycle=cycle).exclude(state=ObjectiveState.CANCELLED).select_related("team")
    done = set(ObjectiveReflection.objects.values_list("objective_id", flat=True))
    for objective in live:
        if objective.pk not in done:
            services.objective_reflection_save(actor=champion, objective=objective, **answers)
    teams_done = set(TeamReflection.objects.filter(cycle=cycle).values_list("team_id", flat=True))
    for team in {o.team for o in live if o.team is not None}:
        if team.pk not in teams_done:
            services.team_reflection_save(actor=champion, cycle=cycle, team=team, **answers)


def test_the_quarter_is_scored_reflected_rolled_over_closed_reported_and_presented(
    quarter: tuple[str, time_machine.Traveller], page: Page
) -> None:
    from playwright.sync_api import expect

    from ambit.closeout.selectors import close_checklist
    from ambit.notify.models import Kind, Notification
    from ambit.okrs.models import CheckIn, KeyResult, Objective

    base, traveller = quarter
    q1, q2 = _cycle("Q1 2031"), _cycle("Q2 2031")
    traveller.move_to(AFTER)

    # 1. The champion starts the end-of-quarter review from the cycles list.
    login(page, base, CHAMPION)
    page.goto(f"{base}/cycles/")
    page.get_by_role("link", name="End of quarter for Q1 2031").click()
    page.get_by_role("button", name="Start the review").click()
    page.get_by_text("Q1 2031 is in review").wait_for()
    assert _cycle("Q1 2031").state == "review"
    aisha = _member(MEMBER)
    reminder = Notification.objects.get(recipient=aisha, kind=Kind.SCORING_REMINDER)
    assert reminder.url == f"/cycles/{q1.pk}/scoring/"
    shot(page, "close-quarter-1-review-started")

    # 2. The member accepts one suggestion and overrides another, which needs a note.
    _switch(page, base, MEMBER)
    page.goto(base + reminder.url)
    mine = list(
        KeyResult.objects.filter(objective__cycle=q1, owner=aisha, state="active", score__isnull=True).order_by(
            "objective_id", "position", "id"
        )
    )
    assert len(mine) >= 2, "the demo gives Aisha at least two key results in the quarter"
    first, second = mine[0], mine[1]
    row = page.locator(f"#score-kr-{first.pk}")
    row.get_by_role("button", name=re.compile(r"^Accept ")).click()
    page.locator(f"#score-kr-{first.pk} [data-score]").filter(has_text=re.compile(r"\d")).wait_for()
    first.refresh_from_db()
    assert first.score is not None and first.score_note == ""

    row = page.locator(f"#score-kr-{second.pk}")
    suggested = float(row.locator(".score-facts dd").first.inner_text())
    far = 1.0 if suggested <= 0.5 else 0.0
    row.locator("summary").click()
    row.get_by_label("Your score (0.0–1.0)").fill(str(far))
    row.get_by_role("button", name=re.compile(r"^Save score")).click()
    page.get_by_text("add a note saying why").wait_for()
    check_accessibility(page)
    row = page.locator(f"#score-kr-{second.pk}")
    row.get_by_label("Note").fill(OVERRIDE_NOTE)
    row.get_by_role("button", name=re.compile(r"^Save score")).click()
    page.locator(f"#score-kr-{second.pk}").get_by_text(OVERRIDE_NOTE).wait_for()
    second.refresh_from_db()
    assert (second.score, second.score_note) == (far, OVERRIDE_NOTE)
    shot(page, "close-quarter-2-scoring")

    # 3. The lead writes Platform's reflection and one of its objectives'.
    _switch(page, base, LEAD)
    page.goto(f"{base}/cycles/{q1.pk}/retrospective/")
    platform = page.locator("section, article").filter(has=page.get_by_role("heading", name="Platform", exact=True))
    platform.first.locator("summary").first.click()
    form = platform.first.locator("form").first
    for label, text in [
        ("Did we achieve our goals?", "Two of three."),
        ("Were they well aligned?", "Yes."),
        ("Did we capture all dependencies?", "Not the data team's schema."),
        ("What changed unexpectedly, and why?", "A hiring freeze."),
        ("Lessons learned", LESSON),
    ]:
        form.get_by_label(label).fill(text)
    form.get_by_role("button", name=re.compile("Save")).click()
    page.get_by_text(LESSON).first.wait_for()
    shot(page, "close-quarter-3-retrospective")
    objective = Objective.objects.filter(cycle=q1, team__slug="platform").order_by("pk").first()
    assert objective is not None
    page.goto(f"{base}/objectives/{objective.pk}/reflection/")
    for label, text in [
        ("Did we achieve our goals?", "Partly: the latency target was met, the uptime one was not."),
        ("Were they well aligned?", "Yes, with reliability."),
        ("Did we capture all dependencies?", "No."),
        ("What changed unexpectedly, and why?", "The incident in March took two weeks."),
    ]:
        page.get_by_label(label).first.fill(text)
    page.get_by_role("button", name="Save the reflection").first.click()
    page.get_by_text("Partly: the latency target was met").first.wait_for()

    # The other owners score and the champion completes the reflections.
    _others_score(q1)
    _others_reflect(q1)

    # 4. The champion rolls two unfinished objectives into Q2 2031.
    _switch(page, base, CHAMPION)
    page.goto(f"{base}/cycles/{q1.pk}/rollover/")
    boxes = page.locator("input[name=objective]:not([disabled])")
    assert boxes.count() >= 2
    picked = [int(boxes.nth(i).get_attribute("value") or 0) for i in range(2)]
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.get_by_role("button", name="Roll over the selected objectives into Q2 2031").click()
    page.get_by_text("Rolled over").first.wait_for()
    copies = Objective.objects.filter(cycle=q2, rolled_over_from_id__in=picked)
    assert sorted(c.rolled_over_from_id or 0 for c in copies) == sorted(picked)
    shot(page, "close-quarter-4-rollover")
    page.goto(f"{base}/objectives/{copies[0].pk}/")
    page.get_by_text("Rolled over from").wait_for()

    # 5. An objective deleted by mistake comes back from the trash with its check-ins.
    victim = (
        Objective.objects.filter(cycle=q1, key_results__checkins__isnull=False)
        .exclude(pk__in=picked)
        .order_by("pk")
        .first()
    )
    assert victim is not None
    check_ins = CheckIn.objects.filter(key_result__objective=victim).count()
    assert check_ins > 0
    page.goto(f"{base}/objectives/{victim.pk}/")
    page.get_by_role("link", name="Delete…").click()
    page.get_by_role("button", name="Move it to the trash").click()
    page.get_by_text("restore it within 30 days").first.wait_for()
    assert not Objective.objects.filter(pk=victim.pk).exists()
    page.goto(f"{base}/trash/")
    shot(page, "close-quarter-5-trash")
    page.locator("li, tr, article").filter(has_text=victim.title).get_by_role("button", name="Restore").first.click()
    page.get_by_text(f"“{victim.title}” is back").wait_for()
    assert CheckIn.objects.filter(key_result__objective_id=victim.pk).count() == check_ins
    page.goto(f"{base}/objectives/{victim.pk}/")
    page.get_by_role("heading", name=victim.title).first.wait_for()

    # 6. The checklist is done: the champion closes the cycle and everyone is told.
    assert close_checklist(_cycle("Q1 2031")).ready
    page.goto(f"{base}/cycles/{q1.pk}/close/")
    shot(page, "close-quarter-6-checklist")
    page.get_by_role("button", name="Close the cycle").click()
    page.get_by_text("Q1 2031 is closed").first.wait_for()
    assert _cycle("Q1 2031").state == "closed"
    told = Notification.objects.filter(kind=Kind.CYCLE_CLOSED, organisation__slug="northwind")
    assert told.filter(recipient=aisha).exists()

    # 7. The cycle report, downloaded as PDF and rendered to pages.
    page.goto(f"{base}/cycles/{q1.pk}/report/")
    shot(page, "close-quarter-7-report")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Download PDF")).click()
    pdf = SCREENSHOTS / "close-quarter-report.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes()[:5] == b"%PDF-"
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm, "poppler-utils is missing: make test installs it"
    for old in SCREENSHOTS.glob("close-quarter-report-*.png"):
        old.unlink()
    subprocess.run(
        [pdftoppm, "-png", "-r", "60", "-f", "1", "-l", "2", str(pdf), str(SCREENSHOTS / "close-quarter-report")],
        check=True,
    )
    pages = sorted(Path(SCREENSHOTS).glob("close-quarter-report-*.png"))
    assert pages and all(p.stat().st_size > 5_000 for p in pages), pages
    pdf.unlink()

    # 8. The all-hands slides, walked by keyboard: the last one holds the scores.
    page.goto(f"{base}/cycles/{q1.pk}/present/")
    counter = page.locator("[data-deck-counter]")
    total = int(counter.inner_text().split("/")[1])
    assert total >= 5
    page.keyboard.press("ArrowRight")
    expect(counter).to_have_text(re.compile(r"^2 /"))
    assert page.url.endswith("#slide-2")
    page.keyboard.press("End")
    expect(counter).to_have_text(re.compile(rf"^{total} /"))
    last = page.locator(f"#slide-{total}")
    assert "Score" in last.inner_text() or "score" in last.inner_text()
    shot(page, "close-quarter-8-slides")
    page.keyboard.press("Home")
    expect(counter).to_have_text(re.compile(r"^1 /"))
