"""The email channel: one message per delivery, an HTML part and a plain-text part rendered from
``notify/email/<kind>.html`` and ``.txt`` (``generic`` when a kind has none), sent through the
configured backend (``EMAIL_URL``).

Every message carries ``List-Unsubscribe`` with a signed one-click link and
``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` (RFC 8058), and a ``Message-ID`` made from
the delivery's id and the site's domain: a delivery sent again after a worker died between
sending and recording is the same message, which mail servers and clients recognise as such.
"""

from __future__ import annotations

from collections.abc import Callable
from email.utils import formataddr
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import select_template
from django.urls import reverse

from ambit.core.web import site_url
from ambit.notify.channels import register
from ambit.notify.models import ChannelName, Delivery, Kind, Notification
from ambit.notify.preferences import email_allowed, unsubscribe_url

TEMPLATE_DIR = "notify/email"
GENERIC = "generic"
SUBJECT_LIMIT = 200


def absolute(url: str) -> str:
    """``url`` as an absolute address on this site (unchanged when it already is one)."""
    if not url:
        return site_url() + "/"
    if urlsplit(url).scheme in ("http", "https"):
        return url
    return site_url() + ("" if url.startswith("/") else "/") + url


def site_domain() -> str:
    """The host name absolute links use (``SITE_URL``'s, else the local default's)."""
    return urlsplit(site_url()).hostname or "localhost"


def message_id(delivery: Delivery) -> str:
    """The same Message-ID every time this delivery is sent."""
    return f"<ambit.delivery.{delivery.pk}.{delivery.notification_id}@{site_domain()}>"


def _subject(notification: Notification) -> str:
    # A header is one line: a title with a line break would make Django refuse the message.
    text = " ".join(notification.title.split()) or notification.get_kind_display()
    return text[:SUBJECT_LIMIT]


def email_context(notification: Notification) -> dict[str, Any]:
    """What every email template gets: the notification, its absolute link, the person and the
    links to change or stop email; a digest's content for the digest."""
    recipient = notification.recipient
    context: dict[str, Any] = {
        "notification": notification,
        "data": notification.data if isinstance(notification.data, dict) else {},
        "kind_label": notification.get_kind_display(),
        "link": absolute(notification.url),
        "recipient_name": recipient.user.get_short_name(),
        "organisation": recipient.organisation,
        "site_url": site_url(),
        "preferences_url": absolute(reverse("notify_email:preferences")),
        "unsubscribe_url": unsubscribe_url(recipient),
    }
    context["items"] = _items(context["data"])
    if notification.kind == Kind.DIGEST:
        from ambit.notify.digest import digest_for_notification
        from ambit.notify.digest_text import digest_text

        digest = digest_for_notification(notification)
        context["digest"] = digest
        context["digest_text"] = digest_text(digest, base_url=site_url()) if digest is not None else ""
    return context


def _items(data: dict[str, Any]) -> list[dict[str, str]]:
    """``data["items"]`` (what a producer lists: key results due, gone quiet, …) with absolute
    links: each a mapping with ``title`` and optionally ``detail`` and ``url``."""
    raw = data.get("items")
    if not isinstance(raw, list):
        return []
    items = []
    for entry in raw:
        if isinstance(entry, dict) and entry.get("title"):
            url = str(entry.get("url") or "")
            items.append(
                {
                    "title": str(entry["title"]),
                    "detail": str(entry.get("detail") or ""),
                    "url": absolute(url) if url else "",
                }
            )
    return items


def render_parts(notification: Notification) -> tuple[str, str]:
    """(plain text, HTML) of ``notification``'s email."""
    context = email_context(notification)
    names = [notification.kind, GENERIC]
    text = select_template([f"{TEMPLATE_DIR}/{n}.txt" for n in names]).render(context)
    html = select_template([f"{TEMPLATE_DIR}/{n}.html" for n in names]).render(context)
    return text, html


# Files some notifications' emails carry (the cycle report on the closing announcement): kind →
# a function of the notification giving (file name, content, content type), or None for no file.
# The apps above register them (``register_attachment``); notify imports none of them.
Attachment = tuple[str, bytes, str]
ATTACHMENTS: dict[str, Callable[[Notification], Attachment | None]] = {}


def register_attachment(kind: str, provider: Callable[[Notification], Attachment | None]) -> None:
    ATTACHMENTS[kind] = provider


def build_message(delivery: Delivery) -> EmailMultiAlternatives:
    """The message for ``delivery`` (not sent)."""
    notification = delivery.notification
    user = notification.recipient.user
    text, html = render_parts(notification)
    unsubscribe = unsubscribe_url(notification.recipient)
    message = EmailMultiAlternatives(
        subject=_subject(notification),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[formataddr((user.full_name, user.email)) if user.full_name else user.email],
        headers={
            "Message-ID": message_id(delivery),
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
        connection=get_connection(fail_silently=False),
    )
    message.attach_alternative(html, "text/html")
    provider = ATTACHMENTS.get(notification.kind)
    attachment = provider(notification) if provider is not None else None
    if attachment is not None:
        message.attach(*attachment)
    return message


class Email:
    """Email to the recipient's address, when their preferences let it through."""

    name = ChannelName.EMAIL.value

    def wants(self, notification: Notification) -> bool:
        return email_allowed(notification)

    def send(self, delivery: Delivery) -> None:
        # Raises on an SMTP failure: the caller records the error and tries again later.
        build_message(_loaded(delivery)).send(fail_silently=False)


def _loaded(delivery: Delivery) -> Delivery:
    """The delivery with its notification, person and organisation (three joins, one query)."""
    cached = delivery._state.fields_cache.get("notification")
    if cached is not None and "recipient" in cached._state.fields_cache:
        return delivery
    return Delivery.objects.select_related(
        "notification__recipient__user", "notification__recipient__organisation"
    ).get(pk=delivery.pk)


register(Email())
