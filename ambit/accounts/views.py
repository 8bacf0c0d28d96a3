"""Sign-in, password reset, people and invitations."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from ambit.accounts import invitations
from ambit.accounts.forms import AcceptInvitationForm, InvitationForm
from ambit.accounts.selectors import membership_list
from ambit.core.errors import Conflict
from ambit.core.middleware import SESSION_KEY
from ambit.core.permissions import require_admin
from ambit.front.decorators import member_required


@member_required
@require_http_methods(["GET", "POST"])
def members(request: HttpRequest) -> HttpResponse:
    """Everyone in the organisation with their role; admins invite and revoke here."""
    member = request.member  # type: ignore[attr-defined]
    form = InvitationForm(request.POST or None)
    created = None
    if request.method == "POST":
        require_admin(member, "invite people")
        if form.is_valid():
            try:
                created = invitations.invitation_create(
                    actor=member,
                    email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                    send=form.cleaned_data["send_email"],
                )
            except ValidationError as exc:
                for field, errs in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errs)
            except Conflict as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
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
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    member = request.member  # type: ignore[attr-defined]
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
    form = None if user else AcceptInvitationForm(request.POST or None, email=invitation.email)
    error = ""
    if request.method == "POST" and (form is None or form.is_valid()):
        try:
            membership = invitations.invitation_accept(
                token=token,
                user=user,  # type: ignore[arg-type]
                full_name=form.cleaned_data["full_name"] if form else "",
                password=form.cleaned_data["password1"] if form else None,
            )
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
    context = {"invitation": invitation, "form": form, "error": error, "token": token}
    return render(request, "accounts/invitation_accept.html", context)
