"""Sign-in, password reset, people and invitations."""

from __future__ import annotations

import math
from typing import Any

from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.views import PasswordResetView
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from ambit.accounts import invitations
from ambit.accounts.forms import AcceptInvitationForm, InvitationForm
from ambit.accounts.middleware import SESSION_KEY
from ambit.accounts.selectors import membership_list
from ambit.accounts.throttle import password_reset_wait
from ambit.core.errors import Conflict
from ambit.core.forms import errors_on
from ambit.core.http import MemberRequest
from ambit.core.permissions import require_admin
from ambit.core.web import member_required, site_url


@member_required
@require_http_methods(["GET", "POST"])
def members(request: MemberRequest) -> HttpResponse:
    """Everyone in the organisation with their role; admins invite and revoke here."""
    member = request.member
    form = InvitationForm(request.POST or None)
    created = None
    if request.method == "POST":
        require_admin(member, "invite people")
        if form.is_valid():
            with errors_on(form):
                created = invitations.invitation_create(
                    actor=member,
                    email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                    send=form.cleaned_data["send_email"],
                    base_url=site_url(request),
                )
            if not form.errors:
                sent = " We emailed them the link." if form.cleaned_data["send_email"] else ""
                messages.success(request, f"Invitation created for {created.invitation.email}.{sent}")
                form = InvitationForm()
    context = {
        "member": member,
        "people": list(membership_list(actor=member).order_by("user__full_name", "user__email")),
        "open_invitations": invitations.invitation_list_open(actor=member) if member.is_admin else [],
        "form": form,
        "created": created,
    }
    return render(request, "accounts/members.html", context, status=400 if form.is_bound and form.errors else 200)


@member_required
@require_POST
def invitation_revoke(request: MemberRequest, pk: int) -> HttpResponse:
    member = request.member
    invitation = invitations.invitation_get(actor=member, invitation_id=pk)
    try:
        invitations.invitation_revoke(actor=member, invitation=invitation)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Invitation for {invitation.email} withdrawn; its link no longer works.")
    return redirect("accounts:members")


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Accept an invitation: a logged-in person joins with one click; a new person sets a name
    and password. Expired, used or withdrawn links get a clear page."""
    try:
        invitation = invitations.invitation_lookup(token=token)
    except Conflict as exc:
        return render(request, "accounts/invitation_invalid.html", {"message": exc.message}, status=410)
    user = request.user if request.user.is_authenticated else None
    # A link for someone else's address shows why it cannot be used here instead of a join button.
    refusal = invitations.invitation_addressee_mismatch(invitation=invitation, user=user) if user else ""
    form = None if user else AcceptInvitationForm(request.POST or None, email=invitation.email)
    error = ""
    if request.method == "POST" and not refusal and (form is None or form.is_valid()):
        try:
            membership = invitations.invitation_accept(
                token=token,
                user=user,
                full_name=form.cleaned_data["full_name"] if form else "",
                password=form.cleaned_data["password1"] if form else None,
            )
        except PermissionDenied as exc:
            refusal = str(exc)
        except ValidationError as exc:
            if form is None:
                raise PermissionDenied(str(exc)) from None
            for field, errs in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errs)
        except Conflict as exc:
            error = exc.message
        else:
            if user is None:
                login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
            request.session[SESSION_KEY] = membership.pk
            messages.success(request, f"Welcome to {membership.organisation.name}!")
            return redirect("front:home")
    context = {"invitation": invitation, "form": form, "error": error, "refusal": refusal, "token": token}
    status = 403 if refusal and request.method == "POST" else 200
    return render(request, "accounts/invitation_accept.html", context, status=status)


def _minutes(seconds: float) -> int:
    return max(1, math.ceil(seconds / 60))


def locked_out(request: HttpRequest, original_response: HttpResponse | None, credentials: Any = None) -> HttpResponse:
    """django-axes' lockout page (``AXES_LOCKOUT_CALLABLE``) for the login form and the admin login.

    The same page and status whether or not the account exists, so it reveals nothing about who
    has one.
    """
    cool_off = get_cool_off(request)
    seconds = cool_off.total_seconds() if cool_off else settings.LOGIN_COOLOFF_MINUTES * 60
    response = render(request, "registration/locked_out.html", {"minutes": _minutes(seconds)}, status=429)
    response["Retry-After"] = str(math.ceil(seconds))
    return response


class ThrottledPasswordResetView(PasswordResetView):
    """Django's reset form, limited per address and per IP (``ambit.accounts.throttle``).

    Past a limit no email is sent and the form says when to try again, with the same words
    whether or not the address has an account.
    """

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        wait = password_reset_wait(self.request, form.cleaned_data["email"])
        if not wait:
            return super().form_valid(form)
        form.add_error(
            None,
            f"Too many reset requests: wait {_minutes(wait)} minutes, then try again. "
            "If the email has arrived meanwhile, use the link in it.",
        )
        response = self.render_to_response(self.get_context_data(form=form), status=429)
        response["Retry-After"] = str(wait)
        return response
