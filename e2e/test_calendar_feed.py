"""Calendar feeds in Chromium: a lead makes their address on Settings → Calendar feeds (HTMX,
copy button), the feed is fetched and parsed by ical.js (the parser calendar web apps use) in
the page, and every check-in of the current quarter lands at the charter's hour in Berlin on
both sides of the change back to winter time. The page is shot and checked with axe-core at
phone and desktop width."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from e2e.conftest import DESKTOP, PHONE, check_accessibility, login, shot

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.e2e

# ical.js 2.2.1 from npm (``npm pack ical.js@2.2.1``, file ``package/dist/ical.es5.min.cjs``: a UMD
# build that sets ``window.ICAL``), vendored with its licence in e2e/vendor like axe-core and served
# from the app's own origin by a route, so the strict CSP's ``script-src 'self'`` lets it load.
ICAL_SCRIPT = Path(__file__).parent / "vendor" / "ical.min.js"
ICAL_PATH = "/__ical.js"

# Runs in the page: fetch the feed, register its VTIMEZONEs, and expand the check-in series of one
# cycle, each occurrence as its local wall-clock time, its UTC instant and the event's TZID.
PARSE = """async ([url, uid]) => {
  const text = await (await fetch(url)).text();
  const root = new ICAL.Component(ICAL.parse(text));
  for (const tz of root.getAllSubcomponents("vtimezone")) ICAL.TimezoneService.register(tz);
  const events = root.getAllSubcomponents("vevent").map(v => new ICAL.Event(v));
  const checkin = events.find(e => e.uid === uid);
  const iterator = checkin.iterator();
  const occurrences = [];
  for (let next = iterator.next(); next; next = iterator.next()) {
    occurrences.push({
      local: next.toString(),
      utc: next.convertToZone(ICAL.Timezone.utcTimezone).toString(),
    });
  }
  return {
    calname: root.getFirstPropertyValue("x-wr-calname"),
    timezones: root.getAllSubcomponents("vtimezone").map(tz => tz.getFirstPropertyValue("tzid")),
    tzid: checkin.startDate.zone.tzid,
    summary: checkin.summary,
    occurrences: occurrences,
    uids: events.map(e => e.uid),
    allDay: events.filter(e => e.startDate.isDate).map(e => [e.uid, e.startDate.toString(), e.summary]),
  };
}"""


def _charter_in_berlin() -> Any:
    """Northwind moves to Berlin with check-ins on Mondays at 9:00; the quarter around today."""
    from ambit.accounts import services as accounts
    from ambit.accounts.models import Membership
    from ambit.okrs.models import Cycle, CycleKind

    admin = Membership.objects.select_related("organisation").get(
        user__email="admin@northwind.test", organisation__slug="northwind"
    )
    accounts.organisation_update(actor=admin, time_zone="Europe/Berlin", reminder_weekday=0, reminder_hour=9)
    today = dt.date.today()
    return Cycle.objects.get(
        organisation__slug="northwind", kind=CycleKind.QUARTER, start_date__lte=today, end_date__gte=today
    )


def _shoot(page: Page, name: str) -> None:
    for size in (PHONE, DESKTOP):
        page.set_viewport_size(size)
        shot(page, f"{name}-{size['width']}")
        check_accessibility(page)


def test_a_lead_makes_a_feed_that_icaljs_reads_in_berlin_time(demo: str, page: Page) -> None:
    cycle = _charter_in_berlin()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.context.route(
        f"**{ICAL_PATH}",
        lambda route: route.fulfill(path=str(ICAL_SCRIPT), content_type="text/javascript; charset=utf-8"),
    )
    login(page, demo, "lead@northwind.test")
    page.goto(f"{demo}/settings/")
    page.get_by_role("link", name="Calendar feeds").click()
    page.wait_for_url(f"{demo}/settings/calendar/")
    assert page.locator("h1").inner_text() == "Calendar feeds"
    _shoot(page, "calendar-feeds")

    # Keyboard: focus the button and press Enter; HTMX swaps the row in and focuses the address.
    create = page.get_by_role("button", name="Create an address for your calendar")
    create.focus()
    page.keyboard.press("Enter")
    field = page.locator("#feed-own-url")
    field.wait_for()
    assert page.url == f"{demo}/settings/calendar/"  # swapped in place, no navigation
    # htmx:load (after the swap settles) moves focus to the address, ready to copy.
    # A locator wait: wait_for_function polls a string predicate with eval, which the CSP refuses.
    expect(field).to_be_focused()
    address = field.input_value()
    assert address.startswith(f"{demo}/calendar/") and address.endswith(".ics")
    copy = page.get_by_role("button", name="Copy the address")
    assert copy.is_visible()
    copy.click()
    page.locator('[data-copy-status="feed-own-url"]').filter(has_text="Copied").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == address

    page.add_script_tag(url=page.evaluate("location.origin") + ICAL_PATH)
    parsed = page.evaluate(PARSE, [address, f"cycle-{cycle.pk}-checkin@ambit.calendar"])

    assert parsed["tzid"] == "Europe/Berlin"
    assert "Europe/Berlin" in parsed["timezones"]
    assert parsed["summary"] == f"Weekly OKR check-in ({cycle.name})"
    assert parsed["calname"] == "OKRs of Jonas Weber · Northwind Labs"
    berlin = ZoneInfo("Europe/Berlin")
    first = cycle.start_date + dt.timedelta(days=(0 - cycle.start_date.weekday()) % 7)
    mondays = [first + dt.timedelta(weeks=w) for w in range((cycle.end_date - first).days // 7 + 1)]
    expected = [
        {
            "local": f"{day.isoformat()}T09:00:00",
            "utc": dt.datetime.combine(day, dt.time(9), tzinfo=berlin)
            .astimezone(dt.UTC)
            .strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        for day in mondays
    ]
    assert parsed["occurrences"] == expected
    # Both sides of a daylight-saving change when the quarter has one (Q1 and Q4 do, Q2 and Q3 not).
    offsets = {dt.datetime.combine(day, dt.time(9), tzinfo=berlin).utcoffset() for day in mondays}
    assert len(offsets) == (2 if cycle.start_date.month in (1, 10) else 1)

    all_day = {uid: (start, summary) for uid, start, summary in parsed["allDay"]}
    assert all_day[f"cycle-{cycle.pk}-start@ambit.calendar"] == (cycle.start_date.isoformat(), f"{cycle.name} starts")
    assert all_day[f"cycle-{cycle.pk}-review@ambit.calendar"] == (cycle.end_date.isoformat(), f"{cycle.name} review")
    sprint = cycle.sprints.order_by("number").first()
    assert all_day[f"sprint-{sprint.pk}-start@ambit.calendar"] == (
        sprint.start_date.isoformat(),
        f"Sprint 1 starts ({cycle.name})",
    )

    # A new address: the old one is dead at once.
    page.get_by_role("button", name="Get a new address for your calendar").click()
    page.locator("#feed-own-url").wait_for()
    expect(page.locator("#feed-own-url")).not_to_have_value(address)
    gone = page.evaluate("async (url) => (await fetch(url)).status", address)
    assert gone == 404
    # Last: axe-core leaves empty style="" attributes behind, which htmx's settling would copy onto
    # a swapped-in element of the same id (and the CSP rightly refuses); no swap follows this.
    _shoot(page, "calendar-feeds-new-address")
