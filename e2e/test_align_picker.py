"""A team lead aligns an objective with the parent picker: a search that loads matches as they
type (HTMX), and the same search as a plain form to the align page with JavaScript off."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from e2e.conftest import login, shot

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

    from ambit.okrs.models import Objective


def _unaligned_platform_objective(title: str) -> tuple[Objective, Objective]:
    from ambit.accounts.models import Membership
    from ambit.okrs import services
    from ambit.okrs.models import Objective
    from ambit.okrs.selectors import cycle_current

    lead = Membership.objects.select_related("organisation", "user").get(
        user__email="lead@northwind.test", organisation__slug="northwind"
    )
    cycle = cycle_current(actor=lead)
    assert cycle is not None
    team = lead.team_links.get(team__slug="platform").team
    child = services.objective_create(actor=lead, cycle=cycle, title=title, team=team, state="active")
    parent = (
        Objective.objects.filter(organisation=lead.organisation, cycle=cycle, level="department", state="active")
        .exclude(pk=child.pk)
        .order_by("title")
        .first()
    )
    assert parent is not None
    return child, parent


def test_lead_aligns_an_objective_by_searching_as_they_type(demo: str, page: Page) -> None:
    child, parent = _unaligned_platform_objective("Make on-call quiet")
    base = demo
    login(page, base, "lead@northwind.test")
    page.goto(f"{base}/objectives/{child.pk}/")
    assert page.locator("select[name=parent]").count() == 0

    search = page.get_by_label("Find an objective to align to")
    word = max(re.findall(r"[A-Za-z]{4,}", parent.title), key=len)
    search.press_sequentially(word[:5].lower(), delay=40)
    button = page.get_by_role("button", name=f"Align to {parent.title}", exact=True)
    button.wait_for()
    assert page.url == f"{base}/objectives/{child.pk}/"  # the list came in place, no navigation
    assert page.locator("#align-status").inner_text().startswith(("1 match", "2 matches", "3 matches", "The first"))
    shot(page, "align-picker")

    button.click()
    page.wait_for_url(f"{base}/objectives/{child.pk}/")
    page.locator("text=Aligned to").first.wait_for()
    assert list(child.parents.values_list("pk", flat=True)) == [parent.pk]
    supports = page.locator("section[aria-labelledby=align-h]")
    assert supports.get_by_role("link", name=parent.title, exact=True).count() == 1


def test_align_picker_works_with_javascript_off(demo: str, browser: Browser) -> None:
    child, parent = _unaligned_platform_objective("Retire the old queue")
    base = demo
    context = browser.new_context(viewport={"width": 1280, "height": 900}, java_script_enabled=False)
    page = context.new_page()
    try:
        login(page, base, "lead@northwind.test")
        page.goto(f"{base}/objectives/{child.pk}/")
        page.get_by_label("Find an objective to align to").fill(parent.title)
        page.get_by_role("button", name="Search", exact=True).click()
        page.wait_for_url(re.compile(rf"/objectives/{child.pk}/align/\?q="))
        shot(page, "align-page-without-javascript")
        page.get_by_label("Weight").fill("0.5")
        page.get_by_role("button", name=f"Align to {parent.title}", exact=True).click()
        page.wait_for_url(f"{base}/objectives/{child.pk}/")
        link = child.parent_links.get()
        assert (link.parent_id, link.weight) == (parent.pk, 0.5)
    finally:
        context.close()
