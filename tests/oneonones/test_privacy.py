"""A 1:1 is readable by its two people only, through every surface: its pages, the API (an admin's
organisation-wide token included), the Django admin, the audit log, webhooks, notifications and
calendar feeds. Everyone else gets the 404 an unknown id gets, and nothing changes."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.contrib import admin
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from ambit.calendars import services as calendars
from ambit.core.models import AuditEntry
from ambit.hooks import dispatch
from ambit.hooks import services as hooks
from ambit.hooks.events import event_groups, known_prefix
from ambit.hooks.models import WebhookDelivery, WebhookEndpoint
from ambit.notify.models import Kind, Notification
from ambit.oneonones.models import Item, Meeting, OneOnOne
from ambit.oneonones.reminders import produce_reminders
from ambit.rituals.reflections import save_reflection
from ambit.rituals.selectors import local_today
from ambit.strategy import services as strategy
from tests.api.conftest import ApiClient, token_for
from tests.builders import World
from tests.helpers import db_digest
from tests.oneonones.helpers import SECRET_ACTION, SECRET_NOTE, SECRET_POINT, build_pair

pytestmark = pytest.mark.django_db

SECRETS = (SECRET_NOTE, SECRET_POINT, SECRET_ACTION)
OTHERS = ("admin", "champion", "viewer", "outsider")


def _pages(pair_id: int, item_id: int) -> list[tuple[str, str, dict[str, str]]]:
    return [
        ("get", reverse("oneonones:detail", args=[pair_id]), {}),
        ("post", reverse("oneonones:notes", args=[pair_id]), {"notes": "mine now"}),
        ("post", reverse("oneonones:item-add", args=[pair_id]), {"kind": "action", "text": "x"}),
        ("post", reverse("oneonones:hold", args=[pair_id]), {}),
        (
            "post",
            reverse("oneonones:schedule", args=[pair_id]),
            {"next_on": "2030-01-01", "hour": "9", "cadence_days": "7"},
        ),
        ("post", reverse("oneonones:item-done", args=[item_id]), {"done": "on"}),
        ("post", reverse("oneonones:item-delete", args=[item_id]), {}),
    ]


def test_both_people_read_the_page(client: Client, world: World) -> None:
    pair = build_pair(world)
    for person in (world.lead, world.member):
        client.force_login(person.user)
        response = client.get(reverse("oneonones:detail", args=[pair.one.pk]))
        assert response.status_code == 200
        html = response.content.decode()
        assert all(s in html for s in SECRETS)
        assert "no-store" in response["Cache-Control"]
        listing = client.get(reverse("oneonones:list")).content.decode()
        assert reverse("oneonones:detail", args=[pair.one.pk]) in listing


@pytest.mark.parametrize("persona", OTHERS)
def test_anyone_else_gets_404_on_every_page_and_nothing_changes(client: Client, world: World, persona: str) -> None:
    pair = build_pair(world)
    client.force_login(getattr(world, persona).user)
    before = db_digest()
    for method, url, data in _pages(pair.one.pk, pair.action.pk):
        response = getattr(client, method)(url, data)
        assert response.status_code == 404, (persona, url)
        assert not any(s in response.content.decode() for s in SECRETS)
    # Unknown ids answer exactly the same: existence does not leak.
    assert client.get(reverse("oneonones:detail", args=[pair.one.pk + 1000])).status_code == 404
    listing = client.get(reverse("oneonones:list")).content.decode()
    assert reverse("oneonones:detail", args=[pair.one.pk]) not in listing
    assert db_digest() == before


def test_the_api_answers_its_two_people_and_404_to_everyone_else_admins_included(world: World) -> None:
    pair = build_pair(world)
    for person in (world.lead, world.member):
        api = ApiClient(token_for(person))
        got = api.get(f"one-on-ones/{pair.one.pk}")
        assert got.status_code == 200
        body = json.loads(got.content)
        assert body["meeting"]["notes"] == SECRET_NOTE
        assert {i["text"] for i in body["items"]} == {SECRET_POINT, SECRET_ACTION}
        assert [o["id"] for o in json.loads(api.get("one-on-ones").content)["items"]] == [pair.one.pk]
    clients = {persona: ApiClient(token_for(getattr(world, persona))) for persona in OTHERS}
    before = db_digest()
    for persona, api in clients.items():
        assert json.loads(api.get("one-on-ones").content) == {"items": []}
        calls = [
            api.get(f"one-on-ones/{pair.one.pk}"),
            api.post(f"one-on-ones/{pair.one.pk}/items", {"kind": "talking_point", "text": "x"}),
            api.patch(f"one-on-ones/items/{pair.action.pk}", {"done": True}),
            api.put(f"one-on-ones/{pair.one.pk}/notes", {"notes": "x"}),
        ]
        for response in calls:
            assert response.status_code == 404, (persona, response.content)
            assert not any(s in response.content.decode() for s in SECRETS)
    assert db_digest() == before


def test_the_api_writes_for_either_person(world: World) -> None:
    pair = build_pair(world)
    member = ApiClient(token_for(world.member))
    added = member.post(f"one-on-ones/{pair.one.pk}/items", {"kind": "action", "text": "Pair on the migration"})
    assert added.status_code == 201
    item = json.loads(added.content)
    assert (item["kind"], item["author_id"], item["done"]) == ("action", world.member.pk, False)
    lead = ApiClient(token_for(world.lead))
    ticked = lead.patch(f"one-on-ones/items/{item['id']}", {"done": True})
    assert ticked.status_code == 200 and json.loads(ticked.content)["done"] is True
    refused = lead.patch(f"one-on-ones/items/{item['id']}", {"text": "Not mine"})
    assert refused.status_code == 422 or refused.status_code == 400
    notes = member.put(f"one-on-ones/{pair.one.pk}/notes", {"notes": "Agreed on the plan"})
    assert notes.status_code == 200 and json.loads(notes.content)["notes"] == "Agreed on the plan"
    assert (
        ApiClient(token_for(world.member, read_only=True))
        .put(f"one-on-ones/{pair.one.pk}/notes", {"notes": "x"})
        .status_code
        == 403
    )


def test_the_django_admin_does_not_list_1_1s(client: Client, world: World) -> None:
    for model in (OneOnOne, Meeting, Item):
        assert model not in admin.site._registry
    pair = build_pair(world)
    type(world.admin.user).objects.filter(pk=world.admin.user.pk).update(is_staff=True, is_superuser=True)
    client.force_login(world.admin.user)
    assert client.get("/admin/oneonones/oneonone/").status_code == 404
    assert client.get(f"/admin/oneonones/oneonone/{pair.one.pk}/change/").status_code == 404
    index = client.get("/admin/").content.decode()
    assert "oneonones" not in index
    # The audit log, which admins read there, names the 1:1 by id and holds no private text.
    audit = client.get("/admin/core/auditentry/").content.decode()
    assert "one_on_one" in audit or "1:1" in audit
    assert not any(secret in audit for secret in SECRETS)


def test_webhooks_never_send_1_1_events(world: World) -> None:
    endpoint = hooks.endpoint_create(actor=world.admin, url="https://hooks.example.com/ambit")
    assert not known_prefix("one_on_one") and not known_prefix("one_on_one.item_add")
    assert "one_on_one" not in [prefix for prefix, _ in event_groups()]
    build_pair(world)
    strategy.value_create(actor=world.champion, name="Candour")
    dispatch.collect(WebhookEndpoint.objects.get(pk=endpoint.pk), now=timezone.now() + dt.timedelta(hours=1))
    sent = list(WebhookDelivery.objects.filter(endpoint=endpoint).values_list("audit_entry__action", flat=True))
    assert sent == ["value.create"]
    assert AuditEntry.objects.filter(action__startswith="one_on_one.").count() >= 4


def test_the_reminder_reaches_both_people_once_with_counts_only(world: World) -> None:
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    pair = build_pair(world, first_on=tomorrow)
    now = timezone.now()
    assert produce_reminders(now) == 2
    assert produce_reminders(now + dt.timedelta(minutes=5)) == 0  # once per meeting and person
    notes = list(Notification.objects.filter(kind=Kind.ONE_ON_ONE).order_by("recipient_id"))
    assert {n.recipient_id for n in notes} == {world.lead.pk, world.member.pk}
    for n in notes:
        assert n.data["one_on_one"] == pair.one.pk
        assert (n.data["talking_points"], n.data["open_actions"]) == (1, 1)
        assert "1 talking point" in n.body and "1 open action item" in n.body
        text = n.title + n.body + json.dumps(n.data)
        assert not any(s in text for s in SECRETS)
    for message in mail.outbox:
        assert not any(s in str(message.body) + str(message.subject) for s in SECRETS)


def test_no_reminder_for_a_meeting_that_is_not_tomorrow(world: World) -> None:
    build_pair(world, first_on=timezone.localdate() + dt.timedelta(days=5))
    assert produce_reminders(timezone.now()) == 0


def _events(client: Client, token: str) -> dict[str, object]:
    calendar = Calendar.from_ical(client.get(reverse("calendars:feed", kwargs={"token": token})).content)
    return {str(e["uid"]): e for e in calendar.walk("VEVENT")}


def test_the_next_1_1_is_in_both_calendars_and_no_one_elses(client: Client, world: World) -> None:
    pair = build_pair(world)
    uid = f"one-on-one-{pair.one.pk}@ambit.calendar"
    for person in (world.lead, world.member):
        events = _events(client, calendars.calendar_feed_create_own(actor=person).token)
        event = events[uid]
        assert event["dtstart"].dt.date() == pair.one.next_on  # type: ignore[index]
        assert "INTERVAL=14" in event["rrule"].to_ical().decode()  # type: ignore[index]
        assert not any(s in event.to_ical().decode() for s in SECRETS)  # type: ignore[attr-defined]
    for persona in ("admin", "champion", "viewer"):
        events = _events(client, calendars.calendar_feed_create_own(actor=getattr(world, persona)).token)
        assert uid not in events
    team = _events(client, calendars.calendar_feed_create_team(actor=world.lead, team=world.team).token)
    assert uid not in team


# --- The report's weekly reflection on the agenda (issue 16, part 10) ---------------------------------

SECRET_REFLECTION = "I am burning out on the migration"


def _reflect(world: World) -> None:
    save_reflection(actor=world.member, week_start=local_today(world.org), in_my_way=SECRET_REFLECTION)


def test_the_reflection_reaches_the_manager_on_the_agenda_only(client: Client, world: World) -> None:
    pair = build_pair(world)
    _reflect(world)
    client.force_login(world.lead.user)
    assert SECRET_REFLECTION in client.get(reverse("oneonones:detail", args=[pair.one.pk])).content.decode()
    # The manager has no other way to it: not their reflections page, nor their API list.
    assert SECRET_REFLECTION not in client.get(reverse("rituals:reflections")).content.decode()
    assert json.loads(ApiClient(token_for(world.lead)).get("reflections").content)["items"] == []


@pytest.mark.parametrize("persona", OTHERS)
def test_a_reflection_is_never_visible_to_anyone_else(client: Client, world: World, persona: str) -> None:
    pair = build_pair(world)
    _reflect(world)
    other = getattr(world, persona)
    client.force_login(other.user)
    pages = [
        reverse("oneonones:detail", args=[pair.one.pk]),
        reverse("rituals:reflections"),
        reverse("rituals:standup", args=["platform"]),
        reverse("rituals:team-week", args=["platform"]),
        reverse("front:checkin"),
    ]
    for url in pages:
        assert SECRET_REFLECTION not in client.get(url).content.decode(), (persona, url)
    form = client.get(reverse("rituals:reflection-form"), HTTP_HX_REQUEST="true")
    assert SECRET_REFLECTION not in form.content.decode()
    api = ApiClient(token_for(other))
    for path in ("reflections", "reflection", f"one-on-ones/{pair.one.pk}", f"teams/{world.team.pk}/standups"):
        assert SECRET_REFLECTION not in api.get(path).content.decode(), (persona, path)


def test_the_team_standup_page_never_shows_a_reflection(client: Client, world: World) -> None:
    _reflect(world)
    for person in (world.lead, world.member, world.admin):
        client.force_login(person.user)
        for url in (reverse("rituals:standup", args=["platform"]), reverse("rituals:team-week", args=["platform"])):
            assert SECRET_REFLECTION not in client.get(url).content.decode()


def test_no_notification_audit_entry_or_webhook_carries_a_reflection(world: World) -> None:
    endpoint = hooks.endpoint_create(actor=world.admin, url="https://hooks.example.com/ambit")
    _reflect(world)
    dispatch.collect(WebhookEndpoint.objects.get(pk=endpoint.pk), now=timezone.now() + dt.timedelta(hours=1))
    assert not WebhookDelivery.objects.filter(endpoint=endpoint).exists()
    assert AuditEntry.objects.filter(action="reflection.save").count() == 1
    stored = json.dumps(list(AuditEntry.objects.values("changes", "object_repr")))
    stored += json.dumps(list(Notification.objects.values("title", "body", "data")))
    assert SECRET_REFLECTION not in stored
    assert not any(SECRET_REFLECTION in str(m.body) for m in mail.outbox)
