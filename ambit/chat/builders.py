"""The exact body a post sends: a message laid out for its webhook's service."""

from __future__ import annotations

from typing import Any

from ambit.chat.messages import ChatMessage
from ambit.chat.models import Service
from ambit.chat.slack import slack_payload
from ambit.chat.teams import teams_payload


def payload_for(service: str, message: ChatMessage) -> dict[str, Any]:
    if service == Service.TEAMS:
        return teams_payload(message)
    return slack_payload(message)
