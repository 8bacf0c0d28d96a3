"""A team lead plans in the browser: creates a team objective aligned to a company one, adds a key
result, checks in from the objective page and finds it in the alignment tree. Screenshots of the
main OKR pages, in both themes."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING

from e2e.conftest import login, shot

if TYPE_CHECKING:
    from playwright.sync_api import Page


def test_lead_creates_aligned_objective_and_sees_it_roll_up(demo: str, page: Page) -> None:
    from ambit.okrs.models import Objective

    base = demo
    login(page, base, "lead@northwind.test")
    parent = Objective.objects.filter(organisation__slug="northwind", level="department", state="active").first()
    assert parent is not None

    page.goto(f"{base}/objectives/new/?parent={parent.pk}")
    page.get_by_label("Title").fill("Make deploys boring")
    page.get_by_label("Team").select_option(label="Platform")
    page.get_by_label("Start as").select_option("active")
    page.get_by_role("button", name="Create objective").click()
    page.wait_for_url(re.compile(r"/objectives/\d+/$"))
    objective = Objective.objects.get(title="Make deploys boring")
    assert objective.team is not None and objective.team.slug == "platform"
    assert list(objective.parents.values_list("pk", flat=True)) == [parent.pk]

    page.get_by_role("link", name="Add key result").click()
    page.locator("#id_title").fill("Deploys per week")
    page.locator("#id_kind").select_option("increase")
    page.locator("#id_start_value").fill("2")
    page.locator("#id_target_value").fill("10")
    page.get_by_role("button", name=re.compile("key result", re.I)).click()
    page.wait_for_url(re.compile(rf"/objectives/{objective.pk}/$"))
    kr = objective.key_results.get()
    assert (kr.start_value, kr.target_value) == (Decimal(2), Decimal(10))

    # Quick check-in from the objective page (HTMX swaps the row in place).
    page.get_by_role("link", name="Check in on Deploys per week").click()
    value = page.locator(f"#kr-{kr.pk}-slot input[name$='value']").first
    value.wait_for()
    value.fill("6")
    value.press("Enter")
    page.locator("text=Checked in.").first.wait_for()
    kr.refresh_from_db()
    assert kr.current_value == 6
    page.reload()
    assert page.locator("svg").count() >= 2  # the per-KR chart and the objective chart
    assert "50%" in page.locator("main").inner_text()  # (6 - 2) / (10 - 2)
    shot(page, "objective")

    # The company tree shows its roots; each level below loads when its node is opened.
    page.goto(f"{base}/company/")
    chain = [parent]
    while chain[0].parents.exists() or chain[0].source_key_result_id:
        up = chain[0].parents.first()
        if up is None:
            source = chain[0].source_key_result
            assert source is not None
            up = source.objective
        chain.insert(0, up)
    for ancestor in chain:
        # The fold's <summary> names its objective (for screen readers) instead of holding its link.
        summary = page.locator("details.tree-fold > summary").filter(
            has_text=re.compile(rf" of {re.escape(ancestor.title)}$")
        )
        summary.first.wait_for()
        summary.first.focus()
        page.keyboard.press("Enter")  # <details> opens from the keyboard; HTMX fetches its children
    link = page.get_by_role("link", name="Make deploys boring", exact=True)
    link.wait_for()
    assert link.count() == 1
    shot(page, "company-tree")

    page.goto(f"{base}/teams/platform/")
    assert page.get_by_role("link", name="Make deploys boring", exact=True).count() == 1
    shot(page, "team")

    page.goto(f"{base}/strategy/")
    assert page.locator("h1").first.inner_text() == "Strategy"
    shot(page, "strategy")


def test_pages_in_the_dark_theme(demo: str, page: Page) -> None:
    base = demo
    login(page, base, "admin@northwind.test")
    page.locator("[data-theme-toggle]").click()
    page.goto(f"{base}/company/")
    theme = page.evaluate("document.documentElement.dataset.theme || ''")
    assert theme == "dark"
    shot(page, "company-tree-dark")
    page.goto(f"{base}/")
    shot(page, "my-week-dark")


def test_champion_reads_the_dashboard_pages_the_at_risk_list_and_looks_back(demo: str, page: Page) -> None:
    import datetime as dt

    from django.core.cache import cache
    from django.utils import timezone

    from ambit.accounts.models import Membership
    from ambit.okrs import services
    from ambit.okrs.selectors import cycle_current

    cache.clear()  # the live server shares this process's cache; ids repeat between seeded tests
    champion = Membership.objects.select_related("organisation", "user").get(
        user__email="champion@northwind.test", organisation__slug="northwind"
    )
    cycle = cycle_current(actor=champion)
    assert cycle is not None
    # Enough key results behind the pace that the at-risk list needs a second page. They are
    # planned from the cycle's start, so today they are judged against the whole cycle's pace.
    spare = services.objective_create(
        actor=champion, cycle=cycle, title="Catch up on everything", team=None, owner=champion, state="active"
    )
    for i in range(22):
        kr = services.key_result_create(
            actor=champion,
            objective=spare,
            title=f"Overdue item {i:02d}",
            start_value=0,
            target_value=1000,
            plan_start=cycle.start_date,
        )
        services.check_in_record(actor=champion, key_result=kr, value=0, confidence=3)

    base = demo
    login(page, base, "champion@northwind.test")
    page.get_by_role("link", name="Dashboard", exact=True).click()
    page.wait_for_url(f"{base}/dashboard/")
    assert page.locator("h1").inner_text() == "Dashboard"

    # The heat map: departments with their teams, each a named link with its percentage.
    heatmap = page.locator(".heatmap")
    assert heatmap.locator("a.heat-cell").count() >= 4
    platform = page.get_by_role("link", name=re.compile(r"^Platform \d+%"))
    assert platform.count() == 1 and "expected" in (platform.inner_text() + (platform.text_content() or ""))
    assert re.search(r"\d+%", page.locator("#stat-progress").inner_text())
    shot(page, "dashboard")

    # Page the at-risk list: "Show more" appends the next rows in place.
    at_risk = page.locator("#at_risk-rows")
    assert at_risk.locator("th[scope=row]").count() == 20
    page.get_by_role("link", name="Show more at-risk key results").click()
    # A locator wait, not wait_for_function: Playwright polls a string predicate with eval, which
    # the Content-Security-Policy blocks (and the fixture reports as a violation).
    at_risk.locator("th[scope=row]").nth(20).wait_for(state="attached")
    more = re.search(r"of (\d+)", at_risk.locator(".more-row").inner_text())
    assert more is not None
    total = int(more.group(1))
    assert at_risk.locator("th[scope=row]").count() == min(total, 40)
    # Focus moves to the first new row once HTMX has settled the swap (a locator wait, as above).
    at_risk.locator("tr:focus-within").first.wait_for()
    focused = page.evaluate("document.activeElement.closest('tr') && document.activeElement.textContent")
    assert focused  # focus moved to the first new row

    # Look back: the date field shows every section as it stood that day.
    day = timezone.localdate() - dt.timedelta(days=14)
    page.get_by_label("As of").fill(day.isoformat())
    page.get_by_role("button", name="Show", exact=True).click()
    page.wait_for_url(re.compile(rf"as_of={day.isoformat()}"))
    assert "as it stood at the end of" in page.locator("main").inner_text()
    assert "Overdue item" not in page.locator("main").inner_text()  # they did not exist yet
    shot(page, "dashboard-as-of")

    # The browser refuses a future day before the server has to (which answers 400 with a message).
    page.get_by_label("As of").fill("2999-01-01")
    assert page.get_by_label("As of").evaluate("el => el.validity.rangeOverflow")

    page.get_by_role("link", name="Back to today").click()
    page.wait_for_url(re.compile(r"/dashboard/\?cycle=\d+$"))
    page.locator("[data-theme-toggle]").click()
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    shot(page, "dashboard-dark")
