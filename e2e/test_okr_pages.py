"""A team lead plans in the browser: creates a team objective aligned to a company one, adds a key
result, checks in from the objective page and finds it in the alignment tree. Screenshots of the
main OKR pages, in both themes."""

from __future__ import annotations

import re

from e2e.conftest import login, shot


def test_lead_creates_aligned_objective_and_sees_it_roll_up(demo, page):
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
    assert objective.team.slug == "platform"
    assert list(objective.parents.values_list("pk", flat=True)) == [parent.pk]

    page.get_by_role("link", name="Add key result").click()
    page.locator("#id_title").fill("Deploys per week")
    page.locator("#id_kind").select_option("increase")
    page.locator("#id_start_value").fill("2")
    page.locator("#id_target_value").fill("10")
    page.get_by_role("button", name=re.compile("key result", re.I)).click()
    page.wait_for_url(re.compile(rf"/objectives/{objective.pk}/$"))
    kr = objective.key_results.get()
    assert (kr.start_value, kr.target_value) == (2, 10)

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

    page.goto(f"{base}/company/")
    node = page.locator("summary", has_text="Make deploys boring")
    if node.count() == 0:  # collapsed ancestors: open every node by keyboard-accessible <details>
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    assert page.get_by_role("link", name="Make deploys boring", exact=True).count() == 1
    shot(page, "company-tree")

    page.goto(f"{base}/teams/platform/")
    assert page.get_by_role("link", name="Make deploys boring", exact=True).count() == 1
    shot(page, "team")

    page.goto(f"{base}/strategy/")
    assert page.locator("h1").first.inner_text() == "Strategy"
    shot(page, "strategy")


def test_pages_in_the_dark_theme(demo, page):
    base = demo
    login(page, base, "admin@northwind.test")
    page.locator("[data-theme-toggle]").click()
    page.goto(f"{base}/company/")
    theme = page.evaluate("document.documentElement.dataset.theme || ''")
    assert theme == "dark"
    shot(page, "company-tree-dark")
    page.goto(f"{base}/")
    shot(page, "my-week-dark")
