"""Small helpers the routers share: the acting membership, references in bodies, metrics."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.http import Http404, HttpRequest

from ambit.accounts.models import Membership
from ambit.api.problems import NotFoundIn
from ambit.okrs.metrics import Metrics, compute_metrics
from ambit.okrs.models import Objective

T = TypeVar("T")


def actor_of(request: HttpRequest) -> Membership:
    """The membership the request's token acts as (set by TokenAuth)."""
    return request.auth  # type: ignore[attr-defined,no-any-return]


def resolve(field: str, getter: Callable[..., T], **kwargs: Any) -> T:
    """Look up an object named in a request (body or filter) through its selector. Anything
    outside the caller's organisation is a 404, like a wrong id, naming the field at fault."""
    try:
        return getter(**kwargs)
    except Http404 as exc:
        raise NotFoundIn(field, str(exc) or "No such object.") from None


def resolve_optional(field: str, value: int | None, getter: Callable[..., T], **kwargs: Any) -> T | None:
    if value is None:
        return None
    return resolve(field, getter, **kwargs)


def changed(payload: Any) -> dict[str, Any]:
    """The fields the client sent in a PATCH body."""
    return payload.model_dump(exclude_unset=True)  # type: ignore[no-any-return]


def metrics_for(actor: Membership, objectives: Iterable[Objective], *, with_forecast: bool = False) -> Metrics:
    return compute_metrics(organisation=actor.organisation, objectives=objectives, with_forecast=with_forecast)


def scale_of(actor: Membership) -> str:
    return str(actor.organisation.confidence_scale)
