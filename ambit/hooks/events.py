"""What an endpoint receives: an audited event as JSON, and the Standard Webhooks signature over it.

The payload is ``{"type", "timestamp", "data"}`` (the Standard Webhooks envelope), ``type`` being the
audit action (``check_in.record``) and ``data`` the organisation, the object, the actor and the
``changes`` exactly as the audit log stores them.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import secrets
from typing import Any

from django.db.models import Q
from standardwebhooks.webhooks import Webhook

from ambit.core.models import AuditAction, AuditEntry

# Audited actions that are never sent: a 1:1 is private to its two people (issue 16, part 6), a
# weekly reflection to its author and their manager (part 10).
PRIVATE_PREFIXES = ("one_on_one", "reflection")

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32


def new_secret() -> str:
    """A signing secret in the format the Standard Webhooks libraries read: ``whsec_`` + base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def event_groups() -> list[tuple[str, str]]:
    """The filter choices: one per kind of object in the audit log ("check_in": "Check-ins …")."""
    groups: dict[str, list[str]] = {}
    for action in AuditAction:
        prefix, verb = action.value.split(".", 1)
        if prefix in PRIVATE_PREFIXES:
            continue
        groups.setdefault(prefix, []).append(verb)
    return [(prefix, f"{prefix} ({', '.join(verbs)})") for prefix, verbs in groups.items()]


def known_prefix(prefix: str) -> bool:
    """Whether ``prefix`` names an object kind ("objective") or one action ("objective.create")."""
    if private(prefix):
        return False
    return any(a.value == prefix or a.value.startswith(prefix + ".") for a in AuditAction)


def private(action: str) -> bool:
    """Whether ``action`` (or a prefix) belongs to what is never sent (``PRIVATE_PREFIXES``)."""
    return any(action == p or action.startswith(p + ".") for p in PRIVATE_PREFIXES)


def prefixes_filter(prefixes: list[str]) -> Q:
    """Audit entries whose action is one of ``prefixes`` or starts with one followed by a dot."""
    condition = Q()
    for prefix in prefixes:
        condition |= Q(action=prefix) | Q(action__startswith=prefix + ".")
    return condition


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def event_payload(entry: AuditEntry) -> dict[str, Any]:
    """The JSON body for ``entry`` (its organisation and actor loaded with it)."""
    org = entry.organisation
    actor = entry.actor
    return {
        "type": entry.action,
        "timestamp": _iso(entry.created_at),
        "data": {
            "id": entry.pk,
            "organisation": None if org is None else {"id": org.pk, "slug": org.slug, "name": org.name},
            "object_type": entry.object_type,
            "object_id": entry.object_id,
            "object_name": entry.object_repr,
            "actor": None if actor is None else {"id": actor.pk, "name": actor.full_name, "email": actor.email},
            "changes": entry.changes,
        },
    }


def encode(payload: dict[str, Any]) -> str:
    """The exact text sent and signed (compact, UTF-8, keys in a stable order)."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def signature_headers(*, secrets_in_use: list[str], message_id: str, body: str, at: dt.datetime) -> dict[str, str]:
    """``webhook-id``, ``webhook-timestamp`` and ``webhook-signature`` (one ``v1,…`` per secret in
    use, space-separated: during a rotation receivers holding either secret can verify)."""
    at = at.astimezone(dt.UTC)
    signatures = [Webhook(secret).sign(msg_id=message_id, timestamp=at, data=body) for secret in secrets_in_use]
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": " ".join(signatures),
    }
