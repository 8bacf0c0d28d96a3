"""Presentation links: champions and admins create them (hashed secret, 1–30 days, audited) and
revoke them; the address opens the read-only deck without an account until it expires (a fixed
clock) or is revoked (410 with the reason); another organisation's link is a 404; wrong tokens are
throttled per address."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ambit.core.errors import Conflict
from ambit.core.models import AuditAction, AuditEntry
from ambit.present import services
from ambit.present.models import PresentationLink
from ambit.present.views import GUESS_LIMIT
from tests import factories as f
from tests.builders import World
from tests.helpers import db_digest
from tests.present.helpers import build_scene

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def _public(token: str) -> str:
    return reverse("present:public", kwargs={"token": token})


def test_creating_stores_only_the_hash_and_audits(world: World) -> None:
    issued = services.presentation_link_create(actor=world.champion, cycle=world.cycle, days=3, now=NOW)
    link = PresentationLink.objects.get()
    assert link.token_hash == hashlib.sha256(issued.token.encode()).hexdigest()
    assert issued.token not in str(PresentationLink.objects.values().get())
    assert (link.created_at, link.expires_at, link.created_by_id) == (
        NOW,
        NOW + dt.timedelta(days=3),
        world.champion.pk,
    )
    entry = AuditEntry.objects.get(action=AuditAction.PRESENTATION_LINK_CREATE)
    assert entry.object_id == str(link.pk) and entry.changes["cycle"] == [None, world.cycle.pk]


def test_the_default_is_seven_days_and_the_range_is_one_to_thirty(world: World) -> None:
    issued = services.presentation_link_create(actor=world.admin, cycle=world.cycle, now=NOW)
    assert issued.link.expires_at == NOW + dt.timedelta(days=7)
    before = db_digest()
    for bad in (0, 31, "abc", True, -1):
        with pytest.raises(ValidationError) as exc:
            services.presentation_link_create(actor=world.admin, cycle=world.cycle, days=bad)
        assert exc.value.message_dict == {"days": [services.DAYS_MESSAGE]}
    assert db_digest() == before


def test_only_champions_and_admins_create_and_revoke(world: World) -> None:
    issued = services.presentation_link_create(actor=world.champion, cycle=world.cycle)
    before = db_digest()
    for who in (world.lead, world.member, world.viewer):
        with pytest.raises(PermissionDenied):
            services.presentation_link_create(actor=who, cycle=world.cycle)
        with pytest.raises(PermissionDenied):
            services.presentation_link_revoke(actor=who, link=issued.link)
    with pytest.raises(Http404):
        services.presentation_link_create(actor=world.outsider, cycle=world.cycle)
    with pytest.raises(Http404):
        services.presentation_link_revoke(actor=world.outsider, link=issued.link)
    assert db_digest() == before


def test_the_link_opens_the_deck_until_it_expires(world: World) -> None:
    build_scene(world)
    issued = services.presentation_link_create(actor=world.champion, cycle=world.cycle, days=2)
    client = Client()
    page = client.get(_public(issued.token))
    html = page.content.decode()
    assert page.status_code == 200
    assert page["X-Robots-Tag"] == "noindex, nofollow" and '<meta name="robots" content="noindex, nofollow">' in html
    assert "Customers love onboarding" in html and "Ship faster" in html
    assert "Stay up" not in html and "Quiet reorg" not in html  # team-only and private objectives
    assert "Closed the Initech deal" not in html  # Friday wins stay in the app
    assert 'class="mainnav"' not in html and "/objectives/" not in html  # no way into the app
    later = issued.link.expires_at + dt.timedelta(seconds=1)
    with time_machine.travel(later, tick=False):
        gone = client.get(_public(issued.token))
    assert gone.status_code == 410
    assert "This presentation link expired on" in gone.content.decode()


def test_a_revoked_link_is_gone_and_cannot_be_revoked_twice(world: World) -> None:
    issued = services.presentation_link_create(actor=world.champion, cycle=world.cycle)
    services.presentation_link_revoke(actor=world.admin, link=issued.link, now=NOW)
    link = PresentationLink.objects.get()
    assert (link.revoked_at, link.revoked_by_id) == (NOW, world.admin.pk)
    assert AuditEntry.objects.filter(action=AuditAction.PRESENTATION_LINK_REVOKE, object_id=str(link.pk)).count() == 1
    with pytest.raises(Conflict):
        services.presentation_link_revoke(actor=world.admin, link=link)
    gone = Client().get(_public(issued.token))
    assert gone.status_code == 410 and "was revoked" in gone.content.decode()


def test_a_wrong_token_is_a_404_and_guessing_is_throttled(world: World) -> None:
    services.presentation_link_create(actor=world.champion, cycle=world.cycle)
    client = Client()
    for i in range(GUESS_LIMIT):
        assert client.get(_public(f"wrong-{i}")).status_code == 404
    assert client.get(_public("wrong-again")).status_code == 429


def test_another_organisation_s_link_is_a_404_on_the_pages(client: Client, world: World) -> None:
    other_cycle = f.CycleFactory.create(organisation=world.other_org, name="Globex quarter")
    issued = services.presentation_link_create(actor=world.outsider, cycle=other_cycle)
    client.force_login(world.admin.user)
    before = db_digest()
    assert client.post(reverse("present:link-revoke", args=[issued.link.pk])).status_code == 404
    assert client.get(reverse("present:links", args=[other_cycle.pk])).status_code == 404
    assert db_digest() == before
    assert PresentationLink.objects.get().revoked_at is None
    assert timezone.now() < issued.link.expires_at
