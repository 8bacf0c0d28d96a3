"""A team's standup settings (issue 16, part 4): the page the team's leads, champions and admins
change the standup hour on, its API, and the reminders that follow it."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.urls import reverse

from ambit.accounts.models import Membership
from ambit.core.models import AuditAction, AuditEntry
from ambit.notify.models import Kind, Notification
from ambit.rituals.models import RitualSettings
from ambit.rituals.reminders import standup_reminders_for
from ambit.rituals.services import HOUR_MESSAGE
from tests import factories as f
from tests.api.conftest import ApiClient, token_for
from tests.builders import World

pytestmark = pytest.mark.django_db

URL = reverse("rituals:standup-settings", args=["platform"])


def _client(member: Membership) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


def _hour() -> int | None:
    found = RitualSettings.objects.filter(team__slug="platform").first()
    return found.standup_hour if found else None


@pytest.mark.parametrize("persona", ["lead", "champion", "admin"])
def test_leads_champions_and_admins_change_the_hour(world: World, persona: str) -> None:
    client = _client(getattr(world, persona))
    page = client.get(URL).content.decode()
    assert 'for="standup-hour"' in page and '<option value="9" selected>09:00</option>' in page
    response = client.post(URL, {"standup_hour": "7"})
    assert response.status_code == 302 and response["Location"] == URL
    assert _hour() == 7
    entry = AuditEntry.objects.get(action=AuditAction.RITUAL_SETTINGS_UPDATE)
    assert entry.changes["standup_hour"] == [9, 7]
    assert "standup is now at 07:00" in client.get(URL).content.decode()


def test_members_read_it_but_cannot_change_it(world: World) -> None:
    client = _client(world.member)
    page = client.get(URL).content.decode()
    assert "09:00" in page and 'name="standup_hour"' not in page
    assert "Only the team's leads, champions and admins change it." in page
    assert client.post(URL, {"standup_hour": "7"}).status_code == 403
    assert _client(world.viewer).post(URL, {"standup_hour": "7"}).status_code == 403
    assert _hour() is None and not AuditEntry.objects.filter(action=AuditAction.RITUAL_SETTINGS_UPDATE).exists()


def test_a_bad_hour_gets_the_services_message(world: World) -> None:
    client = _client(world.lead)
    for value in ("24", "-1", "nine", ""):
        response = client.post(URL, {"standup_hour": value})
        assert response.status_code == 422, value
        assert HOUR_MESSAGE in response.content.decode()
    assert _hour() is None


def test_another_organisations_team_is_404(world: World) -> None:
    theirs = f.TeamFactory.create(organisation=world.other_org, name="Theirs", slug="theirs")
    assert _client(world.admin).get(reverse("rituals:standup-settings", args=[theirs.slug])).status_code == 404
    assert _client(world.outsider).get(URL).status_code == 404
    assert _client(world.outsider).post(URL, {"standup_hour": "7"}).status_code == 404


def test_the_standup_page_links_to_it(world: World) -> None:
    assert URL in _client(world.member).get(reverse("rituals:standup", args=["platform"])).content.decode()


def test_the_api_reads_and_changes_it(world: World) -> None:
    path = f"teams/{world.team.pk}/ritual-settings"
    member = ApiClient(token_for(world.member))
    got = json.loads(member.get(path).content)
    assert got == {"team_id": world.team.pk, "standup_hour": 9, "time_zone": world.org.time_zone, "can_change": False}
    assert member.patch(path, {"standup_hour": 8}).status_code == 403
    lead = ApiClient(token_for(world.lead))
    changed = lead.patch(path, {"standup_hour": 8})
    assert changed.status_code == 200 and json.loads(changed.content)["standup_hour"] == 8
    assert json.loads(changed.content)["can_change"] is True
    assert lead.patch(path, {"standup_hour": 24}).status_code == 422
    assert ApiClient(token_for(world.outsider)).get(path).status_code == 404
    assert ApiClient(token_for(world.outsider)).patch(path, {"standup_hour": 7}).status_code == 404
    assert _hour() == 8


def test_the_reminder_follows_the_hour(world: World) -> None:
    world.org.time_zone = "UTC"
    world.org.save()
    RitualSettings.objects.create(organisation=world.org, team=world.team, standup_hour=11)
    wednesday = dt.datetime(2026, 12, 2, 10, 30, tzinfo=dt.UTC)
    assert standup_reminders_for(world.org, wednesday) == 0
    assert standup_reminders_for(world.org, wednesday.replace(hour=11)) == 2
    assert set(Notification.objects.filter(kind=Kind.STANDUP_REMINDER).values_list("recipient_id", flat=True)) == {
        world.lead.pk,
        world.member.pk,
    }
