"""The email as people see it: a check-in reminder's HTML part opened in Chromium on a phone and
on a desktop (screenshots in e2e/screenshots/), light and dark; and the notification preferences
page, saved from the keyboard and checked with axe-core."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ambit.accounts.models import Membership
from ambit.notify.email import render_parts
from ambit.notify.models import Kind, Notification
from e2e.conftest import DESKTOP, PHONE, check_accessibility, login, shot

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page


def _reminder_html() -> str:
    member = Membership.objects.select_related("user", "organisation").get(user__email="member@northwind.test")
    notification = Notification.objects.create(
        organisation=member.organisation,
        recipient=member,
        kind=Kind.CHECKIN_REMINDER,
        key="e2e-reminder",
        title="Time to check in: 2 key results",
        body="Two of your key results have not been updated this week.",
        url="/check-in/",
        data={
            "items": [
                {"title": "Raise weekly active teams to 120", "detail": "last updated 9 days ago", "url": "/check-in/"},
                {"title": "Ship the onboarding checklist", "detail": "never updated"},
            ]
        },
    )
    return render_parts(notification)[1]


def test_reminder_email_reads_on_a_phone_and_a_desktop_in_light_and_dark(demo: str, browser: Browser) -> None:
    html = _reminder_html()
    for scheme in ("light", "dark"):
        for size, name in ((PHONE, "phone"), (DESKTOP, "desktop")):
            context = browser.new_context(viewport=size, color_scheme=scheme)
            page = context.new_page()
            page.set_content(html)
            # One column that never needs sideways scrolling, at most 600 px wide.
            assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
            width = page.evaluate("document.querySelector('.wrap').getBoundingClientRect().width")
            assert width <= 600
            button = page.get_by_role("link", name="Check in now")
            assert (button.get_attribute("href") or "").endswith("/check-in/")
            background = page.evaluate("getComputedStyle(document.querySelector('.card')).backgroundColor")
            assert background == ("rgb(28, 32, 41)" if scheme == "dark" else "rgb(255, 255, 255)")
            shot(page, f"email-reminder-{name}-{scheme}")
            context.close()


def test_preferences_page_saves_from_the_keyboard_and_passes_axe(demo: str, page: Page) -> None:
    login(page, demo, "member@northwind.test")
    page.goto(f"{demo}/settings/")
    page.get_by_role("link", name="Notifications and email").click()
    page.wait_for_url(f"{demo}/settings/notifications/")
    check_accessibility(page)
    page.get_by_label("Time zone").select_option("Europe/Lisbon")
    page.get_by_label("Reminder hour").select_option("8")
    digest_email = page.locator("#id_channels_digest_1")
    digest_email.focus()
    page.keyboard.press("Space")  # untick email for the digest
    page.get_by_role("button", name="Save preferences").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.get_by_text("Your notification preferences are saved.").wait_for()
    assert page.get_by_label("Time zone").input_value() == "Europe/Lisbon"
    assert not page.locator("#id_channels_digest_1").is_checked()
    check_accessibility(page)
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "notification-preferences-phone")
