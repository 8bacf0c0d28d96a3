"""Settings → Webhooks (mounted at /settings/webhooks/): the organisation's endpoints, each with its
secret, actions and delivery log. Admins only (403 for anyone else, 404 for another
organisation's endpoint); every change goes through ``services``."""

from __future__ import annotations

import functools

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods, require_POST

from ambit.core.forms import errors_on
from ambit.core.http import MemberRequest
from ambit.core.params import parse_id
from ambit.core.permissions import require_admin
from ambit.core.web import member_required, render_page
from ambit.hooks import selectors, services
from ambit.hooks.forms import EndpointForm
from ambit.hooks.models import DeliveryStatus

admin_only = member_required(permission=functools.partial(require_admin, what="manage webhooks"))


def _no_store(response: HttpResponse) -> HttpResponse:
    # The pages show signing secrets: never kept by a browser or a proxy.
    response["Cache-Control"] = "no-store"
    return response


@admin_only
@require_http_methods(["GET"])
def endpoint_list(request: MemberRequest) -> HttpResponse:
    endpoints = list(selectors.endpoint_list(actor=request.member))
    return render_page(request, "hooks/endpoint_list.html", {"endpoints": endpoints})


@admin_only
@require_http_methods(["GET", "POST"])
def endpoint_create(request: MemberRequest) -> HttpResponse:
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            endpoint = services.endpoint_create(actor=request.member, **form.cleaned_data)
        if not form.errors:
            messages.success(request, "Endpoint added. Give its signing secret to the receiver, then send a test.")
            return redirect("hooks:endpoint-detail", endpoint.pk)
    status = 400 if form.errors else 200
    return render_page(request, "hooks/endpoint_form.html", {"form": form, "endpoint": None}, status=status)


@admin_only
@require_http_methods(["GET"])
def endpoint_detail(request: MemberRequest, endpoint_id: int) -> HttpResponse:
    endpoint = selectors.endpoint_get(actor=request.member, endpoint_id=endpoint_id)
    before = parse_id(request.GET.get("before"))
    log = selectors.delivery_page(actor=request.member, endpoint=endpoint, before_id=before)
    context = {"endpoint": endpoint, "log": log, "statuses": DeliveryStatus, "paged": before is not None}
    return _no_store(
        render_page(request, "hooks/endpoint_detail.html", context, fragment="hooks/partials/delivery_rows.html")
    )


@admin_only
@require_http_methods(["GET", "POST"])
def endpoint_edit(request: MemberRequest, endpoint_id: int) -> HttpResponse:
    endpoint = selectors.endpoint_get(actor=request.member, endpoint_id=endpoint_id)
    initial = {"url": endpoint.url, "description": endpoint.description, "event_prefixes": endpoint.event_prefixes}
    form = EndpointForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            services.endpoint_update(actor=request.member, endpoint=endpoint, **form.cleaned_data)
        if not form.errors:
            messages.success(request, "Endpoint saved.")
            return redirect("hooks:endpoint-detail", endpoint.pk)
    status = 400 if form.errors else 200
    return render_page(request, "hooks/endpoint_form.html", {"form": form, "endpoint": endpoint}, status=status)


@admin_only
@require_POST
def endpoint_set_enabled(request: MemberRequest, endpoint_id: int, enabled: bool) -> HttpResponse:
    endpoint = selectors.endpoint_get(actor=request.member, endpoint_id=endpoint_id)
    services.endpoint_update(actor=request.member, endpoint=endpoint, enabled=enabled)
    messages.success(request, "Endpoint enabled: new events will be sent." if enabled else "Endpoint disabled.")
    return redirect("hooks:endpoint-detail", endpoint.pk)


@admin_only
@require_POST
def endpoint_rotate(request: MemberRequest, endpoint_id: int) -> HttpResponse:
    endpoint = selectors.endpoint_get(actor=request.member, endpoint_id=endpoint_id)
    services.endpoint_rotate_secret(actor=request.member, endpoint=endpoint)
    messages.success(request, "New signing secret made. The old one also signs for 24 hours: update the receiver.")
    return redirect("hooks:endpoint-detail", endpoint.pk)


@admin_only
@require_POST
def endpoint_test(request: MemberRequest, endpoint_id: int) -> HttpResponse:
    endpoint = selectors.endpoint_get(actor=request.member, endpoint_id=endpoint_id)
    delivery = services.endpoint_send_test(actor=request.member, endpoint=endpoint)
    if delivery.status == DeliveryStatus.SENT:
        messages.success(request, f"Test event delivered: the receiver answered HTTP {delivery.response_code}.")
    else:
        messages.error(request, f"Test event not delivered. {delivery.last_error}")
    return redirect("hooks:endpoint-detail", endpoint.pk)


@admin_only
@require_http_methods(["GET", "POST"])
def endpoint_delete(request: MemberRequest, endpoint_id: int) -> HttpResponse:
    endpoint = selectors.endpoint_get(actor=request.member, endpoint_id=endpoint_id)
    if request.method == "POST":
        services.endpoint_delete(actor=request.member, endpoint=endpoint)
        messages.success(request, f"Endpoint {endpoint.url} deleted with its delivery log.")
        return redirect("hooks:endpoint-list")
    return render_page(request, "hooks/endpoint_delete.html", {"endpoint": endpoint})
