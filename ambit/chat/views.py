"""Settings → Chat channels (mounted at /settings/chat/): the Slack and Teams channels the acting
member manages (champions and admins: the organisation's and every team's; team leads: their
teams'), with "Send test message" and the recent posts. 403 for anyone else, 404 for another
organisation's channel; every change goes through ``services``."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods, require_POST

from ambit.chat import selectors, services
from ambit.chat.forms import ChannelForm
from ambit.chat.models import PostStatus
from ambit.core.forms import errors_on
from ambit.core.http import MemberRequest
from ambit.core.web import member_required, render_page

managers_only = member_required(permission=selectors.require_chat_manager)


def _no_store(response: HttpResponse) -> HttpResponse:
    # A form that failed shows the URL typed in: never kept by a browser or a proxy.
    response["Cache-Control"] = "no-store"
    return response


@managers_only
@require_http_methods(["GET", "POST"])
def channels(request: MemberRequest) -> HttpResponse:
    actor = request.member
    teams = selectors.team_choices(actor=actor)
    form = ChannelForm(request.POST or None, teams=teams, whole_organisation=actor.is_org_wide_editor)
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            webhook = services.webhook_create(actor=actor, **form.cleaned_data)
        if not form.errors:
            added = f"{webhook.get_service_display()} channel added. Send a test message to check it."
            messages.success(request, added)
            return redirect("chat:channels")
    webhooks = selectors.webhook_list(actor=actor)
    context = {
        "form": form,
        "webhooks": webhooks,
        "posts": selectors.recent_posts(actor=actor, webhooks=webhooks),
    }
    return _no_store(render_page(request, "chat/channels.html", context, status=400 if form.errors else 200))


@managers_only
@require_POST
def channel_test(request: MemberRequest, webhook_id: int) -> HttpResponse:
    webhook = selectors.webhook_get(actor=request.member, webhook_id=webhook_id)
    post = services.webhook_send_test(actor=request.member, webhook=webhook)
    if post.status == PostStatus.SENT:
        messages.success(request, f"Test message posted: the channel answered HTTP {post.response_code}.")
    else:
        messages.error(request, f"Test message not posted. {post.last_error}")
    return redirect("chat:channels")


@managers_only
@require_POST
def channel_set_enabled(request: MemberRequest, webhook_id: int, enabled: bool) -> HttpResponse:
    webhook = selectors.webhook_get(actor=request.member, webhook_id=webhook_id)
    services.webhook_update(actor=request.member, webhook=webhook, enabled=enabled)
    messages.success(request, "Channel enabled." if enabled else "Channel disabled: nothing is posted to it.")
    return redirect("chat:channels")


@managers_only
@require_http_methods(["GET", "POST"])
def channel_delete(request: MemberRequest, webhook_id: int) -> HttpResponse:
    webhook = selectors.webhook_get(actor=request.member, webhook_id=webhook_id)
    if request.method == "POST":
        services.webhook_delete(actor=request.member, webhook=webhook)
        messages.success(request, f"Channel {webhook.masked_url} removed with its posts.")
        return redirect("chat:channels")
    return render_page(request, "chat/channel_delete.html", {"webhook": webhook})
