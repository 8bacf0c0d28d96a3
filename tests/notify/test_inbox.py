"""The in-app inbox: newest first, unread marked, mark read (one or all, with HTMX and audited),
the header's lazily loaded unread count, and 404 for anyone else's notification."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ambit.accounts.models import Membership, Organisation
from ambit.core.models import AuditAction, AuditEntry
from ambit.notify.models import Kind, Notification
from ambit.notify.produce import Draft, produce
from tests.builders import World
from tests.querycount import assert_queries, count_queries

pytestmark = pytest.mark.django_db


def _notify(member: Membership, n: int, *, start: int = 0) -> list[Notification]:
    base = timezone.now() - dt.timedelta(days=1)
    for i in range(start, start + n):
        produce(
            [Draft(recipient=member, kind=Kind.ANNOUNCEMENT, key=f"k{i}", title=f"News {i}", url=f"/objectives/{i}/")],
            now=base + dt.timedelta(minutes=i),
        )
    return list(Notification.objects.filter(recipient=member).order_by("-created_at"))


def test_the_inbox_lists_newest_first_with_unread_marked(client: Client, world: World) -> None:
    items = _notify(world.member, 3)
    Notification.objects.filter(pk=items[2].pk).update(read_at=timezone.now())
    _notify(world.lead, 1, start=10)
    client.force_login(world.member.user)
    html = client.get(reverse("notify:inbox")).content.decode()
    assert html.index("News 2") < html.index("News 1") < html.index("News 0")
    assert "News 10" not in html
    assert html.count("is-unread") == 2
    assert "2 unread" in html
    assert 'href="/objectives/2/"' in html


def test_marking_one_read_with_htmx_is_audited_and_updates_the_count(client: Client, world: World) -> None:
    first, _ = _notify(world.member, 2)
    client.force_login(world.member.user)
    response = client.post(reverse("notify:read", args=[first.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "is-unread" not in response.content.decode()
    assert json.loads(response["HX-Trigger"]) == {"notifications-changed": {}}
    first.refresh_from_db()
    assert first.read_at is not None
    entry = AuditEntry.objects.get(action=AuditAction.NOTIFICATION_READ)
    assert (entry.object_id, entry.actor_id) == (str(first.pk), world.member.user_id)
    badge = client.get(reverse("notify:unread-badge")).content.decode()
    assert ">1<" in badge.replace(" ", "") or "1<span" in badge
    # Marking it again changes nothing and writes no second entry.
    client.post(reverse("notify:read", args=[first.pk]))
    assert AuditEntry.objects.filter(action=AuditAction.NOTIFICATION_READ).count() == 1


def test_mark_all_read(client: Client, world: World) -> None:
    _notify(world.member, 3)
    _notify(world.lead, 1, start=10)
    client.force_login(world.member.user)
    response = client.post(reverse("notify:read-all"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "All read" in response.content.decode()
    assert Notification.objects.filter(recipient=world.member, read_at__isnull=True).count() == 0
    assert Notification.objects.filter(recipient=world.lead, read_at__isnull=True).count() == 1
    entry = AuditEntry.objects.get(action=AuditAction.NOTIFICATION_READ_ALL)
    assert entry.changes == {"marked_read": [0, 3]}


def test_someone_else_s_notification_is_404_and_stays_unread(client: Client, world: World) -> None:
    (leads,) = _notify(world.lead, 1)
    (outsiders,) = _notify(world.outsider, 1, start=5)
    for intruder, target in ((world.member, leads), (world.member, outsiders), (world.outsider, leads)):
        client.force_login(intruder.user)
        assert client.post(reverse("notify:read", args=[target.pk])).status_code == 404
        assert client.post(reverse("notify:read", args=[target.pk]), HTTP_HX_REQUEST="true").status_code == 404
    assert Notification.objects.filter(read_at__isnull=False).count() == 0
    assert not AuditEntry.objects.filter(action=AuditAction.NOTIFICATION_READ).exists()
    # The outsider's inbox and count show only their own organisation's.
    client.force_login(world.outsider.user)
    html = client.get(reverse("notify:inbox")).content.decode()
    assert "News 5" in html and "News 0" not in html


def test_the_header_loads_the_count_lazily(client: Client, world: World) -> None:
    _notify(world.member, 2)
    client.force_login(world.member.user)
    home = client.get(reverse("front:home")).content.decode()
    # My week also asks for the early warnings its reader has not acknowledged.
    assert f'hx-get="{reverse("notify:unread-badge")}?warnings=mine"' in home
    settings_page = client.get(reverse("front:settings")).content.decode()
    assert f'hx-get="{reverse("notify:unread-badge")}"' in settings_page
    assert 'hx-trigger="load' in home
    badge = client.get(reverse("notify:unread-badge"))
    assert badge.status_code == 200
    assert "2" in badge.content.decode() and "unread" in badge.content.decode()


def test_anonymous_visitors_are_sent_to_log_in(client: Client, world: World) -> None:
    for name, args in (("notify:inbox", []), ("notify:unread-badge", []), ("notify:read", [1])):
        response = (
            client.get(reverse(name, args=args)) if name != "notify:read" else client.post(reverse(name, args=args))
        )
        assert response.status_code == 302


def test_the_inbox_costs_the_same_queries_for_1_and_40_notifications(client: Client, world: World) -> None:
    _notify(world.member, 1)
    client.force_login(world.member.user)
    url = reverse("notify:inbox")
    client.get(url)
    with count_queries() as one:
        assert client.get(url).status_code == 200
    _notify(world.member, 39, start=1)
    with assert_queries(one, label="inbox with 40 notifications against 1"):
        html = client.get(url).content.decode()
    assert html.count('<li class="notification') == 40
    with count_queries() as badge:
        client.get(reverse("notify:unread-badge"))
    assert len(badge) == len(one) - 1  # the count instead of the list; the session and member as every page


def test_times_are_in_the_organisations_time_zone(client: Client, world: World) -> None:
    Organisation.objects.filter(pk=world.org.pk).update(time_zone="Asia/Kolkata")  # UTC+05:30, no DST
    at = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    produce([Draft(recipient=world.member, kind=Kind.ANNOUNCEMENT, key="tz", title="Zoned")], now=at)
    Notification.objects.filter(recipient=world.member, key="tz").update(created_at=at)
    client.force_login(world.member.user)
    html = client.get(reverse("notify:inbox")).content.decode()
    assert ">Mon 2 Mar, 14:30</time>" in html and ">Mon 2 Mar, 09:00</time>" not in html
