"""The API tokens settings page: list, create (the secret is shown once), revoke."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from ambit.api import selectors, services
from ambit.core.errors import Conflict
from ambit.core.http import MemberRequest
from ambit.core.web import member_required


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What will use it, e.g. “Weekly sheet sync”.")
    read_only = forms.BooleanField(required=False, label="Read-only (cannot change anything)")


@member_required
@require_http_methods(["GET", "POST"])
def token_page(request: MemberRequest) -> HttpResponse:
    member = request.member
    created = None
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.api_token_create(
                actor=member, name=form.cleaned_data["name"], read_only=form.cleaned_data["read_only"]
            )
            form = TokenForm()
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
    tokens = list(selectors.api_token_list(actor=member))
    # The secret appears in this response only: never in a redirect, a message or the database.
    response = render(
        request,
        "api/tokens.html",
        {"form": form, "tokens": tokens, "created": created},
        status=201 if created else 200,
    )
    response["Cache-Control"] = "no-store"
    return response


@member_required
@require_POST
def token_revoke(request: MemberRequest, token_id: int) -> HttpResponse:
    member = request.member
    token = selectors.api_token_get(actor=member, token_id=token_id)
    try:
        services.api_token_revoke(actor=member, token=token)
        messages.success(request, f"Token “{token.name}” revoked: it no longer works.")
    except Conflict as exc:
        messages.info(request, exc.message)
    return redirect("apitokens:api-tokens")
