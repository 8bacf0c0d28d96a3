"""The closing announcement's email carries the cycle report: made once by the first delivery
(never in the closing request), read by every other, only while the cycle stays closed, and made
afresh after a reopening."""

from __future__ import annotations

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from ambit.closeout import services
from ambit.closeout.attachments import closing_report_attachment
from ambit.closeout.models import ClosingReport
from ambit.notify.email import build_message
from ambit.notify.models import ChannelName, Delivery, Kind, Notification
from tests.builders import World
from tests.closeout.helpers import Contracts, build_quarter, score_all

pytestmark = pytest.mark.django_db


def _close(world: World, contracts: Contracts) -> None:
    q = build_quarter(world)
    score_all(world, q)
    contracts.reflections_done = contracts.rollover_done = True
    services.cycle_close(actor=world.champion, cycle=q.cycle)


def test_each_closing_email_attaches_the_one_report_made_by_the_first_delivery(
    world: World, contracts: Contracts
) -> None:
    _close(world, contracts)
    assert not ClosingReport.objects.exists()  # closing itself makes no report
    notifications = list(Notification.objects.filter(kind=Kind.CYCLE_CLOSED).order_by("pk"))
    assert len(notifications) == 5
    first, second = (
        Delivery.objects.get_or_create(notification=n, channel=ChannelName.EMAIL)[0] for n in notifications[:2]
    )

    sent = [build_message(first), build_message(second)]

    report = ClosingReport.objects.get()
    assert report.cycle_id == world.cycle.pk and report.organisation_id == world.org.pk
    for message in sent:
        ((name, content, content_type),) = message.attachments
        assert name == report.file_name and name.endswith((".pdf", ".xlsx"))
        assert content == bytes(report.content)
        assert content_type == report.content_type
    assert bytes(report.content)[:4] in (b"%PDF", b"PK\x03\x04")


def test_no_report_once_the_cycle_is_reopened_and_a_new_one_after_closing_again(
    world: World, contracts: Contracts
) -> None:
    _close(world, contracts)
    notification = Notification.objects.filter(kind=Kind.CYCLE_CLOSED).first()
    assert notification is not None
    assert closing_report_attachment(notification) is not None
    services.cycle_reopen(actor=world.admin, cycle=world.cycle)
    assert not ClosingReport.objects.exists()
    assert closing_report_attachment(notification) is None
    assert not ClosingReport.objects.exists()
    # Other kinds carry nothing.
    other = Notification.objects.create(
        organisation_id=world.org.pk, recipient=world.member, kind=Kind.DIGEST, key="d", title="Digest"
    )
    delivery = Delivery.objects.get_or_create(notification=other, channel=ChannelName.EMAIL)[0]
    assert build_message(delivery).attachments == []


def test_the_console_backend_of_development_prints_no_file(
    world: World, contracts: Contracts, settings: SettingsWrapper
) -> None:
    _close(world, contracts)
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    notification = Notification.objects.filter(kind=Kind.CYCLE_CLOSED).first()
    assert notification is not None
    assert closing_report_attachment(notification) is None
    assert not ClosingReport.objects.exists()
