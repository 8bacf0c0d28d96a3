"""Publishing a planned cycle (issue 15, part 7): the confirmation page lists what stays behind,
publishing moves the cycle to active through ``cycle_transition`` (audited ``cycle.publish``), and
the scheduler's next tick announces it to every member (in the app, by email), to the Slack/Teams
channels that post announcements, and to the webhooks."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ambit.accounts.models import Membership
from ambit.chat.models import ChatPost
from ambit.chat.services import webhook_create
from ambit.core.errors import Conflict
from ambit.core.models import AuditAction, AuditEntry
from ambit.hooks.events import event_payload
from ambit.notify.models import Delivery, Kind, Notification
from ambit.notify.scheduler import run_due
from ambit.okrs import services as okrs
from ambit.okrs.models import Cycle
from ambit.planning import services
from tests.builders import World, objective_with_krs
from tests.helpers import db_digest

pytestmark = pytest.mark.django_db


def _planned(world: World) -> Cycle:
    today = timezone.localdate()
    cycle = okrs.cycle_create(
        actor=world.champion, name="Next quarter", start_date=today, end_date=today + dt.timedelta(days=90)
    )
    objective_with_krs(actor=world.champion, cycle=cycle, title="Approved one", team=world.company, state="active")
    objective_with_krs(actor=world.champion, cycle=cycle, title="Approved two", team=world.team, state="active")
    objective_with_krs(actor=world.member, cycle=cycle, title="Still a draft")
    proposal, _ = objective_with_krs(actor=world.member, cycle=cycle, title="Still proposed")
    services.objective_propose(actor=world.member, objective=proposal)
    return cycle


def test_the_confirmation_page_lists_what_stays_behind(client: Client, world: World) -> None:
    cycle = _planned(world)
    client.force_login(world.champion.user)
    page = client.get(reverse("planning:publish", args=[cycle.pk]))
    assert page.status_code == 200
    summary = page.context["summary"]
    assert summary.approved == 2
    assert [o.title for o in summary.drafts] == ["Still a draft"]
    assert [o.title for o in summary.proposals] == ["Still proposed"]
    html = page.content.decode()
    assert "Still a draft" in html and "Still proposed" in html and "Publish Next quarter" in html


def test_publish_refusals(client: Client, world: World) -> None:
    cycle = _planned(world)
    before = db_digest()
    for persona in (world.lead, world.member, world.viewer):
        with pytest.raises(PermissionDenied):
            services.cycle_publish(actor=persona, cycle=cycle)
    client.force_login(world.member.user)
    assert client.post(reverse("planning:publish", args=[cycle.pk])).status_code == 403
    client.force_login(world.outsider.user)
    assert client.post(reverse("planning:publish", args=[cycle.pk])).status_code == 404
    with pytest.raises(Conflict, match="Only a cycle in planning"):
        services.cycle_publish(actor=world.champion, cycle=world.cycle)  # already active
    assert db_digest() == before
    assert Cycle.objects.get(pk=cycle.pk).state == "planning"


def test_publish_announces_the_cycle_to_everyone(client: Client, world: World) -> None:
    cycle = _planned(world)
    hook = webhook_create(actor=world.admin, service="slack", url="https://hooks.slack.com/services/T0/B0/x")
    client.force_login(world.champion.user)
    response = client.post(reverse("planning:publish", args=[cycle.pk]))
    assert response.status_code == 302
    assert Cycle.objects.get(pk=cycle.pk).state == "active"
    entry = AuditEntry.objects.get(action=AuditAction.CYCLE_PUBLISH, object_id=str(cycle.pk))
    assert entry.changes == {"state": ["planning", "active"], "approved": 2, "drafts": 1, "proposals": 1}
    assert event_payload(entry)["type"] == "cycle.publish"  # what the webhooks receive

    run_due(timezone.now() + dt.timedelta(seconds=1))  # one scheduler tick (run_scheduler --once)

    members = set(Membership.objects.filter(organisation=world.org, is_active=True).values_list("pk", flat=True))
    announced = Notification.objects.filter(kind=Kind.ANNOUNCEMENT, key=f"cycle:{cycle.pk}")
    assert set(announced.values_list("recipient_id", flat=True)) == members
    assert announced.get(recipient=world.member).title == "Next quarter has started"
    assert Delivery.objects.filter(notification__in=announced, channel="email").count() == len(members)
    assert not Notification.objects.filter(recipient=world.outsider).exists()
    assert ChatPost.objects.filter(webhook=hook, key=f"announce:cycle:{cycle.pk}").exists()
    # The drafts left behind stay drafts.
    assert sorted(cycle.objectives.values_list("state", flat=True)) == ["active", "active", "draft", "proposed"]
