"""The channels a notification can go out on, each behind one small interface.

A channel says whether it applies to a notification (``wants``: the person's preferences, an
address or webhook to send to) and sends one delivery (``send``: raise on failure, the caller
records it and retries with back-off). ``send`` must be safe to call again for the same delivery
after a crash between sending and recording (a worker killed mid-task): channels make repeats
recognisable downstream (the email's Message-ID is derived from the delivery, for instance).

Channels register themselves in :data:`CHANNELS` by name when their module is imported
(:func:`register`); ``ambit.notify.apps`` imports them all at start-up.
"""

from __future__ import annotations

from typing import Protocol

from ambit.notify.models import ChannelName, Delivery, Notification


class Channel(Protocol):
    name: str

    def wants(self, notification: Notification) -> bool: ...

    def send(self, delivery: Delivery) -> None: ...


CHANNELS: dict[str, Channel] = {}


def register(channel: Channel) -> Channel:
    CHANNELS[channel.name] = channel
    return channel


class InApp:
    """The inbox in Ambit itself: the notification row is the message, so there is nothing to send."""

    name = ChannelName.IN_APP.value

    def wants(self, notification: Notification) -> bool:
        return True

    def send(self, delivery: Delivery) -> None:
        return None


register(InApp())
