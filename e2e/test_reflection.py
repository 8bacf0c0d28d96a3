"""The weekly reflection in the browser: on a phone, the member writes "what did I learn / what's in
my way" beside the weekly check-in with the keyboard alone and saves it (HTMX, its own form); their
manager then opens their 1:1 and finds it on the agenda with the standup blocker the demo's member
raised today. CSP and accessibility are checked on every page by the audited context; screenshots
at 390 px and on desktop."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from e2e.conftest import check_accessibility, login, shot

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.e2e

LEARNED = "Small pull requests got reviewed the same day."
IN_MY_WAY = "Two release trains a week collide with the on-call rota."


def test_a_reflection_written_on_a_phone_reaches_the_1_1_agenda(demo: str, phone: Page, page: Page) -> None:
    from ambit.oneonones.models import OneOnOne
    from ambit.rituals.demo import BLOCKER
    from ambit.rituals.models import WeeklyReflection

    login(phone, demo, "member@northwind.test")
    phone.goto(f"{demo}/check-in/")
    learned = phone.get_by_label("What did I learn this week?")
    learned.wait_for()  # loaded beside the check-in (hx-get on load)
    learned.focus()
    phone.keyboard.type(LEARNED)
    phone.keyboard.press("Tab")
    assert phone.evaluate("document.activeElement.id") == "reflection-in-my-way"
    phone.keyboard.type(IN_MY_WAY)
    phone.keyboard.press("Tab")
    assert phone.evaluate("document.activeElement.textContent.trim()") == "Save reflection"
    phone.keyboard.press("Enter")
    phone.get_by_text("only you and your manager read it.", exact=False).first.wait_for()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    check_accessibility(phone)
    shot(phone, "reflection-check-in-phone")
    saved = WeeklyReflection.objects.get(author__user__email="member@northwind.test", learned=LEARNED)
    assert saved.in_my_way == IN_MY_WAY
    phone.goto(f"{demo}/reflections/")
    assert phone.get_by_text(LEARNED).count() >= 1
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "reflection-list-phone")

    one = OneOnOne.objects.get(manager__user__email="lead@northwind.test", report__user__email="member@northwind.test")
    login(page, demo, "lead@northwind.test")
    page.goto(f"{demo}/one-on-ones/")
    link = page.locator(f'a[href="/one-on-ones/{one.pk}/"]').first
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{demo}/one-on-ones/{one.pk}/")
    blockers = page.locator("#agenda-blockers")
    assert BLOCKER in blockers.inner_text()
    assert blockers.get_by_role("link").count() >= 1  # the key result it names
    reflections = page.locator("#agenda-reflections")
    assert LEARNED in reflections.inner_text() and IN_MY_WAY in reflections.inner_text()
    check_accessibility(page)
    shot(page, "reflection-one-on-one-agenda-desktop")
