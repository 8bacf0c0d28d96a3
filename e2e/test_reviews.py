"""The monthly review in the browser, on the demo's open review: the member (Aisha), who owns an
at-risk key result and has not written yet, follows My week's prompt to the review, opens her
commentary form and fills the three answers with the keyboard alone; the row shows her commentary
and the "who has not written yet" list shrinks by one, without a page load. The same page on a
phone has no sideways scroll. CSP and accessibility are checked on every page by the audited
context; screenshots on desktop and phone."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from e2e.conftest import check_accessibility, login, shot

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.e2e

ANSWERS = (
    "The solver migration stalled on two enterprise customers' custom rules.",
    "We migrate their rules by hand this sprint and freeze new custom rules.",
    "A day of the solutions team's time to check the migrated rules.",
)


def test_the_owner_writes_their_commentary_by_keyboard_and_the_missing_list_shrinks(
    demo: str, page: Page, phone: Page
) -> None:
    from ambit.reviews.models import Commentary, Review

    review = Review.objects.get(organisation__slug="northwind")
    login(page, demo, "member@northwind.test")
    page.get_by_role("link", name="Write your commentary").click()
    page.wait_for_url(f"{demo}/reviews/{review.pk}/")
    missing = page.locator("#review-missing-count")
    before = int(missing.inner_text())
    assert page.locator("#review-missing").get_by_text("Aisha Khan").count() == 1
    check_accessibility(page)
    # Screenshots come after the HTMX swap: Playwright's screenshot leaves an empty style="" on
    # form controls, which htmx's settle step would copy onto the swapped-in ones (a CSP report).

    summary = page.locator("details.review-write > summary")
    assert summary.count() == 1  # her own key result alone
    summary.focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")  # into "What happened"
    for i, answer in enumerate(ANSWERS):
        page.keyboard.type(answer)
        if i < len(ANSWERS) - 1:
            page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # to "Save commentary"
    page.keyboard.press("Enter")
    page.get_by_text("Commentary saved.").wait_for()
    assert int(missing.inner_text()) == before - 1
    assert page.locator("#review-missing").get_by_text("Aisha Khan").count() == 0
    assert page.locator("dl.review-commentary").get_by_text(ANSWERS[0]).count() == 1
    saved = Commentary.objects.get(item__review=review, item__key_result__owner__user__email="member@northwind.test")
    assert (saved.what_happened, saved.what_will_change, saved.help_needed) == ANSWERS
    check_accessibility(page)
    shot(page, "review-desktop")

    login(phone, demo, "champion@northwind.test")
    phone.goto(f"{demo}/reviews/{review.pk}/")
    phone.locator("#review-missing-count").wait_for()
    assert phone.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0
    check_accessibility(phone)
    shot(phone, "review-phone")
