"""Week-one paths in a real browser (issue 12, items 10-14): the stand-alone check-in page, copying
an invitation link, refusals shown as pages, a lead creating an objective with its key results
from My week, a newcomer's empty My week, and the company tree's drafts and link labels."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from e2e.conftest import (
    DEMO_PASSWORD,
    check_accessibility,
    close_checking_csp,
    login,
    serve_axe,
    shot,
    watch_csp,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

    from ambit.accounts.models import Membership
    from ambit.okrs.models import Cycle


def _membership(email: str) -> Membership:
    from ambit.accounts.models import Membership

    return Membership.objects.select_related("organisation", "user").get(
        user__email=email, organisation__slug="northwind"
    )


def _current_cycle() -> Cycle:
    from ambit.okrs.selectors import cycle_current

    cycle = cycle_current(actor=_membership("admin@northwind.test"))
    assert cycle is not None
    return cycle


def test_the_stand_alone_check_in_page_saves(demo: str, page: Page) -> None:
    from ambit.okrs.models import KeyResult

    base = demo
    member = _membership("member@northwind.test")
    kr = (
        KeyResult.objects.filter(owner=member, kind="increase", objective__state="active", progress_from_children=False)
        .order_by("pk")
        .first()
    )
    assert kr is not None
    login(page, base, "member@northwind.test")
    page.goto(f"{base}/key-results/{kr.pk}/check-in/")
    value = page.locator(f"#kr-{kr.pk}-value")
    value.fill(str(kr.target_value))
    shot(page, "check-in-stand-alone")
    page.get_by_role("button", name="Save check-in").click()
    page.wait_for_url(f"{base}/")
    page.locator("text=Checked in 1 key result").first.wait_for()
    kr.refresh_from_db()
    assert kr.current_value == kr.target_value


def test_an_admin_copies_an_invitation_link_built_from_the_address_in_use(demo: str, page: Page) -> None:
    base = demo
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    login(page, base, "admin@northwind.test")
    page.goto(f"{base}/accounts/members/")
    page.get_by_role("textbox", name="Email address").fill("new.hire@northwind.test")
    page.get_by_role("button", name="Create invitation").click()
    link = page.locator("#invite-link")
    link.wait_for()
    url = link.input_value()
    assert url.startswith(f"{base}/accounts/invitations/accept/"), url
    page.get_by_role("button", name="Copy link").click()
    status = page.locator('[data-copy-status="invite-link"]')
    status.filter(has_text=re.compile("Copied|Selected")).wait_for()
    if "Copied" in status.inner_text():
        assert page.evaluate("navigator.clipboard.readText()") == url
    shot(page, "invitation-link-copied")


def test_with_approval_required_the_owner_sees_no_activate_and_a_refusal_is_a_page(demo: str, browser: Browser) -> None:
    # Its own context: the refusal answers a POST, which the audited ``page`` fixture would reopen
    # with a GET afterwards; the refusal page is checked with axe-core here instead.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    violations = watch_csp(context)
    serve_axe(context)
    page = context.new_page()
    try:
        _approval_journey(demo, page)
    finally:
        close_checking_csp(context, violations)


def _approval_journey(base: str, page: Page) -> None:
    from ambit.accounts.services import organisation_update
    from ambit.okrs import services

    member = _membership("member@northwind.test")
    draft = services.objective_create(actor=member, cycle=_current_cycle(), title="Mentor two new joiners")
    login(page, base, "member@northwind.test")
    page.goto(f"{base}/objectives/{draft.pk}/")
    activate = page.get_by_role("button", name="Activate", exact=True)
    assert activate.count() == 1
    # An admin turns approval on while the page is open: the stale button is refused, and the
    # refusal is a page in the site layout with the service's reason.
    organisation_update(actor=_membership("admin@northwind.test"), approval_required=True)
    activate.click()
    page.locator("h1", has_text="You can't do that here").wait_for()
    assert "Approval is required: your lead or a champion activates your objective." in page.inner_text("main")
    assert page.locator("header.topbar").count() == 1
    check_accessibility(page)
    shot(page, "refusal-403")
    page.goto(f"{base}/objectives/{draft.pk}/")
    assert page.get_by_role("button", name="Activate", exact=True).count() == 0
    assert page.get_by_role("button", name="Propose", exact=True).count() == 1
    page.goto(f"{base}/objectives/999999999/")
    page.locator("h1", has_text="Not found").wait_for()
    check_accessibility(page)
    shot(page, "not-found-404")


def test_a_lead_creates_an_objective_with_key_results_from_my_week(demo: str, page: Page) -> None:
    from ambit.okrs.models import Objective

    base = demo
    login(page, base, "lead@northwind.test")
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link", name="Cycles").count() == 1
    page.get_by_role("link", name="New objective").click()
    page.wait_for_url(re.compile(r"/objectives/new/\?cycle=\d+$"))
    page.get_by_label("Title").fill("Make on-call calm")
    page.get_by_label("Team").select_option(label="Platform")
    page.locator("#id_kr-0-title").fill("Pages per week")
    page.locator("#id_kr-0-kind").select_option("decrease")
    page.locator("#id_kr-0-start_value").fill("30")
    page.locator("#id_kr-0-target_value").fill("5")
    page.locator("#id_kr-1-title").fill("Runbook for every alert")
    page.locator("#id_kr-1-kind").select_option("binary")
    shot(page, "objective-form-with-key-results")
    page.get_by_role("button", name="Create objective").click()
    page.wait_for_url(re.compile(r"/objectives/\d+/$"))
    objective = Objective.objects.get(title="Make on-call calm")
    assert sorted(objective.key_results.values_list("title", flat=True)) == [
        "Pages per week",
        "Runbook for every alert",
    ]
    page.locator("text=created with 2 key results").first.wait_for()
    page.get_by_role("link", name="Cycles").first.click()
    page.wait_for_url(f"{base}/cycles/")
    shot(page, "cycles")


def test_a_newcomer_lands_on_a_next_step(demo: str, page: Page) -> None:
    from ambit.accounts.models import Membership, Role, User

    base = demo
    org = _membership("admin@northwind.test").organisation
    user = User.objects.create_user(email="newcomer@northwind.test", password=DEMO_PASSWORD, full_name="Nia Newcomer")
    Membership.objects.create(user=user, organisation=org, role=Role.MEMBER)
    login(page, base, "newcomer@northwind.test")
    empty = page.locator('[data-empty-state="first-objective"]')
    empty.wait_for()
    assert "Ask your lead" in empty.inner_text()
    shot(page, "my-week-newcomer")
    empty.get_by_role("link", name="Create your first objective").click()
    page.wait_for_url(re.compile(r"/objectives/new/"))


def test_the_company_tree_marks_drafts_and_labels_links(demo: str, page: Page) -> None:
    from ambit.okrs import services
    from ambit.okrs.models import Objective

    base = demo
    champion = _membership("champion@northwind.test")
    root = Objective.objects.filter(organisation=champion.organisation, level="company", state="active").first()
    assert root is not None
    services.objective_create(
        actor=champion, cycle=root.cycle, title="Draft: open a second office", parents=[(root, 1.0)]
    )
    login(page, base, "champion@northwind.test")
    page.goto(f"{base}/company/?cycle={root.cycle_id}")
    summary = page.locator("details.tree-fold > summary").filter(has_text=re.compile(rf" of {re.escape(root.title)}$"))
    summary.first.wait_for()
    if summary.first.locator("xpath=..").get_attribute("open") is None:
        summary.first.click()
    node = page.locator("li.tree-node.is-pending").filter(has_text="Draft: open a second office").first
    node.wait_for()
    assert node.locator(".badge.state-draft").first.inner_text() == "Draft"
    assert node.locator(".badge-link").first.inner_text() == "aligned"
    shot(page, "company-tree-draft-and-links")


def test_an_htmx_action_that_is_refused_shows_the_reason_in_place(demo: str, page: Page) -> None:
    from ambit.okrs import services
    from ambit.okrs.models import KeyResult, Objective

    base = demo
    member = _membership("member@northwind.test")
    champion = _membership("champion@northwind.test")
    objective = services.objective_create(actor=member, cycle=_current_cycle(), title="Write the on-call guide")
    kr = services.key_result_create(
        actor=member, objective=objective, title="Guide pages written", start_value=0, target_value=10
    )
    login(page, base, "member@northwind.test")
    page.goto(f"{base}/objectives/{objective.pk}/")
    open_check_in = page.get_by_role("link", name="Check in on Guide pages written")
    open_check_in.wait_for()
    # The page's own HTMX loads (comments) are done: SQLite's shared in-memory database would
    # otherwise refuse the write below while the live server reads the same table.
    page.wait_for_load_state("networkidle")
    # Someone hands the objective over while the page is open: the inline check-in is refused.
    Objective.objects.filter(pk=objective.pk).update(owner=champion)
    KeyResult.objects.filter(pk=kr.pk).update(owner=champion)
    open_check_in.click()
    page.locator("main h1", has_text="You can't do that here").wait_for()
    assert "Only the key result's owner" in page.inner_text("main")
    assert page.locator("header.topbar").count() == 1  # the page around it stays
    check_accessibility(page)
    shot(page, "refusal-in-place-htmx")
