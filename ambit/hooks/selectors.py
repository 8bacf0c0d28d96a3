"""Reads of webhook endpoints and their delivery log, scoped to the acting admin's organisation
(an endpoint of another organisation is a 404, as if it did not exist)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404

from ambit.accounts.models import Membership
from ambit.core.permissions import require_admin, require_same_org
from ambit.hooks.models import WebhookDelivery, WebhookEndpoint

LOG_PAGE = 25
WHAT = "manage webhooks"


def endpoint_list(*, actor: Membership) -> QuerySet[WebhookEndpoint]:
    require_admin(actor, WHAT)
    return WebhookEndpoint.objects.filter(organisation_id=actor.organisation_id).order_by("created_at", "pk")


def endpoint_get(*, actor: Membership, endpoint_id: int) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.filter(organisation_id=actor.organisation_id, pk=endpoint_id).first()
    if endpoint is None or not actor.is_active:
        raise Http404("No such webhook endpoint.")
    require_admin(actor, WHAT)
    return endpoint


@dataclass
class LogPage:
    deliveries: list[WebhookDelivery]
    older_than: int | None  # the id to ask for the next (older) page with, None on the last page


def delivery_page(*, actor: Membership, endpoint: WebhookEndpoint, before_id: int | None = None) -> LogPage:
    """The endpoint's deliveries, newest first, LOG_PAGE at a time (keyset paging on the id)."""
    require_same_org(actor, endpoint.organisation_id)
    require_admin(actor, WHAT)
    qs = WebhookDelivery.objects.filter(endpoint_id=endpoint.pk).select_related("audit_entry").order_by("-pk")
    if before_id is not None:
        qs = qs.filter(pk__lt=before_id)
    rows = list(qs[: LOG_PAGE + 1])
    more = len(rows) > LOG_PAGE
    rows = rows[:LOG_PAGE]
    return LogPage(deliveries=rows, older_than=rows[-1].pk if more else None)
