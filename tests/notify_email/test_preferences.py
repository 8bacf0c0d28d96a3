"""The preferences page: the person's own choices, saved through the service (audited, only the
changed fields), refused with a message when wrong, and nobody else's."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client

from ambit.core.models import AuditEntry
from ambit.notify.models import Kind, Preference
from ambit.notify.preferences import preference_update
from tests.builders import World

pytestmark = pytest.mark.django_db
URL = "/settings/notifications/"


def _form(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {"email_enabled": "on", "reminder_hour": "", "time_zone": ""}
    for kind in Kind:
        data[f"channels_{kind.value}"] = ["in_app", "email"]
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_page_shows_every_kind_with_labelled_choices(world: World, client: Client) -> None:
    client.force_login(world.member.user)
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    for kind in Kind:
        assert f"<legend>{kind.label}</legend>" in html
        assert f'id="id_channels_{kind.value}_0"' in html
    assert '<label for="id_reminder_hour">Reminder hour</label>' in html
    assert '<option value="Europe/Berlin">Europe/Berlin</option>' in html
    assert "The organisation&#x27;s (10:00)" in html
    assert 'name="email_enabled" id="id_email_enabled" checked' in html or "checked" in html


def test_the_settings_page_links_to_it(world: World, client: Client) -> None:
    client.force_login(world.member.user)
    assert f'href="{URL}"' in client.get("/settings/").content.decode()


def test_saving_stores_the_choices_and_audits_them(world: World, client: Client) -> None:
    client.force_login(world.member.user)
    response = client.post(
        URL,
        _form(
            channels_digest=["in_app"],
            channels_announcement=None,
            reminder_hour="7",
            time_zone="America/New_York",
        ),
    )
    assert response.status_code == 302 and response["Location"] == URL
    pref = Preference.objects.get(membership=world.member)
    assert pref.channels[Kind.DIGEST] == ["in_app"]
    assert pref.channels[Kind.ANNOUNCEMENT] == []
    assert pref.channels[Kind.CHECKIN_REMINDER] == ["in_app", "email"]
    assert pref.reminder_hour == 7
    assert pref.time_zone == "America/New_York"
    assert pref.email_stopped_at is None
    (entry,) = AuditEntry.objects.filter(object_type="notify.preference")
    assert entry.actor_id == world.member.user_id
    assert entry.changes["reminder_hour"] == [None, 7]
    assert entry.changes["time_zone"] == ["", "America/New_York"]

    # The page shows what was saved; saving it unchanged writes nothing more.
    html = client.get(URL).content.decode()
    assert '<option value="7" selected>07:00</option>' in html
    client.post(
        URL,
        _form(channels_digest=["in_app"], channels_announcement=None, reminder_hour="7", time_zone="America/New_York"),
    )
    assert AuditEntry.objects.filter(object_type="notify.preference").count() == 1


def test_turning_email_off_stops_it(world: World, client: Client) -> None:
    client.force_login(world.member.user)
    client.post(URL, _form(email_enabled=None))
    assert Preference.objects.get(membership=world.member).email_stopped_at is not None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("time_zone", "Mars/Olympus_Mons", "Select a valid choice"),
        ("reminder_hour", "24", "Select a valid choice"),
        ("channels_digest", ["pigeon"], "Select a valid choice"),
    ],
)
def test_invalid_values_are_refused_and_nothing_is_saved(
    world: World, client: Client, field: str, value: object, message: str
) -> None:
    client.force_login(world.member.user)
    response = client.post(URL, _form(**{field: value}))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert 'class="field-error"' in response.content.decode()
    assert not Preference.objects.exists()


def test_the_service_validates_on_its_own(world: World) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        preference_update(
            actor=world.member,
            membership=world.member,
            channels={},
            reminder_hour=5,
            time_zone="Nowhere/Land",
            email_enabled=True,
        )
    assert "is not a time zone" in str(error.value)
    with pytest.raises(ValidationError):
        preference_update(
            actor=world.member,
            membership=world.member,
            channels={"digest": ["sms"]},
            reminder_hour=None,
            time_zone="",
            email_enabled=True,
        )
    with pytest.raises(ValidationError):
        preference_update(
            actor=world.member,
            membership=world.member,
            channels={},
            reminder_hour=25,
            time_zone="",
            email_enabled=True,
        )
    assert not Preference.objects.exists()


def test_nobody_changes_someone_elses_preferences(world: World) -> None:
    kwargs: dict[str, Any] = {"channels": {}, "reminder_hour": None, "time_zone": "", "email_enabled": False}
    with pytest.raises(PermissionDenied):
        preference_update(actor=world.admin, membership=world.member, **kwargs)
    with pytest.raises(Http404):
        preference_update(actor=world.outsider, membership=world.member, **kwargs)
    assert not Preference.objects.exists()


def test_each_person_sees_and_saves_only_their_own(world: World, client: Client) -> None:
    client.force_login(world.outsider.user)
    client.post(URL, _form(reminder_hour="6"))
    (pref,) = Preference.objects.all()
    assert pref.membership_id == world.outsider.pk
    assert pref.organisation_id == world.outsider.organisation_id


def test_viewers_may_set_their_own(world: World, client: Client) -> None:
    client.force_login(world.viewer.user)
    assert client.post(URL, _form(reminder_hour="9")).status_code == 302
    assert Preference.objects.get(membership=world.viewer).reminder_hour == 9


def test_anonymous_is_sent_to_log_in(db: None) -> None:
    response = Client().get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
