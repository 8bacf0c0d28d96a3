"""The weekly reflection (issue 16, part 10): the service's rules and audit entry, the form the
weekly check-in loads beside itself, the page of one's own reflections, the API, and privacy on
every surface (pages, API, audit log, webhooks)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ambit.accounts.models import Membership
from ambit.core.models import AuditAction, AuditEntry
from ambit.hooks import dispatch
from ambit.hooks import services as hooks
from ambit.hooks.events import event_groups, known_prefix
from ambit.hooks.models import WebhookDelivery, WebhookEndpoint
from ambit.rituals.models import WeeklyReflection
from ambit.rituals.reflections import EMPTY_MESSAGE, save_reflection
from ambit.rituals.selectors import iso_week_label, local_today, monday_of
from ambit.strategy import services as strategy
from tests.api.conftest import ApiClient, token_for
from tests.builders import World
from tests.querycount import assert_queries, count_queries

pytestmark = pytest.mark.django_db

LEARNED = "Customers read the changelog more than the docs"
IN_MY_WAY = "Waiting three days for every design review"


def _monday(world: World) -> dt.date:
    return monday_of(local_today(world.org))


def _client(member: Membership) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


# --- The service ----------------------------------------------------------------------------------


def test_save_creates_then_updates_in_place_and_audits_lengths_never_the_text(world: World) -> None:
    monday = _monday(world)
    first = save_reflection(actor=world.member, week_start=monday + dt.timedelta(days=2), learned=LEARNED)
    assert (first.week_start, first.learned, first.in_my_way, first.author_id) == (monday, LEARNED, "", world.member.pk)
    entry = AuditEntry.objects.get(action=AuditAction.REFLECTION_SAVE)
    assert entry.changes == {"learned_length": [0, len(LEARNED)], "week_start": [None, monday.isoformat()]}
    again = save_reflection(actor=world.member, week_start=monday, learned=f"  {LEARNED} ", in_my_way=IN_MY_WAY)
    assert again.pk == first.pk and WeeklyReflection.objects.count() == 1
    again.refresh_from_db()
    assert (again.learned, again.in_my_way) == (LEARNED, IN_MY_WAY)
    latest = AuditEntry.objects.filter(action=AuditAction.REFLECTION_SAVE).order_by("-pk").first()
    assert latest is not None and latest.changes == {"in_my_way_length": [0, len(IN_MY_WAY)]}
    # Nothing changed: no write, no entry.
    save_reflection(actor=world.member, week_start=monday, learned=LEARNED, in_my_way=IN_MY_WAY)
    entries = AuditEntry.objects.filter(action=AuditAction.REFLECTION_SAVE)
    assert entries.count() == 2
    text = json.dumps(list(entries.values("changes", "object_repr")))
    assert LEARNED not in text and IN_MY_WAY not in text


def test_last_week_is_allowed_other_weeks_are_not(world: World) -> None:
    monday = _monday(world)
    last = save_reflection(actor=world.member, week_start=monday - dt.timedelta(days=7), in_my_way=IN_MY_WAY)
    assert last.week_start == monday - dt.timedelta(days=7)
    for week in (monday - dt.timedelta(days=14), monday + dt.timedelta(days=7)):
        with pytest.raises(ValidationError) as exc:
            save_reflection(actor=world.member, week_start=week, learned=LEARNED)
        message = exc.value.message_dict["week"][0]
        assert iso_week_label(monday) in message and iso_week_label(week) in message
    assert WeeklyReflection.objects.count() == 1


def test_validation_messages_and_nothing_half_written(world: World) -> None:
    monday = _monday(world)
    with pytest.raises(ValidationError) as exc:
        save_reflection(actor=world.member, week_start=monday, learned="  ", in_my_way="")
    assert exc.value.message_dict == {"learned": [EMPTY_MESSAGE]}
    with pytest.raises(ValidationError) as exc:
        save_reflection(actor=world.member, week_start=monday, learned="x" * 2001, in_my_way="bad\x00text")
    errors = exc.value.message_dict
    assert errors["learned"] == ["The what you learned is 2,001 characters long: keep it within 2,000."]
    assert "control characters" in errors["in_my_way"][0]
    ok = save_reflection(actor=world.member, week_start=monday, learned="x" * 2000)
    with pytest.raises(ValidationError):
        save_reflection(actor=world.member, week_start=monday, learned="", in_my_way="")
    ok.refresh_from_db()
    assert ok.learned == "x" * 2000
    assert AuditEntry.objects.filter(action=AuditAction.REFLECTION_SAVE).count() == 1


def test_viewers_cannot_write_one(world: World) -> None:
    with pytest.raises(PermissionDenied):
        save_reflection(actor=world.viewer, week_start=_monday(world), learned=LEARNED)
    assert not WeeklyReflection.objects.exists()


# --- The form beside the check-in, and the page -----------------------------------------------------


def test_the_check_in_page_loads_the_form_beside_it(world: World) -> None:
    html = _client(world.member).get(reverse("front:checkin")).content.decode()
    assert f'hx-get="{reverse("rituals:reflection-form")}"' in html
    viewer = _client(world.viewer).get(reverse("front:checkin")).content.decode()
    assert reverse("rituals:reflection-form") not in viewer


def test_the_form_shows_what_is_saved_and_saves_with_htmx(world: World) -> None:
    client = _client(world.member)
    form = client.get(reverse("rituals:reflection-form"), HTTP_HX_REQUEST="true")
    assert form.status_code == 200 and "no-store" in form["Cache-Control"]
    html = form.content.decode()
    week = iso_week_label(_monday(world))
    assert f"Weekly reflection · {week}" in html and 'for="reflection-learned"' in html
    assert 'for="reflection-in-my-way"' in html
    saved = client.post(
        reverse("rituals:reflection-save"),
        {"week": week, "learned": LEARNED, "in_my_way": IN_MY_WAY},
        HTTP_HX_REQUEST="true",
    )
    assert saved.status_code == 200
    assert f"Saved for {week}" in saved.content.decode()
    reflection = WeeklyReflection.objects.get(author=world.member)
    assert (reflection.learned, reflection.in_my_way) == (LEARNED, IN_MY_WAY)
    again = client.get(reverse("rituals:reflection-form"), HTTP_HX_REQUEST="true").content.decode()
    assert LEARNED in again and IN_MY_WAY in again and "Last saved" in again
    # Without HTMX the form's address is the page.
    assert client.get(reverse("rituals:reflection-form"))["Location"] == reverse("rituals:reflections")


def test_the_form_shows_the_services_message_and_keeps_what_was_typed(world: World) -> None:
    client = _client(world.member)
    response = client.post(
        reverse("rituals:reflection-save"),
        {"week": iso_week_label(_monday(world)), "learned": "y" * 2001, "in_my_way": "Blocked"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "keep it within 2,000" in html and 'aria-invalid="true"' in html and "Blocked" in html
    empty = client.post(reverse("rituals:reflection-save"), {"learned": "", "in_my_way": ""})
    assert empty.status_code == 422 and EMPTY_MESSAGE.replace("'", "&#x27;") in empty.content.decode()
    bad_week = client.post(reverse("rituals:reflection-save"), {"week": "soon", "learned": "x"})
    assert bad_week.status_code == 422 and "YYYY-Www" in bad_week.content.decode()
    assert not WeeklyReflection.objects.exists()


def test_saving_without_htmx_goes_to_the_page_and_viewers_are_refused(world: World) -> None:
    response = _client(world.member).post(reverse("rituals:reflection-save"), {"learned": LEARNED})
    assert response.status_code == 302 and response["Location"] == reverse("rituals:reflections")
    assert _client(world.viewer).post(reverse("rituals:reflection-save"), {"learned": LEARNED}).status_code == 403
    assert WeeklyReflection.objects.get().author_id == world.member.pk


def test_the_page_lists_only_my_own(world: World) -> None:
    monday = _monday(world)
    save_reflection(actor=world.member, week_start=monday - dt.timedelta(days=7), learned=LEARNED)
    save_reflection(actor=world.lead, week_start=monday, in_my_way="The lead's own worry")
    response = _client(world.member).get(reverse("rituals:reflections"))
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert LEARNED in html and iso_week_label(monday - dt.timedelta(days=7)) in html
    assert "The lead's own worry" not in html
    for persona in ("admin", "champion", "lead"):
        assert LEARNED not in _client(getattr(world, persona)).get(reverse("rituals:reflections")).content.decode()


def test_the_page_costs_the_same_for_1_and_30_reflections(world: World) -> None:
    monday = _monday(world)
    WeeklyReflection.objects.create(organisation=world.org, author=world.member, week_start=monday, learned="a")
    client = _client(world.member)
    url = reverse("rituals:reflections")
    client.get(url)
    with count_queries() as one:
        assert client.get(url).status_code == 200
    WeeklyReflection.objects.bulk_create(
        WeeklyReflection(
            organisation=world.org, author=world.member, week_start=monday - dt.timedelta(days=7 * i), learned=f"w{i}"
        )
        for i in range(1, 30)
    )
    with assert_queries(one, label="reflections page with 30 against 1"):
        html = client.get(url).content.decode()
    assert "Page 1 of 2" in html


# --- The API ------------------------------------------------------------------------------------------


def test_the_api_gets_puts_and_lists_my_own(world: World) -> None:
    member = ApiClient(token_for(world.member))
    week = iso_week_label(_monday(world))
    empty = json.loads(member.get("reflection").content)
    assert empty == {
        "week": week,
        "week_start": _monday(world).isoformat(),
        "learned": "",
        "in_my_way": "",
        "saved": False,
        "updated_at": None,
    }
    put = member.put("reflection", {"learned": LEARNED, "in_my_way": IN_MY_WAY})
    assert put.status_code == 200, put.content
    body = json.loads(put.content)
    assert (body["saved"], body["learned"], body["in_my_way"], body["week"]) == (True, LEARNED, IN_MY_WAY, week)
    assert json.loads(member.get("reflection", week=week).content)["learned"] == LEARNED
    listed = json.loads(member.get("reflections").content)
    assert [r["learned"] for r in listed["items"]] == [LEARNED] and listed["next_cursor"] is None
    refused = member.put("reflection", {"learned": "", "in_my_way": " "})
    assert refused.status_code == 422
    assert EMPTY_MESSAGE in refused.content.decode()
    assert member.put("reflection", {"week": "2001-W01", "learned": "x"}).status_code == 422
    assert member.get("reflection", week="never").status_code == 422
    assert ApiClient(token_for(world.viewer)).put("reflection", {"learned": "x"}).status_code == 403
    # Nobody else reads it, whatever their role.
    for persona in ("admin", "champion", "lead", "outsider"):
        other = ApiClient(token_for(getattr(world, persona)))
        assert json.loads(other.get("reflections").content)["items"] == []
        assert json.loads(other.get("reflection", week=week).content)["saved"] is False


def test_the_api_list_costs_the_same_with_one_or_many_rows(world: World) -> None:
    monday = _monday(world)
    WeeklyReflection.objects.create(organisation=world.org, author=world.member, week_start=monday, learned="a")
    client = ApiClient(token_for(world.member))
    client.get("organisation")  # the token's first use records last_used_at
    with count_queries() as one:
        assert client.get("reflections").status_code == 200
    WeeklyReflection.objects.bulk_create(
        WeeklyReflection(
            organisation=world.org, author=world.member, week_start=monday - dt.timedelta(days=7 * i), learned=f"w{i}"
        )
        for i in range(1, 15)
    )
    with assert_queries(one, label="reflection list with 15 against 1"):
        response = client.get("reflections", limit=200)
    assert len(response.json()["items"]) == 15
    first = client.get("reflections", limit=10).json()
    rest = client.get("reflections", limit=10, cursor=first["next_cursor"]).json()
    assert len(first["items"]) == 10 and len(rest["items"]) == 5 and rest["next_cursor"] is None


# --- Privacy beyond the pages: the audit log and webhooks ------------------------------------------------


def test_webhooks_never_send_a_reflection(world: World) -> None:
    endpoint = hooks.endpoint_create(actor=world.admin, url="https://hooks.example.com/ambit")
    assert not known_prefix("reflection") and not known_prefix("reflection.save")
    assert "reflection" not in [prefix for prefix, _ in event_groups()]
    save_reflection(actor=world.member, week_start=_monday(world), learned=LEARNED)
    strategy.value_create(actor=world.champion, name="Candour")
    dispatch.collect(WebhookEndpoint.objects.get(pk=endpoint.pk), now=timezone.now() + dt.timedelta(hours=1))
    sent = list(WebhookDelivery.objects.filter(endpoint=endpoint).values_list("audit_entry__action", flat=True))
    assert sent == ["value.create"]


def test_the_admin_audit_log_holds_no_reflection_text(client: Client, world: World) -> None:
    save_reflection(actor=world.member, week_start=_monday(world), learned=LEARNED, in_my_way=IN_MY_WAY)
    type(world.admin.user).objects.filter(pk=world.admin.user.pk).update(is_staff=True, is_superuser=True)
    client.force_login(world.admin.user)
    audit = client.get("/admin/core/auditentry/")
    assert audit.status_code == 200
    html = audit.content.decode()
    assert "reflection" in html.lower()
    assert LEARNED not in html and IN_MY_WAY not in html
    assert client.get("/admin/rituals/weeklyreflection/").status_code == 404
