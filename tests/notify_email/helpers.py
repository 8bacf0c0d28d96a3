"""Notifications and deliveries for the email tests, and reading links back out of an email."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from ambit.accounts.models import Membership
from ambit.notify.models import ChannelName, Delivery, Kind, Notification


def make_delivery(
    recipient: Membership,
    *,
    kind: str = Kind.CHECKIN_REMINDER,
    key: str = "2026-11-27",
    title: str = "Time to check in: 2 key results",
    body: str = "Two of your key results have not been updated this week.",
    url: str = "/check-in/",
    data: dict[str, Any] | None = None,
) -> Delivery:
    """A notification as a producer would leave it, and its pending email delivery."""
    notification = Notification.objects.create(
        organisation_id=recipient.organisation_id,
        recipient=recipient,
        kind=kind,
        key=key,
        title=title,
        body=body,
        url=url,
        data=data if data is not None else {},
    )
    return Delivery.objects.create(notification=notification, channel=ChannelName.EMAIL)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs.extend(v for k, v in attrs if k == "href" and v)


def links(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.hrefs
