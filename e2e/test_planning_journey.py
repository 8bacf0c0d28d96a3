"""Issue 15's acceptance journey in a real browser, from nothing to a published quarter.

A champion signs up with no organisation, walks the set-up wizard (approval on, two departments),
imports 50 people from a CSV (dry run, then apply: 50 invitations), creates the first cycle in
planning; a team lead and a member from the file accept their invitations; the champion drafts a
company objective from a template; the lead drafts a team objective aligned to it and proposes
it; the member writes an individual objective whose key result is a task, sees the quality check
flag it as they type, rewrites it as a measure, and proposes; the lead approves the member, the
council sends the lead's objective back with a comment, the lead fixes it and proposes again; the
champion runs the quarterly meeting with the keyboard (J/K, A, N) and publishes; the scheduler's
tick puts the announcement in everybody's inbox.

Every browser context is audited (e2e/conftest.py): no CSP violation, and axe-core on every page
each person saw, at desktop and phone size. Screenshots go to e2e/screenshots/journey-*.png; the
member's steps are also taken at 390 px.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from e2e.conftest import DESKTOP, PHONE, audited_context, check_accessibility, login, shot

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page
    from pytest_django.live_server_helper import LiveServer

    from ambit.accounts.models import Membership
    from ambit.okrs.models import Cycle, Objective

pytestmark = pytest.mark.e2e

PEOPLE_CSV = Path(__file__).parent / "data" / "people-50.csv"
CHAMPION_EMAIL = "jordan.founder@initech.test"
CHAMPION_PASSWORD = "journey-champion-42"
LEAD_EMAIL = "peter@initech.test"  # "Peter Platform": lead of Engineering / Platform in the file
SPONSOR_EMAIL = "bill@initech.test"  # "Bill Engineering": a champion in the file, made a sponsor here
MEMBER_EMAIL = "ada@initech.test"  # "Ada Platform": member of Engineering / Platform, managed by Peter
PEOPLE_PASSWORD = "journey-people-42"
TASK_KR = "Launch the new onboarding flow"
MEASURED_KR = "Raise onboarding completion from 40% to 70%"
LEAD_OBJECTIVE = "Make the platform a joy to build on"
MEMBER_OBJECTIVE = "New engineers productive in their first week"
SEND_BACK_COMMENT = "Add a key result the customers would notice, not only engineers"


def _shot(page: Page, name: str, *, phone: bool = False) -> None:
    """journey-<name>.png at desktop size, and journey-<name>-phone.png at 390 px if asked
    (checking the page does not scroll sideways there)."""
    shot(page, f"journey-{name}")
    if phone:
        page.set_viewport_size(PHONE)
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px at 390 px"
        shot(page, f"journey-{name}-phone")
        page.set_viewport_size(DESKTOP)


def _membership(email: str) -> Membership:
    from ambit.accounts.models import Membership

    return Membership.objects.select_related("organisation", "user").get(user__email=email, is_active=True)


def _objective(title: str) -> Objective:
    from ambit.okrs.models import Objective

    return Objective.objects.get(title=title)


def _invitation_link(email: str) -> str:
    """The accept link from the invitation email the live server sent (Django's locmem outbox)."""
    from django.core import mail

    bodies = [str(m.body) for m in mail.outbox if m.to == [email]]
    assert len(bodies) == 1, f"{len(bodies)} invitation emails to {email}"
    found = re.search(r"https?://\S+/accounts/invitations/accept/\S+/", bodies[0])
    assert found is not None, bodies[0]
    return found.group(0)


# --- 1. The champion sets the organisation up ------------------------------------------------


def _set_up_the_organisation(page: Page, base: str) -> Cycle:
    from django.core import mail

    from ambit.accounts.models import Invitation, Organisation, Team, User
    from ambit.okrs.models import Cycle

    User.objects.create_user(email=CHAMPION_EMAIL, password=CHAMPION_PASSWORD, full_name="Jordan Founder")
    login(page, base, CHAMPION_EMAIL, CHAMPION_PASSWORD)
    page.get_by_role("heading", name="You're not in an organisation yet").wait_for()
    _shot(page, "01-no-organisation")
    page.get_by_role("link", name="Set up your organisation").click()
    page.wait_for_url(f"{base}/setup/")

    # Step 1: name, time zone, fiscal year.
    page.get_by_label("Organisation name").fill("Initech")
    page.get_by_label("Time zone").select_option("Europe/Berlin")
    page.get_by_label("Fiscal year starts in").select_option(label="April")
    _shot(page, "02-wizard-organisation")
    page.get_by_role("button", name="Create organisation").click()
    page.wait_for_url(f"{base}/setup/step/2/")
    org = Organisation.objects.get(name="Initech")
    assert (org.time_zone, org.fiscal_year_start_month) == ("Europe/Berlin", 4)
    assert _membership(CHAMPION_EMAIL).role == "admin"

    # Step 2: cadence, with approval on.
    page.get_by_label("Cycle cadence").select_option("quarterly")
    approval = page.get_by_label("OKRs need approval")
    approval.check()
    _shot(page, "03-wizard-cadence")
    page.get_by_role("button", name="Next").click()
    page.wait_for_url(f"{base}/setup/step/3/")
    org.refresh_from_db()
    assert org.approval_required and org.cycle_cadence == "quarterly"

    # Step 3: levels (company, department, team and individual OKRs).
    for level in ("Company", "Department", "Team", "Individual"):
        box = page.get_by_label(level, exact=True)
        if box.count():
            box.check()
    _shot(page, "04-wizard-levels")
    page.get_by_role("button", name="Next").click()
    page.wait_for_url(f"{base}/setup/step/4/")

    # Step 4: two departments under the company.
    page.get_by_label("Departments or teams, one per line").fill("Engineering\nSales")
    page.get_by_role("button", name="Next").click()
    page.wait_for_url(f"{base}/setup/step/5/")
    page.locator(".messages").get_by_text("3 teams created.").wait_for()  # the company team, and the two
    assert set(Team.objects.filter(organisation=org, parent__kind="company").values_list("name", flat=True)) == {
        "Engineering",
        "Sales",
    }

    # Step 5: people, from the 50-person spreadsheet on the import page.
    _shot(page, "05-wizard-people")
    page.get_by_role("link", name="import a spreadsheet of people and teams").click()
    page.wait_for_url(f"{base}/settings/people/import/")
    page.get_by_label("People file (.csv or .xlsx)").set_input_files(str(PEOPLE_CSV))
    page.get_by_role("button", name="Check the file").click()
    report = page.locator("#people-report")
    report.get_by_role("heading", name=re.compile("^Dry run")).wait_for()
    assert page.locator("#people-rows tbody tr").count() == 50
    assert report.locator("[data-count=invite]").inner_text() == "50 to invite"
    assert report.locator("[data-count=error]").inner_text() == "0 with errors"
    assert Invitation.objects.filter(organisation=org).count() == 0  # a dry run writes nothing
    _shot(page, "06-import-dry-run")
    mail.outbox.clear()
    page.get_by_role("button", name="Apply the import").click()
    report.get_by_role("heading", name=re.compile("^Imported")).wait_for()
    _shot(page, "07-import-applied")
    assert Invitation.objects.filter(organisation=org, accepted_at__isnull=True).count() == 50
    assert len({m.to[0] for m in mail.outbox}) == 50
    # The file's team paths became the tree; the wizard's Engineering and Sales were reused.
    assert Team.objects.filter(organisation=org, name="Engineering").count() == 1
    assert Team.objects.filter(organisation=org, name="Platform", parent__name="Engineering").exists()

    # Back to the wizard: step 5 done, step 6 creates the first cycle, in planning.
    page.goto(f"{base}/setup/step/5/")
    page.get_by_role("button", name="Next").click()
    page.wait_for_url(f"{base}/setup/step/6/")
    radios = page.get_by_role("radio")
    assert radios.count() == 3  # the current quarter, the next one, "Not now"
    radios.nth(1).check()  # plan the next quarter
    _shot(page, "08-wizard-first-cycle")
    page.get_by_role("button", name="Finish").click()
    page.wait_for_url(f"{base}/setup/done/")
    _shot(page, "09-wizard-done")
    org.refresh_from_db()
    assert org.setup_completed_at is not None
    cycle = Cycle.objects.get(organisation=org, kind="quarter")  # inside its fiscal year's annual cycle
    assert cycle.state == "planning" and cycle.start_date > dt.date.today()
    return cycle


# --- 2. The lead and the member accept their invitations --------------------------------------


def _accept(page: Page, base: str, email: str, name: str, shot_name: str) -> None:
    page.goto(_invitation_link(email))
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Choose a password").fill(PEOPLE_PASSWORD)
    page.get_by_label("Repeat the password").fill(PEOPLE_PASSWORD)
    _shot(page, shot_name, phone=email == MEMBER_EMAIL)
    page.get_by_role("button", name="Create my account and join").click()
    page.wait_for_url(f"{base}/")
    page.get_by_text("Welcome to Initech!").wait_for()


# --- 3. The champion drafts a company objective from a template --------------------------------

TEMPLATE_TITLE = "Grow with discipline and reach sustainable profitability"


def _company_objective_from_a_template(page: Page, base: str, cycle: Cycle) -> Objective:
    from ambit.accounts.models import Team

    company = Team.objects.get(organisation=cycle.organisation, kind="company")
    page.goto(f"{base}/planning/")
    page.get_by_role("heading", name=f"Planning {cycle.name}").wait_for()
    page.get_by_role("link", name="OKR template").click()
    page.wait_for_url(re.compile(r"/okr-templates/\?cycle="))
    page.get_by_label("Search", exact=True).fill("profitability")
    card = page.locator(".template-card", has_text=TEMPLATE_TITLE)
    card.wait_for()
    _shot(page, "12-templates")
    card.get_by_role("link", name=re.compile("^Use template")).click()
    page.wait_for_url(re.compile(r"/objectives/new/\?"))
    assert page.get_by_label("Title").first.input_value() == TEMPLATE_TITLE
    assert page.locator("#id_kr-0-title").input_value() == "Annual recurring revenue"
    assert page.get_by_label("Cycle").input_value() == str(cycle.pk)
    page.get_by_label("Team").select_option(str(company.pk))
    page.get_by_label("Start as").select_option("draft")
    _shot(page, "13-template-filled")
    page.get_by_role("button", name="Create objective").click()
    page.wait_for_url(re.compile(r"/objectives/\d+/$"))
    objective = _objective(TEMPLATE_TITLE)
    assert (objective.state, objective.team_id, objective.cycle_id) == ("draft", company.pk, cycle.pk)
    assert objective.key_results.count() == 4
    _shot(page, "14-company-draft")
    return objective


# --- 4. The lead drafts the team's objective, aligned to the company's, and proposes it ---------


def _propose_on_the_page(page: Page, objective: Objective) -> None:
    page.get_by_role("button", name="Propose", exact=True).click()
    page.get_by_text("Proposed", exact=True).first.wait_for()
    objective.refresh_from_db()
    assert objective.state == "proposed"


def _lead_drafts_and_proposes(page: Page, base: str, cycle: Cycle, company_objective: Objective) -> Objective:
    from ambit.accounts.models import Team

    platform = Team.objects.get(organisation=cycle.organisation, name="Platform")
    page.goto(f"{base}/objectives/new/?cycle={cycle.pk}")
    page.get_by_label("Title").first.fill(LEAD_OBJECTIVE)
    page.get_by_label("Team").select_option(str(platform.pk))
    page.get_by_label("Aligned to").select_option(str(company_objective.pk))
    page.locator("#id_kr-0-title").fill("Median CI build time")
    page.locator("#id_kr-0-kind").select_option("decrease")
    page.locator("#id_kr-0-start_value").fill("12")
    page.locator("#id_kr-0-target_value").fill("6")
    page.locator("#id_kr-0-unit").fill("min")
    _shot(page, "15-lead-drafts")
    page.get_by_role("button", name="Create objective").click()
    page.wait_for_url(re.compile(r"/objectives/\d+/$"))
    objective = _objective(LEAD_OBJECTIVE)
    assert (objective.state, objective.team_id) == ("draft", platform.pk)
    assert list(objective.parents.values_list("pk", flat=True)) == [company_objective.pk]
    _propose_on_the_page(page, objective)
    _shot(page, "16-lead-proposed")
    return objective


# --- 5. The member's task-like key result is flagged as they type, and fixed -------------------


def _member_drafts_fixes_and_proposes(page: Page, base: str, cycle: Cycle, team_objective: Objective) -> Objective:
    page.goto(f"{base}/objectives/new/?cycle={cycle.pk}")
    page.get_by_label("Title").first.fill(MEMBER_OBJECTIVE)
    assert page.get_by_label("Team").input_value() == ""  # an individual objective
    page.get_by_label("Aligned to").select_option(str(team_objective.pk))
    page.locator("#id_kr-0-kind").select_option("binary")
    page.locator("#id_kr-0-title").press_sequentially(TASK_KR, delay=10)
    live = page.locator("#quality-live")
    finding = live.locator("[data-code=kr_is_task]")
    finding.wait_for()
    assert "measure that" in live.inner_text()
    check_accessibility(page)
    _shot(page, "17-member-task-flagged", phone=True)

    page.locator("#id_kr-0-kind").select_option("increase")
    page.locator("#id_kr-0-title").fill(MEASURED_KR)
    page.locator("#id_kr-0-start_value").fill("40")
    page.locator("#id_kr-0-target_value").press_sequentially("70", delay=10)
    page.locator("#id_kr-0-unit").press_sequentially("%", delay=10)
    finding.wait_for(state="detached")
    _shot(page, "18-member-task-fixed", phone=True)
    page.get_by_label("Start as").select_option("draft")
    page.get_by_role("button", name="Create objective").click()
    page.wait_for_url(re.compile(r"/objectives/\d+/$"))
    objective = _objective(MEMBER_OBJECTIVE)
    assert objective.team_id is None and objective.state == "draft"
    assert list(objective.key_results.values_list("title", "start_value", "target_value")) == [
        (MEASURED_KR, Decimal(40), Decimal(70))
    ]
    assert list(objective.parents.values_list("pk", flat=True)) == [team_objective.pk]
    _propose_on_the_page(page, objective)
    _shot(page, "19-member-proposed", phone=True)
    return objective


# --- 6. The lead approves the member; the council sends the lead's back; the lead fixes it ------


def _lead_approves_the_member(page: Page, base: str, mine: Objective) -> None:
    page.goto(f"{base}/approvals/")
    row = page.locator(f"#approval-row-{mine.pk}")
    assert MEMBER_OBJECTIVE in row.inner_text()
    _shot(page, "20-lead-approval-queue")
    row.get_by_role("button", name=re.compile("^Approve")).click()
    page.locator(f"#approval-row-{mine.pk}.is-done").wait_for()
    mine.refresh_from_db()
    assert mine.state == "active"
    _shot(page, "21-lead-approved-member")


def _council_sends_back(page: Page, base: str, team_objective: Objective) -> None:
    page.goto(f"{base}/approvals/")
    row = page.locator(f"#approval-row-{team_objective.pk}")
    row.get_by_text("Send back…").click()
    row.get_by_label("What should change?").fill(SEND_BACK_COMMENT)
    _shot(page, "22-council-sends-back")
    row.get_by_role("button", name="Send back with comment").click()
    page.locator(f"#approval-row-{team_objective.pk}.is-done").wait_for()
    team_objective.refresh_from_db()
    assert team_objective.state == "draft"


def _lead_fixes_and_proposes_again(page: Page, base: str, team_objective: Objective, *, sent_back_by: str) -> None:
    page.goto(f"{base}/objectives/{team_objective.pk}/")
    note = page.locator(".callout", has_text=f"Sent back by {sent_back_by}")
    note.wait_for()
    assert SEND_BACK_COMMENT in note.inner_text()
    _shot(page, "23-lead-sees-comment")
    page.get_by_role("link", name="Add key result").click()
    page.wait_for_url(f"{base}/objectives/{team_objective.pk}/key-results/new/")
    page.locator("#id_title").fill("Public API p95 latency")
    page.locator("#id_kind").select_option("decrease")
    page.locator("#id_start_value").fill("450")
    page.locator("#id_target_value").fill("200")
    page.locator("#id_unit").fill("ms")
    page.get_by_role("button", name="Add key result").click()
    page.wait_for_url(f"{base}/objectives/{team_objective.pk}/")
    assert team_objective.key_results.count() == 2
    _propose_on_the_page(page, team_objective)
    _shot(page, "24-lead-proposes-again")


# --- 7. The quarterly meeting walks the tree, approves, notes a decision, and publishes ---------

DECISION = "Decision: platform first; the company objective waits for the board in January"


def _meeting_and_publish(
    page: Page, base: str, cycle: Cycle, company_objective: Objective, team_objective: Objective
) -> None:
    from ambit.planning.models import MeetingNote

    page.goto(f"{base}/planning/")
    page.get_by_role("heading", name=f"Planning {cycle.name}").wait_for()
    _shot(page, "25-planning-page")
    page.get_by_role("link", name="Start meeting mode").click()
    page.wait_for_url(re.compile(rf"/cycles/{cycle.pk}/meeting/"))
    count = page.locator(".meeting-count")
    title = page.locator("#meeting-title")
    assert count.inner_text() == "Objective 1 of 2 to decide"
    assert title.inner_text() == TEMPLATE_TITLE  # top-down: the company's first
    check_accessibility(page)
    _shot(page, "26-meeting-company")
    with page.expect_navigation():
        page.keyboard.press("j")
    assert count.inner_text() == "Objective 2 of 2 to decide"
    assert title.inner_text() == LEAD_OBJECTIVE
    with page.expect_navigation():
        page.keyboard.press("k")
    assert title.inner_text() == TEMPLATE_TITLE
    with page.expect_navigation():
        page.keyboard.press("j")
    assert title.inner_text() == LEAD_OBJECTIVE
    page.keyboard.press("n")
    page.keyboard.type(DECISION)
    page.get_by_label("Kind").first.select_option("decision")
    with page.expect_navigation():
        page.get_by_role("button", name="Add note").first.click()
    page.get_by_text(DECISION).first.wait_for()
    assert MeetingNote.objects.filter(cycle=cycle, objective=team_objective, kind="decision", text=DECISION).exists()
    _shot(page, "27-meeting-note")
    with page.expect_navigation():
        page.keyboard.press("a")
    team_objective.refresh_from_db()
    assert team_objective.state == "active"
    assert count.inner_text() == "Objective 1 of 1 to decide"
    _shot(page, "28-meeting-approved")

    page.goto(f"{base}/cycles/{cycle.pk}/publish/")
    assert page.locator("[data-approved]").inner_text() == "2"
    assert page.locator("[data-drafts]").inner_text() == "1"
    assert page.locator("[data-proposals]").inner_text() == "0"
    left = page.locator("section[aria-labelledby=left-h] tbody tr")
    assert left.count() == 1 and TEMPLATE_TITLE in left.inner_text()
    _shot(page, "29-publish")
    with page.expect_navigation():
        page.get_by_role("button", name=f"Publish {cycle.name}").click()
    cycle.refresh_from_db()
    assert cycle.state == "active"
    company_objective.refresh_from_db()
    assert company_objective.state == "draft"  # left behind, as the page said


# --- 8. The scheduler's tick announces the quarter to everybody ---------------------------------


def _announcement_in_the_inbox(page: Page, base: str, cycle: Cycle, name: str, *, phone: bool = False) -> None:
    page.goto(f"{base}/notifications/")
    page.get_by_text(f"{cycle.name} has started").first.wait_for()
    _shot(page, name, phone=phone)


def _make_sponsor(page: Page, base: str, email: str) -> None:
    """The admin makes a champion from the file an executive sponsor on the people page: the
    council is the sponsors, the champions and the admins."""
    from ambit.okrs.approvers import council

    person = _membership(email)
    page.goto(f"{base}/settings/people/")
    page.get_by_role("link", name=f"Edit {person.user.get_full_name()}").click()
    page.wait_for_url(f"{base}/settings/people/{person.pk}/")
    assert page.get_by_label("Role", exact=True).input_value() == "champion"  # from the file
    page.get_by_label("Executive sponsor").check()
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"{base}/settings/people/")
    page.get_by_text(f"{person.user.get_full_name()} saved.").wait_for()
    _shot(page, "11b-people-sponsor")
    person.refresh_from_db()
    assert person.is_executive_sponsor
    assert {m.user.email for m in council(person.organisation_id)} == {CHAMPION_EMAIL, SPONSOR_EMAIL}


def test_a_quarter_is_planned_from_nothing_to_the_announcement(
    transactional_db: None, live_server: LiveServer, browser: Browser
) -> None:
    from django.utils import timezone

    from ambit.accounts.models import TeamMember
    from ambit.notify.models import Kind, Notification
    from ambit.notify.scheduler import run_due

    base = live_server.url
    with contextlib.ExitStack() as stack:
        # Each person has their own browser, audited (CSP, axe-core) when the journey is done.
        champion, sponsor, lead, member = (
            stack.enter_context(audited_context(browser, viewport=DESKTOP)).new_page() for _ in range(4)
        )
        cycle = _set_up_the_organisation(champion, base)

        _accept(lead, base, LEAD_EMAIL, "Peter Platform", "10-lead-accepts")
        peter = _membership(LEAD_EMAIL)
        assert TeamMember.objects.filter(membership=peter, team__name="Platform", is_lead=True).exists()
        _accept(member, base, MEMBER_EMAIL, "Ada Platform", "11-member-accepts")
        ada = _membership(MEMBER_EMAIL)
        assert ada.manager_id == peter.pk and ada.role == "member"
        _accept(sponsor, base, SPONSOR_EMAIL, "Bill Engineering", "11a-sponsor-accepts")
        _make_sponsor(champion, base, SPONSOR_EMAIL)

        company_objective = _company_objective_from_a_template(champion, base, cycle)
        team_objective = _lead_drafts_and_proposes(lead, base, cycle, company_objective)
        mine = _member_drafts_fixes_and_proposes(member, base, cycle, team_objective)

        _lead_approves_the_member(lead, base, mine)
        _council_sends_back(sponsor, base, team_objective)
        _lead_fixes_and_proposes_again(lead, base, team_objective, sent_back_by="Bill Engineering")
        _meeting_and_publish(champion, base, cycle, company_objective, team_objective)

        assert not Notification.objects.filter(kind=Kind.ANNOUNCEMENT).exists()  # the tick sends it
        run_due(timezone.now() + dt.timedelta(seconds=1))  # one tick, as ``run_scheduler --once``
        announced = Notification.objects.filter(kind=Kind.ANNOUNCEMENT, key=f"cycle:{cycle.pk}")
        everybody = {_membership(e).pk for e in (CHAMPION_EMAIL, SPONSOR_EMAIL, LEAD_EMAIL, MEMBER_EMAIL)}
        assert set(announced.values_list("recipient_id", flat=True)) == everybody
        _announcement_in_the_inbox(member, base, cycle, "30-member-inbox", phone=True)
        _announcement_in_the_inbox(lead, base, cycle, "31-lead-inbox")
