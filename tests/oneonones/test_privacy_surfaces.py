"""A 1:1 on every surface (issue 16's privacy check), tried as the people closest to it who are not
its two: an admin, a champion, the manager's own manager and a teammate of both. Pages and API
(404, nothing changes), the audit log in the Django admin (ids, kinds and lengths, never text), the
planning sheet export, notifications, webhooks and chat, calendar feeds, the mention picker and
comment threads. The two people themselves keep reading it (see test_privacy.py)."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar
from openpyxl import load_workbook

from ambit.accounts.models import Membership
from ambit.calendars import services as calendars
from ambit.core.models import AuditEntry
from ambit.hooks import dispatch
from ambit.hooks import services as hooks
from ambit.hooks.models import WebhookDelivery, WebhookEndpoint
from ambit.notify.models import Kind, Notification
from ambit.oneonones import services
from ambit.oneonones.reminders import produce_reminders
from tests import factories as f
from tests.api.conftest import ApiClient, token_for
from tests.builders import World
from tests.helpers import db_digest
from tests.oneonones.helpers import SECRET_ACTION, SECRET_NOTE, SECRET_POINT, Pair, build_pair
from tests.test_architecture import app_graph

pytestmark = pytest.mark.django_db

REWORDED = "Ask about the divorce paperwork"
SECRETS = (SECRET_NOTE, SECRET_POINT, SECRET_ACTION, REWORDED)
PERSONAS = ("admin", "champion", "director", "teammate")


def _people(world: World) -> dict[str, Membership]:
    """The four who must not read the lead's 1:1 with the member."""
    director = f.MembershipFactory.create(
        organisation=world.org, user=f.UserFactory.create(email="director@acme.test", full_name="Dana Director")
    )
    world.lead.manager = director
    world.lead.save(update_fields=["manager"])
    teammate = f.MembershipFactory.create(
        organisation=world.org, user=f.UserFactory.create(email="teammate@acme.test", full_name="Tess Mate")
    )
    f.TeamMemberFactory.create(team=world.team, membership=teammate)
    return {"admin": world.admin, "champion": world.champion, "director": director, "teammate": teammate}


def _full_life(world: World) -> Pair:
    """The pair with every kind of 1:1 write done once, so every audit action exists."""
    pair = build_pair(world)
    services.item_update(actor=world.member, item=pair.point, text=REWORDED)
    services.item_update(actor=world.lead, item=pair.action, done=True)
    extra = services.item_add(actor=world.lead, meeting=pair.meeting, kind="action", text="throwaway private")
    services.item_delete(actor=world.lead, item=extra)
    services.one_on_one_schedule(
        actor=world.lead, one_on_one=pair.one, next_on=pair.one.next_on, hour=15, cadence_days=14
    )
    return pair


def _client(member: Membership) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


def _clean(text: str) -> bool:
    return not any(s in text for s in SECRETS)


@pytest.mark.parametrize("persona", PERSONAS)
def test_pages_and_api_are_404_and_change_nothing(world: World, persona: str) -> None:
    other = _people(world)[persona]
    pair = build_pair(world)
    client = _client(other)
    api = ApiClient(token_for(other))
    before = db_digest()
    pages = [
        ("get", reverse("oneonones:detail", args=[pair.one.pk]), {}),
        ("post", reverse("oneonones:notes", args=[pair.one.pk]), {"notes": "mine now"}),
        ("post", reverse("oneonones:item-add", args=[pair.one.pk]), {"kind": "action", "text": "x"}),
        ("post", reverse("oneonones:hold", args=[pair.one.pk]), {}),
        ("post", reverse("oneonones:item-done", args=[pair.action.pk]), {"done": "on"}),
        ("post", reverse("oneonones:item-delete", args=[pair.action.pk]), {}),
    ]
    for method, url, data in pages:
        response = getattr(client, method)(url, data)
        assert response.status_code == 404, (persona, url)
        assert _clean(response.content.decode())
    listing = client.get(reverse("oneonones:list"))
    assert listing.status_code == 200
    assert reverse("oneonones:detail", args=[pair.one.pk]) not in listing.content.decode()
    assert _clean(listing.content.decode())
    assert api.get("one-on-ones").json() == {"items": []}
    calls = [
        api.get(f"one-on-ones/{pair.one.pk}"),
        api.post(f"one-on-ones/{pair.one.pk}/items", {"kind": "talking_point", "text": "x"}),
        api.patch(f"one-on-ones/items/{pair.action.pk}", {"done": True}),
        api.put(f"one-on-ones/{pair.one.pk}/notes", {"notes": "x"}),
    ]
    for response in calls:
        assert response.status_code == 404, (persona, response.content)
        assert _clean(response.content.decode())
    assert db_digest() == before


def test_the_audit_log_holds_ids_kinds_and_lengths_never_text(world: World) -> None:
    _people(world)
    pair = _full_life(world)
    entries = list(AuditEntry.objects.filter(action__startswith="one_on_one."))
    assert {e.action for e in entries} == {
        "one_on_one.create",
        "one_on_one.update",
        "one_on_one.item_add",
        "one_on_one.item_update",
        "one_on_one.item_delete",
    }
    allowed = {"one_on_one", "kind", "text_length", "done", "meeting", "notes_length"}
    for e in entries:
        assert _clean(json.dumps(e.changes, default=str) + e.object_repr), e.action
        if e.action.startswith("one_on_one.item_"):
            assert set(e.changes) <= allowed, e.changes
    reworded = next(e for e in entries if e.action == "one_on_one.item_update" and "text_length" in e.changes)
    assert reworded.changes["text_length"] == [len(SECRET_POINT), len(REWORDED)]
    # What an admin (made a superuser) reads in the Django admin: the list, each entry, a search.
    type(world.admin.user).objects.filter(pk=world.admin.user.pk).update(is_staff=True, is_superuser=True)
    admin = _client(world.admin)
    listing = admin.get("/admin/core/auditentry/", {"action": "one_on_one.item_add"})
    assert listing.status_code == 200 and _clean(listing.content.decode())
    assert f"1:1 item {pair.point.pk}" in listing.content.decode()
    for e in entries:
        page = admin.get(f"/admin/core/auditentry/{e.pk}/change/")
        assert page.status_code == 200 and _clean(page.content.decode()), e.action
    found = admin.get("/admin/core/auditentry/", {"q": "Salary"}).content.decode()
    assert "0 audit entries" in found or "0 results" in found
    assert admin.get(f"/admin/oneonones/item/{pair.point.pk}/change/").status_code == 404


def test_the_planning_sheet_export_carries_no_1_1(world: World) -> None:
    _people(world)
    build_pair(world)
    client = _client(world.admin)
    url = reverse("sheets:download", args=[world.cycle.pk])
    csv = client.get(url, {"format": "csv"})
    assert csv.status_code == 200 and _clean(csv.content.decode("utf-8-sig"))
    xlsx = client.get(url, {"format": "xlsx"})
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.content), read_only=True)
    cells = [str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for v in row if v]
    assert cells and _clean("\n".join(cells))


def test_notifications_about_a_1_1_reach_only_its_two_people(world: World) -> None:
    people = _people(world)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    pair = build_pair(world, first_on=tomorrow)
    # Writing "@director" in a 1:1 is not a mention: only comments mention.
    services.item_add(actor=world.lead, meeting=pair.meeting, kind="talking_point", text="Ask @director and @admin")
    assert produce_reminders(timezone.now()) == 2
    rows = set(Notification.objects.values_list("recipient_id", "kind"))
    assert rows == {(world.lead.pk, Kind.ONE_ON_ONE), (world.member.pk, Kind.ONE_ON_ONE)}
    assert not Notification.objects.filter(recipient__in=people.values()).exists()
    stored = json.dumps(list(Notification.objects.values("title", "body", "data", "url")))
    assert _clean(stored) and "@director" not in stored
    assert all(_clean(str(m.subject) + str(m.body)) for m in mail.outbox)
    assert not any(p.user.email in m.to for m in mail.outbox for p in people.values())


def test_webhooks_and_chat_never_carry_1_1_events_or_text(world: World) -> None:
    _people(world)
    everything = hooks.endpoint_create(actor=world.admin, url="https://hooks.example.com/all")
    with pytest.raises(ValidationError) as refused:
        hooks.endpoint_create(actor=world.admin, url="https://hooks.example.com/1-1", event_prefixes=["one_on_one"])
    assert "event_prefixes" in refused.value.message_dict
    _full_life(world)
    dispatch.collect(WebhookEndpoint.objects.get(pk=everything.pk), now=timezone.now() + dt.timedelta(hours=1))
    sent = WebhookDelivery.objects.filter(endpoint=everything).select_related("audit_entry")
    assert not [d.audit_entry.action for d in sent if d.audit_entry.action.startswith("one_on_one")]
    # Chat posts (Slack, Teams), webhooks, notifications' channels, exports and calendars other than
    # the 1:1's own events cannot read 1:1s at all: no app but the API imports them.
    importers = sorted({a for (a, b) in app_graph() if b == "oneonones"})
    assert importers == ["api"]


def _uids(client: Client, token: str) -> dict[str, str]:
    calendar = Calendar.from_ical(client.get(reverse("calendars:feed", kwargs={"token": token})).content)
    return {str(e["uid"]): e.to_ical().decode() for e in calendar.walk("VEVENT")}


def test_the_1_1_is_only_in_its_two_peoples_calendars_without_its_notes(client: Client, world: World) -> None:
    people = _people(world)
    pair = build_pair(world)
    uid = f"one-on-one-{pair.one.pk}@ambit.calendar"
    for person in (world.lead, world.member):
        event = _uids(client, calendars.calendar_feed_create_own(actor=person).token)[uid]
        assert _clean(event)
    for persona, other in people.items():
        assert uid not in _uids(client, calendars.calendar_feed_create_own(actor=other).token), persona
    team_feed = calendars.calendar_feed_create_team(actor=world.lead, team=world.team).token
    assert uid not in _uids(client, team_feed)


def test_comment_threads_and_the_mention_picker_know_no_1_1(world: World) -> None:
    people = _people(world)
    pair = build_pair(world)
    for member in (world.lead, *people.values()):
        client = _client(member)
        # A 1:1 is not something one comments on, even for its two people.
        assert client.get(reverse("discussion:thread", args=["one-on-one", pair.one.pk])).status_code == 404
        for q in ("Salary", "member", "lead"):
            picked = client.get(reverse("discussion:mention-search"), {"q": q, "for": "x"})
            assert picked.status_code == 200 and _clean(picked.content.decode())
